"""The MEC's SPaT service (namespace /mec; V2X splits on signalised maps): SPAT messages down the link.

Input: ``/run/signal_plans`` (SignalPlans: the controllers' fixed-time plans, from the bridge at the first
step). Output: ``v2x_out`` (V2XFrame, best effort): a SPAT frame (SpatService) every 0.1 s on simulation time,
generated at the world time of its step, as in-process; nothing from a ``mec-silent`` fault on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coop_drive.bag.ros_messages import T_V2X
from coop_drive.bag.signal_messages import T_SIGNAL_PLANS, plans_from_msg
from coop_drive.cores.spat_service import SpatService
from coop_drive.harness.order import SPAT_RATE_HZ
from coop_drive.hdmap.parser import load_map
from coop_drive.nodes.base import InputsPending, SteppedNode, run_node
from coop_drive.nodes.stepping import Periodic
from coop_drive.nodes.topology import SPAT, runs, upstream_of
from coop_drive.units import ns_to_s, s_to_ns


class SpatServerNode(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("spat_server", **options)
        self.declare_scenario_parameters()
        self.source_id = self.declare_source_id()
        sc = self.scenario = self.load_scenario()
        self.step_ns = s_to_ns(sc.step_s)
        self.publications = Periodic(s_to_ns(1.0 / SPAT_RATE_HZ))
        self.t_plans = self.add_input("/run/signal_plans", T_SIGNAL_PLANS)
        self.t_v2x = self.add_output("v2x_out", T_V2X, best_effort=True)
        self.service: SpatService | None = None
        if not runs(SPAT, sc):
            self.get_logger().info("no V2X or no traffic lights: no SPaT service; exiting")
            self.finished = True
            return
        self.hdmap = load_map(sc.map_path)
        self.begin(upstream_of(SPAT, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        for data in messages[self.t_plans]:
            plans = plans_from_msg(self.msgs.deserialize(data, T_SIGNAL_PLANS))
            self.service = SpatService(plans, self.hdmap, self.source_id)
        service = self.service
        if service is None:
            raise InputsPending("no signal plans received before the first step")
        time_s = ns_to_s(stamp)
        alive = self.scenario.mec_alive(time_s)
        for send_ns in self.publications.due_before(stamp + self.step_ns, stamp):  # due in [t, t + step), at t
            frame = service.frame(time_s) if alive and service.groups else None
            if frame is not None:
                self.publish(self.t_v2x, self.msgs.v2x_frame(send_ns, frame))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(SpatServerNode, args)


if __name__ == "__main__":
    raise SystemExit(main())
