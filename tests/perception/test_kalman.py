import numpy as np
import pytest

from coop_drive.perception.kalman import cv_predict, cv_process_noise, kf_update


def _f(dt: float) -> np.ndarray:
    return np.array([[1, 0, dt, 0], [0, 1, 0, dt], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float)


def test_process_noise_matches_numerical_integral():
    # Q = integral_0^dt F(tau) B q B' F(tau)' dtau, B maps acceleration into velocity
    dt, q = 0.1, 2.0
    b = np.array([[0, 0], [0, 0], [1, 0], [0, 1]], dtype=float)
    taus = np.linspace(0.0, dt, 4001)
    integrand = np.array([_f(t) @ b @ b.T @ _f(t).T for t in taus])
    expected = q * np.trapezoid(integrand, taus, axis=0)
    assert cv_process_noise(dt, q) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def _reference_step(x, p, z, dt, r):
    """An independent textbook step: simple-form covariance update and an explicit inverse."""
    xp = _f(dt) @ x
    pp = _f(dt) @ p @ _f(dt).T
    k = pp @ np.linalg.inv(pp + r)
    return xp + k @ (z - xp), (np.eye(4) - k) @ pp


def test_filter_matches_independent_implementation():
    rng = np.random.default_rng(5)
    x, p = np.array([0.0, 0.0, 10.0, 1.0]), np.diag([1.0, 1.0, 4.0, 4.0])
    r = np.diag([0.09, 0.09, 0.25, 0.25])
    xr, pr = x.copy(), p.copy()
    truth = x.copy()
    for _ in range(20):
        truth = _f(0.1) @ truth
        z = truth + rng.normal(0.0, 0.3, 4)
        x, p = cv_predict(x, p, 0.1, 0.0)
        x, p = kf_update(x, p, z, np.eye(4), r)
        xr, pr = _reference_step(xr, pr, z, 0.1, r)
        assert x == pytest.approx(xr, abs=1e-9)
        assert p == pytest.approx(pr, abs=1e-9)


def test_missing_measurement_skips_update():
    x, p = np.ones(4), np.eye(4)
    x2, p2 = kf_update(x, p, None, np.eye(4), np.eye(4))
    assert x2 is x and p2 is p


def test_compiled_identity_update_matches_ekf_update_and_the_gaussian_likelihood():
    from coop_drive.perception.imm import gaussian_likelihood
    from coop_drive.perception.kalman import ekf_update, identity_update_batch

    rng = np.random.default_rng(5)
    k = 25
    x, z = rng.normal(size=(k, 4)), rng.normal(size=(k, 4))
    a, b = rng.normal(size=(k, 4, 4)), rng.normal(size=(k, 4, 4))
    p = a @ np.swapaxes(a, 1, 2) + 0.1 * np.eye(4)
    r = b @ np.swapaxes(b, 1, 2) + 0.1 * np.eye(4)
    x_new, p_new, likelihood = identity_update_batch(x, p, z, r)
    for q in range(k):
        x_ref, p_ref = ekf_update(x[q], p[q], z[q] - x[q], np.eye(4), r[q])
        assert x_new[q] == pytest.approx(x_ref, rel=1e-9, abs=1e-9)
        assert p_new[q] == pytest.approx(p_ref, rel=1e-9, abs=1e-9)
    assert likelihood == pytest.approx(gaussian_likelihood(z - x, p + r), rel=1e-9)


def test_compiled_mahalanobis_distance_matches_a_linear_solve():
    from coop_drive.perception.small_linalg import mahalanobis_sq

    rng = np.random.default_rng(6)
    for n in (2, 3, 4):
        y = rng.normal(size=(40, n))
        a = rng.normal(size=(40, n, n))
        s = a @ np.swapaxes(a, 1, 2) + 0.05 * np.eye(n)
        want = np.einsum("ki,ki->k", y, np.linalg.solve(s, y[..., None])[..., 0])
        assert mahalanobis_sq(y, s) == pytest.approx(want, rel=1e-9)
