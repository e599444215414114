"""OpenDRIVE (.xodr) -> :class:`HdMap`, with xml.etree and closed-form geometry.

Why our own parser and not netconvert + sumolib: netconvert rebuilds junction interiors (its own
internal lanes, merged shapes), drops road-level speeds and all stop-line signals, and renames the
connecting roads; the OpenDRIVE road/lane/junction/signal/controller structure that CARLA and a MAP
message talk about survives only partly in ``origId``. Reading the .xodr directly keeps every id and
the exact geometry (the same source carla.Map reads), runs in ~10 ms, and needs no subprocess.

Supported: lines, arcs, spirals; laneOffset; lane <width> polynomials; several lane sections; lane
and road-type <speed>; <signal> with <validity>; <controller>; junction <connection>/<laneLink>.
Rejected with an :class:`XodrError` naming file, element and reason: malformed XML, missing or
non-numeric attributes, <poly3>/<paramPoly3> geometry, lane <border>, links to unknown roads or
junctions, an invalid geoReference, a map without driving lanes.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from coop_drive.hdmap.errors import XodrError
from coop_drive.hdmap.geo import GeoReference
from coop_drive.hdmap.map_model import HdMap, Junction, Lane, Road, Signal, SpeedRecord
from coop_drive.hdmap.planview import Geometry, Poly3, eval_poly3_records, is_constant, reference_line

CHORD_TOLERANCE_M = 0.01  # max distance between a curved lane centre and its polyline
MAX_STEP_CURVED_M = 1.0
STEP_VARIABLE_WIDTH_M = 1.0
DRIVING_TYPES = frozenset({"driving"})
_SPEED_TO_MPS = {"km/h": 1 / 3.6, "m/s": 1.0, "mph": 0.44704}

# Coordinates and lengths beyond this are no map of a road network (UTM northings stay below 1e7 m): the lane
# index, SUMO and the V2X codecs cannot carry them.
MAX_EXTENT_M = 1.0e7


@lru_cache(maxsize=8)
def traffic_light_count(path: Path) -> int:
    """Number of traffic-light signals (dynamic signals) on the map in this file."""
    return sum(1 for s in load_map(path).signals.values() if s.dynamic)


def load_map(path: Path | str) -> HdMap:
    """Read and parse a .xodr file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise XodrError(path, "file", f"cannot read: {exc.strerror}") from exc
    return parse_map(data, path)


class _Ctx:
    def __init__(self, path: Path) -> None:
        self.path = path

    def err(self, element: str, reason: str) -> XodrError:
        return XodrError(self.path, element, reason)

    def num(self, elem: ET.Element, attr: str, where: str, default: float | None = None) -> float:
        raw = elem.get(attr)
        if raw is None:
            if default is not None:
                return default
            raise self.err(where, f"missing attribute {attr!r}")
        try:
            value = float(raw)
        except ValueError:
            raise self.err(where, f"attribute {attr}: expected a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise self.err(where, f"attribute {attr}: expected a finite number, got {raw!r}")
        return value


def parse_map(data: bytes, path: Path | str = "<memory>") -> HdMap:
    """Parse .xodr bytes; ``path`` is only used in error messages."""
    ctx = _Ctx(Path(path))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ctx.err("document", f"not well-formed XML ({exc})") from None
    if root.tag != "OpenDRIVE":
        raise ctx.err(f"<{root.tag}>", "root element must be <OpenDRIVE>")
    header = root.find("header")
    name = (header.get("name") if header is not None else None) or Path(path).stem
    geo = _geo_reference(ctx, header)

    roads: dict[str, Road] = {}
    lanes: list[Lane] = []
    signals: dict[str, Signal] = {}
    road_elems: dict[str, ET.Element] = {}
    lane_at: dict[tuple[str, int, int], int] = {}  # (road, section, lane id) -> lane index
    n_sections: dict[str, int] = {}
    for road_el in root.findall("road"):
        rid = road_el.get("id")
        where = f'<road id="{rid}">'
        if not rid:
            raise ctx.err("<road>", "missing attribute 'id'")
        if rid in roads:
            raise ctx.err(where, "duplicate road id")
        length = ctx.num(road_el, "length", where)
        if not 0.0 < length <= MAX_EXTENT_M:
            raise ctx.err(where, f"attribute length: expected a road length > 0 and <= {MAX_EXTENT_M:g} m, "
                                 f"got {road_el.get('length')!r}")
        junction = road_el.get("junction", "-1")
        lht = road_el.get("rule", "RHT").upper() == "LHT"
        road = Road(rid, road_el.get("name", ""), length, None if junction in ("-1", "") else junction)
        roads[rid] = road
        road_elems[rid] = road_el
        geoms = _plan_view(ctx, road_el, where)
        offsets = tuple(_poly3(ctx, e, f"{where} <laneOffset>", "s") for e in road_el.findall("lanes/laneOffset"))
        type_speed = _road_type_speeds(ctx, road_el, where)
        sections = road_el.findall("lanes/laneSection")
        if not sections:
            raise ctx.err(where, "no <lanes>/<laneSection>")
        n_sections[rid] = len(sections)
        for k, sec in enumerate(sections):
            s_a = ctx.num(sec, "s", f"{where} <laneSection>")
            s_b = ctx.num(sections[k + 1], "s", f"{where} <laneSection>") if k + 1 < len(sections) else length
            for lane in _section_lanes(ctx, road, k, sec, s_a, s_b, geoms, offsets, type_speed, lht, where):
                lane.index = len(lanes)
                lanes.append(lane)
                road.lane_indices.append(lane.index)
                lane_at[(rid, k, lane.lane_id)] = lane.index
        for sig_el in road_el.findall("signals/signal"):
            sig = _signal(ctx, sig_el, rid, where, lht)
            signals[sig.signal_id] = sig
    if not lanes:
        raise ctx.err("<OpenDRIVE>", "no driving lanes")

    controllers: dict[str, tuple[str, ...]] = {}
    for ctl in root.findall("controller"):
        cid = ctl.get("id")
        if not cid:
            raise ctx.err("<controller>", "missing attribute 'id'")
        controllers[cid] = tuple(c.get("signalId", "") for c in ctl.findall("control"))
        for sid in controllers[cid]:
            if sid not in signals:
                raise ctx.err(f'<controller id="{cid}">', f"controls unknown signal {sid!r}")
            old = signals[sid]
            signals[sid] = Signal(**{**old.__dict__, "controller_ids": (*old.controller_ids, cid)})

    connections = _junction_connections(ctx, root, roads)
    for lane in lanes:
        lane.successors = _successors(ctx, lane, road_elems[lane.road_id], n_sections, lane_at, connections, roads)
    for lane in lanes:
        for succ in lane.successors:
            lanes[succ].predecessors.append(lane.index)
    _attach_signals(lanes, roads, signals)
    junctions = {
        jid: Junction(jid, jname, tuple(i for i, ln in enumerate(lanes) if ln.junction_id == jid))
        for jid, jname in ((j.get("id", ""), j.get("name", "")) for j in root.findall("junction"))
    }
    return HdMap(name, str(path), roads, lanes, junctions, signals, controllers, geo)


def _geo_reference(ctx: _Ctx, header: ET.Element | None) -> GeoReference | None:
    if header is None:
        return None
    el = header.find("geoReference")
    text = (el.text or "").strip() if el is not None else ""
    if not text:
        return None
    try:
        return GeoReference(text)
    except Exception as exc:  # pyproj raises CRSError, we raise ValueError
        raise ctx.err("<header><geoReference>", f"not a usable PROJ string ({exc})") from None


def _plan_view(ctx: _Ctx, road_el: ET.Element, where: str) -> tuple[Geometry, ...]:
    geoms = []
    for g in road_el.findall("planView/geometry"):
        gw = f"{where} <geometry s={g.get('s')}>"
        s0, x, y, hdg, length = (ctx.num(g, a, gw) for a in ("s", "x", "y", "hdg", "length"))
        for attr, value in (("x", x), ("y", y), ("s", s0), ("length", length)):
            if abs(value) > MAX_EXTENT_M or (attr in ("s", "length") and value < 0.0):
                raise ctx.err(gw, f"attribute {attr}: expected {'0 to' if attr in ('s', 'length') else 'within ±'}"
                                  f" {MAX_EXTENT_M:g} m, got {g.get(attr)!r}")
        kids = list(g)
        if len(kids) != 1:
            raise ctx.err(gw, "expected exactly one of <line>, <arc>, <spiral>")
        kind = kids[0].tag
        if kind == "line":
            geoms.append(Geometry(s0, x, y, hdg, length, "line"))
        elif kind == "arc":
            k = ctx.num(kids[0], "curvature", f"{gw} <arc>")
            geoms.append(Geometry(s0, x, y, hdg, length, "arc", k, k))
        elif kind == "spiral":
            geoms.append(Geometry(s0, x, y, hdg, length, "spiral", ctx.num(kids[0], "curvStart", f"{gw} <spiral>"),
                                  ctx.num(kids[0], "curvEnd", f"{gw} <spiral>")))
        else:
            raise ctx.err(f"{gw} <{kind}>", "unsupported geometry (supported: line, arc, spiral)")
    if not geoms:
        raise ctx.err(where, "no <planView>/<geometry>")
    return tuple(sorted(geoms, key=lambda g: g.s0_m))


def _poly3(ctx: _Ctx, el: ET.Element, where: str, s_attr: str, s_base: float = 0.0) -> Poly3:
    return Poly3(s_base + ctx.num(el, s_attr, where), *(ctx.num(el, c, where) for c in "abcd"))


def _speed_mps(ctx: _Ctx, el: ET.Element, where: str) -> float:
    unit = el.get("unit", "m/s")
    if unit not in _SPEED_TO_MPS:
        raise ctx.err(where, f"unknown speed unit {unit!r} (expected one of {', '.join(_SPEED_TO_MPS)})")
    return ctx.num(el, "max", where) * _SPEED_TO_MPS[unit]


def _road_type_speeds(ctx: _Ctx, road_el: ET.Element, where: str) -> tuple[SpeedRecord, ...]:
    out = []
    for t in road_el.findall("type"):
        sp = t.find("speed")
        if sp is not None:
            out.append(SpeedRecord(ctx.num(t, "s", f"{where} <type>"), _speed_mps(ctx, sp, f"{where} <type><speed>")))
    return tuple(sorted(out, key=lambda r: r.s_start_m))


def _section_lanes(
    ctx: _Ctx, road: Road, k: int, sec: ET.Element, s_a: float, s_b: float, geoms: tuple[Geometry, ...],
    offsets: tuple[Poly3, ...], type_speed: tuple[SpeedRecord, ...], lht: bool, where: str,
) -> list[Lane]:
    sw = f"{where} <laneSection s={sec.get('s')}>"
    widths: dict[int, tuple[Poly3, ...]] = {}
    lane_els: dict[int, ET.Element] = {}
    for side in ("left", "right"):
        for el in sec.findall(f"{side}/lane"):
            lid = int(ctx.num(el, "id", f"{sw} <lane>"))
            lw = f"{sw} <lane id={lid}>"
            if el.find("border") is not None and el.find("width") is None:
                raise ctx.err(f"{lw} <border>", "unsupported (use <width>)")
            recs = tuple(sorted((_poly3(ctx, w, f"{lw} <width>", "sOffset", s_a) for w in el.findall("width")),
                                key=lambda r: r.s_start_m))
            if not recs:
                raise ctx.err(lw, "no <width>")
            widths[lid] = recs
            lane_els[lid] = el
    if s_b - s_a <= 1e-9:
        return []
    s_grid = _s_grid(geoms, s_a, s_b, offsets, widths)
    x, y, h = reference_line(geoms, s_grid)
    t_base = eval_poly3_records(offsets, s_grid)
    w = {lid: eval_poly3_records(recs, s_grid) for lid, recs in widths.items()}
    out = []
    for lid, el in lane_els.items():
        if el.get("type") not in DRIVING_TYPES:
            continue
        sign = 1.0 if lid > 0 else -1.0
        inner = sum((w[j] for j in widths if (0 < j < lid) or (lid < j < 0)), np.zeros_like(s_grid))
        t = t_base + sign * (inner + 0.5 * w[lid])
        xy = np.stack([x - t * np.sin(h), y + t * np.cos(h)], axis=1)
        forward = (lid < 0) != lht
        s_v, w_v = s_grid.copy(), w[lid].copy()
        # tangent of the lane centre: reference heading turned by the lateral drift dt/ds (varying widths)
        hdg = h + np.arctan(np.gradient(t, s_grid) / np.maximum(1.0 - t * _curvature(geoms, s_grid), 1e-3))
        if not forward:
            xy, s_v, w_v = xy[::-1].copy(), s_v[::-1].copy(), w_v[::-1].copy()
            hdg = hdg[::-1] + math.pi
        hdg = (hdg + math.pi) % (2.0 * math.pi) - math.pi
        along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xy, axis=0), axis=1))])
        speeds = tuple(sorted((SpeedRecord(s_a + ctx.num(sp, "sOffset", f"{sw} <lane id={lid}> <speed>"),
                                           _speed_mps(ctx, sp, f"{sw} <lane id={lid}> <speed>"))
                               for sp in el.findall("speed")), key=lambda r: r.s_start_m)) or type_speed
        out.append(Lane(index=-1, road_id=road.road_id, section=k, lane_id=lid, junction_id=road.junction_id,
                        forward=forward, xy_m=xy, s_m=s_v, width_m=w_v, along_m=along, heading_rad=hdg,
                        speed=speeds))
    return out


def _curvature(geoms: tuple[Geometry, ...], s_m: np.ndarray) -> np.ndarray:
    """Reference-line curvature [1/m] at s_m (spirals: linear in s)."""
    starts = np.array([g.s0_m for g in geoms])
    idx = np.clip(np.searchsorted(starts, s_m + 1e-9, side="right") - 1, 0, len(geoms) - 1)
    out = np.zeros_like(s_m)
    for i, g in enumerate(geoms):
        sel = idx == i
        if g.kind != "line" and g.length_m > 0:
            out[sel] = g.curv_start + (g.curv_end - g.curv_start) * (s_m[sel] - g.s0_m) / g.length_m
    return out


def _s_grid(geoms: tuple[Geometry, ...], s_a: float, s_b: float, offsets: tuple[Poly3, ...],
            widths: dict[int, tuple[Poly3, ...]]) -> np.ndarray:
    """Sample road coordinates: geometry ends, plus steps on curves / varying widths (chord tolerance)."""
    const = is_constant(offsets) and all(is_constant(r) for r in widths.values())
    max_t = (abs(offsets[0].a) if offsets else 0.0) + sum(r[0].a for r in widths.values()) + 1.0
    parts = [np.array([s_a, s_b])]
    for g in geoms:
        lo, hi = max(s_a, g.s0_m), min(s_b, g.s0_m + g.length_m)
        if hi <= lo:
            continue
        step = math.inf if const else STEP_VARIABLE_WIDTH_M
        kmax = g.max_abs_curvature()
        if kmax > 0:
            k_lane = kmax / max(1e-3, 1.0 - kmax * max_t)  # curvature of the innermost lane centre
            step = min(step, MAX_STEP_CURVED_M, math.sqrt(8.0 * CHORD_TOLERANCE_M / k_lane))
        n = 1 if math.isinf(step) else max(1, math.ceil((hi - lo) / step))
        parts.append(np.linspace(lo, hi, n + 1))
    grid = np.unique(np.concatenate(parts))
    keep = np.concatenate([[True], np.diff(grid) > 1e-6])
    return np.asarray(grid[keep], dtype=float)


def _signal(ctx: _Ctx, el: ET.Element, rid: str, where: str, lht: bool) -> Signal:
    sid = el.get("id")
    sw = f'{where} <signal id="{sid}">'
    if not sid:
        raise ctx.err(f"{where} <signal>", "missing attribute 'id'")
    orientation = el.get("orientation", "none")
    lanes: list[int] = []
    for v in el.findall("validity"):
        a, b = int(ctx.num(v, "fromLane", f"{sw} <validity>")), int(ctx.num(v, "toLane", f"{sw} <validity>"))
        lanes.extend(range(min(a, b), max(a, b) + 1))
    return Signal(sid, rid, ctx.num(el, "s", sw), ctx.num(el, "t", sw, 0.0), el.get("type", ""),
                  el.get("subtype", "-1"), el.get("name", ""), el.get("dynamic", "no") == "yes",
                  orientation, tuple(sorted(set(lanes))))


def _junction_connections(ctx: _Ctx, root: ET.Element, roads: dict[str, Road]
                          ) -> dict[tuple[str, str], list[tuple[str, str, int, int]]]:
    """(junction id, incoming road) -> [(connecting road, contact point, from lane, to lane)]."""
    out: dict[tuple[str, str], list[tuple[str, str, int, int]]] = {}
    for j in root.findall("junction"):
        jid = j.get("id", "")
        for c in j.findall("connection"):
            cw = f'<junction id="{jid}"> <connection id="{c.get("id")}">'
            inc, conn = c.get("incomingRoad", ""), c.get("connectingRoad", "")
            for r in (inc, conn):
                if r not in roads:
                    raise ctx.err(cw, f"unknown road {r!r}")
            for ll in c.findall("laneLink"):
                out.setdefault((jid, inc), []).append(
                    (conn, c.get("contactPoint", "start"), int(ctx.num(ll, "from", f"{cw} <laneLink>")),
                     int(ctx.num(ll, "to", f"{cw} <laneLink>"))))
    return out


def _successors(
    ctx: _Ctx, lane: Lane, road_el: ET.Element, n_sections: dict[str, int], lane_at: dict[tuple[str, int, int], int],
    connections: dict[tuple[str, str], list[tuple[str, str, int, int]]], roads: dict[str, Road],
) -> list[int]:
    """Lanes entered at this lane's end in its driving direction."""
    rid = lane.road_id
    lane_link_tag = "successor" if lane.forward else "predecessor"
    sec_el = road_el.findall("lanes/laneSection")[lane.section]
    lane_el = next(e for side in ("left", "right") for e in sec_el.findall(f"{side}/lane")
                   if int(float(e.get("id", "0"))) == lane.lane_id)
    linked = [int(float(e.get("id", "0"))) for e in lane_el.findall(f"link/{lane_link_tag}")]
    next_sec = lane.section + (1 if lane.forward else -1)
    if 0 <= next_sec < n_sections[rid]:  # within the road
        return [lane_at[(rid, next_sec, t)] for t in linked if (rid, next_sec, t) in lane_at]
    road_link = road_el.find(f"link/{lane_link_tag}")
    if road_link is None:
        return []
    etype, eid = road_link.get("elementType", "road"), road_link.get("elementId", "")
    where = f'<road id="{rid}"> <link><{lane_link_tag}>'
    if etype == "junction":
        out = []
        for conn, contact, frm, to in connections.get((eid, rid), []):
            if frm == lane.lane_id:
                sec = 0 if contact == "start" else n_sections[conn] - 1
                if (conn, sec, to) in lane_at:
                    out.append(lane_at[(conn, sec, to)])
        return out
    if eid not in roads:
        raise ctx.err(where, f"unknown road {eid!r}")
    sec = 0 if road_link.get("contactPoint", "start") == "start" else n_sections[eid] - 1
    return [lane_at[(eid, sec, t)] for t in linked if (eid, sec, t) in lane_at]


def _attach_signals(lanes: Iterable[Lane], roads: dict[str, Road], signals: dict[str, Signal]) -> None:
    by_road: dict[str, list[Signal]] = {}
    for sig in signals.values():
        by_road.setdefault(sig.road_id, []).append(sig)
    for lane in lanes:
        for sig in by_road.get(lane.road_id, []):
            if sig.lanes:
                valid = lane.lane_id in sig.lanes
            else:  # no <validity>: every lane driving in the signal's orientation
                valid = sig.orientation == "none" or (sig.orientation == "+") == lane.forward
            lo, hi = sorted((float(lane.s_m[0]), float(lane.s_m[-1])))
            if not valid or not (lo - 1e-6 <= sig.s_m <= hi + 1e-6):
                continue
            if sig.signal_type == "294":
                s_inc, al = (lane.s_m, lane.along_m) if lane.forward else (lane.s_m[::-1], lane.along_m[::-1])
                lane.stop_lines.append((float(np.interp(sig.s_m, s_inc, al)), sig.signal_id))
            if sig.dynamic or sig.signal_type == "1000001":
                lane.signal_ids.append(sig.signal_id)
        lane.stop_lines.sort()
