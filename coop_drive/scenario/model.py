"""Typed scenario description. Units are in the field names; frames are the map frame (REP-103)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from coop_drive.link.channel import LinkConfig
from coop_drive.link.distributions import ConstantLatency

SEED_MAX = 2**31 - 1  # SUMO's --seed is a C int


class Split(str, Enum):
    """Which functions run on which side of the link. ``edge`` is accepted as ``edge-perception``."""

    ONBOARD = "onboard"  # no V2X at all: the baseline
    EDGE_PERCEPTION = "edge-perception"  # the MEC shares fused roadside objects; the car fuses and plans
    EDGE_PLANNING = "edge-planning"  # the MEC also plans the ego's speed; the car checks and executes
    CLOUD_PERCEPTION = "cloud-perception"  # as edge-perception, over the cloud link profile
    CLOUD_PLANNING = "cloud-planning"  # as edge-planning, over the cloud link profile
    EDGE = "edge-perception"  # alias kept for the first releases' command lines and files

    @classmethod
    def _missing_(cls, value: object) -> Split | None:
        return cls.EDGE_PERCEPTION if value == "edge" else None

    @property
    def uses_v2x(self) -> bool:
        return self is not Split.ONBOARD

    @property
    def plans_remotely(self) -> bool:
        return self in (Split.EDGE_PLANNING, Split.CLOUD_PLANNING)

    @property
    def on_cloud(self) -> bool:
        return self in (Split.CLOUD_PERCEPTION, Split.CLOUD_PLANNING)


SPLIT_NAMES = [s.value for s in Split] + ["edge"]  # what command lines and files accept
CLOUD_PROFILE = "cloud"  # the link profile the cloud-* splits run on unless a link or a latency is named


class FaultKind(str, Enum):
    """Faults that can be injected into a run."""

    MEC_SILENT = "mec-silent"  # from at_s on, the MEC sends nothing


@dataclass(frozen=True)
class Fault:
    """A fault and when it starts [s of simulation time]."""

    kind: FaultKind
    at_s: float

    @classmethod
    def parse(cls, text: str) -> Fault:
        """'KIND@T', e.g. 'mec-silent@12.5'. Raises ValueError with the expected form."""
        kind, sep, at = text.partition("@")
        try:
            return cls(FaultKind(kind), float(at)) if sep and float(at) >= 0 else cls._bad(text)
        except ValueError:
            return cls._bad(text)

    @staticmethod
    def _bad(text: str) -> Fault:
        kinds = ", ".join(k.value for k in FaultKind)
        raise ValueError(f"expected KIND@SECONDS with KIND one of {kinds}, got {text!r}")


class MapSource(str, Enum):
    """Where the vehicle's HD map comes from."""

    ONBOARD = "onboard"  # the car carries the map
    MEC = "mec"  # the car has no map: it drives on the MAP messages the MEC sends over the link


class EgoDriver(str, Enum):
    """Who drives the ego: our vehicle core, or (a baseline) SUMO's own driver with its glosa device."""

    PLANNER = "planner"
    SUMO_GLOSA = "sumo-glosa"  # SUMO's car-following model + device.glosa; coop_drive only measures


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


class SensorModel(str, Enum):
    """Measurement model of an object-level sensor."""

    GENERIC = "generic"  # position and velocity, isotropic noise (a fused sensor set)
    CAMERA = "camera"  # bearing good, range poor (relative to range), no velocity
    RADAR = "radar"  # range good, bearing fair, radial speed


@dataclass(frozen=True)
class SensorSpec:
    """An object-level sensor. Onboard poses are in the vehicle frame, roadside poses in the map frame.

    Noise fields are standard deviations; which ones apply depends on ``model``.
    """

    sensor_id: str
    x_m: float
    y_m: float
    z_m: float
    yaw_rad: float
    range_m: float
    fov_rad: float
    detection_probability: float
    rate_hz: float
    model: SensorModel = SensorModel.GENERIC
    pos_noise_m: float = 0.0  # generic
    vel_noise_mps: float = 0.0  # generic
    range_noise_m: float = 0.0  # radar
    range_noise_rel: float = 0.0  # camera: fraction of the range
    bearing_noise_rad: float = 0.0  # camera, radar
    radial_speed_noise_mps: float = 0.0  # radar


@dataclass(frozen=True)
class LinkSpec:
    """The V2X link, each direction alike: the full link model and the profile it came from, if any."""

    config: LinkConfig = field(default_factory=LinkConfig)
    profile: str | None = None

    @staticmethod
    def simple(latency_ms: float = 20.0, loss_probability: float = 0.0) -> LinkSpec:
        """Constant latency, Bernoulli loss, no bandwidth cap."""
        return LinkSpec(LinkConfig.simple(latency_ms, loss_probability))

    @property
    def latency_ms(self) -> float:
        """The nominal (mean) one-way latency [ms]; exact for a constant latency."""
        return self.config.latency.nominal_ms

    @property
    def loss_probability(self) -> float:
        """The long-run loss probability of the loss model."""
        return self.config.loss.mean_loss

    def describe(self) -> str:
        """A short human-readable form, e.g. 'profile 4g: latency mean 30 ms (gamma), loss 0.0164'."""
        cfg = self.config
        if isinstance(cfg.latency, ConstantLatency):
            text = f"latency {cfg.latency.latency_ms:g} ms"
        else:
            kind = type(cfg.latency).__name__.removesuffix("Latency").lower()
            text = f"latency mean {cfg.latency.nominal_ms:.3g} ms ({kind})"
        text += f", loss {cfg.loss.mean_loss:.3g}"
        return text if self.profile is None else f"profile {self.profile}: {text}"


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
    latency_compensation: bool = True  # the vehicle predicts received objects from generation time to now
    max_plan_age_s: float = 0.5  # edge/cloud-planning: the car follows a received speed plan only this fresh
    faults: tuple[Fault, ...] = ()
    map_source: MapSource = MapSource.ONBOARD
    mec_map_rate_hz: float = 1.0  # MAP messages per junction and second (map_source mec)
    ego_driver: EgoDriver = EgoDriver.PLANNER  # --baseline sumo-glosa: SUMO drives the ego
    glosa: bool = True  # the vehicle advises itself a speed from SPaT (--baseline no-advice: SPaT, no advice)

    @property
    def mec_silent_from_s(self) -> float:
        """From when on [s of simulation time] the MEC sends nothing (``mec-silent`` faults; inf: never)."""
        return min((f.at_s for f in self.faults if f.kind is FaultKind.MEC_SILENT), default=math.inf)

    def mec_alive(self, world_time_s: float) -> bool:
        """Whether the MEC sends anything at this world time."""
        return world_time_s < self.mec_silent_from_s

    def _cloud_link(self, split: Split) -> LinkSpec | None:
        """The cloud profile's link for a cloud split whose link is not already that profile; else None."""
        if not split.on_cloud or self.link.profile == CLOUD_PROFILE:
            return None
        from coop_drive.link.profiles import load_profile  # the profile file is read only when needed

        return LinkSpec(load_profile(CLOUD_PROFILE).config, CLOUD_PROFILE)

    def with_overrides(
        self,
        split: Split | None = None,
        latency_ms: float | None = None,
        loss_probability: float | None = None,
        seed: int | None = None,
        link: LinkSpec | None = None,
        latency_compensation: bool | None = None,
        level: AutomationLevel | None = None,
        map_source: MapSource | None = None,
        faults: tuple[Fault, ...] | None = None,
        ego_driver: EgoDriver | None = None,
        glosa: bool | None = None,
    ) -> Scenario:
        """A copy with command-line overrides applied (None leaves a field as it is). A link (e.g. from a named
        profile) replaces the whole link first; latency_ms then replaces its latency by a constant and
        loss_probability its loss model by Bernoulli.

        The cloud splits run over the ``cloud`` link profile unless a link or a latency is given: every runtime
        (command line, ROS nodes, studies) applies this rule here, once.
        """
        if seed is not None and not 0 <= seed <= SEED_MAX:
            raise ValueError(f"seed must be in 0..{SEED_MAX} (SUMO's range), got {seed}")
        if link is None and latency_ms is None:
            link = self._cloud_link(self.split if split is None else split)
        link = self.link if link is None else link
        if latency_ms is not None or loss_probability is not None:
            link = replace(link, config=link.config.with_overrides(latency_ms, loss_probability))
        return replace(
            self,
            split=self.split if split is None else split,
            seed=self.seed if seed is None else seed,
            link=link,
            latency_compensation=(
                self.latency_compensation if latency_compensation is None else latency_compensation),
            ego=self.ego if level is None else replace(self.ego, automation_level=level),
            map_source=self.map_source if map_source is None else map_source,
            faults=self.faults if faults is None else faults,
            ego_driver=self.ego_driver if ego_driver is None else ego_driver,
            glosa=self.glosa if glosa is None else glosa,
        )
