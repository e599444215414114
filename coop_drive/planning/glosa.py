"""GLOSA (green light optimal speed advisory) from SPaT: a target speed that reaches the stop line on green.

The profile the advice assumes: change speed from v to the target at a constant comfort acceleration or
deceleration, then hold the target until the stop line. Its arrival time falls as the target rises, so the
target that arrives at a given time is found by bisection. For each green window ahead (from the SPaT's end
times), in order: if the car can reach the line before the window closes (less ``margin_s``) at the speed
limit, the advice is the slowest target that arrives no earlier than the window opens (plus ``margin_s``),
i.e. the speed limit when it already arrives inside the window; if even ``min_speed_mps`` arrives before the
window opens there is no advice (the car will have to stop: the stop-line logic handles it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GlosaConfig:
    """Advisory limits."""

    min_speed_mps: float = 2.0  # slowest advice (7 km/h; SUMO's glosa device gets the same)
    accel_mps2: float = 1.0  # comfort acceleration of the advisory profile
    # deceleration of the advisory profile: about what engine braking gives at urban speeds, so that the car
    # slows down burning no fuel (HBEFA's fuel cut-off) instead of braking early and then holding a low speed
    # with the engine pulling (1.5 m/s^2 used 4.5 % more fuel on scenarios/green_wave.yaml, docs/results.md)
    decel_mps2: float = 0.7
    margin_s: float = 1.0  # arrive at least this long after the green starts and before it ends
    range_m: float = 300.0  # advice only for a stop line this close (SPaT reception / relevance range)


def arrival_time_s(distance_m: float, speed_mps: float, target_mps: float, accel_mps2: float,
                   decel_mps2: float) -> float:
    """Time [s] to cover distance_m: constant acceleration (or deceleration) from speed to target, then hold."""
    if distance_m <= 0.0:
        return 0.0
    if abs(target_mps - speed_mps) < 1e-9:
        return distance_m / speed_mps if speed_mps > 0.0 else math.inf
    a = accel_mps2 if target_mps > speed_mps else -decel_mps2
    t_ramp = (target_mps - speed_mps) / a
    d_ramp = (speed_mps + target_mps) / 2.0 * t_ramp
    if d_ramp < distance_m:
        return t_ramp + (distance_m - d_ramp) / target_mps if target_mps > 0.0 else math.inf
    # the line comes during the ramp: distance = v t + a t^2 / 2
    disc = speed_mps * speed_mps + 2.0 * a * distance_m
    return (-speed_mps + math.sqrt(max(disc, 0.0))) / a


def green_windows(now_s: float, events: Sequence[tuple[bool, float | None]]) -> list[tuple[float, float]]:
    """Green windows (start, end) [absolute s] from a signal group's events: (is_green, end time) in order, the
    first being the current one. A green without a known end lasts for ever."""
    windows = []
    start = now_s
    for green, end in events:
        if green:
            windows.append((start, math.inf if end is None else end))
        if end is None:
            break
        start = end
    return windows


def advise_speed_mps(distance_m: float, speed_mps: float, now_s: float, windows: Sequence[tuple[float, float]],
                     speed_limit_mps: float, config: GlosaConfig | None = None) -> float | None:
    """The advised speed [m/s] that reaches the stop line distance_m ahead during a green window; None when
    no window can be met within [min_speed_mps, speed_limit_mps]."""
    cfg = config or GlosaConfig()
    if distance_m > cfg.range_m or distance_m <= 0.0:
        return None

    def arrival(target: float) -> float:
        return arrival_time_s(distance_m, speed_mps, target, cfg.accel_mps2, cfg.decel_mps2)

    t_fast = arrival(speed_limit_mps)
    t_slow = arrival(min(cfg.min_speed_mps, speed_limit_mps))
    for start_s, end_s in windows:
        opens, closes = start_s - now_s + cfg.margin_s, end_s - now_s - cfg.margin_s
        if start_s <= now_s:
            opens = 0.0  # green now: no need to wait for it
        if closes < opens or t_fast > closes:
            continue  # too short, or out of reach
        if t_fast >= opens:
            return speed_limit_mps
        if t_slow < opens:
            return None  # even the slowest advice arrives before it opens: the car will have to stop
        lo, hi = min(cfg.min_speed_mps, speed_limit_mps), speed_limit_mps
        for _ in range(40):  # arrival(lo) >= opens > arrival(hi)
            mid = (lo + hi) / 2.0
            if arrival(mid) >= opens:
                lo = mid
            else:
                hi = mid
        return lo
    return None
