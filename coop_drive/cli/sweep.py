"""`coop-drive sweep`: one split over a range of link latencies (and seeds) — where does cooperation stop
helping? Prints one row per latency and the smallest latency at which any seed collided."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

from coop_drive.cli.output import atomic_output_dir
from coop_drive.cli.run import scenario_from_args
from coop_drive.eval.metrics import RunMetrics
from coop_drive.harness.run import run_scenario
from coop_drive.scenario import Split
from coop_drive.scenario.model import SPLIT_NAMES
from coop_drive.world.sumo_backend import SumoWorld


def parse_latencies(text: str, max_runs: int = 10_000) -> list[float]:
    """'0,20,100' or 'start:stop:step' (stop included) -> latencies [ms]. Raises ValueError when malformed."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(f"expected start:stop:step, got {text!r}")
        try:
            start, stop, step = (float(p) for p in parts)
        except ValueError:
            raise ValueError(f"expected numbers start:stop:step, got {text!r}") from None
        if not all(math.isfinite(v) for v in (start, stop, step)) or step <= 0 or stop < start:
            raise ValueError(f"expected finite numbers, step > 0 and stop >= start, got {text!r}")
        count = int(round((stop - start) / step)) + 1
        if count > max_runs:  # counted before anything is allocated
            shown = f"{count:,}" if count < 10**12 else f"{float(count):.2e}"
            raise ValueError(f"{text!r} makes {shown} latencies, more than the limit of {max_runs} "
                             "(--max-runs raises it)")
        values = [start + i * step for i in range(count)]
    else:
        try:
            values = [float(p) for p in text.split(",") if p.strip()]
        except ValueError:
            raise ValueError(f"expected numbers separated by commas, got {text!r}") from None
    if not values or any(not 0 <= v < math.inf for v in values):
        raise ValueError(f"latencies must be a non-empty list of numbers >= 0, got {text!r}")
    return values


@dataclass(frozen=True)
class SweepRow:
    """The runs at one latency, one per seed."""

    latency_ms: float
    runs: tuple[RunMetrics, ...]

    @property
    def collisions(self) -> int:
        return sum(m.collision for m in self.runs)


def sweep(args: argparse.Namespace) -> list[SweepRow]:
    """Run the scenario for every latency and seed, printing progress."""
    base = scenario_from_args(args, Split(args.split))
    latencies = parse_latencies(args.latencies)
    seeds = [base.seed + k for k in range(args.seeds)]
    rows = []
    total, done = len(latencies) * len(seeds), 0
    for latency in latencies:
        runs = []
        for seed in seeds:
            runs.append(run_scenario(base.with_overrides(latency_ms=latency, seed=seed), SumoWorld()))
            done += 1
        rows.append(SweepRow(latency, tuple(runs)))
        print(f"[{done}/{total}] {format_row(rows[-1])}", flush=True)
    if args.out is not None:
        with atomic_output_dir(args.out) as tmp:
            payload = {
                "scenario": base.name, "split": base.split.value, "loss": base.link.loss_probability,
                "link_profile": base.link.profile,
                "seeds": seeds,
                "rows": [{"latency_ms": r.latency_ms, "runs": [m.to_json_dict() for m in r.runs]} for r in rows],
            }
            (tmp / "sweep.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            (tmp / "metrics.json").write_text("{}\n", encoding="utf-8")  # marks the directory as ours
    return rows


def format_row(row: SweepRow) -> str:
    ttc = min(m.min_ttc_s for m in row.runs)
    decel = max(m.ego_max_decel_mps2 for m in row.runs)
    return (f"latency {row.latency_ms:8.1f} ms  collisions {row.collisions}/{len(row.runs)}  "
            f"min TTC {ttc:5.2f} s  max decel {decel:4.2f} m/s^2")


def first_colliding_latency_ms(rows: list[SweepRow]) -> float | None:
    """The smallest swept latency at which at least one seed collided."""
    return next((r.latency_ms for r in rows if r.collisions), None)


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--split", choices=SPLIT_NAMES, default=Split.EDGE_PERCEPTION.value)
    parser.add_argument("--latencies", default="0:1000:100",
                        help="latencies [ms]: a list '0,20,100' or a range 'start:stop:step' (default 0:1000:100)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per latency: seed, seed+1, ... (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="directory for sweep.json")
    parser.add_argument("--max-runs", type=int, default=1000, metavar="N",
                        help="refuse a grid of more runs than this (default 1000)")


def validate_sweep_arguments(args: argparse.Namespace) -> str | None:
    if args.max_runs < 1:
        return f"--max-runs must be >= 1, got {args.max_runs}"
    try:
        latencies = parse_latencies(args.latencies, args.max_runs)
    except ValueError as exc:
        return f"--latencies: {exc}"
    if args.seeds < 1:
        return f"--seeds must be >= 1, got {args.seeds}"
    if len(latencies) * args.seeds > args.max_runs:
        return (f"--latencies × --seeds: {len(latencies)} × {args.seeds} = {len(latencies) * args.seeds} runs, "
                f"more than --max-runs {args.max_runs}")
    return None
