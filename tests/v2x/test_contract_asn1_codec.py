"""Contract tests of the UPER message codec (coop_drive/v2x/asn1_codec.py, docs/v2x.md).

The expected payloads are written bit by bit from the ASN.1 module (coop_drive/v2x/asn/CoopDriveV2X.asn):
UPER writes a constrained INTEGER (lo..hi) as value - lo in the fewest bits that hold hi - lo, a
SEQUENCE's OPTIONAL fields as one presence bit each before its members, a SEQUENCE (SIZE(a..b)) OF as
count - a in the bits that hold b - a, an ENUMERATED as its index, and pads the whole message with zero
bits to a multiple of 8.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.v2x.asn1_codec import (
    decode_bsm,
    decode_map,
    decode_message,
    decode_rsi,
    decode_rsm,
    decode_spat,
    decode_speed_plan,
    encode_bsm,
    encode_map,
    encode_message,
    encode_rsi,
    encode_rsm,
    encode_spat,
    encode_speed_plan,
    message_type_of,
    resolve_sec_mark_s,
)
from coop_drive.v2x.frame import MessageType, V2XDecodeError
from coop_drive.v2x.messages import (
    Bsm,
    IntersectionState,
    LaneConnection,
    LaneRole,
    MapLane,
    MapMessage,
    MovementPhaseState,
    MovementState,
    RoadSideEvent,
    Rsi,
    Rsm,
    RsmObject,
    Spat,
    SpeedPlan,
    SpeedPlanPoint,
)


def _uper(*fields: tuple[int, int, int]) -> bytes:
    """(value, lower bound, bits) fields -> the bytes of their bit string, zero-padded to whole octets."""
    bits = ""
    for value, lo, width in fields:
        assert 0 <= value - lo < 2**width, (value, lo, width)
        bits += format(value - lo, f"0{width}b")
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _u(value: int, width: int) -> tuple[int, int, int]:
    return value, 0, width


# Bit widths of the module's types (hi - lo + 1 values):
POS = -10_000_000  # PositionLocal: 20_000_001 values -> 25 bits
OFF = -132_768  # PositionOffset: 265_536 values -> 19 bits
ACC = -2000  # Acceleration -2000..2001: 4002 values -> 12 bits
YAWR = -32_767  # YawRate: 65_535 values -> 16 bits
VEL = -16_383  # RSM velX/velY: 32_767 values -> 15 bits
AGE = -32_768  # RSM age: 65_536 values -> 16 bits
NODE = -32_768  # NodeOffset: 65_536 values -> 16 bits


# ------------------------------------------------------------------------------------------------ messages


def _bsm(**kw) -> Bsm:
    base = Bsm(
        msg_count=5,
        vehicle_id=1001,
        time_s=61.5,
        x_m=-12.34,
        y_m=56.78,
        speed_mps=10.0,
        yaw_rad=0.0,
        accel_long_mps2=-1.5,
        accel_lat_mps2=0.25,
        yaw_rate_radps=math.radians(10.0),
        length_m=4.5,
        width_m=1.8,
        position_std_m=0.3,
    )
    return replace(base, **kw)


def _bsm_bits(*, sec_mark=1500, speed=500, heading=7200, accel_long=-150, accel_lat=25, pos_accuracy=30) -> bytes:
    return _uper(
        _u(5, 7),  # msgCnt
        _u(1001, 32),  # id
        _u(sec_mark, 16),  # secMark: 61.5 s -> 61_500 ms % 60_000 = 1500
        (-1234, POS, 25),  # pos.x: -12.34 m in cm
        (5678, POS, 25),  # pos.y: 56.78 m in cm
        _u(pos_accuracy, 8),  # posAccuracy: 0.3 m = 30 cm
        _u(speed, 13),  # speed: 10 m/s / 0.02 m/s = 500
        _u(heading, 15),  # heading: yaw 0 (east) = 90 deg clockwise from north, / 0.0125 deg = 7200
        (accel_long, ACC, 12),  # accelLong: -1.5 m/s^2 = -150 x 0.01 m/s^2
        (accel_lat, ACC, 12),  # accelLat: 0.25 m/s^2 = 25
        (1000, YAWR, 16),  # yawRate: 10 deg/s = 1000 x 0.01 deg/s
        _u(180, 10),  # size.width: 1.8 m = 180 cm
        _u(450, 12),  # size.length: 4.5 m = 450 cm
    )


def _movement(**kw) -> MovementState:
    base = MovementState(
        signal_group=3,
        state=MovementPhaseState.PROTECTED_MOVEMENT_ALLOWED,
        min_end_time_s=12.5,
        max_end_time_s=40.0,
        likely_end_time_s=None,
        confidence=0.8,
    )
    return replace(base, **kw)


def _spat(movements: tuple[MovementState, ...] | None = None, **kw) -> Spat:
    inter = IntersectionState(intersection_id=7, movements=movements or (_movement(),))
    return replace(Spat(msg_count=2, time_s=10.0, intersections=(inter,)), **kw)


def _lane(**kw) -> MapLane:
    base = MapLane(
        lane_id=4,
        width_m=3.5,
        nodes_xy_m=((101.0, 202.0), (111.5, 199.0)),
        stop_line_xy_m=(111.5, 199.25),
        connections=(LaneConnection(9, 2), LaneConnection(10, None)),
        speed_limit_mps=13.5,
        role=LaneRole.EGRESS,
        road_id=12,
        road_lane_id=-1,
    )
    return replace(base, **kw)


def _map(lanes: tuple[MapLane, ...] | None = None, **kw) -> MapMessage:
    base = MapMessage(msg_count=1, time_s=2.0, intersection_id=300, ref_xy_m=(100.0, 200.0), lanes=lanes or (_lane(),))
    return replace(base, **kw)


def _object(**kw) -> RsmObject:
    base = RsmObject(
        object_id=77,
        object_type=1,
        existence_probability=0.95,
        x_m=-8.5,
        y_m=4.25,
        vx_mps=-3.5,
        vy_mps=0.5,
        yaw_rad=None,
        length_m=4.6,
        width_m=1.8,
        std_x_m=0.25,
        std_y_m=0.5,
        std_vx_mps=1.0,
        std_vy_mps=0.125,
        stamp_s=19.95,
    )
    return replace(base, **kw)


def _rsm(objects: tuple[RsmObject, ...] | None = None, **kw) -> Rsm:
    base = Rsm(
        msg_count=9,
        station_id=2001,
        time_s=20.0,
        ref_xy_m=(-10.0, 5.0),
        objects=(_object(),) if objects is None else objects,
    )
    return replace(base, **kw)


def _object_bits(heading: int | None = None, **kw: int) -> list[tuple[int, int, int]]:
    f = {
        "x": 150,
        "y": -75,
        "velX": -350,
        "velY": 50,
        "length": 46,
        "width": 18,
        "stdX": 250,
        "stdY": 500,
        "stdVelX": 1000,
        "stdVelY": 125,
        "age": 50,
        "existence": 95,
        "type": 1,
    } | kw
    bits = [
        _u(0 if heading is None else 1, 1),  # heading present?
        _u(77, 32),  # objectId
        _u(f["type"], 4),  # objectType
        _u(f["existence"], 7),  # existence [%]
        (f["x"], OFF, 19),  # pos.x from refPos [cm]
        (f["y"], OFF, 19),  # pos.y
        (f["velX"], VEL, 15),  # velX [cm/s]
        (f["velY"], VEL, 15),  # velY
    ]
    if heading is not None:
        bits.append(_u(heading, 15))
    return bits + [
        _u(f["length"], 10),  # length [dm]
        _u(f["width"], 10),  # width [dm]
        _u(f["stdX"], 14),  # stdX [mm]
        _u(f["stdY"], 14),  # stdY [mm]
        _u(f["stdVelX"], 14),  # stdVelX [mm/s]
        _u(f["stdVelY"], 14),  # stdVelY [mm/s]
        (f["age"], AGE, 16),  # age [ms]
    ]


def _rsm_bits(objects: list[list[tuple[int, int, int]]], time_ms: int = 20_000) -> bytes:
    return _uper(
        _u(9, 7),
        _u(2001, 32),
        _u(time_ms, 42),
        (-1000, POS, 25),
        (500, POS, 25),
        _u(len(objects), 8),
        *[f for o in objects for f in o],
    )


def _event(**kw) -> RoadSideEvent:
    base = RoadSideEvent(
        event_id=3,
        event_type=97,
        description_code=2,
        x_m=51.2,
        y_m=-0.8,
        radius_m=30.0,
        detection_time_s=99.9,
        validity_s=10.0,
        priority=6,
    )
    return replace(base, **kw)


def _rsi(events: tuple[RoadSideEvent, ...] | None = None, **kw) -> Rsi:
    base = Rsi(msg_count=9, station_id=2001, time_s=100.0, ref_xy_m=(50.0, 0.0), events=events or (_event(),))
    return replace(base, **kw)


def _point(**kw) -> SpeedPlanPoint:
    return replace(SpeedPlanPoint(time_offset_s=0.5, speed_mps=12.0), **kw)


def _plan(points: tuple[SpeedPlanPoint, ...] | None = None, **kw) -> SpeedPlan:
    base = SpeedPlan(
        msg_count=4, planner_id=2001, target_vehicle_id=1001, time_s=12.0, validity_s=1.0, points=points or (_point(),)
    )
    return replace(base, **kw)


# ------------------------------------------------------------------------------------------------ byte vectors


def test_bsm_bytes():
    assert encode_bsm(_bsm()) == _bsm_bits()
    assert len(_bsm_bits()) == 26  # 203 bits, the BSM row of the size table in docs/v2x.md


def test_bsm_decodes_from_bytes():
    d = decode_bsm(_bsm_bits(), reference_time_s=61.0)
    assert d == Bsm(
        msg_count=5,
        vehicle_id=1001,
        time_s=61.5,
        x_m=-12.34,
        y_m=56.78,
        speed_mps=10.0,
        yaw_rad=0.0,
        accel_long_mps2=-1.5,
        accel_lat_mps2=0.25,
        yaw_rate_radps=pytest.approx(math.radians(10.0), abs=1e-12),
        length_m=4.5,
        width_m=1.8,
        position_std_m=0.3,
    )


@pytest.mark.parametrize(
    ("yaw_rad", "heading"),
    [
        (0.0, 7200),  # east: 90 deg / 0.0125
        (math.pi / 2, 0),  # north
        (math.pi, 21_600),  # west: 270 deg
        (-math.pi / 2, 14_400),  # south: 180 deg
        (math.pi / 2 + math.radians(0.005), 0),  # 359.995 deg rounds to 360 deg = north, never 28800 (unavailable)
        (math.pi / 2 + math.radians(0.0075), 28_799),  # 359.9925 deg -> 28799.4 -> 28799
        (math.pi / 2 - math.radians(0.0075), 1),  # 0.0075 deg -> 0.6 -> 1
        (0.0 + 2 * math.pi, 7200),  # a full turn changes nothing
    ],
)
def test_bsm_heading_bits(yaw_rad, heading):
    assert encode_bsm(_bsm(yaw_rad=yaw_rad)) == _bsm_bits(heading=heading)


@pytest.mark.parametrize(
    ("heading", "yaw_rad"),
    [
        (0, math.pi / 2),
        (7200, 0.0),
        (14_400, -math.pi / 2),
        (21_600, -math.pi),
        (28_799, math.pi / 2 + math.radians(0.0125)),
    ],
)
def test_bsm_heading_decodes_to_rep103_yaw(heading, yaw_rad):
    assert decode_bsm(_bsm_bits(heading=heading), 61.0).yaw_rad == pytest.approx(yaw_rad, abs=1e-12)


def test_bsm_unavailable_values_are_decode_errors():
    # J2735: speed 8191, acceleration 2001 and heading 28800 mean "unavailable"; a BSM needs all of them
    for bits in (_bsm_bits(speed=8191), _bsm_bits(accel_long=2001), _bsm_bits(accel_lat=2001)):
        with pytest.raises(V2XDecodeError, match=r"^BSM: speed or acceleration unavailable$"):
            decode_bsm(bits, 61.0)
    with pytest.raises(V2XDecodeError, match=r"^heading unavailable where one is required$"):
        decode_bsm(_bsm_bits(heading=28_800), 61.0)
    # the largest available values are fine: 8190 x 0.02 = 163.8 m/s, 2000 x 0.01 = 20 m/s^2
    d = decode_bsm(_bsm_bits(speed=8190, accel_long=2000, accel_lat=-2000), 61.0)
    assert (d.speed_mps, d.accel_long_mps2, d.accel_lat_mps2) == (163.8, 20.0, -20.0)


def test_bsm_reserved_sec_mark_is_a_decode_error():
    with pytest.raises(V2XDecodeError, match=r"^secMark 60000 is reserved \(>= 60000\)$"):
        decode_bsm(_bsm_bits(sec_mark=60_000), 61.0)
    assert decode_bsm(_bsm_bits(sec_mark=59_999), 61.0).time_s == 59.999  # 59.999 s is 2.001 s from 61 s


def test_bsm_sec_mark_wraps_within_the_minute():
    assert encode_bsm(_bsm(time_s=119.999)) == _bsm_bits(sec_mark=59_999)  # 119_999 ms % 60_000
    assert encode_bsm(_bsm(time_s=120.0)) == _bsm_bits(sec_mark=0)
    assert encode_bsm(_bsm(time_s=0.0)) == _bsm_bits(sec_mark=0)


def test_bsm_saturating_fields():
    # position accuracy: 255 cm means ">= 2.55 m"; acceleration saturates at +-20 m/s^2 (+-2000 units)
    assert encode_bsm(_bsm(position_std_m=2.55)) == _bsm_bits(pos_accuracy=255)
    assert encode_bsm(_bsm(position_std_m=2.56)) == _bsm_bits(pos_accuracy=255)
    assert encode_bsm(_bsm(position_std_m=-0.5)) == _bsm_bits(pos_accuracy=0)
    assert encode_bsm(_bsm(position_std_m=0.004)) == _bsm_bits(pos_accuracy=0)  # 0.4 cm rounds to 0
    assert encode_bsm(_bsm(position_std_m=0.006)) == _bsm_bits(pos_accuracy=1)
    assert encode_bsm(_bsm(accel_long_mps2=20.0, accel_lat_mps2=-20.0)) == _bsm_bits(accel_long=2000, accel_lat=-2000)
    assert encode_bsm(_bsm(accel_long_mps2=20.01, accel_lat_mps2=-20.01)) == _bsm_bits(accel_long=2000, accel_lat=-2000)
    assert encode_bsm(_bsm(accel_long_mps2=1e9, accel_lat_mps2=-1e9)) == _bsm_bits(accel_long=2000, accel_lat=-2000)
    assert encode_bsm(_bsm(accel_long_mps2=19.99, accel_lat_mps2=-19.99)) == _bsm_bits(accel_long=1999, accel_lat=-1999)


def test_speed_plan_bytes():
    plan = SpeedPlan(
        msg_count=127,
        planner_id=2**32 - 1,
        target_vehicle_id=0,
        time_s=1.5,
        validity_s=65.535,
        points=(SpeedPlanPoint(0.0, 0.0), SpeedPlanPoint(65.535, 163.83)),
    )
    expected = _uper(
        _u(127, 7),  # msgCnt
        _u(2**32 - 1, 32),  # id
        _u(0, 32),  # targetId
        _u(1500, 42),  # timeStamp 1.5 s = 1500 ms
        _u(65_535, 16),  # validity 65.535 s = 65535 ms
        (2, 1, 6),  # two points: SIZE(1..64)
        _u(0, 16),  # timeOffset 0 ms
        _u(0, 14),  # speed 0 cm/s
        _u(65_535, 16),  # timeOffset 65.535 s
        _u(16_383, 14),  # speed 163.83 m/s
    )
    assert expected.hex() == "fffffffffe0000000000000002ee7fff8200000007ffffffe0"
    assert encode_speed_plan(plan) == expected
    assert decode_speed_plan(expected) == plan


def test_speed_plan_point_count_bounds():
    one = _plan(points=(_point(),))
    sixty_four = _plan(points=tuple(_point(time_offset_s=k / 1000) for k in range(64)))
    assert decode_speed_plan(encode_speed_plan(one)) == one
    assert decode_speed_plan(encode_speed_plan(sixty_four)) == sixty_four
    for n in (0, 65):
        with pytest.raises(ValueError, match=rf"^SpeedPlan\.points: expected 1\.\.64 points, got {n}$"):
            encode_speed_plan(_plan(points=tuple(_point() for _ in range(n))) if n else replace(one, points=()))


def test_rsm_bytes_without_heading():
    expected = _rsm_bits([_object_bits()])
    # time 20 s; ref (-10, 5) m; object at (-8.5, 4.25) m -> offset (150, -75) cm; velocity (-350, 50) cm/s;
    # 4.6 x 1.8 m = 46 x 18 dm; stds 250, 500 mm and 1000, 125 mm/s; stamp 19.95 s -> age 50 ms
    assert encode_rsm(_rsm()) == expected
    assert decode_rsm(expected) == _rsm()


def test_rsm_bytes_with_heading():
    expected = _rsm_bits([_object_bits(heading=14_400)])  # yaw -pi/2 (south) = 180 deg
    assert encode_rsm(_rsm(objects=(_object(yaw_rad=-math.pi / 2),))) == expected
    assert decode_rsm(expected).objects[0].yaw_rad == pytest.approx(-math.pi / 2, abs=1e-12)


def test_rsm_heading_28800_decodes_as_no_heading():
    assert decode_rsm(_rsm_bits([_object_bits(heading=28_800)])).objects[0].yaw_rad is None
    assert decode_rsm(_rsm_bits([_object_bits(heading=0)])).objects[0].yaw_rad == pytest.approx(math.pi / 2)


def test_rsm_empty_object_list_bytes():
    expected = _rsm_bits([])
    assert encode_rsm(_rsm(objects=())) == expected
    assert decode_rsm(expected) == _rsm(objects=())


def test_rsm_offsets_are_taken_from_the_quantised_reference():
    # ref (-9.996, 5.004) m is carried as (-1000, 500) cm: the objects' offsets are from there
    assert encode_rsm(_rsm(ref_xy_m=(-9.996, 5.004))) == _rsm_bits([_object_bits()])
    # objects negative age: a stamp after the time stamp; age and types at their bounds
    edge = _object(stamp_s=20.0 + 32.768, object_type=15, existence_probability=0.0)
    assert encode_rsm(_rsm(objects=(edge,))) == _rsm_bits([_object_bits(age=-32_768, type=15, existence=0)])
    old = _object(stamp_s=20.0 - 32.767, object_type=0, existence_probability=1.0)
    assert encode_rsm(_rsm(objects=(old,))) == _rsm_bits([_object_bits(age=32_767, type=0, existence=100)])


def test_rsm_standard_deviations_saturate_at_16_383():
    o = _object(std_x_m=16.383, std_y_m=16.384, std_vx_mps=1e6, std_vy_mps=-1.0)
    assert encode_rsm(_rsm(objects=(o,))) == _rsm_bits(
        [_object_bits(stdX=16_383, stdY=16_383, stdVelX=16_383, stdVelY=0)]
    )
    d = decode_rsm(encode_rsm(_rsm(objects=(o,)))).objects[0]
    assert (d.std_x_m, d.std_y_m, d.std_vx_mps, d.std_vy_mps) == (16.383, 16.383, 16.383, 0.0)


def test_rsi_bytes():
    expected = _uper(
        _u(9, 7),  # msgCnt
        _u(2001, 32),  # id
        _u(100_000, 42),  # timeStamp 100 s
        (5000, POS, 25),  # refPos.x 50 m
        (0, POS, 25),  # refPos.y 0 m
        _u(0, 4),  # one event: SIZE(1..16)
        _u(1, 1),  # description present
        _u(3, 8),  # eventId
        _u(97, 8),  # eventType: collision risk
        _u(2, 8),  # description
        (120, OFF, 19),  # 51.2 m - 50 m = 120 cm
        (-80, OFF, 19),  # -0.8 m - 0 m = -80 cm
        _u(300, 16),  # radius 30 m in 0.1 m
        _u(99_900, 42),  # detection time 99.9 s in ms
        _u(10, 17),  # validity 10 s
        _u(6, 3),  # priority
    )
    assert encode_rsi(_rsi()) == expected
    assert decode_rsi(expected) == _rsi()


def test_rsi_bytes_without_description():
    expected = _uper(
        _u(9, 7),
        _u(2001, 32),
        _u(100_000, 42),
        (5000, POS, 25),
        (0, POS, 25),
        _u(0, 4),
        _u(0, 1),  # description absent
        _u(3, 8),
        _u(97, 8),
        (120, OFF, 19),
        (-80, OFF, 19),
        _u(300, 16),
        _u(99_900, 42),
        _u(10, 17),
        _u(6, 3),
    )
    m = _rsi(events=(_event(description_code=None),))
    assert encode_rsi(m) == expected
    assert decode_rsi(expected) == m


def test_rsi_event_count_bounds():
    sixteen = _rsi(events=tuple(_event(event_id=k) for k in range(16)))
    assert decode_rsi(encode_rsi(sixteen)) == sixteen
    for events in ((), tuple(_event(event_id=k) for k in range(17))):
        with pytest.raises(ValueError, match=rf"^Rsi\.events: expected 1\.\.16 events, got {len(events)}$"):
            encode_rsi(_rsi(events=events) if events else replace(_rsi(), events=()))


def _spat_bits(movements: list[list[tuple[int, int, int]]]) -> bytes:
    return _uper(
        _u(2, 7),  # msgCnt
        _u(10_000, 42),  # timeStamp 10 s in ms
        _u(0, 5),  # one intersection: SIZE(1..32)
        _u(7, 16),  # id
        _u(0, 16),  # status: 16 zero bits
        _u(len(movements) - 1, 8),  # SIZE(1..255)
        *[f for m in movements for f in m],
    )


def _movement_bits(
    state: int = 6, min_end: int = 25, max_end: int = 300, likely: int = 36_001, confidence: int = 80
) -> list[tuple[int, int, int]]:
    # ends in 0.1 s after the SPAT time (10 s): 12.5 s -> 25, 40 s -> 300, unknown -> 36001
    return [_u(3, 8), _u(state, 4), _u(min_end, 16), _u(max_end, 16), _u(likely, 16), _u(confidence, 7)]


def test_spat_bytes():
    expected = _spat_bits([_movement_bits()])
    assert encode_spat(_spat()) == expected
    assert decode_spat(expected) == _spat()


@pytest.mark.parametrize("state", list(MovementPhaseState))
def test_spat_phase_state_is_carried_as_its_j2735_value(state):
    m = _spat((_movement(state=state),))
    assert encode_spat(m) == _spat_bits([_movement_bits(state=int(state))])
    assert decode_spat(encode_spat(m)).intersections[0].movements[0].state is state


def test_spat_end_times_at_their_bounds():
    # 0.1 s resolution up to 3600 s after the SPAT time (36000); -0.04 s rounds to 0
    m = _spat(
        (_movement(min_end_time_s=10.0 - 0.04, max_end_time_s=10.0 + 3600.0, likely_end_time_s=10.04, confidence=1.0),)
    )
    assert encode_spat(m) == _spat_bits([_movement_bits(min_end=0, max_end=36_000, likely=0, confidence=100)])
    d = decode_spat(encode_spat(m)).intersections[0].movements[0]
    assert (d.min_end_time_s, d.max_end_time_s, d.likely_end_time_s, d.confidence) == (10.0, 3610.0, 10.0, 1.0)


@pytest.mark.parametrize(
    ("field", "end_s", "shown"),
    [
        ("min_end_time_s", 10.0 + 3600.1, "3600.1"),
        ("max_end_time_s", 10.0 - 0.1, "-0.1"),
        ("likely_end_time_s", 10.0 + 3600.06, "3600.06"),
    ],
)
def test_spat_end_time_outside_the_hour_names_the_field(field, end_s, shown):
    with pytest.raises(
        ValueError,
        match=(
            rf"^Spat\.intersections\[0\]\.movements\[0\]\.{field} \(after the SPAT time\): {shown}\d* s is outside the "
            r"encodable range \[0, 3600\] s$"
        ),
    ):
        encode_spat(_spat((_movement(**{field: end_s}),)))


def test_spat_counts_and_ids_at_their_bounds():
    full = _spat(tuple(_movement(signal_group=g % 256) for g in range(255)))
    assert decode_spat(encode_spat(full)) == full
    with pytest.raises(
        ValueError,
        match=r"^Spat\.intersections\[0\]\.movements: expected 1\.\.255 signal groups, "
        r"got 256$",
    ):
        encode_spat(_spat(tuple(_movement() for _ in range(256))))
    empty = Spat(2, 10.0, (IntersectionState(7, ()),))
    with pytest.raises(
        ValueError,
        match=r"^Spat\.intersections\[0\]\.movements: expected 1\.\.255 signal groups, "
        r"got 0$",
    ):
        encode_spat(empty)
    inter = _spat().intersections[0]
    many = Spat(2, 10.0, tuple(replace(inter, intersection_id=k) for k in range(32)))
    assert decode_spat(encode_spat(many)) == many
    for n in (0, 33):
        with pytest.raises(ValueError, match=rf"^Spat\.intersections: expected 1\.\.32 intersections, got {n}$"):
            encode_spat(Spat(2, 10.0, tuple(inter for _ in range(n))))
    wide = Spat(2, 10.0, (replace(inter, intersection_id=65_535, movements=(_movement(signal_group=255),)),))
    assert decode_spat(encode_spat(wide)) == wide
    with pytest.raises(
        ValueError,
        match=r"^Spat\.intersections\[1\]\.intersection_id: expected an integer in "
        r"\[0, 65535\], got 65536$",
    ):
        encode_spat(Spat(2, 10.0, (inter, replace(inter, intersection_id=65_536))))
    with pytest.raises(
        ValueError,
        match=r"^Spat\.intersections\[0\]\.movements\[1\]\.signal_group: expected an "
        r"integer in \[0, 255\], got 256$",
    ):
        encode_spat(_spat((_movement(), _movement(signal_group=256))))


def _lane_bits(stop: tuple[int, int] | None = (1150, -75), role: int = 1) -> list[tuple[int, int, int]]:
    bits = [
        _u(0 if stop is None else 1, 1),  # stopLine present?
        _u(4, 8),  # laneId
        _u(role, 2),  # role: ingress 0, egress 1, connecting 2
        _u(12, 16),  # roadId
        (-1, -128, 8),  # roadLaneId -1 in -128..127
        _u(350, 15),  # laneWidth 3.5 m in cm (0..32767)
        (2, 2, 6),  # two nodes: SIZE(2..63)
        (100, NODE, 16),  # (101, 202) m from ref (100, 200) m: (100, 200) cm
        (200, NODE, 16),
        (1050, NODE, 16),  # (111.5, 199) m from (101, 202) m: (1050, -300) cm
        (-300, NODE, 16),
    ]
    if stop is not None:
        bits += [(stop[0], OFF, 19), (stop[1], OFF, 19)]  # stop line (111.5, 199.25) m from ref (100, 200) m
    return bits + [
        _u(2, 5),  # two connections: SIZE(0..16)
        _u(1, 1),  # signalGroup present
        _u(9, 8),  # connectingLane 9
        _u(2, 8),  # signalGroup 2
        _u(0, 1),  # signalGroup absent
        _u(10, 8),  # connectingLane 10
        _u(675, 13),  # speed limit 13.5 m/s in 0.02 m/s
    ]


def _map_bits(lanes: list[list[tuple[int, int, int]]]) -> bytes:
    return _uper(
        _u(1, 7),  # msgCnt
        _u(2000, 42),  # timeStamp 2 s
        _u(300, 16),  # intersectionId
        (10_000, POS, 25),  # refPoint (100, 200) m in cm
        (20_000, POS, 25),
        _u(len(lanes) - 1, 8),  # SIZE(1..255)
        *[f for lane in lanes for f in lane],
    )


def test_map_bytes():
    expected = _map_bits([_lane_bits()])
    assert encode_map(_map()) == expected
    assert decode_map(expected) == _map()


def test_map_lane_without_stop_line_bytes():
    m = _map((_lane(stop_line_xy_m=None),))
    assert encode_map(m) == _map_bits([_lane_bits(stop=None)])
    assert decode_map(encode_map(m)) == m


def test_map_stop_line_from_the_quantised_reference():
    # ref (100.004, 199.996) m is carried as (10000, 20000) cm; the stop line offset is from there
    assert encode_map(_map(ref_xy_m=(100.004, 199.996))) == _map_bits([_lane_bits()])


def test_map_nodes_steps_between_quantised_positions():
    # 0.004 m steps: each node is rounded on its own, so a lane of such steps does not drift
    nodes = ((100.0, 200.0), (100.004, 200.0), (100.008, 200.0), (100.012, 200.0))
    m = _map((_lane(nodes_xy_m=nodes, stop_line_xy_m=None, connections=()),))
    d = decode_map(encode_map(m))
    assert d.lanes[0].nodes_xy_m == ((100.0, 200.0), (100.0, 200.0), (100.01, 200.0), (100.01, 200.0))


def test_map_node_steps_at_their_bounds():
    # steps (0, 0), (+327.67, -327.68), (-327.67, +327.67), (-327.68, 0) m: each end of the range in x and y
    ok = ((100.0, 200.0), (100.0 + 327.67, 200.0 - 327.68), (100.0, 200.0 - 327.68 + 327.67), (100.0 - 327.68, 199.99))
    m = _map((_lane(nodes_xy_m=ok),))
    got = decode_map(encode_map(m)).lanes[0].nodes_xy_m
    assert [c for xy in got for c in xy] == pytest.approx([c for xy in ok for c in xy], abs=1e-9)
    bad = [
        ((100.0 + 327.68, 200.0), "327.68, 0"),
        ((100.0 - 327.69, 200.0), "-327.69, 0"),
        ((100.0, 200.0 + 327.68), "0, 327.68"),
        ((100.0, 200.0 - 327.69), "0, -327.69"),
    ]
    for node, step in bad:
        lane = _lane(nodes_xy_m=((100.0, 200.0), node))
        with pytest.raises(
            ValueError,
            match=(
                rf"^MapMessage\.lanes\[0\]\.nodes_xy_m\[1\]: step \({step}\) m from the previous node is outside the "
                r"encodable range \[-327\.68, 327\.67\] m$"
            ),
        ):
            encode_map(_map((lane,)))
    # the first node is a step from the reference point
    with pytest.raises(
        ValueError, match=r"^MapMessage\.lanes\[1\]\.nodes_xy_m\[0\]: step \(-400, 0\) m from the reference point"
    ):
        encode_map(_map((_lane(), _lane(nodes_xy_m=((-300.0, 200.0), (-299.0, 200.0))))))
    # an ingress lane's last node (its intersection end) is the first on the wire
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes\[0\]\.nodes_xy_m\[1\]: step \(-400, 0\) m from the ref"):
        encode_map(_map((_lane(role=LaneRole.INGRESS, nodes_xy_m=((99.0, 200.0), (-300.0, 200.0))),)))


def test_map_counts_at_their_bounds():
    nodes63 = tuple((100.0 + k, 200.0) for k in range(63))
    m = _map((_lane(nodes_xy_m=nodes63, connections=tuple(LaneConnection(k, k) for k in range(16))),))
    assert decode_map(encode_map(m)) == m
    for nodes in (((100.0, 200.0),), (*nodes63, (163.0, 200.0))):
        with pytest.raises(
            ValueError,
            match=rf"^MapMessage\.lanes\[0\]\.nodes_xy_m: expected 2\.\.63 nodes, "
            rf"got {len(nodes)}$",
        ):
            encode_map(_map((_lane(nodes_xy_m=nodes),)))
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes\[0\]\.connections: expected at most 16, got 17$"):
        encode_map(_map((_lane(connections=tuple(LaneConnection(k, None) for k in range(17))),)))
    lanes255 = _map(tuple(_lane(lane_id=k) for k in range(255)))
    assert len(decode_map(encode_map(lanes255)).lanes) == 255
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes: expected 1\.\.255 lanes, got 256$"):
        encode_map(_map(tuple(_lane() for _ in range(256))))
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes: expected 1\.\.255 lanes, got 0$"):
        encode_map(replace(_map(), lanes=()))


def test_map_connection_fields_name_the_culprit():
    with pytest.raises(
        ValueError,
        match=r"^MapMessage\.lanes\[0\]\.connections\[1\]\.connecting_lane_id: expected an "
        r"integer in \[0, 255\], got 256$",
    ):
        encode_map(_map((_lane(connections=(LaneConnection(255, 255), LaneConnection(256, None))),)))
    with pytest.raises(
        ValueError,
        match=r"^MapMessage\.lanes\[0\]\.connections\[0\]\.signal_group: expected an "
        r"integer in \[0, 255\], got -1$",
    ):
        encode_map(_map((_lane(connections=(LaneConnection(0, -1),)),)))


def test_map_ingress_nodes_run_from_the_intersection_outward():
    # driving direction (101, 202) -> (111.5, 199) m; on the wire (111.5, 199) first, from ref (100, 200) m
    m = _map((_lane(role=LaneRole.INGRESS),))
    bits = _lane_bits(role=0)
    bits[7:11] = [(1150, NODE, 16), (-100, NODE, 16), (-1050, NODE, 16), (300, NODE, 16)]
    assert encode_map(m) == _map_bits([bits])
    assert decode_map(encode_map(m)) == m


def test_map_roles_and_road_lane_ids():
    for role in LaneRole:
        m = _map((_lane(role=role, road_id=0, road_lane_id=127),))
        assert decode_map(encode_map(m)) == m
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes\[0\]\.role: expected a LaneRole, got 3$"):
        encode_map(_map((_lane(role=3),)))


def test_map_speed_limit_none_is_j2735_unavailable():
    m = _map((_lane(speed_limit_mps=None),))
    bits = _lane_bits()
    bits[-1] = _u(8191, 13)
    assert encode_map(m) == _map_bits([bits])
    assert decode_map(encode_map(m)) == m


# ------------------------------------------------------------------------------------------------ ranges


def _rsm_obj(**kw) -> Rsm:
    return _rsm(objects=(_object(**kw),))


def _spat_mv(**kw) -> Spat:
    return _spat((_movement(**kw),))


def _map_lane(**kw) -> MapMessage:
    return _map((_lane(**kw),))


def _rsi_ev(**kw) -> Rsi:
    return _rsi(events=(_event(**kw),))


def _plan_pt(**kw) -> SpeedPlan:
    return _plan(points=(_point(**kw),))


# (message with the value, field as named in the error, lowest and highest encodable integer)
INTEGER_FIELDS = [
    (lambda v: _bsm(msg_count=v), "Bsm.msg_count", 0, 127),
    (lambda v: _bsm(vehicle_id=v), "Bsm.vehicle_id", 0, 2**32 - 1),
    (lambda v: _spat(msg_count=v), "Spat.msg_count", 0, 127),
    (lambda v: _spat_mv(signal_group=v), r"Spat.intersections[0].movements[0].signal_group", 0, 255),
    (lambda v: _map(msg_count=v), "MapMessage.msg_count", 0, 127),
    (lambda v: _map(intersection_id=v), "MapMessage.intersection_id", 0, 65_535),
    (lambda v: _map_lane(lane_id=v), "MapMessage.lanes[0].lane_id", 0, 255),
    (lambda v: _map_lane(road_id=v), "MapMessage.lanes[0].road_id", 0, 65_535),
    (lambda v: _map_lane(road_lane_id=v), "MapMessage.lanes[0].road_lane_id", -128, 127),
    (
        lambda v: _map_lane(connections=(LaneConnection(v, 1),)),
        "MapMessage.lanes[0].connections[0].connecting_lane_id",
        0,
        255,
    ),
    (
        lambda v: _map_lane(connections=(LaneConnection(1, v),)),
        "MapMessage.lanes[0].connections[0].signal_group",
        0,
        255,
    ),
    (lambda v: _rsm(msg_count=v), "Rsm.msg_count", 0, 127),
    (lambda v: _rsm(station_id=v), "Rsm.station_id", 0, 2**32 - 1),
    (lambda v: _rsm_obj(object_id=v), "Rsm.objects[0].object_id", 0, 2**32 - 1),
    (lambda v: _rsm_obj(object_type=v), "Rsm.objects[0].object_type", 0, 15),
    (lambda v: _rsi(msg_count=v), "Rsi.msg_count", 0, 127),
    (lambda v: _rsi(station_id=v), "Rsi.station_id", 0, 2**32 - 1),
    (lambda v: _rsi_ev(event_id=v), "Rsi.events[0].event_id", 0, 255),
    (lambda v: _rsi_ev(event_type=v), "Rsi.events[0].event_type", 0, 255),
    (lambda v: _rsi_ev(description_code=v), "Rsi.events[0].description_code", 0, 255),
    (lambda v: _rsi_ev(priority=v), "Rsi.events[0].priority", 0, 7),
    (lambda v: _plan(msg_count=v), "SpeedPlan.msg_count", 0, 127),
    (lambda v: _plan(planner_id=v), "SpeedPlan.planner_id", 0, 2**32 - 1),
    (lambda v: _plan(target_vehicle_id=v), "SpeedPlan.target_vehicle_id", 0, 2**32 - 1),
]


def _decoded(message):
    return decode_message(message_type_of(message), encode_message(message), getattr(message, "time_s", 0.0))


@pytest.mark.parametrize(("build", "field", "lo", "hi"), INTEGER_FIELDS, ids=[f[1] for f in INTEGER_FIELDS])
def test_integer_fields_at_and_beyond_their_bounds(build, field, lo, hi):
    for v in (lo, hi):
        assert _decoded(build(v)) == build(v)
    for v in (lo - 1, hi + 1):
        with pytest.raises(ValueError, match=rf"^{_esc(field)}: expected an integer in \[{lo}, {hi}\], got {v}$"):
            encode_message(build(v))


@pytest.mark.parametrize("value", [True, 1.0, "1", None])
def test_integer_fields_reject_non_integers(value):
    expected = rf"^Bsm\.msg_count: expected an integer in \[0, 127\], got {_esc(repr(value))}$"
    with pytest.raises(ValueError, match=expected):
        encode_bsm(_bsm(msg_count=value))


def _esc(text: str) -> str:
    return "".join("\\" + c if c in r".[]()*+?{}|^$\\" else c for c in text)


# (message with the value, field as in the error, unit, lowest, highest encodable value, resolution, shown
# lowest/highest in the error, the value just beyond each end as shown)
QUANTITIES = [
    (lambda v: _bsm(x_m=v), "Bsm.x_m", "m", -100_000.0, 100_000.0, 0.01, "-100000", "100000"),
    (lambda v: _bsm(y_m=v), "Bsm.y_m", "m", -100_000.0, 100_000.0, 0.01, "-100000", "100000"),
    (lambda v: _bsm(time_s=v), "Bsm.time_s", "s", 0.0, 4_398_046_511.103, 0.001, "0", "4.39805e+09"),
    (lambda v: _bsm(speed_mps=v), "Bsm.speed_mps", "m/s", 0.0, 163.8, 0.02, "0", "163.8"),
    (
        lambda v: _bsm(yaw_rate_radps=v),
        "Bsm.yaw_rate_radps",
        "rad/s",
        -math.radians(327.67),
        math.radians(327.67),
        math.radians(0.01),
        "-5.71892",
        "5.71892",
    ),
    (lambda v: _bsm(width_m=v), "Bsm.width_m", "m", 0.0, 10.23, 0.01, "0", "10.23"),
    (lambda v: _bsm(length_m=v), "Bsm.length_m", "m", 0.0, 40.95, 0.01, "0", "40.95"),
    (
        lambda v: _spat(
            time_s=v, intersections=(IntersectionState(7, (_movement(min_end_time_s=None, max_end_time_s=None),)),)
        ),
        "Spat.time_s",
        "s",
        0.0,
        4_398_046_511.103,
        0.001,
        "0",
        "4.39805e+09",
    ),
    (lambda v: _spat_mv(confidence=v), "Spat.intersections[0].movements[0].confidence", "", 0.0, 1.0, 0.01, "0", "1"),
    (lambda v: _map(time_s=v), "MapMessage.time_s", "s", 0.0, 4_398_046_511.103, 0.001, "0", "4.39805e+09"),
    (lambda v: _map_lane(width_m=v), "MapMessage.lanes[0].width_m", "m", 0.0, 327.67, 0.01, "0", "327.67"),
    (
        lambda v: _map_lane(speed_limit_mps=v),
        "MapMessage.lanes[0].speed_limit_mps",
        "m/s",
        0.0,
        163.8,
        0.02,
        "0",
        "163.8",
    ),
    (
        lambda v: _map_lane(stop_line_xy_m=(100.0 + v, 200.0)),
        "MapMessage.lanes[0].stop_line_xy_m (from ref_xy_m).x_m",
        "m",
        -1327.68,
        1327.67,
        0.01,
        "-1327.68",
        "1327.67",
    ),
    (
        lambda v: _map_lane(stop_line_xy_m=(100.0, 200.0 + v)),
        "MapMessage.lanes[0].stop_line_xy_m (from ref_xy_m).y_m",
        "m",
        -1327.68,
        1327.67,
        0.01,
        "-1327.68",
        "1327.67",
    ),
    (lambda v: _rsm(time_s=v, objects=()), "Rsm.time_s", "s", 0.0, 4_398_046_511.103, 0.001, "0", "4.39805e+09"),
    (
        lambda v: _rsm(ref_xy_m=(v, 0.0), objects=()),
        "Rsm.ref_xy_m.x_m",
        "m",
        -100_000.0,
        100_000.0,
        0.01,
        "-100000",
        "100000",
    ),
    (
        lambda v: _rsm(ref_xy_m=(0.0, v), objects=()),
        "Rsm.ref_xy_m.y_m",
        "m",
        -100_000.0,
        100_000.0,
        0.01,
        "-100000",
        "100000",
    ),
    (lambda v: _rsm_obj(existence_probability=v), "Rsm.objects[0].existence_probability", "", 0.0, 1.0, 0.01, "0", "1"),
    (
        lambda v: _rsm_obj(x_m=-10.0 + v),
        "Rsm.objects[0].x_m (from ref_xy_m)",
        "m",
        -1327.68,
        1327.67,
        0.01,
        "-1327.68",
        "1327.67",
    ),
    (
        lambda v: _rsm_obj(y_m=5.0 + v),
        "Rsm.objects[0].y_m (from ref_xy_m)",
        "m",
        -1327.68,
        1327.67,
        0.01,
        "-1327.68",
        "1327.67",
    ),
    (lambda v: _rsm_obj(vx_mps=v), "Rsm.objects[0].vx_mps", "m/s", -163.83, 163.83, 0.01, "-163.83", "163.83"),
    (lambda v: _rsm_obj(vy_mps=v), "Rsm.objects[0].vy_mps", "m/s", -163.83, 163.83, 0.01, "-163.83", "163.83"),
    (lambda v: _rsm_obj(length_m=v), "Rsm.objects[0].length_m", "m", 0.0, 102.3, 0.1, "0", "102.3"),
    (lambda v: _rsm_obj(width_m=v), "Rsm.objects[0].width_m", "m", 0.0, 102.3, 0.1, "0", "102.3"),
    (
        lambda v: _rsm_obj(stamp_s=20.0 - v),
        "Rsm.objects[0].stamp_s (age before time_s)",
        "s",
        -32.768,
        32.767,
        0.001,
        "-32.768",
        "32.767",
    ),
    (lambda v: _rsi(time_s=v), "Rsi.time_s", "s", 0.0, 4_398_046_511.103, 0.001, "0", "4.39805e+09"),
    (
        lambda v: _rsi(ref_xy_m=(v, 0.0), events=(_event(x_m=v),)),
        "Rsi.ref_xy_m.x_m",
        "m",
        -100_000.0,
        100_000.0,
        0.01,
        "-100000",
        "100000",
    ),
    (
        lambda v: _rsi(ref_xy_m=(0.0, v), events=(_event(x_m=0.0, y_m=v),)),
        "Rsi.ref_xy_m.y_m",
        "m",
        -100_000.0,
        100_000.0,
        0.01,
        "-100000",
        "100000",
    ),
    (
        lambda v: _rsi_ev(x_m=50.0 + v),
        "Rsi.events[0].x_m (from ref_xy_m)",
        "m",
        -1327.68,
        1327.67,
        0.01,
        "-1327.68",
        "1327.67",
    ),
    (
        lambda v: _rsi_ev(y_m=v),
        "Rsi.events[0].y_m (from ref_xy_m)",
        "m",
        -1327.68,
        1327.67,
        0.01,
        "-1327.68",
        "1327.67",
    ),
    (lambda v: _rsi_ev(radius_m=v), "Rsi.events[0].radius_m", "m", 0.0, 6553.5, 0.1, "0", "6553.5"),
    (
        lambda v: _rsi_ev(detection_time_s=v),
        "Rsi.events[0].detection_time_s",
        "s",
        0.0,
        4_398_046_511.103,
        0.001,
        "0",
        "4.39805e+09",
    ),
    (lambda v: _rsi_ev(validity_s=v), "Rsi.events[0].validity_s", "s", 0.0, 86_400.0, 1.0, "0", "86400"),
    (lambda v: _plan(time_s=v), "SpeedPlan.time_s", "s", 0.0, 4_398_046_511.103, 0.001, "0", "4.39805e+09"),
    (lambda v: _plan(validity_s=v), "SpeedPlan.validity_s", "s", 0.0, 65.535, 0.001, "0", "65.535"),
    (lambda v: _plan_pt(time_offset_s=v), "SpeedPlan.points[0].time_offset_s", "s", 0.0, 65.535, 0.001, "0", "65.535"),
    (lambda v: _plan_pt(speed_mps=v), "SpeedPlan.points[0].speed_mps", "m/s", 0.0, 163.83, 0.01, "0", "163.83"),
]


@pytest.mark.parametrize(
    ("build", "field", "unit", "lo", "hi", "step", "lo_shown", "hi_shown"), QUANTITIES, ids=[q[1] for q in QUANTITIES]
)
def test_quantities_at_and_beyond_their_bounds(build, field, unit, lo, hi, step, lo_shown, hi_shown):
    for v in (lo, hi):
        assert encode_message(build(v)) == encode_message(_decoded(build(v)))  # the bounds are carried exactly
    unit_part = f" {unit}" if unit else ""
    for v in (lo - step, hi + step):
        with pytest.raises(
            ValueError,
            match=(
                rf"^{_esc(field)}: {_esc(format(v, 'g'))}{_esc(unit_part)} +is outside the encodable range "
                rf"\[{_esc(lo_shown)}, {_esc(hi_shown)}\]{_esc(unit_part)}$"
            ),
        ):
            encode_message(build(v))
    for v in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=rf"^{_esc(field)}: expected a finite number, got {v}$"):
            encode_message(build(v))


def test_bounds_decode_to_their_si_values():
    # the largest value of each quantity comes back as the same SI number (raw / units per SI unit)
    d = _decoded(
        _bsm(
            x_m=-100_000.0,
            y_m=100_000.0,
            speed_mps=163.8,
            width_m=10.23,
            length_m=40.95,
            yaw_rate_radps=-math.radians(327.67),
            position_std_m=2.55,
        )
    )
    assert (d.x_m, d.y_m, d.speed_mps, d.width_m, d.length_m, d.position_std_m) == (
        -100_000.0,
        100_000.0,
        163.8,
        10.23,
        40.95,
        2.55,
    )
    assert d.yaw_rate_radps == pytest.approx(-math.radians(327.67), abs=1e-12)
    o = _decoded(
        _rsm_obj(
            vx_mps=163.83,
            vy_mps=-163.83,
            length_m=102.3,
            width_m=0.1,
            stamp_s=20.0 - 32.767,
            x_m=-10.0 + 1327.67,
            y_m=5.0 - 1327.68,
        )
    ).objects[0]
    assert (o.vx_mps, o.vy_mps, o.length_m, o.width_m, o.stamp_s, o.x_m, o.y_m) == pytest.approx(
        (163.83, -163.83, 102.3, 0.1, 20.0 - 32.767, 1317.67, -1322.68), abs=1e-9
    )
    e = _decoded(_rsi_ev(radius_m=6553.5, validity_s=86_400.0, detection_time_s=4_398_046_511.103)).events[0]
    assert (e.radius_m, e.validity_s) == (6553.5, 86_400.0)
    assert e.detection_time_s == pytest.approx(4_398_046_511.103, abs=1e-6)
    p = _decoded(_plan(validity_s=65.535, points=(SpeedPlanPoint(65.535, 163.83),)))
    assert (p.validity_s, p.points[0].time_offset_s, p.points[0].speed_mps) == (65.535, 65.535, 163.83)
    lane = _decoded(_map_lane(width_m=327.67, speed_limit_mps=163.8)).lanes[0]
    assert (lane.width_m, lane.speed_limit_mps) == (327.67, 163.8)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda v: _bsm(position_std_m=v), "Bsm.position_std_m"),
        (lambda v: _bsm(accel_long_mps2=v), "Bsm.accel_long_mps2"),
        (lambda v: _bsm(accel_lat_mps2=v), "Bsm.accel_lat_mps2"),
        (lambda v: _rsm_obj(std_x_m=v), "Rsm.objects[0].std_x_m"),
        (lambda v: _rsm_obj(std_y_m=v), "Rsm.objects[0].std_y_m"),
        (lambda v: _rsm_obj(std_vx_mps=v), "Rsm.objects[0].std_vx_mps"),
        (lambda v: _rsm_obj(std_vy_mps=v), "Rsm.objects[0].std_vy_mps"),
    ],
)
def test_saturating_fields_still_reject_non_finite_values(build, field):
    # saturation means "at least this" for large finite values; NaN and infinity are not values at all
    for v in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=rf"^{_esc(field)}: expected a finite number, got {v}$"):
            encode_message(build(v))


def test_non_finite_angles_are_rejected():
    for v in (math.nan, math.inf):
        with pytest.raises(ValueError, match=rf"^Bsm\.yaw_rad: expected a finite angle, got {v}$"):
            encode_bsm(_bsm(yaw_rad=v))
        with pytest.raises(ValueError, match=rf"^Rsm\.objects\[0\]\.yaw_rad: expected a finite angle, got {v}$"):
            encode_rsm(_rsm_obj(yaw_rad=v))


def test_rsm_object_count_bounds():
    full = _rsm(objects=tuple(_object(object_id=k) for k in range(255)))
    assert len(decode_rsm(encode_rsm(full)).objects) == 255
    with pytest.raises(ValueError, match=r"^Rsm\.objects: expected at most 255 objects, got 256$"):
        encode_rsm(_rsm(objects=tuple(_object() for _ in range(256))))


def test_map_reference_point_is_checked():
    with pytest.raises(
        ValueError,
        match=r"^MapMessage\.ref_xy_m\[0\]: 100000 m is outside the encodable range "
        r"\[-100000, 100000\] m$",
    ):
        encode_map(_map(ref_xy_m=(100_000.01, 0.0)))
    with pytest.raises(ValueError, match=r"^MapMessage\.ref_xy_m\[1\]: -100000 m is outside"):
        encode_map(_map(ref_xy_m=(0.0, -100_000.01)))
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes\[0\]\.nodes_xy_m\[1\]: 100000 m is outside"):
        encode_map(_map_lane(nodes_xy_m=((100.0, 200.0), (100_000.01, 200.0))))
    with pytest.raises(ValueError, match=r"^MapMessage\.lanes\[0\]\.nodes_xy_m\[0\]: -100000 m is outside"):
        encode_map(_map_lane(nodes_xy_m=((100.0, -100_000.01), (100.0, 200.0))))


# ------------------------------------------------------------------------------------------------ secMark


@pytest.mark.parametrize(
    ("sec_mark", "reference_s", "time_s"),
    [
        (30_000, 0.0, 30.0),  # exactly half a minute ahead: kept
        (30_001, 0.0, -29.999),  # just over half a minute ahead: the previous minute
        (10_000, 40.0, 10.0),  # exactly half a minute behind: kept
        (9_999, 40.0, 69.999),  # just over half a minute behind: the next minute
        (0, 59.9996, 60.0),  # the reference is taken to the ms: 59_999.6 ms -> 60_000 ms
        (59_999, 120.0, 119.999),
        (0, 150.0, 120.0),  # 30 s behind: kept
        (0, 150.001, 180.0),
    ],
)
def test_sec_mark_resolution_at_the_half_minute(sec_mark, reference_s, time_s):
    assert resolve_sec_mark_s(sec_mark, reference_s) == pytest.approx(time_s, abs=1e-9)


@pytest.mark.parametrize("sec_mark", [-1, 60_000, 65_535])
def test_reserved_sec_marks_are_rejected(sec_mark):
    with pytest.raises(V2XDecodeError, match=rf"^secMark {sec_mark} is reserved \(>= 60000\)$"):
        resolve_sec_mark_s(sec_mark, 0.0)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(time_ms=st.integers(0, 10**9), skew_ms=st.integers(-29_999, 29_999))
def test_sec_mark_recovers_the_time_within_half_a_minute(time_ms, skew_ms):
    reference_s = (time_ms + skew_ms) / 1000
    assert resolve_sec_mark_s(time_ms % 60_000, reference_s) == pytest.approx(time_ms / 1000, abs=1e-9)


# ------------------------------------------------------------------------------------------------ any message


def test_message_types_and_dispatch():
    messages = {
        MessageType.BSM: _bsm(),
        MessageType.SPAT: _spat(),
        MessageType.MAP: _map(),
        MessageType.RSM: _rsm(),
        MessageType.RSI: _rsi(),
        MessageType.SPEED_PLAN: _plan(),
    }
    encoders = {
        MessageType.BSM: encode_bsm,
        MessageType.SPAT: encode_spat,
        MessageType.MAP: encode_map,
        MessageType.RSM: encode_rsm,
        MessageType.RSI: encode_rsi,
        MessageType.SPEED_PLAN: encode_speed_plan,
    }
    for kind, message in messages.items():
        assert message_type_of(message) is kind
        payload = encode_message(message)
        assert payload == encoders[kind](message)
        assert decode_message(kind, payload, 61.0) == message


def test_decode_message_resolves_the_bsm_time_with_the_generation_time():
    # secMark 1500 ms: 61.5 s near a generation time of 61 s, 121.5 s near 125 s
    assert decode_message(MessageType.BSM, _bsm_bits(), 61.0).time_s == 61.5
    assert decode_message(MessageType.BSM, _bsm_bits(), 125.0).time_s == 121.5


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (MessageType.BSM, "BSM"),
        (MessageType.SPAT, "SPAT"),
        (MessageType.MAP, "MAP"),
        (MessageType.RSM, "RSM"),
        (MessageType.RSI, "RSI"),
        (MessageType.SPEED_PLAN, "SpeedPlan"),
    ],
)
def test_undecodable_payloads_name_the_asn1_type(kind, name):
    with pytest.raises(V2XDecodeError, match=rf"^{name}: cannot decode: "):
        decode_message(kind, b"", 0.0)


def test_invalid_enumeration_is_a_decode_error():
    # MovementPhaseState has 10 values: index 15 in its 4 bits does not exist
    bad = _spat_bits([_movement_bits(state=15)])
    with pytest.raises(V2XDecodeError, match=r"^SPAT: cannot decode: "):
        decode_spat(bad)


# ------------------------------------------------------------------------------------------------ properties

_finite = {"allow_nan": False, "allow_infinity": False}
_ids = st.integers(0, 2**32 - 1)
_counts = st.integers(0, 127)
_times = st.floats(0.0, 1e7, **_finite)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    msg_count=_counts,
    vehicle_id=_ids,
    time_s=_times,
    skew_s=st.floats(-29.0, 29.0),
    x=st.floats(-100_000.0, 100_000.0),
    y=st.floats(-100_000.0, 100_000.0),
    speed=st.floats(0.0, 163.8),
    yaw=st.floats(-10.0, 10.0),
    accel=st.floats(-20.0, 20.0),
    lat=st.floats(-20.0, 20.0),
    yaw_rate=st.floats(-5.7189, 5.7189),
    length=st.floats(0.0, 40.95),
    width=st.floats(0.0, 10.23),
    pos_std=st.floats(0.0, 2.55),
)
def test_bsm_round_trip_over_the_legal_ranges(
    msg_count, vehicle_id, time_s, skew_s, x, y, speed, yaw, accel, lat, yaw_rate, length, width, pos_std
):
    m = Bsm(msg_count, vehicle_id, time_s, x, y, speed, yaw, accel, lat, yaw_rate, length, width, pos_std)
    d = decode_bsm(encode_bsm(m), reference_time_s=time_s + skew_s)
    assert (d.msg_count, d.vehicle_id) == (msg_count, vehicle_id)
    assert d.time_s == pytest.approx(time_s, abs=5e-4 + 1e-9)
    assert (d.x_m, d.y_m, d.length_m, d.width_m, d.position_std_m) == pytest.approx(
        (x, y, length, width, pos_std), abs=0.005 + 1e-9
    )
    assert d.speed_mps == pytest.approx(speed, abs=0.01 + 1e-9)
    assert (d.accel_long_mps2, d.accel_lat_mps2) == pytest.approx((accel, lat), abs=0.005 + 1e-9)
    assert d.yaw_rate_radps == pytest.approx(yaw_rate, abs=math.radians(0.005) + 1e-12)
    assert abs((d.yaw_rad - yaw + math.pi) % (2 * math.pi) - math.pi) <= math.radians(0.00625) + 1e-9
    assert -math.pi <= d.yaw_rad < math.pi


_end_offsets = st.one_of(st.none(), st.floats(0.0, 3600.0))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    time_s=_times,
    groups=st.lists(
        st.tuples(
            st.integers(0, 255),
            st.sampled_from(list(MovementPhaseState)),
            _end_offsets,
            _end_offsets,
            _end_offsets,
            st.floats(0.0, 1.0),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_spat_round_trip_over_the_legal_ranges(time_s, groups):
    movements = tuple(
        MovementState(g, s, *(None if e is None else time_s + e for e in ends), c) for g, s, *ends, c in groups
    )
    d = decode_spat(encode_spat(Spat(1, time_s, (IntersectionState(65_535, movements),))))
    assert d.time_s == pytest.approx(time_s, abs=5e-4 + 1e-9)
    for a, b in zip(movements, d.intersections[0].movements, strict=True):
        assert (b.signal_group, b.state) == (a.signal_group, a.state)
        for ta, tb in (
            (a.min_end_time_s, b.min_end_time_s),
            (a.max_end_time_s, b.max_end_time_s),
            (a.likely_end_time_s, b.likely_end_time_s),
        ):
            assert (ta is None) == (tb is None)
            if ta is not None:
                assert tb == pytest.approx(ta, abs=0.05 + 5e-4 + 1e-6)
        assert b.confidence == pytest.approx(a.confidence, abs=0.005 + 1e-9)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    ref=st.tuples(st.floats(-90_000.0, 90_000.0), st.floats(-90_000.0, 90_000.0)),
    steps=st.lists(st.tuples(st.floats(-327.0, 327.0), st.floats(-327.0, 327.0)), min_size=2, max_size=10),
    stop=st.one_of(st.none(), st.tuples(st.floats(-1300.0, 1300.0), st.floats(-1300.0, 1300.0))),
    width=st.floats(0.0, 327.67),
    limit=st.one_of(st.none(), st.floats(0.0, 163.8)),
    role=st.sampled_from(list(LaneRole)),
)
def test_map_round_trip_over_the_legal_ranges(ref, steps, stop, width, limit, role):
    nodes, (x, y) = [], ref
    for dx, dy in steps:
        x, y = x + dx, y + dy
        nodes.append((x, y))
    if role is LaneRole.INGRESS:  # on the wire from the reference point's end: the same steps, reversed
        nodes.reverse()
    stop_xy = None if stop is None else (ref[0] + stop[0], ref[1] + stop[1])
    lane = MapLane(1, width, tuple(nodes), stop_xy, (LaneConnection(2, None),), limit, role, 65_535, -128)
    m = MapMessage(3, 1.0, 1, ref, (lane,))
    d = decode_map(encode_map(m))
    assert d.ref_xy_m == pytest.approx(ref, abs=0.005 + 1e-9)
    lane = d.lanes[0]
    for p, q in zip(nodes, lane.nodes_xy_m, strict=True):
        assert q == pytest.approx(p, abs=0.005 + 1e-9)  # no accumulated rounding
    assert (lane.stop_line_xy_m is None) == (stop is None)
    if stop_xy is not None:
        assert lane.stop_line_xy_m == pytest.approx(stop_xy, abs=0.01 + 1e-9)
    assert lane.width_m == pytest.approx(width, abs=0.005 + 1e-9)
    assert (lane.role, lane.road_id, lane.road_lane_id) == (role, 65_535, -128)
    assert (lane.speed_limit_mps is None) == (limit is None)
    if limit is not None:
        assert lane.speed_limit_mps == pytest.approx(limit, abs=0.01 + 1e-9)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    ref=st.tuples(st.floats(-90_000.0, 90_000.0), st.floats(-90_000.0, 90_000.0)),
    time_s=st.floats(40.0, 1e7),
    objects=st.lists(
        st.tuples(
            _ids,
            st.integers(0, 15),
            st.floats(0.0, 1.0),
            st.floats(-1327.0, 1327.0),
            st.floats(-1327.0, 1327.0),
            st.floats(-163.83, 163.83),
            st.floats(-163.83, 163.83),
            st.one_of(st.none(), st.floats(-4.0, 4.0)),
            st.floats(0.0, 102.3),
            st.floats(0.0, 102.3),
            st.floats(0.0, 30.0),
            st.floats(-32.76, 32.76),
        ),
        max_size=5,
    ),
)
def test_rsm_round_trip_over_the_legal_ranges(ref, time_s, objects):
    m = Rsm(
        127,
        2**32 - 1,
        time_s,
        ref,
        tuple(
            RsmObject(
                oid, kind, p, ref[0] + dx, ref[1] + dy, vx, vy, yaw, length, width, std, std, std, std, time_s - age
            )
            for oid, kind, p, dx, dy, vx, vy, yaw, length, width, std, age in objects
        ),
    )
    d = decode_rsm(encode_rsm(m))
    assert (d.msg_count, d.station_id) == (127, 2**32 - 1)
    assert d.time_s == pytest.approx(time_s, abs=5e-4 + 1e-9)
    for a, b in zip(m.objects, d.objects, strict=True):
        assert (b.object_id, b.object_type) == (a.object_id, a.object_type)
        assert b.existence_probability == pytest.approx(a.existence_probability, abs=0.005 + 1e-9)
        assert (b.x_m, b.y_m) == pytest.approx((a.x_m, a.y_m), abs=0.01 + 1e-6)
        assert (b.vx_mps, b.vy_mps) == pytest.approx((a.vx_mps, a.vy_mps), abs=0.005 + 1e-9)
        assert (b.length_m, b.width_m) == pytest.approx((a.length_m, a.width_m), abs=0.05 + 1e-9)
        expected_std = min(a.std_x_m, 16.383)
        assert (b.std_x_m, b.std_vy_mps) == pytest.approx((expected_std, expected_std), abs=5e-4 + 1e-9)
        assert b.stamp_s == pytest.approx(a.stamp_s, abs=1e-3 + 1e-6)  # time and age, each within 0.5 ms
        if a.yaw_rad is None:
            assert b.yaw_rad is None
        else:
            assert abs((b.yaw_rad - a.yaw_rad + math.pi) % (2 * math.pi) - math.pi) <= math.radians(0.00625) + 1e-9


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    time_s=_times,
    events=st.lists(
        st.tuples(
            st.integers(0, 255),
            st.integers(0, 255),
            st.one_of(st.none(), st.integers(0, 255)),
            st.floats(-1327.0, 1327.0),
            st.floats(-1327.0, 1327.0),
            st.floats(0.0, 6553.5),
            _times,
            st.floats(0.0, 86_400.0),
            st.integers(0, 7),
        ),
        min_size=1,
        max_size=16,
    ),
)
def test_rsi_round_trip_over_the_legal_ranges(time_s, events):
    m = Rsi(
        0,
        0,
        time_s,
        (0.0, 0.0),
        tuple(RoadSideEvent(i, t, d, x, y, r, det, v, p) for i, t, d, x, y, r, det, v, p in events),
    )
    got = decode_rsi(encode_rsi(m))
    assert got.time_s == pytest.approx(time_s, abs=5e-4 + 1e-9)
    for a, b in zip(m.events, got.events, strict=True):
        assert (b.event_id, b.event_type, b.description_code, b.priority) == (
            a.event_id,
            a.event_type,
            a.description_code,
            a.priority,
        )
        assert (b.x_m, b.y_m) == pytest.approx((a.x_m, a.y_m), abs=0.005 + 1e-9)
        assert b.radius_m == pytest.approx(a.radius_m, abs=0.05 + 1e-9)
        assert b.detection_time_s == pytest.approx(a.detection_time_s, abs=5e-4 + 1e-9)
        assert b.validity_s == pytest.approx(a.validity_s, abs=0.5 + 1e-9)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    ids=st.tuples(_counts, _ids, _ids),
    time_s=_times,
    validity=st.floats(0.0, 65.535),
    points=st.lists(st.tuples(st.floats(0.0, 65.535), st.floats(0.0, 163.83)), min_size=1, max_size=64),
)
def test_speed_plan_round_trip_over_the_legal_ranges(ids, time_s, validity, points):
    m = SpeedPlan(*ids, time_s, validity, tuple(SpeedPlanPoint(t, v) for t, v in points))
    d = decode_speed_plan(encode_speed_plan(m))
    assert (d.msg_count, d.planner_id, d.target_vehicle_id) == ids
    assert d.time_s == pytest.approx(time_s, abs=5e-4 + 1e-9)
    assert d.validity_s == pytest.approx(validity, abs=5e-4 + 1e-9)
    for a, b in zip(m.points, d.points, strict=True):
        assert b.time_offset_s == pytest.approx(a.time_offset_s, abs=5e-4 + 1e-9)
        assert b.speed_mps == pytest.approx(a.speed_mps, abs=0.005 + 1e-9)
