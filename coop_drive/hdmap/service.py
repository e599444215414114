"""Map queries in map-frame SI units: lane matching (single and batched), and what lies ahead on a route.

Lane matching scores every lane-centre segment within reach of the point (see ``index.py``):

    cost = 100 * (metres outside the lane) + |heading error| [rad] + 0.5 * (lane not on the route)
           + 0.1 * (distance to the lane centre) [m]

where "outside" includes being before a lane's first or past its last vertex (so the lane a point is
really on beats the one that ends just behind it), and a lane covers [start, end): at an exact tie
between a lane's end and its successor's start the successor wins (as in carla.Map). A point inside
a lane beats one outside it; among overlapping junction lanes the heading decides
when they differ by more than ~0.5 rad (29 deg), and the route decides between near-parallel ones
(e.g. the first metres of a right turn and the straight lane beside it). A point farther than
``OFFROAD_TOLERANCE_M`` outside every lane matches nothing.

A route is a sequence of OpenDRIVE road ids in driving order (``roads_from_sumo_edges`` converts
SUMO edge ids such as ``-1``); the connecting roads between consecutive route roads are on it too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from coop_drive.hdmap.index import GridIndex, SegmentTable
from coop_drive.hdmap.map_model import HdMap, Lane
from coop_drive.hdmap.parser import load_map, traffic_light_count

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

OFFROAD_TOLERANCE_M = 0.5
W_OUTSIDE_PER_M = 100.0
W_HEADING_PER_RAD = 1.0
W_OFF_ROUTE = 0.5
W_DISTANCE_PER_M = 0.1
HORIZON_M = 1000.0
END_TIE_M = 1e-6  # lanes are half-open [start, end): an exact tie goes to the successor
CONFLICT_STEP_M = 0.25
CONFLICT_MARGIN_M = 0.5  # each side: a vehicle corridor is the lane width less 2 x this

Route = Sequence[str]


def roads_from_sumo_edges(edges: Sequence[str]) -> list[str]:
    """SUMO edge ids of a netconvert'ed map (``-N`` / ``N``) -> OpenDRIVE road ids."""
    return [e.lstrip("-") for e in edges if not e.startswith(":")]


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


@dataclass(frozen=True)
class LaneMatch:
    lane_index: int
    road_id: str
    lane_id: int
    s_m: float  # road reference-line coordinate of the projection
    along_m: float  # distance along the lane (driving direction) from its start
    lateral_offset_m: float  # from the lane centre, positive to the left of the driving direction
    heading_error_rad: float  # pose yaw - lane heading, wrapped to [-pi, pi); 0 without a yaw
    junction_id: str | None


@dataclass(frozen=True)
class MatchBatch:
    """Batched matches; lane_index -1 where nothing matched (other fields then NaN)."""

    lane_index: IntArray
    s_m: FloatArray
    along_m: FloatArray
    lateral_offset_m: FloatArray
    heading_error_rad: FloatArray


@dataclass(frozen=True)
class LaneSpan:
    """A lane on the path ahead, from start_m to end_m (distances from the pose along the path)."""

    road_id: str
    lane_id: int
    junction_id: str | None
    start_m: float
    end_m: float


@dataclass(frozen=True)
class StopLineAhead:
    signal_id: str
    road_id: str
    lane_id: int
    distance_m: float


@dataclass(frozen=True)
class SignalGroup:
    """The signal group (OpenDRIVE controller) that controls the ego's movement through a junction."""

    junction_id: str
    group_id: str  # controller id; the signal id when the signal has no controller
    signal_ids: tuple[str, ...]
    connecting_road_id: str  # the movement: the connecting road the path takes
    connecting_lane_id: int
    junction_entry_m: float  # distance from the pose to the junction entry


@dataclass(frozen=True)
class ConflictArea:
    """Where another junction lane's vehicle corridor overlaps the ego's connecting lane's.

    A corridor is the lane centre +- (half lane width - CONFLICT_MARGIN_M), so lanes side by side (3.5 m
    apart) do not conflict, and a crossing lane's area spans the full width of both corridors.

    entry_m/exit_m: distances from the pose (queries) or from the ego lane's start (``junction_conflicts``);
    other_entry_m/other_exit_m: along the other lane from its start.
    """

    junction_id: str
    ego_road_id: str
    ego_lane_id: int
    other_road_id: str
    other_lane_id: int
    kind: str  # "cross" or "merge"
    entry_m: float
    exit_m: float
    other_entry_m: float
    other_exit_m: float


class MapService:
    def __init__(self, hdmap: HdMap, cell_m: float = 2.0) -> None:
        self.map = hdmap
        self.segs = SegmentTable.from_lanes(hdmap.lanes)
        reach = 0.5 * max(float(ln.width_m.max()) for ln in hdmap.lanes) + OFFROAD_TOLERANCE_M
        self.index = GridIndex(self.segs, reach, cell_m)
        s = self.segs
        self._rows = [
            (float(s.a[i, 0]), float(s.a[i, 1]), float(s.d[i, 0]), float(s.d[i, 1]), float(s.inv_len2[i]),
             float(s.inv_len[i]), float(s.heading_rad[i]), float(s.turn_rad[i]), float(s.w0_m[i]),
             float(s.w1_m[i] - s.w0_m[i]),
             int(s.lane[i]), bool(s.starts_lane[i]), bool(s.ends_lane[i]))
            for i in range(len(s))
        ]
        self._route_cache: dict[tuple[str, ...], BoolArray] = {}
        self._conflicts: dict[int, list[ConflictArea]] = {}
        # (lane, route, horizon) -> the lanes the path takes from that lane on
        self._chains: dict[tuple[int, tuple[str, ...] | None, float], list[Lane]] = {}

    # -- routes ------------------------------------------------------------------------------------------
    def route_mask(self, route: Route | None) -> BoolArray:
        """Per lane: on the route (all True without a route)."""
        if route is None:
            return np.ones(len(self.map.lanes), dtype=bool)
        key = tuple(route)
        if key not in self._route_cache:
            roads = set(key)
            pairs = set(zip(key[:-1], key[1:], strict=False))
            lanes = self.map.lanes
            mask = np.zeros(len(lanes), dtype=bool)
            for ln in lanes:
                if ln.road_id in roads:
                    mask[ln.index] = True
                elif ln.junction_id is not None:
                    mask[ln.index] = any((lanes[p].road_id, lanes[q].road_id) in pairs
                                         for p in ln.predecessors for q in ln.successors)
            self._route_cache[key] = mask
        return self._route_cache[key]

    # -- matching ----------------------------------------------------------------------------------------
    def match(self, x_m: float, y_m: float, yaw_rad: float | None = None, route: Route | None = None
              ) -> LaneMatch | None:
        """The lane a pose is on (None off the road). Pure Python over the cell's candidates: ~10 us."""
        x_m, y_m = float(x_m), float(y_m)  # numpy scalars would make every operation below ~5x slower
        if yaw_rad is not None:
            yaw_rad = float(yaw_rad)
        on_route = self.route_mask(route) if route is not None else None
        best = math.inf
        best_i = -1
        best_u = best_lat = best_herr = 0.0
        near: list[tuple[float, int, float, float, float]] = []  # (distance, segment, u, lateral, heading error)
        for i in self.index.candidates(x_m, y_m):
            ax, ay, dx, dy, il2, il, hdg, turn, w0, dw, lane, first, last = self._rows[i]
            rx, ry = x_m - ax, y_m - ay
            u = (rx * dx + ry * dy) * il2
            over = 0.0
            if first or last:  # a point on a curve's end normal projects |cross| tan(turn / 2) beyond its chord
                slack = abs((dx * ry - dy * rx) * il) * math.tan(abs(turn) * 0.5) + 2.0 * END_TIE_M
            if u < 0.0:
                over, u = (max(-u / il - slack, 0.0) if first else 0.0), 0.0
            elif last and (u - 1.0) / il > -slack:  # at or past the lane's end
                over, u = max((u - 1.0) / il - slack, 0.0) + END_TIE_M, min(u, 1.0)
            elif u > 1.0:
                u = 1.0
            ex, ey = rx - u * dx, ry - u * dy
            dist = math.sqrt(ex * ex + ey * ey)
            outside = dist - 0.5 * (w0 + u * dw)
            if outside > OFFROAD_TOLERANCE_M or over > OFFROAD_TOLERANCE_M:
                continue
            herr = 0.0 if yaw_rad is None else (yaw_rad - hdg - u * turn + math.pi) % (2.0 * math.pi) - math.pi
            cost = (W_OUTSIDE_PER_M * (max(outside, 0.0) + over) + W_HEADING_PER_RAD * abs(herr)
                    + W_DISTANCE_PER_M * dist)
            if on_route is not None and not on_route[lane]:
                cost += W_OFF_ROUTE
            lat = (dx * ry - dy * rx) * il
            near.append((dist, i, u, lat, herr))
            if cost < best:
                best, best_i, best_u, best_herr, best_lat = cost, i, u, herr, lat
        if best_i < 0:
            return None
        s = self.segs
        # the lane is chosen by cost (heading included); the position on it is the nearest point of that lane:
        # on a curve a heading error must not move the projection to another segment of the same lane
        lane_of_best = s.lane[best_i]
        _, best_i, best_u, best_lat, best_herr = min(n for n in near if s.lane[n[1]] == lane_of_best)
        ln = self.map.lanes[int(s.lane[best_i])]
        return LaneMatch(
            ln.index, ln.road_id, ln.lane_id,
            float(s.s0_m[best_i] + best_u * (s.s1_m[best_i] - s.s0_m[best_i])),
            float(s.along0_m[best_i] + best_u * (s.along1_m[best_i] - s.along0_m[best_i])),
            best_lat, best_herr, ln.junction_id)

    def match_batch(self, xy_m: FloatArray, yaw_rad: FloatArray | None = None, route: Route | None = None
                    ) -> MatchBatch:
        """Vectorised ``match`` for (N, 2) positions (and (N,) yaws)."""
        xy_m = np.asarray(xy_m, dtype=float)
        assert xy_m.ndim == 2 and xy_m.shape[1] == 2, f"xy_m must be (N, 2), got {xy_m.shape}"
        n = len(xy_m)
        if yaw_rad is not None:
            yaw_rad = np.asarray(yaw_rad, dtype=float)
            assert yaw_rad.shape == (n,), f"yaw_rad must be ({n},), got {yaw_rad.shape}"
        off_route = (~self.route_mask(route)).astype(float) * W_OFF_ROUTE if route is not None else None
        rows = self.index.rows(xy_m)
        counts = self.index.row_count[rows]
        out_seg = np.full(n, -1, dtype=np.int64)
        out_u = np.zeros(n)
        out_lat = np.full(n, np.nan)
        out_herr = np.full(n, np.nan)
        s = self.segs
        width_class = np.where(counts > 0, np.ceil(np.log2(np.maximum(counts, 1))).astype(np.int64), -1)
        for cls in np.unique(width_class):
            if cls < 0:
                continue
            sel = np.nonzero(width_class == cls)[0]
            k = int(counts[sel].max())
            cand = self.index.padded[rows[sel], :k]  # (m, k)
            valid = cand >= 0
            c = np.where(valid, cand, 0)
            px, py = xy_m[sel, 0:1], xy_m[sel, 1:2]
            rx, ry = px - s.a[c, 0], py - s.a[c, 1]
            dx, dy = s.d[c, 0], s.d[c, 1]
            u_raw = (rx * dx + ry * dy) * s.inv_len2[c]
            u = np.clip(u_raw, 0.0, 1.0)
            seg_len = 1.0 / s.inv_len[c]
            slack = np.abs((dx * ry - dy * rx) * s.inv_len[c]) * np.tan(np.abs(s.turn_rad[c]) * 0.5) + 2.0 * END_TIE_M
            over = (np.where(s.starts_lane[c], np.maximum(-u_raw * seg_len - slack, 0.0), 0.0)
                    + np.where(s.ends_lane[c] & ((u_raw - 1.0) * seg_len > -slack),
                               np.maximum((u_raw - 1.0) * seg_len - slack, 0.0) + END_TIE_M, 0.0))
            ex, ey = rx - u * dx, ry - u * dy
            dist = np.sqrt(ex * ex + ey * ey)
            outside = dist - 0.5 * (s.w0_m[c] + u * (s.w1_m[c] - s.w0_m[c]))
            cost = W_OUTSIDE_PER_M * (np.maximum(outside, 0.0) + over) + W_DISTANCE_PER_M * dist
            if yaw_rad is not None:
                herr = (yaw_rad[sel, None] - s.heading_rad[c] - u * s.turn_rad[c] + np.pi) % (2.0 * np.pi) - np.pi
                cost += W_HEADING_PER_RAD * np.abs(herr)
            else:
                herr = np.zeros_like(cost)
            if off_route is not None:
                cost += off_route[s.lane[c]]
            cost[~valid | (outside > OFFROAD_TOLERANCE_M) | (over > OFFROAD_TOLERANCE_M)] = np.inf
            r = np.arange(len(sel))
            chosen_lane = s.lane[c[r, np.argmin(cost, axis=1)]]  # the lane by cost, then its nearest point
            nearest = np.where(np.isfinite(cost) & (s.lane[c] == chosen_lane[:, None]), dist, np.inf)
            j = np.argmin(nearest, axis=1)
            hit = np.isfinite(cost[r, j])
            seg = c[r, j]
            out_seg[sel[hit]] = seg[hit]
            out_u[sel[hit]] = u[r, j][hit]
            out_lat[sel[hit]] = ((dx * ry - dy * rx) * s.inv_len[c])[r, j][hit]
            out_herr[sel[hit]] = herr[r, j][hit]
        hit = out_seg >= 0
        seg = np.where(hit, out_seg, 0)
        nan = np.full(n, np.nan)
        return MatchBatch(
            np.where(hit, s.lane[seg], -1),
            np.where(hit, s.s0_m[seg] + out_u * (s.s1_m[seg] - s.s0_m[seg]), nan),
            np.where(hit, s.along0_m[seg] + out_u * (s.along1_m[seg] - s.along0_m[seg]), nan),
            out_lat, out_herr)

    # -- along the path ----------------------------------------------------------------------------------
    def next_lane(self, lane: Lane, route: Route | None = None) -> Lane | None:
        """The successor the path takes: on the route if one is, else the straightest."""
        succ = [self.map.lanes[i] for i in lane.successors]
        if not succ:
            return None
        if route is not None:
            mask = self.route_mask(route)
            on = [ln for ln in succ if mask[ln.index]]
            succ = on or succ
        return min(succ, key=lambda ln: abs(_wrap(ln.heading_at_end_rad() - ln.heading_at_start_rad())))

    def path(self, match: LaneMatch, route: Route | None = None, horizon_m: float = HORIZON_M
             ) -> list[tuple[Lane, float]]:
        """Lanes ahead with the distance from the pose to each lane's start (negative for the current lane)."""
        start = -match.along_m
        out: list[tuple[Lane, float]] = []
        for lane in self._chain(match.lane_index, route, horizon_m):
            if start >= horizon_m:
                break
            out.append((lane, start))
            start += lane.length_m
        return out

    def _chain(self, lane_index: int, route: Route | None, horizon_m: float) -> list[Lane]:
        """The lanes the path takes from a lane on, far enough for any pose on that lane (cached: the planners
        ask for the same lanes many times per cycle)."""
        key = (lane_index, None if route is None else tuple(route), horizon_m)
        chain = self._chains.get(key)
        if chain is None:
            lane: Lane | None = self.map.lanes[lane_index]
            reach_m = horizon_m + self.map.lanes[lane_index].length_m + 1.0  # along <= the lane's length
            offset = 0.0
            chain, seen = [], set()
            while lane is not None and offset < reach_m and lane.index not in seen:
                chain.append(lane)
                seen.add(lane.index)
                offset += lane.length_m
                lane = self.next_lane(lane, route)
            self._chains[key] = chain
        return chain

    def lanes_ahead(self, match: LaneMatch, route: Route | None = None, distance_m: float = 300.0
                    ) -> list[LaneSpan]:
        return [LaneSpan(ln.road_id, ln.lane_id, ln.junction_id, max(start, 0.0), start + ln.length_m)
                for ln, start in self.path(match, route, distance_m)]

    def distance_to_stop_line(self, match: LaneMatch, route: Route | None = None,
                              horizon_m: float = HORIZON_M) -> StopLineAhead | None:
        """The next stop line (signal type 294) on the path ahead; None past the last one."""
        for lane, start in self.path(match, route, horizon_m):
            for along, sid in lane.stop_lines:
                if start + along >= -1e-6 and start + along <= horizon_m:
                    return StopLineAhead(sid, lane.road_id, lane.lane_id, max(0.0, start + along))
        return None

    def speed_limit_mps(self, match: LaneMatch) -> float | None:
        return self.map.lanes[match.lane_index].speed_limit_mps(match.s_m)

    def _next_junction(self, match: LaneMatch, route: Route | None) -> tuple[Lane | None, Lane, float] | None:
        """(inbound lane, connecting lane, distance to its entry) of the next junction on the path."""
        prev: Lane | None = None
        for lane, start in self.path(match, route):
            if lane.junction_id is not None:
                return prev, lane, start
            prev = lane
        return None

    def signal_group(self, match: LaneMatch, route: Route | None = None) -> SignalGroup | None:
        """The signal group controlling the path's movement at the next junction (None: unsignalised)."""
        found = self._next_junction(match, route)
        if found is None:
            return None
        inbound, conn, entry = found
        if inbound is None:  # already inside the junction: the signals of the lane(s) we came from
            sids = conn.signal_ids or [s for p in conn.predecessors for s in self.map.lanes[p].signal_ids]
        else:
            sids = conn.signal_ids or inbound.signal_ids
        if not sids:
            return None
        signals = [self.map.signals[sid] for sid in sids]
        groups = sorted({c for sig in signals for c in sig.controller_ids}) or sorted(sids)
        assert conn.junction_id is not None
        return SignalGroup(conn.junction_id, groups[0], tuple(sids), conn.road_id, conn.lane_id, max(entry, 0.0))

    def conflict_areas(self, match: LaneMatch, route: Route | None = None) -> list[ConflictArea]:
        """Conflict areas on the path through the next (or current) junction, distances from the pose."""
        found = self._next_junction(match, route)
        if found is None:
            return []
        _, conn, entry = found
        return [ConflictArea(c.junction_id, c.ego_road_id, c.ego_lane_id, c.other_road_id, c.other_lane_id,
                             c.kind, entry + c.entry_m, entry + c.exit_m, c.other_entry_m, c.other_exit_m)
                for c in self.junction_conflicts(conn)]

    def junction_conflicts(self, lane: Lane) -> list[ConflictArea]:
        """Conflict areas of a connecting lane, along it from its start (cached)."""
        if lane.index not in self._conflicts:
            self._conflicts[lane.index] = _conflicts_of(self.map, lane)
        return self._conflicts[lane.index]


def _resample(lane: Lane, step_m: float) -> tuple[FloatArray, FloatArray]:
    along = np.linspace(0.0, lane.length_m, max(2, int(math.ceil(lane.length_m / step_m)) + 1))
    xy = np.stack([np.interp(along, lane.along_m, lane.xy_m[:, 0]), np.interp(along, lane.along_m, lane.xy_m[:, 1])],
                  axis=1)
    return along, xy


def _project(points: FloatArray, lane: Lane) -> tuple[FloatArray, FloatArray]:
    """(distance to the lane centre, along of the projection) for (n, 2) points."""
    a, b = lane.xy_m[:-1], lane.xy_m[1:]
    d = b - a
    len2 = np.maximum((d**2).sum(axis=1), 1e-18)
    r = points[:, None, :] - a[None, :, :]
    u = np.clip((r * d[None]).sum(axis=2) / len2, 0.0, 1.0)
    e = r - u[..., None] * d[None]
    dist = np.hypot(e[..., 0], e[..., 1])
    j = np.argmin(dist, axis=1)
    rows = np.arange(len(points))
    along = lane.along_m[j] + u[rows, j] * (lane.along_m[j + 1] - lane.along_m[j])
    return dist[rows, j], along


def _conflicts_of(hdmap: HdMap, lane: Lane) -> list[ConflictArea]:
    if lane.junction_id is None:
        return []
    along, pts = _resample(lane, CONFLICT_STEP_M)
    out = []
    for j in hdmap.junctions[lane.junction_id].lane_indices:
        other = hdmap.lanes[j]
        if other.index == lane.index or set(other.predecessors) & set(lane.predecessors):
            continue  # same lane, or diverging from the same inbound lane (one queue, no conflict)
        kind = "merge" if set(other.successors) & set(lane.successors) else "cross"
        reach = 0.5 * (float(lane.width_m.mean()) + float(other.width_m.mean())) - 2.0 * CONFLICT_MARGIN_M
        dist, _ = _project(pts, other)
        inside = dist < reach
        if not inside.any():
            continue
        o_along, o_pts = _resample(other, CONFLICT_STEP_M)
        o_dist, o_proj = _project(o_pts, lane)  # the other lane's samples seen from ours
        o_inside = o_dist < reach
        edges = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
        for lo, hi in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1, strict=True):
            mine = o_inside & (o_proj >= along[lo] - reach) & (o_proj <= along[hi] + reach)
            if not mine.any():
                continue
            out.append(ConflictArea(lane.junction_id, lane.road_id, lane.lane_id, other.road_id, other.lane_id,
                                    kind, float(along[lo]), float(along[hi]),
                                    float(o_along[mine].min()), float(o_along[mine].max())))
    return sorted(out, key=lambda c: (c.entry_m, c.other_road_id))


def signal_map_service(map_path: Path) -> MapService | None:
    """The map service for signal driving and SPaT on a signalised map; None for a map without traffic lights."""
    return MapService(load_map(map_path)) if traffic_light_count(map_path) else None
