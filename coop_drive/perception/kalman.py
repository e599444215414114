"""Linear Kalman filter for a planar constant-velocity model, state [x, y, vx, vy] in SI units."""

from __future__ import annotations

import numpy as np
from numba import njit

from coop_drive.geometry import FloatArray
from coop_drive.perception.small_linalg import invert_into, matmul_into, matmul_transposed_into


def cv_transition(dt_s: float) -> FloatArray:
    """F for the constant-velocity model over dt_s."""
    f = np.eye(4)
    f[0, 2] = f[1, 3] = dt_s
    return f


def cv_process_noise(dt_s: float, accel_noise_psd: float) -> FloatArray:
    """Q for white-noise acceleration of power spectral density q [m^2/s^3] (continuous, discretised)."""
    q = accel_noise_psd
    dt2, dt3 = dt_s * dt_s, dt_s**3
    return q * np.array([
        [dt3 / 3.0, 0.0, dt2 / 2.0, 0.0],
        [0.0, dt3 / 3.0, 0.0, dt2 / 2.0],
        [dt2 / 2.0, 0.0, dt_s, 0.0],
        [0.0, dt2 / 2.0, 0.0, dt_s],
    ])


def cv_predict(x: FloatArray, p: FloatArray, dt_s: float, accel_noise_psd: float) -> tuple[FloatArray, FloatArray]:
    """Prediction step."""
    assert x.shape == (4,) and p.shape == (4, 4), f"bad shapes x{x.shape} P{p.shape}"
    f = cv_transition(dt_s)
    x_pred = f @ x  # x = F x
    p_pred = f @ p @ f.T + cv_process_noise(dt_s, accel_noise_psd)  # P = F P F' + Q
    return x_pred, p_pred


def cv_predict_batch(
    x: FloatArray, p: FloatArray, dt_s: FloatArray, accel_noise_psd: float
) -> tuple[FloatArray, FloatArray]:
    """Prediction of K states (K, 4), covariances (K, 4, 4), each over its own dt_s (K,)."""
    f = np.broadcast_to(np.eye(4), (len(dt_s), 4, 4)).copy()
    f[:, 0, 2] = f[:, 1, 3] = dt_s
    dt2, dt3 = dt_s * dt_s, dt_s**3
    q = np.zeros((len(dt_s), 4, 4))
    q[:, 0, 0] = q[:, 1, 1] = dt3 / 3.0
    q[:, 0, 2] = q[:, 2, 0] = q[:, 1, 3] = q[:, 3, 1] = dt2 / 2.0
    q[:, 2, 2] = q[:, 3, 3] = dt_s
    x_pred = np.einsum("kij,kj->ki", f, x)  # x = F x
    p_pred = f @ p @ np.swapaxes(f, 1, 2) + accel_noise_psd * q  # P = F P F' + Q
    return x_pred, p_pred


def ekf_update(
    x: FloatArray, p: FloatArray, innovation: FloatArray, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Update with a given innovation y = z - h(x) and Jacobian H, covariance in Joseph form."""
    n = len(x)
    assert h.shape == (len(innovation), n) and r.shape == (len(innovation),) * 2, f"bad shapes H{h.shape} R{r.shape}"
    s = h @ p @ h.T + r  # S = H P H' + R
    k = np.linalg.solve(s.T, (p @ h.T).T).T  # K = P H' S^-1
    x_new = x + k @ innovation  # x = x + K y
    i_kh = np.eye(n) - k @ h
    p_new = i_kh @ p @ i_kh.T + k @ r @ k.T  # P = (I-KH) P (I-KH)' + K R K'
    return x_new, p_new


def kf_update(
    x: FloatArray, p: FloatArray, z: FloatArray | None, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Linear measurement update; a missing measurement (None) leaves the estimate as it is."""
    if z is None:
        return x, p
    return ekf_update(x, p, z - h @ x, h, r)  # y = z - H x


@njit(cache=True)
def _identity_update_kernel(
    x: FloatArray, p: FloatArray, z: FloatArray, r: FloatArray, x_out: FloatArray, p_out: FloatArray,
    likelihood: FloatArray,
) -> None:  # pragma: no cover - compiled; tested against ekf_update and gaussian_likelihood
    k, n = x.shape
    s, s_inv, gain, i_kh, tmp, work = (np.empty((n, n)), np.empty((n, n)), np.empty((n, n)), np.empty((n, n)),
                                       np.empty((n, n)), np.empty((n, 2 * n)))
    y = np.empty(n)
    norm = (2.0 * np.pi) ** n
    for q in range(k):
        for i in range(n):
            y[i] = z[q, i] - x[q, i]  # y = z - x
            for j in range(n):
                s[i, j] = p[q, i, j] + r[q, i, j]  # S = P + R
        det_s = invert_into(s, s_inv, work)
        matmul_into(p[q], s_inv, gain)  # K = P S^-1
        d2 = 0.0
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += s_inv[i, j] * y[j]
            d2 += y[i] * acc
        likelihood[q] = np.exp(-0.5 * d2) / np.sqrt(norm * det_s)
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += gain[i, j] * y[j]
                i_kh[i, j] = (1.0 if i == j else 0.0) - gain[i, j]
            x_out[q, i] = x[q, i] + acc  # x = x + K y
        # Joseph form: P = (I-K) P (I-K)' + K R K'
        matmul_into(i_kh, p[q], tmp)
        matmul_transposed_into(tmp, i_kh, p_out[q], False)
        matmul_into(gain, r[q], tmp)
        matmul_transposed_into(tmp, gain, p_out[q], True)


def identity_update_batch(
    x: FloatArray, p: FloatArray, z: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """K updates with a direct measurement of the whole state (H = I): states (K, n), covariances (K, n, n),
    measurements (K, n) and their covariances (K, n, n) -> updated states, covariances (Joseph form) and the
    measurement likelihoods N(z - x; 0, P + R), (K,). Compiled loops (perception/small_linalg.py); the same
    algebra as ``ekf_update`` with H = I."""
    k, n = x.shape
    x_out, p_out, likelihood = np.empty((k, n)), np.empty((k, n, n)), np.empty(k)
    f64 = np.float64
    _identity_update_kernel(np.ascontiguousarray(x, dtype=f64), np.ascontiguousarray(p, dtype=f64),
                            np.ascontiguousarray(z, dtype=f64), np.ascontiguousarray(r, dtype=f64),
                            x_out, p_out, likelihood)
    return x_out, p_out, likelihood
