"""The latency-injecting link, one direction at a time.

A frame handed to ``LinkDirection.transmit`` at send time t goes through, in this order:

1. **outage at sending**: sent inside a scheduled outage [start_s, end_s) -> dropped;
2. **latency**: a delay drawn from the latency distribution (propagation, core network, scheduling jitter)
   brings it to the bottleneck (the radio hop) at t + delay;
3. **ordering**: with FIFO ordering a frame never reaches the bottleneck, and so is never delivered, before
   the one sent before it (arrival = max(arrival, previous arrival)); with reordering, frames may overtake;
4. **bandwidth**: with a rate cap the bottleneck serialises frames one after another (bytes*8/rate_bps each)
   from a FIFO queue; a frame that would make the bytes queued or in transmission exceed queue_limit_bytes
   is dropped (tail drop). The frame is delivered when its last bit is through. Because the cap sits after
   the jitter, deliveries never bunch above the rate: bits delivered in any 1 s window <= rate_bps * 1 s;
5. **channel loss**: Bernoulli or Gilbert–Elliott (a lost frame still used its air time);
6. **outage at delivery**: a frame due inside an outage is dropped too (the radio is down, frames in flight
   are lost). So nothing is ever delivered inside an outage, and nothing sent inside one arrives;
7. **corruption** (``send`` only): with ``corruption_probability`` a delivered frame arrives with one random
   byte flipped (bit errors the radio's own checks missed), for testing that receivers count and drop it.

With reordering and a rate cap the queue serves frames in the order they were handed in (an approximation:
an overtaking frame waits behind the bottleneck's current backlog).

Times are integer nanoseconds of simulation time, never rounded to simulation steps. All randomness comes
from the generator passed in.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from coop_drive.link.distributions import ConstantLatency, LatencyDistribution
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.loss import BernoulliLoss, LossModel
from coop_drive.units import NS_PER_S, ms_to_ns, s_to_ns


@dataclass(frozen=True)
class LinkConfig:
    """Everything one link direction does to frames."""

    latency: LatencyDistribution = field(default_factory=lambda: ConstantLatency(20.0))
    loss: LossModel = field(default_factory=BernoulliLoss)
    rate_bps: float | None = None  # None: no bandwidth cap (no serialisation time, no queue)
    queue_limit_bytes: int | None = None  # None: unbounded queue
    fifo: bool = True  # False: frames may overtake each other (reordering)
    outages_s: tuple[tuple[float, float], ...] = ()  # [start_s, end_s) of simulation time
    corruption_probability: float = 0.0  # a delivered frame arrives with one random byte flipped

    def __post_init__(self) -> None:
        if not 0.0 <= self.corruption_probability <= 1.0:
            raise LinkConfigError(f"corruption_probability must be in [0, 1], got {self.corruption_probability}")
        if self.rate_bps is not None and not (math.isfinite(self.rate_bps) and self.rate_bps > 0):
            raise LinkConfigError(f"bandwidth rate_bps must be > 0, got {self.rate_bps}")
        if self.queue_limit_bytes is not None and self.queue_limit_bytes <= 0:
            raise LinkConfigError(f"bandwidth queue_limit_bytes must be > 0, got {self.queue_limit_bytes}")
        for start_s, end_s in self.outages_s:
            if not (math.isfinite(start_s) and math.isfinite(end_s) and 0 <= start_s < end_s):
                raise LinkConfigError(f"outage [{start_s}, {end_s}) must satisfy 0 <= start_s < end_s")

    @staticmethod
    def simple(latency_ms: float, loss_probability: float) -> LinkConfig:
        """Constant latency and Bernoulli loss: the link of the first prototype."""
        return LinkConfig(ConstantLatency(latency_ms), BernoulliLoss(loss_probability))

    def with_overrides(self, latency_ms: float | None = None, loss_probability: float | None = None) -> LinkConfig:
        """latency_ms replaces the distribution by a constant, loss_probability the loss model by Bernoulli."""
        out = self
        if latency_ms is not None:
            out = replace(out, latency=ConstantLatency(latency_ms))
        if loss_probability is not None:
            out = replace(out, loss=BernoulliLoss(loss_probability))
        return out


@dataclass
class LinkCounters:
    """What one link direction did."""

    frames_sent: int = 0
    frames_delivered: int = 0  # scheduled for delivery
    bytes_sent: int = 0
    bytes_delivered: int = 0
    frames_lost: int = 0  # channel loss
    frames_queue_dropped: int = 0
    frames_outage_dropped: int = 0
    frames_corrupted: int = 0  # delivered with a flipped byte (send only)


class LinkDirection:
    """One direction of the link (uplink or downlink)."""

    def __init__(self, name: str, config: LinkConfig, rng: np.random.Generator) -> None:
        self.name = name
        self.config = config
        self._rng = rng
        self._loss = config.loss.process()
        self._outages_ns = [(s_to_ns(a), s_to_ns(b)) for a, b in config.outages_s]
        self._in_queue: deque[tuple[int, int]] = deque()  # (serialisation end [ns], bytes) of queued frames
        self._busy_until_ns = 0
        self._last_arrival_ns = 0
        self.counters = LinkCounters()

    @staticmethod
    def constant(name: str, latency_ms: float, loss_probability: float, rng: np.random.Generator) -> LinkDirection:
        """A link with constant latency and Bernoulli loss; errors name the link."""
        try:
            config = LinkConfig.simple(latency_ms, loss_probability)
        except LinkConfigError as exc:
            raise LinkConfigError(f"link {name}: {exc}") from None
        return LinkDirection(name, config, rng)

    def in_outage(self, time_ns: int) -> bool:
        return any(start <= time_ns < end for start, end in self._outages_ns)

    def transmit(self, send_time_ns: int, frame: bytes) -> int | None:
        """Due time [ns] of a frame sent now, or None if the link drops it."""
        c, cfg = self.counters, self.config
        c.frames_sent += 1
        c.bytes_sent += len(frame)
        if self.in_outage(send_time_ns):
            c.frames_outage_dropped += 1
            return None
        due_ns = send_time_ns + ms_to_ns(cfg.latency.sample_ms(self._rng))  # arrival at the bottleneck
        if cfg.fifo:
            due_ns = self._last_arrival_ns = max(due_ns, self._last_arrival_ns)
        if cfg.rate_bps is not None:
            while self._in_queue and self._in_queue[0][0] <= due_ns:
                self._in_queue.popleft()
            backlog = sum(size for _, size in self._in_queue)
            if cfg.queue_limit_bytes is not None and backlog + len(frame) > cfg.queue_limit_bytes:
                c.frames_queue_dropped += 1
                return None
            start_ns = max(due_ns, self._busy_until_ns)
            self._busy_until_ns = due_ns = start_ns + math.ceil(len(frame) * 8 * NS_PER_S / cfg.rate_bps)
            self._in_queue.append((self._busy_until_ns, len(frame)))
        if self._loss.lost(self._rng):
            c.frames_lost += 1
            return None
        if self.in_outage(due_ns):
            c.frames_outage_dropped += 1
            return None
        c.frames_delivered += 1
        c.bytes_delivered += len(frame)
        return due_ns

    def send(self, send_time_ns: int, frame: bytes) -> tuple[int, bytes] | None:
        """Like ``transmit``, also returning the bytes that arrive: with corruption_probability, a delivered
        frame has one random byte XOR-ed with a random non-zero value. No extra draws when it is 0."""
        due_ns = self.transmit(send_time_ns, frame)
        if due_ns is None:
            return None
        p = self.config.corruption_probability
        if p > 0.0 and frame and self._rng.random() < p:
            self.counters.frames_corrupted += 1
            damaged = bytearray(frame)
            damaged[int(self._rng.integers(len(frame)))] ^= int(self._rng.integers(1, 256))
            return due_ns, bytes(damaged)
        return due_ns, frame
