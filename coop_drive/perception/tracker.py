"""Multi-object tracker: constant-velocity (extended) Kalman filters over measurements of several kinds,
Mahalanobis gating, global nearest neighbour assignment (scipy's Hungarian solver), M-of-N confirmation,
deletion after coasting too long, and an existence probability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

from coop_drive.geometry import FloatArray
from coop_drive.perception.kalman import cv_predict, ekf_update, mahalanobis_sq
from coop_drive.perception.measurement import MeasurementKind, predict_measurement
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.sensors.object_sensor import Detection

_NO_MATCH = 1e6


@dataclass(frozen=True)
class TrackerConfig:
    """Tuning of the tracker."""

    accel_noise_psd: float = 2.0  # [m^2/s^3]
    confirm_hits: int = 2  # hits needed to confirm a track...
    confirm_window_s: float = 0.5  # ...within this time of its birth
    max_coast_s: float = 1.0  # delete a track not updated for this long
    initial_speed_std_mps: float = 10.0  # velocity uncertainty of a track born from a position-only detection
    gate_probability: float = 0.99  # chi-square gate: share of true measurements accepted
    birth_gate_probability: float = 0.9999  # no new track from a detection this close to an existing track
    merge_gate_chi2: float = 13.28  # tracks closer than this (full state, 4 dof, 99 %) are one object: merged


@dataclass
class _Track:
    track_id: int
    x: FloatArray
    p: FloatArray
    stamp_s: float
    born_s: float
    last_hit_s: float
    length_m: float
    width_m: float
    hits: int = 1
    confirmed: bool = False


def _innovation(track: _Track, det: Detection) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Innovation y, Jacobian H and innovation covariance S of a detection against a track."""
    z_hat, h = predict_measurement(det.kind, track.x, det.sensor_xy_m)
    y = det.z - z_hat
    return y, h, h @ track.p @ h.T + det.r


class MultiObjectTracker:
    """Tracks objects from detections of one or more sensors, processed in time order."""

    def __init__(self, source_id: str, config: TrackerConfig | None = None) -> None:
        self.source_id = source_id
        self.config = config or TrackerConfig()
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._gate_chi2 = {dim: float(chi2.ppf(self.config.gate_probability, dim)) for dim in (2, 3, 4)}
        self._birth_gate_chi2 = {dim: float(chi2.ppf(self.config.birth_gate_probability, dim)) for dim in (2, 3, 4)}

    def update(self, time_s: float, detections: Sequence[Detection]) -> None:
        """Predict every track to time_s, associate the detections, update, create and delete tracks."""
        cfg = self.config
        for track in self._tracks:
            track.x, track.p = cv_predict(track.x, track.p, time_s - track.stamp_s, cfg.accel_noise_psd)
            track.stamp_s = time_s
        assigned: set[int] = set()
        near_a_track: set[int] = set()  # detections too close to a track to start a new one
        if self._tracks and detections:
            cost = np.full((len(self._tracks), len(detections)), _NO_MATCH)
            for i, track in enumerate(self._tracks):
                for j, det in enumerate(detections):
                    y, _, s = _innovation(track, det)
                    d2 = mahalanobis_sq(y, s)
                    if d2 <= self._gate_chi2[len(y)]:
                        cost[i, j] = d2
                    if d2 <= self._birth_gate_chi2[len(y)]:
                        near_a_track.add(j)
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows, cols, strict=True):
                if cost[i, j] >= _NO_MATCH:
                    continue
                track, det = self._tracks[i], detections[j]
                y, h, _ = _innovation(track, det)
                track.x, track.p = ekf_update(track.x, track.p, y, h, det.r)
                track.hits += 1
                track.last_hit_s = time_s
                track.length_m, track.width_m = det.length_m, det.width_m
                track.confirmed = track.confirmed or track.hits >= cfg.confirm_hits
                assigned.add(j)
        for j, det in enumerate(detections):
            if j not in assigned and j not in near_a_track:
                x, p = self._initial_state(det)
                self._tracks.append(_Track(
                    track_id=self._next_id, x=x, p=p, stamp_s=time_s, born_s=time_s, last_hit_s=time_s,
                    length_m=det.length_m, width_m=det.width_m, confirmed=cfg.confirm_hits <= 1,
                ))
                self._next_id += 1
        self._tracks = [
            t for t in self._tracks
            if time_s - t.last_hit_s <= cfg.max_coast_s
            and (t.confirmed or time_s - t.born_s <= cfg.confirm_window_s)
        ]
        self._merge_duplicates()

    def _merge_duplicates(self) -> None:
        """Drop the younger of two tracks that hold the same object: states (position and velocity, so that
        crossing objects are kept apart) within the merge gate."""
        keep: list[_Track] = []
        for track in sorted(self._tracks, key=lambda t: t.track_id):
            if not any(
                mahalanobis_sq(track.x - k.x, track.p + k.p) <= self.config.merge_gate_chi2
                for k in keep
            ):
                keep.append(track)
        self._tracks = keep

    def _initial_state(self, det: Detection) -> tuple[FloatArray, FloatArray]:
        """State and covariance of a track born from one detection."""
        if det.kind is MeasurementKind.POSITION_VELOCITY:
            return det.z.copy(), det.r.copy()
        x, p = np.zeros(4), np.zeros((4, 4))
        x[:2], p[:2, :2] = det.z[:2], det.r[:2, :2]
        unknown_var = self.config.initial_speed_std_mps**2
        if det.kind is MeasurementKind.POSITION:
            p[2:, 2:] = np.eye(2) * unknown_var
            return x, p
        rel = det.z[:2] - np.asarray(det.sensor_xy_m)
        u = rel / max(float(np.hypot(rel[0], rel[1])), 0.1)
        perp = np.array([-u[1], u[0]])
        x[2:] = det.z[2] * u  # radial speed known, tangential speed unknown
        p[2:, 2:] = det.r[2, 2] * np.outer(u, u) + unknown_var * np.outer(perp, perp)
        return x, p

    def estimates(self, time_s: float | None = None, confirmed_only: bool = True) -> list[ObjectEstimate]:
        """Current track states, predicted to time_s if given (else at the last update time)."""
        out = []
        for t in self._tracks:
            if confirmed_only and not t.confirmed:
                continue
            est = ObjectEstimate(
                object_id=t.track_id, source_id=self.source_id, stamp_s=t.stamp_s, state=t.x.copy(),
                covariance=t.p.copy(), length_m=t.length_m, width_m=t.width_m,
                existence_probability=min(1.0, 0.5 + 0.1 * t.hits),
            )
            out.append(est if time_s is None else est.predicted_to(time_s, self.config.accel_noise_psd))
        return out
