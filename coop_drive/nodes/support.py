"""What the ROS 2 runtime cannot run yet, ROS-free: checked by ``coop-drive launch`` before it starts any node
and by the bridge at start-up (for ``ros2 launch``)."""

from __future__ import annotations

from coop_drive.hdmap.parser import load_map
from coop_drive.scenario.model import Scenario


def traffic_lights(scenario: Scenario) -> int:
    """Number of traffic lights (dynamic signals) on the scenario's map."""
    return sum(1 for s in load_map(scenario.map_path).signals.values() if s.dynamic)


def unsupported(scenario: Scenario) -> str | None:
    """Why the ROS 2 runtime refuses this scenario, or None."""
    lights = traffic_lights(scenario)
    if lights:
        return (f"{scenario.name}: the map {scenario.map_path.name} has {lights} traffic-light signals; the ROS 2 "
                "runtime does not run signalised maps yet (no SPaT service, signal camera or signal driving in its "
                "nodes: the car would ignore the lights); run it in-process: coop-drive run "
                f"{scenario.source_path}")
    return None
