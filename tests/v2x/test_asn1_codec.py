import math
from dataclasses import replace

import numpy as np
import pytest

from coop_drive.v2x import examples
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
    specification,
)
from coop_drive.v2x.frame import MessageType, V2XDecodeError
from coop_drive.v2x.messages import MovementPhaseState


def _angle_diff_rad(a: float, b: float) -> float:
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


def test_bsm_round_trip_within_quantisation():
    m = replace(examples.bsm(), yaw_rad=2.0, accel_long_mps2=-3.456, yaw_rate_radps=-0.3)
    d = decode_bsm(encode_bsm(m), reference_time_s=m.time_s + 0.2)
    assert (d.msg_count, d.vehicle_id) == (m.msg_count, m.vehicle_id)
    assert d.time_s == pytest.approx(m.time_s, abs=5e-4)
    assert (d.x_m, d.y_m) == pytest.approx((m.x_m, m.y_m), abs=0.005)
    assert d.speed_mps == pytest.approx(m.speed_mps, abs=0.01)  # 0.02 m/s units
    assert _angle_diff_rad(d.yaw_rad, m.yaw_rad) <= math.radians(0.0125 / 2) + 1e-12
    assert d.accel_long_mps2 == pytest.approx(m.accel_long_mps2, abs=0.005)
    assert d.accel_lat_mps2 == pytest.approx(m.accel_lat_mps2, abs=0.005)
    assert d.yaw_rate_radps == pytest.approx(m.yaw_rate_radps, abs=math.radians(0.005))
    assert (d.length_m, d.width_m) == pytest.approx((m.length_m, m.width_m), abs=0.005)
    assert d.position_std_m == pytest.approx(m.position_std_m, abs=0.005)


@pytest.mark.parametrize(("time_s", "reference_s"), [(12.3, 12.3), (59.99, 60.02), (120.01, 119.9), (0.0, 25.0)])
def test_sec_mark_resolves_to_the_nearest_minute(time_s, reference_s):
    sec_mark = round(time_s * 1000) % 60_000
    assert resolve_sec_mark_s(sec_mark, reference_s) == pytest.approx(time_s)


def test_spat_round_trip():
    m = examples.spat()
    d = decode_spat(encode_spat(m))
    assert d.msg_count == m.msg_count and d.time_s == pytest.approx(m.time_s)
    [inter], [orig] = d.intersections, m.intersections
    assert inter.intersection_id == orig.intersection_id
    for a, b in zip(orig.movements, inter.movements, strict=True):
        assert (b.signal_group, b.state) == (a.signal_group, a.state)
        for t_a, t_b in [(a.min_end_time_s, b.min_end_time_s), (a.max_end_time_s, b.max_end_time_s),
                         (a.likely_end_time_s, b.likely_end_time_s)]:
            assert t_b == pytest.approx(t_a, abs=0.05)  # 0.1 s units
        assert b.confidence == pytest.approx(a.confidence)


def test_spat_unknown_end_time_and_every_phase_state():
    m = examples.spat()
    movements = tuple(replace(m.intersections[0].movements[0], signal_group=s.value, state=s, likely_end_time_s=None)
                      for s in MovementPhaseState)
    m = replace(m, intersections=(replace(m.intersections[0], movements=movements),))
    d = decode_spat(encode_spat(m))
    assert [mv.state for mv in d.intersections[0].movements] == list(MovementPhaseState)
    assert all(mv.likely_end_time_s is None for mv in d.intersections[0].movements)


def test_map_round_trip_without_accumulated_rounding():
    m = examples.map_message()
    d = decode_map(encode_map(m))
    assert (d.intersection_id, d.ref_xy_m) == (m.intersection_id, m.ref_xy_m)
    for a, b in zip(m.lanes, d.lanes, strict=True):
        assert (b.lane_id, b.connections) == (a.lane_id, a.connections)
        assert b.width_m == pytest.approx(a.width_m) and b.speed_limit_mps == pytest.approx(a.speed_limit_mps, abs=0.01)
        for p, q in zip(a.nodes_xy_m, b.nodes_xy_m, strict=True):
            assert q == pytest.approx(p, abs=0.005)  # each node within 0.5 cm, however far along the lane
        if a.stop_line_xy_m is None:
            assert b.stop_line_xy_m is None
        else:
            assert b.stop_line_xy_m == pytest.approx(a.stop_line_xy_m, abs=0.005)


def test_rsm_round_trip():
    m = examples.rsm(5)
    d = decode_rsm(encode_rsm(m))
    assert (d.msg_count, d.station_id, d.ref_xy_m) == (m.msg_count, m.station_id, m.ref_xy_m)
    for a, b in zip(m.objects, d.objects, strict=True):
        assert (b.object_id, b.object_type, b.yaw_rad) == (a.object_id, a.object_type, None)
        assert (b.x_m, b.y_m, b.vx_mps, b.vy_mps) == pytest.approx((a.x_m, a.y_m, a.vx_mps, a.vy_mps), abs=0.005)
        assert (b.std_x_m, b.std_y_m, b.std_vx_mps, b.std_vy_mps) == pytest.approx(
            (a.std_x_m, a.std_y_m, a.std_vx_mps, a.std_vy_mps), abs=5e-4)
        assert (b.length_m, b.width_m) == pytest.approx((a.length_m, a.width_m), abs=0.05)
        assert b.stamp_s == pytest.approx(a.stamp_s, abs=5e-4)
        assert b.existence_probability == pytest.approx(a.existence_probability, abs=0.005)


def test_rsm_heading_when_given():
    m = examples.rsm(1)
    m = replace(m, objects=(replace(m.objects[0], yaw_rad=-1.0),))
    assert _angle_diff_rad(decode_rsm(encode_rsm(m)).objects[0].yaw_rad or 0.0, -1.0) < 1e-4


def test_rsm_standard_deviations_saturate():
    m = examples.rsm(1)
    m = replace(m, objects=(replace(m.objects[0], std_x_m=50.0, std_vy_mps=99.0),))
    o = decode_rsm(encode_rsm(m)).objects[0]
    assert (o.std_x_m, o.std_vy_mps) == (16.383, 16.383)


def test_rsi_round_trip():
    m = examples.rsi()
    d = decode_rsi(encode_rsi(m))
    [a], [b] = m.events, d.events
    assert (b.event_id, b.event_type, b.description_code, b.priority) == (
        a.event_id, a.event_type, a.description_code, a.priority)
    assert (b.x_m, b.y_m) == pytest.approx((a.x_m, a.y_m), abs=0.005)
    assert b.radius_m == pytest.approx(a.radius_m, abs=0.05)
    assert b.detection_time_s == pytest.approx(a.detection_time_s, abs=5e-4)
    assert b.validity_s == pytest.approx(a.validity_s, abs=0.5)
    no_description = replace(m, events=(replace(a, description_code=None),))
    assert decode_rsi(encode_rsi(no_description)).events[0].description_code is None


def test_speed_plan_round_trip():
    m = examples.speed_plan()
    d = decode_speed_plan(encode_speed_plan(m))
    assert (d.planner_id, d.target_vehicle_id) == (m.planner_id, m.target_vehicle_id)
    assert d.time_s == pytest.approx(m.time_s) and d.validity_s == pytest.approx(m.validity_s)
    for a, b in zip(m.points, d.points, strict=True):
        assert b.time_offset_s == pytest.approx(a.time_offset_s, abs=5e-4)
        assert b.speed_mps == pytest.approx(a.speed_mps, abs=0.005)


def test_generic_encode_decode_by_message_type():
    for message in examples.typical_messages().values():
        kind = message_type_of(message)
        decoded = decode_message(kind, encode_message(message), examples.TIME_S)
        assert type(decoded) is type(message)


def test_typical_sizes():
    sizes = {name: len(encode_message(m)) for name, m in examples.typical_messages().items()}
    assert 10 <= sizes["BSM"] < 50  # tens of bytes, not kilobytes
    assert sizes["RSM (5 objects)"] < 160  # well under 200 bytes
    assert sizes["RSM (1 object)"] < 50
    assert sizes["SPAT (1 intersection, 4 signal groups)"] < 60
    assert sizes["MAP (1 intersection, 8 lanes, 3 nodes each)"] < 250
    assert sizes["RSI (1 event)"] < 50
    assert sizes["SpeedPlan (11 points, 5 s)"] < 70


@pytest.mark.parametrize(("message", "match"), [
    (replace(examples.bsm(), speed_mps=-1.0), r"Bsm\.speed_mps: -1 m/s is outside the encodable range \[0, 163\.8\]"),
    (replace(examples.bsm(), speed_mps=200.0), r"Bsm\.speed_mps"),
    (replace(examples.bsm(), x_m=150_000.0), r"Bsm\.x_m: 150000 m is outside"),
    (replace(examples.bsm(), msg_count=128), r"Bsm\.msg_count: expected an integer in \[0, 127\], got 128"),
    (replace(examples.bsm(), yaw_rad=math.nan), r"Bsm\.yaw_rad: expected a finite angle"),
    (replace(examples.bsm(), time_s=-1.0), r"Bsm\.time_s"),
    (replace(examples.rsm(1), objects=(replace(examples.rsm(1).objects[0], vx_mps=170.0),)),
     r"Rsm\.objects\[0\]\.vx_mps: 170 m/s"),
    (replace(examples.rsm(1), objects=(replace(examples.rsm(1).objects[0], x_m=5000.0),)),
     r"Rsm\.objects\[0\]\.x_m \(from ref_xy_m\)"),
    (replace(examples.rsm(1), objects=(replace(examples.rsm(1).objects[0], existence_probability=1.5),)),
     r"Rsm\.objects\[0\]\.existence_probability"),
    (replace(examples.rsm(1), objects=(replace(examples.rsm(1).objects[0], stamp_s=-100.0),)),
     r"Rsm\.objects\[0\]\.stamp_s"),
    (replace(examples.spat(), time_s=100.0), r"Spat\.intersections\[0\]\.movements\[0\]\.min_end_time_s"),
    (replace(examples.speed_plan(), points=()), r"SpeedPlan\.points: expected 1\.\.64"),
    (replace(examples.rsi(), events=(replace(examples.rsi().events[0], priority=8),)), r"Rsi\.events\[0\]\.priority"),
])
def test_out_of_range_values_name_the_field(message, match):
    with pytest.raises(ValueError, match=match):
        encode_message(message)


def test_map_step_too_long_names_the_node():
    m = examples.map_message()
    lane = replace(m.lanes[0], nodes_xy_m=((0.0, 0.0), (400.0, 0.0)))
    with pytest.raises(ValueError, match=r"MapMessage\.lanes\[0\]\.nodes_xy_m\[1\]: step \(400, 0\) m"):
        encode_map(replace(m, lanes=(lane,)))


@pytest.mark.parametrize("name", ["BSM", "SPAT", "MAP", "RSM", "RSI", "SpeedPlan", "TripRegistration"])
def test_every_type_is_in_the_asn1_module(name):
    assert name in specification().types


@pytest.mark.parametrize("kind", list(MessageType))
def test_truncated_payloads_raise_decode_errors_only(kind):
    message = next(m for m in examples.typical_messages().values() if message_type_of(m) is kind)
    payload = encode_message(message)
    rejected = 0
    for cut in range(len(payload)):  # every truncation: a V2XDecodeError or, rarely, a shorter valid message
        try:
            decode_message(kind, payload[:cut], examples.TIME_S)
        except V2XDecodeError:
            rejected += 1
    assert rejected >= len(payload) // 2


def test_garbage_payloads_raise_decode_errors_only():
    rng = np.random.default_rng(3)
    rejected = 0
    for kind in MessageType:
        for _ in range(200):
            data = rng.integers(0, 256, size=int(rng.integers(0, 80))).astype(np.uint8).tobytes()
            try:
                decode_message(kind, data, examples.TIME_S)
            except V2XDecodeError:
                rejected += 1
    assert rejected > 0


def test_bsm_acceleration_saturates_at_the_j2735_limits():
    # DE_Acceleration: values beyond +-20 m/s^2 are sent as +-20 (2000 in 0.01 m/s^2 units), not rejected
    for sent, received in ((-25.0, -20.0), (31.8, 20.0), (19.99, 19.99)):
        m = replace(examples.bsm(), accel_long_mps2=sent, accel_lat_mps2=-sent)
        d = decode_bsm(encode_bsm(m), reference_time_s=m.time_s)
        assert d.accel_long_mps2 == pytest.approx(received, abs=0.005)
        assert d.accel_lat_mps2 == pytest.approx(-received, abs=0.005)
