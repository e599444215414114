"""MAP message contract: the byte layout on a hand-built message (little-endian, 1 cm fixed point), every
rejection of a bad payload, the MEC-side content for both maps, and the vehicle-side map rebuilt from it."""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.hdmap import MapService, load_map
from coop_drive.hdmap.map_client import MapClient, MapServer
from coop_drive.hdmap.map_message import (
    NO_GROUP,
    IntersectionMap,
    MapConflict,
    MapLane,
    _tangents,
    build_intersection_map,
    decode_map,
    encode_map,
    hdmap_from_messages,
    map_frame,
)
from coop_drive.v2x.frame import MessageType, V2XDecodeError, decode_frame

MAPS = Path(__file__).resolve().parents[2] / "maps"


def _msg(**over):
    lanes = (
        MapLane("5", -1, True, True, 3.5, 13.89, 0.0, 10.0, None, "", np.array([[1.0, -2.0], [11.0, -2.0]])),
        MapLane("2", 1, False, False, 3.0, None, 50.0, 0.0, 49.5, "S", np.array([[61.0, -2.0], [11.0, -2.0]])),
    )
    fields = dict(
        junction_id="9",
        revision=3,
        ref_xy_m=(1.0, -2.0),
        lanes=lanes,
        connections=((1, 0, 1, 0),),
        groups=(("G", ("L1", "L2")),),
        conflicts=(MapConflict(0, 1, "merge", 1.25, 2.5, 0.0, 0.75),),
    )
    fields.update(over)
    return IntersectionMap(**fields)


EXPECTED = bytes.fromhex(
    # head: version 1, revision 3, ref x 100 cm, ref y -200 cm, 2 lanes, 1 connection, 1 group, 1 conflict
    "01"
    "0300"
    "64000000"
    "38ffffff"
    "0200"
    "0100"
    "0100"
    "0100"
    "01"
    "39"  # junction id "9"
    # lane 0: road "5", no stop id; lane -1, flags in-junction|forward = 3, width 350 cm, speed 1389 cm/s,
    # s 0 .. 1000 cm, no stop line (0xffffffff), 2 points relative to the reference: (0, 0), (1000, 0) cm
    "0135"
    "00"
    "ff"
    "03"
    "5e01"
    "6d05"
    "00000000"
    "e8030000"
    "ffffffff"
    "0200"
    "00000000"
    "00000000"
    "e8030000"
    "00000000"
    # lane 1: road "2", stop id "S"; lane 1, flags 0, width 300 cm, no speed (0), s 5000 .. 0 cm, stop 4950 cm
    "0132"
    "0153"
    "01"
    "00"
    "2c01"
    "0000"
    "88130000"
    "00000000"
    "56130000"
    "0200"
    "70170000"
    "00000000"
    "e8030000"
    "00000000"
    "0100"
    "0000"
    "0100"
    "0000"  # connection (1, 0, 1, 0)
    "0147"
    "02"
    "024c31"
    "024c32"  # group "G" with signals "L1", "L2"
    # conflict lane 0 / lane 1, kind merge (1), entry 125, exit 250, other entry 0, other exit 75 cm
    "0000"
    "0100"
    "01"
    "7d000000"
    "fa000000"
    "00000000"
    "4b000000"
)


def test_encoding_is_the_documented_byte_layout():
    assert encode_map(_msg()) == EXPECTED
    assert encode_map(_msg(revision=0x10003)) == EXPECTED  # the revision is a 16-bit counter


def test_decoding_the_fixed_vector():
    m = decode_map(EXPECTED)
    assert (m.junction_id, m.revision, m.ref_xy_m) == ("9", 3, (1.0, -2.0))
    a, b = m.lanes
    assert (a.road_id, a.lane_id, a.in_junction, a.forward, a.width_m, a.speed_mps) == ("5", -1, True, True, 3.5, 13.89)
    assert (a.s_start_m, a.s_end_m, a.stop_line_along_m, a.stop_line_id) == (0.0, 10.0, None, "")
    np.testing.assert_array_equal(a.xy_m, [[1.0, -2.0], [11.0, -2.0]])
    assert (b.road_id, b.lane_id, b.in_junction, b.forward, b.width_m, b.speed_mps) == ("2", 1, False, False, 3.0, None)
    assert (b.s_start_m, b.s_end_m, b.stop_line_along_m, b.stop_line_id) == (50.0, 0.0, 49.5, "S")
    np.testing.assert_array_equal(b.xy_m, [[61.0, -2.0], [11.0, -2.0]])
    assert m.connections == ((1, 0, 1, 0),)
    assert m.groups == (("G", ("L1", "L2")),)
    assert m.conflicts == (MapConflict(0, 1, "merge", 1.25, 2.5, 0.0, 0.75),)


def test_flags_each_bit():
    lane = MapLane("5", -2, False, True, 3.5, None, 0.0, 1.0, None, "", np.array([[0.0, 0.0], [1.0, 0.0]]))
    for in_j, fwd, flags in ((False, True, 2), (True, False, 1), (False, False, 0)):
        m = _msg(
            lanes=(MapLane(**{**lane.__dict__, "in_junction": in_j, "forward": fwd}),),
            connections=(),
            conflicts=(),
            groups=(),
        )
        data = encode_map(m)
        assert data[19 + 2 + 2 + 1 + 1] == flags  # after head (19), "9", road "5", empty stop id, lane id
        assert data[19 + 2 + 2 + 1] == 0xFE  # lane id -2
        got = decode_map(data).lanes[0]
        assert (got.in_junction, got.forward) == (in_j, fwd)


def test_cross_kind_is_zero():
    data = encode_map(_msg(conflicts=(MapConflict(1, 0, "cross", 0.0, 0.0, 0.0, 0.0),)))
    assert data[-17:-16] == b"\x00" and data[-21:-17] == bytes.fromhex("01000000")
    assert decode_map(data).conflicts[0].kind == "cross"


def test_id_longer_than_255_bytes_is_refused():
    with pytest.raises(ValueError, match="id too long for a MAP message: 'xxx"):
        encode_map(_msg(junction_id="x" * 256))
    assert decode_map(encode_map(_msg(junction_id="x" * 255))).junction_id == "x" * 255


def _bad(data, message):
    with pytest.raises(V2XDecodeError) as info:
        decode_map(data)
    assert str(info.value) == message


def test_rejections_name_the_problem():
    _bad(EXPECTED[:10], "MAP payload truncated at byte 0")  # inside the head
    _bad(EXPECTED[:19], "MAP payload truncated at byte 19")  # no junction id length byte
    _bad(EXPECTED[:20], "MAP payload truncated at byte 19")  # the id's byte is missing
    _bad(bytes([2]) + EXPECTED[1:], "MAP payload version 2, expected 1")
    _bad(bytes([0]) + EXPECTED[1:], "MAP payload version 0, expected 1")
    _bad(EXPECTED + b"\x00\x00", "MAP payload has 2 trailing bytes")
    _bad(EXPECTED[:-1], f"MAP payload truncated at byte {len(EXPECTED) - 21}")  # inside the conflict record
    # a lane with a single point
    one = bytearray(EXPECTED)
    one[19 + 2 + 3 + 18] = 1  # lane 0's point count: head, "9", "5", "", then 18 bytes of the lane record
    _bad(bytes(one), "MAP lane 5/-1: 1 points")
    # an id that is not UTF-8 (junction id byte 0xff at offset 20)
    bad_id = bytearray(EXPECTED)
    bad_id[20] = 0xFF
    _bad(bytes(bad_id), "MAP payload: bad id at byte 20")
    _bad(
        encode_map(_msg(conflicts=(MapConflict(0, 1, "merge", 0, 0, 0, 0),)))[:-21]
        + b"\x00\x00\x01\x00\x02"
        + bytes(16),
        "MAP conflict kind 2",
    )


@pytest.mark.parametrize(
    ("conn", "ok"),
    [
        ((2, 0, 1, 0), False),
        ((0, 2, 1, 0), False),
        ((0, 1, 2, 0), False),
        ((0, 1, 1, 1), False),
        ((1, 1, 1, NO_GROUP), True),
        ((1, 1, 1, 0), True),
    ],
)
def test_connections_must_refer_to_lanes_and_groups(conn, ok):
    data = encode_map(_msg(connections=(conn,)))
    if ok:
        assert decode_map(data).connections == (conn,)
    else:
        _bad(data, f"MAP connection {conn} refers to a missing lane or group")


@pytest.mark.parametrize("pair", [(2, 0), (0, 2)])
def test_conflicts_must_refer_to_lanes(pair):
    _bad(
        encode_map(_msg(conflicts=(MapConflict(*pair, "cross", 0, 0, 0, 0),))), "MAP conflict refers to a missing lane"
    )


@settings(max_examples=50, deadline=None)
@given(
    x=st.lists(st.integers(-2_000_000, 2_000_000), min_size=2, max_size=6),
    ref=st.integers(-10_000_000, 10_000_000),
    rev=st.integers(0, 0xFFFF),
    width=st.integers(0, 0xFFFF),
    speed=st.integers(1, 0xFFFF),
    s=st.integers(0, 2**31 - 1),
    stop=st.integers(0, 0xFFFFFFFE),
    lane_id=st.integers(-128, 127),
)
def test_encode_decode_identity_on_centimetre_values(x, ref, rev, width, speed, s, stop, lane_id):
    xy = np.array([[v / 100.0, -v / 100.0] for v in x]) + ref / 100.0
    lane = MapLane("r", lane_id, True, False, width / 100.0, speed / 100.0, s / 100.0, 0.0, stop / 100.0, "q", xy)
    m = _msg(
        revision=rev,
        ref_xy_m=(ref / 100.0, ref / 100.0),
        lanes=(lane,),
        connections=((0, 0, 0, NO_GROUP),),
        conflicts=(MapConflict(0, 0, "cross", s / 100.0, 0.01, 0.0, stop / 100.0),),
    )
    got = decode_map(encode_map(m))
    assert (got.revision, got.ref_xy_m) == (rev, (ref / 100.0, ref / 100.0))
    g = got.lanes[0]
    assert (g.lane_id, g.width_m, g.speed_mps, g.s_start_m, g.stop_line_along_m) == (
        lane_id,
        width / 100.0,
        speed / 100.0,
        s / 100.0,
        stop / 100.0,
    )
    np.testing.assert_allclose(g.xy_m, xy, atol=1e-6)
    assert got.conflicts == m.conflicts and got.connections == m.connections


# -- the MEC side on the shipped maps ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def urban():
    return MapService(load_map(MAPS / "urban_intersection.xodr"))


@pytest.fixture(scope="module")
def corridor():
    return MapService(load_map(MAPS / "arterial_corridor.xodr"))


def test_urban_junction_message(urban):
    msg = build_intersection_map(urban, "100", revision=4)
    assert (msg.junction_id, msg.revision) == ("100", 4)
    assert msg.ref_xy_m == (0.0, 0.0)  # the connecting lanes are symmetric about the junction centre
    assert len(msg.lanes) == 20  # 12 connecting lanes first, then both lanes of the four roads
    assert all(ln.in_junction for ln in msg.lanes[:12]) and not any(ln.in_junction for ln in msg.lanes[12:])
    keys = [(ln.road_id, ln.lane_id) for ln in msg.lanes]
    inbound = msg.lanes[keys.index(("1", -1))]
    assert (inbound.forward, inbound.width_m, inbound.s_start_m, inbound.s_end_m) == (True, 3.5, 0.0, 200.0)
    assert (inbound.stop_line_along_m, inbound.stop_line_id) == (pytest.approx(200.0), "stopline_1")
    assert inbound.speed_mps == pytest.approx(50 / 3.6)
    outbound = msg.lanes[keys.index(("2", 1))]
    assert (outbound.forward, outbound.s_start_m, outbound.s_end_m, outbound.stop_line_along_m) == (
        False,
        200.0,
        0.0,
        None,
    )
    assert outbound.stop_line_id == ""
    assert len(msg.connections) == 12 and msg.groups == ()
    assert all(g == NO_GROUP for *_, g in msg.connections)
    straight = (keys.index(("1", -1)), keys.index(("200", -1)), keys.index(("2", 1)), NO_GROUP)
    assert straight in msg.connections
    assert len(msg.conflicts) == sum(
        len(urban.junction_conflicts(urban.map.lanes[i])) for i in urban.map.junctions["100"].lane_indices
    )
    c = msg.conflicts[0]
    assert msg.lanes[c.lane].in_junction and msg.lanes[c.other].in_junction


def test_corridor_junction_groups(corridor):
    msg = build_intersection_map(corridor, "100")
    assert msg.groups == (
        ("100_arterial", ("light_100_1", "light_100_2")),
        ("100_side", ("light_100_11", "light_100_12")),
    ) or msg.groups == (
        ("100_side", ("light_100_11", "light_100_12")),
        ("100_arterial", ("light_100_1", "light_100_2")),
    )
    keys = [(ln.road_id, ln.lane_id) for ln in msg.lanes]
    names = [g for g, _ in msg.groups]
    for a, _, _, g in msg.connections:
        road = keys[a][0]
        assert names[g] == ("100_arterial" if road in ("1", "2") else "100_side")
    assert msg.ref_xy_m == (300.0, 0.0)


def test_frames_carry_one_junction_each(corridor):
    msg = build_intersection_map(corridor, "200")
    frame = decode_frame(map_frame(msg, "mec-1", 17, 123_456_789))
    assert (frame.message_type, frame.source_id, frame.sequence_number, frame.generation_time_ns) == (
        MessageType.MAP,
        "mec-1",
        17,
        123_456_789,
    )
    assert frame.payload == encode_map(msg)


# -- the vehicle side ------------------------------------------------------------------------------------


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


def test_map_from_the_hand_built_message():
    m = hdmap_from_messages([decode_map(EXPECTED)], name="rx")
    assert (m.name, m.source, m.geo) == ("rx", "MAP messages", None)
    a, b = m.lanes
    assert (a.key, a.junction_id, a.forward, a.index) == (("5", -1), "9", True, 0)
    assert (b.key, b.junction_id, b.forward, b.index) == (("2", 1), None, False, 1)
    np.testing.assert_allclose(a.along_m, [0.0, 10.0])
    np.testing.assert_allclose(b.s_m, [50.0, 0.0])  # s from the start value to the end value along the lane
    np.testing.assert_allclose(b.width_m, [3.0, 3.0])
    np.testing.assert_allclose(b.heading_rad, [math.pi, math.pi])
    assert [(r.s_start_m, r.speed_mps) for r in a.speed] == [(0.0, 13.89)] and b.speed == ()
    assert b.stop_lines == [(49.5, "S")] and a.stop_lines == []
    # connection (1, 0, 1): lane 1 -> lane 0 -> lane 1; the group's signals on the connecting lane
    assert b.successors == [0] and a.successors == [1] and a.predecessors == [1] and b.predecessors == [0]
    assert a.signal_ids == ["L1", "L2"] and b.signal_ids == []
    assert m.controllers == {"G": ("L1", "L2")}
    sig = m.signals["L1"]
    assert (sig.signal_id, sig.dynamic, sig.signal_type, sig.controller_ids) == ("L1", True, "1000001", ("G",))
    assert m.junctions["9"].lane_indices == (0,)
    assert m.roads["5"].junction_id == "9" and m.roads["2"].junction_id is None
    assert m.roads["5"].lane_indices == [0]
    assert (m.roads["5"].name, m.roads["5"].length_m) == ("", 0.0)  # neither is carried by MAP messages


def test_speed_record_starts_at_the_smaller_s():
    lane = MapLane("2", 1, False, False, 3.0, 10.0, 50.0, 20.0, None, "", np.array([[0.0, 0.0], [30.0, 0.0]]))
    m = hdmap_from_messages([_msg(lanes=(lane,), connections=(), conflicts=(), groups=())])
    assert m.lanes[0].speed[0].s_start_m == 20.0
    np.testing.assert_allclose(m.lanes[0].s_m, [50.0, 20.0])


def test_shared_lanes_are_merged_and_connections_not_repeated(corridor):
    msgs = [build_intersection_map(corridor, j) for j in ("100", "200")]
    m = hdmap_from_messages(msgs + msgs[:1])
    keys = [ln.key for ln in m.lanes]
    assert len(keys) == len(set(keys))
    assert keys.count(("2", -1)) == 1  # the arterial between the two junctions, in both messages
    between = m.lanes[keys.index(("2", -1))]
    assert between.junction_id is None
    assert len(between.successors) == 3 and len(between.predecessors) == 3
    assert len(set(between.successors)) == 3
    assert sorted(m.junctions) == ["100", "200"] and len(m.junctions["100"].lane_indices) == 12
    assert m.lanes[m.junctions["100"].lane_indices[0]].signal_ids  # signals on the connecting lanes
    assert all(len(set(ln.signal_ids)) == len(ln.signal_ids) for ln in m.lanes)


# -- server and client -----------------------------------------------------------------------------------


def test_server_frames_and_client_updates():
    server = MapServer(MAPS / "urban_intersection.xodr", source_id="edge")
    first = server.frames(5)
    second = server.frames(6)
    assert len(first) == 1 and len(server.messages) == 1
    f0, f1 = decode_frame(first[0]), decode_frame(second[0])
    assert (f0.source_id, f0.sequence_number, f0.generation_time_ns) == ("edge", 0, 5)
    assert (f1.sequence_number, f1.generation_time_ns) == (1, 6)
    client = MapClient(["1", "2"])
    assert client.service is None and client.version == () and client.route_path(0.0, 0.0) is None
    client.on_payload(f0.payload)
    svc = client.service
    assert client.messages_received == 1 and client.version == (("100", 0),)
    client.on_payload(f1.payload)  # the same revision: the map is kept
    assert client.messages_received == 2 and client.service is svc
    newer = build_intersection_map(MapService(load_map(MAPS / "urban_intersection.xodr")), "100", revision=1)
    client.on_payload(encode_map(newer))
    assert client.version == (("100", 1),) and client.service is not svc
    path = client.route_path(-150.0, -1.75)
    np.testing.assert_allclose(path.points_xy_m[[0, -1]], [[-210.0, -1.75], [210.0, -1.75]])
    assert client.route_path(-150.0, 30.0) is None  # off the received lanes
    with pytest.raises(V2XDecodeError):
        client.on_payload(b"\x01")
    assert client.messages_received == 3


@pytest.fixture(scope="module")
def corridor_frames():
    return [decode_frame(f) for f in MapServer(MAPS / "arterial_corridor.xodr").frames(0)]


def test_server_default_source_and_one_frame_per_junction_in_id_order(corridor_frames):
    frames = corridor_frames
    assert [f.source_id for f in frames] == ["mec"] * 4
    assert [f.sequence_number for f in frames] == [0, 1, 2, 3]
    assert [decode_map(f.payload).junction_id for f in frames] == ["100", "200", "300", "400"]
    client = MapClient(["1", "2", "3"])
    for f in frames[:2]:
        client.on_payload(f.payload)
    assert client.version == (("100", 0), ("200", 0))
    path = client.route_path(295.0, -1.75)  # inside junction 100 on the straight: from that lane's start on
    # the straight crossing (x 290..310), road 2 (to 690), junction 200's straight (to 710), then road 3's
    # eastbound lane, an exit lane of junction 200 and so in its message, to its end at x = 1040
    assert path.points_xy_m[0] == pytest.approx([290.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([1040.0, -1.75])


_ROAD = (
    '<road id="{rid}" length="{length}" junction="{j}">{link}<planView><geometry s="0" x="{x}" y="0" hdg="0" '
    'length="{length}"><line/></geometry></planView><lanes><laneSection s="0"><right><lane id="-1" '
    'type="driving">{ll}<width sOffset="0" a="{w}" b="{b}" c="0" d="0"/>{speed}</lane></right></laneSection>'
    "</lanes>{sig}</road>"
)


def _small_junction(controller: bool):
    """Road 1 (x 0..100, two stop lines, a light) -> connecting road 5 (x 100..110.123) -> road 2."""
    sig = (
        '<signals><signal id="A" s="50" type="294" orientation="+"/><signal id="B" s="100" type="294" '
        'orientation="+"/><signal id="L" s="100" type="1000001" dynamic="yes" orientation="+"/></signals>'
    )
    r1 = _ROAD.format(
        rid="1",
        length=100,
        j=-1,
        x=0,
        ll="",
        sig=sig,
        w=3.0,
        b=0.01,
        speed="",
        link='<link><successor elementType="junction" elementId="9"/></link>',
    )
    r5 = _ROAD.format(
        rid="5",
        length=10.123,
        j=9,
        x=100,
        ll='<link><successor id="-1"/></link>',
        sig="",
        w=3.5,
        b=0,
        speed='<speed sOffset="0" max="36" unit="km/h"/>',
        link='<link><predecessor elementType="road" elementId="1"/><successor elementType="road" '
        'elementId="2" contactPoint="start"/></link>',
    )
    r2 = _ROAD.format(
        rid="2",
        length=100,
        j=-1,
        x=110.123,
        ll="",
        sig="",
        w=3.5,
        b=0,
        speed="",
        link='<link><predecessor elementType="junction" elementId="9"/></link>',
    )
    tail = (
        '<junction id="9"><connection id="0" incomingRoad="1" connectingRoad="5" contactPoint="start">'
        '<laneLink from="-1" to="-1"/></connection></junction>'
    )
    if controller:
        tail += '<controller id="G"><control signalId="L"/></controller>'
    from coop_drive.hdmap import parse_map

    return MapService(parse_map(f"<OpenDRIVE>{r1}{r5}{r2}{tail}</OpenDRIVE>".encode()))


@pytest.mark.parametrize(("controller", "group"), [(True, ("G", ("L",))), (False, ("L", ("L",)))])
def test_small_junction_message(controller, group):
    svc = _small_junction(controller)
    msg = build_intersection_map(svc, "9", revision=2)
    # the connecting lane's centre points (100, -1.75) and (110.123, -1.75): mean x 105.0615 -> 105.06 (1 cm)
    assert msg.ref_xy_m == (105.06, -1.75)
    assert [(ln.road_id, ln.in_junction) for ln in msg.lanes] == [("5", True), ("1", False), ("2", False)]
    conn, inbound, outbound = msg.lanes
    assert conn.speed_mps == pytest.approx(10.0) and inbound.speed_mps is None
    # the widening inbound lane (3 + 0.01 s over 100 m) is sent with its mean width, 3.5 m
    assert inbound.width_m == pytest.approx(3.5)
    # the last stop line, at the lane's end: its centre drifts 0.005 m per m, so along = 100 * sqrt(1 + 0.005^2)
    assert (inbound.stop_line_along_m, inbound.stop_line_id) == (pytest.approx(100.0 * math.sqrt(1.000025)), "B")
    assert (conn.s_start_m, conn.s_end_m) == (0.0, pytest.approx(10.123))
    assert msg.connections == ((1, 0, 2, 0),)
    assert msg.groups == (group,)
    assert msg.conflicts == ()
    data = encode_map(msg)
    assert data[3:7] == (10506).to_bytes(4, "little", signed=True)
    rec = hdmap_from_messages([decode_map(data)])
    assert rec.lane("5", -1).signal_ids == ["L"] and rec.controllers == {group[0]: ("L",)}


def test_client_route_path_starts_on_the_route_lane_inside_a_junction():
    # 1 m into the urban junction the straight, right and left connecting lanes overlap: the route (west ->
    # north, road 4) picks the left turn, so the path leaves northwards on road 4 (x = 1.75, up to y = 210)
    client = MapClient(["1", "4"])
    for frame in MapServer(MAPS / "urban_intersection.xodr").frames(0):
        client.on_payload(decode_frame(frame).payload)
    path = client.route_path(-9.0, -1.75)
    assert path.points_xy_m[0] == pytest.approx([-10.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([1.75, 210.0])


def test_rebuilt_lanes_keep_their_s_range_and_a_single_section(urban):
    rec = hdmap_from_messages([build_intersection_map(urban, "100")])
    for ln in rec.lanes:
        orig = urban.map.lane(*ln.key)
        assert ln.section == 0
        # s runs from the lane's start value to its end value in proportion to the distance along it
        assert ln.s_m[0] == pytest.approx(orig.s_m[0], abs=0.005) and ln.s_m[-1] == pytest.approx(
            orig.s_m[-1], abs=0.005
        )
        np.testing.assert_allclose(ln.s_m, ln.s_m[0] + (ln.s_m[-1] - ln.s_m[0]) * ln.along_m / ln.along_m[-1])
    turn = rec.lane("201", -1)
    assert len(turn.xy_m) > 2 and turn.s_m[-1] == pytest.approx(5.0 * math.pi, abs=0.005)  # reference radius 10


def test_client_path_reaches_the_end_of_a_2_km_route(corridor_frames):
    client = MapClient(["1", "2", "3", "4", "5"])
    for frame in corridor_frames:
        client.on_payload(frame.payload)
    path = client.route_path(295.0, -1.75)  # 1710 m of lanes ahead: from junction 100 to the corridor's end
    assert path.points_xy_m[0] == pytest.approx([290.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([2000.0, -1.75])
