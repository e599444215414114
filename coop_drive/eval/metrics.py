"""Per-run metrics, accumulated step by step from ground truth, written as metrics.json."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coop_drive.eval.safety import box_gap_m, time_to_collision_s
from coop_drive.world.backend import ActorState

TTC_HORIZON_S = 10.0  # min_ttc_s is capped here: "no collision course within 10 s"


@dataclass
class RunMetrics:
    """What one run measured. Field names carry units; wall_time_s is the only non-deterministic field."""

    collision: bool = False
    collision_time_s: float | None = None
    collision_with: str | None = None
    min_ttc_s: float = TTC_HORIZON_S
    min_distance_m: float = math.inf
    ego_max_decel_mps2: float = 0.0
    ego_travel_time_s: float | None = None
    v2x_frames_sent: int = 0
    v2x_frames_delivered: int = 0
    v2x_frames_rejected: int = 0
    v2x_uplink_frames_sent: int = 0  # BSMs, vehicle -> MEC
    v2x_uplink_frames_delivered: int = 0
    # Measured on the frames the link actually delivered (None when there were none):
    v2x_latency_p50_ms: float | None = None  # delivery time - generation time
    v2x_latency_p99_ms: float | None = None
    v2x_delivery_ratio: float | None = None  # delivered / sent, frames still in flight at the end excluded
    v2x_bytes_per_s: float | None = None  # delivered bytes / simulated time
    aoi_p50_ms: float | None = None  # age of the newest MEC object list the vehicle had, at each planning cycle
    aoi_p99_ms: float | None = None
    # The vehicle's fused picture against ground truth (see eval/perception_metrics.py):
    gospa: float | None = None
    pos_rmse_m: float | None = None
    first_detection_s: float | None = None
    # Automation (see planning/automation.py): times are simulation times, None when it did not happen
    warnings_issued: int = 0
    takeover_requested_s: float | None = None
    minimal_risk_s: float | None = None
    v2x_degraded_s: float | None = None  # when the supervisor first found the V2X information stale
    plan_cycles_followed: int = 0  # planning splits: cycles in which the vehicle followed a received plan
    # Driving quality (see eval/driving_metrics.py):
    stops: int = 0  # the ego's speed fell below 0.5 m/s after moving
    stopped_time_s: float = 0.0
    fuel_g: float | None = None  # simulator's emission model (SUMO HBEFA), integrated
    rms_jerk_mps3: float | None = None
    advisory_compliance: float | None = None  # share of advised cycles within 1 m/s of the GLOSA advice
    red_crossings: int = 0  # stop lines passed on red
    sim_time_s: float = 0.0
    wall_time_s: float = 0.0

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, float):
                value = None if not math.isfinite(value) else round(value, 6)
            out[key] = value
        return out


def quantile_ms(values_ms: Sequence[float], q: float) -> float | None:
    """The q-quantile (linear interpolation) of values_ms, or None when there are none."""
    return float(np.quantile(np.asarray(values_ms, dtype=float), q)) if len(values_ms) else None


@dataclass
class V2xRecorder:
    """Collects what the link delivered and the vehicle's age of information, for RunMetrics."""

    frames_sent: int = 0
    frames_in_flight: int = 0
    bytes_delivered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    aoi_ms: list[float] = field(default_factory=list)
    newest_generation_ns: int | None = None

    def on_sent(self, delivered: bool) -> None:
        self.frames_sent += 1
        self.frames_in_flight += delivered

    def on_delivered(self, now_ns: int, generation_ns: int, size_bytes: int) -> None:
        self.frames_in_flight -= 1
        self.bytes_delivered += size_bytes
        self.latencies_ms.append((now_ns - generation_ns) / 1e6)
        if self.newest_generation_ns is None or generation_ns > self.newest_generation_ns:
            self.newest_generation_ns = generation_ns

    def on_plan(self, now_ns: int) -> None:
        if self.newest_generation_ns is not None:
            self.aoi_ms.append((now_ns - self.newest_generation_ns) / 1e6)

    def fill(self, m: RunMetrics) -> None:
        m.v2x_latency_p50_ms = quantile_ms(self.latencies_ms, 0.5)
        m.v2x_latency_p99_ms = quantile_ms(self.latencies_ms, 0.99)
        settled = self.frames_sent - self.frames_in_flight
        if self.latencies_ms and settled > 0:
            m.v2x_delivery_ratio = len(self.latencies_ms) / settled
            if m.sim_time_s > 0:
                m.v2x_bytes_per_s = self.bytes_delivered / m.sim_time_s
        m.aoi_p50_ms = quantile_ms(self.aoi_ms, 0.5)
        m.aoi_p99_ms = quantile_ms(self.aoi_ms, 0.99)


class MetricsRecorder:
    """Updates RunMetrics from each step's ground truth."""

    def __init__(self, ego_id: str) -> None:
        self.ego_id = ego_id
        self.metrics = RunMetrics()
        self._last_speed_mps: float | None = None
        self._last_time_s: float | None = None

    def on_step(self, time_s: float, states: Mapping[str, ActorState], colliding_with: list[str]) -> None:
        m = self.metrics
        ego = states.get(self.ego_id)
        if ego is None:
            return
        if self._last_speed_mps is not None and self._last_time_s is not None and time_s > self._last_time_s:
            decel = (self._last_speed_mps - ego.speed_mps) / (time_s - self._last_time_s)
            m.ego_max_decel_mps2 = max(m.ego_max_decel_mps2, decel)
        self._last_speed_mps, self._last_time_s = ego.speed_mps, time_s
        for aid in sorted(states):
            if aid == self.ego_id:
                continue
            other = states[aid]
            lower_bound_gap_m = _circle_gap_m(ego, other)
            if lower_bound_gap_m < m.min_distance_m:
                m.min_distance_m = min(m.min_distance_m, box_gap_m(ego, other))
            closing_m = math.hypot(other.vx_mps - ego.vx_mps, other.vy_mps - ego.vy_mps) * TTC_HORIZON_S
            if lower_bound_gap_m <= closing_m:  # else the footprints cannot touch within the horizon
                m.min_ttc_s = min(m.min_ttc_s, time_to_collision_s(ego, other, TTC_HORIZON_S))
        if colliding_with and not m.collision:
            m.collision, m.collision_time_s, m.collision_with = True, time_s, colliding_with[0]
            m.min_ttc_s = 0.0
            m.min_distance_m = 0.0


def _circle_gap_m(a: ActorState, b: ActorState) -> float:
    """Gap between the footprints' bounding circles [m]: a lower bound of the footprints' gap, so skipping a
    pair on it (farther than the smallest gap so far, or than its relative speed covers within the TTC
    horizon) never misses a smaller gap or a collision course."""
    radii_m = (math.hypot(a.length_m, a.width_m) + math.hypot(b.length_m, b.width_m)) / 2.0
    return math.hypot(b.x_m - a.x_m, b.y_m - a.y_m) - radii_m


def write_metrics(metrics: RunMetrics, path: Path) -> None:
    """Write metrics.json (sorted keys, stable formatting)."""
    path.write_text(json.dumps(metrics.to_json_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
