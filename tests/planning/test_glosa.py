"""GLOSA: arrival times of the advisory profile, green windows from SPaT events, the advised speed."""

import math

import pytest

from coop_drive.planning.glosa import GlosaConfig, advise_speed_mps, arrival_time_s, green_windows

LIMIT = 13.89  # 50 km/h
CFG = GlosaConfig(min_speed_mps=5.0, accel_mps2=1.0, decel_mps2=1.5)  # margin 1 s, range 300 m (defaults)


def _arrival(distance: float, speed: float, target: float) -> float:
    return arrival_time_s(distance, speed, target, CFG.accel_mps2, CFG.decel_mps2)


# ---------------------------------------------------------------------------------------------- arrival_time_s


def test_arrival_at_constant_speed():
    assert _arrival(100.0, 10.0, 10.0) == pytest.approx(10.0)


def test_arrival_accelerate_then_hold():
    # 10 -> 14 m/s at 1 m/s^2: 4 s over 48 m, then 52 m at 14 m/s
    assert _arrival(100.0, 10.0, 14.0) == pytest.approx(4.0 + 52.0 / 14.0)


def test_arrival_decelerate_then_hold():
    # 14 -> 8 m/s at 1.5 m/s^2: 4 s over 44 m, then 56 m at 8 m/s
    assert _arrival(100.0, 14.0, 8.0) == pytest.approx(4.0 + 56.0 / 8.0)


def test_arrival_with_the_line_reached_during_the_acceleration():
    # the ramp 10 -> 20 m/s would take 150 m; the line is at 30 m: 10 t + t^2 / 2 = 30
    t = _arrival(30.0, 10.0, 20.0)
    assert t == pytest.approx(-10.0 + math.sqrt(160.0))
    assert 10.0 * t + 0.5 * t * t == pytest.approx(30.0)


def test_arrival_with_the_line_reached_during_the_deceleration():
    # 14 -> 0 m/s at 1.5 m/s^2 would take 65.3 m; the line is at 20 m: 14 t - 0.75 t^2 = 20
    t = _arrival(20.0, 14.0, 0.0)
    assert t == pytest.approx((14.0 - math.sqrt(14.0**2 - 2 * 1.5 * 20.0)) / 1.5)


def test_arrival_never_when_stopping_short_or_standing():
    assert _arrival(100.0, 14.0, 0.0) == math.inf  # stops after 65.3 m
    assert _arrival(100.0, 0.0, 0.0) == math.inf


def test_arrival_at_or_past_the_line_is_now():
    assert _arrival(0.0, 10.0, 5.0) == 0.0
    assert _arrival(-3.0, 10.0, 5.0) == 0.0


def test_arrival_falls_as_the_target_rises():
    times = [_arrival(150.0, 10.0, target) for target in (3.0, 5.0, 8.0, 10.0, 12.0, 14.0, 20.0)]
    assert all(a > b for a, b in zip(times, times[1:], strict=False))


# ----------------------------------------------------------------------------------------------- green_windows


def test_green_windows_from_red_then_green():
    events = [(False, 110.0), (True, 140.0), (False, 143.0), (True, 170.0)]
    assert green_windows(100.0, events) == [(110.0, 140.0), (143.0, 170.0)]


def test_green_windows_current_green():
    assert green_windows(100.0, [(True, 120.0), (False, 123.0)]) == [(100.0, 120.0)]


def test_green_windows_unknown_end_lasts_for_ever():
    assert green_windows(100.0, [(False, 110.0), (True, None)]) == [(110.0, math.inf)]
    assert green_windows(100.0, [(True, None), (False, 200.0)]) == [(100.0, math.inf)]
    assert green_windows(100.0, [(False, None), (True, 200.0)]) == []


# --------------------------------------------------------------------------------------------- advise_speed_mps


def test_advice_is_the_limit_inside_a_current_green():
    now = 1000.0
    assert advise_speed_mps(100.0, LIMIT, now, [(now - 5.0, math.inf)], LIMIT, CFG) == LIMIT
    # reaches the line after 7.2 s, the green lasts 20 s more
    assert advise_speed_mps(100.0, LIMIT, now, [(now - 5.0, now + 20.0)], LIMIT, CFG) == LIMIT


def test_advice_is_the_limit_when_the_green_opens_before_arrival():
    now = 50.0
    # 150 m at the limit: 10.8 s; the green opens in 8 s (+ 1 s margin)
    assert advise_speed_mps(150.0, LIMIT, now, [(now + 8.0, now + 38.0)], LIMIT, CFG) == LIMIT


@pytest.mark.parametrize("green_in_s", [12.0, 15.0, 20.0])
def test_advice_arrives_just_after_the_green_opens(green_in_s):
    now, distance = 500.0, 150.0
    advice = advise_speed_mps(distance, LIMIT, now, [(now + green_in_s, now + green_in_s + 30.0)], LIMIT, CFG)
    assert advice is not None
    assert CFG.min_speed_mps <= advice < LIMIT
    t = _arrival(distance, LIMIT, advice)
    assert t >= green_in_s + CFG.margin_s
    assert t == pytest.approx(green_in_s + CFG.margin_s, abs=0.01)


def test_advice_respects_the_margin_setting():
    now, distance = 0.0, 150.0
    cfg = GlosaConfig(min_speed_mps=5.0, accel_mps2=1.0, decel_mps2=1.5, margin_s=3.0)
    advice = advise_speed_mps(distance, LIMIT, now, [(15.0, 45.0)], LIMIT, cfg)
    assert advice is not None
    assert _arrival(distance, LIMIT, advice) == pytest.approx(18.0, abs=0.01)


def test_no_advice_when_even_the_slowest_arrives_too_early():
    # 100 m at min speed 5 m/s: 5.9 s ramp over 56 m, then 8.8 s: 14.7 s; the green opens in 40 s
    now = 10.0
    assert advise_speed_mps(100.0, LIMIT, now, [(now + 40.0, now + 70.0)], LIMIT, CFG) is None


def test_a_green_out_of_reach_is_skipped_for_the_next_one():
    now, distance = 0.0, 150.0
    # current green closes in 3 s (10.8 s needed): the next one opens in 15 s
    advice = advise_speed_mps(distance, LIMIT, now, [(-20.0, 3.0), (15.0, 45.0)], LIMIT, CFG)
    assert advice is not None
    assert _arrival(distance, LIMIT, advice) == pytest.approx(16.0, abs=0.01)


def test_a_window_shorter_than_the_margins_is_skipped():
    now, distance = 0.0, 150.0
    # (12, 13.5): opens + 1 s > closes - 1 s; then (20, 50)
    advice = advise_speed_mps(distance, LIMIT, now, [(12.0, 13.5), (20.0, 50.0)], LIMIT, CFG)
    assert advice is not None
    assert _arrival(distance, LIMIT, advice) == pytest.approx(21.0, abs=0.01)


def test_no_advice_without_a_reachable_window():
    assert advise_speed_mps(150.0, LIMIT, 0.0, [(-20.0, 3.0)], LIMIT, CFG) is None
    assert advise_speed_mps(150.0, LIMIT, 0.0, [], LIMIT, CFG) is None


def test_no_advice_beyond_range_or_past_the_line():
    windows = [(10.0, 40.0)]
    assert advise_speed_mps(301.0, LIMIT, 0.0, windows, LIMIT, CFG) is None
    assert advise_speed_mps(250.0, LIMIT, 0.0, windows, LIMIT, GlosaConfig(range_m=200.0)) is None
    assert advise_speed_mps(0.0, LIMIT, 0.0, windows, LIMIT, CFG) is None
    assert advise_speed_mps(-5.0, LIMIT, 0.0, windows, LIMIT, CFG) is None
    assert advise_speed_mps(300.0, LIMIT, 0.0, [(-1.0, math.inf)], LIMIT, CFG) == LIMIT  # at the range: advised
