"""Who waits for whom in the ROS 2 runtime, per split (fully qualified node names, as in launch/).

Downlink: MEC perception (and, per split and map, the MEC planner, SPaT service and map service) -> link
relay -> vehicle perception and vehicle planner; vehicle perception (fused picture, own tracks) -> vehicle planner.
Uplink: vehicle planner (BSMs) -> uplink relay -> MEC planner, one step later (``lagged``): the relay runs after
the vehicle's step t and delivers what arrives before t + step, which is what the MEC planner of step t + step
uses.
"""

from __future__ import annotations

from coop_drive.nodes.support import traffic_lights
from coop_drive.scenario import Split
from coop_drive.scenario.model import MapSource, Scenario
from coop_drive.units import s_to_ns

BRIDGE = "/sim_bridge"
VEHICLE_PERCEPTION = "/vehicle/perception"
VEHICLE_PLANNER = "/vehicle/planner"
MEC = "/mec/mec_perception"
PLANNER = "/mec/mec_planner"
MAP = "/mec/map_server"
SPAT = "/mec/spat_server"
LINK = "/link_relay"
UPLINK = "/link_relay_uplink"
RECORDER = "/recorder"


def needs_mec_map(scenario: Scenario) -> bool:
    """The MEC sends the map (no onboard map): map: mec in a split with V2X."""
    return scenario.map_source is MapSource.MEC and scenario.split.uses_v2x


def runs(node: str, scenario: Scenario) -> bool:
    """Whether ``node`` takes part in this scenario's run (the others exit at once)."""
    split = scenario.split
    if node in (BRIDGE, VEHICLE_PERCEPTION, VEHICLE_PLANNER, RECORDER):
        return True
    if node == PLANNER:
        return split.plans_remotely
    if node == MAP:
        return needs_mec_map(scenario)
    if node == SPAT:
        return split.uses_v2x and traffic_lights(scenario) > 0
    return split is not Split.ONBOARD  # MEC perception and both link directions


def stack_nodes(scenario: Scenario) -> list[str]:
    """The nodes that report every step (everything but the recorder), the bridge first."""
    order = (BRIDGE, MEC, PLANNER, SPAT, MAP, LINK, VEHICLE_PERCEPTION, VEHICLE_PLANNER, UPLINK)
    return [n for n in order if runs(n, scenario)]


def upstream_of(node: str, scenario: Scenario) -> list[str]:
    """Nodes whose step reports ``node`` waits for before running a step."""
    stack = stack_nodes(scenario)
    onboard = scenario.split is Split.ONBOARD
    return {
        BRIDGE: [n for n in stack if n != BRIDGE],
        MEC: [BRIDGE],
        PLANNER: [BRIDGE, MEC, UPLINK],
        MAP: [BRIDGE],
        SPAT: [BRIDGE],
        LINK: [n for n in (MEC, PLANNER, SPAT, MAP) if n in stack],
        UPLINK: [VEHICLE_PLANNER],
        VEHICLE_PERCEPTION: [BRIDGE] if onboard else [BRIDGE, LINK],
        VEHICLE_PLANNER: [BRIDGE, VEHICLE_PERCEPTION] if onboard else [BRIDGE, LINK, VEHICLE_PERCEPTION],
        RECORDER: stack,
    }[node]


def lagged_upstream(node: str, scenario: Scenario) -> dict[str, int]:
    """Upstream nodes of ``node`` whose report of step t feeds its step t + step: {node: lag [ns]}."""
    return {UPLINK: s_to_ns(scenario.step_s)} if node == PLANNER else {}
