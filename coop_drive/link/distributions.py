"""Latency distributions of one link direction, all parametrised in milliseconds.

Each is a frozen dataclass with ``sample_ms(rng)`` (one delay, >= 0) and ``cdf_ms(x)`` (the distribution
function the samples follow, used by the statistical tests). Lognormal and gamma are given by the mean and
standard deviation of the random part plus a fixed ``offset_ms`` (the propagation/processing floor).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import stats

from coop_drive.link.errors import LinkConfigError


class LatencyDistribution(Protocol):
    """What the link needs from a latency distribution."""

    def sample_ms(self, rng: np.random.Generator) -> float: ...

    def cdf_ms(self, x_ms: np.ndarray) -> np.ndarray: ...

    @property
    def nominal_ms(self) -> float: ...


def _check(name: str, value: float, minimum: float = 0.0, strict: bool = False) -> None:
    if not math.isfinite(value) or value < minimum or (strict and value <= minimum):
        relation = ">" if strict else ">="
        raise LinkConfigError(f"latency {name} must be a finite number {relation} {minimum}, got {value}")


@dataclass(frozen=True)
class ConstantLatency:
    """Every frame sees exactly latency_ms."""

    latency_ms: float

    def __post_init__(self) -> None:
        _check("latency_ms", self.latency_ms)

    def sample_ms(self, rng: np.random.Generator) -> float:
        return self.latency_ms

    def cdf_ms(self, x_ms: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(x_ms) >= self.latency_ms, 1.0, 0.0)

    @property
    def nominal_ms(self) -> float:
        return self.latency_ms


@dataclass(frozen=True)
class NormalLatency:
    """Normal(mean_ms, std_ms) truncated at 0 (negative draws are redrawn, i.e. a truncated normal)."""

    mean_ms: float
    std_ms: float

    def __post_init__(self) -> None:
        _check("mean_ms", self.mean_ms)
        _check("std_ms", self.std_ms, strict=True)

    def sample_ms(self, rng: np.random.Generator) -> float:
        while True:
            value = float(rng.normal(self.mean_ms, self.std_ms))
            if value >= 0.0:
                return value

    def cdf_ms(self, x_ms: np.ndarray) -> np.ndarray:
        a = -self.mean_ms / self.std_ms
        return np.asarray(stats.truncnorm.cdf(x_ms, a, np.inf, loc=self.mean_ms, scale=self.std_ms))

    @property
    def nominal_ms(self) -> float:
        return self.mean_ms


@dataclass(frozen=True)
class LognormalLatency:
    """offset_ms + a lognormal part whose own mean and standard deviation are mean_ms and std_ms."""

    mean_ms: float
    std_ms: float
    offset_ms: float = 0.0

    def __post_init__(self) -> None:
        _check("mean_ms", self.mean_ms, strict=True)
        _check("std_ms", self.std_ms, strict=True)
        _check("offset_ms", self.offset_ms)

    @property
    def _mu_sigma(self) -> tuple[float, float]:
        sigma2 = math.log(1.0 + (self.std_ms / self.mean_ms) ** 2)
        return math.log(self.mean_ms) - sigma2 / 2.0, math.sqrt(sigma2)

    def sample_ms(self, rng: np.random.Generator) -> float:
        mu, sigma = self._mu_sigma
        return self.offset_ms + float(rng.lognormal(mu, sigma))

    def cdf_ms(self, x_ms: np.ndarray) -> np.ndarray:
        mu, sigma = self._mu_sigma
        return np.asarray(stats.lognorm.cdf(x_ms, sigma, loc=self.offset_ms, scale=math.exp(mu)))

    @property
    def nominal_ms(self) -> float:
        return self.offset_ms + self.mean_ms


@dataclass(frozen=True)
class GammaLatency:
    """offset_ms + a gamma part whose own mean and standard deviation are mean_ms and std_ms."""

    mean_ms: float
    std_ms: float
    offset_ms: float = 0.0

    def __post_init__(self) -> None:
        _check("mean_ms", self.mean_ms, strict=True)
        _check("std_ms", self.std_ms, strict=True)
        _check("offset_ms", self.offset_ms)

    @property
    def _shape_scale(self) -> tuple[float, float]:
        return (self.mean_ms / self.std_ms) ** 2, self.std_ms ** 2 / self.mean_ms

    def sample_ms(self, rng: np.random.Generator) -> float:
        shape, scale = self._shape_scale
        return self.offset_ms + float(rng.gamma(shape, scale))

    def cdf_ms(self, x_ms: np.ndarray) -> np.ndarray:
        shape, scale = self._shape_scale
        return np.asarray(stats.gamma.cdf(x_ms, shape, loc=self.offset_ms, scale=scale))

    @property
    def nominal_ms(self) -> float:
        return self.offset_ms + self.mean_ms


@dataclass(frozen=True)
class EmpiricalLatency:
    """Delays drawn from a measured trace: inverse-CDF sampling with linear interpolation between the sorted
    measurements, so the samples follow the trace's piecewise-linear distribution function."""

    values_ms: tuple[float, ...]
    source: str = "<inline>"

    def __post_init__(self) -> None:
        if len(self.values_ms) < 2:
            raise LinkConfigError(
                f"{self.source}: an empirical trace needs at least 2 delays, got {len(self.values_ms)}")
        for value in self.values_ms:
            if not math.isfinite(value) or value < 0:
                raise LinkConfigError(f"{self.source}: delays must be finite and >= 0 ms, got {value}")
        object.__setattr__(self, "values_ms", tuple(sorted(self.values_ms)))

    def sample_ms(self, rng: np.random.Generator) -> float:
        u = float(rng.random()) * (len(self.values_ms) - 1)
        i = min(int(u), len(self.values_ms) - 2)
        lo, hi = self.values_ms[i], self.values_ms[i + 1]
        return lo + (u - i) * (hi - lo)

    def cdf_ms(self, x_ms: np.ndarray) -> np.ndarray:
        probs = np.linspace(0.0, 1.0, len(self.values_ms))
        return np.interp(x_ms, np.asarray(self.values_ms), probs, left=0.0, right=1.0)

    @property
    def nominal_ms(self) -> float:
        return float(np.mean(self.values_ms))


def load_trace_csv(path: Path) -> EmpiricalLatency:
    """A CSV of measured one-way delays [ms], one column, optional header line. Raises LinkConfigError naming
    the file and line of the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LinkConfigError(f"{path}: cannot read the delay trace: {exc}") from exc
    values: list[float] = []
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not cells or cells == [""]:
            continue
        if len(cells) != 1:
            raise LinkConfigError(f"{path}:{line_no}: expected one column (delay in ms), got {len(cells)}")
        try:
            value = float(cells[0])
        except ValueError:
            if line_no == 1 and not values:
                continue  # the header
            raise LinkConfigError(f"{path}:{line_no}: expected a delay in ms, got {cells[0]!r}") from None
        if not math.isfinite(value) or value < 0:
            raise LinkConfigError(f"{path}:{line_no}: delays must be finite and >= 0 ms, got {cells[0]!r}")
        values.append(value)
    if len(values) < 2:
        raise LinkConfigError(f"{path}: an empirical trace needs at least 2 delays, got {len(values)}")
    return EmpiricalLatency(tuple(values), str(path))
