"""The vehicle's side of offloaded planning: follow a received speed plan while it is fresh.

A plan is used only while its age is at most ``max_age_s`` (and inside its own validity); the acceleration
that reaches the plan's speed one cycle ahead is then the system's wish, which the vehicle still caps by
its onboard safety envelope (its own planner on its own sensors), so a stale, wrong or hostile plan can
never make the car brake less than its own sensors demand.
"""

from __future__ import annotations

import numpy as np

from coop_drive.scenario.model import EgoLimits
from coop_drive.v2x.messages import SpeedPlan


class PlanFollower:
    """Holds the newest speed plan addressed to this vehicle."""

    def __init__(self, vehicle_id: int, limits: EgoLimits, max_age_s: float) -> None:
        self.vehicle_id = vehicle_id
        self.limits = limits
        self.max_age_s = max_age_s
        self.plan: SpeedPlan | None = None
        self.plans_received = 0

    def on_plan(self, plan: SpeedPlan) -> None:
        if plan.target_vehicle_id != self.vehicle_id:
            return
        self.plans_received += 1
        if self.plan is None or plan.time_s > self.plan.time_s:
            self.plan = plan

    def fresh(self, time_s: float) -> bool:
        plan = self.plan
        return plan is not None and time_s - plan.time_s <= min(self.max_age_s, plan.validity_s)

    def accel_mps2(self, time_s: float, speed_mps: float, cycle_s: float) -> float | None:
        """Acceleration to be at the plan's speed one cycle from now; None when there is no fresh plan."""
        plan = self.plan
        if plan is None or not self.fresh(time_s):
            return None
        offsets = np.array([0.0] + [p.time_offset_s for p in plan.points])
        speeds = np.array([plan.points[0].speed_mps] + [p.speed_mps for p in plan.points])
        target = float(np.interp(time_s + cycle_s - plan.time_s, offsets, speeds))
        accel = (target - speed_mps) / cycle_s
        return min(max(accel, -self.limits.max_decel_mps2), self.limits.max_accel_mps2)
