"""Compiled loops over stacks of small matrices (n <= 6), for the per-cycle perception kernels.

NumPy's batched linear algebra pays a fixed price per call and per matrix (a LAPACK call each), which for
hundreds of 4 x 4 matrices costs more than the arithmetic. These helpers are plain loops compiled with numba
(cached on disk next to this file after the first call); the kernels built on them live beside their NumPy
reference implementations and are tested against them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from coop_drive.geometry import FloatArray


@njit(cache=True)
def invert_into(m: FloatArray, out: FloatArray, work: FloatArray) -> float:  # pragma: no cover - compiled
    """out = m^-1 by Gauss-Jordan elimination with partial pivoting (as LAPACK's getrf/getri pivot), work (n, 2n);
    returns det(m)."""
    n = m.shape[0]
    det = 1.0
    for i in range(n):
        for j in range(n):
            work[i, j] = m[i, j]
            work[i, n + j] = 1.0 if i == j else 0.0
    for col in range(n):
        pivot = col
        best = abs(work[col, col])
        for r in range(col + 1, n):
            if abs(work[r, col]) > best:
                best, pivot = abs(work[r, col]), r
        if pivot != col:
            det = -det
            for j in range(2 * n):
                work[col, j], work[pivot, j] = work[pivot, j], work[col, j]
        det *= work[col, col]
        scale = 1.0 / work[col, col]
        for j in range(2 * n):
            work[col, j] *= scale
        for r in range(n):
            if r != col:
                factor = work[r, col]
                if factor != 0.0:
                    for j in range(2 * n):
                        work[r, j] -= factor * work[col, j]
    for i in range(n):
        for j in range(n):
            out[i, j] = work[i, n + j]
    return det


@njit(cache=True)
def mahalanobis_sq(y: FloatArray, s: FloatArray) -> FloatArray:  # pragma: no cover - compiled
    """y_k' S_k^-1 y_k for y (K, n), S (K, n, n) -> (K,)."""
    k, n = y.shape
    out = np.empty(k)
    s_inv, work = np.empty((n, n)), np.empty((n, 2 * n))
    for p in range(k):
        invert_into(s[p], s_inv, work)
        acc = 0.0
        for i in range(n):
            row = 0.0
            for j in range(n):
                row += s_inv[i, j] * y[p, j]
            acc += y[p, i] * row
        out[p] = acc
    return out


@njit(cache=True)
def matmul_into(a: FloatArray, b: FloatArray, out: FloatArray) -> None:  # pragma: no cover - compiled
    """out = a @ b for square matrices."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for k in range(n):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc


@njit(cache=True)
def matmul_transposed_into(a: FloatArray, b: FloatArray, out: FloatArray,
                           accumulate: bool) -> None:  # pragma: no cover - compiled
    """out = a @ b' (or out += a @ b' when accumulate) for square matrices."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for k in range(n):
                acc += a[i, k] * b[j, k]
            out[i, j] = out[i, j] + acc if accumulate else acc


@njit(cache=True)
def trace_of_product(a: FloatArray, b: FloatArray) -> float:  # pragma: no cover - compiled
    """trace(a @ b) without forming the product."""
    n = a.shape[0]
    acc = 0.0
    for i in range(n):
        for k in range(n):
            acc += a[i, k] * b[k, i]
    return acc


def warm_up() -> None:
    """Compile (or load from the cache) the helpers once, outside any timed region."""
    m = np.eye(2)
    out, work = np.empty((2, 2)), np.empty((2, 4))
    invert_into(m, out, work)
    mahalanobis_sq(np.ones((1, 2)), np.eye(2)[None])
    matmul_into(m, m, out)
    trace_of_product(m, m)
