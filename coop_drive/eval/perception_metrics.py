"""Perception metrics of the vehicle's fused picture against ground truth, sampled every planning cycle.

- ``gospa``: mean over cycles of GOSPA (cut-off 5 m, p = 2, alpha = 2) between the picture and the true
  positions of the other actors within ``relevant_radius_m`` of the ego.
- ``pos_rmse_m``: root mean square position error over all assigned (within the cut-off) pairs.
- ``first_detection_s``: for the first actor that crosses the ego's route, the time between the picture first
  holding a track within ``detection_gate_m`` of it and that actor reaching the ego's route corridor.
  Larger is earlier. The actor's arrival, not the ego's, is the reference, so that a split whose ego
  yields (and so arrives later) is not credited for its own slowness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from coop_drive.eval.gospa import gospa
from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.world.backend import ActorState

if TYPE_CHECKING:
    from coop_drive.eval.metrics import RunMetrics

_CROSSING_COS = math.cos(math.radians(45.0))  # heading differs from the route's by more than this: crossing


@dataclass
class PerceptionMetrics:
    """Aggregates; None when there was nothing to measure."""

    gospa: float | None = None
    pos_rmse_m: float | None = None
    first_detection_s: float | None = None


@dataclass
class _ActorTimes:
    first_seen_s: float | None = None
    reaches_route_s: float | None = None


@dataclass
class PerceptionRecorder:
    """Feed ``on_truth`` every world step and ``on_picture`` every planning cycle; read ``result()`` at the end."""

    ego_id: str
    route: Polyline
    ego_width_m: float
    relevant_radius_m: float = 100.0
    cutoff_m: float = 5.0
    detection_gate_m: float = 2.5
    _gospa_sum: float = 0.0
    _cycles: int = 0
    _sq_errors_sum: float = 0.0
    _pairs: int = 0
    _actors: dict[str, _ActorTimes] = field(default_factory=dict)

    def on_picture(self, time_s: float, truth: Mapping[str, ActorState], picture: Sequence[ObjectEstimate]) -> None:
        """Score the vehicle's fused picture against the truth (every planning cycle)."""
        ego = truth.get(self.ego_id)
        if ego is None:
            return
        others = [truth[aid] for aid in sorted(truth) if aid != self.ego_id]
        ego_xy = np.array([ego.x_m, ego.y_m])
        truth_xy = np.array([[o.x_m, o.y_m] for o in others]).reshape(-1, 2)
        est_xy = np.array([[e.x_m, e.y_m] for e in picture]).reshape(-1, 2)
        near_truth = truth_xy[np.linalg.norm(truth_xy - ego_xy, axis=1) <= self.relevant_radius_m]
        near_est = est_xy[np.linalg.norm(est_xy - ego_xy, axis=1) <= self.relevant_radius_m]
        result = gospa(near_est, near_truth, self.cutoff_m)
        self._gospa_sum += result.distance_m
        self._cycles += 1
        self._sq_errors_sum += sum(e * e for e in result.assigned_errors_m)
        self._pairs += len(result.assigned_errors_m)
        for actor in others:
            times = self._actors.setdefault(actor.actor_id, _ActorTimes())
            if times.first_seen_s is None and len(est_xy):
                gap = np.linalg.norm(est_xy - np.array([actor.x_m, actor.y_m]), axis=1).min()
                if gap <= self.detection_gate_m:
                    times.first_seen_s = time_s

    def on_truth(self, time_s: float, truth: Mapping[str, ActorState]) -> None:
        """Note when actors reach the ego's route (every world step, so that a crash step is not missed)."""
        for aid in sorted(truth):
            if aid == self.ego_id:
                continue
            times = self._actors.setdefault(aid, _ActorTimes())
            if times.reaches_route_s is None and self._crosses_route_now(truth[aid]):
                times.reaches_route_s = time_s

    def _crosses_route_now(self, actor: ActorState) -> bool:
        s, lateral = self.route.project(np.array([[actor.x_m, actor.y_m]]))
        if abs(float(lateral[0])) > (self.ego_width_m + actor.length_m) / 2.0:
            return False
        _, _, route_yaw = self.route.point_at(float(s[0]))
        return abs(math.cos(actor.yaw_rad - route_yaw)) < _CROSSING_COS

    def fill(self, m: RunMetrics) -> None:
        """Write GOSPA, position RMSE and first detection into a run's metrics (both runtimes)."""
        seen = self.result()
        m.gospa, m.pos_rmse_m, m.first_detection_s = seen.gospa, seen.pos_rmse_m, seen.first_detection_s

    def result(self) -> PerceptionMetrics:
        out = PerceptionMetrics()
        if self._cycles:
            out.gospa = self._gospa_sum / self._cycles
        if self._pairs:
            out.pos_rmse_m = math.sqrt(self._sq_errors_sum / self._pairs)
        crossing = [t for t in self._actors.values() if t.reaches_route_s is not None]
        if crossing:
            first = min(crossing, key=lambda t: t.reaches_route_s or math.inf)
            if first.first_seen_s is not None and first.reaches_route_s is not None:
                out.first_detection_s = first.reaches_route_s - first.first_seen_s
        return out
