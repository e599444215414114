"""Offloaded planning on the MEC (edge-planning / cloud-planning splits).

The MEC knows the vehicle only from what it sends over the uplink: its trip registration (station id, route
edges and polyline, set speed, longitudinal limits; sent at the start and repeated until a speed plan arrives)
and its BSMs (state, length and width: the newest BSM's). Nothing is planned before both have arrived. Each
planning cycle the MEC predicts the ego from its newest BSM to now along the registered route at constant speed,
removes the ego from its own roadside tracks, computes the conflict windows of the rest and rolls the
longitudinal planner forward over the horizon, the windows shifting with time. The result is a speed plan: the
speeds the vehicle should have at 0.1 s steps from the plan's generation time on.

On signalised maps the MEC also knows the signal timing (its own SPaT): the rollout then stops at red, glides
to the green with GLOSA and follows the car ahead exactly as the vehicle would (planning/signal_driving.py on
the registered edges, fed with the MEC's SPaT and roadside tracks instead of received ones).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from coop_drive.cores.spat_service import SpatReceiver
from coop_drive.geometry import Polyline
from coop_drive.hdmap.service import MapService, roads_from_sumo_edges
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.conflict import conflict_windows
from coop_drive.planning.longitudinal import LongitudinalPlanner
from coop_drive.planning.signal_driving import SignalDriving
from coop_drive.scenario.model import EgoLimits, Scenario
from coop_drive.v2x.messages import Bsm, Spat, SpeedPlan, SpeedPlanPoint, TripRegistration

PLAN_STEP_S = 0.1
MEC_PLAN_HORIZON_S = 5.0  # the speed plan's horizon
SELF_GATE_M = 3.0  # a roadside track this close to the BSM-predicted ego is the ego


def station_id(actor_id: str) -> int:
    """A stable 32-bit station id for an actor name."""
    return zlib.crc32(actor_id.encode("utf-8"))


@dataclass(frozen=True)
class RegisteredEgo:
    """The ego as the MEC knows it: its trip registration's set speed and limits, its newest BSM's size."""

    desired_speed_mps: float
    length_m: float
    width_m: float
    limits: EgoLimits

    @classmethod
    def of(cls, trip: TripRegistration, bsm: Bsm) -> RegisteredEgo:
        limits = EgoLimits(trip.max_accel_mps2, trip.comfort_decel_mps2, trip.max_decel_mps2)
        return cls(trip.desired_speed_mps, bsm.length_m, bsm.width_m, limits)


@dataclass(frozen=True)
class MecSignals:
    """Signal driving on the MEC (signalised maps): the map, how old its own SPaT may be, GLOSA on or off."""

    map_service: MapService
    max_spat_age_s: float
    use_glosa: bool


class MecPlanner:
    """Plans the speed of the vehicle that registered its trip, from the MEC's world model."""

    def __init__(self, horizon_s: float = MEC_PLAN_HORIZON_S, validity_s: float = 1.0, planner_id: int = 1,
                 signals: MecSignals | None = None) -> None:
        self.steps = int(round(horizon_s / PLAN_STEP_S))
        self.validity_s = validity_s
        self.planner_id = planner_id
        self.signal_config = signals
        self.spat = None if signals is None else SpatReceiver(signals.max_spat_age_s)  # the MEC's own SPaT
        self.trip: TripRegistration | None = None
        self.route: Polyline | None = None
        self.ego: RegisteredEgo | None = None  # set at the first plan after a registration, from it and a BSM
        self.planner: LongitudinalPlanner | None = None
        self.signals: SignalDriving | None = None  # signalised maps: built on the registered edges
        self._bsms: dict[int, Bsm] = {}  # the newest BSM of each station
        self._count = 0

    @property
    def target_id(self) -> int | None:
        """The station the MEC plans for (None: none registered yet)."""
        return None if self.trip is None else self.trip.vehicle_id

    def on_registration(self, trip: TripRegistration) -> None:
        """A vehicle's trip registration; a repeated one (same trip) changes nothing, another trip replaces it."""
        if self.trip is not None and replace(trip, msg_count=0, time_s=0.0) == replace(
                self.trip, msg_count=0, time_s=0.0):
            return
        self.trip = trip
        self.route = Polyline(np.array(trip.route_xy_m, dtype=float))
        self.ego, self.planner, self.signals = None, None, None

    def on_spat(self, spat: Spat) -> None:
        """The MEC's own SPaT (signalised maps: what the rollout's signal driving plans on); ignored elsewhere."""
        if self.spat is not None:
            self.spat.on_spat(spat)

    def on_bsm(self, bsm: Bsm) -> None:
        """Keep the newest BSM of each station."""
        newest = self._bsms.get(bsm.vehicle_id)
        if newest is None or bsm.time_s > newest.time_s:
            self._bsms[bsm.vehicle_id] = bsm

    def _ready(self) -> tuple[Bsm, Polyline, RegisteredEgo, LongitudinalPlanner] | None:
        """The registered vehicle's newest BSM, route, parameters and planner; None before a registration and a
        BSM of its station."""
        trip, route = self.trip, self.route
        bsm = None if trip is None else self._bsms.get(trip.vehicle_id)
        if trip is None or route is None or bsm is None:
            return None
        ego = RegisteredEgo.of(trip, bsm)
        if ego != self.ego or self.planner is None:  # the first plan of a trip, or the BSM's size changed
            self.ego = ego
            self.planner = LongitudinalPlanner(ego.desired_speed_mps, ego.length_m, ego.limits)
            config = self.signal_config
            if config is not None and self.signals is None:
                self.signals = SignalDriving(config.map_service, roads_from_sumo_edges(trip.route_edges), ego,
                                             use_spat=True, max_spat_age_s=config.max_spat_age_s,
                                             use_glosa=config.use_glosa)
                assert self.spat is not None
                self.signals.spat = self.spat
            elif self.signals is not None:
                self.signals.ego = ego
        return bsm, route, ego, self.planner

    def plan(self, time_s: float, tracks: Sequence[ObjectEstimate]) -> SpeedPlan | None:
        """A speed plan generated at time_s, or None while no trip is registered or no BSM of it has arrived."""
        ready = self._ready()
        if ready is None:
            return None
        bsm, route, ego, planner = ready
        centre_s, _ = route.project(np.array([[bsm.x_m, bsm.y_m]]))
        speed = bsm.speed_mps
        centre = float(centre_s[0]) + speed * max(time_s - bsm.time_s, 0.0)  # constant speed along the route
        ego_x, ego_y, _ = route.point_at(centre)
        others = [t for t in tracks if (t.x_m - ego_x) ** 2 + (t.y_m - ego_y) ** 2 > SELF_GATE_M**2]
        rear = centre - ego.length_m / 2.0
        windows = conflict_windows(route, rear, ego.width_m, others)
        points = []
        for k in range(self.steps):
            shifted = [replace(w, t_in_s=w.t_in_s - k * PLAN_STEP_S, t_out_s=w.t_out_s - k * PLAN_STEP_S)
                       for w in windows if w.t_out_s - k * PLAN_STEP_S > 0.0]
            accel = planner.decide(rear, speed, shifted).accel_mps2
            if self.signals is not None:  # red, GLOSA and the car ahead at the rolled-out time and place
                x_m, y_m, _ = route.point_at(rear + ego.length_m / 2.0)
                sig = self.signals.step(time_s + k * PLAN_STEP_S, x_m, y_m, speed, route, rear + ego.length_m,
                                        others, others, ego.limits.max_accel_mps2)
                if sig.system_accel_mps2 is not None:
                    accel = min(accel, sig.system_accel_mps2)
            speed = max(0.0, speed + accel * PLAN_STEP_S)
            rear += speed * PLAN_STEP_S
            points.append(SpeedPlanPoint((k + 1) * PLAN_STEP_S, speed))
        self._count = (self._count + 1) % 128
        return SpeedPlan(self._count, self.planner_id, bsm.vehicle_id, time_s, self.validity_s, tuple(points))


def mec_planner_for(scenario: Scenario, map_service: MapService | None) -> MecPlanner:
    """The MEC planner of a planning split, as every runtime builds it: it knows the run's settings but nothing
    of the vehicle until it registers. On a signalised map (``map_service``) it plans on the MEC's own SPaT,
    which may be as old as the plan's horizon when the car follows it."""
    signals = None if map_service is None else MecSignals(
        map_service, max_spat_age_s=MEC_PLAN_HORIZON_S + scenario.max_v2x_age_s, use_glosa=scenario.glosa)
    return MecPlanner(horizon_s=MEC_PLAN_HORIZON_S, signals=signals)
