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


def imm_predict(
    xm: FloatArray, pm: FloatArray, mu: FloatArray, models: ImmModels, dt_s: float, accel_noise_psd: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mixing and per-model prediction. xm (T, M, 4), pm (T, M, 4, 4), mu (T, M) -> predicted xm, pm and the
    predicted model probabilities c (T, M)."""
    pi = models.markov(dt_s)
    c = mu @ pi  # c_j = sum_i Pi_ij mu_i
    w = mu[:, :, None] * pi[None, :, :] / np.maximum(c[:, None, :], 1e-300)  # mu_{i|j}, (T, i, j)
    x0 = np.einsum("tij,tia->tja", w, xm)  # x0_j = sum_i mu_{i|j} x_i
    dx = xm[:, :, None, :] - x0[:, None, :, :]  # (T, i, j, 4)
    p0 = np.einsum("tij,tiab->tjab", w, pm) + np.einsum("tij,tija,tijb->tjab", w, dx, dx)
    f = models.transitions(dt_s)  # (M, 4, 4)
    x_pred = np.einsum("jab,tjb->tja", f, x0)  # x_j = F_j x0_j
    p_pred = f[None] @ p0 @ np.swapaxes(f, 1, 2)[None] + cv_process_noise(dt_s, accel_noise_psd)  # F P F' + Q
    return x_pred, p_pred, c


def imm_combine(xm: FloatArray, pm: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched combined estimate: x = sum mu_j x_j, P = sum mu_j (P_j + dx dx')."""
    x = np.einsum("tj,tja->ta", mu, xm)
    dx = xm - x[:, None, :]
    p = np.einsum("tj,tjab->tab", mu, pm) + np.einsum("tj,tja,tjb->tab", mu, dx, dx)
    return x, p


def gaussian_likelihood(innovation: FloatArray, s: FloatArray) -> FloatArray:
    """N(y; 0, S) for batches of innovations (..., m) and covariances (..., m, m)."""
    m = innovation.shape[-1]
    d2 = np.einsum("...i,...i->...", innovation, np.linalg.solve(s, innovation[..., None])[..., 0])
    return np.exp(-0.5 * d2) / np.sqrt((2.0 * np.pi) ** m * np.linalg.det(s))
