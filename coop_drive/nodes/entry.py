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
from functools import partial
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


# one callable per executable (setup.py console_scripts)
sim_bridge = partial(run, "sim_bridge")
vehicle_perception = partial(run, "vehicle_perception")
vehicle_planner = partial(run, "vehicle_planner")
mec_perception = partial(run, "mec_perception")
mec_planner = partial(run, "mec_planner")
map_server = partial(run, "map_server")
spat_server = partial(run, "spat_server")
link_relay = partial(run, "link_relay")
recorder = partial(run, "recorder")
