"""Contract tests of the IMM: coordinated-turn transitions, the model Markov chain, mixing and combination."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.perception.imm import (
    ImmModels,
    ct_transition,
    gaussian_likelihood,
    imm_combine,
    imm_combine_reference,
    imm_predict,
    imm_predict_reference,
)
from coop_drive.perception.kalman import cv_process_noise, cv_transition


def test_quarter_turn_hand_values():
    # w = pi/2 rad/s over 1 s: sin = 1, cos = 0, 1/w = 2/pi
    k = 2.0 / math.pi
    expected = np.array([[1.0, 0.0, k, -k], [0.0, 1.0, k, k], [0.0, 0.0, 0.0, -1.0], [0.0, 0.0, 1.0, 0.0]])
    assert ct_transition(1.0, math.pi / 2) == pytest.approx(expected, abs=1e-15)


def test_right_turn_hand_values():
    # w = -pi/2 rad/s over 1 s: sin = -1, cos = 0: s/w = 2/pi, (1-c)/w = -2/pi
    k = 2.0 / math.pi
    expected = np.array([[1.0, 0.0, k, k], [0.0, 1.0, -k, k], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, -1.0, 0.0]])
    assert ct_transition(1.0, -math.pi / 2) == pytest.approx(expected, abs=1e-15)


def test_small_turn_rates_fall_back_to_constant_velocity():
    assert np.array_equal(ct_transition(0.3, 0.0), cv_transition(0.3))
    assert np.array_equal(ct_transition(0.3, 9e-10), cv_transition(0.3))
    assert np.array_equal(ct_transition(0.3, -9e-10), cv_transition(0.3))
    # a slow but real turn is not straightened: 0.01 rad/s over 10 s, velocity rotated by 0.1 rad
    f = ct_transition(10.0, 0.01)
    assert f[2, 2] == pytest.approx(math.cos(0.1)) and f[3, 2] == pytest.approx(math.sin(0.1))


def test_models_reject_mismatched_probabilities():
    with pytest.raises(ValueError, match=r"^one initial probability per model expected$"):
        ImmModels((0.0, 0.3), initial_probabilities=(1.0,))
    with pytest.raises(ValueError, match=r"^initial probabilities must sum to 1, got \(0\.5, 0\.6\)$"):
        ImmModels((0.0, 0.3), initial_probabilities=(0.5, 0.6))
    with pytest.raises(ValueError, match="must sum to 1"):
        ImmModels((0.0, 0.3), initial_probabilities=(0.5, 0.5 - 3e-9))
    ImmModels((0.0, 0.3), initial_probabilities=(0.5, 0.5 + 5e-10))  # within 1e-9: accepted


def test_default_models_are_the_documented_set():
    models = ImmModels()
    assert models.turn_rates_rps == (0.0, 0.35, -0.35)
    assert models.initial_probabilities == (0.8, 0.1, 0.1)
    assert models.mean_sojourn_s == 3.0
    assert models.count == 3
    f = models.transitions(0.5)
    assert f.shape == (3, 4, 4)
    for j, w in enumerate(models.turn_rates_rps):
        assert np.array_equal(f[j], ct_transition(0.5, w))


def test_markov_matrix_hand_values():
    # tau = 3 s, dt = 3 s: stay = exp(-1); three models switch uniformly: (1 - exp(-1)) / 2
    pi = ImmModels().markov(3.0)
    stay = math.exp(-1.0)
    expected = np.full((3, 3), (1.0 - stay) / 2.0)
    np.fill_diagonal(expected, stay)
    assert pi == pytest.approx(expected, rel=1e-12)
    assert ImmModels().markov(-3.0) == pytest.approx(expected, rel=1e-12)  # |dt|
    # two models, tau = 2 s, dt = 1 s: stay = exp(-0.5), switch = 1 - exp(-0.5)
    two = ImmModels((0.0, 0.2), mean_sojourn_s=2.0, initial_probabilities=(0.5, 0.5)).markov(1.0)
    assert two == pytest.approx(np.array([[math.exp(-0.5), 1 - math.exp(-0.5)], [1 - math.exp(-0.5), math.exp(-0.5)]]))
    assert np.array_equal(ImmModels((0.0,), initial_probabilities=(1.0,)).markov(0.7), np.ones((1, 1)))
    assert np.array_equal(ImmModels().markov(0.0), np.eye(3))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 5), st.floats(-10.0, 10.0), st.floats(0.1, 20.0))
def test_markov_matrix_is_row_stochastic(m, dt, tau):
    rates = tuple(0.1 * j for j in range(m))
    pi = ImmModels(rates, mean_sojourn_s=tau, initial_probabilities=(1.0 / m,) * m).markov(dt)
    assert pi.shape == (m, m)
    assert np.all(pi >= 0.0)
    assert pi.sum(axis=1) == pytest.approx(np.ones(m), abs=1e-12)


def test_imm_prediction_of_two_models_hand_values():
    # two CV models (rates 0), tau = 1 s, dt = ln 2 s: stay = 0.5, so Pi = [[0.5, 0.5], [0.5, 0.5]]
    # mu = (0.25, 0.75): c = mu Pi = (0.5, 0.5); mu_{i|j} = mu_i * 0.5 / 0.5 = (0.25, 0.75) for both j
    # x0 = 0.25 * [0, 0, 4, 0] + 0.75 * [4, 0, 0, 0] = [3, 0, 1, 0]
    # P0 = sum mu_i (P_i + dx dx'): dx_1 = [-3, 0, 3, 0], dx_2 = [1, 0, -1, 0]
    #   -> I + 0.25 * 9 [[1, -1], [-1, 1]] + 0.75 * [[1, -1], [-1, 1]] on (x, vx) = I + 3 [[1, -1], [-1, 1]]
    models = ImmModels((0.0, 0.0), mean_sojourn_s=1.0, initial_probabilities=(0.5, 0.5))
    dt = math.log(2.0)
    xm = np.array([[[0.0, 0.0, 4.0, 0.0], [4.0, 0.0, 0.0, 0.0]]])
    pm = np.stack([np.eye(4), np.eye(4)])[None]
    mu = np.array([[0.25, 0.75]])
    p0 = np.eye(4)
    p0[0, 0] = p0[2, 2] = 4.0
    p0[0, 2] = p0[2, 0] = -3.0
    f = cv_transition(dt)
    want_x = f @ np.array([3.0, 0.0, 1.0, 0.0])
    want_p = f @ p0 @ f.T + cv_process_noise(dt, 1.5)
    for predict in (imm_predict, imm_predict_reference):
        x, p, c = predict(xm, pm, mu, models, dt, 1.5)
        assert c == pytest.approx(np.array([[0.5, 0.5]]), rel=1e-12)
        assert x[0, 0] == pytest.approx(want_x, abs=1e-12) and x[0, 1] == pytest.approx(want_x, abs=1e-12)
        assert p[0, 0] == pytest.approx(want_p, abs=1e-12) and p[0, 1] == pytest.approx(want_p, abs=1e-12)


def test_imm_prediction_keeps_models_apart_without_switching():
    # dt = 0: Pi = I, no mixing; each model is predicted by its own F (identity) and Q(0) = 0
    models = ImmModels((0.0, 0.5), initial_probabilities=(0.5, 0.5))
    xm = np.array([[[0.0, 0.0, 4.0, 0.0], [4.0, 1.0, 0.0, 2.0]]])
    pm = np.stack([np.eye(4), 2.0 * np.eye(4)])[None]
    mu = np.array([[0.3, 0.7]])
    for predict in (imm_predict, imm_predict_reference):
        x, p, c = predict(xm, pm, mu, models, 0.0, 2.0)
        assert c == pytest.approx(mu)
        assert x == pytest.approx(xm)
        assert p == pytest.approx(pm)


def test_imm_prediction_follows_each_models_turn():
    # no mixing over a short step of a model set that switches slowly; the turning model rotates its velocity
    models = ImmModels((0.0, math.pi / 2), mean_sojourn_s=1e12, initial_probabilities=(0.5, 0.5))
    xm = np.array([[[0.0, 0.0, 10.0, 0.0], [0.0, 0.0, 10.0, 0.0]]])
    pm = np.stack([np.eye(4), np.eye(4)])[None]
    x, p, _ = imm_predict(xm, pm, np.array([[0.5, 0.5]]), models, 1.0, 0.0)
    assert x[0, 0] == pytest.approx([10.0, 0.0, 10.0, 0.0], abs=1e-9)
    # quarter circle of radius 10 / (pi/2): forward 20/pi, left 20/pi, velocity turned to +y
    assert x[0, 1] == pytest.approx([20.0 / math.pi, 20.0 / math.pi, 0.0, 10.0], abs=1e-9)
    f = ct_transition(1.0, math.pi / 2)
    assert p[0, 1] == pytest.approx(f @ f.T, abs=1e-9)


def test_imm_prediction_reads_values_not_memory_layout():
    rng = np.random.default_rng(4)
    models = ImmModels()
    xm = rng.normal(size=(3, 3, 4))
    a = rng.normal(size=(3, 3, 4, 4))
    pm = a @ np.swapaxes(a, -1, -2) + np.eye(4)
    mu = rng.dirichlet(np.ones(3), size=3)
    want = imm_predict_reference(xm, pm, mu, models, 0.2, 1.0)
    got = imm_predict(np.asfortranarray(xm), np.asfortranarray(pm), np.asfortranarray(mu), models, 0.2, 1.0)
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w, rel=1e-10, abs=1e-10)
    x, p = imm_combine(np.asfortranarray(xm), np.asfortranarray(pm), np.asfortranarray(mu))
    x_ref, p_ref = imm_combine_reference(xm, pm, mu)
    assert x == pytest.approx(x_ref, abs=1e-12) and p == pytest.approx(p_ref, abs=1e-12)


def test_combination_hand_values():
    # mu = (0.25, 0.75), x1 = [0, 0, 4, 0], x2 = [4, 0, 0, 0]: x = [3, 0, 1, 0]
    # P = I + 0.25 dx1 dx1' + 0.75 dx2 dx2' = I + 3 [[1, -1], [-1, 1]] on (x, vx)
    xm = np.array([[[0.0, 0.0, 4.0, 0.0], [4.0, 0.0, 0.0, 0.0]]])
    pm = np.stack([np.eye(4), np.eye(4)])[None]
    mu = np.array([[0.25, 0.75]])
    want_p = np.eye(4)
    want_p[0, 0] = want_p[2, 2] = 4.0
    want_p[0, 2] = want_p[2, 0] = -3.0
    for combine in (imm_combine, imm_combine_reference):
        x, p = combine(xm, pm, mu)
        assert x.shape == (1, 4) and p.shape == (1, 4, 4)
        assert x[0] == pytest.approx([3.0, 0.0, 1.0, 0.0], abs=1e-12)
        assert p[0] == pytest.approx(want_p, abs=1e-12)


def test_combination_with_different_model_covariances():
    # mu = (0.5, 0.5), equal means: P = 0.5 * I + 0.5 * 3 I = 2 I
    xm = np.ones((1, 2, 4))
    pm = np.stack([np.eye(4), 3.0 * np.eye(4)])[None]
    for combine in (imm_combine, imm_combine_reference):
        x, p = combine(xm, pm, np.array([[0.5, 0.5]]))
        assert x[0] == pytest.approx(np.ones(4)) and p[0] == pytest.approx(2.0 * np.eye(4))


def test_gaussian_likelihood_hand_values():
    # y = [1, 2], S = diag(1, 4): d2 = 1 + 1 = 2, det = 4 -> exp(-1) / sqrt((2 pi)^2 * 4) = exp(-1) / (4 pi)
    lik = gaussian_likelihood(np.array([[1.0, 2.0]]), np.diag([1.0, 4.0])[None])
    assert lik == pytest.approx([math.exp(-1.0) / (4.0 * math.pi)], rel=1e-12)
    # one dimension: N(0; 0, 1) = 1 / sqrt(2 pi); N(3; 0, 9) = exp(-0.5) / sqrt(18 pi)
    assert gaussian_likelihood(np.array([0.0]), np.array([[1.0]])) == pytest.approx(1.0 / math.sqrt(2 * math.pi))
    assert gaussian_likelihood(np.array([3.0]), np.array([[9.0]])) == pytest.approx(
        math.exp(-0.5) / math.sqrt(18 * math.pi)
    )
    # correlated 2-d: S = [[2, 1], [1, 2]], y = [1, -1]: S^-1 y = [1, -1], d2 = 2, det = 3
    lik = gaussian_likelihood(np.array([1.0, -1.0]), np.array([[2.0, 1.0], [1.0, 2.0]]))
    assert lik == pytest.approx(math.exp(-1.0) / math.sqrt((2 * math.pi) ** 2 * 3.0), rel=1e-12)


def test_single_precision_inputs_are_combined_in_double_precision():
    rng = np.random.default_rng(9)
    xm = rng.normal(size=(2, 3, 4)).astype(np.float32)
    a = rng.normal(size=(2, 3, 4, 4))
    pm = (a @ np.swapaxes(a, -1, -2) + np.eye(4)).astype(np.float32)
    mu = rng.dirichlet(np.ones(3), size=2).astype(np.float32)
    x, p = imm_combine(xm, pm, mu)
    x64, p64 = imm_combine(xm.astype(float), pm.astype(float), mu.astype(float))
    assert x.dtype == p.dtype == np.float64
    assert np.array_equal(x, x64) and np.array_equal(p, p64)
    models = ImmModels()
    got = imm_predict(xm, pm, mu, models, 0.1, 2.0)
    want = imm_predict(xm.astype(float), pm.astype(float), mu.astype(float), models, 0.1, 2.0)
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
