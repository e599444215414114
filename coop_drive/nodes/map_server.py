"""The MEC map service (namespace /mec; scenarios with ``map: mec``): MAP messages down the link.

No inputs but the step. Output: ``v2x_out`` (V2XFrame, best effort): every junction's MAP message
(MapServer) at ``mec_map_rate_hz`` on simulation time, generated at its send time, as in-process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.messages import T_V2X
from coop_drive.hdmap.map_client import MapServer
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import MAP, runs, upstream_of
from coop_drive.units import ns_to_s, s_to_ns


class MapServerNode(SteppedNode):
    def __init__(self) -> None:
        super().__init__("map_server")
        self.declare_scenario_parameters()
        self.declare_parameter("source_id", "mec", ParameterDescriptor(description="V2X source id of the frames"))
        sc = self.scenario = self.load_scenario()
        self.step_ns, self.period_ns = s_to_ns(sc.step_s), s_to_ns(1.0 / sc.mec_map_rate_hz)
        self.t_v2x = self.add_output("v2x_out", T_V2X, best_effort=True)
        self.next_ns: int | None = None
        if not runs(MAP, sc):
            self.get_logger().info("the vehicle has its own map: no MEC map service; exiting")
            self.finished = True
            return
        self.server = MapServer(sc.map_path, str(self.get_parameter("source_id").value))
        self.begin(upstream_of(MAP, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        if self.next_ns is None:
            self.next_ns = stamp
        alive = self.scenario.mec_alive(ns_to_s(stamp))  # fault mec-silent: nothing sent from its time on
        while self.next_ns < stamp + self.step_ns:  # publications due in [t, t + step)
            for frame in self.server.frames(self.next_ns) if alive else []:
                self.publish(self.t_v2x, self.msgs.v2x_frame(self.next_ns, frame))
            self.next_ns += self.period_ns
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(MapServerNode, args)


if __name__ == "__main__":
    raise SystemExit(main())
