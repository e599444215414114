"""The object estimate every side exchanges: a constant-velocity state with covariance and a generation time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum

from coop_drive.geometry import FloatArray
from coop_drive.perception.kalman import cv_predict


class ObjectClass(IntEnum):
    """Object classification, values as in coop_drive_msgs/ObjectClassification."""

    UNKNOWN = 0
    CAR = 1
    TRUCK = 2
    BUS = 3
    MOTORCYCLE = 4
    BICYCLE = 5
    PEDESTRIAN = 6


@dataclass(frozen=True)
class ObjectEstimate:
    """State [x_m, y_m, vx_mps, vy_mps] in the map frame, its 4x4 covariance, valid at ``stamp_s``."""

    object_id: int
    source_id: str
    stamp_s: float
    state: FloatArray
    covariance: FloatArray
    length_m: float
    width_m: float
    existence_probability: float = 1.0
    classification: ObjectClass = ObjectClass.CAR

    def __post_init__(self) -> None:
        assert self.state.shape == (4,), f"state must be (4,), got {self.state.shape}"
        assert self.covariance.shape == (4, 4), f"covariance must be (4, 4), got {self.covariance.shape}"

    @property
    def x_m(self) -> float:
        return float(self.state[0])

    @property
    def y_m(self) -> float:
        return float(self.state[1])

    @property
    def vx_mps(self) -> float:
        return float(self.state[2])

    @property
    def vy_mps(self) -> float:
        return float(self.state[3])

    def moved(
        self, stamp_s: float, state: FloatArray, covariance: FloatArray, existence_probability: float | None = None
    ) -> ObjectEstimate:
        """The same object with a new state (cheaper than dataclasses.replace on a hot path)."""
        existence = self.existence_probability if existence_probability is None else existence_probability
        return make_estimate(self.object_id, self.source_id, stamp_s, state, covariance, self.length_m,
                             self.width_m, existence, self.classification)

    def predicted_to(self, time_s: float, accel_noise_psd: float) -> ObjectEstimate:
        """The estimate moved to time_s with a constant-velocity model; covariance inflated by process noise."""
        dt_s = time_s - self.stamp_s
        if dt_s <= 0.0:
            return self
        state, cov = cv_predict(self.state, self.covariance, dt_s, accel_noise_psd)
        return replace(self, stamp_s=time_s, state=state, covariance=cov)


_new_object = object.__new__


def make_estimate(
    object_id: int, source_id: str, stamp_s: float, state: FloatArray, covariance: FloatArray, length_m: float,
    width_m: float, existence_probability: float = 1.0, classification: ObjectClass = ObjectClass.CAR,
) -> ObjectEstimate:
    """``ObjectEstimate(...)`` for callers that already hold a (4,) state and a (4, 4) covariance: the same
    object, built without the frozen dataclass's per-field ``object.__setattr__`` and the shape checks (a hot
    path: hundreds of estimates per perception cycle)."""
    obj: ObjectEstimate = _new_object(ObjectEstimate)
    obj.__dict__.update(
        object_id=object_id, source_id=source_id, stamp_s=stamp_s, state=state, covariance=covariance,
        length_m=length_m, width_m=width_m, existence_probability=existence_probability,
        classification=classification)
    return obj
