"""MAP messages and the map model: the MEC's MAP of one junction, and the vehicle's map rebuilt from the MAP
messages it received. On the wire they are the V2X set's ASN.1 MAP (``v2x/asn1_codec.encode_map``).

One message per junction (J2735 MapData, one intersection): its connecting lanes and the full approach lanes
touching it (ingress lanes lead into it, egress lanes out of it), each with its road and lane id, centre
points (1 cm; a lane of more than 63 points is thinned, chords over 300 m are split), mean width, speed limit
and stop line, and the connections (ingress -> connecting lane, with the movement's signal group;
connecting -> egress lane). Lane ids are J2735 LaneIDs (1, 2, ... in message order), signal groups the
SPaT's numbers (``signal_groups.py``); junction and road ids must be numbers.

``hdmap_from_messages`` turns received messages back into an :class:`HdMap`, so the vehicle runs the same
:class:`MapService` (matching, path, stop lines, signal groups, conflict areas from the geometry) on what came
over the link. Lanes shared by two junctions' messages (the road between them) are the same (road, lane) and
are merged. What a MAP does not carry comes back as: road s = the distance along the lane from its start,
every lane driven in +s; one speed record per lane; stop line id ``stop_<road>_<lane>``; per signal group one
controller and one signal, both ``<junction>_group<NNN>`` (so that their numbers come back the same).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from coop_drive.hdmap.map_model import HdMap, Junction, Lane, Road, Signal, SpeedRecord
from coop_drive.hdmap.signal_groups import signal_group_numbers
from coop_drive.v2x.frame import V2XDecodeError
from coop_drive.v2x.messages import LaneConnection, LaneRole, MapLane, MapMessage

FloatArray = NDArray[np.float64]
Links = dict[tuple[int, int], int | None]  # (from lane index, to lane index) -> signal group number

MAX_NODE_STEP_M = 300.0  # chords longer than this are split (a MAP node step reaches +-327.67 m per axis)
MAX_NODES = 63  # per MAP lane (J2735 NodeSetXY)


def group_id(junction_id: str, number: int) -> str:
    """The controller (and signal) id a received signal group gets in the rebuilt map."""
    return f"{junction_id}_group{number:03d}"


def _number(kind: str, text: str) -> int:
    if not text.isdigit() or str(int(text)) != text:
        raise ValueError(f"{kind} id {text!r}: a MAP carries it as a number")
    return int(text)


def _movement_group(m: HdMap, inbound: Lane, connecting: Lane) -> str | None:
    """The group (controller id, else the signal id) controlling inbound -> connecting; None: unsignalised."""
    sids = connecting.signal_ids or inbound.signal_ids
    if not sids:
        return None
    return sorted({c for s in sids for c in m.signals[s].controller_ids} or set(sids))[0]


def _links(m: HdMap, junction_id: str) -> Links:
    """Every lane-to-lane link through the junction, with the signal group number of its movement."""
    groups: dict[tuple[int, int], str | None] = {}
    for i in m.junctions[junction_id].lane_indices:
        lane = m.lanes[i]
        for p in lane.predecessors:
            groups[(p, i)] = _movement_group(m, m.lanes[p], lane)
        for q in lane.successors:
            groups.setdefault((i, q), None)
    numbers = signal_group_numbers(m, junction_id)
    for gid in sorted({g for g in groups.values() if g is not None} - numbers.keys()):
        numbers[gid] = len(numbers) + 1  # a signal without a controller: a group of its own, after the others
    return {link: None if g is None else numbers[g] for link, g in groups.items()}


def _kept(xy: FloatArray, tolerance_m: float) -> list[int]:
    """Douglas-Peucker: the vertices to keep so that none dropped lies farther than tolerance_m off the rest."""
    keep, spans = {0, len(xy) - 1}, [(0, len(xy) - 1)]
    while spans:
        i, j = spans.pop()
        if j - i < 2:
            continue
        d, r = xy[j] - xy[i], xy[i + 1:j] - xy[i]
        chord = float(np.hypot(*d))
        dist = np.abs(d[0] * r[:, 1] - d[1] * r[:, 0]) / chord if chord > 1e-12 else np.hypot(*r.T)
        k = int(np.argmax(dist))
        if dist[k] > tolerance_m:
            keep.add(i + 1 + k)
            spans += [(i, i + 1 + k), (i + 1 + k, j)]
    return sorted(keep)


def _simplified(xy: FloatArray) -> FloatArray:
    """A lane with more vertices than a MAP lane carries, thinned (1 cm off at first, coarser if need be)."""
    tolerance_m = 0.01
    while len(xy) > MAX_NODES:
        kept = _kept(xy, tolerance_m)
        if len(kept) <= MAX_NODES:
            return xy[kept]
        tolerance_m *= 2.0
    return xy


def _densified(xy: FloatArray) -> FloatArray:
    """The polyline with points added on its chords so that none is longer than MAX_NODE_STEP_M."""
    out = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / MAX_NODE_STEP_M))
        out.append(a + (np.arange(1, n + 1) / n)[:, None] * (b - a))
    return np.vstack(out)


def _message_lane(lane: Lane, lane_id: int, role: LaneRole, connections: tuple[LaneConnection, ...]) -> MapLane:
    stop = None
    if lane.stop_lines:  # the last one: where the lane meets the junction
        along = lane.stop_lines[-1][0]
        stop = (float(np.interp(along, lane.along_m, lane.xy_m[:, 0])),
                float(np.interp(along, lane.along_m, lane.xy_m[:, 1])))
    nodes = tuple((float(x), float(y)) for x, y in _densified(_simplified(lane.xy_m)))
    return MapLane(lane_id, float(lane.width_m.mean()), nodes, stop, connections,
                   lane.speed[0].speed_mps if lane.speed else None, role, _number("road", lane.road_id), lane.lane_id)


def intersection_map(m: HdMap, junction_id: str, msg_count: int = 0, time_s: float = 0.0) -> MapMessage:
    """The MEC side: one junction's MAP from the full map (msg_count: the map's revision)."""
    intersection_id = _number("junction", junction_id)
    inside = list(m.junctions[junction_id].lane_indices)
    links = _links(m, junction_id)
    order = inside + sorted({k for link in links for k in link} - set(inside))
    lane_ids = {index: k + 1 for k, index in enumerate(order)}
    xy = np.vstack([m.lanes[i].xy_m for i in inside])
    ref = (round(float(xy[:, 0].mean()), 2), round(float(xy[:, 1].mean()), 2))
    lanes = []
    for i in order:
        role = (LaneRole.CONNECTING if i in inside else
                LaneRole.INGRESS if any(a == i for a, _ in links) else LaneRole.EGRESS)
        connections = tuple(sorted((LaneConnection(lane_ids[b], g) for (a, b), g in links.items() if a == i),
                                   key=lambda c: c.connecting_lane_id))
        lanes.append(_message_lane(m.lanes[i], lane_ids[i], role, connections))
    return MapMessage(msg_count, time_s, intersection_id, ref, tuple(lanes))


def check_map_message(msg: MapMessage) -> None:
    """Raise V2XDecodeError unless the lanes and connections of a received MAP fit together."""
    where = f"MAP intersection {msg.intersection_id}"
    ids = [lane.lane_id for lane in msg.lanes]
    if len(set(ids)) != len(ids):
        raise V2XDecodeError(f"{where}: lane ids repeat")
    if len({(lane.road_id, lane.road_lane_id) for lane in msg.lanes}) != len(ids):
        raise V2XDecodeError(f"{where}: a road lane is sent twice")
    for lane in msg.lanes:
        for c in lane.connections:
            if c.connecting_lane_id not in ids:
                raise V2XDecodeError(f"{where}: lane {lane.lane_id} connects to lane {c.connecting_lane_id}, "
                                     f"which is not in the message")


def _tangents(xy: FloatArray) -> FloatArray:
    d = np.diff(xy, axis=0)
    seg = np.arctan2(d[:, 1], d[:, 0])
    out = np.empty(len(xy))
    out[0], out[-1] = seg[0], seg[-1]
    if len(xy) > 2:  # a vertex between two chords of an arc: the mean of their directions
        turn = (seg[1:] - seg[:-1] + np.pi) % (2 * np.pi) - np.pi
        out[1:-1] = seg[:-1] + 0.5 * turn
    if len(xy) > 2:  # ends of a curved lane: extrapolate half a chord turn
        out[0] = seg[0] - 0.5 * ((seg[1] - seg[0] + np.pi) % (2 * np.pi) - np.pi)
        out[-1] = seg[-1] + 0.5 * ((seg[-1] - seg[-2] + np.pi) % (2 * np.pi) - np.pi)
    return out


def _along_of(xy: FloatArray, along: FloatArray, point: tuple[float, float]) -> float:
    """Distance along a polyline to the projection of a point on it."""
    a, d = xy[:-1], np.diff(xy, axis=0)
    u = np.clip(((np.asarray(point) - a) * d).sum(axis=1) / np.maximum((d**2).sum(axis=1), 1e-18), 0.0, 1.0)
    dist = np.hypot(*(a + u[:, None] * d - point).T)
    j = int(np.argmin(dist))
    return float(along[j] + u[j] * (along[j + 1] - along[j]))


def _rebuilt_lane(index: int, ml: MapLane, junction_id: str) -> Lane:
    xy = np.array(ml.nodes_xy_m, dtype=float)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    in_junction = ml.role is LaneRole.CONNECTING
    lane = Lane(index, str(ml.road_id), 0, ml.road_lane_id, junction_id if in_junction else None, True, xy,
                along.copy(), np.full(len(xy), ml.width_m), along, _tangents(xy),
                () if ml.speed_limit_mps is None else (SpeedRecord(0.0, ml.speed_limit_mps),))
    if ml.stop_line_xy_m is not None:
        lane.stop_lines.append((_along_of(xy, along, ml.stop_line_xy_m), f"stop_{ml.road_id}_{ml.road_lane_id}"))
    return lane


def _link(src: Lane, dst: Lane) -> None:
    if dst.index not in src.successors:
        src.successors.append(dst.index)
        dst.predecessors.append(src.index)


def hdmap_from_messages(messages: Sequence[MapMessage], name: str = "received") -> HdMap:
    """The vehicle's map: every received intersection merged into one HdMap (lanes keyed by road & lane)."""
    lanes: list[Lane] = []
    key_to_index: dict[tuple[str, int], int] = {}
    roads: dict[str, Road] = {}
    junction_lanes: dict[str, list[int]] = {}
    signals: dict[str, Signal] = {}
    for msg in messages:
        jid = str(msg.intersection_id)
        local: dict[int, Lane] = {}
        for ml in msg.lanes:
            key = (str(ml.road_id), ml.road_lane_id)
            if key not in key_to_index:
                lane = _rebuilt_lane(len(lanes), ml, jid)
                key_to_index[key] = lane.index
                lanes.append(lane)
                roads.setdefault(lane.road_id, Road(lane.road_id, "", 0.0, lane.junction_id)).lane_indices.append(
                    lane.index)
                if lane.junction_id is not None:
                    junction_lanes.setdefault(jid, []).append(lane.index)
            local[ml.lane_id] = lanes[key_to_index[key]]
        for ml in msg.lanes:
            for c in ml.connections:
                dst = local[c.connecting_lane_id]
                _link(local[ml.lane_id], dst)
                if c.signal_group is not None:
                    gid = group_id(jid, c.signal_group)
                    signals[gid] = Signal(gid, "", 0.0, 0.0, "1000001", "-1", "", True, "+", (), (gid,))
                    if gid not in dst.signal_ids:
                        dst.signal_ids.append(gid)
    junctions = {jid: Junction(jid, jid, tuple(idx)) for jid, idx in junction_lanes.items()}
    controllers: dict[str, tuple[str, ...]] = {gid: (gid,) for gid in signals}
    return HdMap(name, "MAP messages", roads, lanes, junctions, signals, controllers, None)
