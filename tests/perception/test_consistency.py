"""Filter consistency: the normalised estimation error squared (NEES) of the tracker, averaged over Monte
Carlo runs, stays inside its 95 % chi-square bounds (Bar-Shalom, Li, Kirubarajan 2001, §5.4)."""

import numpy as np
import pytest
from scipy.stats import chi2

from coop_drive.perception.imm import ImmModels
from coop_drive.perception.kalman import cv_process_noise, cv_transition
from coop_drive.perception.measurement import MeasurementKind, polar_to_cartesian
from coop_drive.perception.tracker import MultiObjectTracker, TrackerConfig
from coop_drive.sensors.object_sensor import Detection

RUNS, STEPS, DT_S, Q = 60, 60, 0.1, 1.0
SENSOR = (0.0, -40.0)


def _detect(kind: MeasurementKind, t: float, x: np.ndarray, rng: np.random.Generator) -> Detection:
    if kind is MeasurementKind.POSITION_VELOCITY:
        z = x + rng.normal(0.0, [0.5, 0.5, 0.3, 0.3])
        return Detection(t, "s", kind, z, np.diag([0.25, 0.25, 0.09, 0.09]), SENSOR, 4.6, 1.8, "t")
    rel = x[:2] - np.array(SENSOR)
    rng_m, bearing = float(np.hypot(*rel)), float(np.arctan2(rel[1], rel[0]))
    pos, cov = polar_to_cartesian(SENSOR, rng_m + rng.normal(0.0, 0.3), bearing + rng.normal(0.0, 0.01), 0.3, 0.01)
    u = rel / rng_m
    rr = float(u @ x[2:]) + rng.normal(0.0, 0.2)
    r = np.zeros((3, 3))
    r[:2, :2], r[2, 2] = cov, 0.04
    return Detection(t, "s", kind, np.array([pos[0], pos[1], rr]), r, SENSOR, 4.6, 1.8, "t")


@pytest.mark.parametrize("kind", [MeasurementKind.POSITION_VELOCITY, MeasurementKind.POSITION_RADIAL_SPEED])
def test_nees_inside_95_percent_bounds(kind):
    rng = np.random.default_rng(2024)
    f, q = cv_transition(DT_S), cv_process_noise(DT_S, Q)
    nees = np.zeros((RUNS, STEPS))
    for run in range(RUNS):
        # the gate is opened wide: this tests the filter, not data association
        config = TrackerConfig(accel_noise_psd=Q, confirm_hits=1, max_coast_s=5.0, gate_probability=1 - 1e-9,
                               models=ImmModels((0.0,), initial_probabilities=(1.0,)))  # the plain Kalman filter
        tracker = MultiObjectTracker("t", config)
        x = np.array([-30.0, 0.0, 10.0, 1.0])
        for k in range(STEPS):
            tracker.update(k * DT_S, [_detect(kind, k * DT_S, x, rng)])
            (est,) = tracker.estimates(confirmed_only=False)
            err = est.state - x
            nees[run, k] = err @ np.linalg.solve(est.covariance, err)
            x = f @ x + rng.multivariate_normal(np.zeros(4), q)
    settled = nees[:, 10:].mean(axis=0)  # average over runs, after the first second
    lo, hi = chi2.ppf([0.025, 0.975], 4 * RUNS) / RUNS
    inside = np.mean((settled >= lo) & (settled <= hi))
    assert inside >= 0.9, f"{inside:.0%} of steps inside [{lo:.2f}, {hi:.2f}], mean NEES {settled.mean():.2f}"
    assert lo <= settled.mean() <= hi
