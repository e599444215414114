"""Who waits for whom in the ROS 2 runtime, per split (fully qualified node names, as in launch/)."""

from __future__ import annotations

from coop_drive.scenario import Split

BRIDGE = "/sim_bridge"
VEHICLE = "/vehicle/vehicle"
MEC = "/mec/mec_perception"
LINK = "/link_relay"
RECORDER = "/recorder"


def stack_nodes(split: Split) -> list[str]:
    """The nodes that report every step (everything but the recorder)."""
    return [BRIDGE, VEHICLE] if split is Split.ONBOARD else [BRIDGE, MEC, LINK, VEHICLE]


def upstream_of(node: str, split: Split) -> list[str]:
    """Nodes whose step reports ``node`` waits for before running a step."""
    onboard = split is Split.ONBOARD
    return {
        BRIDGE: [VEHICLE] if onboard else [MEC, LINK, VEHICLE],
        MEC: [BRIDGE],
        LINK: [MEC],
        VEHICLE: [BRIDGE] if onboard else [BRIDGE, LINK],
        RECORDER: stack_nodes(split),
    }[node]
