"""The map model: driving lanes as centre polylines in travel order, with OpenDRIVE ids kept.

Frames and units: map frame = OpenDRIVE inertial frame (ENU, metres, yaw CCW from +x, radians).
``s`` always means the OpenDRIVE road reference-line coordinate of the lane's road [m] (what
carla.Waypoint.s reports); ``along`` means distance travelled along the lane centre in its driving
direction from the lane's start [m].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from coop_drive.hdmap.geo import GeoReference

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SpeedRecord:
    """Lane speed limit from road coordinate ``s_start_m`` on."""

    s_start_m: float
    speed_mps: float


@dataclass
class Lane:
    """One driving lane of one lane section. Vertices run in the DRIVING direction."""

    index: int  # position in HdMap.lanes
    road_id: str
    section: int  # lane-section index within the road
    lane_id: int  # OpenDRIVE lane id (negative: right of the reference line)
    junction_id: str | None  # None outside junctions
    forward: bool  # drives in +s (right lanes in right-hand traffic)
    xy_m: FloatArray  # (n, 2) centre-line vertices
    s_m: FloatArray  # (n,) road s of each vertex (decreasing when not forward)
    width_m: FloatArray  # (n,) lane width at each vertex
    along_m: FloatArray  # (n,) distance along the centre polyline from the first vertex
    heading_rad: FloatArray  # (n,) tangent heading of the driving direction at each vertex
    speed: tuple[SpeedRecord, ...] = ()
    successors: list[int] = field(default_factory=list)
    predecessors: list[int] = field(default_factory=list)
    stop_lines: list[tuple[float, str]] = field(default_factory=list)  # (along_m, signal id), sorted
    signal_ids: list[str] = field(default_factory=list)  # dynamic signals (traffic lights) valid here

    @property
    def length_m(self) -> float:
        return float(self.along_m[-1])

    @property
    def key(self) -> tuple[str, int]:
        return (self.road_id, self.lane_id)

    def heading_at_start_rad(self) -> float:
        return float(self.heading_rad[0])

    def heading_at_end_rad(self) -> float:
        return float(self.heading_rad[-1])

    def speed_limit_mps(self, s_m: float) -> float | None:
        """The lane speed limit at road coordinate s_m (None if the map gives none)."""
        limit = None
        for rec in self.speed:  # sorted by s_start_m; records apply from their s on
            if rec.s_start_m <= s_m + 1e-9:
                limit = rec.speed_mps
        return limit if limit is not None else (self.speed[0].speed_mps if self.speed else None)


@dataclass(frozen=True)
class Signal:
    """An OpenDRIVE <signal>: stop line (type 294), traffic light (dynamic), or sign."""

    signal_id: str
    road_id: str
    s_m: float
    t_m: float
    signal_type: str
    subtype: str
    name: str
    dynamic: bool
    orientation: str  # "+", "-" or "none"
    lanes: tuple[int, ...]  # OpenDRIVE lane ids it is valid for (from <validity>, else by orientation)
    controller_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Junction:
    junction_id: str
    name: str
    lane_indices: tuple[int, ...]  # connecting lanes inside it


@dataclass
class Road:
    road_id: str
    name: str
    length_m: float
    junction_id: str | None
    lane_indices: list[int] = field(default_factory=list)


@dataclass
class HdMap:
    """A loaded OpenDRIVE map."""

    name: str
    source: str
    roads: dict[str, Road]
    lanes: list[Lane]
    junctions: dict[str, Junction]
    signals: dict[str, Signal]
    controllers: dict[str, tuple[str, ...]]  # controller id -> signal ids
    geo: GeoReference | None

    def lane(self, road_id: str, lane_id: int, s_m: float | None = None) -> Lane:
        """The lane with these OpenDRIVE ids (the section containing s_m if given, else the first)."""
        found = [self.lanes[i] for i in self.roads[road_id].lane_indices if self.lanes[i].lane_id == lane_id]
        if not found:
            raise KeyError(f"road {road_id} has no driving lane {lane_id}")
        if s_m is not None:
            for lane in found:
                lo, hi = sorted((float(lane.s_m[0]), float(lane.s_m[-1])))
                if lo - 1e-6 <= s_m <= hi + 1e-6:
                    return lane
        return found[0]
