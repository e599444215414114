"""What a link configuration does to a stream of frames: delivered-latency quantiles, loss, loss bursts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coop_drive.link.channel import LinkConfig, LinkDirection
from coop_drive.units import NS_PER_S


@dataclass(frozen=True)
class LinkStats:
    """The outcome of sending n frames of frame_bytes at rate_hz through one link direction."""

    frames_sent: int
    frames_delivered: int
    latency_p50_ms: float | None
    latency_p90_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    mean_loss_burst_frames: float | None  # mean length of runs of consecutive lost frames (any cause)

    @property
    def loss_ratio(self) -> float:
        return 1.0 - self.frames_delivered / self.frames_sent if self.frames_sent else 0.0


def loss_bursts(lost: list[bool]) -> list[int]:
    """Lengths of the runs of consecutive True values."""
    bursts, run = [], 0
    for flag in lost:
        if flag:
            run += 1
        elif run:
            bursts.append(run)
            run = 0
    if run:
        bursts.append(run)
    return bursts


def simulate(config: LinkConfig, n: int, rng: np.random.Generator, rate_hz: float = 10.0,
             frame_bytes: int = 300) -> LinkStats:
    """Send n frames periodically through a fresh link direction and summarise what was delivered."""
    link = LinkDirection("stats", config, rng)
    period_ns = round(NS_PER_S / rate_hz)
    latencies_ms: list[float] = []
    lost: list[bool] = []
    frame = bytes(frame_bytes)
    for i in range(n):
        send_ns = i * period_ns
        due_ns = link.transmit(send_ns, frame)
        lost.append(due_ns is None)
        if due_ns is not None:
            latencies_ms.append((due_ns - send_ns) / 1e6)
    arr = np.asarray(latencies_ms, dtype=float)
    bursts = loss_bursts(lost)

    def q(p: float) -> float | None:
        return float(np.quantile(arr, p)) if arr.size else None

    return LinkStats(n, len(latencies_ms), q(0.5), q(0.9), q(0.99), q(1.0),
                     float(np.mean(bursts)) if bursts else None)
