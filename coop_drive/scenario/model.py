"""Typed scenario description. Units are in the field names; frames are the map frame (REP-103)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path


class Split(str, Enum):
    """Which functions run on which side of the link."""

    ONBOARD = "onboard"  # no V2X at all: the baseline
    EDGE = "edge"  # the MEC shares fused roadside objects; the car fuses and plans


class AutomationLevel(str, Enum):
    """SAE automation level of the ego."""

    L2 = "L2"
    L3 = "L3"
    L4 = "L4"


class Behaviour(str, Enum):
    """How a scripted actor drives."""

    NORMAL = "normal"  # SUMO's own driver model, including right of way
    DOES_NOT_YIELD = "does_not_yield"  # holds its speed through the junction, ignoring right of way


@dataclass(frozen=True)
class EgoLimits:
    """Longitudinal limits of the ego [m/s^2]."""

    max_accel_mps2: float = 2.0
    comfort_decel_mps2: float = 3.0
    max_decel_mps2: float = 7.0


@dataclass(frozen=True)
class EgoSpec:
    """The controlled vehicle."""

    actor_id: str
    route: tuple[str, ...]
    depart_pos_m: float
    initial_speed_mps: float
    desired_speed_mps: float
    automation_level: AutomationLevel
    length_m: float = 4.6
    width_m: float = 1.8
    limits: EgoLimits = field(default_factory=EgoLimits)


@dataclass(frozen=True)
class ActorSpec:
    """Another road user, scripted by route, departure and behaviour."""

    actor_id: str
    route: tuple[str, ...]
    depart_pos_m: float
    speed_mps: float
    behaviour: Behaviour
    depart_time_s: float | None = None  # exactly one of depart_time_s / trigger_ego_travelled_m is set
    trigger_ego_travelled_m: float | None = None
    length_m: float = 4.6
    width_m: float = 1.8


@dataclass(frozen=True)
class SensorSpec:
    """An object-level sensor. Onboard poses are in the vehicle frame, roadside poses in the map frame."""

    sensor_id: str
    x_m: float
    y_m: float
    z_m: float
    yaw_rad: float
    range_m: float
    fov_rad: float
    pos_noise_m: float
    vel_noise_mps: float
    detection_probability: float
    rate_hz: float


@dataclass(frozen=True)
class LinkSpec:
    """The V2X link, each direction alike."""

    latency_ms: float = 20.0
    loss_probability: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """A closed-loop experiment: map, actors, sensors, link and split."""

    name: str
    source_path: Path
    map_path: Path
    duration_s: float
    step_s: float
    seed: int
    ego: EgoSpec
    actors: tuple[ActorSpec, ...]
    onboard_sensors: tuple[SensorSpec, ...]
    roadside_sensors: tuple[SensorSpec, ...]
    link: LinkSpec
    split: Split
    mec_publish_rate_hz: float = 10.0
    max_v2x_age_s: float = 1.0  # the vehicle rejects received objects older than this

    def with_overrides(
        self,
        split: Split | None = None,
        latency_ms: float | None = None,
        loss_probability: float | None = None,
        seed: int | None = None,
    ) -> Scenario:
        """A copy with command-line overrides applied (None leaves a field as it is)."""
        link = self.link
        if latency_ms is not None:
            link = replace(link, latency_ms=latency_ms)
        if loss_probability is not None:
            link = replace(link, loss_probability=loss_probability)
        return replace(
            self,
            split=self.split if split is None else split,
            seed=self.seed if seed is None else seed,
            link=link,
        )
