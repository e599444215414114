"""The link relay: the latency/loss link model between MEC and vehicle, both directions, on simulation time.

A frame received on ``/mec/v2x_out`` (downlink) or ``/vehicle/v2x_out`` (uplink) at send time t (its header
stamp) gets its due time from ``LinkDirection.transmit`` — the same model, seed streams and configuration as
the in-process runtime — and is published on ``/vehicle/v2x_in`` or ``/mec/v2x_in`` at the first step at or
after its due time, stamped with the due time. Frames the link drops are never published. Best-effort QoS.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from itertools import count

from coop_drive.bag.messages import T_V2X, frame_bytes, stamp_ns
from coop_drive.link.model import LinkDirection
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import LINK, upstream_of
from coop_drive.rng import stream
from coop_drive.scenario import Split


class LinkRelay(SteppedNode):
    def __init__(self) -> None:
        super().__init__("link_relay")
        self.declare_scenario_parameters()
        sc = self.load_scenario()
        self.directions: dict[str, tuple[LinkDirection, str]] = {}
        for name, src, dst in (("downlink", "/mec/v2x_out", "/vehicle/v2x_in"),
                               ("uplink", "/vehicle/v2x_out", "/mec/v2x_in")):
            topic_in = self.add_input(src, T_V2X, best_effort=True)
            topic_out = self.add_output(dst, T_V2X, best_effort=True)
            self.directions[topic_in] = (LinkDirection(name, sc.link.config, stream(sc.seed, "link/" + name)),
                                         topic_out)
        self._held: list[tuple[int, int, str, bytes]] = []  # (due ns, arrival order, output topic, frame)
        self._order = count()
        if sc.split is Split.ONBOARD:
            self.get_logger().info("split onboard: no link; exiting")
            self.finished = True
            return
        self.begin(upstream_of(LINK, sc.split))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        for topic_in, (link, topic_out) in self.directions.items():
            for data in messages[topic_in]:
                msg = self.msgs.deserialize(data, T_V2X)
                sent = link.send(stamp_ns(msg.header.stamp), frame_bytes(msg))  # may corrupt the bytes
                if sent is not None:
                    due_ns, arrived = sent
                    heapq.heappush(self._held, (due_ns, next(self._order), topic_out, arrived))
        while self._held and self._held[0][0] <= stamp:
            due_ns, _, topic_out, frame = heapq.heappop(self._held)
            self.publish(topic_out, self.msgs.v2x_frame(due_ns, frame))
        self.report_step(stamp)


def main(args: Sequence[str] | None = None) -> int:
    return run_node(LinkRelay, args)


if __name__ == "__main__":
    raise SystemExit(main())
