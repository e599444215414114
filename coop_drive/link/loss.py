"""Loss models of one link direction: a frozen spec and the (stateful) process it starts per direction."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from coop_drive.link.errors import LinkConfigError


class LossProcess(Protocol):
    """Decides, frame by frame, whether the channel loses a frame."""

    def lost(self, rng: np.random.Generator) -> bool: ...


def _probability(name: str, value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise LinkConfigError(f"loss {name} must be in [0, 1], got {value}")


@dataclass(frozen=True)
class BernoulliLoss:
    """Each frame is lost independently with the same probability."""

    probability: float = 0.0

    def __post_init__(self) -> None:
        _probability("probability", self.probability)

    def process(self) -> LossProcess:
        return _BernoulliProcess(self.probability)

    @property
    def mean_loss(self) -> float:
        return self.probability


class _BernoulliProcess:
    def __init__(self, probability: float) -> None:
        self.probability = probability

    def lost(self, rng: np.random.Generator) -> bool:
        return bool(rng.random() < self.probability)


@dataclass(frozen=True)
class GilbertElliottLoss:
    """A two-state Markov channel (good/bad), one transition per frame; each state loses frames with its
    own probability. With loss_bad = 1 and loss_good = 0 the mean loss burst is 1/p_bad_to_good frames."""

    p_good_to_bad: float
    p_bad_to_good: float
    loss_good: float = 0.0
    loss_bad: float = 1.0

    def __post_init__(self) -> None:
        for name in ("p_good_to_bad", "p_bad_to_good", "loss_good", "loss_bad"):
            _probability(name, getattr(self, name))
        if self.p_good_to_bad + self.p_bad_to_good == 0.0:
            raise LinkConfigError("loss: p_good_to_bad and p_bad_to_good cannot both be 0")

    @property
    def p_bad_stationary(self) -> float:
        return self.p_good_to_bad / (self.p_good_to_bad + self.p_bad_to_good)

    @property
    def mean_loss(self) -> float:
        pb = self.p_bad_stationary
        return pb * self.loss_bad + (1.0 - pb) * self.loss_good

    def process(self) -> LossProcess:
        return _GilbertElliottProcess(self)


class _GilbertElliottProcess:
    def __init__(self, spec: GilbertElliottLoss) -> None:
        self.spec = spec
        self.bad: bool | None = None  # drawn from the stationary distribution on the first frame

    def lost(self, rng: np.random.Generator) -> bool:
        s = self.spec
        if self.bad is None:
            self.bad = bool(rng.random() < s.p_bad_stationary)
        else:
            self.bad = bool(rng.random() >= s.p_bad_to_good) if self.bad else bool(rng.random() < s.p_good_to_bad)
        return bool(rng.random() < (s.loss_bad if self.bad else s.loss_good))


LossModel = BernoulliLoss | GilbertElliottLoss
