"""The latency-injecting link: each frame is delivered at its send time plus the latency, exactly (integer
nanoseconds, never rounded to simulation steps), or dropped with a seeded probability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coop_drive.units import ms_to_ns


@dataclass
class LinkCounters:
    """What one link direction did."""

    frames_sent: int = 0
    frames_delivered: int = 0
    bytes_sent: int = 0


class LinkDirection:
    """One direction of the link (uplink or downlink)."""

    def __init__(self, name: str, latency_ms: float, loss_probability: float, rng: np.random.Generator) -> None:
        if latency_ms < 0:
            raise ValueError(f"link {name}: latency_ms must be >= 0, got {latency_ms}")
        if not 0.0 <= loss_probability <= 1.0:
            raise ValueError(f"link {name}: loss probability must be in [0, 1], got {loss_probability}")
        self.name = name
        self.latency_ns = ms_to_ns(latency_ms)
        self.loss_probability = loss_probability
        self._rng = rng
        self.counters = LinkCounters()

    def transmit(self, send_time_ns: int, frame: bytes) -> int | None:
        """Due time [ns] of a frame sent now, or None if the link drops it."""
        self.counters.frames_sent += 1
        self.counters.bytes_sent += len(frame)
        if self._rng.random() < self.loss_probability:
            return None
        self.counters.frames_delivered += 1
        return send_time_ns + self.latency_ns
