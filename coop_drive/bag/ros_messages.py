"""Domain objects <-> ROS messages, built as ``rosbags`` message objects and serialised to CDR.

Both runtimes use these converters: the in-process runtime writes the CDR straight into the bag, the
ROS 2 nodes publish the same CDR bytes through rclpy (``Publisher.publish`` takes serialized bytes) and
read subscriptions raw. So a message is byte-identical in both runtimes and in the bag (rosbags writes
zero alignment padding; rclpy's own serialiser leaves it uninitialised).

Topics and types of a coop_drive run (names relative to the root namespace):

============================  ==============================  =============================================
topic                         type                            content
============================  ==============================  =============================================
/clock                        rosgraph_msgs/msg/Clock         simulation time, once per world step
/run/config                   std_msgs/msg/String             JSON: scenario file, split, seed, link (once)
/run/route                    nav_msgs/msg/Path               the ego's route polyline (once)
/ground_truth/objects         coop_drive_msgs/msg/ObjectList  every actor (source_id = actor id), per step
/vehicle/odom                 nav_msgs/msg/Odometry           the ego's localisation, per step
/vehicle/detections           coop_drive_msgs/msg/SensorScan  one onboard sensor scan
/mec/detections               coop_drive_msgs/msg/SensorScan  one roadside sensor scan
/mec/objects                  coop_drive_msgs/msg/ObjectList  the MEC's confirmed tracks, per publication
/mec/v2x_out                  coop_drive_msgs/msg/V2XFrame    frames handed to the link (sender side)
/vehicle/v2x_in               coop_drive_msgs/msg/V2XFrame    frames the link delivered (receiver side)
/vehicle/v2x_out              coop_drive_msgs/msg/V2XFrame    uplink frames (BSMs, trip registration) handed to the link
/mec/v2x_in                   coop_drive_msgs/msg/V2XFrame    uplink frames the link delivered to the MEC
/vehicle/objects              coop_drive_msgs/msg/ObjectList  the vehicle's fused world model, per cycle
/vehicle/speed_command        geometry_msgs/msg/TwistStamped  linear.x: commanded speed [m/s];
                                                              angular.z unused; per planning cycle
============================  ==============================  =============================================

Detections travel as SensorScan/Measurement (z, R, kind and sensor position exactly as the tracker uses them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coop_drive.geometry import Polyline
from coop_drive.perception.measurement import MEASUREMENT_DIM, MeasurementKind
from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.sensors.object_sensor import Detection
from coop_drive.units import NS_PER_S, ns_to_s
from coop_drive.v2x.frame import V2XDecodeError, decode_frame
from coop_drive.world.backend import ActorState

T_CLOCK = "rosgraph_msgs/msg/Clock"
T_STRING = "std_msgs/msg/String"
T_PATH = "nav_msgs/msg/Path"
T_ODOM = "nav_msgs/msg/Odometry"
T_TWIST_STAMPED = "geometry_msgs/msg/TwistStamped"
T_OBJECT_LIST = "coop_drive_msgs/msg/ObjectList"
T_V2X = "coop_drive_msgs/msg/V2XFrame"
T_STEP = "coop_drive_msgs/msg/StepStatus"
T_SCAN = "coop_drive_msgs/msg/SensorScan"
T_MARKERS = "visualization_msgs/msg/MarkerArray"
T_IMU = "sensor_msgs/msg/Imu"

MAP_FRAME = "map"
BASE_FRAME = "base_link"


class DetectionCodecError(ValueError):
    """A detection cannot be carried as a DetectedObject (or a message is not a detection)."""


class MessageFactory:
    """Builds and reads coop_drive's messages with one ``rosbags`` type store."""

    def __init__(self, typestore: Any) -> None:
        self.typestore = typestore
        self._t = typestore.types

    # --- serialisation -------------------------------------------------------------------------
    def serialize(self, msg: Any) -> bytes:
        return bytes(self.typestore.serialize_cdr(msg, msg.__msgtype__))

    def deserialize(self, data: bytes | memoryview, msgtype: str) -> Any:
        return self.typestore.deserialize_cdr(bytes(data), msgtype)

    # --- small pieces -------------------------------------------------------------------------
    def time(self, time_ns: int) -> Any:
        sec, nanosec = divmod(int(time_ns), NS_PER_S)
        return self._t["builtin_interfaces/msg/Time"](sec=sec, nanosec=nanosec)

    def header(self, time_ns: int, frame_id: str = MAP_FRAME) -> Any:
        return self._t["std_msgs/msg/Header"](stamp=self.time(time_ns), frame_id=frame_id)

    def _pose(self, x_m: float, y_m: float, yaw_rad: float = 0.0) -> Any:
        point = self._t["geometry_msgs/msg/Point"](x=float(x_m), y=float(y_m), z=0.0)
        q = self._t["geometry_msgs/msg/Quaternion"](x=0.0, y=0.0, z=float(np.sin(yaw_rad / 2.0)),
                                                     w=float(np.cos(yaw_rad / 2.0)))
        return self._t["geometry_msgs/msg/Pose"](position=point, orientation=q)

    def _vector(self, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> Any:
        return self._t["geometry_msgs/msg/Vector3"](x=float(x), y=float(y), z=float(z))

    def _twist(self, vx: float = 0.0, vy: float = 0.0, wz: float = 0.0) -> Any:
        return self._t["geometry_msgs/msg/Twist"](linear=self._vector(vx, vy), angular=self._vector(0.0, 0.0, wz))

    def _object(self, object_id: int, source_id: str, generation_ns: int, x_m: float, y_m: float, yaw_rad: float,
                vx_mps: float, vy_mps: float, length_m: float, width_m: float, covariance: np.ndarray,
                existence: float = 1.0, classification: int = int(ObjectClass.CAR)) -> Any:
        return self._t["coop_drive_msgs/msg/DetectedObject"](
            object_id=int(object_id),
            classification=self._t["coop_drive_msgs/msg/ObjectClassification"](value=classification),
            classification_probability=1.0,
            pose=self._pose(x_m, y_m, yaw_rad), twist=self._twist(vx_mps, vy_mps),
            dimensions=self._vector(length_m, width_m, 1.5),
            state_covariance=np.asarray(covariance, dtype=np.float64).reshape(16).copy(),
            existence_probability=float(existence), generation_stamp=self.time(generation_ns),
            source_id=source_id,
        )

    def _object_list(self, stamp_ns: int, generation_ns: int, source_id: str, objects: list[Any]) -> Any:
        return self._t[T_OBJECT_LIST](header=self.header(stamp_ns), source_id=source_id,
                                      generation_stamp=self.time(generation_ns), objects=objects)

    # --- builders -----------------------------------------------------------------------------
    def clock(self, time_ns: int) -> Any:
        return self._t[T_CLOCK](clock=self.time(time_ns))

    def string(self, text: str) -> Any:
        return self._t[T_STRING](data=text)

    def route(self, time_ns: int, route: Polyline) -> Any:
        poses = [self._t["geometry_msgs/msg/PoseStamped"](header=self.header(time_ns), pose=self._pose(x, y))
                 for x, y in np.asarray(route.points_xy_m)]
        return self._t[T_PATH](header=self.header(time_ns), poses=poses)

    def ground_truth(self, time_ns: int, states: Mapping[str, ActorState]) -> Any:
        objects = [self._object(i, aid, time_ns, s.x_m, s.y_m, s.yaw_rad, s.vx_mps, s.vy_mps, s.length_m,
                                s.width_m, np.zeros((4, 4)))
                   for i, (aid, s) in enumerate(sorted(states.items()))]
        return self._object_list(time_ns, time_ns, "ground_truth", objects)

    def markers(self, time_ns: int, states: Mapping[str, ActorState], ego_id: str) -> Any:
        """A live view: one box per actor (the ego blue, others grey), replacing the previous view."""
        t = self._t
        marker_cls = t["visualization_msgs/msg/Marker"]

        def one(i: int, aid: str, s: ActorState) -> Any:
            rgba = (0.1, 0.4, 1.0, 0.9) if aid == ego_id else (0.6, 0.6, 0.6, 0.9)
            color = t["std_msgs/msg/ColorRGBA"](r=rgba[0], g=rgba[1], b=rgba[2], a=rgba[3])
            return marker_cls(
                header=self.header(time_ns), ns="actors", id=i, type=marker_cls.CUBE, action=marker_cls.ADD,
                pose=self._pose(s.x_m, s.y_m, s.yaw_rad), scale=self._vector(s.length_m, s.width_m, 1.5),
                color=color, lifetime=t["builtin_interfaces/msg/Duration"](sec=0, nanosec=0), frame_locked=False,
                points=[], colors=[], texture_resource="",
                texture=t["sensor_msgs/msg/CompressedImage"](header=self.header(0, ""), format="",
                                                             data=np.zeros(0, dtype=np.uint8)),
                uv_coordinates=[], text=aid, mesh_resource="",
                mesh_file=t["visualization_msgs/msg/MeshFile"](filename="", data=np.zeros(0, dtype=np.uint8)),
                mesh_use_embedded_materials=False)

        clear = marker_cls(**{**one(0, "", next(iter(states.values()))).__dict__, "action": marker_cls.DELETEALL}) \
            if states else None
        items = [one(i, aid, s) for i, (aid, s) in enumerate(sorted(states.items()))]
        return t[T_MARKERS](markers=([clear] if clear is not None else []) + items)

    def odometry(self, time_ns: int, ego: ActorState) -> Any:
        t = self._t
        pose = t["geometry_msgs/msg/PoseWithCovariance"](pose=self._pose(ego.x_m, ego.y_m, ego.yaw_rad),
                                                         covariance=np.zeros(36))
        twist = t["geometry_msgs/msg/TwistWithCovariance"](twist=self._twist(ego.speed_mps), covariance=np.zeros(36))
        return t[T_ODOM](header=self.header(time_ns), child_frame_id=BASE_FRAME, pose=pose, twist=twist)

    def imu(self, time_ns: int, ego: ActorState) -> Any:
        """The ego's heading (orientation) and longitudinal acceleration (linear_acceleration.x)."""
        t = self._t
        zeros = np.zeros(9)
        orientation = self._pose(0.0, 0.0, ego.yaw_rad).orientation
        return t[T_IMU](header=self.header(time_ns, BASE_FRAME), orientation=orientation,
                        orientation_covariance=zeros.copy(), angular_velocity=self._vector(),
                        angular_velocity_covariance=zeros.copy(), linear_acceleration=self._vector(ego.accel_mps2),
                        linear_acceleration_covariance=zeros.copy())

    def detections(self, time_ns: int, sensor_id: str, detections: Sequence[Detection],
                   scan_ns: int | None = None) -> Any:
        """A SensorScan: every measurement exactly (z, R, kind, sensor position, size)."""
        meas = self._t["coop_drive_msgs/msg/Measurement"]
        items = [meas(kind=int(d.kind), z=np.asarray(d.z, dtype=np.float64).copy(),
                      covariance=np.asarray(d.r, dtype=np.float64).reshape(-1).copy(),
                      sensor_x_m=float(d.sensor_xy_m[0]), sensor_y_m=float(d.sensor_xy_m[1]),
                      length_m=float(d.length_m), width_m=float(d.width_m)) for d in detections]
        scan_time = self.time(time_ns if scan_ns is None else scan_ns)
        return self._t[T_SCAN](header=self.header(time_ns), scan_time=scan_time, sensor_id=sensor_id,
                               measurements=items)

    def objects(self, time_ns: int, generation_ns: int, source_id: str, estimates: Sequence[ObjectEstimate]) -> Any:
        return self._object_list(time_ns, generation_ns, source_id, [
            self._object(e.object_id, e.source_id, round(e.stamp_s * NS_PER_S), float(e.state[0]), float(e.state[1]),
                         float(np.arctan2(e.state[3], e.state[2])), float(e.state[2]), float(e.state[3]), e.length_m,
                         e.width_m, e.covariance, e.existence_probability, int(e.classification))
            for e in estimates])

    def v2x_frame(self, send_ns: int, frame: bytes) -> Any:
        """A V2XFrame message; payload holds the whole encoded frame (envelope + CRC), metadata decoded from it."""
        message_type, source_id, sequence, generation_ns = 0, "", 0, 0
        try:
            decoded = decode_frame(frame)
            message_type, source_id = int(decoded.message_type), decoded.source_id
            sequence, generation_ns = decoded.sequence_number, decoded.generation_time_ns
        except V2XDecodeError:
            pass  # a corrupted frame is carried as it is; the receiver rejects it
        return self._t[T_V2X](header=self.header(send_ns), message_type=message_type, source_id=source_id,
                              sequence_number=sequence % 2**32, generation_stamp=self.time(generation_ns),
                              payload=np.frombuffer(frame, dtype=np.uint8).copy())

    def speed_command(self, time_ns: int, speed_mps: float) -> Any:
        return self._t[T_TWIST_STAMPED](header=self.header(time_ns, BASE_FRAME), twist=self._twist(speed_mps))

    def step_status(self, time_ns: int, node: str, counts: Mapping[str, int], final: bool = False) -> Any:
        topics = sorted(counts)
        return self._t[T_STEP](header=self.header(time_ns), node=node, topics=topics,
                               counts=np.array([counts[k] for k in topics], dtype=np.uint32), final=final)


# --- readers (message -> domain) --------------------------------------------------------------
def stamp_ns(time_msg: Any) -> int:
    return int(time_msg.sec) * NS_PER_S + int(time_msg.nanosec)


def detections_from_msg(msg: Any) -> tuple[str, float, list[Detection]]:
    """(sensor id, scan time [s], detections) of a SensorScan. length/width are float32 on the wire."""
    time_s = ns_to_s(stamp_ns(msg.header.stamp))
    out = []
    for m in msg.measurements:
        kind = MeasurementKind(int(m.kind))
        dim = MEASUREMENT_DIM[kind]
        z = np.asarray(m.z, dtype=float)
        r = np.asarray(m.covariance, dtype=float)
        if z.shape != (dim,) or r.shape != (dim * dim,):
            raise DetectionCodecError(f"sensor {msg.sensor_id}: {kind.name} needs {dim} values and {dim * dim} "
                                      f"covariance entries, got {z.shape[0]} and {r.shape[0]}")
        out.append(Detection(time_s, msg.sensor_id, kind, z.copy(), r.reshape(dim, dim).copy(),
                             (float(m.sensor_x_m), float(m.sensor_y_m)), float(m.length_m), float(m.width_m), ""))
    return msg.sensor_id, time_s, out


def scan_time_ns(msg: Any) -> int:
    """When a SensorScan's sensor fired [ns]."""
    return stamp_ns(msg.scan_time)


def odometry_from_msg(msg: Any) -> tuple[float, float, float, float]:
    """(time [s], x [m], y [m], speed [m/s]) of the ego."""
    return (ns_to_s(stamp_ns(msg.header.stamp)), float(msg.pose.pose.position.x), float(msg.pose.pose.position.y),
            float(msg.twist.twist.linear.x))


def imu_from_msg(msg: Any) -> tuple[float, float]:
    """(yaw [rad], longitudinal acceleration [m/s^2]) of an Imu message."""
    q = msg.orientation
    return 2.0 * float(np.arctan2(q.z, q.w)), float(msg.linear_acceleration.x)


def estimates_from_msg(msg: Any) -> list[ObjectEstimate]:
    """The object estimates of an ObjectList (positions, velocities, sizes and covariances exact)."""
    return [ObjectEstimate(int(o.object_id), str(o.source_id), ns_to_s(stamp_ns(o.generation_stamp)),
                           np.array([o.pose.position.x, o.pose.position.y, o.twist.linear.x, o.twist.linear.y],
                                    dtype=float),
                           np.asarray(o.state_covariance, dtype=float).reshape(4, 4).copy(), float(o.dimensions.x),
                           float(o.dimensions.y), float(o.existence_probability),
                           ObjectClass(int(o.classification.value)))
            for o in msg.objects]


def frame_bytes(msg: Any) -> bytes:
    return bytes(np.asarray(msg.payload, dtype=np.uint8).tobytes())


def route_from_msg(msg: Any) -> Polyline:
    return Polyline(np.array([[p.pose.position.x, p.pose.position.y] for p in msg.poses], dtype=float))


def object_rows(msg: Any) -> list[tuple[int, str, float, float, float, float]]:
    """(object id, source, x, y, vx, vy) of each object of an ObjectList, for comparisons."""
    return [(int(o.object_id), str(o.source_id), float(o.pose.position.x), float(o.pose.position.y),
             float(o.twist.linear.x), float(o.twist.linear.y)) for o in msg.objects]
