"""The vehicle's perception (namespace /vehicle, node ``perception``): onboard tracking, received object lists,
self-recognition and fusion (VehiclePerceptionCore).

Inputs: ``odom`` (Odometry: the ego's localisation, for recognising itself in received lists), ``detections``
(SensorScan), ``v2x_in`` (V2XFrame, best effort; object lists are used, the other frames are the planner's).
Outputs per step (once the ego's odometry has arrived): ``objects`` (ObjectList, the fused picture) and ``tracks``
(ObjectList, the onboard tracker's own tracks); ``received`` (ObjectList) at a step where a newer object list
was received: that list without the ego, its generation_stamp the list's generation time; ``~/status``
(ReceptionStatus, every step): the reception counts (frames received, rejected, out of order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.ros_messages import (
    T_OBJECT_LIST,
    T_ODOM,
    T_SCAN,
    T_V2X,
    detections_from_msg,
    frame_bytes,
    odometry_from_msg,
    scan_time_ns,
)
from coop_drive.bag.signal_messages import T_RECEPTION_STATUS, reception_status
from coop_drive.cores.onboard_perception import VehiclePerceptionCore
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import VEHICLE_PERCEPTION, upstream_of
from coop_drive.perception.fusion import FusionConfig
from coop_drive.units import ns_to_s


def declare_fusion_parameters(node: SteppedNode) -> FusionConfig:
    """The vehicle's fusion parameters (both vehicle nodes: the planner's supervisor uses the age limit)."""
    node.declare_parameter("max_v2x_age_s", -1.0, ParameterDescriptor(
        description="received objects older than this [s] are ignored; < 0: the scenario's"))
    node.declare_parameter("latency_compensation", True, ParameterDescriptor(
        description="predict received objects from their generation time to now"))
    sc = node.load_scenario()
    age_s = float(node.get_parameter("max_v2x_age_s").value)
    return FusionConfig(max_age_s=age_s if age_s >= 0 else sc.max_v2x_age_s,
                        compensate_latency=bool(node.get_parameter("latency_compensation").value)
                        and sc.latency_compensation)


class VehiclePerception(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("perception", **options)
        self.declare_scenario_parameters()
        self.core = VehiclePerceptionCore(declare_fusion_parameters(self))
        self._later: list[Any] = []
        self._sent_gen_ns: int | None = None
        self._localised = False  # an odometry has arrived: the picture is published at every step
        self.t_odom = self.add_input("odom", T_ODOM)
        self.t_detections = self.add_input("detections", T_SCAN)
        self.t_v2x = self.add_input("v2x_in", T_V2X, best_effort=True)
        self.t_objects = self.add_output("objects", T_OBJECT_LIST)
        self.t_tracks = self.add_output("tracks", T_OBJECT_LIST)
        self.t_received = self.add_output("received", T_OBJECT_LIST)
        self.t_status = self.add_output("~/status", T_RECEPTION_STATUS)  # reception counts, per step
        self.begin(upstream_of(VEHICLE_PERCEPTION, self.load_scenario()))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        core = self.core
        for data in messages[self.t_odom]:
            time_s, x_m, y_m, _ = odometry_from_msg(self.msgs.deserialize(data, T_ODOM))
            core.on_own_pose(time_s, x_m, y_m)
            self._localised = True
        # Scans fired after t (a sensor not synchronised with the step) are used after this step's picture.
        scans, self._later = self._later, []
        for data in messages[self.t_detections]:
            scan = self.msgs.deserialize(data, T_SCAN)
            (scans if scan_time_ns(scan) <= stamp else self._later).append(scan)
        for scan in scans:
            _, scan_time_s, detections = detections_from_msg(scan)
            core.on_detections(scan_time_s, detections)
        for data in messages[self.t_v2x]:
            core.on_v2x(frame_bytes(self.msgs.deserialize(data, T_V2X)))
        gen_ns = core.received_generation_ns
        if gen_ns is not None and gen_ns != self._sent_gen_ns:
            self.publish(self.t_received, self.msgs.objects(stamp, gen_ns, "vehicle", core.received))
            self._sent_gen_ns = gen_ns
        if self._localised:  # from the ego's first odometry on (lockstep: every step brings one)
            picture = core.picture(ns_to_s(stamp))
            self.publish(self.t_objects, self.msgs.objects(stamp, stamp, "vehicle", picture.fused))
            self.publish(self.t_tracks, self.msgs.objects(stamp, stamp, "vehicle", picture.own))
        self.publish(self.t_status, reception_status(self.msgs, stamp, core.stats))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(VehiclePerception, args)


if __name__ == "__main__":
    raise SystemExit(main())
