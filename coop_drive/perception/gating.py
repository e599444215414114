"""Candidate pairs for gating: the pairs (i, j) of points a_i, b_j with |a_i - b_j|^2 <= gate (s_i + t_j).

The trackers' first gating stage is this Euclidean bound (no pair inside a chi-square gate can exceed it);
only its candidates get the exact Mahalanobis distance. Evaluated densely it costs an N x M distance
matrix; here the points b are sorted by x and each a_i is compared only with the b_j whose x lies within the
largest possible reach, so the work grows with the number of nearby pairs instead.

The result is a superset of the dense bound's pairs (a relative slack of 1e-9 covers the rounding of the
two ways of computing the distance); any pair it adds lies outside the bound and so, by the same
inequality, outside every gate the exact distance is then compared with.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from coop_drive.geometry import FloatArray, squared_distances

_DENSE_BELOW = 256  # N * M below which the dense matrix is cheaper
_SLACK = 1e-9


def gate_candidates(
    a: FloatArray, spread_a: FloatArray, b: FloatArray, spread_b: FloatArray, gate: float, sort_pairs: bool = True,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Pairs (i, j) with |a_i - b_j|^2 <= gate (spread_a[i] + spread_b[j]) (and possibly a few pairs a
    rounding slack outside it), sorted by (i, j) unless sort_pairs is False. a (N, 2), b (M, 2), spreads
    (N,), (M,)."""
    n, m = len(a), len(b)
    if n * m < _DENSE_BELOW:
        ii, jj = np.nonzero(squared_distances(a, b) <= gate * (spread_a[:, None] + spread_b[None, :]))
        return ii, jj
    reach = float(np.sqrt(max(gate * (float(spread_a.max()) + float(spread_b.max())), 0.0))) * (1.0 + _SLACK)
    order = np.argsort(b[:, 0], kind="stable")
    xs = b[order, 0]
    lo = np.searchsorted(xs, a[:, 0] - reach, side="left")
    hi = np.searchsorted(xs, a[:, 0] + reach, side="right")
    counts = hi - lo
    total = int(counts.sum())
    ii = np.repeat(np.arange(n), counts)
    starts = np.cumsum(counts) - counts
    jj = order[np.repeat(lo - starts, counts) + np.arange(total)]
    d = a[ii] - b[jj]
    gap2 = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]
    thresholds = gate * (spread_a[ii] + spread_b[jj])
    norm2 = a[:, 0] * a[:, 0] + a[:, 1] * a[:, 1]  # the dense form's rounding grows with |a|^2
    keep = gap2 <= thresholds * (1.0 + _SLACK) + _SLACK * (norm2[ii] + 1.0)
    ii, jj = ii[keep], jj[keep]
    if not sort_pairs:
        return ii, jj
    sort = np.argsort(ii * m + jj)
    return ii[sort], jj[sort]
