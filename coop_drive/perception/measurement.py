"""Measurement models of object-level detections against the state [x, y, vx, vy].

- POSITION_VELOCITY: z = [x, y, vx, vy] (a generic fused sensor), linear, H = I.
- POSITION: z = [x, y], a camera-like polar measurement converted to Cartesian with its linearised
  covariance (converted-measurement filter), H = [I 0].
- POSITION_RADIAL_SPEED: z = [x, y, rr], a radar: converted position plus the radial speed
  rr = u . v with u the unit line of sight from the sensor; extended-Kalman linearisation
  d rr / d p = (v - rr u) / |p - s|,  d rr / d v = u.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from coop_drive.geometry import FloatArray


class MeasurementKind(IntEnum):
    """What a detection measures."""

    POSITION_VELOCITY = 0
    POSITION = 1
    POSITION_RADIAL_SPEED = 2


MEASUREMENT_DIM = {
    MeasurementKind.POSITION_VELOCITY: 4,
    MeasurementKind.POSITION: 2,
    MeasurementKind.POSITION_RADIAL_SPEED: 3,
}

_MIN_RANGE_M = 0.1


def predict_measurement(
    kind: MeasurementKind, x: FloatArray, sensor_xy_m: tuple[float, float]
) -> tuple[FloatArray, FloatArray]:
    """Predicted measurement h(x) and its Jacobian H at one state x (4,): ``predict_measurements`` for one row."""
    z_hat, h = predict_measurements(kind, x[None, :], np.asarray(sensor_xy_m, dtype=float)[None, :])
    return z_hat[0], h[0]


def polar_to_cartesian(
    sensor_xy_m: tuple[float, float], range_m: float, bearing_rad: float, range_std_m: float, bearing_std_rad: float
) -> tuple[FloatArray, FloatArray]:
    """Position and its linearised covariance R = J diag(sr^2, sb^2) J' from a polar measurement."""
    c, s = np.cos(bearing_rad), np.sin(bearing_rad)
    pos = np.asarray(sensor_xy_m) + range_m * np.array([c, s])
    jac = np.array([[c, -range_m * s], [s, range_m * c]])
    cov = jac @ np.diag([range_std_m**2, bearing_std_rad**2]) @ jac.T
    return pos, cov


def predict_measurements(
    kind: MeasurementKind, x: FloatArray, sensor_xy_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Batched ``predict_measurement``: states (K, 4) and sensor positions (K, 2) -> h (K, m), H (K, m, 4)."""
    k = len(x)
    if kind is MeasurementKind.POSITION_VELOCITY:
        return x.copy(), np.broadcast_to(np.eye(4), (k, 4, 4)).copy()
    jac = np.zeros((k, MEASUREMENT_DIM[kind], 4))
    jac[:, 0, 0] = jac[:, 1, 1] = 1.0
    if kind is MeasurementKind.POSITION:
        return x[:, :2].copy(), jac
    rel = x[:, :2] - sensor_xy_m
    rng = np.maximum(np.hypot(rel[:, 0], rel[:, 1]), _MIN_RANGE_M)
    u = rel / rng[:, None]
    rr = np.einsum("ki,ki->k", u, x[:, 2:])
    jac[:, 2, :2] = (x[:, 2:] - rr[:, None] * u) / rng[:, None]
    jac[:, 2, 2:] = u
    return np.column_stack([x[:, 0], x[:, 1], rr]), jac
