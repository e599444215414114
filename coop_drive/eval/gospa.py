"""Generalised OSPA (GOSPA) between an estimated and a true set of 2-D positions.

Rahmathullah, García-Fernández, Svensson, "Generalized optimal sub-pattern assignment metric", FUSION 2017,
with alpha = 2, which splits the metric into localisation error, missed and false targets:

    d = ( min_assignment  sum_assigned d(x, y)^p  +  c^p / 2 * (#missed + #false) ) ^ (1/p)

where d(x, y) is the Euclidean distance cut off at c.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from coop_drive.geometry import FloatArray


@dataclass(frozen=True)
class GospaResult:
    """The metric and its parts."""

    distance_m: float
    localisation_m2: float  # sum of squared (p = 2) errors of assigned pairs
    missed: int
    false: int
    assigned_errors_m: tuple[float, ...]


def gospa(estimates_xy_m: FloatArray, truths_xy_m: FloatArray, cutoff_m: float = 5.0, p: float = 2.0) -> GospaResult:
    """GOSPA (alpha = 2) of (N, 2) estimates against (M, 2) truths."""
    est = np.asarray(estimates_xy_m, dtype=float).reshape(-1, 2)
    tru = np.asarray(truths_xy_m, dtype=float).reshape(-1, 2)
    penalty = cutoff_m**p / 2.0
    if len(est) == 0 or len(tru) == 0:
        unassigned = len(est) + len(tru)
        return GospaResult((penalty * unassigned) ** (1.0 / p), 0.0, len(tru), len(est), ())
    dist = np.linalg.norm(est[:, None, :] - tru[None, :, :], axis=2)
    cost = np.minimum(dist, cutoff_m) ** p
    rows, cols = linear_sum_assignment(cost)
    # a pair at or beyond the cut-off costs as much as leaving both unassigned: count it that way
    real = dist[rows, cols] < cutoff_m
    errors = dist[rows[real], cols[real]]
    localisation = float(np.sum(errors**p))
    missed = len(tru) - int(real.sum())
    false = len(est) - int(real.sum())
    total = localisation + penalty * (missed + false)
    return GospaResult(total ** (1.0 / p), localisation, missed, false, tuple(float(e) for e in errors))
