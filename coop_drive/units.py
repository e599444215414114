"""Unit conversions in one place: the rest of the code keeps SI units and says so in names."""

from __future__ import annotations

import math

NS_PER_S = 1_000_000_000
KMH_PER_MPS = 3.6


def kmh_to_mps(speed_kmh: float) -> float:
    """Speed [km/h] -> [m/s]."""
    return speed_kmh / KMH_PER_MPS


def mps_to_kmh(speed_mps: float) -> float:
    """Speed [m/s] -> [km/h]."""
    return speed_mps * KMH_PER_MPS


def s_to_ns(time_s: float) -> int:
    """Time [s] -> integer [ns], rounded to the nearest nanosecond."""
    return round(time_s * NS_PER_S)


def ms_to_ns(time_ms: float) -> int:
    """Time [ms] -> integer [ns], rounded to the nearest nanosecond."""
    return round(time_ms * 1_000_000)


def ns_to_s(time_ns: int) -> float:
    """Time [ns] -> [s]."""
    return time_ns / NS_PER_S


def deg_to_rad(angle_deg: float) -> float:
    """Angle [deg] -> [rad]."""
    return math.radians(angle_deg)


def wrap_angle_rad(angle_rad: float) -> float:
    """Wrap an angle into [-pi, pi)."""
    return (angle_rad + math.pi) % (2.0 * math.pi) - math.pi


def sumo_angle_deg_to_yaw_rad(angle_deg: float) -> float:
    """SUMO heading (deg, clockwise from north) -> REP-103 yaw (rad, CCW from +x)."""
    return wrap_angle_rad(math.radians(90.0 - angle_deg))


def yaw_rad_to_sumo_angle_deg(yaw_rad: float) -> float:
    """REP-103 yaw (rad, CCW from +x) -> SUMO heading (deg, clockwise from north, in [0, 360))."""
    return (90.0 - math.degrees(yaw_rad)) % 360.0
