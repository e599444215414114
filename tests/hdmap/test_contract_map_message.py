"""MAP message contract: what the MEC puts in a junction's MAP (lanes, roles, ids, connections, signal group
numbers, stop lines), what a received message must hold together, and the vehicle-side map rebuilt from it."""

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coop_drive.geometry import Polyline
from coop_drive.hdmap import MapService, load_map, parse_map
from coop_drive.hdmap.map_message import (
    MAX_NODE_STEP_M,
    _simplified,
    _tangents,
    check_map_message,
    group_id,
    hdmap_from_messages,
    intersection_map,
)
from coop_drive.hdmap.signal_groups import signal_group_numbers
from coop_drive.v2x.asn1_codec import decode_map, encode_map
from coop_drive.v2x.frame import V2XDecodeError
from coop_drive.v2x.messages import LaneConnection, LaneRole, MapLane, MapMessage

MAPS = Path(__file__).resolve().parents[2] / "maps"


def _lane(lane_id: int, role: LaneRole, road: int, nodes, connections=(), stop=None, speed=None) -> MapLane:
    return MapLane(lane_id, 3.5, tuple(nodes), stop, tuple(connections), speed, role, road, -1 if road != 2 else 1)


def _msg(**over) -> MapMessage:
    lanes = (
        _lane(1, LaneRole.CONNECTING, 5, [(11.0, -2.0), (21.0, -2.0)], [LaneConnection(3, None)], speed=13.88),
        _lane(2, LaneRole.INGRESS, 1, [(1.0, -2.0), (11.0, -2.0)], [LaneConnection(1, 4)], stop=(10.5, -2.0)),
        _lane(3, LaneRole.EGRESS, 2, [(21.0, -2.0), (61.0, -2.0)]),
    )
    return replace(MapMessage(3, 1.0, 9, (16.0, -2.0), lanes), **over)


# -- the vehicle side -------------------------------------------------------------------------------------


def test_map_from_a_hand_built_message():
    m = hdmap_from_messages([decode_map(encode_map(_msg()))], name="rx")
    assert (m.name, m.source, m.geo) == ("rx", "MAP messages", None)
    conn, inbound, outbound = m.lanes
    assert [ln.key for ln in m.lanes] == [("5", -1), ("1", -1), ("2", 1)]
    assert [ln.index for ln in m.lanes] == [0, 1, 2]
    assert (conn.junction_id, inbound.junction_id, outbound.junction_id) == ("9", None, None)
    assert all(ln.forward and ln.section == 0 for ln in m.lanes)
    np.testing.assert_allclose(inbound.along_m, [0.0, 10.0])
    np.testing.assert_allclose(inbound.s_m, inbound.along_m)  # no road s on the air: s is along the lane
    np.testing.assert_allclose(outbound.width_m, [3.5, 3.5])
    np.testing.assert_allclose(outbound.heading_rad, [0.0, 0.0])
    assert [(r.s_start_m, r.speed_mps) for r in conn.speed] == [(0.0, 13.88)] and inbound.speed == ()
    assert inbound.stop_lines == [(pytest.approx(9.5), "stop_1_-1")] and conn.stop_lines == []
    # ingress -> connecting (signal group 4) -> egress; the group's signal on the connecting lane
    assert inbound.successors == [0] and conn.successors == [2] and outbound.predecessors == [0]
    assert conn.predecessors == [1] and outbound.successors == [] and inbound.predecessors == []
    assert conn.signal_ids == [group_id("9", 4)] == ["9_group004"] and inbound.signal_ids == []
    assert m.controllers == {"9_group004": ("9_group004",)}
    sig = m.signals["9_group004"]
    assert (sig.signal_id, sig.dynamic, sig.signal_type, sig.controller_ids) == ("9_group004", True, "1000001",
                                                                                ("9_group004",))
    assert m.junctions["9"].lane_indices == (0,)
    assert m.roads["5"].junction_id == "9" and m.roads["1"].junction_id is None
    assert m.roads["5"].lane_indices == [0]
    assert (m.roads["5"].name, m.roads["5"].length_m) == ("", 0.0)  # neither is carried by MAP messages


def test_stop_line_projects_onto_the_lane_and_clips_to_its_ends():
    for stop, along in (((5.0, -1.0), 4.0), ((-3.0, -2.0), 0.0), ((20.0, -2.0), 10.0)):
        lanes = (_lane(1, LaneRole.INGRESS, 1, [(1.0, -2.0), (11.0, -2.0)], stop=stop),)
        assert hdmap_from_messages([_msg(lanes=lanes)]).lanes[0].stop_lines[0][0] == pytest.approx(along)


def test_shared_lanes_are_merged_and_links_not_repeated():
    m = hdmap_from_messages([_msg(), _msg(intersection_id=7), _msg()])
    assert [ln.key for ln in m.lanes] == [("5", -1), ("1", -1), ("2", 1)]
    assert m.lanes[1].successors == [0] and m.lanes[0].signal_ids == ["9_group004", "7_group004"]
    assert sorted(m.junctions) == ["9"]  # the connecting lane came with junction 9's message first


def test_tangents_of_a_polyline():
    # straight: every vertex the chord direction
    np.testing.assert_allclose(_tangents(np.array([[0.0, 0.0], [1.0, 1.0]])), [math.pi / 4] * 2)
    # chords at 0 and 90 deg: the middle vertex 45 deg, the ends extrapolated half a turn: -45 and 135 deg
    got = _tangents(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_allclose(got, [-math.pi / 4, math.pi / 4, 3 * math.pi / 4])
    # across +-pi: chords at 170 and -170 deg turn by +20 deg, the middle is 180 deg
    a, b = math.radians(170.0), math.radians(-170.0)
    pts = np.array([[0.0, 0.0], [math.cos(a), math.sin(a)], [math.cos(a) + math.cos(b), math.sin(a) + math.sin(b)]])
    got = _tangents(pts)
    assert math.cos(got[1]) == pytest.approx(-1.0) and math.sin(got[1]) == pytest.approx(0.0, abs=1e-12)
    assert got[0] == pytest.approx(math.radians(160.0)) and math.radians(-160.0) == pytest.approx(
        math.atan2(math.sin(got[2]), math.cos(got[2]))
    )


# -- what a received message must hold together -----------------------------------------------------------


def test_a_consistent_message_passes_the_check():
    check_map_message(_msg())


@pytest.mark.parametrize(("lanes", "problem"), [
    (lambda ls: (ls[0], replace(ls[1], lane_id=1), ls[2]), "lane ids repeat"),
    (lambda ls: (ls[0], ls[1], replace(ls[2], road_id=1, road_lane_id=-1)), "a road lane is sent twice"),
    (lambda ls: (replace(ls[0], connections=(LaneConnection(8, None),)), ls[1], ls[2]),
     "lane 1 connects to lane 8, which is not in the message"),
])
def test_inconsistent_messages_are_rejected(lanes, problem):
    msg = _msg()
    with pytest.raises(V2XDecodeError, match=rf"^MAP intersection 9: {problem}$"):
        check_map_message(replace(msg, lanes=lanes(msg.lanes)))


# -- the MEC side on the shipped maps ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def urban():
    return MapService(load_map(MAPS / "urban_intersection.xodr"))


@pytest.fixture(scope="module")
def corridor():
    return MapService(load_map(MAPS / "arterial_corridor.xodr"))


def test_urban_junction_message(urban):
    msg = intersection_map(urban.map, "100", msg_count=4, time_s=2.5)
    assert (msg.intersection_id, msg.msg_count, msg.time_s) == (100, 4, 2.5)
    assert msg.ref_xy_m == (0.0, 0.0)  # the connecting lanes are symmetric about the junction centre
    assert [ln.lane_id for ln in msg.lanes] == list(range(1, 21))  # 12 connecting lanes, then the approaches
    roles = [ln.role for ln in msg.lanes]
    assert roles[:12] == [LaneRole.CONNECTING] * 12
    assert sorted(roles[12:]) == [LaneRole.INGRESS] * 4 + [LaneRole.EGRESS] * 4
    keys = [(str(ln.road_id), ln.road_lane_id) for ln in msg.lanes]
    inbound = msg.lanes[keys.index(("1", -1))]
    orig = urban.map.lane("1", -1)
    assert (inbound.role, inbound.width_m, inbound.speed_limit_mps) == (LaneRole.INGRESS, 3.5, pytest.approx(50 / 3.6))
    np.testing.assert_allclose(inbound.nodes_xy_m, orig.xy_m)
    assert inbound.stop_line_xy_m == pytest.approx(tuple(orig.xy_m[-1]))  # the stop line at the junction
    # left, straight, right: to connecting lanes, unsignalised
    targets = [msg.lanes[c.connecting_lane_id - 1] for c in inbound.connections]
    assert sorted(str(t.road_id) for t in targets) == sorted(urban.map.lanes[i].road_id for i in orig.successors)
    assert all(t.role is LaneRole.CONNECTING and c.signal_group is None
               for t, c in zip(targets, inbound.connections, strict=True))
    straight = msg.lanes[keys.index(("200", -1))]
    assert [msg.lanes[c.connecting_lane_id - 1].road_id for c in straight.connections] == [2]
    outbound = msg.lanes[keys.index(("2", 1))]
    assert (outbound.role, outbound.connections, outbound.stop_line_xy_m) == (LaneRole.EGRESS, (), None)
    assert sum(len(ln.connections) for ln in msg.lanes) == 24  # 12 movements, two links each


def test_corridor_connections_carry_the_spat_signal_group_numbers(corridor):
    numbers = signal_group_numbers(corridor.map, "100")
    assert numbers == {"100_arterial": 1, "100_side": 2}
    msg = intersection_map(corridor.map, "100")
    assert msg.ref_xy_m == (300.0, 0.0)
    for ln in msg.lanes:
        for c in ln.connections:
            if ln.role is LaneRole.INGRESS:
                assert c.signal_group == numbers["100_arterial" if ln.road_id in (1, 2) else "100_side"]
            else:
                assert c.signal_group is None
    rec = hdmap_from_messages([msg])
    assert signal_group_numbers(rec, "100") == {"100_group001": 1, "100_group002": 2}


def test_long_lanes_are_split_into_encodable_steps(corridor):
    msg = intersection_map(corridor.map, "200")
    between = next(ln for ln in msg.lanes if (ln.road_id, ln.road_lane_id) == (2, -1))  # 380 m, two points
    assert between.role is LaneRole.INGRESS and len(between.nodes_xy_m) == 3
    np.testing.assert_allclose(between.nodes_xy_m, [(310.0, -1.75), (500.0, -1.75), (690.0, -1.75)])
    for ln in msg.lanes:
        assert np.max(np.hypot(*np.diff(np.array(ln.nodes_xy_m), axis=0).T)) <= MAX_NODE_STEP_M
    assert len(decode_map(encode_map(msg)).lanes) == len(msg.lanes)  # encodable: no step out of range


_ROAD = (
    '<road id="{rid}" length="{length}" junction="{j}">{link}<planView><geometry s="0" x="{x}" y="0" hdg="0" '
    'length="{length}"><line/></geometry></planView><lanes><laneSection s="0"><right><lane id="-1" '
    'type="driving">{ll}<width sOffset="0" a="{w}" b="{b}" c="0" d="0"/>{speed}</lane></right></laneSection>'
    "</lanes>{sig}</road>"
)


def _small_junction(controller: bool) -> MapService:
    """Road 1 (x 0..100, two stop lines, a light) -> connecting road 5 (x 100..110.123) -> road 2."""
    sig = (
        '<signals><signal id="A" s="50" type="294" orientation="+"/><signal id="B" s="100" type="294" '
        'orientation="+"/><signal id="L" s="100" type="1000001" dynamic="yes" orientation="+"/></signals>'
    )
    r1 = _ROAD.format(rid="1", length=100, j=-1, x=0, ll="", sig=sig, w=3.0, b=0.01, speed="",
                      link='<link><successor elementType="junction" elementId="9"/></link>')
    r5 = _ROAD.format(rid="5", length=10.123, j=9, x=100, ll='<link><successor id="-1"/></link>', sig="", w=3.5,
                      b=0, speed='<speed sOffset="0" max="36" unit="km/h"/>',
                      link='<link><predecessor elementType="road" elementId="1"/><successor elementType="road" '
                      'elementId="2" contactPoint="start"/></link>')
    r2 = _ROAD.format(rid="2", length=100, j=-1, x=110.123, ll="", sig="", w=3.5, b=0, speed="",
                      link='<link><predecessor elementType="junction" elementId="9"/></link>')
    tail = ('<junction id="9"><connection id="0" incomingRoad="1" connectingRoad="5" contactPoint="start">'
            '<laneLink from="-1" to="-1"/></connection></junction>')
    if controller:
        tail += '<controller id="G"><control signalId="L"/></controller>'
    return MapService(parse_map(f"<OpenDRIVE>{r1}{r5}{r2}{tail}</OpenDRIVE>".encode()))


@pytest.mark.parametrize("controller", [True, False])
def test_small_junction_message(controller):
    svc = _small_junction(controller)
    msg = intersection_map(svc.map, "9", msg_count=2)
    # the connecting lane's centre points (100, -1.75) and (110.123, -1.75): mean x 105.0615 -> 105.06 (1 cm)
    assert msg.ref_xy_m == (105.06, -1.75)
    assert [(ln.road_id, ln.role) for ln in msg.lanes] == [(5, LaneRole.CONNECTING), (1, LaneRole.INGRESS),
                                                           (2, LaneRole.EGRESS)]
    conn, inbound, outbound = msg.lanes
    assert conn.speed_limit_mps == pytest.approx(10.0) and inbound.speed_limit_mps is None
    # the widening inbound lane (3 + 0.01 s over 100 m) is sent with its mean width, 3.5 m
    assert inbound.width_m == pytest.approx(3.5)
    # the last stop line (B), at the lane's end, where its centre has drifted to y = -(3 + 1) / 2
    assert inbound.stop_line_xy_m == pytest.approx((100.0, -2.0))
    # the light's group is number 1: the controller G's, or the uncontrolled signal L's own
    assert inbound.connections == (LaneConnection(1, 1),) and conn.connections == (LaneConnection(3, None),)
    assert outbound.connections == ()
    rec = hdmap_from_messages([decode_map(encode_map(msg))])
    assert rec.lane("5", -1).signal_ids == ["9_group001"] and rec.controllers == {"9_group001": ("9_group001",)}
    assert rec.lane("1", -1).stop_lines == [(pytest.approx(100.0 * math.sqrt(1.000025), abs=0.01), "stop_1_-1")]


def test_lanes_of_more_than_63_points_are_thinned():
    svc = _small_junction(True)
    assert len(svc.map.lane("1", -1).xy_m) == 101
    assert len(intersection_map(svc.map, "9").lanes[1].nodes_xy_m) == 2  # its drifting centre is a straight line
    arc = 20.0 * np.stack([np.cos(np.linspace(0, np.pi / 2, 200)), np.sin(np.linspace(0, np.pi / 2, 200))], axis=1)
    thin = _simplified(arc)
    assert 2 < len(thin) <= 63 and (thin[[0, -1]] == arc[[0, -1]]).all()
    assert np.max(np.abs(Polyline(thin).project(arc)[1])) <= 0.01  # 1 cm is enough on a 20 m radius
    wiggle = np.stack([np.linspace(0, 100, 400), np.sin(np.linspace(0, 100, 400))], axis=1)  # 16 periods
    thin = _simplified(wiggle)
    assert len(thin) <= 63 and (thin[[0, -1]] == wiggle[[0, -1]]).all()  # coarser: 1 cm needs more points
    assert np.max(np.abs(Polyline(thin).project(wiggle)[1])) > 0.01
    short = arc[::4]
    assert _simplified(short) is short  # 50 points: sent as they are


def test_ids_must_be_numbers():
    svc = _small_junction(True)
    svc.map.junctions["x9"] = svc.map.junctions["9"]
    with pytest.raises(ValueError, match=r"^junction id 'x9': a MAP carries it as a number$"):
        intersection_map(svc.map, "x9")
    svc.map.lanes[svc.map.lane("2", -1).index].road_id = "02"
    with pytest.raises(ValueError, match=r"^road id '02': a MAP carries it as a number$"):
        intersection_map(svc.map, "9")
