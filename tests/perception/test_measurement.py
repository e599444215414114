import numpy as np
import pytest

from coop_drive.perception.measurement import MeasurementKind, polar_to_cartesian, predict_measurement


@pytest.mark.parametrize("kind", list(MeasurementKind))
def test_jacobian_matches_finite_differences(kind):
    x = np.array([30.0, -12.0, 4.0, 9.0])
    sensor = (-5.0, -5.0)
    _, h = predict_measurement(kind, x, sensor)
    eps = 1e-6
    numeric = np.column_stack([
        (predict_measurement(kind, x + eps * e, sensor)[0] - predict_measurement(kind, x - eps * e, sensor)[0])
        / (2 * eps) for e in np.eye(4)
    ])
    assert h == pytest.approx(numeric, abs=1e-7)


def test_radial_speed_of_approaching_target():
    z, _ = predict_measurement(MeasurementKind.POSITION_RADIAL_SPEED, np.array([10.0, 0.0, -3.0, 5.0]), (0.0, 0.0))
    assert z[2] == pytest.approx(-3.0)


def test_polar_covariance_is_range_along_bearing_across():
    pos, cov = polar_to_cartesian((0.0, 0.0), 50.0, np.pi / 2, 2.0, 0.01)
    assert pos == pytest.approx([0.0, 50.0])
    assert cov == pytest.approx(np.diag([0.25, 4.0]), abs=1e-12)
