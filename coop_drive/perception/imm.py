"""Interacting multiple model (IMM) filtering, batched over tracks, for a constant-velocity model and
coordinated-turn models of known turn rate (Bar-Shalom, Li, Kirubarajan 2001, §11.6).

All models share the state [x, y, vx, vy]; a coordinated turn at a known rate w is linear:

    F_ct(w, T) = [[1, 0,  sin(wT)/w,      -(1 - cos(wT))/w],
                  [0, 1,  (1 - cos(wT))/w,  sin(wT)/w     ],
                  [0, 0,  cos(wT),         -sin(wT)       ],
                  [0, 0,  sin(wT),          cos(wT)       ]]

and w = 0 is the constant-velocity model. Model switching is a continuous-time Markov chain with mean
sojourn time tau: over dt a model is kept with probability exp(-dt/tau), else it switches uniformly.
With one model the IMM is exactly a Kalman filter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from coop_drive.geometry import FloatArray
from coop_drive.perception.kalman import cv_process_noise, cv_transition


def ct_transition(dt_s: float, turn_rate_rps: float) -> FloatArray:
    """F of the coordinated-turn model over dt_s at a known turn rate (the CV model when the rate is 0)."""
    w = turn_rate_rps
    if abs(w) < 1e-9:
        return cv_transition(dt_s)
    s, c = math.sin(w * dt_s), math.cos(w * dt_s)
    return np.array([
        [1.0, 0.0, s / w, -(1.0 - c) / w],
        [0.0, 1.0, (1.0 - c) / w, s / w],
        [0.0, 0.0, c, -s],
        [0.0, 0.0, s, c],
    ])


@dataclass(frozen=True)
class ImmModels:
    """The model set: turn rates [rad/s] (0 = constant velocity), switching time and initial probabilities."""

    turn_rates_rps: tuple[float, ...] = (0.0, 0.35, -0.35)
    mean_sojourn_s: float = 3.0
    initial_probabilities: tuple[float, ...] = (0.8, 0.1, 0.1)

    def __post_init__(self) -> None:
        if len(self.turn_rates_rps) != len(self.initial_probabilities):
            raise ValueError("one initial probability per model expected")
        if abs(sum(self.initial_probabilities) - 1.0) > 1e-9:
            raise ValueError(f"initial probabilities must sum to 1, got {self.initial_probabilities}")

    @property
    def count(self) -> int:
        return len(self.turn_rates_rps)

    def transitions(self, dt_s: float) -> FloatArray:
        """F of every model, (M, 4, 4)."""
        return np.array([ct_transition(dt_s, w) for w in self.turn_rates_rps])

    def markov(self, dt_s: float) -> FloatArray:
        """Model transition matrix Pi[i, j] = P(model j after dt | model i before), (M, M)."""
        m = self.count
        if m == 1:
            return np.ones((1, 1))
        stay = math.exp(-abs(dt_s) / self.mean_sojourn_s)
        pi = np.full((m, m), (1.0 - stay) / (m - 1))
        np.fill_diagonal(pi, stay)
        return pi


@njit(cache=True)
def _imm_predict_kernel(
    xm: FloatArray, pm: FloatArray, mu: FloatArray, pi: FloatArray, f: FloatArray, q: FloatArray,
    x_out: FloatArray, p_out: FloatArray, c_out: FloatArray,
) -> None:  # pragma: no cover - compiled; tested against the NumPy reference in tests/perception/test_imm.py
    t_count, m_count, n = mu.shape[0], mu.shape[1], xm.shape[2]
    x0, p0, fp = np.empty(n), np.empty((n, n)), np.empty((n, n))
    for t in range(t_count):
        for j in range(m_count):
            c = 0.0
            for i in range(m_count):
                c += mu[t, i] * pi[i, j]  # c_j = sum_i Pi_ij mu_i
            c_out[t, j] = c
            c_safe = max(c, 1e-300)
            x0[:] = 0.0
            for i in range(m_count):
                w = mu[t, i] * pi[i, j] / c_safe  # mu_{i|j}
                for a in range(n):
                    x0[a] += w * xm[t, i, a]
            p0[:, :] = 0.0
            for i in range(m_count):
                w = mu[t, i] * pi[i, j] / c_safe
                for a in range(n):
                    da = xm[t, i, a] - x0[a]
                    for b in range(n):
                        p0[a, b] += w * (pm[t, i, a, b] + da * (xm[t, i, b] - x0[b]))  # P_i + dx dx'
            for a in range(n):  # x_j = F_j x0_j, P_j = F_j P0_j F_j' + Q
                acc = 0.0
                for b in range(n):
                    acc += f[j, a, b] * x0[b]
                x_out[t, j, a] = acc
                for b in range(n):
                    acc = 0.0
                    for k in range(n):
                        acc += f[j, a, k] * p0[k, b]
                    fp[a, b] = acc
            for a in range(n):
                for b in range(n):
                    acc = q[a, b]
                    for k in range(n):
                        acc += fp[a, k] * f[j, b, k]
                    p_out[t, j, a, b] = acc


@njit(cache=True)
def _imm_combine_kernel(
    xm: FloatArray, pm: FloatArray, mu: FloatArray, x_out: FloatArray, p_out: FloatArray
) -> None:  # pragma: no cover - compiled
    t_count, m_count, n = mu.shape[0], mu.shape[1], xm.shape[2]
    for t in range(t_count):
        for a in range(n):
            acc = 0.0
            for j in range(m_count):
                acc += mu[t, j] * xm[t, j, a]
            x_out[t, a] = acc
        for a in range(n):
            for b in range(n):
                acc = 0.0
                for j in range(m_count):
                    acc += mu[t, j] * (pm[t, j, a, b] + (xm[t, j, a] - x_out[t, a]) * (xm[t, j, b] - x_out[t, b]))
                p_out[t, a, b] = acc


def imm_predict(
    xm: FloatArray, pm: FloatArray, mu: FloatArray, models: ImmModels, dt_s: float, accel_noise_psd: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mixing and per-model prediction. xm (T, M, 4), pm (T, M, 4, 4), mu (T, M) -> predicted xm, pm and the
    predicted model probabilities c (T, M). Compiled loops; ``imm_predict_reference`` is the same in NumPy."""
    x_out, p_out, c_out = np.empty(xm.shape), np.empty(pm.shape), np.empty(mu.shape)
    f64 = np.float64
    _imm_predict_kernel(np.ascontiguousarray(xm, dtype=f64), np.ascontiguousarray(pm, dtype=f64),
                        np.ascontiguousarray(mu, dtype=f64), models.markov(dt_s), models.transitions(dt_s),
                        cv_process_noise(dt_s, accel_noise_psd), x_out, p_out, c_out)
    return x_out, p_out, c_out


def imm_combine(xm: FloatArray, pm: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched combined estimate: x = sum mu_j x_j, P = sum mu_j (P_j + dx dx'). Compiled loops."""
    t, _, n = xm.shape
    x_out, p_out = np.empty((t, n)), np.empty((t, n, n))
    f64 = np.float64
    _imm_combine_kernel(np.ascontiguousarray(xm, dtype=f64), np.ascontiguousarray(pm, dtype=f64),
                        np.ascontiguousarray(mu, dtype=f64), x_out, p_out)
    return x_out, p_out


def imm_predict_reference(

    xm: FloatArray, pm: FloatArray, mu: FloatArray, models: ImmModels, dt_s: float, accel_noise_psd: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``imm_predict`` in NumPy (the reference the compiled kernel is tested against)."""
    pi = models.markov(dt_s)
    t, m = mu.shape
    c = mu @ pi  # c_j = sum_i Pi_ij mu_i
    w = mu[:, :, None] * pi[None, :, :] / np.maximum(c[:, None, :], 1e-300)  # mu_{i|j}, (T, i, j)
    w_ji = np.swapaxes(w, 1, 2)
    # the sums over i as batched matrix products (much cheaper than multi-operand einsums)
    x0 = w_ji @ xm  # x0_j = sum_i mu_{i|j} x_i, (T, j, 4)
    dx = xm[:, :, None, :] - x0[:, None, :, :]  # (T, i, j, 4)
    spread = (w[..., None] * dx).transpose(0, 2, 3, 1) @ np.swapaxes(dx, 1, 2)  # sum_i mu_{i|j} dx dx', (T, j, 4, 4)
    p0 = (w_ji @ pm.reshape(t, m, 16)).reshape(t, m, 4, 4) + spread  # sum_i mu_{i|j} (P_i + dx dx')
    f = models.transitions(dt_s)  # (M, 4, 4)
    x_pred = np.einsum("jab,tjb->tja", f, x0)  # x_j = F_j x0_j
    p_pred = f[None] @ p0 @ np.swapaxes(f, 1, 2)[None] + cv_process_noise(dt_s, accel_noise_psd)  # F P F' + Q
    return x_pred, p_pred, c


def imm_combine_reference(xm: FloatArray, pm: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``imm_combine`` in NumPy (the reference the compiled kernel is tested against)."""
    t, m = mu.shape
    weights = mu[:, None, :]  # (T, 1, M)
    x = (weights @ xm)[:, 0, :]
    dx = xm - x[:, None, :]
    p = (weights @ pm.reshape(t, m, 16)).reshape(t, 4, 4) + np.swapaxes(mu[:, :, None] * dx, 1, 2) @ dx
    return x, p


def gaussian_likelihood(innovation: FloatArray, s: FloatArray) -> FloatArray:
    """N(y; 0, S) for batches of innovations (..., m) and covariances (..., m, m)."""
    m = innovation.shape[-1]
    d2 = np.einsum("...i,...i->...", innovation, np.linalg.solve(s, innovation[..., None])[..., 0])
    return np.exp(-0.5 * d2) / np.sqrt((2.0 * np.pi) ** m * np.linalg.det(s))
