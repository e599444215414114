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
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from coop_drive.geometry import squared_distances
from coop_drive.perception.covariance_intersection import covariance_intersection_batch
from coop_drive.perception.kalman import cv_predict_batch
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
    fresh = [obj for obj in received if now_s - obj.stamp_s <= config.max_age_s]
    if not config.compensate_latency or not fresh:
        return [obj.moved(now_s, obj.state, obj.covariance) for obj in fresh]
    dt_s = np.maximum(now_s - np.array([obj.stamp_s for obj in fresh]), 0.0)
    states, covs = cv_predict_batch(np.array([obj.state for obj in fresh]), np.array([obj.covariance for obj in fresh]),
                                    dt_s, config.accel_noise_psd)
    return [obj.moved(now_s, states[k], covs[k]) for k, obj in enumerate(fresh)]


def associate(
    own: Sequence[ObjectEstimate], other: Sequence[ObjectEstimate], gate_chi2: float
) -> list[tuple[int, int]]:
    """Pairs (i, j) of own[i] and other[j] by global nearest neighbour on position Mahalanobis distance.

    Batched: a Euclidean bound (|d|^2 <= gate * trace(S)) prunes pairs before the exact distance.
    """
    if not own or not other:
        return []
    pos_a = np.array([a.state[:2] for a in own])
    pos_b = np.array([b.state[:2] for b in other])
    cov_a = np.array([a.covariance[:2, :2] for a in own])
    cov_b = np.array([b.covariance[:2, :2] for b in other])
    gap2 = squared_distances(pos_a, pos_b)
    spread = np.trace(cov_a, axis1=1, axis2=2)[:, None] + np.trace(cov_b, axis1=1, axis2=2)[None, :]
    ii, jj = np.nonzero(gap2 <= gate_chi2 * spread)
    if len(ii) == 0:
        return []
    diff = pos_a[ii] - pos_b[jj]
    d2 = np.einsum("ki,ki->k", diff, np.linalg.solve(cov_a[ii] + cov_b[jj], diff[..., None])[..., 0])
    cost = np.full((len(own), len(other)), _NO_MATCH)
    inside = d2 <= gate_chi2
    cost[ii[inside], jj[inside]] = d2[inside]
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
    if pairs:
        ia, ib = [i for i, _ in pairs], [j for _, j in pairs]
        states, covs, _ = covariance_intersection_batch(
            np.array([own[i].state for i in ia]), np.array([own[i].covariance for i in ia]),
            np.array([incoming[j].state for j in ib]), np.array([incoming[j].covariance for j in ib]))
        for k, (i, j) in enumerate(pairs):
            fused[i] = own[i].moved(own[i].stamp_s, states[k], covs[k],
                                    max(own[i].existence_probability, incoming[j].existence_probability))
    paired = {j for _, j in pairs}
    fused.extend(obj for j, obj in enumerate(incoming) if j not in paired)
    return fused
