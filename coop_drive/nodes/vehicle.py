"""The vehicle (namespace /vehicle): onboard tracking, V2X reception, fusion and longitudinal planning.

Inputs: ``odom`` (Odometry, the ego's localisation), ``detections`` (SensorScan), ``v2x_in`` (V2XFrame, best
effort). Outputs per step: ``objects`` (ObjectList, the fused world model) and ``speed_command``
(TwistStamped, linear.x = commanded speed [m/s]). The route comes from ``/run/route``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.messages import (
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_SCAN,
    T_TWIST_STAMPED,
    T_V2X,
    detections_from_msg,
    frame_bytes,
    odometry_from_msg,
    route_from_msg,
    scan_time_ns,
)
from coop_drive.components.vehicle import VehicleCore
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import VEHICLE, upstream_of
from coop_drive.perception.fusion import FusionConfig
from coop_drive.units import ns_to_s


class Vehicle(SteppedNode):
    def __init__(self) -> None:
        super().__init__("vehicle")
        self.declare_scenario_parameters()
        self.declare_parameter("max_v2x_age_s", -1.0, ParameterDescriptor(
            description="received objects older than this [s] are ignored; < 0: the scenario's"))
        self.declare_parameter("latency_compensation", True, ParameterDescriptor(
            description="predict received objects from their generation time to now"))
        sc = self.scenario = self.load_scenario()
        age_s = float(self.get_parameter("max_v2x_age_s").value)
        self.fusion = FusionConfig(max_age_s=age_s if age_s >= 0 else sc.max_v2x_age_s,
                                   compensate_latency=bool(self.get_parameter("latency_compensation").value)
                                   and sc.latency_compensation)
        self.core: VehicleCore | None = None
        self._later: list[Any] = []
        self.t_route = self.add_input("/run/route", T_PATH)
        self.t_odom = self.add_input("odom", T_ODOM)
        self.t_detections = self.add_input("detections", T_SCAN)
        self.t_v2x = self.add_input("v2x_in", T_V2X, best_effort=True)
        self.t_objects = self.add_output("objects", T_OBJECT_LIST)
        self.t_cmd = self.add_output("speed_command", T_TWIST_STAMPED)
        self.begin(upstream_of(VEHICLE, sc.split))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        for data in messages[self.t_route]:
            sc = self.scenario
            self.core = VehicleCore(sc.ego, route_from_msg(self.msgs.deserialize(data, T_PATH)), self.fusion,
                                    uses_v2x=sc.split.uses_v2x, seed=sc.seed, start_s=ns_to_s(stamp),
                                    follow_plans=sc.split.plans_remotely, max_plan_age_s=sc.max_plan_age_s,
                                    cycle_s=sc.step_s)
        core = self.core
        if core is None:
            raise RuntimeError("no route received before the first step")
        own: tuple[float, float, float, float] | None = None
        for data in messages[self.t_odom]:
            own = odometry_from_msg(self.msgs.deserialize(data, T_ODOM))
            core.on_own_pose(own[0], own[1], own[2])
        # Scans fired after t (a sensor not synchronised with the step) are used after this step's plan.
        scans, self._later = self._later, []
        for data in messages[self.t_detections]:
            scan = self.msgs.deserialize(data, T_SCAN)
            (scans if scan_time_ns(scan) <= stamp else self._later).append(scan)
        for scan in scans:
            _, scan_time_s, detections = detections_from_msg(scan)
            core.on_detections(scan_time_s, detections)
        for data in messages[self.t_v2x]:
            core.on_v2x(frame_bytes(self.msgs.deserialize(data, T_V2X)))
        time_s = ns_to_s(stamp)
        if own is not None:
            decision = core.plan(time_s, own[1], own[2], own[3])
            speed_mps = own[3] + decision.accel_mps2 * self.scenario.step_s
            self.publish(self.t_objects, self.msgs.objects(stamp, stamp, "vehicle", core.world_model(time_s)))
            self.publish(self.t_cmd, self.msgs.speed_command(stamp, speed_mps))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(Vehicle, args)


if __name__ == "__main__":
    raise SystemExit(main())
