"""Named link profiles (config/link_profiles.yaml): loading and validation.

Every problem raises LinkConfigError naming the file and the key path (e.g. ``profiles.4g.loss.probability``).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coop_drive.link.channel import LinkConfig
from coop_drive.link.distributions import (
    ConstantLatency,
    GammaLatency,
    LatencyDistribution,
    LognormalLatency,
    NormalLatency,
    load_trace_csv,
)
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.loss import BernoulliLoss, GilbertElliottLoss, LossModel
from coop_drive.strict_yaml import YamlInputError, load_strict_yaml, read_text_utf8

PROFILES_FILE = "link_profiles.yaml"


@dataclass(frozen=True)
class LinkProfile:
    """A named link setting and the one-way p50 latency range its sources support."""

    name: str
    description: str
    config: LinkConfig
    stated_p50_range_ms: tuple[float, float]


def default_profiles_path() -> Path:
    """config/link_profiles.yaml of the source tree, else of the installed share directory."""
    candidates = [Path(__file__).resolve().parents[2] / "config" / PROFILES_FILE,
                  Path(sys.prefix) / "share" / "coop_drive" / "config" / PROFILES_FILE]
    return next((p for p in candidates if p.is_file()), candidates[0])


def load_profiles(path: Path | None = None) -> dict[str, LinkProfile]:
    """All profiles of a profile file."""
    path = default_profiles_path() if path is None else path
    try:
        data = load_strict_yaml(read_text_utf8(path))
    except (OSError, YamlInputError) as exc:
        raise LinkConfigError(f"{path}: cannot read the link profiles: {exc}") from exc
    root = _Reader(path, "", data)
    profiles_raw = root.mapping("profiles")
    root.finish()
    return {str(name): _profile(_Reader(path, f"profiles.{name}", body), str(name))
            for name, body in profiles_raw.items()}


def load_profile(name: str, path: Path | None = None) -> LinkProfile:
    """One profile by name; an unknown name raises LinkConfigError listing the known ones."""
    path = default_profiles_path() if path is None else path
    profiles = load_profiles(path)
    if name not in profiles:
        raise LinkConfigError(f"{path}: unknown link profile {name!r} (known: {', '.join(sorted(profiles))})")
    return profiles[name]


class _Reader:
    def __init__(self, path: Path, key_path: str, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise LinkConfigError(f"{path}: {key_path or '<top level>'}: expected a mapping, got {data!r}")
        self.path, self.key_path, self.data = path, key_path, data
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> LinkConfigError:
        where = f"{self.key_path}.{key}" if self.key_path else key
        return LinkConfigError(f"{self.path}: {where}: {message}")

    def raw(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is not None:
                return default
            raise self.error(key, "required key is missing")
        return self.data[key]

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.raw(key)
        if not isinstance(value, Mapping) or not value:
            raise self.error(key, f"expected a non-empty mapping, got {value!r}")
        return value

    def sub(self, key: str) -> _Reader:
        return _Reader(self.path, f"{self.key_path}.{key}" if self.key_path else key, self.raw(key))

    def number(self, key: str, default: float | None = None, minimum: float = 0.0, maximum: float = math.inf) -> float:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {value!r}")
        if not minimum <= value <= maximum:
            raise self.error(key, f"expected a number in [{minimum}, {maximum}], got {value}")
        return float(value)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {value!r}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise LinkConfigError(f"{self.path}: {self.key_path or '<top level>'}: unknown key(s) {', '.join(unknown)}")


def _profile(r: _Reader, name: str) -> LinkProfile:
    description = r.text("description", "")
    latency = _latency(r.sub("latency"))
    loss = _loss(r.sub("loss"))
    rate_bps: float | None = None
    queue_limit_bytes: int | None = None
    if "bandwidth" in r.data:
        b = r.sub("bandwidth")
        rate_bps = b.number("rate_bps", minimum=1.0)
        if "queue_limit_bytes" in b.data:
            queue_limit_bytes = int(b.number("queue_limit_bytes", minimum=1.0))
        b.finish()
    ordering = r.text("ordering", "fifo")
    if ordering not in ("fifo", "reorder"):
        raise r.error("ordering", f"expected fifo or reorder, got {ordering!r}")
    outages = r.raw("outages_s", [])
    if not isinstance(outages, list) or not all(
            isinstance(o, list) and len(o) == 2 and all(isinstance(x, (int, float)) for x in o) for o in outages):
        raise r.error("outages_s", f"expected a list of [start_s, end_s] pairs, got {outages!r}")
    corruption = r.number("corruption_probability", 0.0, maximum=1.0)
    p50 = r.raw("stated_p50_range_ms")
    if not (isinstance(p50, list) and len(p50) == 2 and all(isinstance(x, (int, float)) for x in p50)
            and 0 <= p50[0] <= p50[1]):
        raise r.error("stated_p50_range_ms", f"expected [low, high] with 0 <= low <= high, got {p50!r}")
    r.finish()
    try:
        config = LinkConfig(latency, loss, rate_bps, queue_limit_bytes, ordering == "fifo",
                            tuple((float(a), float(b)) for a, b in outages), corruption)
    except LinkConfigError as exc:
        raise LinkConfigError(f"{r.path}: {r.key_path}: {exc}") from None
    return LinkProfile(name, description, config, (float(p50[0]), float(p50[1])))


def _latency(r: _Reader) -> LatencyDistribution:
    kind = r.text("distribution")
    dist: LatencyDistribution
    if kind == "constant":
        dist = ConstantLatency(r.number("latency_ms"))
    elif kind == "normal":
        dist = NormalLatency(r.number("mean_ms"), r.number("std_ms", minimum=1e-9))
    elif kind in ("lognormal", "gamma"):
        cls = LognormalLatency if kind == "lognormal" else GammaLatency
        dist = cls(r.number("mean_ms", minimum=1e-9), r.number("std_ms", minimum=1e-9), r.number("offset_ms", 0.0))
    elif kind == "empirical":
        trace = Path(r.text("trace_csv"))
        dist = load_trace_csv(trace if trace.is_absolute() else r.path.parent / trace)
    else:
        raise r.error("distribution", f"expected constant, normal, lognormal, gamma or empirical, got {kind!r}")
    r.finish()
    return dist


def _loss(r: _Reader) -> LossModel:
    kind = r.text("model")
    loss: LossModel
    if kind == "bernoulli":
        loss = BernoulliLoss(r.number("probability", maximum=1.0))
    elif kind == "gilbert_elliott":
        rates = (r.number("p_good_to_bad", maximum=1.0), r.number("p_bad_to_good", maximum=1.0),
                 r.number("loss_good", 0.0, maximum=1.0), r.number("loss_bad", 1.0, maximum=1.0))
        try:  # each number already names its key; the model's own check names the loss block
            loss = GilbertElliottLoss(*rates)
        except LinkConfigError as exc:
            raise LinkConfigError(f"{r.path}: {r.key_path}: {exc}") from None
    else:
        raise r.error("model", f"expected bernoulli or gilbert_elliott, got {kind!r}")
    r.finish()
    return loss
