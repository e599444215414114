"""The simulator interface the runtimes drive: a synchronous tick, spawning, ground truth, ego command.

SUMO (``sumo_backend``) is the first implementation; a CARLA backend implements the same contract.
All states are in the map frame (REP-103, the OpenDRIVE inertial frame) and SI units.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from coop_drive.geometry import FloatArray, OrientedBox, Polyline
from coop_drive.scenario.model import ActorSpec, Scenario
from coop_drive.world.traffic_lights import NextSignal, TimingPlan


@dataclass(frozen=True)
class ActorState:
    """Ground truth of one road user at one instant. (x_m, y_m) is the centre of its footprint."""

    actor_id: str
    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float
    accel_mps2: float
    length_m: float
    width_m: float

    @property
    def vx_mps(self) -> float:
        return self.speed_mps * math.cos(self.yaw_rad)

    @property
    def vy_mps(self) -> float:
        return self.speed_mps * math.sin(self.yaw_rad)

    def box(self) -> OrientedBox:
        return OrientedBox(self.x_m, self.y_m, self.yaw_rad, self.length_m, self.width_m)


@dataclass(frozen=True)
class SignalState:
    """State of one signal controller: one character per controlled link (SUMO's r/y/g/G/o/...)."""

    controller_id: str
    link_states: str


@dataclass(frozen=True)
class Building:
    """A static occluder: a building's outline (N, 2) in the map frame [m]."""

    building_id: str
    outline_xy_m: FloatArray

    def __post_init__(self) -> None:
        shape = np.shape(self.outline_xy_m)
        assert len(shape) == 2 and shape[1] == 2 and shape[0] >= 3, f"outline must be (N>=3, 2), got {shape}"


class WorldBackend(ABC):
    """A steppable world. Call ``start`` once, then ``tick`` repeatedly, then ``close``."""

    @abstractmethod
    def start(self, scenario: Scenario) -> None:
        """Load the map, create the ego on its route at its initial speed."""

    @abstractmethod
    def spawn_actor(self, spec: ActorSpec) -> None:
        """Insert a scripted actor now."""

    @abstractmethod
    def tick(self) -> None:
        """Advance the world by exactly one scenario step."""

    @property
    @abstractmethod
    def time_s(self) -> float:
        """Simulation time [s] of the current state."""

    @abstractmethod
    def actor_states(self) -> dict[str, ActorState]:
        """Ground truth of every actor now in the world, the ego included."""

    @abstractmethod
    def command_ego_speed(self, speed_mps: float) -> None:
        """Speed the ego drives at during the next tick; no safety checks, so the ego really can crash."""

    @abstractmethod
    def ego_travelled_m(self) -> float:
        """Distance the ego has driven since it entered the world [m]."""

    @abstractmethod
    def ego_arrived(self) -> bool:
        """True once the ego has reached the end of its route."""

    @abstractmethod
    def ego_route_path(self) -> Polyline:
        """The ego's route as a centreline polyline in the map frame, junction interiors included."""

    @abstractmethod
    def buildings(self) -> list[Building]:
        """Static occluders."""

    @abstractmethod
    def signal_states(self) -> dict[str, SignalState]:
        """Signal controllers' current states, keyed by controller id."""

    # Signals and the ego's energy: optional (a backend without them answers None / {}).
    def ego_next_signal(self) -> NextSignal | None:
        """Ground truth of the next traffic light on the ego's route (None: none ahead, or not supported)."""
        return None

    def signal_plans(self) -> dict[str, TimingPlan]:
        """Fixed-time programs of the signal controllers, keyed by controller id (what a MEC is told)."""
        return {}

    def ego_fuel_rate_mgps(self) -> float | None:
        """The ego's fuel consumption now [mg/s] from the simulator's emission model (None: not supported)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Release the simulator. Safe to call twice."""
