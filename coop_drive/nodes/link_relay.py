"""The link relay: the latency/loss link model between MEC and vehicle, one direction per instance, on
simulation time.

``direction: downlink`` (node ``/link_relay``): a frame received on ``/mec/v2x_out`` at send time t (its
header stamp) goes through the harness's link (``harness/link.py`` ``DuplexLink``) — the same model, seed
stream and configuration as the in-process runtime — and is published on ``/vehicle/v2x_in`` at the first step at or
after its due time, stamped with the due time. The frames of one step (from the MEC perception, planner and
map service) are sent in the in-process order (``harness.order.TaskOrder``), so the link draws the same numbers.

``direction: uplink`` (node ``/link_relay_uplink``): ``/vehicle/v2x_out`` (BSMs) -> ``/mec/v2x_in``. It runs
after the vehicle's step t and publishes, in that step, every frame due before t + step: the MEC planner
uses them from step t + step on (none due after the run's end). Frames the link drops are never published.
Best-effort QoS.

In realtime mode a frame goes on the link as it arrives and is published when its delay (due time minus send
time, divided by ``real_time_factor``) has passed on the wall clock, stamped with its due time.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Mapping, Sequence
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]
from rclpy.clock import Clock, ClockType

from coop_drive.bag.ros_messages import T_V2X, frame_bytes, stamp_ns
from coop_drive.harness.link import Delivery, Direction, DuplexLink
from coop_drive.harness.order import TaskOrder
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import LINK, UPLINK, runs, upstream_of
from coop_drive.units import NS_PER_S, s_to_ns

MIN_TIMER_S = 1e-4  # realtime: a frame with no delay is released on a timer this short
TOPICS = {"downlink": ("/mec/v2x_out", "/vehicle/v2x_in"), "uplink": ("/vehicle/v2x_out", "/mec/v2x_in")}


class LinkRelay(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("link_relay", **options)
        self.declare_scenario_parameters()
        self.declare_parameter("direction", "downlink", ParameterDescriptor(
            description="downlink (MEC -> vehicle) | uplink (vehicle -> MEC)"))
        sc = self.scenario = self.load_scenario()
        self.direction = str(self.get_parameter("direction").value)
        if self.direction not in TOPICS:
            raise ValueError(f"link_relay: direction must be downlink or uplink, got {self.direction!r}")
        src, dst = TOPICS[self.direction]
        self.t_in = self.add_input(src, T_V2X, best_effort=True)
        self.t_out = self.add_output(dst, T_V2X, best_effort=True)
        self.link = DuplexLink(sc.link.config, sc.seed)  # this relay uses one of its directions
        self.way = Direction.UP if self.direction == "uplink" else Direction.DOWN
        self.step_ns, self.duration_ns = s_to_ns(sc.step_s), s_to_ns(sc.duration_s)
        self.end_ns: int | None = None
        self.order: TaskOrder | None = None
        me = UPLINK if self.direction == "uplink" else LINK
        if not runs(me, sc):
            self.get_logger().info(f"split {sc.split.value}: no link; exiting")
            self.finished = True
            return
        self._releases: list[tuple[float, int, Delivery]] = []  # realtime: (wall time [s], order, frame)
        self.begin(upstream_of(me, sc), clock_driven=False)
        self._wall = Clock(clock_type=ClockType.STEADY_TIME)

    def on_message(self, topic: str, data: bytes) -> bool:
        """Realtime: the frame goes on the link now; it is released after its delay in wall time."""
        msg = self.msgs.deserialize(data, T_V2X)
        sent_ns = stamp_ns(msg.header.stamp)
        delivery = self.link.send(self.way, sent_ns, frame_bytes(msg))
        if delivery is not None:
            self.link.due(delivery.due_ns)  # taken off the link's own queue: the wall clock releases it
            delay_s = (delivery.due_ns - sent_ns) / NS_PER_S / self.real_time_factor
            heapq.heappush(self._releases, (time.monotonic() + delay_s, delivery.sequence, delivery))
            self._arm(delay_s)
        return True

    def _arm(self, delay_s: float) -> None:
        """A one-shot wall-clock timer that releases what is due when it fires."""
        timer: Any = None

        def fire() -> None:
            timer.cancel()
            self.destroy_timer(timer)
            self._release()

        timer = self.create_timer(max(delay_s, MIN_TIMER_S), fire, clock=self._wall)

    def _release(self) -> None:
        now_s = time.monotonic()
        while self._releases and self._releases[0][0] <= now_s:
            delivery = heapq.heappop(self._releases)[2]
            self.publish(self.t_out, self.msgs.v2x_frame(delivery.due_ns, delivery.frame))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        if self.end_ns is None:
            self.end_ns = stamp + self.duration_ns  # the run ends there (or earlier, on arrival or a collision)
        frames = [self.msgs.deserialize(data, T_V2X) for data in messages[self.t_in]]
        if self.direction == "downlink":  # several MEC nodes: back into the in-process sending order
            if self.order is None:
                self.order = TaskOrder(self.scenario, stamp)
            order = self.order
            frames.sort(key=lambda m: order.frame_key(stamp_ns(m.header.stamp), int(m.message_type)))
        for msg in frames:
            self.link.send(self.way, stamp_ns(msg.header.stamp), frame_bytes(msg))  # may corrupt the bytes
        # downlink: deliveries due by t (before the vehicle plans at t); uplink: due before t + step
        horizon = stamp if self.direction == "downlink" else min(stamp + self.step_ns - 1, self.end_ns)
        for delivery in self.link.due(horizon):
            self.publish(self.t_out, self.msgs.v2x_frame(delivery.due_ns, delivery.frame))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(LinkRelay, args)


if __name__ == "__main__":
    raise SystemExit(main())
