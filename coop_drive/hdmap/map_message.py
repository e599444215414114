"""MAP messages: an intersection's topology serialised by the MEC for the link, and the vehicle's map
rebuilt from the messages it received.

One message per junction (SAE J2735 MapData-like, our own compact binary, little-endian): the junction's
connecting lanes and the full approach lanes touching it — centre points in cm relative to a reference
point, width, speed limit, road s range, stop line — the connections (inbound lane -> connecting lane ->
outbound lane, with the signal group), the signal groups (controller id and its signals) and the conflict
areas. Fixed-point: positions 1 cm, widths 1 cm, speeds 1 cm/s, distances 1 cm.

``hdmap_from_messages`` turns received messages back into an :class:`HdMap`, so the vehicle runs the
same :class:`MapService` (matching, path, stop lines, signal groups, conflicts) on what came over the link.
Lanes shared by two junctions' messages (the arterial between them) are the same (road, lane) and are
merged. A payload that is truncated, has trailing bytes or bad values raises ``V2XDecodeError``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from coop_drive.hdmap.map_model import HdMap, Junction, Lane, Road, Signal, SpeedRecord
from coop_drive.hdmap.service import MapService
from coop_drive.v2x.frame import MessageType, V2XDecodeError, V2XFrame, encode_frame

FloatArray = NDArray[np.float64]

MAP_VERSION = 1
NO_STOP = 0xFFFFFFFF
NO_GROUP = 0xFFFF
_HEAD = struct.Struct("<BHiiHHHH")  # version, revision, ref x cm, ref y cm, n lanes, n connections, groups, conflicts
_LANE = struct.Struct("<bBHHiiIH")  # lane id, flags, width cm, speed cm/s, s start cm, s end cm, stop cm, n points
_POINT = struct.Struct("<ii")
_CONN = struct.Struct("<HHHH")  # from, via, to, group index
_CONFLICT = struct.Struct("<HHBIIII")  # lane, other lane, kind, entry, exit, other entry, other exit [cm]
_KINDS = ("cross", "merge")
_IN_JUNCTION = 1
_FORWARD = 2


@dataclass(frozen=True)
class MapLane:
    road_id: str
    lane_id: int
    in_junction: bool
    forward: bool
    width_m: float
    speed_mps: float | None
    s_start_m: float
    s_end_m: float
    stop_line_along_m: float | None
    stop_line_id: str
    xy_m: FloatArray  # (n, 2) centre points, driving direction


@dataclass(frozen=True)
class MapConflict:
    lane: int  # index into IntersectionMap.lanes
    other: int
    kind: str
    entry_m: float
    exit_m: float
    other_entry_m: float
    other_exit_m: float


@dataclass(frozen=True)
class IntersectionMap:
    junction_id: str
    revision: int
    ref_xy_m: tuple[float, float]
    lanes: tuple[MapLane, ...]
    connections: tuple[tuple[int, int, int, int], ...]  # (inbound, connecting, outbound, group index | NO_GROUP)
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # (signal group id, its signal ids)
    conflicts: tuple[MapConflict, ...]


def build_intersection_map(svc: MapService, junction_id: str, revision: int = 0) -> IntersectionMap:
    """The MEC side: one junction's topology from the full map."""
    m = svc.map
    conn_idx = list(m.junctions[junction_id].lane_indices)
    approach = sorted({p for i in conn_idx for p in m.lanes[i].predecessors}
                      | {q for i in conn_idx for q in m.lanes[i].successors})
    order = conn_idx + [i for i in approach if i not in conn_idx]
    pos = {lane_index: k for k, lane_index in enumerate(order)}
    xy = np.vstack([m.lanes[i].xy_m for i in conn_idx])
    ref = (round(float(xy[:, 0].mean()), 2), round(float(xy[:, 1].mean()), 2))
    lanes = []
    for i in order:
        ln = m.lanes[i]
        stop = ln.stop_lines[-1] if ln.stop_lines else None
        lanes.append(MapLane(ln.road_id, ln.lane_id, ln.junction_id is not None, ln.forward,
                             float(ln.width_m.mean()), ln.speed[0].speed_mps if ln.speed else None,
                             float(ln.s_m[0]), float(ln.s_m[-1]), None if stop is None else stop[0],
                             "" if stop is None else stop[1], ln.xy_m))
    group_ids: list[tuple[str, tuple[str, ...]]] = []
    connections = []
    for i in conn_idx:
        ln = m.lanes[i]
        for p in ln.predecessors:
            sids = ln.signal_ids or m.lanes[p].signal_ids
            g = NO_GROUP
            if sids:
                gid = sorted({c for s in sids for c in m.signals[s].controller_ids} or set(sids))[0]
                members = tuple(sorted(s for s in m.signals if gid in m.signals[s].controller_ids or s == gid))
                if (gid, members) not in group_ids:
                    group_ids.append((gid, members))
                g = group_ids.index((gid, members))
            for q in ln.successors:
                connections.append((pos[p], pos[i], pos[q], g))
    conflicts = []
    for i in conn_idx:
        for c in svc.junction_conflicts(m.lanes[i]):
            other = m.lane(c.other_road_id, c.other_lane_id)
            conflicts.append(MapConflict(pos[i], pos[other.index], c.kind, c.entry_m, c.exit_m, c.other_entry_m,
                                         c.other_exit_m))
    return IntersectionMap(junction_id, revision, ref, tuple(lanes), tuple(connections), tuple(group_ids),
                           tuple(conflicts))


def _cm(value_m: float) -> int:
    return int(round(value_m * 100.0))


def _put_str(out: bytearray, text: str) -> None:
    raw = text.encode("utf-8")
    if len(raw) > 255:
        raise ValueError(f"id too long for a MAP message: {text!r}")
    out += bytes([len(raw)]) + raw


def encode_map(msg: IntersectionMap) -> bytes:
    out = bytearray()
    rx, ry = msg.ref_xy_m
    out += _HEAD.pack(MAP_VERSION, msg.revision & 0xFFFF, _cm(rx), _cm(ry), len(msg.lanes), len(msg.connections),
                      len(msg.groups), len(msg.conflicts))
    _put_str(out, msg.junction_id)
    for ln in msg.lanes:
        _put_str(out, ln.road_id)
        _put_str(out, ln.stop_line_id)
        flags = (_IN_JUNCTION if ln.in_junction else 0) | (_FORWARD if ln.forward else 0)
        speed = 0 if ln.speed_mps is None else _cm(ln.speed_mps)
        stop = NO_STOP if ln.stop_line_along_m is None else _cm(ln.stop_line_along_m)
        out += _LANE.pack(ln.lane_id, flags, _cm(ln.width_m), speed, _cm(ln.s_start_m), _cm(ln.s_end_m), stop,
                          len(ln.xy_m))
        for x, y in ln.xy_m:
            out += _POINT.pack(_cm(x - rx), _cm(y - ry))
    for conn in msg.connections:
        out += _CONN.pack(*conn)
    for gid, sids in msg.groups:
        _put_str(out, gid)
        out += bytes([len(sids)])
        for sid in sids:
            _put_str(out, sid)
    for c in msg.conflicts:
        out += _CONFLICT.pack(c.lane, c.other, _KINDS.index(c.kind), _cm(c.entry_m), _cm(c.exit_m),
                              _cm(c.other_entry_m), _cm(c.other_exit_m))
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, st: struct.Struct) -> tuple[int, ...]:
        if self.pos + st.size > len(self.data):
            raise V2XDecodeError(f"MAP payload truncated at byte {self.pos}")
        values = st.unpack_from(self.data, self.pos)
        self.pos += st.size
        return tuple(values)

    def text(self) -> str:
        if self.pos >= len(self.data):
            raise V2XDecodeError(f"MAP payload truncated at byte {self.pos}")
        n = self.data[self.pos]
        raw = self.data[self.pos + 1: self.pos + 1 + n]
        if len(raw) != n:
            raise V2XDecodeError(f"MAP payload truncated at byte {self.pos}")
        self.pos += 1 + n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise V2XDecodeError(f"MAP payload: bad id at byte {self.pos - n}") from exc


def decode_map(data: bytes) -> IntersectionMap:
    r = _Reader(data)
    version, revision, rx_cm, ry_cm, n_lanes, n_conn, n_groups, n_conf = r.take(_HEAD)
    if version != MAP_VERSION:
        raise V2XDecodeError(f"MAP payload version {version}, expected {MAP_VERSION}")
    rx, ry = rx_cm / 100.0, ry_cm / 100.0
    junction_id = r.text()
    lanes = []
    for _ in range(n_lanes):
        road_id, stop_id = r.text(), r.text()
        lane_id, flags, width, speed, s0, s1, stop, n_pts = r.take(_LANE)
        if n_pts < 2:
            raise V2XDecodeError(f"MAP lane {road_id}/{lane_id}: {n_pts} points")
        pts = np.array([r.take(_POINT) for _ in range(n_pts)], dtype=float) / 100.0 + (rx, ry)
        lanes.append(MapLane(road_id, lane_id, bool(flags & _IN_JUNCTION), bool(flags & _FORWARD), width / 100.0,
                             None if speed == 0 else speed / 100.0, s0 / 100.0, s1 / 100.0,
                             None if stop == NO_STOP else stop / 100.0, stop_id, pts))
    connections = [r.take(_CONN) for _ in range(n_conn)]
    groups = []
    for _ in range(n_groups):
        gid = r.text()
        n = r.take(struct.Struct("<B"))[0]
        groups.append((gid, tuple(r.text() for _ in range(n))))
    conflicts = []
    for _ in range(n_conf):
        a, b, kind, e0, x0, e1, x1 = r.take(_CONFLICT)
        if kind >= len(_KINDS):
            raise V2XDecodeError(f"MAP conflict kind {kind}")
        conflicts.append(MapConflict(a, b, _KINDS[kind], e0 / 100.0, x0 / 100.0, e1 / 100.0, x1 / 100.0))
    if r.pos != len(data):
        raise V2XDecodeError(f"MAP payload has {len(data) - r.pos} trailing bytes")
    for conn in connections:
        if any(k >= n_lanes for k in conn[:3]) or (conn[3] != NO_GROUP and conn[3] >= n_groups):
            raise V2XDecodeError(f"MAP connection {conn} refers to a missing lane or group")
    for c in conflicts:
        if c.lane >= n_lanes or c.other >= n_lanes:
            raise V2XDecodeError("MAP conflict refers to a missing lane")
    return IntersectionMap(junction_id, revision, (rx, ry), tuple(lanes),
                           tuple((a, b, c, d) for a, b, c, d in connections), tuple(groups), tuple(conflicts))


def map_frame(msg: IntersectionMap, source_id: str, sequence: int, generation_time_ns: int) -> bytes:
    """A V2X frame (type MAP) carrying one intersection."""
    return encode_frame(V2XFrame(MessageType.MAP, source_id, sequence, generation_time_ns, encode_map(msg)))


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


def hdmap_from_messages(messages: Sequence[IntersectionMap], name: str = "received") -> HdMap:
    """The vehicle's map: every received intersection merged into one HdMap (lanes keyed by road & lane)."""
    lanes: list[Lane] = []
    key_to_index: dict[tuple[str, int], int] = {}
    roads: dict[str, Road] = {}
    junction_lanes: dict[str, list[int]] = {}
    signals: dict[str, Signal] = {}
    controllers: dict[str, tuple[str, ...]] = {}
    for msg in messages:
        local: list[int] = []
        for ml in msg.lanes:
            key = (ml.road_id, ml.lane_id)
            if key not in key_to_index:
                along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(ml.xy_m, axis=0), axis=1))])
                s = ml.s_start_m + (ml.s_end_m - ml.s_start_m) * along / max(float(along[-1]), 1e-9)
                lane = Lane(len(lanes), ml.road_id, 0, ml.lane_id, msg.junction_id if ml.in_junction else None,
                            ml.forward, ml.xy_m, s, np.full(len(ml.xy_m), ml.width_m), along, _tangents(ml.xy_m),
                            () if ml.speed_mps is None else (SpeedRecord(min(ml.s_start_m, ml.s_end_m),
                                                                         ml.speed_mps),))
                if ml.stop_line_along_m is not None:
                    lane.stop_lines.append((ml.stop_line_along_m, ml.stop_line_id))
                key_to_index[key] = lane.index
                lanes.append(lane)
                road = roads.setdefault(ml.road_id, Road(ml.road_id, "", 0.0, msg.junction_id if ml.in_junction
                                                         else None))
                road.lane_indices.append(lane.index)
                if ml.in_junction:
                    junction_lanes.setdefault(msg.junction_id, []).append(lane.index)
            local.append(key_to_index[key])
        for gid, sids in msg.groups:
            controllers[gid] = sids
            for sid in sids:
                signals[sid] = Signal(sid, "", 0.0, 0.0, "1000001", "-1", "", True, "+", (), (gid,))
        for a, via, b, g in msg.connections:
            la, lv, lb = lanes[local[a]], lanes[local[via]], lanes[local[b]]
            for src, dst in ((la, lv), (lv, lb)):
                if dst.index not in src.successors:
                    src.successors.append(dst.index)
                    dst.predecessors.append(src.index)
            if g != NO_GROUP:
                for sid in msg.groups[g][1]:
                    if sid not in lv.signal_ids:
                        lv.signal_ids.append(sid)
    junctions = {jid: Junction(jid, jid, tuple(idx)) for jid, idx in junction_lanes.items()}
    return HdMap(name, "MAP messages", roads, lanes, junctions, signals, controllers, None)
