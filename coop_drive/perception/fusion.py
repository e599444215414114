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
from numpy.typing import NDArray

from coop_drive.geometry import FloatArray
from coop_drive.perception.assignment import assign_sparse
from coop_drive.perception.covariance_intersection import covariance_intersection_batch
from coop_drive.perception.gating import gate_candidates
from coop_drive.perception.kalman import cv_predict_batch
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.perception.small_linalg import mahalanobis_sq

_GATE_CHI2_2DOF_99 = 9.210
_NO_MATCH = 1e6


@dataclass(frozen=True)
class FusionConfig:
    """Tuning of the vehicle's fusion."""

    accel_noise_psd: float = 2.0  # [m^2/s^3] for predicting received objects
    max_age_s: float = 1.0  # received objects older than this are rejected
    compensate_latency: bool = True
    gate_chi2: float = _GATE_CHI2_2DOF_99


def _compensated(
    received: Sequence[ObjectEstimate], now_s: float, config: FusionConfig
) -> tuple[list[ObjectEstimate], FloatArray, FloatArray]:
    """The fresh received objects (as received) and their states (N, 4) and covariances (N, 4, 4) at now_s."""
    fresh = [obj for obj in received if now_s - obj.stamp_s <= config.max_age_s]
    if not fresh:
        return [], np.zeros((0, 4)), np.zeros((0, 4, 4))
    states = np.array([obj.state for obj in fresh])
    covs = np.array([obj.covariance for obj in fresh])
    if config.compensate_latency:
        dt_s = np.maximum(now_s - np.array([obj.stamp_s for obj in fresh]), 0.0)
        states, covs = cv_predict_batch(states, covs, dt_s, config.accel_noise_psd)
    return fresh, states, covs


def compensate(received: Sequence[ObjectEstimate], now_s: float, config: FusionConfig) -> list[ObjectEstimate]:
    """Fresh received objects brought to now_s (or, without compensation, merely re-stamped)."""
    fresh, states, covs = _compensated(received, now_s, config)
    if not config.compensate_latency:
        return [obj.moved(now_s, obj.state, obj.covariance) for obj in fresh]
    return [obj.moved(now_s, st, cov) for obj, st, cov in zip(fresh, states, covs, strict=True)]


def _associate_arrays(
    pos_a: FloatArray, cov_a: FloatArray, pos_b: FloatArray, cov_b: FloatArray, gate_chi2: float
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``associate`` on positions (N, 2) and their covariances (N, 2, 2): assigned rows and columns."""
    ii, jj = gate_candidates(pos_a, np.trace(cov_a, axis1=1, axis2=2), pos_b, np.trace(cov_b, axis1=1, axis2=2),
                             gate_chi2, sort_pairs=False)
    if len(ii) == 0:
        return ii, jj
    diff = pos_a[ii] - pos_b[jj]
    d2 = mahalanobis_sq(diff, cov_a[ii] + cov_b[jj])
    inside = d2 <= gate_chi2
    return assign_sparse(ii[inside], jj[inside], d2[inside], len(pos_a), len(pos_b), _NO_MATCH)


def associate(
    own: Sequence[ObjectEstimate], other: Sequence[ObjectEstimate], gate_chi2: float
) -> list[tuple[int, int]]:
    """Pairs (i, j) of own[i] and other[j] by global nearest neighbour on position Mahalanobis distance.

    Batched: a Euclidean bound (|d|^2 <= gate * trace(S)) prunes pairs before the exact distance; the
    assignment takes unambiguous pairs directly and solves only the rest (perception/assignment.py).
    """
    if not own or not other:
        return []
    rows, cols = _associate_arrays(
        np.array([a.state[:2] for a in own]), np.array([a.covariance[:2, :2] for a in own]),
        np.array([b.state[:2] for b in other]), np.array([b.covariance[:2, :2] for b in other]), gate_chi2)
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def fuse_objects(
    own: Sequence[ObjectEstimate], received: Sequence[ObjectEstimate], now_s: float,
    config: FusionConfig | None = None,
) -> list[ObjectEstimate]:
    """The fused picture at now_s: own tracks (already at now_s) and received objects."""
    cfg = config or FusionConfig()
    fresh, inc_x, inc_p = _compensated(received, now_s, cfg)
    fused = list(own)
    paired = np.zeros(len(fresh), dtype=bool)
    if own and fresh:
        own_x = np.array([a.state for a in own])
        own_p = np.array([a.covariance for a in own])
        rows, cols = _associate_arrays(
            np.ascontiguousarray(own_x[:, :2]), np.ascontiguousarray(own_p[:, :2, :2]),
            np.ascontiguousarray(inc_x[:, :2]), np.ascontiguousarray(inc_p[:, :2, :2]), cfg.gate_chi2)
        if len(rows):
            states, covs, _ = covariance_intersection_batch(own_x[rows], own_p[rows], inc_x[cols], inc_p[cols])
            for i, j, state, cov in zip(rows.tolist(), cols.tolist(), states, covs, strict=True):
                fused[i] = own[i].moved(own[i].stamp_s, state, cov,
                                        max(own[i].existence_probability, fresh[j].existence_probability))
            paired[cols] = True
    # the unpaired received objects, compensated (only these are built: paired ones live on in the fused own)
    for j in np.flatnonzero(~paired).tolist():
        obj = fresh[j]
        fused.append(obj.moved(now_s, inc_x[j], inc_p[j]) if cfg.compensate_latency
                     else obj.moved(now_s, obj.state, obj.covariance))
    return fused
