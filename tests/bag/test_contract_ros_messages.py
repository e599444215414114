"""Contract of the message converters: fixed CDR bytes, every field of every builder, exact readers."""

import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.bag.ros_messages import (
    BASE_FRAME,
    MAP_FRAME,
    T_CLOCK,
    T_IMU,
    T_MARKERS,
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_SCAN,
    T_STEP,
    T_STRING,
    T_TWIST_STAMPED,
    T_V2X,
    DetectionCodecError,
    MessageFactory,
    detections_from_msg,
    estimates_from_msg,
    frame_bytes,
    imu_from_msg,
    object_rows,
    odometry_from_msg,
    route_from_msg,
    scan_time_ns,
    stamp_ns,
)
from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.geometry import Polyline
from coop_drive.perception.measurement import MeasurementKind
from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.sensors.object_sensor import Detection
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.world.backend import ActorState

CDR_LE = bytes.fromhex("00010000")  # encapsulation header: CDR, little endian


@pytest.fixture(scope="module")
def msgs() -> MessageFactory:
    return MessageFactory(coop_drive_typestore())


def _round_trip(msgs: MessageFactory, msg, msgtype: str):  # type: ignore[no-untyped-def]
    return msgs.deserialize(msgs.serialize(msg), msgtype)


# --- fixed CDR byte vectors -----------------------------------------------------------------------


def test_clock_cdr_bytes(msgs):
    # 1.5 s = sec 1, nanosec 500_000_000 = 0x1DCD6500
    expected = CDR_LE + bytes.fromhex("01000000") + bytes.fromhex("0065cd1d")
    data = msgs.serialize(msgs.clock(1_500_000_000))
    assert isinstance(data, bytes) and data == expected
    back = msgs.deserialize(memoryview(data), T_CLOCK)
    assert (back.clock.sec, back.clock.nanosec) == (1, 500_000_000)


def test_string_cdr_bytes(msgs):
    # uint32 length 3 (two characters and the NUL), then "ab\0"; no trailing padding
    assert msgs.serialize(msgs.string("ab")) == CDR_LE + bytes.fromhex("03000000") + b"ab\x00"


def test_speed_command_cdr_bytes(msgs):
    # header: sec 2, nanosec 250_000_000 = 0x0EE6B280, frame_id "base_link\0" (length 10) at offset 8..22,
    # padding to offset 24 (doubles align to 8), then linear (12.5, 0, 0) and angular (0, 0, 0)
    expected = (
        CDR_LE
        + struct.pack("<iI", 2, 250_000_000)
        + struct.pack("<I", 10)
        + b"base_link\x00"
        + b"\x00\x00"
        + struct.pack("<6d", 12.5, 0.0, 0.0, 0.0, 0.0, 0.0)
    )
    assert len(expected) == 4 + 24 + 48
    assert msgs.serialize(msgs.speed_command(2_250_000_000, 12.5)) == expected


def test_v2x_frame_message_cdr_bytes(msgs):
    # the frame: version 1, type BSM (1), source length 3, "ego", seq 7, generation 1e9 ns, payload length 2,
    # payload 01 02, CRC-32 of everything before
    body = bytes([1, 1, 3]) + b"ego" + struct.pack("<IqH", 7, 1_000_000_000, 2) + b"\x01\x02"
    frame = body + struct.pack("<I", zlib.crc32(body))
    assert frame == encode_frame(V2XFrame(MessageType.BSM, "ego", 7, 1_000_000_000, b"\x01\x02"))
    # message: header (sec 1, nanosec 100_000_000 = 0x05F5E100, "map\0"), message_type uint8 1 + 3 padding,
    # source_id "ego\0", sequence 7, generation_stamp (1, 0), payload uint8[26]
    expected = (
        CDR_LE
        + struct.pack("<iI", 1, 100_000_000)
        + struct.pack("<I", 4)
        + b"map\x00"
        + b"\x01\x00\x00\x00"
        + struct.pack("<I", 4)
        + b"ego\x00"
        + struct.pack("<I", 7)
        + struct.pack("<iI", 1, 0)
        + struct.pack("<I", len(frame))
        + frame
    )
    assert msgs.serialize(msgs.v2x_frame(1_100_000_000, frame)) == expected


def test_rosbags_reads_a_hand_written_speed_command(msgs):
    data = CDR_LE + struct.pack("<iII", 3, 7, 4) + b"map\x00" + struct.pack("<6d", -1.5, 2.0, 0.0, 0.0, 0.0, 0.25)
    msg = msgs.deserialize(data, T_TWIST_STAMPED)
    assert stamp_ns(msg.header.stamp) == 3_000_000_007 and msg.header.frame_id == "map"
    assert (msg.twist.linear.x, msg.twist.linear.y, msg.twist.angular.z) == (-1.5, 2.0, 0.25)


# --- small pieces -----------------------------------------------------------------------------------


def test_time_splits_into_seconds_and_nanoseconds(msgs):
    t = msgs.time(12_345_678_901)  # 12 s + 345_678_901 ns
    assert (t.sec, t.nanosec) == (12, 345_678_901)
    t = msgs.time(999_999_999)
    assert (t.sec, t.nanosec) == (0, 999_999_999)
    t = msgs.time(1_000_000_000)
    assert (t.sec, t.nanosec) == (1, 0)
    assert (msgs.time(0).sec, msgs.time(0).nanosec) == (0, 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=(2**31 - 1) * 1_000_000_000 + 999_999_999))
def test_stamp_of_time_is_the_identity(msgs, time_ns):
    t = msgs.time(time_ns)
    assert 0 <= t.nanosec < 1_000_000_000
    assert stamp_ns(t) == time_ns
    back = _round_trip(msgs, msgs.clock(time_ns), T_CLOCK)
    assert stamp_ns(back.clock) == time_ns


def test_header_frames(msgs):
    h = msgs.header(5_000_000_001)
    assert h.frame_id == MAP_FRAME == "map" and stamp_ns(h.stamp) == 5_000_000_001
    assert msgs.header(0, "base_link").frame_id == BASE_FRAME == "base_link"


# --- builders -------------------------------------------------------------------------------------


def test_string_and_clock_builders(msgs):
    assert _round_trip(msgs, msgs.string('{"seed": 3}'), T_STRING).data == '{"seed": 3}'
    assert stamp_ns(_round_trip(msgs, msgs.clock(42), T_CLOCK).clock) == 42


def test_route_is_a_path_of_map_poses(msgs):
    route = Polyline(np.array([[0.0, 0.0], [10.0, 0.5], [20.25, -3.0]]))
    back = _round_trip(msgs, msgs.route(2_000_000_000, route), T_PATH)
    assert back.header.frame_id == "map" and stamp_ns(back.header.stamp) == 2_000_000_000
    assert [(p.pose.position.x, p.pose.position.y, p.pose.position.z) for p in back.poses] == [
        (0.0, 0.0, 0.0),
        (10.0, 0.5, 0.0),
        (20.25, -3.0, 0.0),
    ]
    assert all(p.header.frame_id == "map" and stamp_ns(p.header.stamp) == 2_000_000_000 for p in back.poses)
    # yaw 0: quaternion (0, 0, sin 0, cos 0) = (0, 0, 0, 1)
    assert all((p.pose.orientation.z, p.pose.orientation.w) == (0.0, 1.0) for p in back.poses)
    np.testing.assert_array_equal(route_from_msg(back).points_xy_m, route.points_xy_m)


def test_ground_truth_lists_actors_sorted_by_id(msgs):
    states = {
        "truck": ActorState("truck", 5.0, 6.0, 0.0, 2.0, 0.0, 12.0, 2.5),
        "ego": ActorState("ego", 1.0, -2.0, math.pi / 2, 4.0, 0.5, 4.6, 1.8),
    }
    back = _round_trip(msgs, msgs.ground_truth(3_000_000_000, states), T_OBJECT_LIST)
    assert back.source_id == "ground_truth" and back.header.frame_id == "map"
    assert stamp_ns(back.header.stamp) == 3_000_000_000 and stamp_ns(back.generation_stamp) == 3_000_000_000
    assert [(o.object_id, o.source_id) for o in back.objects] == [(0, "ego"), (1, "truck")]
    ego, truck = back.objects
    # yaw pi/2: quaternion z = sin(pi/4) = w = cos(pi/4) = 0.70710678...
    assert ego.pose.orientation.z == pytest.approx(math.sqrt(0.5), abs=1e-15)
    assert ego.pose.orientation.w == pytest.approx(math.sqrt(0.5), abs=1e-15)
    assert (ego.pose.position.x, ego.pose.position.y, ego.pose.position.z) == (1.0, -2.0, 0.0)
    # speed 4 m/s along yaw pi/2: vx = 4 cos(pi/2) ~ 0, vy = 4
    assert ego.twist.linear.x == pytest.approx(0.0, abs=1e-12) and ego.twist.linear.y == 4.0
    assert (ego.twist.linear.z, ego.twist.angular.x, ego.twist.angular.y, ego.twist.angular.z) == (0, 0, 0, 0)
    assert (truck.dimensions.x, truck.dimensions.y, truck.dimensions.z) == (12.0, 2.5, 1.5)
    assert (truck.twist.linear.x, truck.twist.linear.y) == (2.0, 0.0)
    assert all(o.existence_probability == 1.0 and o.classification_probability == 1.0 for o in back.objects)
    assert all(o.classification.value == int(ObjectClass.CAR) == 1 for o in back.objects)
    assert all(stamp_ns(o.generation_stamp) == 3_000_000_000 for o in back.objects)
    assert all(list(o.state_covariance) == [0.0] * 16 for o in back.objects)


def test_ground_truth_of_no_actors_is_an_empty_list(msgs):
    assert list(msgs.ground_truth(0, {}).objects) == []


def test_markers_box_every_actor_after_clearing_the_view(msgs):
    states = {
        "car": ActorState("car", 3.0, 4.0, 0.0, 1.0, 0.0, 4.0, 1.7),
        "ego": ActorState("ego", 1.0, 2.0, 0.5, 5.0, 0.0, 4.6, 1.8),
    }
    back = _round_trip(msgs, msgs.markers(7_000_000_000, states, "ego"), T_MARKERS)
    clear, car, ego = back.markers
    cube, add, deleteall = 1, 0, 3  # visualization_msgs/Marker constants
    assert clear.action == deleteall and (clear.ns, clear.id, clear.type) == ("actors", 0, cube)
    assert [(m.ns, m.id, m.type, m.action, m.text) for m in (car, ego)] == [
        ("actors", 0, cube, add, "car"),
        ("actors", 1, cube, add, "ego"),
    ]
    assert (ego.color.r, ego.color.g, ego.color.b, ego.color.a) == pytest.approx((0.1, 0.4, 1.0, 0.9))
    assert (car.color.r, car.color.g, car.color.b, car.color.a) == pytest.approx((0.6, 0.6, 0.6, 0.9))
    assert (ego.scale.x, ego.scale.y, ego.scale.z) == (4.6, 1.8, 1.5)
    assert (car.pose.position.x, car.pose.position.y) == (3.0, 4.0)
    assert ego.pose.orientation.z == pytest.approx(math.sin(0.25)) and ego.pose.orientation.w == pytest.approx(
        math.cos(0.25)
    )
    assert all(m.header.frame_id == "map" and stamp_ns(m.header.stamp) == 7_000_000_000 for m in (car, ego))
    assert all(m.lifetime.sec == 0 and m.lifetime.nanosec == 0 and not m.frame_locked for m in back.markers)
    assert list(msgs.markers(0, {}, "ego").markers) == []


def test_markers_leave_every_unused_field_empty(msgs):
    states = {"ego": ActorState("ego", 1.0, 2.0, 0.5, 5.0, 0.0, 4.6, 1.8)}
    for m in msgs.markers(0, states, "ego").markers:  # as built, before any serialisation
        assert m.frame_locked is False and m.mesh_use_embedded_materials is False
        assert (m.texture_resource, m.mesh_resource, m.mesh_file.filename, m.texture.format) == ("", "", "", "")
        assert m.texture.header.frame_id == "" and stamp_ns(m.texture.header.stamp) == 0
        for data in (m.texture.data, m.mesh_file.data):  # uint8[]: empty byte arrays
            assert data.dtype == np.uint8 and data.shape == (0,)
        assert list(m.points) == [] and list(m.colors) == [] and list(m.uv_coordinates) == []


def test_odometry_fields(msgs):
    ego = ActorState("ego", 3.5, -40.25, math.pi, 12.5, 0.3, 4.6, 1.8)
    back = _round_trip(msgs, msgs.odometry(7_250_000_000, ego), T_ODOM)
    assert odometry_from_msg(back) == (7.25, 3.5, -40.25, 12.5)
    assert back.header.frame_id == "map" and back.child_frame_id == "base_link"
    # the speed is the longitudinal velocity in the vehicle frame: (12.5, 0, 0) whatever the yaw
    assert (back.twist.twist.linear.y, back.twist.twist.angular.z) == (0.0, 0.0)
    # yaw pi: quaternion z = sin(pi/2) = 1, w = cos(pi/2) ~ 0
    assert back.pose.pose.orientation.z == 1.0 and back.pose.pose.orientation.w == pytest.approx(0.0, abs=1e-15)
    assert list(back.pose.covariance) == [0.0] * 36 and list(back.twist.covariance) == [0.0] * 36


def test_imu_carries_heading_and_longitudinal_acceleration(msgs):
    ego = ActorState("ego", 3.5, -4.0, -1.2, 12.5, -2.75, 4.6, 1.8)
    back = _round_trip(msgs, msgs.imu(4_000_000_000, ego), T_IMU)
    assert back.header.frame_id == "base_link" and stamp_ns(back.header.stamp) == 4_000_000_000
    # yaw -1.2: z = sin(-0.6), w = cos(-0.6)
    assert back.orientation.z == pytest.approx(math.sin(-0.6)) and back.orientation.w == pytest.approx(math.cos(-0.6))
    assert (back.linear_acceleration.x, back.linear_acceleration.y, back.linear_acceleration.z) == (-2.75, 0.0, 0.0)
    assert (back.angular_velocity.x, back.angular_velocity.y, back.angular_velocity.z) == (0.0, 0.0, 0.0)
    for cov in (back.orientation_covariance, back.angular_velocity_covariance, back.linear_acceleration_covariance):
        assert list(cov) == [0.0] * 9
    yaw, accel = imu_from_msg(back)
    assert yaw == pytest.approx(-1.2, abs=1e-12) and accel == -2.75


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-3.14159, max_value=3.14159), st.floats(min_value=-10.0, max_value=10.0))
def test_imu_heading_round_trip_over_the_full_circle(msgs, yaw, accel):
    ego = ActorState("ego", 0.0, 0.0, yaw, 1.0, accel, 4.6, 1.8)
    back_yaw, back_accel = imu_from_msg(msgs.imu(0, ego))
    assert back_yaw == pytest.approx(yaw, abs=1e-9) and back_accel == accel


def test_detections_scan_time_defaults_to_the_world_time(msgs):
    det = Detection(1.0, "pole", MeasurementKind.POSITION, np.array([1.0, 2.0]), np.eye(2), (5.0, 6.0), 4.0, 2.0, "")
    msg = _round_trip(msgs, msgs.detections(1_000_000_000, "pole", [det]), T_SCAN)
    assert scan_time_ns(msg) == 1_000_000_000 and stamp_ns(msg.header.stamp) == 1_000_000_000
    assert msg.header.frame_id == "map" and msg.sensor_id == "pole"
    m = msg.measurements[0]
    assert (m.kind, list(m.z), list(m.covariance)) == (1, [1.0, 2.0], [1.0, 0.0, 0.0, 1.0])
    assert (m.sensor_x_m, m.sensor_y_m, m.length_m, m.width_m) == (5.0, 6.0, 4.0, 2.0)
    later = msgs.detections(1_000_000_000, "pole", [det], 1_030_000_000)
    assert scan_time_ns(later) == 1_030_000_000 and stamp_ns(later.header.stamp) == 1_000_000_000


def test_detections_from_msg_reads_the_world_time_and_every_field(msgs):
    det = Detection(
        0.0,
        "front",
        MeasurementKind.POSITION_RADIAL_SPEED,
        np.array([1.0, -2.0, 3.5]),
        np.array([[1.0, 0.1, 0.2], [0.1, 2.0, 0.3], [0.2, 0.3, 3.0]]),
        (7.0, -8.0),
        4.4,
        1.9,
        "truth",
    )
    msg = _round_trip(msgs, msgs.detections(2_500_000_000, "front", [det], 2_600_000_000), T_SCAN)
    sensor, time_s, (back,) = detections_from_msg(msg)
    assert (sensor, time_s) == ("front", 2.5)
    assert (back.stamp_s, back.sensor_id, back.kind) == (2.5, "front", MeasurementKind.POSITION_RADIAL_SPEED)
    np.testing.assert_array_equal(back.z, det.z)
    np.testing.assert_array_equal(back.r, det.r)  # row-major 3x3
    assert back.sensor_xy_m == (7.0, -8.0) and (back.length_m, back.width_m) == (4.4, 1.9)
    assert back.truth_id == ""  # ground truth never travels with a detection
    assert detections_from_msg(msgs.detections(0, "empty", [])) == ("empty", 0.0, [])


def test_a_measurement_with_a_wrong_covariance_size_is_refused(msgs):
    det = Detection(0.0, "pole", MeasurementKind.POSITION, np.array([1.0, 2.0]), np.eye(2), (0.0, 0.0), 4.0, 2.0, "")
    msg = msgs.detections(0, "pole", [det])
    msg.measurements[0].covariance = np.ones(9)
    with pytest.raises(
        DetectionCodecError,
        match=r"^sensor pole: POSITION needs 2 values and 4 covariance entries, "
        r"got 2 and 9$",
    ):
        detections_from_msg(msg)
    msg.measurements[0].covariance = np.ones(4)
    msg.measurements[0].z = np.ones(3)
    with pytest.raises(
        DetectionCodecError,
        match=r"^sensor pole: POSITION needs 2 values and 4 covariance entries, "
        r"got 3 and 4$",
    ):
        detections_from_msg(msg)


def _estimate(object_id: int = 3, vx: float = 3.0, vy: float = 4.0) -> ObjectEstimate:
    cov = np.arange(16, dtype=float).reshape(4, 4) / 8.0
    return ObjectEstimate(
        object_id, "mec", 1.2345678915, np.array([10.5, -2.25, vx, vy]), cov, 4.2, 1.9, 0.75, ObjectClass.TRUCK
    )


def test_objects_carry_each_estimate(msgs):
    est = _estimate()
    back = _round_trip(msgs, msgs.objects(2_000_000_000, 1_900_000_000, "vehicle", [est]), T_OBJECT_LIST)
    assert back.source_id == "vehicle" and stamp_ns(back.header.stamp) == 2_000_000_000
    assert stamp_ns(back.generation_stamp) == 1_900_000_000
    (o,) = back.objects
    assert (o.object_id, o.source_id, o.classification.value) == (3, "mec", 2)
    # 1.2345678915 s rounds to 1_234_567_892 ns (nearest, not truncated)
    assert stamp_ns(o.generation_stamp) == 1_234_567_892
    # heading along the velocity (3, 4): yaw = atan2(4, 3); quaternion z = sin(yaw / 2), w = cos(yaw / 2)
    yaw = math.atan2(4.0, 3.0)
    assert o.pose.orientation.z == pytest.approx(math.sin(yaw / 2)) and o.pose.orientation.w == pytest.approx(
        math.cos(yaw / 2)
    )
    assert (o.pose.position.x, o.pose.position.y, o.twist.linear.x, o.twist.linear.y) == (10.5, -2.25, 3.0, 4.0)
    assert (o.dimensions.x, o.dimensions.y, o.dimensions.z) == pytest.approx((4.2, 1.9, 1.5))
    assert o.existence_probability == pytest.approx(0.75)
    assert list(o.state_covariance) == [i / 8.0 for i in range(16)]  # row-major
    assert object_rows(back) == [(3, "mec", 10.5, -2.25, 3.0, 4.0)]


def test_estimates_from_msg_restores_the_estimates(msgs):
    ests = [_estimate(3), _estimate(9, vx=-1.0, vy=0.0)]
    back = estimates_from_msg(_round_trip(msgs, msgs.objects(0, 0, "vehicle", ests), T_OBJECT_LIST))
    assert [e.object_id for e in back] == [3, 9]
    for a, b in zip(ests, back, strict=True):
        assert b.source_id == "mec" and b.stamp_s == 1.234567892 and b.classification is ObjectClass.TRUCK
        np.testing.assert_array_equal(b.state, a.state)
        np.testing.assert_array_equal(b.covariance, a.covariance)
        assert (b.length_m, b.width_m, b.existence_probability) == pytest.approx((4.2, 1.9, 0.75), abs=1e-6)
    assert estimates_from_msg(msgs.objects(0, 0, "vehicle", [])) == []


def test_an_integer_covariance_is_carried_as_float64(msgs):
    est = ObjectEstimate(1, "mec", 0.0, np.array([1.0, 2.0, 3.0, 4.0]), np.eye(4, dtype=np.int64) * 2, 4.0, 1.8)
    msg = msgs.objects(0, 0, "vehicle", [est])
    assert msg.objects[0].state_covariance.dtype == np.float64
    back = _round_trip(msgs, msg, T_OBJECT_LIST)
    assert list(back.objects[0].state_covariance) == [2.0, 0, 0, 0, 0, 2.0, 0, 0, 0, 0, 2.0, 0, 0, 0, 0, 2.0]


def test_estimates_are_float_arrays_whatever_the_message_holds(msgs):
    msg = msgs.objects(0, 0, "vehicle", [_estimate()])
    obj = msg.objects[0]
    obj.pose.position.x, obj.pose.position.y, obj.twist.linear.x, obj.twist.linear.y = 10, -2, 3, 4  # integers
    obj.state_covariance = np.arange(16)  # an integer array
    (est,) = estimates_from_msg(msg)
    assert est.state.dtype == np.float64 and est.covariance.dtype == np.float64
    assert est.state.tolist() == [10.0, -2.0, 3.0, 4.0] and est.covariance[3, 1] == 13.0  # row-major


def test_v2x_frame_metadata_wraps_the_sequence_number(msgs):
    frame = encode_frame(V2XFrame(MessageType.SPEED_PLAN, "mec/rsu1", 2**32 + 5, 3_000_000_001, b"plan"))
    back = _round_trip(msgs, msgs.v2x_frame(3_500_000_000, frame), T_V2X)
    assert (back.message_type, back.source_id, back.sequence_number) == (6, "mec/rsu1", 5)
    assert stamp_ns(back.generation_stamp) == 3_000_000_001 and stamp_ns(back.header.stamp) == 3_500_000_000
    assert back.header.frame_id == "map" and frame_bytes(back) == frame
    top = encode_frame(V2XFrame(MessageType.BSM, "ego", 2**32 - 1, 0, b""))
    assert msgs.v2x_frame(0, top).sequence_number == 2**32 - 1


def test_a_corrupted_frame_is_carried_with_zero_metadata(msgs):
    frame = encode_frame(V2XFrame(MessageType.RSM, "mec", 41, 2_100_000_000, b"abc"))
    broken = frame[:-1] + bytes([frame[-1] ^ 0xFF])  # checksum no longer matches
    back = _round_trip(msgs, msgs.v2x_frame(5, broken), T_V2X)
    assert (back.message_type, back.source_id, back.sequence_number) == (0, "", 0)
    assert stamp_ns(back.generation_stamp) == 0 and frame_bytes(back) == broken


def test_step_status_lists_topics_sorted_with_their_counts(msgs):
    msg = msgs.step_status(1_000_000_000, "/mec/mec_perception", {"/mec/v2x_out": 2, "/mec/objects": 1})
    back = _round_trip(msgs, msg, T_STEP)
    assert back.node == "/mec/mec_perception" and stamp_ns(back.header.stamp) == 1_000_000_000
    assert list(back.topics) == ["/mec/objects", "/mec/v2x_out"] and list(back.counts) == [1, 2]
    assert back.final is False
    assert msgs.step_status(0, "n", {}, final=True).final is True


def test_speed_command_is_linear_x_in_the_vehicle_frame(msgs):
    back = _round_trip(msgs, msgs.speed_command(1_100_000_000, 8.25), T_TWIST_STAMPED)
    assert back.header.frame_id == "base_link" and stamp_ns(back.header.stamp) == 1_100_000_000
    assert (back.twist.linear.x, back.twist.linear.y, back.twist.angular.z) == (8.25, 0.0, 0.0)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.floats(min_value=-1e6, max_value=1e6),
    st.floats(min_value=-1e6, max_value=1e6),
)
def test_odometry_and_speed_commands_are_exact(msgs, time_ns, speed, x, y):
    ego = ActorState("ego", x, y, 0.0, speed, 0.0, 4.6, 1.8)
    assert odometry_from_msg(_round_trip(msgs, msgs.odometry(time_ns, ego), T_ODOM)) == (time_ns / 1e9, x, y, speed)
    assert _round_trip(msgs, msgs.speed_command(time_ns, speed), T_TWIST_STAMPED).twist.linear.x == speed
