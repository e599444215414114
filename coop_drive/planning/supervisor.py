"""The vehicle's supervisor: a watchdog on the age of what the car relies on from the link.

A split that uses V2X is *degraded* when the newest information received (object list or speed plan) is
older than ``max_age_s`` — including never having received any within ``max_age_s`` of the start. The
supervisor reports when degradation began, so that the automation level can react (L4: minimal-risk
manoeuvre, L3: takeover request, L2: the assistance simply loses its warnings).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SupervisorState:
    """The supervisor's verdict at one instant."""

    degraded: bool
    age_s: float | None  # age of the newest V2X information; None without V2X
    degraded_since_s: float | None


class Supervisor:
    """Watches the age of received V2X information."""

    def __init__(self, uses_v2x: bool, max_age_s: float, start_s: float) -> None:
        if max_age_s <= 0:
            raise ValueError(f"max_age_s must be > 0, got {max_age_s}")
        self.uses_v2x = uses_v2x
        self.max_age_s = max_age_s
        self._start_s = start_s
        self._degraded_since_s: float | None = None
        self.first_degraded_s: float | None = None

    def update(self, now_s: float, newest_generation_s: float | None) -> SupervisorState:
        """Verdict at now_s given the generation time of the newest information received (None: nothing yet)."""
        if not self.uses_v2x:
            return SupervisorState(False, None, None)
        reference_s = self._start_s if newest_generation_s is None else newest_generation_s
        age_s = now_s - reference_s
        if age_s > self.max_age_s:
            if self._degraded_since_s is None:
                self._degraded_since_s = reference_s + self.max_age_s  # the moment the limit was crossed
                if self.first_degraded_s is None:
                    self.first_degraded_s = self._degraded_since_s
        else:
            self._degraded_since_s = None
        return SupervisorState(self._degraded_since_s is not None, age_s, self._degraded_since_s)
