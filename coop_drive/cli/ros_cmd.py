"""ROS 2 runtime commands: `launch FILE [name:=value ...]`, `bag info BAG`, `replay BAG`.

Registration (``add_*_arguments``) is apart from validation (``validate_*``, an error string or None), as
in ros2bag's verbs; both are testable without ROS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from coop_drive.bag.reader import BagReadError, bag_info

EXIT_BAD_INPUT = 2


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


# (name, help, add_arguments, validate, run) of each command, registered by coop_drive.cli.main.
ROS_COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None],
                         Callable[[argparse.Namespace], str | None], Callable[[argparse.Namespace], int]]] = [
    ("bag", "inspect a rosbag2 bag (`bag info BAG`: topics and message counts)",
     add_bag_arguments, validate_bag_arguments, run_bag),
]
