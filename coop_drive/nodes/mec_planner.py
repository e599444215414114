"""The MEC planner (namespace /mec; edge-planning and cloud-planning splits): BSMs in, speed plans out.

Inputs: ``/run/route`` (the ego's registered route), ``tracks`` (ObjectList: the MEC perception's tracks at
each planning instant) and ``v2x_in`` (V2XFrame, best effort: the uplink's deliveries, BSMs). Output:
``v2x_out`` (V2XFrame, best effort): a SpeedPlan frame every planning period once a BSM has arrived.

The uplink relay reports step t after the vehicle's step t; what it delivered before t + step is this node's
input to step t + step (a lagged upstream), which is what the in-process planner at t + step has received.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.messages import (
    T_OBJECT_LIST,
    T_PATH,
    T_V2X,
    estimates_from_msg,
    frame_bytes,
    route_from_msg,
    stamp_ns,
)
from coop_drive.components.mec import MecCore
from coop_drive.components.mec_planner import MecPlanner
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import PLANNER, lagged_upstream, runs, upstream_of
from coop_drive.runtime.inprocess import PLAN_PERIOD_S
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.v2x.asn1_codec import encode_speed_plan
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame


class MecPlannerNode(SteppedNode):
    def __init__(self) -> None:
        super().__init__("mec_planner")
        self.declare_scenario_parameters()
        self.declare_parameter("source_id", "mec", ParameterDescriptor(description="V2X source id of the frames"))
        sc = self.scenario = self.load_scenario()
        self.source_id = str(self.get_parameter("source_id").value)
        self.step_ns, self.period_ns = s_to_ns(sc.step_s), s_to_ns(PLAN_PERIOD_S)
        self.core: MecCore | None = None  # its planner is built when the route arrives; uplink frames go to it
        self.sequence = 0
        self.t_route = self.add_input("/run/route", T_PATH)
        self.t_tracks = self.add_input("tracks", T_OBJECT_LIST)
        self.t_uplink = self.add_input("v2x_in", T_V2X, best_effort=True)
        self.t_v2x = self.add_output("v2x_out", T_V2X, best_effort=True)
        if not runs(PLANNER, sc):
            self.get_logger().info(f"split {sc.split.value}: no MEC planner; exiting")
            self.finished = True
            return
        if self.period_ns % self.step_ns:
            self.get_logger().warning(f"planning period {PLAN_PERIOD_S} s is not a multiple of the step "
                                      f"{sc.step_s} s: plans between steps use the BSMs delivered by the step")
        self.begin(upstream_of(PLANNER, sc), lagged_upstream(PLANNER, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        for data in messages[self.t_route]:
            route = route_from_msg(self.msgs.deserialize(data, T_PATH))
            self.core = MecCore(self.source_id, MecPlanner(self.scenario.ego, route))
        core = self.core
        if core is None or core.planner is None:
            raise RuntimeError("no route received before the first step")
        if self.scenario.mec_alive(ns_to_s(stamp - self.step_ns)):  # fault mec-silent: nothing taken in
            for data in messages[self.t_uplink]:  # delivered in [t - step, t) (the planner's input at t)
                core.on_uplink(frame_bytes(self.msgs.deserialize(data, T_V2X)))
        time_s = ns_to_s(stamp)
        for data in messages[self.t_tracks]:  # one per planning instant in [t, t + step), in time order
            tracks = self.msgs.deserialize(data, T_OBJECT_LIST)
            send_ns = stamp_ns(tracks.header.stamp)
            plan = core.planner.plan(time_s, estimates_from_msg(tracks))
            if plan is not None:
                frame = V2XFrame(MessageType.SPEED_PLAN, self.source_id, self.sequence, s_to_ns(time_s),
                                 encode_speed_plan(plan))
                self.sequence += 1
                self.publish(self.t_v2x, self.msgs.v2x_frame(send_ns, encode_frame(frame)))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(MecPlannerNode, args)


if __name__ == "__main__":
    raise SystemExit(main())
