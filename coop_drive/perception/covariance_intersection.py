"""Covariance intersection: fusing two estimates whose cross-correlation is unknown (Julier & Uhlmann 1997).

    P^-1 = w A^-1 + (1 - w) B^-1,    x = P (w A^-1 a + (1 - w) B^-1 b)

Any w in [0, 1] gives a consistent result whatever the true correlation; the weight used is the one that
minimises trace(P) — found exactly (to 1e-12 in w) by a safeguarded Newton iteration on the derivative of the
trace, whose derivatives are traces of small products (``covariance_intersection_batch``).
w = 0 and w = 1 (one estimate alone) are candidates, so the fused trace never exceeds the smaller input's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from coop_drive.geometry import FloatArray
from coop_drive.perception.small_linalg import invert_into, matmul_into, trace_of_product


def covariance_intersection(
    a: FloatArray, cov_a: FloatArray, b: FloatArray, cov_b: FloatArray, w: float | None = None
) -> tuple[FloatArray, FloatArray, float]:
    """Fused state, fused covariance and the weight w given to ``a`` (the trace minimiser unless given)."""
    assert a.shape == b.shape and cov_a.shape == cov_b.shape == (len(a), len(a)), "shape mismatch"
    info_a = np.asarray(np.linalg.inv(cov_a), dtype=np.float64)
    info_b = np.asarray(np.linalg.inv(cov_b), dtype=np.float64)
    if w is None:
        w = float(covariance_intersection_batch(a[None], cov_a[None], b[None], cov_b[None])[2][0])
    info = w * info_a + (1.0 - w) * info_b  # P^-1 = w A^-1 + (1-w) B^-1
    cov = np.linalg.inv(info)
    x = cov @ (w * info_a @ a + (1.0 - w) * info_b @ b)  # x = P (w A^-1 a + (1-w) B^-1 b)
    return x, 0.5 * (cov + cov.T), w


_W_TOL = 1e-12  # the weight's convergence tolerance
_MAX_STEPS = 60  # Newton steps (or bisections) at most; a bisection alone would reach 1e-12 in 40


@njit(cache=True)
def _ci_kernel(
    a: FloatArray, cov_a: FloatArray, b: FloatArray, cov_b: FloatArray, x_out: FloatArray, cov_out: FloatArray,
    w_out: FloatArray,
) -> None:  # pragma: no cover - compiled; tested through covariance_intersection_batch
    k, n = a.shape
    info_a, info_b, diff = np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    m, m_inv, xm, ym = np.empty((n, n)), np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    work = np.empty((n, 2 * n))
    for p in range(k):
        invert_into(cov_a[p], info_a, work)
        invert_into(cov_b[p], info_b, work)
        for i in range(n):
            for j in range(n):
                diff[i, j] = info_a[i, j] - info_b[i, j]
        # f(w) = tr(M(w)^-1), M = B^-1 + w D, D = A^-1 - B^-1: f' = -tr(M^-1 D M^-1), f'' = 2 tr(M^-1 D M^-1 D M^-1)
        matmul_into(cov_b[p], diff, xm)
        slope_at_0 = -trace_of_product(xm, cov_b[p])
        matmul_into(cov_a[p], diff, xm)
        slope_at_1 = -trace_of_product(xm, cov_a[p])
        if slope_at_0 >= 0.0:
            w = 0.0
        elif slope_at_1 <= 0.0:
            w = 1.0
        else:  # f convex: f' < 0 at lo, > 0 at hi
            lo, hi, w = 0.0, 1.0, 0.5
            for _ in range(_MAX_STEPS):
                for i in range(n):
                    for j in range(n):
                        m[i, j] = info_b[i, j] + w * diff[i, j]
                invert_into(m, m_inv, work)
                matmul_into(m_inv, diff, xm)
                matmul_into(xm, m_inv, ym)
                slope = 0.0
                for i in range(n):
                    slope -= ym[i, i]
                curvature = 2.0 * trace_of_product(xm, ym)
                if slope < 0.0:
                    lo = w
                elif slope > 0.0:
                    hi = w
                else:
                    break
                step = w - slope / curvature if curvature > 0.0 else 0.5 * (lo + hi)
                if not lo < step < hi:
                    step = 0.5 * (lo + hi)
                done = abs(step - w) <= _W_TOL
                w = step
                if done:
                    break
        w_out[p] = w
        for i in range(n):
            for j in range(n):
                m[i, j] = w * info_a[i, j] + (1.0 - w) * info_b[i, j]  # P^-1 = w A^-1 + (1-w) B^-1
        invert_into(m, m_inv, work)
        for i in range(n):
            for j in range(n):
                cov_out[p, i, j] = 0.5 * (m_inv[i, j] + m_inv[j, i])
        for i in range(n):  # x = P (w A^-1 a + (1-w) B^-1 b)
            acc = 0.0
            for j in range(n):
                weighted = 0.0
                for q in range(n):
                    weighted += w * info_a[j, q] * a[p, q] + (1.0 - w) * info_b[j, q] * b[p, q]
                acc += m_inv[i, j] * weighted
            x_out[p, i] = acc


def covariance_intersection_batch(
    a: FloatArray, cov_a: FloatArray, b: FloatArray, cov_b: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``covariance_intersection`` of K pairs at once: a, b (K, n), covariances (K, n, n) -> fused states,
    fused covariances and the weights (K,) given to ``a``.

    The weight minimises f(w) = trace(P(w)), a convex function of w with
    f'(w) = -trace(P D P), f''(w) = 2 trace(P D P D P), D = A^-1 - B^-1: an end of [0, 1] when the slope there
    says so, else the root of f' by Newton steps kept inside a shrinking bracket (bisection when a step would
    leave it), to 1e-12 in w. Compiled loops over the pairs (perception/small_linalg.py).
    """
    k, n = a.shape
    x, cov, w = np.empty((k, n)), np.empty((k, n, n)), np.empty(k)
    f64 = np.float64
    _ci_kernel(np.ascontiguousarray(a, dtype=f64), np.ascontiguousarray(cov_a, dtype=f64),
               np.ascontiguousarray(b, dtype=f64), np.ascontiguousarray(cov_b, dtype=f64), x, cov, w)
    return x, cov, w
