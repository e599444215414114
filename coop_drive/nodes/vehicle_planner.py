"""The vehicle's planner and supervisor (namespace /vehicle, node ``planner``): longitudinal planning, the
offloaded plan's follower, the supervisor and the automation level (VehiclePlannerCore).

Inputs: ``/run/route``, ``odom`` (Odometry), ``imu`` (Imu: heading and acceleration, for the BSM), ``v2x_in``
(V2XFrame, best effort: speed plans, MAP and SPaT frames are used, object lists are the perception's),
``signal`` (SignalView, on signalised maps: the camera's view of the next signal), and the
perception node's ``objects`` (the fused picture), ``tracks`` (its own tracks) and ``received`` (the newest
received object list; its generation time feeds the supervisor). Outputs per step: ``speed_command``
(TwistStamped, linear.x = commanded speed [m/s]); in the splits with V2X, ``v2x_out`` (V2XFrame, best effort):
a BSM every 0.1 s and, in the planning splits, the trip registration every 1 s until a speed plan has arrived, as
in-process; ``~/status`` (VehicleStatus, with each command): the vehicle-side metrics
so far and the GLOSA advice in force, for the bridge's metrics.json. With ``map: mec`` the car has no map
and drives on the MAP messages it receives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coop_drive.bag.ros_messages import (
    T_IMU,
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_TWIST_STAMPED,
    T_V2X,
    estimates_from_msg,
    frame_bytes,
    imu_from_msg,
    odometry_from_msg,
    route_from_msg,
    stamp_ns,
)
from coop_drive.bag.signal_messages import T_SIGNAL_VIEW, T_VEHICLE_STATUS, signal_view_from_msg, vehicle_status
from coop_drive.cores.onboard_perception import VehiclePicture
from coop_drive.cores.onboard_planning import VehiclePlannerCore, vehicle_planner_for
from coop_drive.harness.order import Task, TaskOrder, publication_period_ns
from coop_drive.hdmap.service import signal_map_service
from coop_drive.nodes.base import InputsPending, SteppedNode, run_node
from coop_drive.nodes.stepping import Periodic
from coop_drive.nodes.topology import VEHICLE_PLANNER, upstream_of
from coop_drive.nodes.vehicle_perception import declare_fusion_parameters
from coop_drive.units import NS_PER_S, ns_to_s, s_to_ns


@dataclass
class _Latest:
    """The newest of the inputs the planner holds on to: the ego's odometry (time, x, y, speed), its IMU message,
    and the perception's fused picture and own tracks (serialized)."""

    own: tuple[float, float, float, float] | None = None
    imu: bytes | None = None
    fused: bytes | None = None
    tracks: bytes | None = None


class VehiclePlanner(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("planner", **options)
        self.declare_scenario_parameters()
        self.max_v2x_age_s = declare_fusion_parameters(self).max_age_s
        sc = self.scenario = self.load_scenario()
        self.core: VehiclePlannerCore | None = None
        self.received_generation_s: float | None = None
        self.t_route = self.add_input("/run/route", T_PATH)
        self.t_odom = self.add_input("odom", T_ODOM)
        self.t_imu = self.add_input("imu", T_IMU)
        self.t_v2x = self.add_input("v2x_in", T_V2X, best_effort=True)
        self.t_objects = self.add_input("objects", T_OBJECT_LIST)
        self.t_tracks = self.add_input("tracks", T_OBJECT_LIST)
        self.t_received = self.add_input("received", T_OBJECT_LIST)
        self.t_signal = self.add_input("signal", T_SIGNAL_VIEW)  # signalised maps: the camera's next signal
        self.t_cmd = self.add_output("speed_command", T_TWIST_STAMPED)
        self.t_uplink = self.add_output("v2x_out", T_V2X, best_effort=True)
        self.t_status = self.add_output("~/status", T_VEHICLE_STATUS)  # VehiclePlannerCore.status(), per plan
        self.step_ns = s_to_ns(sc.step_s)
        # the car's uplink tasks (trip registration in the planning splits, BSM) and their instants
        tasks = ([Task.TRIP_REGISTRATION] if sc.split.plans_remotely else []) + [Task.BSM]
        self.uplink = {task: Periodic(publication_period_ns(sc, task)) for task in tasks}
        if any(p.period_ns % self.step_ns for p in self.uplink.values()):
            self.get_logger().warning(f"an uplink period is not a multiple of the step {sc.step_s} s: a trip "
                                      "registration between steps does not see the speed plans of its own step")
        self.order: TaskOrder | None = None
        self.latest = _Latest()
        self.map_service = signal_map_service(sc.map_path)  # loaded before the run starts, not in its first step
        self.begin(upstream_of(VEHICLE_PLANNER, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        sc = self.scenario
        for data in messages[self.t_route]:
            route = route_from_msg(self.msgs.deserialize(data, T_PATH))
            self.core = vehicle_planner_for(sc, route, self.max_v2x_age_s, ns_to_s(stamp), self.map_service)
        core = self.core
        if core is None:
            raise InputsPending("no route received before the first step")
        latest = self.latest  # lockstep: this step's; realtime: the newest arrived
        for data in messages[self.t_odom]:
            latest.own = odometry_from_msg(self.msgs.deserialize(data, T_ODOM))
        if messages[self.t_imu]:
            latest.imu = messages[self.t_imu][-1]
        own = latest.own
        deliveries = [self.msgs.deserialize(data, T_V2X) for data in messages[self.t_v2x]]
        for msg in deliveries:  # due before t: the car had them before it sends at t (in-process: earlier instants)
            if stamp_ns(msg.header.stamp) < stamp:
                core.on_v2x(frame_bytes(msg))
        if sc.split.uses_v2x:
            self._send_uplink(stamp, own, latest.imu)
        for data in messages[self.t_signal]:  # the camera sees the signal at t, before the deliveries due at t
            if core.signals is not None:
                core.signals.on_camera(signal_view_from_msg(self.msgs.deserialize(data, T_SIGNAL_VIEW)))
        for msg in deliveries:
            if stamp_ns(msg.header.stamp) >= stamp:
                core.on_v2x(frame_bytes(msg))
        for data in messages[self.t_received]:
            generation_ns = stamp_ns(self.msgs.deserialize(data, T_OBJECT_LIST).generation_stamp)
            self.received_generation_s = generation_ns / NS_PER_S
        if messages[self.t_objects] and messages[self.t_tracks]:
            latest.fused, latest.tracks = messages[self.t_objects][-1], messages[self.t_tracks][-1]
        # a plan at each step that brought the ego's odometry (lockstep: every step; realtime: a tick whose odometry
        # came late plans at the next one, not on a stale speed), on the newest picture
        if messages[self.t_odom] and own is not None and latest.fused is not None and latest.tracks is not None:
            own_tracks = estimates_from_msg(self.msgs.deserialize(latest.tracks, T_OBJECT_LIST))
            picture = VehiclePicture(ns_to_s(stamp), own_tracks,
                                     estimates_from_msg(self.msgs.deserialize(latest.fused, T_OBJECT_LIST)),
                                     self.received_generation_s)
            decision = core.plan(own[1], own[2], own[3], picture)
            self.publish(self.t_cmd, self.msgs.speed_command(stamp, own[3] + decision.accel_mps2 * sc.step_s))
            self.publish(self.t_status, vehicle_status(self.msgs, stamp, core.status()))
        self.report_step(stamp)

    def _send_uplink(self, stamp: int, own: tuple[float, float, float, float] | None, imu: bytes | None) -> None:
        """The car's frames due in [t, t + step) — trip registrations (planning splits) and BSMs — from its state
        at t, in the step's order (``harness.order.TaskOrder``). In-process they go before the MEC's publications
        and the vehicle's plan, which they depend on neither, and a registration sees the speed plans delivered
        before its instant."""
        order = self.order = self.order or TaskOrder(self.scenario, stamp)
        due = sorted(((order.key(task, ns), task, ns) for task, instants in self.uplink.items()
                      for ns in instants.due_before(stamp + self.step_ns, stamp)), key=lambda d: d[0])
        core = self.core
        if own is None or imu is None or core is None:
            return
        yaw_rad, accel_mps2 = imu_from_msg(self.msgs.deserialize(imu, T_IMU))
        for _, task, send_ns in due:
            if task is Task.BSM:
                frame: bytes | None = core.bsm_frame(own[0], own[1], own[2], yaw_rad, own[3], accel_mps2)
            else:
                frame = core.trip_registration_frame(own[0])
            if frame is not None:  # a registration after a speed plan has arrived: none
                self.publish(self.t_uplink, self.msgs.v2x_frame(send_ns, frame))


def main(args: Sequence[str] | None = None) -> int:
    return run_node(VehiclePlanner, args)


if __name__ == "__main__":
    raise SystemExit(main())
