"""The vehicle's planning side: longitudinal planning, signals (SPaT, GLOSA, IDM), the offloaded plan's follower,
the supervisor and the automation level that decides who acts on the plan.

Input each cycle: the perception side's ``VehiclePicture`` and the ego's pose and speed; the V2X frames it
uses (SpeedPlan, MAP, SPaT) come in through ``on_v2x``. It also sends the vehicle's BSMs and, in the planning
splits, its trip registration (until the first speed plan for it arrives).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from coop_drive.cores.offboard_planning import station_id
from coop_drive.cores.onboard_perception import ReceptionStats, VehiclePicture
from coop_drive.cores.plan_follower import PlanFollower
from coop_drive.geometry import Polyline
from coop_drive.hdmap.map_client import MapClient
from coop_drive.hdmap.service import MapService, roads_from_sumo_edges
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.automation import AutomationController, DriverConfig, Mode
from coop_drive.planning.conflict import conflict_windows
from coop_drive.planning.longitudinal import LongitudinalPlanner
from coop_drive.planning.signal_driving import SignalDriving
from coop_drive.planning.supervisor import Supervisor
from coop_drive.rng import stream
from coop_drive.scenario.model import EgoSpec, MapSource, Scenario
from coop_drive.units import s_to_ns
from coop_drive.v2x.asn1_codec import decode_speed_plan, encode_bsm, encode_trip_registration
from coop_drive.v2x.frame import MessageType, V2XDecodeError, V2XFrame, decode_frame, encode_frame
from coop_drive.v2x.messages import Bsm, TripRegistration


@dataclass(frozen=True)
class VehicleCommand:
    """What the vehicle decided this cycle."""

    accel_mps2: float
    mode: Mode
    warning: bool
    degraded: bool
    yielding_to: int | None


@dataclass(frozen=True)
class PlannerStatus:
    """The vehicle planner's account of the run so far, and the GLOSA advice in force (None: none)."""

    warnings_issued: int
    takeover_requested_s: float | None
    minimal_risk_s: float | None
    v2x_degraded_s: float | None
    plan_cycles_followed: int
    frames_rejected: int
    advice_mps: float | None


class TripRegistrar:
    """The car's trip as it registers it with the planner that plans for it: its station id, the route (SUMO edges
    and polyline), its set speed and longitudinal limits. Its size goes in its BSMs."""

    def __init__(self, ego: EgoSpec, route: Polyline) -> None:
        self.ego = ego
        self.route_xy_m = tuple((float(x), float(y)) for x, y in route.points_xy_m)
        self._count = 0

    def frame(self, time_s: float) -> bytes:
        """The registration as a V2X frame generated at time_s."""
        ego, limits = self.ego, self.ego.limits
        trip = TripRegistration(self._count, station_id(ego.actor_id), time_s, ego.route, self.route_xy_m,
                                ego.desired_speed_mps, limits.max_accel_mps2, limits.comfort_decel_mps2,
                                limits.max_decel_mps2)
        frame = V2XFrame(MessageType.TRIP_REGISTRATION, ego.actor_id, self._count, s_to_ns(time_s),
                         encode_trip_registration(trip))
        self._count = (self._count + 1) % 128
        return encode_frame(frame)


class VehiclePlannerCore:
    """Everything the car computes between its picture of the road and its speed command."""

    def __init__(self, ego: EgoSpec, route: Polyline | None, max_v2x_age_s: float, uses_v2x: bool = False,
                 seed: int = 0, start_s: float = 0.0, driver: DriverConfig | None = None,
                 follow_plans: bool = False, max_plan_age_s: float = 0.5, cycle_s: float = 0.05,
                 stats: ReceptionStats | None = None) -> None:
        self.ego = ego
        self.route = route
        self.planner = LongitudinalPlanner(ego.desired_speed_mps, ego.length_m, ego.limits)
        self.supervisor = Supervisor(uses_v2x, max_v2x_age_s, start_s)
        self.automation = AutomationController(ego.automation_level, ego.limits, stream(seed, "driver"), driver)
        self.stats = stats or ReceptionStats()  # rejected SpeedPlan, MAP and SPaT payloads
        self.station_id = station_id(ego.actor_id)
        self.cycle_s = cycle_s
        self.plan_follower = PlanFollower(self.station_id, ego.limits, max_plan_age_s) if follow_plans else None
        self.plan_cycles_followed = 0
        self._bsm_count = 0
        self.last_picture: list[ObjectEstimate] = []  # the fused objects the last plan was made on
        # map: mec — no onboard map; the route path comes from received MAP messages (route is None until then)
        self.map_client: MapClient | None = None
        self._map_version: tuple[tuple[str, int], ...] = ()
        # signals, SPaT/GLOSA and car following (set by the runtime on maps with signals or traffic ahead)
        self.signals: SignalDriving | None = None
        self.registrar: TripRegistrar | None = None  # planning splits: the trip the car registers

    def status(self) -> PlannerStatus:
        """The vehicle-side metrics so far and the GLOSA advice in force."""
        return PlannerStatus(self.automation.warnings_issued, self.automation.takeover_requested_at_s,
                             self.automation.minimal_risk_at_s, self.supervisor.first_degraded_s,
                             self.plan_cycles_followed, self.stats.frames_rejected,
                             None if self.signals is None else self.signals.last_advice_mps)

    def bsm_frame(self, time_s: float, x_m: float, y_m: float, yaw_rad: float, speed_mps: float,
                  accel_mps2: float) -> bytes:
        """The vehicle's BSM (its localisation and motion) as a V2X frame, generated at time_s."""
        bsm = Bsm(self._bsm_count, self.station_id, time_s, x_m, y_m, speed_mps, yaw_rad, accel_mps2, 0.0, 0.0,
                  self.ego.length_m, self.ego.width_m)
        frame = V2XFrame(MessageType.BSM, self.ego.actor_id, self._bsm_count, s_to_ns(time_s), encode_bsm(bsm))
        self._bsm_count = (self._bsm_count + 1) % 128
        return encode_frame(frame)

    def trip_registration_frame(self, time_s: float) -> bytes | None:
        """The trip registration to send at time_s: in the planning splits, until a speed plan for this car has
        arrived (the link may lose the registration); None otherwise."""
        follower = self.plan_follower
        if self.registrar is None or follower is None or follower.plans_received > 0:
            return None
        return self.registrar.frame(time_s)

    def on_v2x(self, frame_bytes: bytes) -> None:
        """Receive one frame from the link: speed plans, MAP and SPaT. A malformed envelope is left to the
        perception side (which counts every frame); a malformed payload of these types is counted here."""
        try:
            frame = decode_frame(frame_bytes)
        except V2XDecodeError:
            return
        try:
            if frame.message_type is MessageType.MAP and self.map_client is not None:
                self.map_client.on_payload(frame.payload)
            elif frame.message_type is MessageType.SPEED_PLAN and self.plan_follower is not None:
                self.plan_follower.on_plan(decode_speed_plan(frame.payload))
            elif frame.message_type is MessageType.SPAT and self.signals is not None:
                self.signals.spat.on_payload(frame.payload)
        except V2XDecodeError:
            self.stats.frames_rejected += 1

    def plan(self, x_m: float, y_m: float, speed_mps: float, picture: VehiclePicture) -> VehicleCommand:
        """Acceleration command for the next cycle, from the ego's own pose and speed and the picture at its time.

        The planner decides twice — on the fused picture (the system's view) and on the car's own tracks
        (what is left when V2X fails, and what a driver sees) — and the automation level picks.
        """
        time_s = picture.time_s
        if self.map_client is not None and self.map_client.version != self._map_version:
            path = self.map_client.route_path(x_m, y_m)  # the received map grew or changed
            if path is not None:
                self.route = path
                self._map_version = self.map_client.version
        if self.route is None:  # no map yet: nothing to plan against but the desired speed
            state = self.supervisor.update(time_s, picture.received_generation_s)
            cruise = self.planner.decide(0.0, speed_mps, [])
            control = self.automation.step(time_s, cruise.accel_mps2, cruise.accel_mps2, cruise.accel_mps2,
                                           state.degraded)
            return VehicleCommand(control.accel_mps2, control.mode, control.warning, state.degraded, None)
        centre_s, _ = self.route.project(np.array([[x_m, y_m]]))
        rear_s = float(centre_s[0]) - self.ego.length_m / 2.0
        own = picture.own
        self.last_picture = picture.fused
        system = self.planner.decide(
            rear_s, speed_mps, conflict_windows(self.route, rear_s, self.ego.width_m, self.last_picture))
        # the onboard safety envelope; without received objects the fused picture is the own tracks
        onboard = system if picture.received_generation_s is None else self.planner.decide(
            rear_s, speed_mps, conflict_windows(self.route, rear_s, self.ego.width_m, own))
        cruise = self.planner.decide(rear_s, speed_mps, [])
        envelope_accel = onboard.accel_mps2  # what caps an offloaded plan: own-sensor conflicts...
        if self.signals is not None:  # stop at red, GLOSA, follow the car ahead
            sig = self.signals.step(time_s, x_m, y_m, speed_mps, self.route, rear_s + self.ego.length_m, own,
                                    self.last_picture, self.ego.limits.max_accel_mps2)
            if sig.system_accel_mps2 is not None and sig.system_accel_mps2 < system.accel_mps2:
                system = replace(system, accel_mps2=sig.system_accel_mps2)
            if sig.onboard_accel_mps2 is not None and sig.onboard_accel_mps2 < onboard.accel_mps2:
                onboard = replace(onboard, accel_mps2=sig.onboard_accel_mps2)
            if sig.follow_accel_mps2 is not None and sig.follow_accel_mps2 < cruise.accel_mps2:
                cruise = replace(cruise, accel_mps2=sig.follow_accel_mps2)  # L2's cruise is adaptive (ACC)
            if sig.envelope_accel_mps2 is not None:  # ...own car following and the stop line held with SPaT
                envelope_accel = min(envelope_accel, sig.envelope_accel_mps2)
        system_accel = system.accel_mps2
        newest_s = picture.received_generation_s
        if self.plan_follower is not None:
            planned = self.plan_follower.accel_mps2(time_s, speed_mps, self.cycle_s)
            if planned is not None:  # offloaded plan, capped by the onboard safety envelope
                system_accel = min(planned, envelope_accel)
                self.plan_cycles_followed += 1
            plan = self.plan_follower.plan
            if plan is not None:  # degraded only when neither plans nor objects are fresh
                newest_s = plan.time_s if newest_s is None else max(newest_s, plan.time_s)
        state = self.supervisor.update(time_s, newest_s)
        control = self.automation.step(time_s, system_accel, onboard.accel_mps2, cruise.accel_mps2,
                                       state.degraded)
        return VehicleCommand(control.accel_mps2, control.mode, control.warning, state.degraded, system.yielding_to)


def vehicle_planner_for(scenario: Scenario, route: Polyline, max_v2x_age_s: float, start_s: float,
                        map_service: MapService | None, stats: ReceptionStats | None = None) -> VehiclePlannerCore:
    """The vehicle's planning core as every runtime (and replay) wires it: with ``map: mec`` in a split with V2X
    the car has no onboard map (its route path comes from MAP messages); on a signalised map (``map_service``)
    it stops at red, glides on SPaT/GLOSA and follows the car ahead."""
    map_from_mec = scenario.map_source is MapSource.MEC and scenario.split.uses_v2x
    core = VehiclePlannerCore(scenario.ego, None if map_from_mec else route, max_v2x_age_s,
                              uses_v2x=scenario.split.uses_v2x, seed=scenario.seed, start_s=start_s,
                              follow_plans=scenario.split.plans_remotely, max_plan_age_s=scenario.max_plan_age_s,
                              cycle_s=scenario.step_s, stats=stats)
    if scenario.split.plans_remotely:  # the route the car registers: its trip's, map or no map
        core.registrar = TripRegistrar(scenario.ego, route)
    roads = roads_from_sumo_edges(scenario.ego.route)
    if map_from_mec:
        core.map_client = MapClient(roads)
    if map_service is not None:
        core.signals = SignalDriving(map_service, roads, scenario.ego, use_spat=scenario.split.uses_v2x,
                                     max_spat_age_s=scenario.max_v2x_age_s, use_glosa=scenario.glosa)
    return core
