"""The MEC planner (namespace /mec; edge-planning and cloud-planning splits): trip registrations and BSMs in,
speed plans out.

Inputs: ``/run/signal_plans`` (signalised maps: the controllers' fixed-time plans, SignalPlans), ``tracks``
(ObjectList: the MEC perception's tracks at each planning instant) and ``v2x_in`` (V2XFrame, best effort: the
uplink's deliveries, the vehicle's trip registration and BSMs). Output: ``v2x_out`` (V2XFrame, best effort): a
SpeedPlan frame every planning period once a trip registration and a BSM of its vehicle have arrived. It knows
the vehicle only from those frames (not from ``/run/route`` or the scenario's ego).

The uplink relay reports step t after the vehicle's step t; what it delivered before t + step is this node's
input to step t + step (a lagged upstream), which is what the in-process planner at t + step has received.

On a signalised map the planner plans on the MEC's own SPaT (as in-process): the same SPaT the SPaT service
sends, computed here from the same signal plans at the same 10 Hz instants, taken in the step's order
(``harness.order.TaskOrder``: at an instant with both, the plan comes first and uses the SPaT before it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coop_drive.bag.ros_messages import (
    T_OBJECT_LIST,
    T_V2X,
    estimates_from_msg,
    frame_bytes,
    stamp_ns,
)
from coop_drive.bag.signal_messages import T_SIGNAL_PLANS, plans_from_msg
from coop_drive.cores.offboard_planning import MecPlanner, mec_planner_for
from coop_drive.cores.roadside_perception import MecCore
from coop_drive.cores.spat_service import SpatService
from coop_drive.harness.order import PLAN_PERIOD_S, SPAT_RATE_HZ, Task, TaskOrder
from coop_drive.hdmap.service import signal_map_service
from coop_drive.nodes.base import InputsPending, SteppedNode, run_node
from coop_drive.nodes.stepping import Periodic
from coop_drive.nodes.topology import PLANNER, lagged_upstream, runs, upstream_of
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.v2x.asn1_codec import encode_speed_plan
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame


class MecPlannerNode(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("mec_planner", **options)
        self.declare_scenario_parameters()
        self.source_id = self.declare_source_id()
        sc = self.scenario = self.load_scenario()
        self.step_ns, self.period_ns = s_to_ns(sc.step_s), s_to_ns(PLAN_PERIOD_S)
        self.core: MecCore | None = None  # with its planner, at the first step; uplink frames go to it
        self.spat: SpatService | None = None  # signalised maps: the MEC's own SPaT, for its planner
        self.spat_instants = Periodic(s_to_ns(1.0 / SPAT_RATE_HZ))
        self.sequence = 0
        self.order: TaskOrder | None = None
        self.t_plans = self.add_input("/run/signal_plans", T_SIGNAL_PLANS)
        self.t_tracks = self.add_input("tracks", T_OBJECT_LIST)
        self.t_uplink = self.add_input("v2x_in", T_V2X, best_effort=True)
        self.t_v2x = self.add_output("v2x_out", T_V2X, best_effort=True)
        if not runs(PLANNER, sc):
            self.get_logger().info(f"split {sc.split.value}: no MEC planner; exiting")
            self.finished = True
            return
        self.map_service = signal_map_service(sc.map_path)  # signalised maps: signal driving and SPaT
        if self.period_ns % self.step_ns:
            self.get_logger().warning(f"planning period {PLAN_PERIOD_S} s is not a multiple of the step "
                                      f"{sc.step_s} s: plans between steps use the BSMs delivered by the step")
        self.begin(upstream_of(PLANNER, sc), lagged_upstream(PLANNER, sc))

    def _start(self, messages: Mapping[str, list[bytes]]) -> MecPlanner:
        """The planner (built at the first step), with the first step's signal plans on a signalised map."""
        if self.core is None:
            self.core = MecCore(self.source_id, mec_planner_for(self.scenario, self.map_service))
        for data in messages[self.t_plans]:
            if self.map_service is not None:
                plans = plans_from_msg(self.msgs.deserialize(data, T_SIGNAL_PLANS))
                self.spat = SpatService(plans, self.map_service.map, self.source_id)
        assert self.core.planner is not None
        if self.map_service is not None and self.spat is None:
            raise InputsPending("no signal plans received before the first step")
        return self.core.planner

    def _take_spat(self, time_s: float, planner: MecPlanner) -> None:
        """The MEC's SPaT at one instant (world time time_s) goes to its planner's signal driving."""
        if self.spat is not None and self.spat.groups and self.scenario.mec_alive(time_s):
            planner.on_spat(self.spat.spat(time_s))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        planner = self._start(messages)
        core = self.core
        assert core is not None
        if self.scenario.mec_alive(ns_to_s(stamp - self.step_ns)):  # fault mec-silent: nothing taken in
            for data in messages[self.t_uplink]:  # delivered in [t - step, t) (the planner's input at t)
                core.on_uplink(frame_bytes(self.msgs.deserialize(data, T_V2X)))
        time_s = ns_to_s(stamp)
        order = self.order = self.order or TaskOrder(self.scenario, stamp)
        # the SPaT instants and the planning instants (one tracks message each) in [t, t + step), in the step's order
        events: list[tuple[tuple[int, int, int, int], Any]] = [
            (order.key(Task.SPAT, ns), None) for ns in self.spat_instants.due_before(stamp + self.step_ns, stamp)]
        for data in messages[self.t_tracks]:
            tracks = self.msgs.deserialize(data, T_OBJECT_LIST)
            events.append((order.key(Task.SPEED_PLAN, stamp_ns(tracks.header.stamp)), tracks))
        for _, tracks in sorted(events, key=lambda event: event[0]):
            if tracks is None:
                self._take_spat(time_s, planner)
            else:
                self._plan(stamp_ns(tracks.header.stamp), time_s, planner, estimates_from_msg(tracks))
        self.report_step(stamp)

    def _plan(self, send_ns: int, time_s: float, planner: MecPlanner, tracks: list[ObjectEstimate]) -> None:
        plan = planner.plan(time_s, tracks)
        if plan is not None:
            frame = V2XFrame(MessageType.SPEED_PLAN, self.source_id, self.sequence, s_to_ns(time_s),
                             encode_speed_plan(plan))
            self.sequence += 1
            self.publish(self.t_v2x, self.msgs.v2x_frame(send_ns, encode_frame(frame)))


def main(args: Sequence[str] | None = None) -> int:
    return run_node(MecPlannerNode, args)


if __name__ == "__main__":
    raise SystemExit(main())
