"""`coop-drive study perception`: the table of docs/perception.md — the vehicle's fused picture over link
latency for three variants (vehicle only, fused without latency compensation, fused with it), several
seeds each, as mean ± standard deviation."""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from coop_drive.cli.run import add_run_arguments, scenario_from_args, validate_run_arguments
from coop_drive.cli.sweep import parse_latencies
from coop_drive.eval.metrics import RunMetrics
from coop_drive.harness.run import run_scenario
from coop_drive.scenario import Scenario, Split
from coop_drive.world.sumo_backend import SumoWorld

VARIANTS = ("vehicle only", "fused, no compensation", "fused, compensated")


def add_perception_arguments(perception: argparse.ArgumentParser) -> None:
    add_run_arguments(perception)
    perception.add_argument("--latencies", default="0,20,100,200,500", help="latencies [ms] (default 0,20,100,200,500)")
    perception.add_argument("--seeds", type=int, default=5, help="seeds per cell: seed, seed+1, ... (default 5)")
    perception.add_argument("--out", type=Path, default=None, help="also write the table to this markdown file")


def validate_perception_arguments(args: argparse.Namespace) -> str | None:
    try:
        parse_latencies(args.latencies)
    except ValueError as exc:
        return f"--latencies: {exc}"
    if args.seeds < 1:
        return f"--seeds must be >= 1, got {args.seeds}"
    return validate_run_arguments(args, out_is_file=True)


def _runs(make: Callable[[int], Scenario], seeds: Sequence[int], progress: Callable[[], None]) -> list[RunMetrics]:
    out = []
    for seed in seeds:
        out.append(run_scenario(make(seed), SumoWorld()))
        progress()
    return out


def _cell(runs: Sequence[RunMetrics], field: str, digits: int) -> str:
    values = [v for v in (getattr(m, field) for m in runs) if v is not None]
    if not values:
        return "–"
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.{digits}f} ± {spread:.{digits}f}"


def perception_table(base: Scenario, latencies: Sequence[float], seeds: Sequence[int]) -> str:
    """Markdown table: one row per latency and variant."""
    total = len(seeds) * (1 + 2 * len(latencies))
    done = [0]

    def progress() -> None:
        done[0] += 1
        print(f"\r  run {done[0]}/{total}", end="", file=sys.stderr, flush=True)

    onboard = _runs(lambda seed: base.with_overrides(seed=seed, split=Split.ONBOARD), seeds, progress)
    lines = [
        "| latency [ms] | variant | gospa | pos_rmse_m | first_detection_s | collisions |",
        "|---|---|---|---|---|---|",
    ]
    for latency in latencies:

        def edge(compensate: bool, latency_ms: float = latency) -> Callable[[int], Scenario]:
            return lambda seed: base.with_overrides(
                seed=seed, split=Split.EDGE, latency_ms=latency_ms, latency_compensation=compensate)

        for variant, runs in (
            (VARIANTS[0], onboard),
            (VARIANTS[1], _runs(edge(False), seeds, progress)),
            (VARIANTS[2], _runs(edge(True), seeds, progress)),
        ):
            lines.append(
                f"| {latency:g} | {variant} | {_cell(runs, 'gospa', 3)} | {_cell(runs, 'pos_rmse_m', 3)} | "
                f"{_cell(runs, 'first_detection_s', 2)} | {sum(m.collision for m in runs)}/{len(runs)} |")
    print(file=sys.stderr)
    return "\n".join(lines)


def run_perception_study(args: argparse.Namespace) -> int:
    base = scenario_from_args(args, None)
    seeds = [base.seed + k for k in range(args.seeds)]
    table = perception_table(base, parse_latencies(args.latencies), seeds)
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0
