"""The trip registration (vehicle -> MEC): round trip, quantisation, the bytes of one example, bad input."""

from dataclasses import replace

import pytest

from coop_drive.v2x import examples
from coop_drive.v2x.asn1_codec import decode_message, decode_trip_registration, encode_trip_registration
from coop_drive.v2x.frame import MessageType, V2XDecodeError
from coop_drive.v2x.messages import TripRegistration

# the occluded intersection's trip (examples.trip_registration()): 45 bytes of UPER; it opens with msgCnt 0 in
# 7 bits and the station id 1001 (0x3e9) in 32: 0000000 | 0x000003e9 -> 00 00 00 07 d2
EXAMPLE_HEX = "00000007d2000000180613881904b15e020ad620324c223c2625744028270fbffffe00f9efffff8270fbffffc0"


def test_the_example_encodes_to_fixed_bytes():
    data = encode_trip_registration(examples.trip_registration())
    assert data.hex() == EXAMPLE_HEX and len(data) == 45
    assert decode_message(MessageType.TRIP_REGISTRATION, data, examples.TIME_S) == examples.trip_registration()


def test_whole_cm_routes_and_km_h_set_speeds_come_back_bit_for_bit():
    m = examples.trip_registration()
    d = decode_trip_registration(encode_trip_registration(m))
    assert d == m  # the float values themselves, not approximately: the MEC plans on exactly the car's route
    assert d.desired_speed_mps == 50.0 / 3.6
    assert d.route_edges == ("-1", "2") and d.vehicle_id == 1001 and d.time_s == examples.TIME_S


def test_round_trip_within_quantisation():
    points = ((-210.004, -1.753), (-10.0049, -1.75), (10.3333, -1.7), (1210.0, 5.0), (1215.0, 9.006))
    m = replace(examples.trip_registration(), route_xy_m=points, desired_speed_mps=13.9, max_accel_mps2=2.345,
                comfort_decel_mps2=2.9999, max_decel_mps2=7.004, time_s=12.3456, msg_count=127)
    d = decode_trip_registration(encode_trip_registration(m))
    for (x, y), (xd, yd) in zip(m.route_xy_m, d.route_xy_m, strict=True):  # cm, rounding does not accumulate
        assert abs(x - xd) <= 0.005 + 1e-9 and abs(y - yd) <= 0.005 + 1e-9
    assert d.desired_speed_mps == pytest.approx(13.9, abs=0.005 / 3.6 + 1e-12)  # 0.01 km/h
    for a, b in ((m.max_accel_mps2, d.max_accel_mps2), (m.comfort_decel_mps2, d.comfort_decel_mps2),
                 (m.max_decel_mps2, d.max_decel_mps2)):
        assert b == pytest.approx(a, abs=0.005)  # 0.01 m/s^2
    assert d.time_s == pytest.approx(12.346) and d.msg_count == 127


def test_a_long_straight_step_fits():
    m = replace(examples.trip_registration(), route_xy_m=((-5000.0, 0.0), (5000.0, 0.0)))
    assert decode_trip_registration(encode_trip_registration(m)).route_xy_m == m.route_xy_m


def _bad(**changes: object) -> TripRegistration:
    return replace(examples.trip_registration(), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "match"), [
    (_bad(msg_count=128), r"TripRegistration\.msg_count: expected an integer in \[0, 127\], got 128"),
    (_bad(vehicle_id=-1), r"TripRegistration\.vehicle_id"),
    (_bad(time_s=-1.0), r"TripRegistration\.time_s"),
    (_bad(desired_speed_mps=80.0), r"TripRegistration\.desired_speed_mps \(in km/h\): 288 km/h is outside the "
                                   r"encodable range \[0, 250\] km/h"),
    (_bad(desired_speed_mps=float("nan")), r"TripRegistration\.desired_speed_mps"),
    (_bad(max_accel_mps2=-1.0), r"TripRegistration\.max_accel_mps2: -1 m/s\^2 is outside"),
    (_bad(comfort_decel_mps2=25.0), r"TripRegistration\.comfort_decel_mps2"),
    (_bad(max_decel_mps2=float("inf")), r"TripRegistration\.max_decel_mps2: expected a finite number"),
    (_bad(route_edges=()), r"TripRegistration\.route_edges: expected 1\.\.64 edges, got 0"),
    (_bad(route_edges=("-1", "")), r"TripRegistration\.route_edges\[1\]: expected 1\.\.64 ASCII characters"),
    (_bad(route_edges=("-1", "é")), r"TripRegistration\.route_edges\[1\]"),
    (_bad(route_edges=("x" * 65,)), r"TripRegistration\.route_edges\[0\]"),
    (_bad(route_xy_m=((0.0, 0.0),)), r"TripRegistration\.route_xy_m: expected 2\.\.1024 points, got 1"),
    (_bad(route_xy_m=((0.0, 0.0), (150_000.0, 0.0))), r"TripRegistration\.route_xy_m\[1\]\.x_m: 150000 m"),
    (_bad(route_xy_m=((-6000.0, 0.0), (6000.0, 0.0))),
     r"TripRegistration\.route_xy_m\[1\]: step \(12000, 0\) m from the previous point is outside the encodable "
     r"range \[-10485\.8, 10485\.8\] m"),
])
def test_bad_input_names_the_field(message, match):
    with pytest.raises(ValueError, match=match):
        encode_trip_registration(message)


def test_undecodable_payloads_are_decode_errors():
    data = encode_trip_registration(examples.trip_registration())
    with pytest.raises(V2XDecodeError, match="TripRegistration: cannot decode"):
        decode_trip_registration(b"")
    with pytest.raises(V2XDecodeError):
        decode_trip_registration(data[:10])
