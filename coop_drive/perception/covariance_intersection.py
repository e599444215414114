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
    a: FloatArray, cov_a: FloatArray, b: FloatArray, cov_b: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``covariance_intersection`` of K pairs at once: a, b (K, n), covariances (K, n, n) -> fused states,
    fused covariances and the weights (K,) given to ``a``.

    The weight minimises the fused trace on a grid (33 points over [0, 1], then 65 points 1e-3 apart around
    the best), made cheap by simultaneous diagonalisation: with A^-1 = L L' and
    L^-1 B^-1 L^-T = U diag(lam) U', V = L^-T U gives
    trace((w A^-1 + (1-w) B^-1)^-1) = sum_k |v_k|^2 / (w + (1-w) lam_k), for every w at the cost of a sum.
    L comes from a symmetric eigendecomposition (A^-1 = Q diag(d) Q', L = Q diag(sqrt d)), which unlike a
    Cholesky factorisation tolerates a covariance that rounding has left barely positive definite.
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
        """Fused trace for weights w, (G,) shared or (K, G) per pair -> (K, G)."""
        w3 = np.broadcast_to(w, (len(a), w.shape[-1]))[:, :, None]
        return np.sum(col_norm2[:, None, :] / np.maximum(w3 + (1.0 - w3) * lam[:, None, :], 1e-300), axis=2)

    coarse = np.linspace(0.0, 1.0, 33)  # includes both ends: one estimate alone
    best = coarse[np.argmin(fused_trace(coarse), axis=1)]
    fine = np.clip(best[:, None] + np.linspace(-1.0 / 32.0, 1.0 / 32.0, 65)[None, :], 0.0, 1.0)  # steps of 1e-3
    best = fine[np.arange(len(a)), np.argmin(fused_trace(fine), axis=1)]
    w = best[:, None, None]
    info = w * info_a + (1.0 - w) * info_b  # P^-1 = w A^-1 + (1-w) B^-1
    cov = np.linalg.inv(info)
    weighted = np.einsum("kij,kj->ki", w * info_a, a) + np.einsum("kij,kj->ki", (1.0 - w) * info_b, b)
    x = np.einsum("kij,kj->ki", cov, weighted)  # x = P (w A^-1 a + (1-w) B^-1 b)
    return x, 0.5 * (cov + np.swapaxes(cov, 1, 2)), best
