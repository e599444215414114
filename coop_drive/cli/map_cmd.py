"""`coop-drive map info|check MAP` and `coop-drive bench map [MAP]` (registration apart from execution).

Exit status: 0 success, 1 `map check` below its agreement threshold, 2 bad input (missing file, bad
option, malformed or unsupported .xodr — reported as ``file: element: reason``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coop_drive.hdmap.errors import XodrError

EXIT_BAD_INPUT = 2
DEFAULT_BENCH_MAP = Path(__file__).resolve().parents[2] / "maps" / "urban_intersection.xodr"


def add_map_arguments(parser: argparse.ArgumentParser) -> None:
    """`map info MAP`, `map check MAP [--poses N] [--seed S]`."""
    msub = parser.add_subparsers(dest="map_command", required=True)
    info = msub.add_parser("info", help="roads, lanes, junctions, signals and geo-reference of a map")
    info.add_argument("map", type=Path, help="OpenDRIVE .xodr file")
    chk = msub.add_parser("check", help="cross-check lane matching and stop lines against carla.Map")
    chk.add_argument("map", type=Path, help="OpenDRIVE .xodr file")
    chk.add_argument("--poses", type=int, default=2000, help="number of random on-lane poses (default 2000)")
    chk.add_argument("--seed", type=int, default=0, help="seed of the pose sampler (default 0)")


def add_bench_map_arguments(bm: argparse.ArgumentParser) -> None:
    """`bench map [MAP] [--single N] [--batch N] [--seed S]` (registered by coop_drive/cli/bench.py)."""
    bm.add_argument("map", type=Path, nargs="?", default=DEFAULT_BENCH_MAP, help="OpenDRIVE .xodr file")
    bm.add_argument("--single", type=int, default=20_000, help="single queries to time (default 20000)")
    bm.add_argument("--batch", type=int, default=200_000, help="poses in the batched call (default 200000)")
    bm.add_argument("--seed", type=int, default=0, help="seed of the pose sampler (default 0)")


def validate_map_arguments(args: argparse.Namespace) -> str | None:
    """An error message for bad arguments, else None."""
    if not args.map.is_file():
        return f"{args.map}: no such map file"
    for name in ("poses", "single", "batch"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            return f"--{name}: expected an integer >= 1, got {value}"
    return None


def run_map_command(args: argparse.Namespace) -> int:
    """Execute `map info|check` or `bench map`."""
    error = validate_map_arguments(args)
    if error:
        print(f"coop-drive: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _execute(args)
    except XodrError as exc:
        print(f"coop-drive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _execute(args: argparse.Namespace) -> int:
    from coop_drive.hdmap.parser import load_map

    if getattr(args, "bench_command", None) == "map":
        from coop_drive.hdmap.map_bench import format_bench, run_bench

        print(format_bench(run_bench(args.map, args.single, args.batch, args.seed)))
        return 0
    if args.map_command == "info":
        from coop_drive.hdmap.info import format_info

        print(format_info(load_map(args.map)))
        return 0
    from coop_drive.hdmap.carla_check import format_report, run_check

    report = run_check(args.map, args.poses, args.seed)
    print(format_report(report))
    return 0 if report.passed() else 1
