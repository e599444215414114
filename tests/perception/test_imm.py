import math

import numpy as np
import pytest

from coop_drive.perception.imm import ImmModels, ct_transition
from coop_drive.perception.kalman import cv_predict, cv_transition, kf_update
from coop_drive.perception.measurement import MeasurementKind
from coop_drive.perception.tracker import MultiObjectTracker, TrackerConfig
from coop_drive.sensors.object_sensor import Detection

CV_ONLY = ImmModels((0.0,), initial_probabilities=(1.0,))


def test_coordinated_turn_transition():
    assert ct_transition(0.1, 0.0) == pytest.approx(cv_transition(0.1))
    assert ct_transition(0.1, 1e-7) == pytest.approx(cv_transition(0.1), abs=1e-6)
    # half a circle at w = 0.5 rad/s, 10 m/s: radius 20 m, velocity reversed, 40 m to the left
    x = ct_transition(math.pi / 0.5, 0.5) @ np.array([0.0, 0.0, 10.0, 0.0])
    assert x == pytest.approx([0.0, 40.0, -10.0, 0.0], abs=1e-9)


def test_single_model_imm_is_the_kalman_filter():
    rng = np.random.default_rng(1)
    tracker = MultiObjectTracker("t", TrackerConfig(models=CV_ONLY, confirm_hits=1))
    r = np.diag([0.25, 0.25, 0.09, 0.09])
    x, p = None, None
    for k in range(30):
        z = np.array([10.0 * k * 0.1, 1.0, 10.0, 0.0]) + rng.normal(0.0, 0.3, 4)
        tracker.update(k * 0.1, [Detection.position_velocity(k * 0.1, "s", *z, 0.5, 0.3)])
        if x is None:
            x, p = z.copy(), r.copy()
        else:
            x, p = cv_predict(x, p, 0.1, tracker.config.accel_noise_psd)
            x, p = kf_update(x, p, z, np.eye(4), r)
        (est,) = tracker.estimates()
        assert est.state == pytest.approx(x, abs=1e-9)
        assert est.covariance == pytest.approx(p, abs=1e-9)


def _turning_rmse(models: ImmModels, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    # the gate is opened wide: this compares the motion models, not data association
    config = TrackerConfig(models=models, confirm_hits=1, max_coast_s=5.0, gate_probability=1 - 1e-12)
    tracker = MultiObjectTracker("t", config)
    truth = np.array([0.0, 0.0, 10.0, 0.0])
    errors, turn_probability = [], []
    for k in range(100):
        t = k * 0.1
        w = 0.35 if 30 <= k < 75 else 0.0  # straight, a left turn, straight
        truth = ct_transition(0.1, w) @ truth if k else truth
        z = truth[:2] + rng.normal(0.0, 0.5, 2)
        tracker.update(t, [Detection(t, "s", MeasurementKind.POSITION, z, np.eye(2) * 0.25, (0.0, 0.0), 4.6, 1.8, "x")])
        (est,) = tracker.estimates(confirmed_only=False)
        if 40 <= k < 75:
            errors.append(np.linalg.norm(est.state[:2] - truth[:2]))
            (mu,) = tracker.model_probabilities().values()
            turn_probability.append(mu[1] if models.count > 1 else 0.0)
    return float(np.sqrt(np.mean(np.square(errors)))), float(np.mean(turn_probability))


def test_imm_tracks_a_turn_better_than_constant_velocity():
    imm_rmse, imm_turn = zip(*(_turning_rmse(ImmModels(), s) for s in range(5)), strict=True)
    cv_rmse, _ = zip(*(_turning_rmse(CV_ONLY, s) for s in range(5)), strict=True)
    assert np.mean(imm_rmse) < 0.85 * np.mean(cv_rmse), (imm_rmse, cv_rmse)
    assert np.mean(imm_turn) > 0.6  # the left-turn model dominates during the turn


def _random_imm_state(rng: np.random.Generator, tracks: int, models: int):
    xm = rng.normal(0.0, 5.0, size=(tracks, models, 4))
    a = rng.normal(size=(tracks, models, 4, 4))
    pm = a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(4)
    mu = rng.dirichlet(np.ones(models), size=tracks)
    return xm, pm, mu


def test_compiled_imm_predict_and_combine_match_the_numpy_reference():
    from coop_drive.perception.imm import imm_combine, imm_combine_reference, imm_predict, imm_predict_reference

    rng = np.random.default_rng(11)
    models = ImmModels()
    xm, pm, mu = _random_imm_state(rng, 37, models.count)
    for dt_s in (0.0, 0.05, 0.7):
        got = imm_predict(xm, pm, mu, models, dt_s, 2.0)
        want = imm_predict_reference(xm, pm, mu, models, dt_s, 2.0)
        for g, w in zip(got, want, strict=True):
            assert g == pytest.approx(w, rel=1e-10, abs=1e-10)
    x, p = imm_combine(xm, pm, mu)
    x_ref, p_ref = imm_combine_reference(xm, pm, mu)
    assert x == pytest.approx(x_ref, rel=1e-12, abs=1e-12)
    assert p == pytest.approx(p_ref, rel=1e-10, abs=1e-10)
