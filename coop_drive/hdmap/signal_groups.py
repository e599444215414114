"""Signal group numbers: which number a junction's signal group (OpenDRIVE controller) carries on the air.

SPAT movements and MAP connections name a signal group by a number (J2735 SignalGroupID); both the MEC and
the vehicle compute it from their map (onboard, or rebuilt from MAP messages): 1 + the index of the group's
controller id among the controllers of the junction's inbound lanes, sorted.
"""

from __future__ import annotations

from coop_drive.hdmap.map_model import HdMap


def inbound_lanes(hdmap: HdMap, junction_id: str) -> list[int]:
    """The lanes outside the junction that lead into it."""
    return [ln.index for ln in hdmap.lanes
            if ln.junction_id is None and any(hdmap.lanes[s].junction_id == junction_id for s in ln.successors)]


def controllers_of(hdmap: HdMap, lane_index: int) -> set[str]:
    """The controllers of the signals valid on a lane or on the lanes it leads to."""
    lane = hdmap.lanes[lane_index]
    ids = list(lane.signal_ids)
    for s in lane.successors:
        ids.extend(hdmap.lanes[s].signal_ids)
    return {c for sid in ids if sid in hdmap.signals for c in hdmap.signals[sid].controller_ids}


def signal_group_numbers(hdmap: HdMap, junction_id: str) -> dict[str, int]:
    """OpenDRIVE controller id -> signal group number (1, 2, ...) for one junction."""
    controllers: set[str] = set()
    for idx in inbound_lanes(hdmap, junction_id):
        controllers |= controllers_of(hdmap, idx)
    return {c: i + 1 for i, c in enumerate(sorted(controllers))}
