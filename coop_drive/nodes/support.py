"""What the ROS 2 runtime cannot run yet, ROS-free: checked by ``coop-drive launch`` before it starts any node
and by the bridge at start-up (for ``ros2 launch``)."""

from __future__ import annotations

from coop_drive.hdmap.parser import traffic_light_count
from coop_drive.scenario.model import MapSource, Scenario


def traffic_lights(scenario: Scenario) -> int:
    """Number of traffic-light signals (dynamic signals) on the scenario's map."""
    return traffic_light_count(scenario.map_path)


def unsupported(scenario: Scenario) -> str | None:
    """Why the ROS 2 runtime refuses this scenario, or None."""
    if scenario.map_source is MapSource.MEC and scenario.split.uses_v2x and traffic_lights(scenario):
        return (f"{scenario.name}: map: mec is not supported on a signalised map yet (the car's signal driving "
                "reads the onboard map's signal groups, not the received MAP's)")
    return None
