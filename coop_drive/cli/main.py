"""The `coop-drive` command line. Exit status: 0 success, 2 bad input, 1 anything else.

Each subcommand is registered by a ``Command``: how to add its arguments, how to validate them (an error
string or None) and how to run it (an exit status). Add a command by appending to ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from coop_drive.cli.bench import add_bench_arguments, run_bench, validate_bench
from coop_drive.cli.compare import compare, format_table
from coop_drive.cli.link_stats import add_link_arguments, link_stats, validate_link_arguments
from coop_drive.cli.map_cmd import add_map_arguments, run_map_command, validate_map_arguments
from coop_drive.cli.output import OutputDirError
from coop_drive.cli.ros_cmd import ROS_COMMANDS
from coop_drive.cli.run import (
    add_run_arguments,
    execute,
    format_summary,
    scenario_from_args,
    validate_run_arguments,
)
from coop_drive.cli.study import add_study_arguments, run_study, validate_study_arguments
from coop_drive.cli.sweep import (
    add_sweep_arguments,
    first_colliding_latency_ms,
    format_row,
    sweep,
    validate_sweep_arguments,
)
from coop_drive.cli.v2x_cmd import add_v2x_arguments, run_v2x_command, validate_v2x_arguments
from coop_drive.link.errors import LinkConfigError
from coop_drive.scenario import ScenarioError, Split
from coop_drive.scenario.model import SPLIT_NAMES
from coop_drive.world.netcache import MapBuildError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
_SPLITS = SPLIT_NAMES
# Errors that mean "bad input": reported in one line, exit status 2.
BAD_INPUT_ERRORS: tuple[type[Exception], ...] = (ScenarioError, MapBuildError, OutputDirError, LinkConfigError)


@dataclass(frozen=True)
class Command:
    """One subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    validate: Callable[[argparse.Namespace], str | None]
    run: Callable[[argparse.Namespace], int]


def _add_run(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--split", choices=_SPLITS, default=None, help="which functions leave the car")
    parser.add_argument("--out", type=Path, default=None, help="directory for metrics.json and run.json")


def _run(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args, None if args.split is None else Split(args.split))
    metrics = execute(scenario, args.out)
    print(format_summary(scenario, metrics))
    if args.out is not None:
        print(f"  metrics           {args.out / 'metrics.json'}")
    return 0


def _add_compare(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    parser.add_argument("--splits", default="onboard,edge", help="comma-separated splits (default onboard,edge)")
    parser.add_argument("--out", type=Path, default=None, help="directory; each split goes to OUT/<split>/")


def _validate_compare(args: argparse.Namespace) -> str | None:
    unknown = [s for s in args.splits.split(",") if s not in _SPLITS]
    if unknown:
        return f"--splits: unknown split(s) {', '.join(unknown)} (choose from {', '.join(_SPLITS)})"
    return validate_run_arguments(args)


def _compare(args: argparse.Namespace) -> int:
    print(format_table(compare(args)))
    return 0


def _add_sweep(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)
    add_sweep_arguments(parser)


def _validate_sweep(args: argparse.Namespace) -> str | None:
    return validate_run_arguments(args) or validate_sweep_arguments(args)


def _sweep(args: argparse.Namespace) -> int:
    rows = sweep(args)
    print("\n".join(format_row(r) for r in rows))
    first = first_colliding_latency_ms(rows)
    print("no collision at any swept latency" if first is None else f"smallest latency with a collision: {first:g} ms")
    return 0


def _link(args: argparse.Namespace) -> int:
    print(link_stats(args))
    return 0


COMMANDS: list[Command] = [
    Command("run", "run one scenario in the in-process runtime", _add_run, validate_run_arguments, _run),
    Command("compare", "run a scenario under several splits and print them side by side",
            _add_compare, _validate_compare, _compare),
    Command("sweep", "run one split over a range of latencies (and seeds)", _add_sweep, _validate_sweep, _sweep),
    Command("link", "inspect link profiles", add_link_arguments, validate_link_arguments, _link),
    Command("study", "generate the documented result tables (e.g. `study perception`)",
            add_study_arguments, validate_study_arguments, run_study),
    Command("map", "inspect an OpenDRIVE map (`map info`), cross-check it against carla.Map (`map check`)",
            add_map_arguments, validate_map_arguments, run_map_command),
    Command("bench", "benchmarks against same-process baselines (`bench map`, `bench perception`, ...)",
            add_bench_arguments, validate_bench, run_bench),
    Command("v2x", "the V2X message set (`v2x sizes`: UPER-encoded size of each message type)",
            add_v2x_arguments, validate_v2x_arguments, run_v2x_command),
]
COMMANDS += [Command(*spec) for spec in ROS_COMMANDS]  # launch, bag, replay (coop_drive/cli/ros_cmd.py)


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line naming the argument (and where the usage is), not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} -h)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="coop-drive", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command_parser = sub.add_parser(command.name, help=command.help)
        command.add_arguments(command_parser)
        command_parser.set_defaults(command_spec=command)
    return parser


class Terminated(BaseException):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so every temporary output is removed on the way out."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Command = args.command_spec
    error = command.validate(args)
    if error:
        parser.exit(EXIT_BAD_INPUT, f"coop-drive: error: {error}\n")
    handlers = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return command.run(args)
    except BAD_INPUT_ERRORS as exc:
        print(f"coop-drive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"coop-drive: {command.name}: interrupted (Ctrl-C); nothing half-written left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated as exc:
        print(f"coop-drive: {command.name}: terminated ({exc}); nothing half-written left", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
