"""Benchmark of one perception cycle: tracker update over N objects plus fusion with N received objects.

The baseline, measured in the same process, is the bare Kalman filtering of the same N objects with the
association already known (predict + update per object, no gating, assignment or fusion).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from coop_drive.perception.fusion import fuse_objects
from coop_drive.perception.kalman import cv_predict, kf_update
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.perception.tracker import MultiObjectTracker
from coop_drive.sensors.object_sensor import Detection

CYCLE_S = 0.05


@dataclass(frozen=True)
class PerceptionBench:
    """Median times of one cycle [ms]."""

    objects: int
    cycle_ms: float
    baseline_ms: float

    @property
    def ratio(self) -> float:
        return self.cycle_ms / self.baseline_ms


def _scene(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    side = int(np.ceil(np.sqrt(n)))
    grid = np.array([(i % side, i // side) for i in range(n)], dtype=float) * 12.0  # 12 m apart
    velocity = rng.uniform(-12.0, 12.0, size=(n, 2))
    return grid, velocity


def bench_perception(n: int, cycles: int = 40, warmup: int = 5, seed: int = 0) -> PerceptionBench:
    """Run a tracker + fusion over n moving objects and time it against bare Kalman filtering."""
    rng = np.random.default_rng(seed)
    pos, vel = _scene(n, rng)
    tracker = MultiObjectTracker("bench")
    cycle_times, base_times = [], []
    states = [np.concatenate([p, v]) for p, v in zip(pos, vel, strict=True)]
    covs = [np.eye(4) for _ in range(n)]
    r = np.diag([0.09, 0.09, 0.09, 0.09])
    for k in range(warmup + cycles):
        t = k * CYCLE_S
        truth = pos + vel * t
        noisy = truth + rng.normal(0.0, 0.3, truth.shape)
        dets = [Detection.position_velocity(t, "s", x, y, vx, vy, 0.3, 0.3)
                for (x, y), (vx, vy) in zip(noisy, vel, strict=True)]
        received = [ObjectEstimate(i, "mec", t - 0.03, np.array([x, y, vx, vy]), np.eye(4) * 0.2, 4.6, 1.8)
                    for i, ((x, y), (vx, vy)) in enumerate(zip(truth, vel, strict=True))]
        start = time.perf_counter()
        tracker.update(t, dets)
        fuse_objects(tracker.estimates(t), received, t)
        cycle = time.perf_counter() - start
        start = time.perf_counter()
        for i, det in enumerate(dets):
            states[i], covs[i] = cv_predict(states[i], covs[i], CYCLE_S, 2.0)
            states[i], covs[i] = kf_update(states[i], covs[i], det.z, np.eye(4), r)
        base = time.perf_counter() - start
        if k >= warmup:
            cycle_times.append(cycle)
            base_times.append(base)
    return PerceptionBench(n, 1e3 * statistics.median(cycle_times), 1e3 * statistics.median(base_times))
