import numpy as np
import pytest

from coop_drive.perception.covariance_intersection import covariance_intersection, covariance_intersection_batch


def _fused_trace(w, pa, pb):
    return np.trace(np.linalg.inv(w * np.linalg.inv(pa) + (1 - w) * np.linalg.inv(pb)))


def test_fused_covariance_is_no_larger_than_either_input_and_near_optimal():
    a, pa = np.array([1.0, 2.0, 3.0, 0.0]), np.diag([0.5, 4.0, 1.0, 1.0])
    b, pb = np.array([1.5, 1.0, 3.2, 0.1]), np.diag([4.0, 0.5, 1.0, 2.0])
    x, p, w = covariance_intersection(a, pa, b, pb)
    assert 0.0 < w < 1.0
    assert np.trace(p) < min(np.trace(pa), np.trace(pb))
    grid = np.linspace(0.0, 1.0, 2001)
    best = min(_fused_trace(g, pa, pb) for g in grid)
    assert np.trace(p) <= best * 1.01  # within 1 % of the trace optimum found on a fine grid
    # the fused estimate lies between the inputs, closer to the more certain one per axis
    assert abs(x[0] - a[0]) < abs(x[0] - b[0])
    assert abs(x[1] - b[1]) < abs(x[1] - a[1])


def test_ci_is_consistent_for_fully_correlated_errors():
    # the same estimate twice (correlation 1): the naive Kalman fusion would halve the covariance; CI must not
    a, pa = np.array([0.0, 0.0, 1.0, 1.0]), np.diag([1.0, 2.0, 0.5, 0.5])
    _, p, _ = covariance_intersection(a, pa, a.copy(), pa.copy())
    assert p == pytest.approx(pa)


def test_batch_matches_the_trace_optimum_pair_by_pair():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    ma, mb = rng.normal(size=(50, 4, 4)), rng.normal(size=(50, 4, 4))
    pa = ma @ np.swapaxes(ma, 1, 2) + 0.1 * np.eye(4)
    pb = mb @ np.swapaxes(mb, 1, 2) + 0.1 * np.eye(4)
    x, p, w = covariance_intersection_batch(a, pa, b, pb)
    grid = np.linspace(0.0, 1.0, 4001)
    for k in range(50):
        best = min(_fused_trace(g, pa[k], pb[k]) for g in grid)
        assert np.trace(p[k]) <= best * (1 + 1e-5) + 1e-12  # the weight is (near) optimal
        x_ref, p_ref, _ = covariance_intersection(a[k], pa[k], b[k], pb[k], w=float(w[k]))
        assert p[k] == pytest.approx(p_ref, rel=1e-9, abs=1e-9)  # and the batched algebra is exact
        assert x[k] == pytest.approx(x_ref, rel=1e-9, abs=1e-9)
