"""`coop-drive study splits`: every automation level under every split on one scenario, several seeds —
the level x split table of docs/results.md. Each split runs on its default link (the scenario's, the
``cloud`` profile for the cloud splits); ``--fault`` applies to every V2X split."""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from coop_drive.cli.run import add_run_arguments, scenario_from_args, validate_run_arguments
from coop_drive.eval.metrics import RunMetrics
from coop_drive.harness.run import run_scenario
from coop_drive.scenario import Split
from coop_drive.scenario.model import AutomationLevel
from coop_drive.world.sumo_backend import SumoWorld

ALL_SPLITS = "onboard,edge-perception,edge-planning,cloud-perception,cloud-planning"


def add_splits_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--levels", default="L2,L3,L4", help="levels (default L2,L3,L4)")
    parser.add_argument("--splits", default=ALL_SPLITS, help=f"splits (default {ALL_SPLITS})")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per cell: seed, seed+1, ... (default 5)")
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this markdown file")


def validate_splits_arguments(args: argparse.Namespace) -> str | None:
    levels = [lvl.value for lvl in AutomationLevel]
    bad = [lvl for lvl in args.levels.split(",") if lvl not in levels]
    if bad:
        return f"--levels: unknown level(s) {', '.join(bad)} (choose from {', '.join(levels)})"
    try:
        [Split(s) for s in args.splits.split(",")]
    except ValueError as exc:
        return f"--splits: {exc}"
    if args.seeds < 1:
        return f"--seeds must be >= 1, got {args.seeds}"
    return validate_run_arguments(args, out_is_file=True)


def _mean(values: Sequence[float | None], digits: int) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "–"
    return f"{statistics.fmean(present):.{digits}f}" + ("" if len(present) == len(values) else f" ({len(present)})")


def _row(level: str, split: str, runs: Sequence[RunMetrics]) -> str:
    n = len(runs)
    return (f"| {level} | {split} | {sum(m.collision for m in runs)}/{n} | {_mean([m.min_ttc_s for m in runs], 2)} | "
            f"{_mean([m.ego_max_decel_mps2 for m in runs], 2)} | {_mean([m.ego_travel_time_s for m in runs], 1)} | "
            f"{sum(m.takeover_requested_s is not None for m in runs)} | "
            f"{sum(m.minimal_risk_s is not None for m in runs)} | {_mean([m.v2x_latency_p50_ms for m in runs], 1)} | "
            f"{_mean([float(m.stops) for m in runs], 1)} | {_mean([m.fuel_g for m in runs], 1)} |")


def run_splits_study(args: argparse.Namespace) -> int:
    levels, splits = args.levels.split(","), args.splits.split(",")
    total, done = len(levels) * len(splits) * args.seeds, 0
    lines = [
        "| level | split | collisions | min TTC [s] | max decel [m/s²] | travel time [s] (arrived) | takeovers "
        "| minimal-risk stops | V2X p50 [ms] | stops | fuel [g] |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        for split in splits:
            runs = []
            for k in range(args.seeds):
                base = scenario_from_args(args, Split(split))
                scenario = base.with_overrides(seed=base.seed + k, level=AutomationLevel(level))
                runs.append(run_scenario(scenario, SumoWorld()))
                done += 1
                print(f"\r  run {done}/{total}", end="", file=sys.stderr, flush=True)
            lines.append(_row(level, split, runs))
    print(file=sys.stderr)
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0
