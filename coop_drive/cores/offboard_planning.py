"""Offloaded planning on the MEC (edge-planning / cloud-planning splits).

The vehicle registers its route when the session starts (outside the link, like a trip registration) and
then sends BSMs. Each planning cycle the MEC predicts the ego from its newest BSM to now along the route at
constant speed, removes the ego from its own roadside tracks, computes the conflict windows of the rest and
rolls the longitudinal planner forward over the horizon, the windows shifting with time. The result is a
speed plan: the speeds the vehicle should have at 0.1 s steps from the plan's generation time on.

On signalised maps the MEC also knows the signal timing (its own SPaT): the rollout then stops at red, glides
to the green with GLOSA and follows the car ahead exactly as the vehicle would (planning/signal_driving.py,
fed with the MEC's SPaT and roadside tracks instead of received ones).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from coop_drive.geometry import Polyline
from coop_drive.hdmap.service import MapService, roads_from_sumo_edges
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.conflict import conflict_windows
from coop_drive.planning.longitudinal import LongitudinalPlanner
from coop_drive.planning.signal_driving import SignalDriving
from coop_drive.scenario.model import EgoSpec, Scenario
from coop_drive.v2x.messages import Bsm, Spat, SpeedPlan, SpeedPlanPoint

PLAN_STEP_S = 0.1
MEC_PLAN_HORIZON_S = 5.0  # the speed plan's horizon
SELF_GATE_M = 3.0  # a roadside track this close to the BSM-predicted ego is the ego


def station_id(actor_id: str) -> int:
    """A stable 32-bit station id for an actor name."""
    return zlib.crc32(actor_id.encode("utf-8"))


class MecPlanner:
    """Plans the registered ego's speed from the MEC's world model."""

    def __init__(self, ego: EgoSpec, route: Polyline, horizon_s: float = 5.0, validity_s: float = 1.0,
                 planner_id: int = 1, signals: SignalDriving | None = None) -> None:
        self.ego = ego
        self.signals = signals  # signalised maps: the MEC's SPaT feeds signals.spat
        self.route = route
        self.planner = LongitudinalPlanner(ego.desired_speed_mps, ego.length_m, ego.limits)
        self.steps = int(round(horizon_s / PLAN_STEP_S))
        self.validity_s = validity_s
        self.planner_id = planner_id
        self.target_id = station_id(ego.actor_id)
        self._bsm: Bsm | None = None
        self._count = 0

    def on_spat(self, spat: Spat) -> None:
        """The MEC's own SPaT (signalised maps: what the rollout's signal driving plans on); ignored elsewhere."""
        if self.signals is not None:
            self.signals.spat.on_spat(spat)

    def on_bsm(self, bsm: Bsm) -> None:
        """Keep the newest BSM of the registered vehicle."""
        if bsm.vehicle_id == self.target_id and (self._bsm is None or bsm.time_s > self._bsm.time_s):
            self._bsm = bsm

    def plan(self, time_s: float, tracks: Sequence[ObjectEstimate]) -> SpeedPlan | None:
        """A speed plan generated at time_s, or None while no BSM has arrived."""
        bsm = self._bsm
        if bsm is None:
            return None
        centre_s, _ = self.route.project(np.array([[bsm.x_m, bsm.y_m]]))
        speed = bsm.speed_mps
        centre = float(centre_s[0]) + speed * max(time_s - bsm.time_s, 0.0)  # constant speed along the route
        ego_x, ego_y, _ = self.route.point_at(centre)
        others = [t for t in tracks if (t.x_m - ego_x) ** 2 + (t.y_m - ego_y) ** 2 > SELF_GATE_M**2]
        rear = centre - self.ego.length_m / 2.0
        windows = conflict_windows(self.route, rear, self.ego.width_m, others)
        points = []
        for k in range(self.steps):
            shifted = [replace(w, t_in_s=w.t_in_s - k * PLAN_STEP_S, t_out_s=w.t_out_s - k * PLAN_STEP_S)
                       for w in windows if w.t_out_s - k * PLAN_STEP_S > 0.0]
            accel = self.planner.decide(rear, speed, shifted).accel_mps2
            if self.signals is not None:  # red, GLOSA and the car ahead at the rolled-out time and place
                x_m, y_m, _ = self.route.point_at(rear + self.ego.length_m / 2.0)
                sig = self.signals.step(time_s + k * PLAN_STEP_S, x_m, y_m, speed, self.route,
                                        rear + self.ego.length_m, others, others, self.ego.limits.max_accel_mps2)
                if sig.system_accel_mps2 is not None:
                    accel = min(accel, sig.system_accel_mps2)
            speed = max(0.0, speed + accel * PLAN_STEP_S)
            rear += speed * PLAN_STEP_S
            points.append(SpeedPlanPoint((k + 1) * PLAN_STEP_S, speed))
        self._count = (self._count + 1) % 128
        return SpeedPlan(self._count, self.planner_id, self.target_id, time_s, self.validity_s, tuple(points))


def mec_planner_for(scenario: Scenario, route: Polyline, map_service: MapService | None) -> MecPlanner:
    """The MEC planner of a planning split, as both runtimes build it; on a signalised map (``map_service``)
    it plans on the MEC's own SPaT, which may be as old as the plan's horizon when the car follows it."""
    signals = None if map_service is None else SignalDriving(
        map_service, roads_from_sumo_edges(scenario.ego.route), scenario.ego, use_spat=True,
        max_spat_age_s=MEC_PLAN_HORIZON_S + scenario.max_v2x_age_s, use_glosa=scenario.glosa)
    return MecPlanner(scenario.ego, route, horizon_s=MEC_PLAN_HORIZON_S, signals=signals)
