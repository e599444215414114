"""`coop-drive compare`: the same scenario under several splits, metrics side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from coop_drive.cli.run import execute, scenario_from_args
from coop_drive.eval.metrics import RunMetrics
from coop_drive.scenario import Split

_ROWS = [
    ("collision", "collision", lambda m: "YES" if m.collision else "no"),
    ("min_ttc_s", "min TTC [s]", lambda m: f"{m.min_ttc_s:.2f}"),
    ("min_distance_m", "min distance [m]", lambda m: f"{m.min_distance_m:.2f}"),
    ("ego_max_decel_mps2", "max decel [m/s^2]", lambda m: f"{m.ego_max_decel_mps2:.2f}"),
    ("ego_travel_time_s", "travel time [s]",
     lambda m: "-" if m.ego_travel_time_s is None else f"{m.ego_travel_time_s:.2f}"),
    ("v2x_frames", "V2X delivered/sent", lambda m: f"{m.v2x_frames_delivered}/{m.v2x_frames_sent}"),
    ("v2x_latency_p50_ms", "V2X latency p50 [ms]",
     lambda m: "-" if m.v2x_latency_p50_ms is None else f"{m.v2x_latency_p50_ms:.1f}"),
    ("aoi_p50_ms", "age of info p50 [ms]", lambda m: "-" if m.aoi_p50_ms is None else f"{m.aoi_p50_ms:.1f}"),
    ("wall_time_s", "wall time [s]", lambda m: f"{m.wall_time_s:.2f}"),
]


def format_table(results: list[tuple[str, RunMetrics]]) -> str:
    """One column per split."""
    width = max(12, *(len(name) + 2 for name, _ in results))
    lines = ["".ljust(22) + "".join(name.rjust(width) for name, _ in results)]
    for _, label, fmt in _ROWS:
        lines.append(label.ljust(22) + "".join(fmt(m).rjust(width) for _, m in results))
    return "\n".join(lines)


def compare(args: argparse.Namespace) -> list[tuple[str, RunMetrics]]:
    """Run every requested split, writing each to OUT/<split>/ when --out is given."""
    results = []
    for name in args.splits.split(","):
        scenario = scenario_from_args(args, Split(name))
        out: Path | None = None if args.out is None else args.out / name
        print(f"running {scenario.name} with split {name} ...", flush=True)
        results.append((name, execute(scenario, out)))
    return results
