"""ROS 2 runtime commands: `launch FILE [name:=value ...]`, `bag info BAG`, `replay BAG`.

Registration (``add_*_arguments``) is apart from validation (``validate_*``, an error string or None), as
in ros2bag's verbs; both are testable without ROS.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from coop_drive.bag.reader import BagReadError, bag_info
from coop_drive.bag.replay import Tolerance, replay_bag
from coop_drive.cli.output import OutputDirError, atomic_output_dir
from coop_drive.launching.runner import LaunchRunner
from coop_drive.launching.xml_launch import LaunchFileError, NodeAction, load_launch_file
from coop_drive.nodes.stepping import MODES
from coop_drive.scenario import ScenarioError, Split, load_scenario
from coop_drive.scenario.loader import SPLIT_NAMES
from coop_drive.scenario.model import Fault

EXIT_BAD_INPUT = 2
REPO = Path(__file__).resolve().parents[2]


def add_bag_arguments(parser: argparse.ArgumentParser) -> None:
    """`bag info BAG`."""
    sub = parser.add_subparsers(dest="bag_command", required=True)
    info = sub.add_parser("info", help="topics, types and message counts of a bag")
    info.add_argument("bag", type=Path, help="rosbag2 directory (e.g. runs/x/bag)")


def validate_bag_arguments(args: argparse.Namespace) -> str | None:
    if not args.bag.is_dir():
        return f"{args.bag}: no such bag directory"
    return None


def run_bag(args: argparse.Namespace) -> int:
    try:
        print(bag_info(args.bag).format())
    except BagReadError as exc:
        print(f"coop-drive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def add_launch_arguments(parser: argparse.ArgumentParser) -> None:
    """`launch FILE [name:=value ...] [--timeout S] [--startup-attempts N]`."""
    parser.add_argument("file", type=Path, help="XML launch file (e.g. launch/occluded_intersection.launch.xml)")
    parser.add_argument("arguments", nargs="*", metavar="name:=value", help="launch arguments")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="shut the launch down after S seconds of wall time (default: none)")
    parser.add_argument("--startup-attempts", type=int, default=1, metavar="N",
                        help="start the launch again, up to N times in all, when its nodes did not all meet "
                             "(the bridge's start-up timeout; nothing has run yet); each restart is reported "
                             "(default: 1, no restart: a failed start-up is an error)")
    parser.add_argument("--one-process", action="store_true",
                        help="build every node in this process and spin them on one executor (one DDS participant: "
                             "no discovery between processes; for debugging and equivalence checks)")


def parse_launch_arguments(items: list[str]) -> tuple[dict[str, str], str | None]:
    """name:=value items -> dict, or an error message."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition(":=")
        if not sep or not name:
            return {}, f"launch argument '{item}': expected name:=value"
        out[name] = value
    return out, None


def check_argument_values(arguments: dict[str, str]) -> str | None:
    """The values of the arguments the launch files share, checked before any node starts."""
    choices = {"split": ["", *SPLIT_NAMES], "mode": list(MODES)}
    for name, allowed in choices.items():
        if name in arguments and arguments[name] not in allowed:
            listed = " | ".join(a for a in allowed if a)
            return f"launch argument {name}:={arguments[name]}: expected one of {listed}"
    if "real_time_factor" in arguments:
        try:
            factor = float(arguments["real_time_factor"])
        except ValueError:
            factor = math.nan
        if not 0 < factor < math.inf:
            return f"launch argument real_time_factor:={arguments['real_time_factor']}: expected a number > 0"
    for fault in (f.strip() for f in arguments.get("fault", "").split(",") if f.strip()):
        try:
            Fault.parse(fault)
        except ValueError as exc:
            return f"launch argument fault:={arguments['fault']}: {exc}"
    return None


def validate_launch_arguments(args: argparse.Namespace) -> str | None:
    if not args.file.is_file():
        return f"{args.file}: no such launch file"
    if args.timeout is not None and not args.timeout > 0:
        return f"--timeout must be > 0, got {args.timeout}"
    if args.startup_attempts < 1:
        return f"--startup-attempts must be >= 1, got {args.startup_attempts}"
    arguments, error = parse_launch_arguments(args.arguments)
    return error or check_argument_values(arguments)


def _unsupported_scenario(nodes: list[NodeAction]) -> str | None:
    """Why the nodes' scenario cannot run in the ROS 2 runtime (an unreadable one included), or None."""
    from coop_drive.nodes.support import unsupported

    runs = {(params["scenario"], params.get("split", "")) for params in (dict(node.params) for node in nodes)
            if "scenario" in params}
    for path, split in sorted(runs):
        try:
            reason = unsupported(load_scenario(Path(path)).with_overrides(split=Split(split) if split else None))
        except (ScenarioError, OSError, ValueError) as exc:
            return str(exc)
        if reason is not None:
            return reason
    return None


def run_launch(args: argparse.Namespace) -> int:
    arguments, _ = parse_launch_arguments(args.arguments)
    try:
        nodes = load_launch_file(args.file, arguments)
    except LaunchFileError as exc:
        print(f"coop-drive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    refusal = _unsupported_scenario(nodes)
    if refusal is not None:
        print(f"coop-drive: error: {refusal}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.one_process:
        return _run_in_one_process(args.file, arguments, args.timeout)
    out = _output_dir(nodes)
    if out is None:
        return _launch(nodes, args)
    # the run's directory is written under a temporary name and renamed when the launch ends (an aborted
    # run's record too: its run.json says so); Ctrl-C and SIGTERM remove it (cli/output.py)
    with atomic_output_dir(out) as tmp:
        nodes = load_launch_file(args.file, {**arguments, "out": str(tmp)})
        if _output_dir(nodes) != tmp:
            raise OutputDirError(f"{args.file}: its output directory does not follow the 'out' argument")
        status = _launch(nodes, args)
        if status == 130:
            raise KeyboardInterrupt
    return status


def _output_dir(nodes: list[NodeAction]) -> Path | None:
    """The run's output directory: the simulator bridge's ``output_dir`` parameter, if set."""
    values = {dict(node.params).get("output_dir", "") for node in nodes} - {""}
    return Path(values.pop()) if len(values) == 1 else None


def _launch(nodes: list[NodeAction], args: argparse.Namespace) -> int:
    attempts = args.startup_attempts
    for attempt in range(1, attempts + 1):
        runner = LaunchRunner(nodes)
        try:
            runner.start()
        except LaunchFileError as exc:
            runner.shutdown()
            print(f"coop-drive: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            with _terminate_as_interrupt():
                status = runner.wait(args.timeout)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP: take the nodes down, do not orphan them
            runner.shutdown()
            status = 130
        if status == 130 or not runner.startup_failed or attempt == attempts:
            break
        print(f"coop-drive: launch: the nodes did not all meet at start-up (DDS discovery); starting again "
              f"(attempt {attempt + 1} of {attempts})", file=sys.stderr, flush=True)
    for line in runner.report:
        print(f"coop-drive: launch: {line}", file=sys.stderr)
    return status


def _run_in_one_process(file: Path, arguments: dict[str, str], timeout_s: float | None) -> int:
    from coop_drive.nodes.one_process import OneProcessError, run_in_one_process

    try:
        with _terminate_as_interrupt():
            status = run_in_one_process(file, arguments, timeout_s=timeout_s or 24 * 3600.0)
    except KeyboardInterrupt:
        return 130
    except OneProcessError as exc:
        print(f"coop-drive: launch: {exc}", file=sys.stderr)
        return 1
    if status:
        print(f"coop-drive: launch: the run ended with status {status}", file=sys.stderr)
    return status


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt while the block runs (then the old handlers are back)."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    old = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    """`replay BAG [--scenario FILE] [--speed-tol MPS] [--position-tol M]`."""
    parser.add_argument("bag", type=Path, help="rosbag2 directory written by a coop_drive run")
    parser.add_argument("--scenario", type=Path, default=None,
                        help="scenario file (default: the one the bag names, else scenarios/<its name>)")
    parser.add_argument("--speed-tol", type=float, default=1e-6, metavar="MPS",
                        help="tolerance on speed commands [m/s] (default 1e-6)")
    parser.add_argument("--position-tol", type=float, default=1e-6, metavar="M",
                        help="tolerance on fused object states [m, m/s] (default 1e-6)")


def validate_replay_arguments(args: argparse.Namespace) -> str | None:
    if not args.bag.is_dir():
        return f"{args.bag}: no such bag directory"
    if args.scenario is not None and not args.scenario.is_file():
        return f"{args.scenario}: no such scenario file"
    if not (args.speed_tol >= 0 and args.position_tol >= 0):
        return "tolerances must be >= 0"
    return None


def run_replay(args: argparse.Namespace) -> int:
    """0: outputs match; 1: a mismatch beyond tolerance; 2: not a readable coop_drive bag."""
    try:
        result = replay_bag(args.bag, args.scenario, Tolerance(args.speed_tol, args.position_tol))
    except (BagReadError, ScenarioError) as exc:
        print(f"coop-drive: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(result.format())
    return 0 if result.ok else 1


def add_bench_ros_arguments(parser: argparse.ArgumentParser) -> None:
    """`bench ros [--scenario FILE] [--split S] [--messages N]`."""
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "occluded_intersection.yaml",
                        help="scenario for the real-time factor (default: the occluded intersection)")
    parser.add_argument("--split", default="edge", help="split of the runs (default edge)")
    parser.add_argument("--messages", type=int, default=1000, help="echo round trips per QoS (default 1000)")
    parser.add_argument("--payload-bytes", type=int, default=116, help="V2X frame size (default 116: 3 objects)")


def validate_bench_ros_arguments(args: argparse.Namespace) -> str | None:
    if not args.scenario.is_file():
        return f"{args.scenario}: no such scenario file"
    if args.messages < 10 or args.payload_bytes < 0:
        return "--messages must be >= 10 and --payload-bytes >= 0"
    return None


def run_bench_ros(args: argparse.Namespace) -> int:
    from coop_drive.launching.ros_bench import format_report, measure_hop_latency, measure_rtf

    hops = [measure_hop_latency(args.messages, args.payload_bytes, best_effort) for best_effort in (False, True)]
    rtf = measure_rtf(args.scenario, args.split, REPO / "launch" / "stack.launch.xml")
    print(format_report(hops, rtf, args.split))
    return 0


# (name, help, add_arguments, validate, run) of `bench ros`, registered by coop_drive.cli.bench.
ROS_BENCH: tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], str | None],
                 Callable[[argparse.Namespace], int]] = (
    "ros", "ROS 2 runtime: latency per DDS hop (median, p99) and real-time factor against in-process",
    add_bench_ros_arguments, validate_bench_ros_arguments, run_bench_ros)


# (name, help, add_arguments, validate, run) of each command, registered by coop_drive.cli.main.
ROS_COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None],
                         Callable[[argparse.Namespace], str | None], Callable[[argparse.Namespace], int]]] = [
    ("launch", "run an XML launch file's nodes as processes (`launch FILE [name:=value ...]`)",
     add_launch_arguments, validate_launch_arguments, run_launch),
    ("replay", "replay a bag's inputs through the cores and compare their outputs (non-zero on a mismatch)",
     add_replay_arguments, validate_replay_arguments, run_replay),
    ("bag", "inspect a rosbag2 bag (`bag info BAG`: topics and message counts)",
     add_bag_arguments, validate_bag_arguments, run_bag),
]
