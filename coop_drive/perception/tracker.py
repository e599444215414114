"""Multi-object tracker: an IMM of constant-velocity and coordinated-turn (extended) Kalman filters per track
(perception/imm.py; one model = a plain Kalman filter) over measurements of several kinds, Mahalanobis
gating, global nearest neighbour assignment (scipy's Hungarian solver), M-of-N confirmation,
deletion after coasting too long, birth suppression near existing tracks and merging of duplicates.

All tracks are held in arrays (per-model states (T, M, 4), covariances (T, M, 4, 4), model probabilities
(T, M), and their combination X (T, 4), P (T, 4, 4)) and every step — prediction, gating,
update — is batched with numpy, so that a cycle over hundreds of objects stays in the millisecond range.
Gating is done in two stages: a cheap Euclidean bound that no pair inside the chi-square gate can exceed
(|y_pos|^2 <= gate * trace(S_pos), since the Mahalanobis distance is at least |y|^2 / lambda_max(S)),
then the exact Mahalanobis distance for the remaining candidate pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from coop_drive.geometry import FloatArray
from coop_drive.perception.assignment import assign_sparse
from coop_drive.perception.gating import gate_candidates
from coop_drive.perception.imm import ImmModels, gaussian_likelihood, imm_combine, imm_predict
from coop_drive.perception.kalman import identity_update_batch
from coop_drive.perception.measurement import MEASUREMENT_DIM, MeasurementKind, predict_measurements
from coop_drive.perception.objects import ObjectEstimate, make_estimate
from coop_drive.perception.small_linalg import mahalanobis_sq
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
    models: ImmModels = ImmModels()  # ImmModels((0.0,), initial_probabilities=(1.0,)) for a plain CV filter


def batched_update(
    x: FloatArray, p: FloatArray, innovation: FloatArray, h: FloatArray, r: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Kalman updates of K tracks at once, Joseph form. x (K, 4), P (K, 4, 4), y (K, m), H (K, m, 4), R (K, m, m)."""
    ht = np.swapaxes(h, 1, 2)
    s = h @ p @ ht + r  # S = H P H' + R
    k = np.swapaxes(np.linalg.solve(s, h @ p), 1, 2)  # K = P H' S^-1  (S symmetric)
    x_new = x + np.einsum("kij,kj->ki", k, innovation)  # x = x + K y
    i_kh = np.eye(4) - k @ h
    p_new = i_kh @ p @ np.swapaxes(i_kh, 1, 2) + k @ r @ np.swapaxes(k, 1, 2)  # P = (I-KH) P (I-KH)' + K R K'
    return x_new, p_new


class MultiObjectTracker:
    """Tracks objects from detections of one or more sensors, processed in time order."""

    def __init__(self, source_id: str, config: TrackerConfig | None = None) -> None:
        self.source_id = source_id
        self.config = config or TrackerConfig()
        m = self.config.models.count
        self._xm = np.zeros((0, m, 4))  # per model
        self._pm = np.zeros((0, m, 4, 4))
        self._mu = np.zeros((0, m))
        self._x = np.zeros((0, 4))  # combined
        self._p = np.zeros((0, 4, 4))
        self._ids = np.zeros(0, dtype=np.int64)
        self._born_s = np.zeros(0)
        self._last_hit_s = np.zeros(0)
        self._hits = np.zeros(0, dtype=np.int64)
        self._confirmed = np.zeros(0, dtype=bool)
        self._size_m = np.zeros((0, 2))  # length, width
        self._stamp_s = 0.0
        self._next_id = 1
        self._gate = {dim: float(chi2.ppf(self.config.gate_probability, dim)) for dim in (2, 3, 4)}
        self._birth_gate = {dim: float(chi2.ppf(self.config.birth_gate_probability, dim)) for dim in (2, 3, 4)}

    @property
    def track_count(self) -> int:
        return len(self._ids)

    def model_probabilities(self) -> dict[int, FloatArray]:
        """Each track's current model probabilities, in the order of ``config.models.turn_rates_rps``."""
        return {int(tid): mu.copy() for tid, mu in zip(self._ids, self._mu, strict=True)}

    def _predict(self, time_s: float) -> None:
        dt = time_s - self._stamp_s
        if len(self._ids) and dt != 0.0:
            self._xm, self._pm, self._mu = imm_predict(
                self._xm, self._pm, self._mu, self.config.models, dt, self.config.accel_noise_psd)
            self._x, self._p = imm_combine(self._xm, self._pm, self._mu)
        self._stamp_s = time_s

    def update(self, time_s: float, detections: Sequence[Detection]) -> None:
        """Predict every track to time_s, associate the detections, update, create and delete tracks."""
        self._predict(time_s)
        n_tracks, n_dets = len(self._ids), len(detections)
        assigned = np.zeros(n_dets, dtype=bool)
        near_a_track = np.zeros(n_dets, dtype=bool)
        if n_tracks and n_dets:
            kinds = np.fromiter((d.kind for d in detections), dtype=np.int64, count=n_dets)
            gated_t: list[NDArray[np.intp]] = []
            gated_d: list[NDArray[np.intp]] = []
            gated_cost: list[FloatArray] = []
            for kind in MeasurementKind:
                cols = np.flatnonzero(kinds == kind)
                if len(cols) == 0:
                    continue
                dets_k = [detections[j] for j in cols.tolist()]
                z = np.array([d.z for d in dets_k])
                r = np.array([d.r for d in dets_k])
                dim = MEASUREMENT_DIM[kind]
                # stage 1: Euclidean bound on the position part, (T, D)
                ti, di = gate_candidates(self._x[:, :2], np.trace(self._p[:, :2, :2], axis1=1, axis2=2), z[:, :2],
                                         np.trace(r[:, :2, :2], axis1=1, axis2=2), self._birth_gate[dim],
                                         sort_pairs=False)
                if len(ti) == 0:
                    continue
                # stage 2: exact Mahalanobis distance of the candidate pairs
                if kind is MeasurementKind.POSITION_VELOCITY:  # H = I: S = P + R, y = z - x
                    y = z[di] - self._x[ti]
                    s = self._p[ti] + r[di]
                else:
                    sensors = np.array([d.sensor_xy_m for d in dets_k], dtype=float)
                    z_hat, h = predict_measurements(kind, self._x[ti], sensors[di])
                    y = z[di] - z_hat
                    s = h @ self._p[ti] @ np.swapaxes(h, 1, 2) + r[di]
                d2 = mahalanobis_sq(y, s)
                near_a_track[cols[di[d2 <= self._birth_gate[dim]]]] = True
                inside = d2 <= self._gate[dim]
                gated_t.append(ti[inside])
                gated_d.append(cols[di[inside]])
                gated_cost.append(d2[inside])
            if gated_t:
                tracks_all, dets_all = assign_sparse(
                    np.concatenate(gated_t), np.concatenate(gated_d), np.concatenate(gated_cost),
                    n_tracks, n_dets, _NO_MATCH)
                det_kinds = kinds[dets_all]
                for kind in MeasurementKind:
                    chosen = det_kinds == kind
                    if not chosen.any():
                        continue
                    tracks, dets = tracks_all[chosen], dets_all[chosen]
                    dets_list = [detections[j] for j in dets.tolist()]
                    self._update_models(tracks, dets_list)
                    self._hits[tracks] += 1
                    self._last_hit_s[tracks] = time_s
                    self._size_m[tracks] = [(d.length_m, d.width_m) for d in dets_list]
                    assigned[dets] = True
            self._confirmed |= self._hits >= self.config.confirm_hits
        self._birth([d for j, d in enumerate(detections) if not assigned[j] and not near_a_track[j]], time_s)
        cfg = self.config
        keep = (time_s - self._last_hit_s <= cfg.max_coast_s) & (
            self._confirmed | (time_s - self._born_s <= cfg.confirm_window_s))
        self._select(keep)
        self._merge_duplicates()

    def _update_models(self, tracks: NDArray[np.intp], detections: Sequence[Detection]) -> None:
        """Per-model (extended) Kalman updates of the given tracks, one detection each (all of one kind),
        then model probabilities mu_j ~ N(y_j; 0, S_j) c_j and the combined estimate."""
        k, m = len(tracks), self.config.models.count
        kind = detections[0].kind
        z = np.array([d.z for d in detections])
        r = np.array([d.r for d in detections])
        xm = self._xm[tracks].reshape(k * m, 4)
        pm = self._pm[tracks].reshape(k * m, 4, 4)
        r_rep = np.repeat(r, m, axis=0)
        if kind is MeasurementKind.POSITION_VELOCITY:  # H = I: compiled update and likelihood in one pass
            xm, pm, lik = identity_update_batch(xm, pm, np.repeat(z, m, axis=0), r_rep)
            likelihood = lik.reshape(k, m)
        else:
            sensors = np.array([d.sensor_xy_m for d in detections], dtype=float)
            z_hat, h = predict_measurements(kind, xm, np.repeat(sensors, m, axis=0))
            y = np.repeat(z, m, axis=0) - z_hat
            s = h @ pm @ np.swapaxes(h, 1, 2) + r_rep
            likelihood = gaussian_likelihood(y, s).reshape(k, m)
            xm, pm = batched_update(xm, pm, y, h, r_rep)
        self._xm[tracks], self._pm[tracks] = xm.reshape(k, m, 4), pm.reshape(k, m, 4, 4)
        mu = self._mu[tracks] * likelihood
        total = mu.sum(axis=1, keepdims=True)
        self._mu[tracks] = np.where(total > 1e-300, mu / np.maximum(total, 1e-300), self._mu[tracks])
        self._x[tracks], self._p[tracks] = imm_combine(self._xm[tracks], self._pm[tracks], self._mu[tracks])

    def _select(self, keep: NDArray[np.bool_]) -> None:
        self._xm, self._pm, self._mu = self._xm[keep], self._pm[keep], self._mu[keep]
        self._x, self._p, self._ids = self._x[keep], self._p[keep], self._ids[keep]
        self._born_s, self._last_hit_s = self._born_s[keep], self._last_hit_s[keep]
        self._hits, self._confirmed, self._size_m = self._hits[keep], self._confirmed[keep], self._size_m[keep]

    def _birth(self, detections: Sequence[Detection], time_s: float) -> None:
        if not detections:
            return
        states = [self._initial_state(d) for d in detections]
        n = len(detections)
        x_new, p_new = np.array([s[0] for s in states]), np.array([s[1] for s in states])
        m = self.config.models.count
        self._x = np.concatenate([self._x, x_new])
        self._p = np.concatenate([self._p, p_new])
        self._xm = np.concatenate([self._xm, np.repeat(x_new[:, None], m, axis=1)])
        self._pm = np.concatenate([self._pm, np.repeat(p_new[:, None], m, axis=1)])
        self._mu = np.concatenate([self._mu, np.tile(self.config.models.initial_probabilities, (n, 1))])
        self._ids = np.concatenate([self._ids, np.arange(self._next_id, self._next_id + n)])
        self._next_id += n
        self._born_s = np.concatenate([self._born_s, np.full(n, time_s)])
        self._last_hit_s = np.concatenate([self._last_hit_s, np.full(n, time_s)])
        self._hits = np.concatenate([self._hits, np.ones(n, dtype=np.int64)])
        self._confirmed = np.concatenate([self._confirmed, np.full(n, self.config.confirm_hits <= 1)])
        self._size_m = np.vstack([self._size_m, [(d.length_m, d.width_m) for d in detections]])

    def _merge_duplicates(self) -> None:
        """Drop the younger of two tracks that hold the same object: states (position and velocity, so that
        crossing objects are kept apart) within the merge gate."""
        n = len(self._ids)
        if n < 2:
            return
        pos = np.ascontiguousarray(self._x[:, :2])
        spread = np.trace(self._p[:, :2, :2], axis1=1, axis2=2)
        ii, jj = gate_candidates(pos, spread, pos, spread, self.config.merge_gate_chi2)
        upper = ii < jj
        ii, jj = ii[upper], jj[upper]
        if len(ii) == 0:
            return
        d2 = mahalanobis_sq(self._x[ii] - self._x[jj], self._p[ii] + self._p[jj])
        drop = np.zeros(n, dtype=bool)
        for i, j in zip(ii[d2 <= self.config.merge_gate_chi2], jj[d2 <= self.config.merge_gate_chi2], strict=True):
            if not drop[i] and not drop[j]:
                drop[j if self._ids[j] > self._ids[i] else i] = True
        self._select(~drop)

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
        x, p = self._x, self._p
        stamp = self._stamp_s
        if time_s is not None and time_s != stamp and len(x):
            xm, pm, c = imm_predict(self._xm, self._pm, self._mu, self.config.models, time_s - stamp,
                                    self.config.accel_noise_psd)
            x, p = imm_combine(xm, pm, c)
            stamp = time_s
        rows = np.flatnonzero(self._confirmed) if confirmed_only else np.arange(len(self._ids))
        states, covs = list(x[rows]), list(p[rows])  # fancy indexing copies: views of fresh arrays
        existence = np.minimum(1.0, 0.5 + 0.1 * self._hits[rows])
        source = self.source_id
        return [make_estimate(oid, source, stamp, st, cov, length, width, ex)
                for oid, st, cov, (length, width), ex in zip(
                    self._ids[rows].tolist(), states, covs, self._size_m[rows].tolist(), existence.tolist(),
                    strict=True)]
