"""Global nearest neighbour assignment on a sparse gating graph.

The trackers' cost matrices are mostly "no match" (a large constant) with a few gated pairs. An optimal
assignment of the dense matrix maximises the number of gated pairs first (one "no match" costs more than
any sum of gated costs) and then minimises their summed cost. So:

- a pair (i, j) that is the only candidate of row i and of column j belongs to every optimal assignment
  (swapping it in replaces two "no match" costs by at most one) and is taken directly;
- the remaining rows and columns with candidates are solved by ``linear_sum_assignment`` on their own,
  smaller matrix, which has the same objective restricted to them.

The gated pairs returned are those of the dense ``linear_sum_assignment`` (up to exact ties of the total
cost); tests/perception/test_assignment.py compares both on random scenes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from coop_drive.geometry import FloatArray


def assign_sparse(
    rows: NDArray[np.intp], cols: NDArray[np.intp], costs: FloatArray, n_rows: int, n_cols: int, no_match: float
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Gated pairs (rows[k], cols[k]) with costs[k] < no_match (each pair at most once) -> the assigned
    (row, column) pairs, sorted by row, as the dense ``linear_sum_assignment`` over the n_rows x n_cols matrix
    filled with no_match elsewhere would give them."""
    empty = np.zeros(0, dtype=np.intp)
    if len(rows) == 0:
        return empty, empty
    row_deg = np.bincount(rows, minlength=n_rows)
    col_deg = np.bincount(cols, minlength=n_cols)
    unique = (row_deg[rows] == 1) & (col_deg[cols] == 1)
    out_r, out_c = rows[unique], cols[unique]
    rest = ~unique
    if rest.any():
        rr, cc, cost = rows[rest], cols[rest], costs[rest]
        sub_rows, ri = np.unique(rr, return_inverse=True)
        sub_cols, ci = np.unique(cc, return_inverse=True)
        matrix = np.full((len(sub_rows), len(sub_cols)), no_match)
        matrix[ri, ci] = cost
        r, c = linear_sum_assignment(matrix)
        ok = matrix[r, c] < no_match
        out_r = np.concatenate([out_r, sub_rows[r[ok]]])
        out_c = np.concatenate([out_c, sub_cols[c[ok]]])
    order = np.argsort(out_r, kind="stable")
    return out_r[order].astype(np.intp), out_c[order].astype(np.intp)
