"""The node executables' entry points (setup.py console_scripts).

A node's imports take seconds on a loaded host; ``ros2 launch`` (or Ctrl-C) may ask it to stop before they are
done. Here SIGINT and SIGTERM end the process quietly with status 0 until the node's module is loaded; from then
on both raise KeyboardInterrupt, which the node's spin loop turns into a clean stop (``nodes/base.py``).
Nothing heavy is imported at module level.
"""

from __future__ import annotations

import importlib
import signal
import sys
from types import FrameType

NODES = ("sim_bridge", "vehicle_perception", "vehicle_planner", "mec_perception", "mec_planner", "map_server",
         "spat_server", "link_relay", "recorder")


def _quiet_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(node: str) -> int:
    """Load ``coop_drive.nodes.<node>`` and run its main() on this process's arguments."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _quiet_exit)
    main = importlib.import_module(f"coop_drive.nodes.{node}").main
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    return int(main(sys.argv[1:]))


def sim_bridge() -> int:
    return run("sim_bridge")


def vehicle_perception() -> int:
    return run("vehicle_perception")


def vehicle_planner() -> int:
    return run("vehicle_planner")


def mec_perception() -> int:
    return run("mec_perception")


def mec_planner() -> int:
    return run("mec_planner")


def map_server() -> int:
    return run("map_server")


def spat_server() -> int:
    return run("spat_server")


def link_relay() -> int:
    return run("link_relay")


def recorder() -> int:
    return run("recorder")
