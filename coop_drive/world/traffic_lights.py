"""Traffic signals as the world exposes them: the ego's next signal (ground truth) and fixed-time plans.

SUMO link states are one character per controlled link: ``G``/``g`` green (protected/permissive), ``y``
amber, ``r`` red (others: ``o`` off, ``O`` off-blinking, ``u`` red+amber, ``s`` stop sign).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Colour(str, Enum):
    """What a driver sees on a signal head."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    OFF = "off"


def colour_of(link_state: str) -> Colour:
    """SUMO link state character -> colour (red+amber ``u`` counts as red: do not go yet)."""
    if link_state in ("G", "g"):
        return Colour.GREEN
    if link_state == "y":
        return Colour.AMBER
    if link_state in ("r", "u", "s"):
        return Colour.RED
    return Colour.OFF


@dataclass(frozen=True)
class NextSignal:
    """Ground truth of the next traffic light on the ego's route."""

    tls_id: str
    link_index: int
    distance_m: float  # from the ego's front bumper to the stop line
    link_state: str  # SUMO state character of the ego's link

    @property
    def colour(self) -> Colour:
        return colour_of(self.link_state)


@dataclass(frozen=True)
class TimingPlan:
    """A fixed-time signal program: phases (duration [s], link states) repeating from ``cycle_start_s``.

    ``cycle_start_s`` is a simulation time at which phase 0 begins; ``link_in_edges[i]`` is the SUMO edge
    the i-th controlled link comes from (how a signal group's links are found).
    """

    tls_id: str
    phases: tuple[tuple[float, str], ...]
    cycle_start_s: float
    link_in_edges: tuple[str, ...] = ()

    @property
    def cycle_s(self) -> float:
        return sum(d for d, _ in self.phases)

    def position(self, time_s: float) -> tuple[int, float]:
        """(phase index, time already spent in it [s]) at time_s."""
        t = (time_s - self.cycle_start_s) % self.cycle_s
        for i, (duration, _) in enumerate(self.phases):
            if t < duration - 1e-9:
                return i, t
            t -= duration
        return 0, 0.0

    def colour_runs(self, link_index: int, time_s: float, count: int) -> list[tuple[Colour, str, float]]:
        """The current and following runs of one colour of a link: (colour, first state char, end time [s]).

        Consecutive phases of the same colour are one run (e.g. all-red + the cross street's green).
        """
        phase, spent = self.position(time_s)
        n = len(self.phases)
        runs: list[tuple[Colour, str, float]] = []
        end = time_s - spent
        colour = colour_of(self.phases[phase][1][link_index])
        char = self.phases[phase][1][link_index]
        for k in range(n * (count + 1) + 1):
            duration, states = self.phases[(phase + k) % n]
            c = colour_of(states[link_index])
            if c is not colour:
                runs.append((colour, char, end))
                if len(runs) == count:
                    return runs
                colour, char = c, states[link_index]
            end += duration
        runs.append((colour, char, end))  # a link that never changes colour
        return runs[:count]


