"""Stopping at signals and following the car ahead: the two constraints of driving on a signalised arterial.

- ``stop_line_accel_mps2``: red (or amber when a comfortable stop is still possible) keeps the front short of
  the stop line. Without timing (the onboard camera sees only the colour) the car brakes to stop at the
  line with constant deceleration (v^2 = 2 a D); with timing (SPaT) it takes the gentlest deceleration that
  keeps it short of the line until the green starts (``yield_accel_mps2``), so it need not stop at all.
- ``idm_accel_mps2``: the Intelligent Driver Model (Treiber, Hennecke, Helbing 2000) towards a leader.
- ``lead_vehicle``: the nearest object ahead in the ego's lane, moving along it, from a picture of objects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.longitudinal import yield_accel_mps2
from coop_drive.scenario.model import EgoLimits
from coop_drive.world.traffic_lights import Colour


@dataclass(frozen=True)
class SignalAhead:
    """What the car knows about the next signal on its path."""

    distance_m: float  # front bumper to the stop line
    colour: Colour
    green_start_s: float | None = None  # absolute time the next green starts (SPaT), None: unknown


STOP_STANDOFF_M = 1.0  # the front stops this far before the stop line


def stop_line_accel_mps2(signal: SignalAhead, speed_mps: float, now_s: float, limits: EgoLimits,
                         standoff_m: float = STOP_STANDOFF_M) -> float | None:
    """Acceleration that respects the signal, or None when it does not constrain the car.

    Amber: stop only if that needs no more than the comfort deceleration (else the car is past the point of
    no return and goes). Red: hold short of the line (until green starts, when known)."""
    if signal.colour in (Colour.GREEN, Colour.OFF) or signal.distance_m < 0.0:
        return None
    room_m = signal.distance_m - standoff_m
    if signal.colour is Colour.AMBER:
        needed = speed_mps * speed_mps / (2.0 * room_m) if room_m > 0.0 else math.inf
        if needed > limits.comfort_decel_mps2:
            return None
    if signal.green_start_s is not None and signal.colour is Colour.RED:
        return yield_accel_mps2(room_m, speed_mps, max(signal.green_start_s - now_s, 1e-3), limits.max_decel_mps2)
    if room_m <= 0.0:
        return -limits.max_decel_mps2 if speed_mps > 0.0 else 0.0
    return max(-speed_mps * speed_mps / (2.0 * room_m), -limits.max_decel_mps2)  # stop at the line


@dataclass(frozen=True)
class IdmConfig:
    """IDM parameters (Treiber & Kesting, Traffic Flow Dynamics, 2013, table 11.2, city traffic)."""

    time_headway_s: float = 1.5
    min_gap_m: float = 2.0
    comfort_decel_mps2: float = 2.0
    delta: float = 4.0


def idm_accel_mps2(speed_mps: float, desired_mps: float, gap_m: float, lead_speed_mps: float,
                   max_accel_mps2: float, config: IdmConfig | None = None) -> float:
    """a = a_max [1 - (v/v0)^delta - (s*/s)^2], s* = s0 + v T + v dv / (2 sqrt(a_max b))."""
    cfg = config or IdmConfig()
    dv = speed_mps - lead_speed_mps
    s_star = cfg.min_gap_m + max(0.0, speed_mps * cfg.time_headway_s
                                 + speed_mps * dv / (2.0 * math.sqrt(max_accel_mps2 * cfg.comfort_decel_mps2)))
    free = (speed_mps / desired_mps) ** cfg.delta if desired_mps > 0.0 else 1.0
    return max_accel_mps2 * (1.0 - free - (s_star / max(gap_m, 0.1)) ** 2)


LANE_HALF_WIDTH_M = 1.75
SAME_DIRECTION_COS = 0.8


def lead_vehicle(path: Polyline, ego_front_s_m: float, objects: Sequence[ObjectEstimate],
                 lane_half_width_m: float = LANE_HALF_WIDTH_M) -> tuple[float, float, int] | None:
    """(gap [m] front to rear, speed along the path [m/s], object id) of the nearest object ahead in the
    ego's lane that moves along the path (or stands still); None when there is none."""
    best: tuple[float, float, int] | None = None
    if not objects:
        return None
    xy = np.array([[o.x_m, o.y_m] for o in objects])
    s_all, lat_all = path.project(xy)
    for obj, s, lat in zip(objects, s_all, lat_all, strict=True):
        if abs(float(lat)) > lane_half_width_m or float(s) <= ego_front_s_m or float(s) >= path.length_m:
            continue
        _, _, yaw = path.point_at(float(s))
        speed = math.hypot(obj.vx_mps, obj.vy_mps)
        along = obj.vx_mps * math.cos(yaw) + obj.vy_mps * math.sin(yaw)
        if speed > 0.5 and along < SAME_DIRECTION_COS * speed:
            continue  # crossing or oncoming: conflict windows deal with it
        gap = float(s) - obj.length_m / 2.0 - ego_front_s_m
        if best is None or gap < best[0]:
            best = (gap, max(along, 0.0), obj.object_id)
    return best


QUEUE_SPEED_MPS = 1.0  # slower than this, in the ego's lane before the stop line: queued


def queued_ahead(path: Polyline, ego_front_s_m: float, stop_line_s_m: float, objects: Sequence[ObjectEstimate],
                 lane_half_width_m: float = LANE_HALF_WIDTH_M) -> int:
    """How many (nearly) standing objects wait in the ego's lane between its front and the stop line."""
    if not objects:
        return 0
    xy = np.array([[o.x_m, o.y_m] for o in objects])
    s_all, lat_all = path.project(xy)
    return sum(1 for obj, s, lat in zip(objects, s_all, lat_all, strict=True)
               if abs(float(lat)) <= lane_half_width_m and ego_front_s_m < float(s) <= stop_line_s_m
               and math.hypot(obj.vx_mps, obj.vy_mps) < QUEUE_SPEED_MPS)
