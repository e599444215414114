"""MEC perception (namespace /mec): roadside scans -> tracker -> RSM object lists, sent as V2X frames.

Inputs: ``detections`` (SensorScan). Outputs: ``objects`` (ObjectList, the confirmed tracks at each
publication) and ``v2x_out`` (V2XFrame, best effort) at ``publish_rate_hz`` on simulation time. In the
planning splits also ``tracks`` (ObjectList): the tracks at each planning instant, for the MEC planner node.
With a ``mec-silent`` fault nothing is published from its time on (as in-process).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.ros_messages import T_OBJECT_LIST, T_SCAN, T_V2X, detections_from_msg, scan_time_ns
from coop_drive.cores.roadside_perception import MecCore
from coop_drive.harness.order import PLAN_PERIOD_S
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import MEC, runs, upstream_of
from coop_drive.units import ns_to_s, s_to_ns


class MecPerception(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("mec_perception", **options)
        self.declare_scenario_parameters()
        self.declare_parameter("publish_rate_hz", 0.0, ParameterDescriptor(
            description="object-list publication rate [Hz] on simulation time; <= 0: the scenario's"))
        source_id = self.declare_source_id()
        sc = self.scenario = self.load_scenario()
        rate_hz = float(self.get_parameter("publish_rate_hz").value)
        self.step_ns = s_to_ns(sc.step_s)
        self.core = MecCore(source_id)
        self.t_detections = self.add_input("detections", T_SCAN)
        self.t_objects = self.add_output("objects", T_OBJECT_LIST)
        self.t_v2x = self.add_output("v2x_out", T_V2X, best_effort=True)
        # Periodic publications (period, what), in the in-process runtime's order at one instant.
        self.schedule: list[tuple[int, Callable[[int, float], None]]] = [
            (s_to_ns(1.0 / (rate_hz if rate_hz > 0 else sc.mec_publish_rate_hz)), self._publish_objects)]
        if sc.split.plans_remotely:
            self.t_tracks = self.add_output("tracks", T_OBJECT_LIST)
            self.schedule.append((s_to_ns(PLAN_PERIOD_S), self._publish_tracks))
        self.next_ns: list[int] = []
        if not runs(MEC, sc):
            self.get_logger().info(f"split {sc.split.value}: the MEC takes no part; exiting")
            self.finished = True
            return
        self.begin(upstream_of(MEC, sc))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        """Scans and publications due in [t, t + step), in time order (a scan before a publication at one
        instant), as the in-process scheduler runs them; the world state is the one at t."""
        time_s = ns_to_s(stamp)
        scans = [self.msgs.deserialize(data, T_SCAN) for data in messages[self.t_detections]]
        if not self.next_ns:
            self.next_ns = [stamp] * len(self.schedule)
        for scan in scans:
            self._publish_until(scan_time_ns(scan), time_s)
            _, scan_time_s, detections = detections_from_msg(scan)
            self.core.on_detections(scan_time_s, detections)
        self._publish_until(stamp + self.step_ns, time_s)
        self.report_step(stamp)

    def _publish_until(self, end_ns: int, time_s: float) -> None:
        """Every publication due before end_ns; generation time time_s (the world state's)."""
        while True:
            i = min(range(len(self.next_ns)), key=lambda k: (self.next_ns[k], k))
            send_ns = self.next_ns[i]
            if send_ns >= end_ns:
                return
            period_ns, publish = self.schedule[i]
            publish(send_ns, time_s)
            self.next_ns[i] += period_ns

    def _publish_objects(self, send_ns: int, time_s: float) -> None:
        if not self.scenario.mec_alive(time_s):  # fault mec-silent: nothing sent (the tracker goes on)
            return
        frame = self.core.object_list_frame(time_s)
        self.publish(self.t_objects, self.msgs.objects(send_ns, s_to_ns(time_s), "mec",
                                                       self.core.tracker.estimates(time_s)))
        self.publish(self.t_v2x, self.msgs.v2x_frame(send_ns, frame))

    def _publish_tracks(self, send_ns: int, time_s: float) -> None:
        if not self.scenario.mec_alive(time_s):  # the planner sends no plans either
            return
        self.publish(self.t_tracks, self.msgs.objects(send_ns, s_to_ns(time_s), "mec",
                                                      self.core.tracker.estimates(time_s)))


def main(args: Sequence[str] | None = None) -> int:
    return run_node(MecPerception, args)


if __name__ == "__main__":
    raise SystemExit(main())
