"""Multi-object tracker: constant-velocity Kalman filters, Mahalanobis gating, global nearest neighbour
assignment (scipy's Hungarian solver), M-of-N confirmation and deletion after coasting too long."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from coop_drive.geometry import FloatArray
from coop_drive.perception.kalman import cv_predict, kf_update, mahalanobis_sq
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.sensors.object_sensor import Detection

_H = np.eye(4)  # detections measure position and velocity
_GATE_CHI2_4DOF_99 = 13.28  # chi-square 99 % quantile, 4 degrees of freedom


@dataclass(frozen=True)
class TrackerConfig:
    """Tuning of the tracker."""

    accel_noise_psd: float = 2.0  # [m^2/s^3]
    confirm_hits: int = 2  # hits needed to confirm a track...
    confirm_window_s: float = 0.5  # ...within this time of its birth
    max_coast_s: float = 1.0  # delete a track not updated for this long
    gate_chi2: float = _GATE_CHI2_4DOF_99


@dataclass
class _Track:
    track_id: int
    x: FloatArray
    p: FloatArray
    stamp_s: float
    born_s: float
    last_hit_s: float
    hits: int = 1
    confirmed: bool = False
    length_m: float = 4.6
    width_m: float = 1.8


class MultiObjectTracker:
    """Tracks objects from detections of one or more sensors, processed in time order."""

    def __init__(self, source_id: str, config: TrackerConfig | None = None) -> None:
        self.source_id = source_id
        self.config = config or TrackerConfig()
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._time_s = -np.inf

    def update(self, time_s: float, detections: Sequence[Detection]) -> None:
        """Predict every track to time_s, associate the detections, update, create and delete tracks."""
        cfg = self.config
        for track in self._tracks:
            track.x, track.p = cv_predict(track.x, track.p, time_s - track.stamp_s, cfg.accel_noise_psd)
            track.stamp_s = time_s
        self._time_s = time_s
        measurements = [(np.array([d.x_m, d.y_m, d.vx_mps, d.vy_mps]), _noise(d)) for d in detections]
        assigned: set[int] = set()
        if self._tracks and measurements:
            cost = np.full((len(self._tracks), len(measurements)), 1e6)
            for i, track in enumerate(self._tracks):
                for j, (z, r) in enumerate(measurements):
                    d2 = mahalanobis_sq(track.x, track.p, z, _H, r)
                    if d2 <= cfg.gate_chi2:
                        cost[i, j] = d2
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows, cols, strict=True):
                if cost[i, j] >= 1e6:
                    continue
                track, (z, r) = self._tracks[i], measurements[j]
                track.x, track.p = kf_update(track.x, track.p, z, _H, r)
                track.hits += 1
                track.last_hit_s = time_s
                track.length_m, track.width_m = detections[j].length_m, detections[j].width_m
                if not track.confirmed and track.hits >= cfg.confirm_hits:
                    track.confirmed = True
                assigned.add(j)
        for j, (z, r) in enumerate(measurements):
            if j not in assigned:
                det = detections[j]
                self._tracks.append(_Track(
                    track_id=self._next_id, x=z.copy(), p=r.copy(), stamp_s=time_s, born_s=time_s,
                    last_hit_s=time_s, confirmed=cfg.confirm_hits <= 1, length_m=det.length_m, width_m=det.width_m,
                ))
                self._next_id += 1
        self._tracks = [
            t for t in self._tracks
            if time_s - t.last_hit_s <= cfg.max_coast_s
            and (t.confirmed or time_s - t.born_s <= cfg.confirm_window_s)
        ]

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


def _noise(d: Detection) -> FloatArray:
    pos_var = max(d.pos_std_m, 0.05) ** 2
    vel_var = max(d.vel_std_mps, 0.05) ** 2
    return np.diag([pos_var, pos_var, vel_var, vel_var])
