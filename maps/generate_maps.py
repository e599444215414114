#!/usr/bin/env python3
"""Generate the OpenDRIVE maps of coop_drive (deterministically).

Run ``python maps/generate_maps.py`` to rewrite ``maps/*.xodr``; ``--check`` only
verifies that the committed files are up to date (exit 1 if not).

Every map is one function returning a scenariogeneration ``OpenDrive``;
``render_xodr`` then adds what scenariogeneration cannot express (lane speeds) and
serialises it byte-stably (fixed header date, explicit ids, rounded float noise).

Conventions shared by all maps (the rest of coop_drive relies on them):

* Map frame = OpenDRIVE inertial frame (ENU, metres). ``netconvert`` is run with
  ``--offset.disable-normalization`` so the SUMO frame is the same frame.
* Geometry is cartesian lines and arcs only. scenariogeneration's junction helpers
  emit (constant-curvature) spirals for the connecting roads, and netconvert hangs
  on those; ``_line_or_arc`` builds each connecting road as one line or one arc.
* Speed limits are LANE-level ``<speed>`` records (netconvert ignores the
  road-level ``<type><speed>``; CARLA reads both, so both are written).
* Approach roads all point INTO their junction (junction = successor), so lane -1
  is the inbound lane and lane +1 the outbound lane of every approach. netconvert
  names the inbound edge ``-<road id>`` and the outbound edge ``<road id>``.
* Stop lines are ``<signal type="294" country="DE" name="StopLine">`` (German
  StVO "Haltlinie", the usual OpenDRIVE code) at s = road length (the junction
  entry) with validity on the inbound lane. netconvert ignores them (SUMO stops
  vehicles at the end of the inbound lane, which is that same junction entry) and
  CARLA lists them as landmarks. We use a signal and not an
  ``<object type="roadMark">`` because netconvert writes every object into the
  polygon output (where it would show up as a zero-size "building") while it
  ignores unknown signals.
* Junction priority: ``306`` (priority road) signs on the major approaches and
  ``206`` (stop) signs on the minor approaches. netconvert derives edge priority
  from 301/306 (-> 2) and 205 (-> 0) only; 206 leaves the minor road at 1, which
  is still below 2, so netconvert builds an unsignalised ``priority`` junction
  with the major road as main road (``-j``/``--default.junctions.type`` has no
  effect on OpenDRIVE junctions). ``coop_drive.world.netcache`` then turns
  junctions behind 206 signs into ``priority_stop`` with a node patch. CARLA lists
  the 206 as a StopSign landmark.
* Junctions: one one-way connecting road per ordered approach pair (lane -1
  only), like CARLA's own maps. Junction ids must differ from all road ids:
  carla.Map confuses them and then finds no successor for lanes entering the
  junction (bidirectional connecting roads also gave duplicated waypoints).
* Buildings are ``<object type="building">`` rectangles (length/width/height,
  hdg 0): netconvert 1.28 turns length x width into polygons and ignores
  ``<outline>`` (checked).
"""

from __future__ import annotations

import argparse
import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from scenariogeneration import xodr  # type: ignore[import-untyped]

MAPS_DIR = Path(__file__).resolve().parent

#: Beijing (C-V2X pilot zone context); the xodr origin is this lat/lon.
BEIJING_PROJ = (
    "+proj=tmerc +lat_0=39.9042 +lon_0=116.4074 +k=1 +x_0=0 +y_0=0 "
    "+ellps=WGS84 +units=m +no_defs"
)
HEADER_DATE = "2025-01-01T00:00:00"

LANE_WIDTH_M = 3.5
URBAN_SPEED_KMH = 50.0


def _line_or_arc(
    start: tuple[float, float, float], end: tuple[float, float, float]
) -> xodr.Line | xodr.Arc:
    """One line or one arc from pose ``start`` to pose ``end`` (x, y, heading).

    scenariogeneration's junction creators fit clothoids (spirals) here, which
    netconvert hangs on. Only symmetric turns (equal tangent lengths, true for
    orthogonal junctions) are representable by a single arc; anything else raises
    instead of silently producing a wrong geometry.
    """
    x1, y1, h1 = start
    x2, y2, h2 = end
    turn = math.atan2(math.sin(h2 - h1), math.cos(h2 - h1))
    dist = math.hypot(x2 - x1, y2 - y1)
    if abs(turn) < 1e-9:
        off = math.atan2(y2 - y1, x2 - x1) - h1
        if abs(math.atan2(math.sin(off), math.cos(off))) > 1e-9:
            raise ValueError(f"{start} -> {end}: parallel but offset, not a line")
        return xodr.Line(dist)
    radius = dist / (2.0 * math.sin(abs(turn) / 2.0))
    side = math.copysign(radius, turn)  # > 0: centre on the left
    cx, cy = x1 - side * math.sin(h1), y1 + side * math.cos(h1)
    ex, ey = cx + side * math.sin(h1 + turn), cy - side * math.cos(h1 + turn)
    if math.hypot(ex - x2, ey - y2) > 1e-6:
        raise ValueError(f"{start} -> {end}: not reachable by a single arc")
    return xodr.Arc(1.0 / side, angle=abs(turn))


def _reset_id_registry() -> None:
    """scenariogeneration keeps process-global registries of signal/object ids and
    silently renames a reused id ("stopline_1" -> "0"); start every map afresh."""
    for cls in (xodr.signals_objects._SignalObjectBase, xodr.signals_objects.SignalReference):
        cls._usedIDs.clear()
        cls._IDCounter.clear()


def _approach_road(
    road_id: int, x: float, y: float, hdg: float, length: float
) -> xodr.Road:
    road = xodr.create_road(
        xodr.Line(length), road_id, left_lanes=1, right_lanes=1, lane_width=LANE_WIDTH_M
    )
    road.planview.set_start_point(x, y, hdg)
    road.add_type(xodr.RoadType.town, 0, "CN", URBAN_SPEED_KMH, "km/h")
    return road


def _signal(
    s: float, t: float, sig_type: str, sig_id: str, name: str, *,
    z: float = 0.0, width: float | None = None, inbound_lane: int = -1,
) -> xodr.Signal:
    sig = xodr.Signal(
        s=s, t=t, country="DE", Type=sig_type, subtype="-1", id=sig_id, name=name,
        zOffset=z, orientation=xodr.Orientation.positive, width=width,
    )
    sig.add_validity(inbound_lane, inbound_lane)
    return sig


def urban_intersection() -> xodr.OpenDrive:
    """Occluded urban 4-way intersection, junction centre at the map origin.

    Roads (OpenDRIVE id: start -> end at the junction, heading):
      1 west  (-210,0) -> (-10,0)  heading 0        major (priority road, 306)
      2 east  ( 210,0) -> ( 10,0)  heading pi       major
      3 south (0,-210) -> (0,-10)  heading pi/2     minor (stop sign, 206)
      4 north (0, 210) -> (0, 10)  heading -pi/2    minor
    Each is 200 m, one 3.5 m lane per direction at 50 km/h (14.4 s to the
    junction). Junction id 100; one-way connecting roads 200..211 (one per
    ordered pair of approaches, no U-turns): lines for straight through, quarter
    arcs of reference radius 10 m for turns (lane centre radius 8.25 m right,
    11.75 m left).
    Buildings: four 40 x 40 x 15 m blocks whose inner corners are (+-6.5, +-6.5),
    i.e. behind a 3 m sidewalk, hiding each approach from the perpendicular ones.
    """
    _reset_id_registry()
    junction_half = 10.0  # approach roads end (and stop lines sit) 10 m from the centre
    length = 200.0
    odr = xodr.OpenDrive("urban_intersection", geo_reference=BEIJING_PROJ)
    approaches = {
        1: (-junction_half - length, 0.0, 0.0),
        2: (junction_half + length, 0.0, math.pi),
        3: (0.0, -junction_half - length, math.pi / 2),
        4: (0.0, junction_half + length, -math.pi / 2),
    }
    roads = {rid: _approach_road(rid, x, y, h, length) for rid, (x, y, h) in approaches.items()}
    approaches_end = {
        rid: (round(x + length * math.cos(h), 9), round(y + length * math.sin(h), 9), h)
        for rid, (x, y, h) in approaches.items()
    }
    for road in roads.values():
        odr.add_road(road)
    for rid, road in roads.items():
        major = rid in (1, 2)
        road.add_signal(_signal(
            length, -LANE_WIDTH_M / 2, "294", f"stopline_{rid}", "StopLine",
            width=LANE_WIDTH_M,
        ))
        road.add_signal(_signal(
            length - 1.0, -(LANE_WIDTH_M + 1.0), "306" if major else "206",
            f"sign_{rid}", "PriorityRoad" if major else "Stop", z=2.0,
        ))

    # building centres (map frame) -> host road, s, t. Road 1 heads +x (left = +y),
    # road 2 heads -x (left = -y).
    half, size, height = 6.5, 40.0, 15.0
    centre = half + size / 2
    buildings = [
        ("building_ne", 2, +1, +1),
        ("building_nw", 1, -1, +1),
        ("building_sw", 1, -1, -1),
        ("building_se", 2, +1, -1),
    ]
    for name, rid, sx, sy in buildings:
        cx, cy = sx * centre, sy * centre
        x0, y0, h0 = approaches[rid]
        s = (cx - x0) * math.cos(h0) + (cy - y0) * math.sin(h0)
        t = -(cx - x0) * math.sin(h0) + (cy - y0) * math.cos(h0)
        obj = xodr.Object(
            s=round(s, 6), t=round(t, 6), Type=xodr.ObjectType.building, id=name,
            name=name, length=size, width=size, height=height, hdg=0.0,
        )
        roads[rid].add_object(obj)

    _add_junction(odr, 100, "urban_junction", roads, approaches_end, first_road_id=200)
    return odr


def _add_junction(
    odr: xodr.OpenDrive,
    junction_id: int,
    name: str,
    roads: dict[int, xodr.Road],
    ends: dict[int, tuple[float, float, float]],
    first_road_id: int,
) -> None:
    """Add a junction joining single-lane approach roads that END at it.

    ``ends[rid]`` is the pose (x, y, heading into the junction) of road rid's end.
    One one-way connecting road (lane -1 only, as in CARLA's own maps) per
    ordered pair of approaches, no U-turns; ids first_road_id, +1, ... Junction
    ids must not collide with road ids: carla.Map mixes them up and then finds no
    successor for lanes entering the junction.
    """
    junction = xodr.Junction(name, junction_id)
    conn_id = first_road_id
    for a in sorted(ends):
        for b in sorted(ends):
            if a == b:
                continue
            xb, yb, hb = ends[b]
            geom = _line_or_arc(ends[a], (xb, yb, hb + math.pi))
            conn = xodr.create_road(
                geom, conn_id, left_lanes=0, right_lanes=1,
                lane_width=LANE_WIDTH_M, road_type=junction_id,
            )
            conn.planview.set_start_point(*ends[a])
            conn.add_predecessor(xodr.ElementType.road, a, xodr.ContactPoint.end)
            conn.add_successor(xodr.ElementType.road, b, xodr.ContactPoint.end)
            lane = conn.lanes.lanesections[0].rightlanes[0]
            lane.add_link("predecessor", -1)
            lane.add_link("successor", 1)
            conn.add_type(xodr.RoadType.town, 0, "CN", URBAN_SPEED_KMH, "km/h")
            odr.add_road(conn)
            link = xodr.Connection(a, conn_id, xodr.ContactPoint.start)
            link.add_lanelink(-1, -1)
            junction.add_connection(link)
            conn_id += 1
    for rid in ends:
        roads[rid].add_successor(xodr.ElementType.junction, junction_id)
    odr.add_junction(junction)
    odr.adjust_startpoints()


#: Arterial corridor: junction centres on y = 0 (x in m), 300-500 m apart; the arterial runs 0 .. 2000 m.
CORRIDOR_JUNCTIONS_X_M = (300.0, 700.0, 1050.0, 1500.0)
CORRIDOR_LENGTH_M = 2000.0
CORRIDOR_SIDE_LENGTH_M = 150.0


def arterial_corridor() -> xodr.OpenDrive:
    """A ~2 km signalised arterial (green-wave corridor), west -> east along y = 0.

    Arterial roads 1..5 (one 3.5 m lane each way, 50 km/h), running +x: road 1 from x = 0 to the first
    junction, roads 2..4 between junctions (junction at both ends), road 5 from the last junction to
    x = 2000. Junction k (k = 1..4, id 100 k) is centred at CORRIDOR_JUNCTIONS_X_M[k-1] (300, 700, 1050,
    1500: 400, 350 and 450 m apart) with 10 m half-size like the urban intersection; side streets
    10 k + 1 (south) and 10 k + 2 (north), 150 m, point INTO their junction. Connecting roads of
    junction k: 500 + 20 (k - 1) + i, one per ordered pair of approaches (one-way, lines and arcs).

    Every inbound lane has a stop line (294) and a traffic light (1000001, dynamic) at the junction
    entry; each junction has two controllers (signal groups): ``<junction>_arterial`` (east- and
    westbound) and ``<junction>_side``. The timing plans (cycle, splits, offsets) are SUMO's business:
    ``arterial_corridor.tls.add.xml`` (written by ``write_tls_plans``).
    """
    _reset_id_registry()
    half = 10.0
    odr = xodr.OpenDrive("arterial_corridor", geo_reference=BEIJING_PROJ)
    xs = CORRIDOR_JUNCTIONS_X_M
    bounds = [0.0] + [v for x in xs for v in (x - half, x + half)] + [CORRIDOR_LENGTH_M]
    arterial: dict[int, xodr.Road] = {}
    for i in range(len(xs) + 1):
        x0, x1 = bounds[2 * i], bounds[2 * i + 1]
        arterial[i + 1] = _approach_road(i + 1, x0, 0.0, 0.0, x1 - x0)
        odr.add_road(arterial[i + 1])
    controllers: list[tuple[str, list[str]]] = []
    first_conn = 500
    for k, xc in enumerate(xs, start=1):
        jid = 100 * k
        south, north = 10 * k + 1, 10 * k + 2
        side = {
            south: _approach_road(south, xc, -half - CORRIDOR_SIDE_LENGTH_M, math.pi / 2, CORRIDOR_SIDE_LENGTH_M),
            north: _approach_road(north, xc, half + CORRIDOR_SIDE_LENGTH_M, -math.pi / 2, CORRIDOR_SIDE_LENGTH_M),
        }
        for road in side.values():
            odr.add_road(road)
        west, east = arterial[k], arterial[k + 1]
        # (road, contact point at the junction, pose at the junction border heading INTO the junction)
        approaches = [
            (west, "end", (xc - half, 0.0, 0.0)),
            (east, "start", (xc + half, 0.0, math.pi)),
            (side[south], "end", (xc, -half, math.pi / 2)),
            (side[north], "end", (xc, half, -math.pi / 2)),
        ]
        groups: dict[str, list[str]] = {f"{jid}_arterial": [], f"{jid}_side": []}
        for road, contact, _pose in approaches:
            at_end = contact == "end"
            s = float(road.planview.get_total_length()) if at_end else 0.0
            lane = -1 if at_end else 1
            orient = xodr.Orientation.positive if at_end else xodr.Orientation.negative
            t = -LANE_WIDTH_M / 2 if at_end else LANE_WIDTH_M / 2
            rid = int(road.id)
            stop = xodr.Signal(s=s, t=t, country="DE", Type="294", subtype="-1", id=f"stopline_{jid}_{rid}",
                               name="StopLine", zOffset=0.0, orientation=orient, width=LANE_WIDTH_M)
            stop.add_validity(lane, lane)
            road.add_signal(stop)
            light = xodr.Signal(s=s, t=t * 2.2, country="OpenDRIVE", Type="1000001", subtype="-1",
                                id=f"light_{jid}_{rid}", name="TrafficLight", dynamic=xodr.Dynamic.yes,
                                zOffset=3.0, orientation=orient)
            light.add_validity(lane, lane)
            road.add_signal(light)
            groups[f"{jid}_arterial" if rid <= 5 else f"{jid}_side"].append(f"light_{jid}_{rid}")
        controllers.extend(groups.items())
        _add_corridor_junction(odr, jid, f"corridor_junction_{k}", approaches, first_conn)
        first_conn += 20
    odr.adjust_startpoints()
    odr.coop_controllers = controllers  # written by render_xodr (scenariogeneration has no <controller>)
    return odr


def _add_corridor_junction(
    odr: xodr.OpenDrive, junction_id: int, name: str,
    approaches: list[tuple[xodr.Road, str, tuple[float, float, float]]], first_road_id: int,
) -> None:
    """Like ``_add_junction``, for approaches that touch the junction at their start OR end.

    An approach touching it at its end enters with lane -1 and leaves with lane +1; one touching it at its
    start enters with lane +1 and leaves with lane -1.
    """
    junction = xodr.Junction(name, junction_id)
    conn_id = first_road_id
    cp = {"start": xodr.ContactPoint.start, "end": xodr.ContactPoint.end}
    for road_a, contact_a, pose_a in approaches:
        for road_b, contact_b, pose_b in approaches:
            if road_a is road_b:
                continue
            xb, yb, hb = pose_b
            conn = xodr.create_road(
                _line_or_arc(pose_a, (xb, yb, hb + math.pi)), conn_id, left_lanes=0, right_lanes=1,
                lane_width=LANE_WIDTH_M, road_type=junction_id,
            )
            conn.planview.set_start_point(*pose_a)
            conn.add_predecessor(xodr.ElementType.road, road_a.id, cp[contact_a])
            conn.add_successor(xodr.ElementType.road, road_b.id, cp[contact_b])
            lane = conn.lanes.lanesections[0].rightlanes[0]
            lane.add_link("predecessor", -1 if contact_a == "end" else 1)
            lane.add_link("successor", 1 if contact_b == "end" else -1)
            conn.add_type(xodr.RoadType.town, 0, "CN", URBAN_SPEED_KMH, "km/h")
            odr.add_road(conn)
            link = xodr.Connection(road_a.id, conn_id, xodr.ContactPoint.start)
            link.add_lanelink(-1 if contact_a == "end" else 1, -1)
            junction.add_connection(link)
            conn_id += 1
    for road, contact, _pose in approaches:
        if contact == "end":
            road.add_successor(xodr.ElementType.junction, junction_id)
        else:
            road.add_predecessor(xodr.ElementType.junction, junction_id)
    odr.add_junction(junction)


MAPS = {"urban_intersection": urban_intersection, "arterial_corridor": arterial_corridor}

# -- signal timing plans (SUMO additional files) ------------------------------------------------------------
#: Fixed-time plan of every corridor junction [s]: arterial green, yellow, all-red, side green, yellow, all-red.
CORRIDOR_PHASES_S = (37.0, 3.0, 2.0, 23.0, 3.0, 2.0)
GREEN_WAVE_SPEED_KMH = 50.0


def corridor_offsets_s() -> dict[str, float]:
    """SUMO tlLogic offset per junction: an eastbound green wave at 50 km/h.

    Junction k's arterial green starts (x_k - x_1) / v after junction 1's, modulo the cycle. SUMO 1.28
    starts a program with offset o at cycle time -o, i.e. its first phase begins at simulation time
    o (mod cycle) (measured in tests/maps/test_corridor.py), hence offset_k = delay_k mod cycle.
    """
    cycle = sum(CORRIDOR_PHASES_S)
    v_mps = GREEN_WAVE_SPEED_KMH / 3.6
    x1 = CORRIDOR_JUNCTIONS_X_M[0]
    return {str(100 * k): round(((x - x1) / v_mps) % cycle, 1)
            for k, x in enumerate(CORRIDOR_JUNCTIONS_X_M, start=1)}


def corridor_tls_plans(net_path: Path) -> bytes:
    """The corridor's tlLogic programs, one per junction, from the link indices of its SUMO net."""
    links: dict[str, dict[int, tuple[bool, str]]] = {}  # tls -> link index -> (arterial?, dir)
    for conn in ET.parse(net_path).getroot().iter("connection"):
        tl = conn.get("tl")
        if tl is None:
            continue
        road = int(conn.get("from", "").lstrip("-"))
        links.setdefault(tl, {})[int(conn.get("linkIndex", "-1"))] = (road <= 5, conn.get("dir", "s"))
    offsets = corridor_offsets_s()
    root = ET.Element("additional")
    root.append(ET.Comment(
        f" generated by maps/generate_maps.py: fixed-time plans, cycle {sum(CORRIDOR_PHASES_S):g} s, "
        f"eastbound green wave at {GREEN_WAVE_SPEED_KMH:g} km/h "))
    for tl in sorted(links, key=int):
        order = [links[tl][i] for i in range(len(links[tl]))]

        def state(green_arterial: bool | None, colour: str, order: list[tuple[bool, str]] = order) -> str:
            out = ""
            for arterial, direction in order:
                if green_arterial is None or arterial != green_arterial:
                    out += "r"
                elif colour == "G":
                    out += "g" if direction == "l" else "G"  # permissive left: yields to oncoming traffic
                else:
                    out += colour
            return out

        prog = ET.SubElement(root, "tlLogic", {"id": tl, "type": "static", "programID": "green_wave",
                                               "offset": f"{offsets[tl]:g}"})
        g_a, y_a, r_a, g_s, y_s, r_s = CORRIDOR_PHASES_S
        for dur, st in ((g_a, state(True, "G")), (y_a, state(True, "y")), (r_a, state(None, "r")),
                        (g_s, state(False, "G")), (y_s, state(False, "y")), (r_s, state(None, "r"))):
            ET.SubElement(prog, "phase", {"duration": f"{dur:g}", "state": st})
    ET.indent(root, space="    ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


#: maps with signal timing plans -> writer; the plans go to ``maps/<name>.tls.add.xml`` (loaded by the SUMO world)
TLS_PLANS = {"arterial_corridor": corridor_tls_plans}


def render_tls_plans(name: str, xodr_path: Path) -> bytes:
    sys.path.insert(0, str(MAPS_DIR.parent))  # coop_drive, also when run as a plain script
    from coop_drive.world.netcache import derive_net

    return TLS_PLANS[name](derive_net(xodr_path).net_path)


_LANE_CHILD_ORDER = ("link", "width", "border", "roadMark", "material", "visibility")


def _add_lane_speeds(root: ET.Element, speed_kmh: float) -> None:
    """Add a lane-level <speed> to every driving lane (schema order respected)."""
    for lane in root.iter("lane"):
        if lane.get("type") != "driving" or lane.find("speed") is not None:
            continue
        pos = sum(1 for child in lane if child.tag in _LANE_CHILD_ORDER)
        speed = ET.Element("speed", {"sOffset": "0", "max": f"{speed_kmh:g}", "unit": "km/h"})
        lane.insert(pos, speed)


def _tidy(root: ET.Element) -> None:
    """Round float noise (1.2e-14, 0.09999999999999995) and drop subtype="None"."""
    for tag, attrs in (("road", ("length",)), ("geometry", ("x", "y", "hdg", "length")),
                       ("arc", ("curvature",))):
        for elem in root.iter(tag):
            for attr in attrs:
                value = elem.get(attr)
                if value is not None:
                    elem.set(attr, repr(round(float(value), 12) + 0.0))
    for obj in root.iter("object"):
        if obj.get("subtype") == "None":
            del obj.attrib["subtype"]


def _add_controllers(root: ET.Element, controllers: list[tuple[str, list[str]]]) -> None:
    """<controller> elements (signal groups) after the roads, before the junctions (schema order)."""
    pos = next((i for i, child in enumerate(root) if child.tag == "junction"), len(root))
    for offset, (cid, signal_ids) in enumerate(controllers):
        ctl = ET.Element("controller", {"id": cid, "name": cid, "sequence": str(offset)})
        for sid in signal_ids:
            ET.SubElement(ctl, "control", {"signalId": sid, "type": "1000001"})
        root.insert(pos + offset, ctl)


def render_xodr(odr: xodr.OpenDrive, speed_kmh: float = URBAN_SPEED_KMH) -> bytes:
    root: ET.Element = odr.get_element()
    header = root.find("header")
    assert header is not None
    header.set("date", HEADER_DATE)
    _add_lane_speeds(root, speed_kmh)
    _add_controllers(root, getattr(odr, "coop_controllers", []))
    _tidy(root)
    ET.indent(root, space="    ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def _self_check(odr: xodr.OpenDrive) -> None:
    for road in odr.roads.values():
        for geom in road.planview._raw_geometries:
            if isinstance(geom, xodr.Spiral):
                raise AssertionError(f"road {road.id}: spiral geometry (hangs netconvert)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify committed files")
    parser.add_argument("--out-dir", type=Path, default=MAPS_DIR)
    args = parser.parse_args(argv)
    stale = []
    for name, build in MAPS.items():
        odr = build()
        _self_check(odr)
        data = render_xodr(odr)
        path = args.out_dir / f"{name}.xodr"
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path)
            continue
        tmp = path.with_suffix(".xodr.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        print(f"wrote {path}")
    for name in TLS_PLANS:
        xodr_path = args.out_dir / f"{name}.xodr"
        plans = render_tls_plans(name, xodr_path if xodr_path.exists() else MAPS_DIR / f"{name}.xodr")
        path = args.out_dir / f"{name}.tls.add.xml"
        if args.check:
            if not path.exists() or path.read_bytes() != plans:
                stale.append(path)
            continue
        tmp = path.with_suffix(".xml.tmp")
        tmp.write_bytes(plans)
        tmp.replace(path)
        print(f"wrote {path}")
    if stale:
        print("stale maps (run maps/generate_maps.py): " + ", ".join(map(str, stale)),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
