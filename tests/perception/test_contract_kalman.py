"""Contract tests of the constant-velocity Kalman filter: hand-computed one-step values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.perception.kalman import (
    cv_predict,
    cv_predict_batch,
    cv_process_noise,
    cv_transition,
    ekf_update,
    identity_update_batch,
    kf_update,
)


def test_transition_moves_position_by_velocity_times_dt():
    f = cv_transition(0.5)
    expected = np.array([[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 0.5], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    assert np.array_equal(f, expected)


def test_process_noise_hand_values():
    # q = 2, dt = 0.5: dt^3/3 = 0.041666.., dt^2/2 = 0.125, dt = 0.5; times q
    q = cv_process_noise(0.5, 2.0)
    expected = 2.0 * np.array(
        [
            [0.125 / 3.0, 0.0, 0.125, 0.0],
            [0.0, 0.125 / 3.0, 0.0, 0.125],
            [0.125, 0.0, 0.5, 0.0],
            [0.0, 0.125, 0.0, 0.5],
        ]
    )
    assert q == pytest.approx(expected, rel=1e-15, abs=0.0)


def test_predict_one_step_hand_values():
    # x = F x: [1 + 0.5*3, 2 + 0.5*4, 3, 4] = [2.5, 4, 3, 4]
    # F I F' = [[1.25, 0, 0.5, 0], ..., [0.5, 0, 1, 0], ...]; Q(0.5, 2) = [[1/12, 0, 0.25, 0], ..., [0.25, 0, 1, 0]]
    x, p = cv_predict(np.array([1.0, 2.0, 3.0, 4.0]), np.eye(4), 0.5, 2.0)
    assert x == pytest.approx([2.5, 4.0, 3.0, 4.0])
    expected = np.array(
        [
            [1.25 + 1.0 / 12.0, 0.0, 0.75, 0.0],
            [0.0, 1.25 + 1.0 / 12.0, 0.0, 0.75],
            [0.75, 0.0, 2.0, 0.0],
            [0.0, 0.75, 0.0, 2.0],
        ]
    )
    assert p == pytest.approx(expected, rel=1e-12)


def test_predict_rejects_bad_shapes_naming_them():
    with pytest.raises(AssertionError, match=r"^bad shapes x\(3,\) P\(4, 4\)$"):
        cv_predict(np.zeros(3), np.eye(4), 0.1, 1.0)
    with pytest.raises(AssertionError, match=r"^bad shapes x\(4,\) P\(3, 3\)$"):
        cv_predict(np.zeros(4), np.eye(3), 0.1, 1.0)


def test_batch_prediction_uses_each_rows_own_dt():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, -2.0, 1.0], [5.0, 5.0, 1.0, 1.0]])
    p = np.stack([np.eye(4), np.diag([2.0, 3.0, 4.0, 5.0]), np.eye(4)])
    dt = np.array([0.5, 0.25, 0.0])
    xb, pb = cv_predict_batch(x, p, dt, 2.0)
    # row 0 as the hand-computed single step; row 2 with dt = 0 is unchanged
    assert xb[0] == pytest.approx([2.5, 4.0, 3.0, 4.0])
    assert xb[1] == pytest.approx([-0.5, 0.25, -2.0, 1.0])
    assert xb[2] == pytest.approx(x[2])
    assert pb[2] == pytest.approx(p[2])
    # row 1 by hand: P00 = 2 + dt^2 * 4 + q dt^3/3 = 2 + 0.25 + 2*0.015625/3; P02 = dt*4 + q*dt^2/2 = 1 + 0.0625
    assert pb[1][0, 0] == pytest.approx(2.0 + 0.25 + 2.0 * 0.015625 / 3.0)
    assert pb[1][1, 1] == pytest.approx(3.0 + 0.0625 * 5.0 + 2.0 * 0.015625 / 3.0)
    assert pb[1][0, 2] == pytest.approx(1.0 + 0.0625)
    assert pb[1][2, 0] == pytest.approx(1.0 + 0.0625)
    assert pb[1][1, 3] == pytest.approx(1.25 + 0.0625)
    assert pb[1][3, 1] == pytest.approx(1.25 + 0.0625)
    assert pb[1][2, 2] == pytest.approx(4.0 + 0.5)
    assert pb[1][3, 3] == pytest.approx(5.0 + 0.5)
    for k in range(3):
        xs, ps = cv_predict(x[k], p[k], float(dt[k]), 2.0)
        assert xb[k] == pytest.approx(xs, rel=1e-12, abs=1e-12)
        assert pb[k] == pytest.approx(ps, rel=1e-12, abs=1e-12)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.lists(st.floats(0.0, 2.0), min_size=1, max_size=5),
    st.floats(0.0, 10.0),
)
def test_batch_prediction_equals_the_single_step(dts, q):
    rng = np.random.default_rng(len(dts))
    x = rng.normal(size=(len(dts), 4))
    a = rng.normal(size=(len(dts), 4, 4))
    p = a @ np.swapaxes(a, 1, 2) + 0.1 * np.eye(4)
    xb, pb = cv_predict_batch(x, p, np.array(dts), q)
    for k, dt in enumerate(dts):
        xs, ps = cv_predict(x[k], p[k], dt, q)
        assert xb[k] == pytest.approx(xs, rel=1e-12, abs=1e-12)
        assert pb[k] == pytest.approx(ps, rel=1e-12, abs=1e-12)


def test_scalar_position_update_hand_values():
    # H = [1 0 0 0], P00 = 4, P02 = 2, P22 = 3, R = 1, y = 5: S = 5, K = P H'/S = [0.8, 0, 0.4, 0]
    # x = x + K y = x + [4, 0, 2, 0]; P = P - K S K' -> P00 = 4 - 3.2, P02 = 2 - 1.6, P22 = 3 - 0.8
    p = np.array([[4.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 0.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    h = np.array([[1.0, 0.0, 0.0, 0.0]])
    x, pn = ekf_update(np.array([1.0, 1.0, 1.0, 1.0]), p, np.array([5.0]), h, np.array([[1.0]]))
    assert x == pytest.approx([5.0, 1.0, 3.0, 1.0])
    expected = np.array([[0.8, 0.0, 0.4, 0.0], [0.0, 1.0, 0.0, 0.0], [0.4, 0.0, 2.2, 0.0], [0.0, 0.0, 0.0, 1.0]])
    assert pn == pytest.approx(expected, abs=1e-12)


def test_two_dimensional_position_update_hand_values():
    # H = [I 0], P = diag(3, 1, 2, 2), R = diag(1, 3), y = [4, 8]: S = diag(4, 4), K = diag(0.75, 0.25) on pos
    # x_pos += [3, 2]; P_pos = (1-K)^2 P + K^2 R = [0.0625*3 + 0.5625, 0.5625 + 0.0625*3] = [0.75, 0.75]
    h = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    x, p = ekf_update(np.zeros(4), np.diag([3.0, 1.0, 2.0, 2.0]), np.array([4.0, 8.0]), h, np.diag([1.0, 3.0]))
    assert x == pytest.approx([3.0, 2.0, 0.0, 0.0])
    assert p == pytest.approx(np.diag([0.75, 0.75, 2.0, 2.0]), abs=1e-12)


def test_update_rejects_bad_shapes_naming_them():
    with pytest.raises(AssertionError, match=r"^bad shapes H\(1, 3\) R\(1, 1\)$"):
        ekf_update(np.zeros(4), np.eye(4), np.zeros(1), np.zeros((1, 3)), np.eye(1))
    with pytest.raises(AssertionError, match=r"^bad shapes H\(1, 4\) R\(2, 2\)$"):
        ekf_update(np.zeros(4), np.eye(4), np.zeros(1), np.zeros((1, 4)), np.eye(2))


def test_kf_update_innovation_is_z_minus_hx():
    # x = [2, 0, 0, 0], z = 7: y = 7 - 2 = 5; P = I, R = 1: K = 0.5 -> x0 = 2 + 2.5, P00 = 0.5
    h = np.array([[1.0, 0.0, 0.0, 0.0]])
    x, p = kf_update(np.array([2.0, 0.0, 0.0, 0.0]), np.eye(4), np.array([7.0]), h, np.array([[1.0]]))
    assert x == pytest.approx([4.5, 0.0, 0.0, 0.0])
    assert p == pytest.approx(np.diag([0.5, 1.0, 1.0, 1.0]))


def test_identity_update_of_one_scalar_state():
    # n = 1: P = 3, R = 1, z - x = 2: S = 4, K = 0.75 -> x = 1.5, P = 0.25^2 * 3 + 0.75^2 * 1 = 0.75,
    # likelihood N(2; 0, 4) = exp(-0.5 * 4 / 4) / sqrt(2 pi 4)
    x, p, lik = identity_update_batch(np.array([[0.0]]), np.array([[[3.0]]]), np.array([[2.0]]), np.array([[[1.0]]]))
    assert x == pytest.approx(np.array([[1.5]]))
    assert p == pytest.approx(np.array([[[0.75]]]))
    assert lik == pytest.approx([np.exp(-0.5) / np.sqrt(8.0 * np.pi)])


def test_identity_update_accepts_non_contiguous_integer_inputs():
    # a transposed integer view: the update must read values, not memory layout
    x = np.array([[0, 1], [0, 1]]).T  # rows [0, 0], [1, 1]
    p = np.stack([np.eye(2, dtype=int) * 3] * 2)
    z = np.array([[2, 4], [3, 5]])
    r = np.stack([np.eye(2, dtype=int)] * 2)
    xn, pn, lik = identity_update_batch(x, p, z, r)
    # K = 3/4 per axis: row 0 = 0 + 0.75 * [2, 4], row 1 = 1 + 0.75 * [2, 4]
    assert xn == pytest.approx(np.array([[1.5, 3.0], [2.5, 4.0]]))
    assert pn == pytest.approx(np.stack([np.eye(2) * 0.75] * 2))
    # d2 = (4 + 16) / 4 = 5, det S = 16
    assert lik == pytest.approx([np.exp(-2.5) / np.sqrt((2 * np.pi) ** 2 * 16.0)] * 2)


def test_identity_update_of_single_precision_inputs_is_computed_in_double_precision():
    # float32 inputs are promoted: the result equals the update of the same values given as float64
    rng = np.random.default_rng(8)
    x, z = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)
    a = rng.normal(size=(3, 4, 4))
    p = (a @ np.swapaxes(a, 1, 2) + np.eye(4)).astype(np.float32)
    r = (0.3 * np.eye(4) + 0.01).astype(np.float32)[None].repeat(3, axis=0)
    got = identity_update_batch(x, p, z, r)
    want = identity_update_batch(x.astype(float), p.astype(float), z.astype(float), r.astype(float))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float64
        assert np.array_equal(g, w)
