"""The MEC map service (namespace /mec; scenarios with ``map: mec``): MAP messages down the link.

No inputs but the step. Output: ``v2x_out`` (V2XFrame, best effort): every junction's MAP message
(MapServer) at ``mec_map_rate_hz`` on simulation time, generated at its send time, as in-process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coop_drive.bag.ros_messages import T_V2X
from coop_drive.hdmap.map_client import MapServer
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.stepping import Periodic
from coop_drive.nodes.topology import MAP, runs, upstream_of
from coop_drive.units import ns_to_s, s_to_ns


class MapServerNode(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("map_server", **options)
        self.declare_scenario_parameters()
        source_id = self.declare_source_id()
        sc = self.scenario = self.load_scenario()
        self.step_ns = s_to_ns(sc.step_s)
        self.publications = Periodic(s_to_ns(1.0 / sc.mec_map_rate_hz))
        self.t_v2x = self.add_output("v2x_out", T_V2X, best_effort=True)
        if not runs(MAP, sc):
            self.get_logger().info("the vehicle has its own map: no MEC map service; exiting")
            self.finished = True
            return
        self.server = MapServer(sc.map_path, source_id)
        self.begin(upstream_of(MAP, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        alive = self.scenario.mec_alive(ns_to_s(stamp))  # fault mec-silent: nothing sent from its time on
        for send_ns in self.publications.due_before(stamp + self.step_ns, stamp):  # due in [t, t + step)
            for frame in self.server.frames(send_ns) if alive else []:
                self.publish(self.t_v2x, self.msgs.v2x_frame(send_ns, frame))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(MapServerNode, args)


if __name__ == "__main__":
    raise SystemExit(main())
