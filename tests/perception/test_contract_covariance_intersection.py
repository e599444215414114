"""Contract tests of covariance intersection: hand-computed fusions, the weight's range and consistency."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.perception.covariance_intersection import covariance_intersection, covariance_intersection_batch

A, PA = np.array([0.0, 0.0]), np.diag([1.0, 4.0])
B, PB = np.array([2.0, 2.0]), np.diag([4.0, 1.0])


def test_mirrored_inputs_get_equal_weight_hand_values():
    # by symmetry w = 0.5: P^-1 = 0.5 diag(1, 0.25) + 0.5 diag(0.25, 1) = diag(0.625, 0.625) -> P = diag(1.6, 1.6)
    # x = P (0.5 A^-1 a + 0.5 B^-1 b) = 1.6 * 0.5 * (0.25 * 2, 1 * 2) = (0.4, 1.6)
    x, p, w = covariance_intersection(A, PA, B, PB)
    assert w == pytest.approx(0.5, abs=1e-9)
    assert p == pytest.approx(np.diag([1.6, 1.6]), abs=1e-9)
    assert x == pytest.approx([0.4, 1.6], abs=1e-9)


def test_given_weight_is_used_hand_values():
    # w = 0.25: P^-1 = diag(0.25 + 0.75 * 0.25, 0.25 * 0.25 + 0.75) = diag(0.4375, 0.8125)
    # x = P (0.75 * B^-1 b) = (0.75 * 0.5 / 0.4375, 0.75 * 2 / 0.8125)
    x, p, w = covariance_intersection(A, PA, B, PB, w=0.25)
    assert w == 0.25
    assert p == pytest.approx(np.diag([1.0 / 0.4375, 1.0 / 0.8125]), rel=1e-12)
    assert x == pytest.approx([0.375 / 0.4375, 1.5 / 0.8125], rel=1e-12)


def test_weight_one_and_zero_return_one_input():
    x, p, _ = covariance_intersection(A, PA, B, PB, w=1.0)
    assert x == pytest.approx(A, abs=1e-12) and p == pytest.approx(PA, rel=1e-12)
    x, p, _ = covariance_intersection(A, PA, B, PB, w=0.0)
    assert x == pytest.approx(B, rel=1e-12) and p == pytest.approx(PB, rel=1e-12)


def test_a_dominated_input_gets_weight_zero_or_one():
    # A = I is better than B = 4 I in every direction: trace(P(w)) = 2 / (w + (1 - w) / 4) falls with w -> w = 1
    a, b = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 5.0])
    x, p, w = covariance_intersection(a, np.eye(3), b, 4.0 * np.eye(3))
    assert w == 1.0
    assert x == pytest.approx(a) and p == pytest.approx(np.eye(3))
    x, p, w = covariance_intersection(b, 4.0 * np.eye(3), a, np.eye(3))
    assert w == 0.0
    assert x == pytest.approx(a) and p == pytest.approx(np.eye(3))


def test_the_fused_covariance_is_symmetric_even_for_asymmetric_rounding():
    # correlated inputs: the returned covariance is exactly symmetric
    pa = np.array([[2.0, 0.7, 0.1], [0.7, 1.0, 0.3], [0.1, 0.3, 3.0]])
    pb = np.array([[1.0, -0.4, 0.0], [-0.4, 2.5, 0.2], [0.0, 0.2, 0.5]])
    _, p, w = covariance_intersection(np.zeros(3), pa, np.ones(3), pb)
    assert np.array_equal(p, p.T)
    expected = np.linalg.inv(w * np.linalg.inv(pa) + (1 - w) * np.linalg.inv(pb))
    assert p == pytest.approx(expected, rel=1e-9)


def test_shape_mismatch_is_rejected():
    with pytest.raises(AssertionError, match=r"^shape mismatch$"):
        covariance_intersection(np.zeros(2), np.eye(2), np.zeros(3), np.eye(2))
    with pytest.raises(AssertionError, match=r"^shape mismatch$"):
        covariance_intersection(np.zeros(2), np.eye(2), np.zeros(2), np.eye(3))
    with pytest.raises(AssertionError, match=r"^shape mismatch$"):
        covariance_intersection(np.zeros(2), np.eye(3), np.zeros(2), np.eye(3))


def test_batch_hand_values_and_integer_inputs():
    a = np.array([[0, 0], [1, 2]])
    b = np.array([[2, 2], [5, 6]])
    pa = np.stack([np.diag([1, 4]), np.eye(2, dtype=int)])
    pb = np.stack([np.diag([4, 1]), 4 * np.eye(2, dtype=int)])
    x, p, w = covariance_intersection_batch(a, pa, b, pb)
    assert x.shape == (2, 2) and p.shape == (2, 2, 2) and w.shape == (2,)
    assert w == pytest.approx([0.5, 1.0], abs=1e-9)
    assert x[0] == pytest.approx([0.4, 1.6], abs=1e-9)
    assert p[0] == pytest.approx(np.diag([1.6, 1.6]), abs=1e-9)
    assert x[1] == pytest.approx([1.0, 2.0], abs=1e-9)
    assert p[1] == pytest.approx(np.eye(2), abs=1e-9)


def test_batch_reads_values_not_memory_layout():
    # Fortran-ordered copies of the same inputs give the same result
    a, b = np.array([[0.0, 0.0]]), np.array([[2.0, 2.0]])
    pa, pb = np.asfortranarray(PA[None]), np.asfortranarray(np.array([[4.0, 0.5], [0.5, 1.0]])[None])
    x, p, w = covariance_intersection_batch(np.asfortranarray(a.T).T, pa, b, pb)
    x_ref, p_ref, w_ref = covariance_intersection_batch(a.copy(), np.ascontiguousarray(pa), b, np.ascontiguousarray(pb))
    assert w == pytest.approx(w_ref) and x == pytest.approx(x_ref) and p == pytest.approx(p_ref)
    assert w_ref[0] == pytest.approx(float(covariance_intersection(a[0], PA, b[0], pb[0])[2]))


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    m = rng.normal(size=(n, n))
    return m @ m.T + 0.05 * np.eye(n)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_weight_in_unit_interval_and_fused_estimate_is_consistent(seed, n):
    rng = np.random.default_rng(seed)
    pa, pb = _spd(rng, n), _spd(rng, n)
    a, b = rng.normal(size=n), rng.normal(size=n)
    x, p, w = covariance_intersection(a, pa, b, pb)
    assert 0.0 <= w <= 1.0
    # never smaller than the independent-errors (optimal) fusion (A^-1 + B^-1)^-1, in the Loewner order
    bound = np.linalg.inv(np.linalg.inv(pa) + np.linalg.inv(pb))
    assert np.linalg.eigvalsh(p - bound).min() >= -1e-9 * np.trace(p)
    # and its trace never exceeds the smaller input's (w = 0 and w = 1 are candidates)
    assert np.trace(p) <= min(np.trace(pa), np.trace(pb)) * (1 + 1e-9)
    # the weight minimises the trace over [0, 1]
    grid = np.linspace(0.0, 1.0, 101)
    traces = [np.trace(np.linalg.inv(g * np.linalg.inv(pa) + (1 - g) * np.linalg.inv(pb))) for g in grid]
    assert np.trace(p) <= min(traces) * (1 + 1e-9)
    # the same fusion with the weight given
    x2, p2, _ = covariance_intersection(a, pa, b, pb, w=w)
    assert x2 == pytest.approx(x, rel=1e-7, abs=1e-7) and p2 == pytest.approx(p, rel=1e-7, abs=1e-9)


def test_single_precision_inputs_are_fused_in_double_precision():
    # inverses of powers of two are exact in float32; the fusion itself must not round to float32
    a32, b32 = np.array([1.0, 3.0], dtype=np.float32), np.array([2.0, -1.0], dtype=np.float32)
    pa32, pb32 = np.diag([2.0, 4.0]).astype(np.float32), np.diag([4.0, 0.5]).astype(np.float32)
    x, p, _ = covariance_intersection(a32, pa32, b32, pb32, w=0.1)
    x64, p64, _ = covariance_intersection(
        a32.astype(float), pa32.astype(float), b32.astype(float), pb32.astype(float), w=0.1
    )
    assert p.dtype == np.float64
    assert np.array_equal(p, p64) and x == pytest.approx(x64, rel=1e-15, abs=1e-15)
