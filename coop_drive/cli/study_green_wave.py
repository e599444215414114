"""`coop-drive study green-wave`: the green-wave table of docs/results.md — the same ego on a signalised
scenario without SPaT, with SPaT but no advice, with SPaT and our GLOSA, and driven by SUMO with its own glosa
device, several seeds each. Fuel is compared per seed with the run without SPaT (paired differences)."""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from coop_drive.cli.run import add_run_arguments, scenario_from_args, validate_run_arguments
from coop_drive.eval.metrics import RunMetrics
from coop_drive.harness.run import run_scenario
from coop_drive.scenario import Scenario, Split
from coop_drive.scenario.model import EgoDriver
from coop_drive.world.sumo_backend import SumoWorld


@dataclass(frozen=True)
class Variant:
    """One row of the table: a split and who advises/drives."""

    label: str
    split: Split
    glosa: bool = True
    ego_driver: EgoDriver = EgoDriver.PLANNER

    def scenario(self, base: Scenario, seed: int) -> Scenario:
        return base.with_overrides(split=self.split, seed=seed, glosa=self.glosa, ego_driver=self.ego_driver)


VARIANTS = (
    Variant("no SPaT (onboard: camera sees the colour)", Split.ONBOARD),
    Variant("SPaT via the MEC, no advice", Split.EDGE_PERCEPTION, glosa=False),
    Variant("SPaT via the MEC + GLOSA", Split.EDGE_PERCEPTION),
    Variant("SUMO glosa device (perfect timing)", Split.ONBOARD, ego_driver=EgoDriver.SUMO_GLOSA),
)


def add_green_wave_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per row: seed, seed+1, ... (default 5)")
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this markdown file")


def validate_green_wave_arguments(args: argparse.Namespace) -> str | None:
    if args.seeds < 1:
        return f"--seeds must be >= 1, got {args.seeds}"
    if getattr(args, "baseline", None) is not None:
        return "--baseline: the study runs every baseline itself"
    return validate_run_arguments(args, out_is_file=True)


def _mean_sd(values: Sequence[float | None], digits: int) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "–"
    mean = statistics.fmean(present)
    sd = statistics.stdev(present) if len(present) > 1 else 0.0
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def fuel_change_pct(runs: Sequence[RunMetrics], reference: Sequence[RunMetrics]) -> float | None:
    """Mean over seeds of the fuel change against the reference run of the same seed [%]."""
    pairs = [(m.fuel_g, r.fuel_g) for m, r in zip(runs, reference, strict=True)
             if m.fuel_g is not None and r.fuel_g]
    if not pairs:
        return None
    return statistics.fmean(100.0 * (f - ref) / ref for f, ref in pairs)


def green_wave_row(label: str, runs: Sequence[RunMetrics], reference: Sequence[RunMetrics]) -> str:
    n = len(runs)
    change = fuel_change_pct(runs, reference)
    return (f"| {label} | {sum(m.collision for m in runs)}/{n} | {_mean_sd([float(m.stops) for m in runs], 2)} | "
            f"{_mean_sd([m.stopped_time_s for m in runs], 1)} | {_mean_sd([m.fuel_g for m in runs], 2)} | "
            f"{'–' if change is None else f'{change:+.1f} %'} | {_mean_sd([m.ego_travel_time_s for m in runs], 1)} | "
            f"{_mean_sd([m.rms_jerk_mps3 for m in runs], 2)} | {_mean_sd([m.advisory_compliance for m in runs], 2)} |")


HEADER = ("| variant | collisions | stops | stopped [s] | fuel [g] | fuel vs no SPaT | travel time [s] "
          "| RMS jerk [m/s³] | advice compliance |\n|---|---|---|---|---|---|---|---|---|")


def run_green_wave_study(args: argparse.Namespace) -> int:
    base = scenario_from_args(args, None)
    seeds = [base.seed + k for k in range(args.seeds)]
    total, done = len(VARIANTS) * len(seeds), 0
    results: list[list[RunMetrics]] = []
    for variant in VARIANTS:
        runs = []
        for seed in seeds:
            runs.append(run_scenario(variant.scenario(base, seed), SumoWorld()))
            done += 1
            print(f"\r  run {done}/{total}", end="", file=sys.stderr, flush=True)
        results.append(runs)
    print(file=sys.stderr)
    lines = [f"{base.name}, seeds {seeds[0]}–{seeds[-1]} (mean ± sd)", "", HEADER]
    lines += [green_wave_row(v.label, runs, results[0]) for v, runs in zip(VARIANTS, results, strict=True)]
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0
