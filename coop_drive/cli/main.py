"""The `coop-drive` command line. Exit status: 0 success, 2 bad input, 1 anything else."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from coop_drive.cli.compare import compare, format_table
from coop_drive.cli.link_stats import add_link_arguments, link_stats, validate_link_arguments
from coop_drive.cli.output import OutputDirError
from coop_drive.cli.run import (
    add_run_arguments,
    execute,
    format_summary,
    scenario_from_args,
    validate_run_arguments,
)
from coop_drive.cli.sweep import (
    add_sweep_arguments,
    first_colliding_latency_ms,
    format_row,
    sweep,
    validate_sweep_arguments,
)
from coop_drive.link.errors import LinkConfigError
from coop_drive.scenario import ScenarioError, Split
from coop_drive.world.netcache import MapBuildError

EXIT_BAD_INPUT = 2
_SPLITS = [s.value for s in Split]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coop-drive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario in the in-process runtime")
    add_run_arguments(run)
    run.add_argument("--split", choices=_SPLITS, default=None, help="which functions leave the car")
    run.add_argument("--out", type=Path, default=None, help="directory for metrics.json and run.json")
    cmp = sub.add_parser("compare", help="run a scenario under several splits and print them side by side")
    add_run_arguments(cmp)
    cmp.add_argument("--splits", default="onboard,edge", help="comma-separated splits (default onboard,edge)")
    cmp.add_argument("--out", type=Path, default=None, help="directory; each split goes to OUT/<split>/")
    swp = sub.add_parser("sweep", help="run one split over a range of latencies (and seeds)")
    add_run_arguments(swp)
    add_sweep_arguments(swp)
    link = sub.add_parser("link", help="inspect link profiles")
    add_link_arguments(link)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    error = validate_link_arguments(args) if args.command == "link" else validate_run_arguments(args)
    if args.command == "compare" and error is None:
        unknown = [s for s in args.splits.split(",") if s not in _SPLITS]
        if unknown:
            error = f"--splits: unknown split(s) {', '.join(unknown)} (choose from {', '.join(_SPLITS)})"
    if args.command == "sweep" and error is None:
        error = validate_sweep_arguments(args)
    if error:
        parser.exit(EXIT_BAD_INPUT, f"coop-drive: error: {error}\n")
    try:
        if args.command == "link":
            print(link_stats(args))
        elif args.command == "run":
            scenario = scenario_from_args(args, None if args.split is None else Split(args.split))
            metrics = execute(scenario, args.out)
            print(format_summary(scenario, metrics))
            if args.out is not None:
                print(f"  metrics           {args.out / 'metrics.json'}")
        elif args.command == "compare":
            print(format_table(compare(args)))
        else:
            rows = sweep(args)
            print("\n".join(format_row(r) for r in rows))
            first = first_colliding_latency_ms(rows)
            print("no collision at any swept latency" if first is None
                  else f"smallest latency with a collision: {first:g} ms")
    except (ScenarioError, MapBuildError, OutputDirError, LinkConfigError) as exc:
        print(f"coop-drive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
