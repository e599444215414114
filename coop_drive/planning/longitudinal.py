"""Longitudinal planning along the route: cruise at the desired speed, and yield to predicted conflicts.

For each conflict window the ego either passes first (its rear clears the stretch, at its current speed,
a time margin before the object arrives) or arrives after the object has left: it then takes the gentlest
constant deceleration that keeps its front short of the stretch until the object is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coop_drive.planning.conflict import ConflictWindow
from coop_drive.scenario.model import EgoLimits


@dataclass(frozen=True)
class PlannerConfig:
    """Tuning of the longitudinal planner."""

    speed_gain_per_s: float = 0.6  # cruise: accel = gain * (desired - current) [1/s]
    time_margin_s: float = 1.0  # gap in time kept before / after an object's window
    standoff_m: float = 1.5  # distance kept in front of an occupied stretch


@dataclass(frozen=True)
class PlanDecision:
    """Acceleration command for the next cycle, and which object (if any) it yields to."""

    accel_mps2: float
    yielding_to: int | None
    source_id: str | None


def yield_accel_mps2(distance_m: float, speed_mps: float, time_s: float, max_decel_mps2: float) -> float | None:
    """Gentlest constant acceleration that keeps the front short of distance_m until time_s; None if cruising
    already does. Stopping exactly at distance_m is the fallback when slowing alone cannot wait long enough; at or
    past distance_m a moving car brakes at the limit and a standing one holds (0)."""
    if distance_m <= 0.0:
        return 0.0 if speed_mps <= 0.0 else -max_decel_mps2  # standing at (or past) the point: hold
    if speed_mps * time_s <= distance_m:
        return None
    a_arrive = 2.0 * (distance_m - speed_mps * time_s) / (time_s * time_s)  # D = v T + a T^2 / 2
    if speed_mps + a_arrive * time_s >= 0.0:
        return max(a_arrive, -max_decel_mps2)
    return max(-speed_mps * speed_mps / (2.0 * distance_m), -max_decel_mps2)  # stop at D: v^2 = 2 a D


class LongitudinalPlanner:
    """Decides the ego's acceleration from its route position, speed and the conflict windows ahead."""

    def __init__(self, desired_speed_mps: float, ego_length_m: float, limits: EgoLimits,
                 config: PlannerConfig | None = None) -> None:
        self.desired_speed_mps = desired_speed_mps
        self.ego_length_m = ego_length_m
        self.limits = limits
        self.config = config or PlannerConfig()

    def decide(self, ego_rear_s_m: float, speed_mps: float, windows: Sequence[ConflictWindow]) -> PlanDecision:
        cfg, lim = self.config, self.limits
        accel = min(cfg.speed_gain_per_s * (self.desired_speed_mps - speed_mps), lim.max_accel_mps2)
        accel = max(accel, -lim.comfort_decel_mps2)
        yielding_to: ConflictWindow | None = None
        front_s = ego_rear_s_m + self.ego_length_m
        for w in sorted(windows, key=lambda w: (w.t_in_s, w.object_id)):
            if front_s > w.s_entry_m:
                continue  # already inside or past the stretch: driving on is the only way out
            clear_s = (w.s_exit_m - ego_rear_s_m) / speed_mps if speed_mps > 0.1 else float("inf")
            if clear_s + cfg.time_margin_s <= w.t_in_s:
                continue  # passes first
            a_yield = yield_accel_mps2(
                w.s_entry_m - cfg.standoff_m - front_s, speed_mps, w.t_out_s + cfg.time_margin_s, lim.max_decel_mps2)
            if a_yield is not None and a_yield < accel:
                accel, yielding_to = a_yield, w
        return PlanDecision(
            accel_mps2=accel,
            yielding_to=None if yielding_to is None else yielding_to.object_id,
            source_id=None if yielding_to is None else yielding_to.source_id,
        )
