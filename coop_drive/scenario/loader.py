"""Load and validate scenario YAML files.

Every problem raises ScenarioError naming the file, the key path (e.g. ``ego.limits.max_decel_mps2``) and what
was expected. Unknown keys are errors too, so that a typo never silently becomes a default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from coop_drive.hdmap.errors import XodrError
from coop_drive.hdmap.parser import load_map
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.profiles import load_profile
from coop_drive.scenario.model import (
    SEED_MAX,
    SPLIT_NAMES,
    ActorSpec,
    AutomationLevel,
    Behaviour,
    EgoLimits,
    EgoSpec,
    Fault,
    FaultKind,
    LinkSpec,
    MapSource,
    Scenario,
    SensorModel,
    SensorSpec,
    Split,
)
from coop_drive.strict_yaml import YamlInputError, load_strict_yaml, read_text_utf8
from coop_drive.units import deg_to_rad, kmh_to_mps


class ScenarioError(ValueError):
    """A scenario file is missing, unreadable or invalid."""

    def __init__(self, path: Path, key_path: str, message: str) -> None:
        self.path = path
        self.key_path = key_path
        where = f"{path}: {key_path}: " if key_path else f"{path}: "
        super().__init__(where + message)


class _Section:
    """A mapping being read, that knows its file and key path and which keys were used."""

    def __init__(self, path: Path, key_path: str, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(path, key_path, f"expected a mapping, got {_kind(data)}")
        self.path = path
        self.key_path = key_path
        self.data = data
        self.used: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.key_path}.{key}" if self.key_path else key

    def error(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(self.path, self._key(key), message)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            raise self.error(key, "required key is missing")
        return self.data[key]

    def number(
        self, key: str, default: float | None = None, minimum: float | None = None,
        maximum: float | None = None, strictly_positive: bool = False,
    ) -> float:
        if default is not None and key not in self.data:
            self.used.add(key)
            return default
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {_kind(value)} {value!r}")
        if strictly_positive and value <= 0:
            raise self.error(key, f"expected a number > 0, got {value}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"expected a number >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(key, f"expected a number <= {maximum}, got {value}")
        return float(value)

    def integer(self, key: str, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (
                maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and <= {maximum}"
            raise self.error(key, f"expected an integer >= {minimum}{upper}, got {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        if key not in self.data:
            self.used.add(key)
            return default
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)} {value!r}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        if default is not None and key not in self.data:
            self.used.add(key)
            return default
        value = self.raw(key)
        if not isinstance(value, str) or not value:
            raise self.error(key, f"expected a non-empty string, got {_kind(value)} {value!r}")
        return value

    def choice(self, key: str, options: list[str], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.error(key, f"expected one of {', '.join(options)}, got {value!r}")
        return value

    def route(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if (
            not isinstance(value, list) or not value
            or not all(isinstance(edge, (str, int)) and not isinstance(edge, bool) for edge in value)
        ):
            raise self.error(key, f"expected a non-empty list of edge ids, got {value!r}")
        return tuple(str(edge) for edge in value)

    def section(self, key: str, optional: bool = False) -> _Section:
        if optional and key not in self.data:
            self.used.add(key)
            return _Section(self.path, self._key(key), {})
        return _Section(self.path, self._key(key), self.raw(key))

    def sections(self, key: str) -> list[_Section]:
        if key not in self.data:
            self.used.add(key)
            return []
        value = self.raw(key)
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {_kind(value)}")
        return [_Section(self.path, f"{self._key(key)}[{i}]", item) for i, item in enumerate(value)]

    def finish(self) -> None:
        unknown = sorted(str(k) for k in self.data if k not in self.used)
        if unknown:
            raise self.error(unknown[0], f"unknown key (allowed: {', '.join(sorted(self.used))})")


MAX_DURATION_S = 86_400.0  # one simulated day: longer is a typo, not a traffic scenario (and hours of wall time)


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file. Raises ScenarioError on any problem."""
    path = Path(path)
    try:
        data = load_strict_yaml(read_text_utf8(path))
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot read file: {exc.strerror}") from exc
    except YamlInputError as exc:
        raise ScenarioError(path, "", str(exc)) from exc
    root = _Section(path, "", data)
    name = root.text("name")
    map_path = (path.parent / root.text("map")).resolve()
    if not map_path.is_file():
        raise root.error("map", f"map file not found: {map_path}")
    try:
        load_map(map_path)  # checked here, before any runtime starts (SUMO would take a broken road quietly)
    except XodrError as exc:
        raise root.error("map", str(exc)) from exc
    duration_s = root.number("duration_s", strictly_positive=True, maximum=MAX_DURATION_S)
    step_s = root.number("step_s", strictly_positive=True, maximum=1.0)
    seed = root.integer("seed", maximum=SEED_MAX)
    split = Split(root.choice("split", SPLIT_NAMES, default=Split.ONBOARD.value))
    ego = _ego(root.section("ego"))
    actors = tuple(_actor(section) for section in root.sections("actors"))
    ids = [ego.actor_id] + [a.actor_id for a in actors]
    if len(set(ids)) != len(ids):
        raise root.error("actors", f"actor ids must be unique, got {ids}")
    sensors = root.section("sensors")
    onboard = tuple(_sensor(s) for s in sensors.sections("onboard"))
    roadside = tuple(_sensor(s) for s in sensors.sections("roadside"))
    sensors.finish()
    sensor_ids = [s.sensor_id for s in (*onboard, *roadside)]
    if len(set(sensor_ids)) != len(sensor_ids):
        twice = sorted({i for i in sensor_ids if sensor_ids.count(i) > 1})
        raise root.error("sensors", f"sensor ids must be unique (onboard and roadside), got {twice} twice")
    link_section = root.section("link", optional=True)
    link = _link(link_section)
    link_section.finish()
    mec = root.section("mec", optional=True)
    publish_rate_hz = mec.number("publish_rate_hz", default=10.0, strictly_positive=True)
    map_rate_hz = mec.number("map_rate_hz", default=1.0, strictly_positive=True)
    mec.finish()
    vehicle = root.section("vehicle", optional=True)
    max_v2x_age_s = vehicle.number("max_v2x_age_s", default=1.0, strictly_positive=True)
    latency_compensation = vehicle.boolean("latency_compensation", default=True)
    glosa = vehicle.boolean("glosa", default=True)
    max_plan_age_s = vehicle.number("max_plan_age_s", default=0.5, strictly_positive=True)
    map_source = MapSource(vehicle.choice("map", [m.value for m in MapSource], default=MapSource.ONBOARD.value))
    if map_source is MapSource.MEC and split is Split.ONBOARD:
        raise vehicle.error("map", "'mec' needs a split with V2X (the MAP messages come over the link), got "
                                   "split: onboard")
    vehicle.finish()
    faults = tuple(_fault(f) for f in root.sections("faults"))
    root.finish()
    return Scenario(
        name=name, source_path=path.resolve(), map_path=map_path, duration_s=duration_s, step_s=step_s,
        seed=seed, ego=ego, actors=actors, onboard_sensors=onboard, roadside_sensors=roadside,
        link=link, split=split, mec_publish_rate_hz=publish_rate_hz, max_v2x_age_s=max_v2x_age_s,
        latency_compensation=latency_compensation, glosa=glosa, map_source=map_source, mec_map_rate_hz=map_rate_hz,
        max_plan_age_s=max_plan_age_s, faults=faults,
    )


def _link(s: _Section) -> LinkSpec:
    """`link:` either names a profile (config/link_profiles.yaml) or gives latency_ms/loss; with a profile,
    latency_ms/loss override its latency (constant) and loss (Bernoulli). corruption_probability: a delivered
    frame arrives with one random byte flipped (default 0, or the profile's)."""
    latency_ms = s.number("latency_ms", minimum=0.0) if s.has("latency_ms") else None
    loss = s.number("loss", minimum=0.0, maximum=1.0) if s.has("loss") else None
    corruption = (s.number("corruption_probability", minimum=0.0, maximum=1.0)
                  if s.has("corruption_probability") else None)
    spec = _link_without_corruption(s, latency_ms, loss)
    if corruption is None:
        return spec
    return replace(spec, config=replace(spec.config, corruption_probability=corruption))


def _link_without_corruption(s: _Section, latency_ms: float | None, loss: float | None) -> LinkSpec:
    if not s.has("profile"):
        return LinkSpec.simple(20.0 if latency_ms is None else latency_ms, 0.0 if loss is None else loss)
    name = s.text("profile")
    try:
        profile = load_profile(name)
    except LinkConfigError as exc:
        raise s.error("profile", str(exc)) from None
    return LinkSpec(profile.config.with_overrides(latency_ms, loss), name)


def _fault(s: _Section) -> Fault:
    fault = Fault(FaultKind(s.choice("kind", [k.value for k in FaultKind])), s.number("at_s", minimum=0.0))
    s.finish()
    return fault


def _ego(s: _Section) -> EgoSpec:
    limits_section = s.section("limits", optional=True)
    defaults = EgoLimits()
    limits = EgoLimits(
        max_accel_mps2=limits_section.number("max_accel_mps2", defaults.max_accel_mps2, strictly_positive=True),
        comfort_decel_mps2=limits_section.number(
            "comfort_decel_mps2", defaults.comfort_decel_mps2, strictly_positive=True),
        max_decel_mps2=limits_section.number(
            "max_decel_mps2", defaults.max_decel_mps2, strictly_positive=True, maximum=12.0),
    )
    limits_section.finish()
    if limits.comfort_decel_mps2 > limits.max_decel_mps2:
        raise limits_section.error("comfort_decel_mps2", "expected comfort_decel_mps2 <= max_decel_mps2")
    ego = EgoSpec(
        actor_id=s.text("id", "ego"),
        route=s.route("route"),
        depart_pos_m=s.number("depart_pos_m", minimum=0.0),
        initial_speed_mps=kmh_to_mps(s.number("initial_speed_kmh", minimum=0.0, maximum=250.0)),
        desired_speed_mps=kmh_to_mps(s.number("desired_speed_kmh", strictly_positive=True, maximum=250.0)),
        automation_level=AutomationLevel(
            s.choice("automation_level", [lvl.value for lvl in AutomationLevel], default="L4")),
        length_m=s.number("length_m", 4.6, strictly_positive=True),
        width_m=s.number("width_m", 1.8, strictly_positive=True),
        limits=limits,
    )
    s.finish()
    return ego


def _actor(s: _Section) -> ActorSpec:
    depart = s.section("depart")
    if depart.has("time_s") == depart.has("trigger_ego_travelled_m"):
        raise s.error("depart", "expected exactly one of time_s or trigger_ego_travelled_m")
    time_s = depart.number("time_s", minimum=0.0) if depart.has("time_s") else None
    trigger = (
        depart.number("trigger_ego_travelled_m", minimum=0.0) if depart.has("trigger_ego_travelled_m") else None
    )
    depart.finish()
    actor = ActorSpec(
        actor_id=s.text("id"),
        route=s.route("route"),
        depart_pos_m=s.number("depart_pos_m", minimum=0.0),
        speed_mps=kmh_to_mps(s.number("speed_kmh", strictly_positive=True, maximum=250.0)),
        behaviour=Behaviour(s.choice("behaviour", [b.value for b in Behaviour], default="normal")),
        depart_time_s=time_s,
        trigger_ego_travelled_m=trigger,
        length_m=s.number("length_m", 4.6, strictly_positive=True),
        width_m=s.number("width_m", 1.8, strictly_positive=True),
    )
    s.finish()
    return actor


_NOISE_KEYS = {
    SensorModel.GENERIC: ("pos_noise_m", "vel_noise_mps"),
    SensorModel.CAMERA: ("range_noise_rel", "bearing_noise_deg"),
    SensorModel.RADAR: ("range_noise_m", "bearing_noise_deg", "radial_speed_noise_mps"),
}


def _sensor(s: _Section) -> SensorSpec:
    model = SensorModel(s.choice("model", [m.value for m in SensorModel], default=SensorModel.GENERIC.value))
    noise = {key: s.number(key, minimum=0.0) for key in _NOISE_KEYS[model]}
    if "bearing_noise_deg" in noise:
        noise["bearing_noise_rad"] = deg_to_rad(noise.pop("bearing_noise_deg"))
    sensor = SensorSpec(
        sensor_id=s.text("id"),
        x_m=s.number("x_m"),
        y_m=s.number("y_m"),
        z_m=s.number("z_m", 0.5),
        yaw_rad=deg_to_rad(s.number("yaw_deg")),
        range_m=s.number("range_m", strictly_positive=True),
        fov_rad=deg_to_rad(s.number("fov_deg", strictly_positive=True, maximum=360.0)),
        detection_probability=s.number("detection_probability", minimum=0.0, maximum=1.0),
        rate_hz=s.number("rate_hz", strictly_positive=True, maximum=1000.0),
        model=model,
        **noise,
    )
    s.finish()
    return sensor
