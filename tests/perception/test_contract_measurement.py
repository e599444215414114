"""Contract tests of the measurement models: hand-computed predictions and Jacobians."""

import math

import numpy as np
import pytest

from coop_drive.perception.measurement import (
    MEASUREMENT_DIM,
    MeasurementKind,
    polar_to_cartesian,
    predict_measurement,
    predict_measurements,
)


def test_measurement_dimensions():
    assert MEASUREMENT_DIM == {
        MeasurementKind.POSITION_VELOCITY: 4,
        MeasurementKind.POSITION: 2,
        MeasurementKind.POSITION_RADIAL_SPEED: 3,
    }
    assert [int(k) for k in MeasurementKind] == [0, 1, 2]


def test_position_velocity_is_the_state_itself():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    z, h = predict_measurements(MeasurementKind.POSITION_VELOCITY, x, np.zeros((2, 2)))
    assert np.array_equal(z, x) and z is not x
    assert h.shape == (2, 4, 4) and np.array_equal(h[1], np.eye(4))
    h[0, 0, 0] = 5.0  # each row its own writable Jacobian
    assert h[1, 0, 0] == 1.0
    z[0, 0] = 99.0
    assert x[0, 0] == 1.0


def test_position_is_h_identity_zero():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    z, h = predict_measurements(MeasurementKind.POSITION, x, np.zeros((1, 2)))
    assert np.array_equal(z, [[1.0, 2.0]])
    assert np.array_equal(h[0], np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]))
    z[0, 0] = 99.0
    assert x[0, 0] == 1.0


def test_radar_prediction_and_jacobian_hand_values():
    # target at (4, 6) seen from (1, 2): rel = (3, 4), range 5, u = (0.6, 0.8); v = (1, 2): rr = 0.6 + 1.6 = 2.2
    # d rr / d p = (v - rr u) / 5 = ((1 - 1.32) / 5, (2 - 1.76) / 5) = (-0.064, 0.048); d rr / d v = u
    z, h = predict_measurement(MeasurementKind.POSITION_RADIAL_SPEED, np.array([4.0, 6.0, 1.0, 2.0]), (1.0, 2.0))
    assert z == pytest.approx([4.0, 6.0, 2.2])
    expected = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [-0.064, 0.048, 0.6, 0.8]])
    assert h == pytest.approx(expected, abs=1e-12)


def test_radar_close_to_the_sensor():
    # at 0.5 m (inside a metre, outside the 0.1 m floor): u = (0, 1) exactly, rr = vy
    z, h = predict_measurement(MeasurementKind.POSITION_RADIAL_SPEED, np.array([2.0, 3.5, 7.0, -2.0]), (2.0, 3.0))
    assert z == pytest.approx([2.0, 3.5, -2.0])
    # d rr / d p = (v - rr u) / 0.5 = ((7, -2) - (0, -2)) / 0.5 = (14, 0)
    assert h[2] == pytest.approx([14.0, 0.0, 0.0, 1.0])
    # on the sensor: a finite prediction (no division by zero)
    z, h = predict_measurement(MeasurementKind.POSITION_RADIAL_SPEED, np.array([2.0, 3.0, 7.0, -2.0]), (2.0, 3.0))
    assert np.all(np.isfinite(z)) and np.all(np.isfinite(h))
    assert z[2] == 0.0


def test_radar_batch_rows_use_their_own_sensor():
    x = np.array([[4.0, 6.0, 1.0, 2.0], [0.0, 10.0, 0.0, -5.0]])
    z, h = predict_measurements(MeasurementKind.POSITION_RADIAL_SPEED, x, np.array([[1.0, 2.0], [0.0, 0.0]]))
    assert z[0] == pytest.approx([4.0, 6.0, 2.2])
    assert z[1] == pytest.approx([0.0, 10.0, -5.0])  # straight towards the sensor at 5 m/s
    assert h[1, 2] == pytest.approx([0.0, 0.0, 0.0, 1.0])


def test_polar_to_cartesian_hand_values():
    # bearing 0 from (1, 2), range 10: position (11, 2); R = diag(sr^2, (r sb)^2) = diag(0.25, (10 * 0.02)^2)
    pos, cov = polar_to_cartesian((1.0, 2.0), 10.0, 0.0, 0.5, 0.02)
    assert pos == pytest.approx([11.0, 2.0])
    assert cov == pytest.approx(np.diag([0.25, 0.04]), abs=1e-15)
    # bearing 45 deg, range 2, sr = 1, sb = 0.5: J = [[c, -2 s], [s, 2 c]], c = s = 1/sqrt2
    # R = J diag(1, 0.25) J' = [[0.5 + 0.5, 0.5 - 0.5], [0.5 - 0.5, 0.5 + 0.5]] = I
    pos, cov = polar_to_cartesian((0.0, 0.0), 2.0, math.pi / 4, 1.0, 0.5)
    assert pos == pytest.approx([math.sqrt(2.0), math.sqrt(2.0)])
    assert cov == pytest.approx(np.eye(2), abs=1e-12)
    # range error only, bearing 60 deg: R = sr^2 u u'
    _, cov = polar_to_cartesian((0.0, 0.0), 5.0, math.pi / 3, 2.0, 0.0)
    u = np.array([0.5, math.sqrt(3.0) / 2.0])
    assert cov == pytest.approx(4.0 * np.outer(u, u), abs=1e-12)
