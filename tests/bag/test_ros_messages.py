"""Domain <-> message converters: exact round trips through CDR."""

import numpy as np
import pytest

from coop_drive.bag.ros_messages import (
    T_SCAN,
    T_V2X,
    DetectionCodecError,
    MessageFactory,
    detections_from_msg,
    frame_bytes,
    odometry_from_msg,
    stamp_ns,
)
from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.perception.measurement import MeasurementKind
from coop_drive.sensors.object_sensor import Detection
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.world.backend import ActorState


@pytest.fixture(scope="module")
def msgs() -> MessageFactory:
    return MessageFactory(coop_drive_typestore())


def test_detections_of_every_kind_survive_cdr_exactly(msgs):
    dets = [
        Detection.position_velocity(1.25, "front", 10.1, -3.3, 4.0, 0.5, 0.3, 0.2, length_m=4.5, width_m=2.0),
        Detection(1.25, "front", MeasurementKind.POSITION, np.array([1.0, 2.0]), np.array([[0.5, 0.1], [0.1, 0.4]]),
                  (3.0, 4.0), 4.0, 1.75, "x"),
        Detection(1.25, "front", MeasurementKind.POSITION_RADIAL_SPEED, np.array([1.0, 2.0, -7.5]),
                  np.diag([0.5, 0.4, 0.09]), (-5.0, -5.0), 4.0, 1.75, "y"),
    ]
    data = msgs.serialize(msgs.detections(1_250_000_000, "front", dets))
    sensor, time_s, back = detections_from_msg(msgs.deserialize(data, T_SCAN))
    assert (sensor, time_s) == ("front", 1.25)
    for a, b in zip(dets, back, strict=True):
        assert a.kind is b.kind and a.sensor_xy_m == b.sensor_xy_m
        np.testing.assert_array_equal(a.z, b.z)
        np.testing.assert_array_equal(a.r, b.r)
        assert (a.length_m, a.width_m) == (b.length_m, b.width_m)


def test_malformed_measurement_is_a_clear_error(msgs):
    msg = msgs.detections(0, "front", [Detection.position_velocity(0.0, "front", 1, 2, 3, 4, 0.1, 0.1)])
    msg.measurements[0].z = np.array([1.0, 2.0])
    with pytest.raises(DetectionCodecError, match="front: POSITION_VELOCITY needs 4 values"):
        detections_from_msg(msg)


def test_v2x_frame_carries_the_whole_encoded_frame_and_its_metadata(msgs):
    frame = encode_frame(V2XFrame(MessageType.RSM, "mec", 41, 2_100_000_000, b"\x00\x01abc"))
    back = msgs.deserialize(msgs.serialize(msgs.v2x_frame(2_120_000_000, frame)), T_V2X)
    assert frame_bytes(back) == frame
    assert (back.message_type, back.source_id, back.sequence_number) == (4, "mec", 41)
    assert stamp_ns(back.generation_stamp) == 2_100_000_000 and stamp_ns(back.header.stamp) == 2_120_000_000
    corrupted = msgs.v2x_frame(0, frame[:-1])  # carried as it is, metadata zero
    assert frame_bytes(corrupted) == frame[:-1] and corrupted.message_type == 0


def test_odometry_round_trip(msgs):
    ego = ActorState("ego", 3.5, -40.25, 1.5707963, 12.5, 0.0, 4.6, 1.8)
    back = msgs.deserialize(msgs.serialize(msgs.odometry(7_000_000_000, ego)), "nav_msgs/msg/Odometry")
    assert odometry_from_msg(back) == (7.0, 3.5, -40.25, 12.5)
    assert back.header.frame_id == "map" and back.child_frame_id == "base_link"


def test_rclpy_reads_our_cdr_and_writes_the_same_bytes(msgs):
    """What the nodes publish as serialized bytes is an ordinary message to any rclpy subscriber."""
    from rclpy.serialization import deserialize_message, serialize_message
    from visualization_msgs.msg import MarkerArray

    from coop_drive_msgs.msg import SensorScan

    det = Detection.position_velocity(2.0, "front", 1.5, 2.5, 3.0, 4.0, 0.3, 0.2)
    data = msgs.serialize(msgs.detections(2_000_000_000, "front", [det], 2_010_000_000))
    scan = deserialize_message(data, SensorScan)
    assert scan.sensor_id == "front" and scan.scan_time.nanosec == 10_000_000 and list(scan.measurements[0].z) == [
        1.5, 2.5, 3.0, 4.0]
    assert len(serialize_message(scan)) == len(data)
    states = {"ego": ActorState("ego", 1.0, 2.0, 0.5, 5.0, 0.0, 4.6, 1.8)}
    view = deserialize_message(msgs.serialize(msgs.markers(0, states, "ego")), MarkerArray)
    assert [m.text for m in view.markers] == ["", "ego"] and view.markers[1].scale.x == 4.6
