"""Candidate pairs for gating: the pairs (i, j) of points a_i, b_j with |a_i - b_j|^2 <= gate (s_i + t_j).

The trackers' first gating stage is this Euclidean bound (no pair inside a chi-square gate can exceed it);
only its candidates get the exact Mahalanobis distance. Evaluated densely it costs an N x M distance
matrix; here the points b are sorted by x and each a_i is compared only with the b_j whose x lies within the
largest possible reach (compiled loops), so the work grows with the number of nearby pairs instead.

The result is a superset of the dense bound's pairs (a relative slack of 1e-9 covers the rounding of the
two ways of computing the distance); any pair it adds lies outside the bound and so, by the same
inequality, outside every gate the exact distance is then compared with.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from coop_drive.geometry import FloatArray

_SLACK = 1e-9


@njit(cache=True)
def _sweep(a: FloatArray, spread_a: FloatArray, b: FloatArray, spread_b: FloatArray, gate: float, reach: float
           ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:  # pragma: no cover - compiled
    """The candidate pairs, grouped by i and within a group by x of b: two passes over the x-sorted b (count,
    then fill)."""
    n = a.shape[0]
    order = np.argsort(b[:, 0], kind="mergesort")
    xs = b[order, 0]
    lo = np.searchsorted(xs, a[:, 0] - reach, side="left")
    hi = np.searchsorted(xs, a[:, 0] + reach, side="right")
    counts = np.zeros(n, dtype=np.intp)
    for pass_ in range(2):
        if pass_ == 1:
            total = 0
            for i in range(n):
                total += counts[i]
            ii = np.empty(total, dtype=np.intp)
            jj = np.empty(total, dtype=np.intp)
            k = 0
        for i in range(n):
            ax, ay = a[i, 0], a[i, 1]
            norm2 = ax * ax + ay * ay  # the dense form's rounding grows with |a|^2
            for q in range(lo[i], hi[i]):
                j = order[q]
                dx, dy = ax - b[j, 0], ay - b[j, 1]
                if dx * dx + dy * dy <= gate * (spread_a[i] + spread_b[j]) * (1.0 + _SLACK) + _SLACK * (norm2 + 1.0):
                    if pass_ == 0:
                        counts[i] += 1
                    else:
                        ii[k] = i
                        jj[k] = j
                        k += 1
    return ii, jj


def gate_candidates(
    a: FloatArray, spread_a: FloatArray, b: FloatArray, spread_b: FloatArray, gate: float, sort_pairs: bool = True,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Pairs (i, j) with |a_i - b_j|^2 <= gate (spread_a[i] + spread_b[j]) (and possibly a few pairs a
    rounding slack outside it), sorted by (i, j) unless sort_pairs is False. a (N, 2), b (M, 2), spreads
    (N,), (M,). Compiled loops."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    reach = float(np.sqrt(max(gate * (float(spread_a.max()) + float(spread_b.max())), 0.0))) * (1.0 + _SLACK)
    f64 = np.float64
    ii, jj = _sweep(np.ascontiguousarray(a, dtype=f64), np.ascontiguousarray(spread_a, dtype=f64),
                    np.ascontiguousarray(b, dtype=f64), np.ascontiguousarray(spread_b, dtype=f64), float(gate), reach)
    if not sort_pairs:
        return ii, jj
    sort = np.argsort(ii * m + jj, kind="stable")
    return ii[sort], jj[sort]
