"""Vehicle-side track-to-track fusion: the car's own tracks plus objects received over V2X.

1. Received objects older than ``max_age_s`` are rejected.
2. Latency compensation: each received object is predicted from its generation time to now with the
   constant-velocity model, its covariance inflated by the process noise. Without compensation
   (``compensate_latency=False``, kept for comparison) the stale state is used as if it were current.
3. Association: received objects and own tracks are paired by global nearest neighbour on the Mahalanobis
   distance of their positions (gate: chi-square 99 %, 2 dof).
4. Paired estimates are fused by covariance intersection, which stays consistent whatever the unknown
   correlation between the car's and the MEC's errors; unpaired ones are kept as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from coop_drive.perception.covariance_intersection import covariance_intersection
from coop_drive.perception.kalman import mahalanobis_sq
from coop_drive.perception.objects import ObjectEstimate

_GATE_CHI2_2DOF_99 = 9.210
_NO_MATCH = 1e6


@dataclass(frozen=True)
class FusionConfig:
    """Tuning of the vehicle's fusion."""

    accel_noise_psd: float = 2.0  # [m^2/s^3] for predicting received objects
    max_age_s: float = 1.0  # received objects older than this are rejected
    compensate_latency: bool = True
    gate_chi2: float = _GATE_CHI2_2DOF_99


def compensate(received: Sequence[ObjectEstimate], now_s: float, config: FusionConfig) -> list[ObjectEstimate]:
    """Fresh received objects brought to now_s (or, without compensation, merely re-stamped)."""
    out = []
    for obj in received:
        if now_s - obj.stamp_s > config.max_age_s:
            continue
        if config.compensate_latency:
            out.append(obj.predicted_to(now_s, config.accel_noise_psd))
        else:
            out.append(replace(obj, stamp_s=now_s))
    return out


def associate(
    own: Sequence[ObjectEstimate], other: Sequence[ObjectEstimate], gate_chi2: float
) -> list[tuple[int, int]]:
    """Pairs (i, j) of own[i] and other[j] by global nearest neighbour on position Mahalanobis distance."""
    if not own or not other:
        return []
    cost = np.full((len(own), len(other)), _NO_MATCH)
    for i, a in enumerate(own):
        for j, b in enumerate(other):
            d2 = mahalanobis_sq(a.state[:2] - b.state[:2], a.covariance[:2, :2] + b.covariance[:2, :2])
            if d2 <= gate_chi2:
                cost[i, j] = d2
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if cost[i, j] < _NO_MATCH]


def fuse_objects(
    own: Sequence[ObjectEstimate], received: Sequence[ObjectEstimate], now_s: float,
    config: FusionConfig | None = None,
) -> list[ObjectEstimate]:
    """The fused picture at now_s: own tracks (already at now_s) and received objects."""
    cfg = config or FusionConfig()
    incoming = compensate(received, now_s, cfg)
    pairs = associate(own, incoming, cfg.gate_chi2)
    fused = list(own)
    for i, j in pairs:
        a, b = own[i], incoming[j]
        state, cov, _ = covariance_intersection(a.state, a.covariance, b.state, b.covariance)
        fused[i] = replace(a, state=state, covariance=cov,
                           existence_probability=max(a.existence_probability, b.existence_probability))
    paired = {j for _, j in pairs}
    fused.extend(obj for j, obj in enumerate(incoming) if j not in paired)
    return fused
