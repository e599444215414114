"""Covariance intersection: fusing two estimates whose cross-correlation is unknown (Julier & Uhlmann 1997).

    P^-1 = w A^-1 + (1 - w) B^-1,    x = P (w A^-1 a + (1 - w) B^-1 b)

Any w in [0, 1] gives a consistent result whatever the true correlation; the best w minimises trace(P).
The weight is taken as the better (smaller fused trace) of the closed form of Fränken & Hüpper ("Improved
fast covariance intersection", FUSION 2005),

    w = (det(I_A + I_B) - det(I_B) + det(I_A)) / (2 det(I_A + I_B)),   I = P^-1,

and an evenly spaced grid on [0, 1] evaluated in one batched inversion. The grid includes 0 and 1, so the
fused trace never exceeds the smaller of the two inputs'.
"""

from __future__ import annotations

import numpy as np

from coop_drive.geometry import FloatArray

_GRID = np.linspace(0.0, 1.0, 21)


def fast_ci_weight(info_a: FloatArray, info_b: FloatArray) -> float:
    """Fränken & Hüpper's closed-form weight of estimate A, from the information matrices of A and B."""
    det_sum = float(np.linalg.det(info_a + info_b))
    w = (det_sum - float(np.linalg.det(info_b)) + float(np.linalg.det(info_a))) / (2.0 * det_sum)
    return min(max(w, 0.0), 1.0)


def ci_weight(info_a: FloatArray, info_b: FloatArray) -> float:
    """The weight of A that gives the smallest fused trace among the closed form and the grid."""
    weights = np.append(_GRID, fast_ci_weight(info_a, info_b))
    infos = weights[:, None, None] * info_a + (1.0 - weights)[:, None, None] * info_b
    traces = np.trace(np.linalg.inv(infos), axis1=1, axis2=2)
    return float(weights[int(np.argmin(traces))])


def covariance_intersection(
    a: FloatArray, cov_a: FloatArray, b: FloatArray, cov_b: FloatArray, w: float | None = None
) -> tuple[FloatArray, FloatArray, float]:
    """Fused state, fused covariance and the weight w given to ``a`` (chosen by ``ci_weight`` unless given)."""
    assert a.shape == b.shape and cov_a.shape == cov_b.shape == (len(a), len(a)), "shape mismatch"
    info_a = np.asarray(np.linalg.inv(cov_a), dtype=np.float64)
    info_b = np.asarray(np.linalg.inv(cov_b), dtype=np.float64)
    if w is None:
        w = ci_weight(info_a, info_b)
    info = w * info_a + (1.0 - w) * info_b  # P^-1 = w A^-1 + (1-w) B^-1
    cov = np.linalg.inv(info)
    x = cov @ (w * info_a @ a + (1.0 - w) * info_b @ b)  # x = P (w A^-1 a + (1-w) B^-1 b)
    return x, 0.5 * (cov + cov.T), w


def covariance_intersection_batch(
    a: FloatArray, cov_a: FloatArray, b: FloatArray, cov_b: FloatArray, iterations: int = 20
) -> tuple[FloatArray, FloatArray]:
    """``covariance_intersection`` of K pairs at once: a, b (K, n), covariances (K, n, n).

    The weight minimises the fused trace by golden-section search (the trace is convex in w), made cheap by
    simultaneous diagonalisation: with
    A^-1 = L L' (Cholesky) and L^-1 B^-1 L^-T = U diag(lam) U', V = L^-T U gives
    trace((w A^-1 + (1-w) B^-1)^-1) = sum_k |v_k|^2 / (w + (1-w) lam_k), for every w at the cost of a sum.
    L is taken from a symmetric eigendecomposition (A^-1 = Q diag(d) Q', L = Q diag(sqrt d)), which unlike
    a Cholesky factorisation tolerates a covariance that rounding has left barely positive definite.
    """
    info_a, info_b = np.linalg.inv(cov_a), np.linalg.inv(cov_b)
    info_a = 0.5 * (info_a + np.swapaxes(info_a, 1, 2))
    d, q = np.linalg.eigh(info_a)
    root_inv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    chol_inv = np.swapaxes(q, 1, 2) * root_inv[:, :, None]  # L^-1 = diag(1/sqrt d) Q'
    lam, u = np.linalg.eigh(chol_inv @ info_b @ np.swapaxes(chol_inv, 1, 2))
    v = np.swapaxes(chol_inv, 1, 2) @ u
    col_norm2 = np.sum(v * v, axis=1)  # (K, n): |v_k|^2

    def fused_trace(w: FloatArray) -> FloatArray:
        return np.sum(col_norm2 / np.maximum(w[:, None] + (1.0 - w[:, None]) * lam, 1e-300), axis=1)

    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    lo, hi = np.zeros(len(a)), np.ones(len(a))
    m1, m2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    f1, f2 = fused_trace(m1), fused_trace(m2)
    for _ in range(iterations):  # one new evaluation per step; the bracket shrinks by 0.618: 20 steps -> 7e-5
        left = f1 <= f2  # minimum in [lo, m2] (keep m1 as the new m2) or in [m1, hi] (keep m2 as the new m1)
        lo, hi = np.where(left, lo, m1), np.where(left, m2, hi)
        new = np.where(left, hi - ratio * (hi - lo), lo + ratio * (hi - lo))
        f_new = fused_trace(new)
        m1, m2, f1, f2 = (np.where(left, new, m2), np.where(left, m1, new),
                          np.where(left, f_new, f2), np.where(left, f1, f_new))
    best = 0.5 * (lo + hi)
    for end in (0.0, 1.0):  # the optimum may sit on the boundary: one estimate alone
        at_end = np.full(len(a), end)
        best = np.where(fused_trace(at_end) < fused_trace(best), at_end, best)
    w = best[:, None, None]
    info = w * info_a + (1.0 - w) * info_b  # P^-1 = w A^-1 + (1-w) B^-1
    cov = np.linalg.inv(info)
    weighted = np.einsum("kij,kj->ki", w * info_a, a) + np.einsum("kij,kj->ki", (1.0 - w) * info_b, b)
    x = np.einsum("kij,kj->ki", cov, weighted)  # x = P (w A^-1 a + (1-w) B^-1 b)
    return x, 0.5 * (cov + np.swapaxes(cov, 1, 2))
