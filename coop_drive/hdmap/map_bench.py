"""Lane-matching speed: single-query latency and batched throughput, with carla.Map as the baseline.

Poses: seeded, uniform over the driving-lane length of the map (so junctions get their share by
length), moved sideways by N(0, 0.5 m) and turned by N(0, 0.05 rad).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BenchReport:
    map_name: str
    n_single: int
    single_median_us: float
    single_p99_us: float
    junction_single_median_us: float  # poses inside junctions only (most candidate lanes)
    n_batch: int
    batch_queries_per_s: float
    carla_single_median_us: float | None  # carla.Map.get_waypoint (C++), same poses; None without carla
    matched_share: float


def sample_poses(svc: MapService, n: int, seed: int) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """(n, 2) positions, (n,) yaws and an in-junction flag, uniform over lane length."""
    rng = np.random.default_rng(seed)
    lanes = svc.map.lanes
    lengths = np.array([ln.length_m for ln in lanes])
    idx = rng.choice(len(lanes), size=n, p=lengths / lengths.sum())
    xy = np.empty((n, 2))
    yaw = np.empty(n)
    junction = np.zeros(n, dtype=bool)
    for i in np.unique(idx):
        sel = np.nonzero(idx == i)[0]
        ln = lanes[int(i)]
        along = rng.uniform(0.0, ln.length_m, size=len(sel))
        x, y = np.interp(along, ln.along_m, ln.xy_m[:, 0]), np.interp(along, ln.along_m, ln.xy_m[:, 1])
        seg = np.clip(np.searchsorted(ln.along_m, along, side="right") - 1, 0, len(ln.xy_m) - 2)
        d = ln.xy_m[seg + 1] - ln.xy_m[seg]
        hdg = np.arctan2(d[:, 1], d[:, 0])
        lat = rng.normal(0.0, 0.5, size=len(sel))
        xy[sel, 0], xy[sel, 1] = x - lat * np.sin(hdg), y + lat * np.cos(hdg)
        yaw[sel] = hdg + rng.normal(0.0, 0.05, size=len(sel))
        junction[sel] = ln.junction_id is not None
    return xy, yaw, junction


def run_bench(path: Path, n_single: int = 20_000, n_batch: int = 200_000, seed: int = 0,
              with_carla: bool = True) -> BenchReport:
    hdmap = load_map(path)
    svc = MapService(hdmap)
    xy, yaw, junction = sample_poses(svc, max(n_single, n_batch), seed)
    pts = [(float(x), float(y), float(h)) for (x, y), h in zip(xy[:n_single], yaw[:n_single], strict=True)]
    times = np.empty(n_single)
    clock = time.perf_counter
    for k, (x, y, h) in enumerate(pts):
        t0 = clock()
        svc.match(x, y, h)
        times[k] = clock() - t0
    svc.match_batch(xy[:1000], yaw[:1000])  # warm-up
    t0 = clock()
    batch = svc.match_batch(xy[:n_batch], yaw[:n_batch])
    batch_s = clock() - t0
    carla_us = None
    if with_carla:
        try:
            import carla
        except ImportError:
            carla = None
        if carla is not None:
            cmap = carla.Map(hdmap.name, Path(path).read_text(encoding="utf-8"))
            ctimes = np.empty(n_single)
            for k, (x, y, _) in enumerate(pts):
                loc = carla.Location(x=x, y=-y, z=0.0)
                t0 = clock()
                cmap.get_waypoint(loc)
                ctimes[k] = clock() - t0
            carla_us = float(np.median(ctimes) * 1e6)
    jt = times[junction[:n_single]]
    return BenchReport(hdmap.name, n_single, float(np.median(times) * 1e6), float(np.percentile(times, 99) * 1e6),
                       float(np.median(jt) * 1e6) if len(jt) else float("nan"), n_batch, n_batch / batch_s,
                       carla_us, float(np.mean(batch.lane_index >= 0)))


def format_bench(rep: BenchReport) -> str:
    lines = [
        f"bench map {rep.map_name}: lane matching (position + heading), poses uniform over lane length",
        f"  single query   median {rep.single_median_us:7.1f} us   p99 {rep.single_p99_us:7.1f} us   "
        f"(junction poses: median {rep.junction_single_median_us:.1f} us; {rep.n_single} queries)",
        f"  batched        {rep.batch_queries_per_s:12,.0f} queries/s   ({rep.n_batch} poses in one call; "
        f"{rep.matched_share * 100:.2f} % matched)",
    ]
    if rep.carla_single_median_us is not None:
        lines.append(f"  baseline carla.Map.get_waypoint (C++, no heading) median {rep.carla_single_median_us:.1f} us "
                     f"-> ours / carla = {rep.single_median_us / rep.carla_single_median_us:.1f}x")
    return "\n".join(lines)
