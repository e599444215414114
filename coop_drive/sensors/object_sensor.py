"""Object-level sensor model: range, field of view, occlusion, noise, detection probability.

A target is visible when at least one of its five reference points (centre and corners) lies in range and in
the field of view with a clear line of sight: not crossing a building outline and, for sensors mounted below
vehicle roof height, not crossing another vehicle's footprint.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from coop_drive.geometry import FloatArray, polygon_edges, segments_intersect
from coop_drive.perception.measurement import MEASUREMENT_DIM, MeasurementKind, polar_to_cartesian
from coop_drive.scenario.model import SensorModel, SensorSpec
from coop_drive.units import wrap_angle_rad
from coop_drive.world.backend import ActorState, Building

VEHICLE_HEIGHT_M = 1.5  # sensors mounted higher than this see over vehicles


@dataclass(frozen=True)
class Detection:
    """One measured object: measurement z of the given kind with covariance r, in the map frame.

    ``truth_id`` is for evaluation only; trackers must not read it.
    """

    stamp_s: float
    sensor_id: str
    kind: MeasurementKind
    z: FloatArray
    r: FloatArray
    sensor_xy_m: tuple[float, float]
    length_m: float
    width_m: float
    truth_id: str

    def __post_init__(self) -> None:
        dim = MEASUREMENT_DIM[self.kind]
        assert np.shape(self.z) == (dim,) and np.shape(self.r) == (dim, dim), (
            f"{self.kind.name}: z must be ({dim},) and r ({dim}, {dim}), got {np.shape(self.z)} {np.shape(self.r)}")

    @property
    def x_m(self) -> float:
        return float(self.z[0])

    @property
    def y_m(self) -> float:
        return float(self.z[1])

    @classmethod
    def position_velocity(
        cls, stamp_s: float, sensor_id: str, x_m: float, y_m: float, vx_mps: float, vy_mps: float,
        pos_std_m: float, vel_std_mps: float, truth_id: str = "", length_m: float = 4.6, width_m: float = 1.8,
    ) -> Detection:
        """A generic detection of position and velocity with isotropic noise."""
        pos_var, vel_var = max(pos_std_m, 0.05) ** 2, max(vel_std_mps, 0.05) ** 2
        return cls(stamp_s, sensor_id, MeasurementKind.POSITION_VELOCITY, np.array([x_m, y_m, vx_mps, vy_mps]),
                   np.diag([pos_var, pos_var, vel_var, vel_var]), (0.0, 0.0), length_m, width_m, truth_id)


@dataclass(frozen=True)
class SensorPose:
    """Where a sensor is in the map frame right now."""

    x_m: float
    y_m: float
    yaw_rad: float


class ObjectSensor:
    """Detects actors from a pose, given the static occluders of the map."""

    def __init__(self, spec: SensorSpec, buildings: Iterable[Building], rng: np.random.Generator) -> None:
        self.spec = spec
        self._rng = rng
        starts, ends = [], []
        for building in buildings:
            a, b = polygon_edges(np.asarray(building.outline_xy_m, dtype=float))
            starts.append(a)
            ends.append(b)
        self._wall_start = np.vstack(starts) if starts else np.zeros((0, 2))
        self._wall_end = np.vstack(ends) if ends else np.zeros((0, 2))
        self._sees_over_vehicles = spec.z_m > VEHICLE_HEIGHT_M

    def mounted_pose(self, carrier: ActorState | None) -> SensorPose:
        """The sensor's map-frame pose: its spec pose on the carrier vehicle (vehicle frame), or fixed (roadside)."""
        if carrier is None:
            return SensorPose(self.spec.x_m, self.spec.y_m, self.spec.yaw_rad)
        c, s = math.cos(carrier.yaw_rad), math.sin(carrier.yaw_rad)
        return SensorPose(
            carrier.x_m + c * self.spec.x_m - s * self.spec.y_m,
            carrier.y_m + s * self.spec.x_m + c * self.spec.y_m,
            wrap_angle_rad(carrier.yaw_rad + self.spec.yaw_rad),
        )

    def is_visible(self, pose: SensorPose, target: ActorState, others: Iterable[ActorState]) -> bool:
        """Geometric visibility of one target (no detection probability involved)."""
        origin = np.array([pose.x_m, pose.y_m])
        points = np.vstack([[target.x_m, target.y_m], target.box().corners()])
        rel = points - origin
        dist = np.hypot(rel[:, 0], rel[:, 1])
        bearing = np.array([wrap_angle_rad(math.atan2(r[1], r[0]) - pose.yaw_rad) for r in rel])
        candidate = (dist <= self.spec.range_m) & (np.abs(bearing) <= self.spec.fov_rad / 2.0)
        if not candidate.any():
            return False
        blockers_start, blockers_end = self._wall_start, self._wall_end
        if not self._sees_over_vehicles:
            boxes = [o.box().corners() for o in others if o.actor_id != target.actor_id]
            if boxes:
                starts = np.vstack(boxes)
                ends = np.vstack([np.roll(b, -1, axis=0) for b in boxes])
                blockers_start = np.vstack([blockers_start, starts])
                blockers_end = np.vstack([blockers_end, ends])
        for point in points[candidate]:
            if not segments_intersect(origin, point, blockers_start, blockers_end).any():
                return True
        return False

    def sense(
        self, time_s: float, carrier_id: str | None, states: Mapping[str, ActorState]
    ) -> list[Detection]:
        """Detections of every visible actor except the carrier, with noise and random misses."""
        carrier = states.get(carrier_id) if carrier_id is not None else None
        if carrier_id is not None and carrier is None:
            return []
        pose = self.mounted_pose(carrier)
        others = [s for aid, s in states.items() if aid != carrier_id]
        detections = []
        for target in sorted(others, key=lambda s: s.actor_id):
            if not self.is_visible(pose, target, others):
                continue
            draws: FloatArray = self._rng.standard_normal(4)
            if self._rng.random() > self.spec.detection_probability:
                continue
            detections.append(self._measure(time_s, pose, target, draws))
        return detections

    def _measure(self, time_s: float, pose: SensorPose, target: ActorState, draws: FloatArray) -> Detection:
        """A noisy measurement of one target by this sensor's model (draws: 4 standard normal numbers)."""
        spec = self.spec
        if spec.model is SensorModel.GENERIC:
            return Detection.position_velocity(
                time_s, spec.sensor_id,
                target.x_m + spec.pos_noise_m * float(draws[0]), target.y_m + spec.pos_noise_m * float(draws[1]),
                target.vx_mps + spec.vel_noise_mps * float(draws[2]),
                target.vy_mps + spec.vel_noise_mps * float(draws[3]),
                spec.pos_noise_m, spec.vel_noise_mps, target.actor_id, target.length_m, target.width_m,
            )
        origin = (pose.x_m, pose.y_m)
        rel_x, rel_y = target.x_m - pose.x_m, target.y_m - pose.y_m
        true_range = math.hypot(rel_x, rel_y)
        bearing = math.atan2(rel_y, rel_x)
        range_std = spec.range_noise_rel * true_range if spec.model is SensorModel.CAMERA else spec.range_noise_m
        range_std = max(range_std, 0.05)
        bearing_std = max(spec.bearing_noise_rad, 1e-4)
        pos, cov = polar_to_cartesian(
            origin, true_range + range_std * float(draws[0]), bearing + bearing_std * float(draws[1]),
            range_std, bearing_std)
        if spec.model is SensorModel.CAMERA:
            return Detection(time_s, spec.sensor_id, MeasurementKind.POSITION, pos, cov, origin,
                             target.length_m, target.width_m, target.actor_id)
        rr_std = max(spec.radial_speed_noise_mps, 0.05)
        los = np.array([rel_x, rel_y]) / max(true_range, 0.1)
        radial = float(los @ np.array([target.vx_mps, target.vy_mps])) + rr_std * float(draws[2])
        r = np.zeros((3, 3))
        r[:2, :2] = cov
        r[2, 2] = rr_std**2
        return Detection(time_s, spec.sensor_id, MeasurementKind.POSITION_RADIAL_SPEED,
                         np.array([pos[0], pos[1], radial]), r, origin, target.length_m, target.width_m,
                         target.actor_id)
