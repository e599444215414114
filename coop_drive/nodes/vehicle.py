"""The vehicle (namespace /vehicle): onboard tracking, V2X reception, fusion and longitudinal planning.

Inputs: ``odom`` (Odometry, the ego's localisation), ``imu`` (Imu: heading and acceleration, for the BSM),
``detections`` (SensorScan), ``v2x_in`` (V2XFrame, best effort). Outputs per step: ``objects`` (ObjectList,
the fused world model) and ``speed_command`` (TwistStamped, linear.x = commanded speed [m/s]); in the splits
with V2X, ``v2x_out`` (V2XFrame, best effort): a BSM every 0.1 s, as in-process. The route comes from
``/run/route``; with ``map: mec`` the car has no map and drives on the MAP messages it receives.

One node, not a perception node and a planner node: VehicleCore fuses inside ``plan`` (the picture it plans
on is fused there, from the tracker and the received lists it holds), so the two halves share its state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.messages import (
    T_IMU,
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_SCAN,
    T_TWIST_STAMPED,
    T_V2X,
    detections_from_msg,
    frame_bytes,
    imu_from_msg,
    odometry_from_msg,
    route_from_msg,
    scan_time_ns,
)
from coop_drive.components.vehicle import VehicleCore
from coop_drive.hdmap.map_client import MapClient
from coop_drive.hdmap.service import roads_from_sumo_edges
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import VEHICLE, needs_mec_map, upstream_of
from coop_drive.perception.fusion import FusionConfig
from coop_drive.runtime.inprocess import BSM_PERIOD_S
from coop_drive.units import ns_to_s, s_to_ns


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
        self.t_imu = self.add_input("imu", T_IMU)
        self.t_v2x = self.add_input("v2x_in", T_V2X, best_effort=True)
        self.t_objects = self.add_output("objects", T_OBJECT_LIST)
        self.t_cmd = self.add_output("speed_command", T_TWIST_STAMPED)
        self.t_uplink = self.add_output("v2x_out", T_V2X, best_effort=True)
        self.step_ns, self.bsm_period_ns = s_to_ns(sc.step_s), s_to_ns(BSM_PERIOD_S)
        self.next_bsm_ns: int | None = None
        self.begin(upstream_of(VEHICLE, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        sc = self.scenario
        for data in messages[self.t_route]:
            map_from_mec = needs_mec_map(sc)
            route = None if map_from_mec else route_from_msg(self.msgs.deserialize(data, T_PATH))
            self.core = VehicleCore(sc.ego, route, self.fusion, uses_v2x=sc.split.uses_v2x, seed=sc.seed,
                                    start_s=ns_to_s(stamp), follow_plans=sc.split.plans_remotely,
                                    max_plan_age_s=sc.max_plan_age_s, cycle_s=sc.step_s)
            if map_from_mec:  # no onboard map: the route path comes from the MEC's MAP messages
                self.core.map_client = MapClient(roads_from_sumo_edges(sc.ego.route))
        core = self.core
        if core is None:
            raise RuntimeError("no route received before the first step")
        own: tuple[float, float, float, float] | None = None
        for data in messages[self.t_odom]:
            own = odometry_from_msg(self.msgs.deserialize(data, T_ODOM))
            core.on_own_pose(own[0], own[1], own[2])
        if sc.split.uses_v2x:
            self._send_bsms(stamp, own, messages[self.t_imu])
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

    def _send_bsms(self, stamp: int, own: tuple[float, float, float, float] | None, imu: list[bytes]) -> None:
        """BSMs due in [t, t + step), from the ego's state at t (the in-process runtime sends them before the
        MEC's publications and the vehicle's plan; they depend on neither)."""
        if self.next_bsm_ns is None:
            self.next_bsm_ns = stamp
        core = self.core
        while self.next_bsm_ns < stamp + self.step_ns:
            if own is not None and imu and core is not None:
                yaw_rad, accel_mps2 = imu_from_msg(self.msgs.deserialize(imu[-1], T_IMU))
                frame = core.bsm_frame(own[0], own[1], own[2], yaw_rad, own[3], accel_mps2)
                self.publish(self.t_uplink, self.msgs.v2x_frame(self.next_bsm_ns, frame))
            self.next_bsm_ns += self.bsm_period_ns


def main(args: Sequence[str] | None = None) -> int:
    return run_node(Vehicle, args)


if __name__ == "__main__":
    raise SystemExit(main())
