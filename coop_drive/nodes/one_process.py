"""The whole ROS stack in one process, on one executor.

Every node of a launch file is built in this process with its own name, namespace, parameters and remappings
(the launch file's ``--ros-args``), and one single-threaded executor spins them all on simulation time. One
process is one DDS participant: nothing has to be discovered between processes, so there is no start-up race
and no retry. The equivalence of the ROS runtime with the in-process runtime is tested this way; deployment
runs the same nodes one process each (``coop-drive launch`` or ``ros2 launch``).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor

from coop_drive.launching.xml_launch import load_launch_file
from coop_drive.nodes.base import SteppedNode

# executable -> (module, class): the node classes behind setup.py's entry points
NODE_CLASSES = {
    "sim_bridge": ("sim_bridge", "SimBridge"),
    "vehicle_perception": ("vehicle_perception", "VehiclePerception"),
    "vehicle_planner": ("vehicle_planner", "VehiclePlanner"),
    "mec_perception": ("mec_perception", "MecPerception"),
    "mec_planner": ("mec_planner", "MecPlannerNode"),
    "map_server": ("map_server", "MapServerNode"),
    "spat_server": ("spat_server", "SpatServerNode"),
    "link_relay": ("link_relay", "LinkRelay"),
    "recorder": ("recorder", "Recorder"),
}


class OneProcessError(Exception):
    """The launch file names a node this runner cannot build, or the run did not finish in time."""


def _node_class(executable: str) -> Callable[..., SteppedNode]:
    if executable not in NODE_CLASSES:
        raise OneProcessError(f"executable {executable!r} is not a coop_drive node; expected one of "
                              f"{', '.join(NODE_CLASSES)}")
    module, name = NODE_CLASSES[executable]
    cls: Callable[..., SteppedNode] = getattr(importlib.import_module(f"coop_drive.nodes.{module}"), name)
    return cls


def run_in_one_process(launch_file: Path, arguments: Mapping[str, str], timeout_s: float = 600.0) -> int:
    """Build every node of ``launch_file`` (with ``arguments``) in this process and spin them until each has
    finished its run; the bridge's exit status (0: the run finished). OneProcessError on a timeout."""
    launch_nodes = load_launch_file(launch_file, dict(arguments))
    context = Context()
    rclpy.init(context=context)
    executor = SingleThreadedExecutor(context=context)
    nodes: list[SteppedNode] = []
    try:
        for launch_node in launch_nodes:
            node = _node_class(launch_node.executable)(cli_args=launch_node.ros_arguments(), context=context)
            nodes.append(node)
            executor.add_node(node)
        deadline = time.monotonic() + timeout_s
        while not all(node.finished for node in nodes):
            if time.monotonic() > deadline:
                waiting = [node.get_fully_qualified_name() for node in nodes if not node.finished]
                raise OneProcessError(f"the run did not finish within {timeout_s:.0f} s; still running: {waiting}")
            executor.spin_once(timeout_sec=0.1)
        bridges = [n for n, ln in zip(nodes, launch_nodes, strict=True) if ln.executable == "sim_bridge"]
        return bridges[0].exit_code if bridges else max((n.exit_code for n in nodes), default=0)
    finally:
        for node in nodes:
            executor.remove_node(node)
            node.destroy_node()
        executor.shutdown()
        context.try_shutdown()
