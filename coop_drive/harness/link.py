"""The link between the car and the MEC, both directions in one object.

Each direction has its own random stream (latency, jitter, loss, corruption are drawn frame by frame, in send
order). A frame that gets through is held in flight until its due time; ``due`` hands over, in send order, every
frame due by a time — one place decides the order of deliveries for every runtime that steps on time.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from enum import Enum

from coop_drive.link.channel import LinkConfig, LinkDirection
from coop_drive.rng import stream


class Direction(Enum):
    UP = "uplink"  # car -> MEC
    DOWN = "downlink"  # MEC -> car


@dataclass(order=True, frozen=True)
class Delivery:
    """A frame in flight: due at due_ns; ``frame`` is what arrives (it may be corrupted)."""

    due_ns: int
    sequence: int
    direction: Direction = field(compare=False)
    sent_ns: int = field(compare=False)
    frame: bytes = field(compare=False)
    generation_ns: int | None = field(compare=False, default=None)  # object lists: the picture's time


class DuplexLink:
    def __init__(self, config: LinkConfig, seed: int) -> None:
        self.directions = {Direction.DOWN: LinkDirection("downlink", config, stream(seed, "link/downlink")),
                           Direction.UP: LinkDirection("uplink", config, stream(seed, "link/uplink"))}
        self._in_flight: list[Delivery] = []
        self._sequence = itertools.count()

    def send(self, direction: Direction, sent_ns: int, frame: bytes, generation_ns: int | None = None
             ) -> Delivery | None:
        """Put a frame on the link; the delivery it will make, or None (lost)."""
        sent = self.directions[direction].send(sent_ns, frame)
        if sent is None:
            return None
        delivery = Delivery(sent[0], next(self._sequence), direction, sent_ns, sent[1], generation_ns)
        heapq.heappush(self._in_flight, delivery)
        return delivery

    def next_due_ns(self) -> int | None:
        return self._in_flight[0].due_ns if self._in_flight else None

    def due(self, now_ns: int) -> list[Delivery]:
        """Every frame due by now_ns, in (due time, send order); they leave the link."""
        out = []
        while self._in_flight and self._in_flight[0].due_ns <= now_ns:
            out.append(heapq.heappop(self._in_flight))
        return out
