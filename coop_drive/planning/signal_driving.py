"""The vehicle's signal- and traffic-aware driving on top of the longitudinal planner.

Each cycle: find the next stop line and the signal group of the ego's movement on the HD map; know its colour
from the onboard camera (the signal head, within ``camera_range_m``: colour only, no timing) and — in the
splits with V2X — from the newest SPaT (state and end times); advise a GLOSA speed from the SPaT; follow the
car ahead (IDM). Two sets of constraints come out: the system's (fused objects + SPaT) and the onboard one
(own tracks + camera), matching the two decisions the automation level chooses between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from coop_drive.cores.spat_service import AMBER_STATES, GREEN_STATES, SpatReceiver, signal_group_numbers
from coop_drive.geometry import Polyline
from coop_drive.hdmap.service import MapService
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.glosa import GlosaConfig, advise_speed_mps, green_windows
from coop_drive.planning.stop_and_follow import (
    STOP_STANDOFF_M,
    SignalAhead,
    idm_accel_mps2,
    lead_vehicle,
    queued_ahead,
    stop_line_accel_mps2,
)
from coop_drive.scenario.model import EgoLimits
from coop_drive.v2x.messages import MovementPhaseState
from coop_drive.world.traffic_lights import Colour, NextSignal

CAMERA_RANGE_M = 80.0  # the onboard camera reads the signal head's colour this close to the stop line
ADVICE_GAIN_PER_S = 1.0  # speed tracking of the advice: accel = gain * (advice - v)
SAME_SIGNAL_TOLERANCE_M = 10.0  # the camera's signal and the map's stop line are the same within this
QUEUE_HEADWAY_S = 2.0  # a queue at the stop line discharges one car per this (saturation headway)


class DrivenEgo(Protocol):
    """What signal driving needs of the ego: the car's EgoSpec, or on the MEC what the car registered and its BSMs
    say (``cores/offboard_planning.py`` ``RegisteredEgo``)."""

    @property
    def desired_speed_mps(self) -> float: ...

    @property
    def length_m(self) -> float: ...

    @property
    def limits(self) -> EgoLimits: ...


@dataclass(frozen=True)
class SignalDecision:
    """Constraints on the acceleration (None: unconstrained) and the GLOSA advice of this cycle."""

    system_accel_mps2: float | None
    onboard_accel_mps2: float | None
    advice_mps: float | None
    follow_accel_mps2: float | None = None  # car following on the car's own sensors alone (what an ACC does)
    # the safety envelope an offloaded plan is capped by: the car's own car following and the stop line held
    # with the best signal information it has (SPaT timing when fresh, else the camera's colour) — no advice
    envelope_accel_mps2: float | None = None


def _min(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _colour(state: MovementPhaseState) -> Colour:
    if state in GREEN_STATES:
        return Colour.GREEN
    if state in AMBER_STATES:
        return Colour.AMBER
    if state in (MovementPhaseState.DARK, MovementPhaseState.UNAVAILABLE):
        return Colour.OFF
    return Colour.RED


class SignalDriving:
    """Signals, SPaT/GLOSA and car following for one ego along its route."""

    def __init__(self, service: MapService, route_roads: Sequence[str], ego: DrivenEgo, use_spat: bool,
                 glosa: GlosaConfig | None = None, camera_range_m: float = CAMERA_RANGE_M,
                 max_spat_age_s: float = 1.0, use_glosa: bool = True) -> None:
        self.service = service
        self.route_roads = list(route_roads)
        self.ego: DrivenEgo = ego
        self.use_spat = use_spat
        self.use_glosa = use_glosa
        self.glosa = glosa or GlosaConfig()
        self.camera_range_m = camera_range_m
        self.spat = SpatReceiver(max_spat_age_s)
        self._camera: NextSignal | None = None
        self._numbers: dict[str, dict[str, int]] = {}
        self.last_advice_mps: float | None = None

    def on_camera(self, truth: NextSignal | None) -> None:
        """The world's next signal for the ego; the camera keeps it only within range (colour only)."""
        self._camera = truth if truth is not None and truth.distance_m <= self.camera_range_m else None

    def _group_number(self, junction_id: str, controller_id: str) -> int | None:
        if junction_id not in self._numbers:
            self._numbers[junction_id] = signal_group_numbers(self.service.map, junction_id)
        return self._numbers[junction_id].get(controller_id)

    def step(self, now_s: float, x_m: float, y_m: float, speed_mps: float, path: Polyline, front_s_m: float,
             own: Sequence[ObjectEstimate], fused: Sequence[ObjectEstimate], max_accel_mps2: float
             ) -> SignalDecision:
        ego, desired = self.ego, self.ego.desired_speed_mps
        own_lead = lead_vehicle(path, front_s_m, own)
        fused_lead = own_lead if fused is own else lead_vehicle(path, front_s_m, fused)
        floor = -ego.limits.max_decel_mps2  # IDM's braking term is unbounded; the car's is not
        onboard = None if own_lead is None else max(
            idm_accel_mps2(speed_mps, desired, own_lead[0], own_lead[1], max_accel_mps2), floor)
        system = None if fused_lead is None else max(
            idm_accel_mps2(speed_mps, desired, fused_lead[0], fused_lead[1], max_accel_mps2), floor)
        own_following = onboard  # before the signal constraints join it
        envelope = onboard
        advice = None
        match = self.service.match(x_m, y_m, None, self.route_roads)
        stop = None if match is None else self.service.distance_to_stop_line(match, self.route_roads)
        group = None if match is None else self.service.signal_group(match, self.route_roads)
        if stop is not None and group is not None:
            distance = stop.distance_m - ego.length_m / 2.0  # the match is the footprint centre
            camera = self._camera_colour(distance)
            if camera is not None:
                onboard = _min(onboard, stop_line_accel_mps2(SignalAhead(distance, camera), speed_mps, now_s,
                                                             ego.limits))
            seen = camera
            green_start = None
            number = self._group_number(group.junction_id, group.group_id)
            events = (self.spat.events(int(group.junction_id), number, now_s)
                      if self.use_spat and number is not None and group.junction_id.isdigit() else None)
            if events is not None:
                seen = _colour(events[0][0])
                windows = green_windows(now_s, [(s in GREEN_STATES, end) for s, end in events])
                queue = queued_ahead(path, front_s_m, front_s_m + distance, fused)
                if queue:  # a queue waits at the line: aim behind its discharge
                    windows = [(start + QUEUE_HEADWAY_S * queue if start > now_s else start, end)
                               for start, end in windows]
                upcoming = [w for w in windows if w[0] > now_s]
                green_start = upcoming[0][0] if upcoming and seen is not Colour.GREEN else None
                if self.use_glosa and distance > 0.0:
                    advice = advise_speed_mps(distance - STOP_STANDOFF_M, speed_mps, now_s, windows, desired,
                                              self.glosa)
            if seen is not None:
                hold_short = stop_line_accel_mps2(SignalAhead(distance, seen, green_start), speed_mps, now_s,
                                                  ego.limits)
                system = _min(system, hold_short)
                envelope = _min(envelope, hold_short)
            if advice is not None:
                follow = ADVICE_GAIN_PER_S * (advice - speed_mps)
                system = _min(system, max(follow, -self.glosa.decel_mps2))
        self.last_advice_mps = advice
        return SignalDecision(system, onboard, advice, own_following, envelope)

    def _camera_colour(self, distance_m: float) -> Colour | None:
        cam = self._camera
        if cam is None or not math.isfinite(distance_m):
            return None
        if abs(cam.distance_m - distance_m) > SAME_SIGNAL_TOLERANCE_M:
            return None
        return cam.colour
