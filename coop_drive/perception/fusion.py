"""Vehicle-side object fusion: the car's own tracks plus objects received over V2X.

Received objects are predicted from their generation time to now (latency compensation with a
constant-velocity model and inflated covariance); objects older than ``max_age_s`` are rejected. A received
object within ``duplicate_gate_m`` of an own track is treated as the same object and the fresher own track
is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coop_drive.perception.objects import ObjectEstimate


@dataclass(frozen=True)
class FusionConfig:
    """Tuning of the vehicle's fusion."""

    accel_noise_psd: float = 2.0  # [m^2/s^3] for predicting received objects
    max_age_s: float = 1.0  # received objects older than this are rejected
    duplicate_gate_m: float = 3.0


def fuse_objects(
    own: Sequence[ObjectEstimate], received: Sequence[ObjectEstimate], now_s: float,
    config: FusionConfig | None = None,
) -> list[ObjectEstimate]:
    """Own tracks (already at now_s) plus the fresh, non-duplicate received objects predicted to now_s."""
    cfg = config or FusionConfig()
    fused = list(own)
    for obj in received:
        if now_s - obj.stamp_s > cfg.max_age_s:
            continue
        predicted = obj.predicted_to(now_s, cfg.accel_noise_psd)
        if any(
            (predicted.x_m - o.x_m) ** 2 + (predicted.y_m - o.y_m) ** 2 <= cfg.duplicate_gate_m**2 for o in own
        ):
            continue
        fused.append(predicted)
    return fused
