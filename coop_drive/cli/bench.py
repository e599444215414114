"""`coop-drive bench NAME`: the benchmarks, each reporting against a baseline measured in the same process.

Register a benchmark by appending a ``Bench`` to ``BENCHES``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from coop_drive.cli.map_cmd import add_bench_map_arguments, run_map_command, validate_map_arguments
from coop_drive.cli.ros_cmd import ROS_BENCH


@dataclass(frozen=True)
class Bench:
    """One benchmark subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    validate: Callable[[argparse.Namespace], str | None]
    run: Callable[[argparse.Namespace], int]


def _add_perception(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="10,50,200", help="object counts (default 10,50,200)")
    parser.add_argument("--cycles", type=int, default=40, help="timed cycles per size (default 40)")


def _validate_perception(args: argparse.Namespace) -> str | None:
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        return f"--sizes: expected comma-separated integers, got {args.sizes!r}"
    if not sizes or min(sizes) < 1:
        return f"--sizes: expected integers >= 1, got {args.sizes!r}"
    return None if args.cycles >= 1 else f"--cycles must be >= 1, got {args.cycles}"


def _run_perception(args: argparse.Namespace) -> int:
    from coop_drive.perception.tracker_bench import bench_perception

    print("tracker update + fusion cycle (N tracked objects, N received objects), median over "
          f"{args.cycles} cycles;\nbaseline: bare Kalman predict+update of the same N objects, same process")
    print(f"{'objects':>8} {'cycle [ms]':>11} {'baseline [ms]':>14} {'ratio':>7}")
    for size in (int(s) for s in args.sizes.split(",")):
        result = bench_perception(size, cycles=args.cycles)
        print(f"{size:>8} {result.cycle_ms:>11.2f} {result.baseline_ms:>14.2f} {result.ratio:>6.2f}x")
    return 0


BENCHES: list[Bench] = [
    Bench("map", "lane-matching latency (single) and throughput (batched)", add_bench_map_arguments,
          validate_map_arguments, run_map_command),
    Bench("perception", "tracker + fusion cycle time for 10, 50, 200 objects", _add_perception,
          _validate_perception, _run_perception),
]

BENCHES.append(Bench(*ROS_BENCH))  # bench ros (coop_drive/cli/ros_cmd.py)


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="bench_command", required=True)
    for bench in BENCHES:
        bench_parser = sub.add_parser(bench.name, help=bench.help)
        bench.add_arguments(bench_parser)
        bench_parser.set_defaults(bench_spec=bench)


def validate_bench(args: argparse.Namespace) -> str | None:
    spec: Bench = args.bench_spec
    return spec.validate(args)


def run_bench(args: argparse.Namespace) -> int:
    spec: Bench = args.bench_spec
    return spec.run(args)
