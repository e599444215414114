"""GLOSA contract: the advisory profile's arrival time, and the advice at the edges of the green window."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coop_drive.planning.glosa import GlosaConfig, advise_speed_mps, arrival_time_s, green_windows

# symmetric profile (1 m/s^2 both ways), 2 m/s slowest advice, 1 s margin, 300 m range
CFG = GlosaConfig(min_speed_mps=2.0, accel_mps2=1.0, decel_mps2=1.0, margin_s=1.0, range_m=300.0)
NOW = 1000.0


def _advise(distance, speed, windows, limit=10.0, cfg=CFG):
    return advise_speed_mps(distance, speed, NOW, [(NOW + a, NOW + b) for a, b in windows], limit, cfg)


def _arrival(distance, speed, target, cfg=CFG):
    return arrival_time_s(distance, speed, target, cfg.accel_mps2, cfg.decel_mps2)


def test_defaults_are_the_documented_ones():
    cfg = GlosaConfig()
    assert (cfg.min_speed_mps, cfg.accel_mps2, cfg.decel_mps2, cfg.margin_s, cfg.range_m) == (2.0, 1.0, 0.7, 1.0, 300.0)


# ---------------------------------------------------------------------------------------------- arrival_time_s


def test_arrival_from_standstill_accelerates_then_holds():
    # 0 -> 10 m/s at 1 m/s^2: 10 s over 50 m; 100 m: 10 + 50 / 10 = 15 s
    assert arrival_time_s(100.0, 0.0, 10.0, 1.0, 1.0) == pytest.approx(15.0)
    # the line at 8 m comes during the ramp: t^2 / 2 = 8 -> 4 s
    assert arrival_time_s(8.0, 0.0, 10.0, 1.0, 1.0) == pytest.approx(4.0)


def test_arrival_uses_accel_up_and_decel_down():
    # up: 10 -> 14 at 2 m/s^2: 2 s over 24 m, then 76 / 14; decel is irrelevant
    assert arrival_time_s(100.0, 10.0, 14.0, 2.0, 99.0) == pytest.approx(2.0 + 76.0 / 14.0)
    # down: 14 -> 10 at 0.5 m/s^2: 8 s over 96 m, then 4 / 10; accel is irrelevant
    assert arrival_time_s(100.0, 14.0, 10.0, 99.0, 0.5) == pytest.approx(8.0 + 0.4)


def test_arrival_stopping_exactly_at_the_line():
    # 2 m/s -> 0 at 1 m/s^2 stops after exactly 2 m, in 2 s
    assert arrival_time_s(2.0, 2.0, 0.0, 1.0, 1.0) == pytest.approx(2.0)
    # 1 m/s -> 0 at 1 m/s^2 stops after 0.5 m, in 1 s
    assert arrival_time_s(0.5, 1.0, 0.0, 1.0, 1.0) == pytest.approx(1.0)


def test_arrival_target_within_a_nanometre_per_second_is_constant_speed():
    assert arrival_time_s(100.0, 10.0, 10.0 + 1e-10, 1.0, 1.0) == 10.0
    # a real change of target is a ramp: 10 -> 10.5 at 1 m/s^2: 0.5 s over 5.125 m, then 94.875 / 10.5
    assert arrival_time_s(100.0, 10.0, 10.5, 1.0, 1.0) == pytest.approx(0.5 + 94.875 / 10.5)


def test_arrival_at_walking_pace():
    # constant 0.5 m/s over 10 m: 20 s
    assert arrival_time_s(10.0, 0.5, 0.5, 1.0, 1.0) == pytest.approx(20.0)
    # 10 -> 0.5 m/s at 1 m/s^2: 9.5 s over 49.875 m, then 50.125 m at 0.5 m/s
    assert arrival_time_s(100.0, 10.0, 0.5, 1.0, 1.0) == pytest.approx(9.5 + 50.125 / 0.5)


def test_arrival_tiny_distance():
    assert arrival_time_s(1e-6, 10.0, 10.0, 1.0, 1.0) == pytest.approx(1e-7)
    assert arrival_time_s(0.0, 0.0, 0.0, 1.0, 1.0) == 0.0


@settings(max_examples=60, deadline=None)
@given(
    distance=st.floats(0.5, 300.0),
    speed=st.floats(0.0, 20.0),
    target=st.floats(0.5, 20.0),
    accel=st.floats(0.3, 3.0),
    decel=st.floats(0.3, 3.0),
)
def test_arrival_time_covers_exactly_the_distance(distance, speed, target, accel, decel):
    t = arrival_time_s(distance, speed, target, accel, decel)
    assert t > 0.0
    if not math.isfinite(t):
        return
    # integrate the profile: ramp at +accel / -decel to the target, then hold
    a = accel if target > speed else -decel
    t_ramp = (target - speed) / a if abs(target - speed) >= 1e-9 else 0.0
    tr = min(t, t_ramp)
    covered = speed * tr + 0.5 * a * tr * tr + target * max(t - t_ramp, 0.0)
    assert covered == pytest.approx(distance, rel=1e-6, abs=1e-6)


# ----------------------------------------------------------------------------------------------- green_windows


def test_green_windows_skip_reds_and_ambers_in_between():
    events = [(False, 110.0), (False, 113.0), (True, 140.0), (False, 170.0), (True, None)]
    assert green_windows(100.0, events) == [(113.0, 140.0), (170.0, math.inf)]
    assert green_windows(100.0, []) == []


# --------------------------------------------------------------------------------------------- advise_speed_mps
# 10 m/s at the 10 m/s limit over 100 m: 10 s to the line


def test_arrival_exactly_at_the_window_close_less_margin_is_in_reach():
    # green 5 .. 11 s: closes 10 s = arrival at the limit -> go at the limit
    assert _advise(100.0, 10.0, [(5.0, 11.0)]) == 10.0
    # closing 0.01 s earlier: out of reach
    assert _advise(100.0, 10.0, [(5.0, 10.99)]) is None


def test_arrival_exactly_at_the_window_open_plus_margin_is_the_limit():
    # green from 9 s: opens 10 s = arrival at the limit
    assert _advise(100.0, 10.0, [(9.0, 40.0)]) == 10.0
    # green from 9.5 s: the limit arrives 0.5 s early -> slower advice arriving at 10.5 s
    advice = _advise(100.0, 10.0, [(9.5, 40.0)])
    assert advice is not None and advice < 10.0
    assert _arrival(100.0, 10.0, advice) == pytest.approx(10.5, abs=1e-6)


def test_a_window_exactly_two_margins_long_is_usable():
    # green 10 .. 12 s: opens = closes = 11 s; the advice arrives at 11 s
    advice = _advise(100.0, 10.0, [(10.0, 12.0)])
    assert advice is not None
    assert _arrival(100.0, 10.0, advice) == pytest.approx(11.0, abs=1e-6)
    # a little shorter: skipped
    assert _advise(100.0, 10.0, [(10.0, 11.99)]) is None


def test_a_green_starting_right_now_needs_no_margin():
    # 5 m at 10 m/s: 0.5 s, less than the 1 s margin; the green is on now: go
    assert _advise(5.0, 10.0, [(0.0, 30.0)]) == 10.0
    assert _advise(5.0, 10.0, [(-3.0, 30.0)]) == 10.0
    # the same green 0.01 s from now must be waited for; even 2 m/s comes too early (0.51 s)
    assert _advise(5.0, 10.0, [(0.01, 30.0)]) is None


def test_keeping_the_current_speed_that_arrives_exactly_at_the_open():
    # at 8 m/s, 80 m take 10 s; green from 9 s opens at 10 s: keep 8 m/s (limit 14, min 2)
    advice = _advise(80.0, 8.0, [(9.0, 40.0)], limit=14.0)
    assert advice is not None
    assert 8.0 <= advice < 8.0 + 1e-6


def test_no_advice_at_the_line():
    assert _advise(0.0, 10.0, [(-5.0, 30.0)]) is None


def test_the_slowest_advice_arriving_exactly_at_the_open_is_given():
    # at 2 m/s (= min speed) 20 m take 10 s; green from 9 s opens at 10 s: advise the min speed
    assert _advise(20.0, 2.0, [(9.0, 40.0)]) == pytest.approx(2.0, abs=1e-6)
    # a green opening later: the car would have to stop, no advice
    assert _advise(20.0, 2.0, [(9.01, 40.0)]) is None


def test_min_speed_and_margin_come_from_the_config():
    cfg = GlosaConfig(min_speed_mps=4.0, accel_mps2=1.0, decel_mps2=1.0, margin_s=2.0)
    # at 4 m/s 40 m take 10 s; green from 8 s opens (+2 s) at 10 s
    assert _advise(40.0, 4.0, [(8.0, 40.0)], cfg=cfg) == pytest.approx(4.0, abs=1e-6)
    assert _advise(40.0, 4.0, [(8.01, 40.0)], cfg=cfg) is None


def test_a_limit_below_the_min_speed_is_advised_or_nothing():
    # limit 1.5 m/s < min 2 m/s: 15 m at 1.5 m/s take 10 s
    assert _advise(15.0, 1.5, [(5.0, 40.0)], limit=1.5) == 1.5
    assert _advise(15.0, 1.5, [(9.5, 40.0)], limit=1.5) is None


def test_the_first_usable_window_decides():
    # the first window is out of reach, the second opens before the limit arrives, the third is ignored
    assert _advise(100.0, 10.0, [(-5.0, 5.0), (6.0, 30.0), (100.0, 130.0)]) == 10.0
    # the first usable window is too far in the future: no advice, later windows are not considered
    assert _advise(20.0, 2.0, [(60.0, 90.0), (9.0, 40.0)]) is None


def test_range_boundaries():
    cfg = GlosaConfig(range_m=120.0)
    assert advise_speed_mps(120.0, 10.0, 0.0, [(0.0, math.inf)], 10.0, cfg) == 10.0
    assert advise_speed_mps(120.001, 10.0, 0.0, [(0.0, math.inf)], 10.0, cfg) is None
    assert advise_speed_mps(1e-3, 10.0, 0.0, [(0.0, math.inf)], 10.0, cfg) == 10.0


def test_default_config_is_used_without_one():
    # default profile decelerates at 0.7 m/s^2: 100 m at 10 m/s, green from 14 s (+1 s): advice arrives at 15 s
    advice = advise_speed_mps(100.0, 10.0, NOW, [(NOW + 14.0, NOW + 60.0)], 10.0)
    assert advice is not None
    assert arrival_time_s(100.0, 10.0, advice, 1.0, 0.7) == pytest.approx(15.0, abs=1e-6)
    assert advise_speed_mps(301.0, 10.0, NOW, [(NOW, math.inf)], 10.0) is None


@settings(max_examples=60, deadline=None)
@given(
    distance=st.floats(20.0, 300.0),
    speed=st.floats(0.0, 14.0),
    start=st.floats(0.0, 60.0),
    length=st.floats(0.0, 60.0),
)
def test_advice_is_the_slowest_speed_arriving_inside_the_window(distance, speed, start, length):
    limit = 14.0
    advice = _advise(distance, speed, [(start, start + length)], limit=limit)
    if advice is None:
        return
    assert CFG.min_speed_mps <= advice <= limit
    opens = start + CFG.margin_s if start > 0.0 else 0.0
    closes = start + length - CFG.margin_s
    t = _arrival(distance, speed, advice)
    assert t <= closes + 1e-9 or advice == limit
    assert _arrival(distance, speed, limit) <= closes
    if advice < limit:
        assert t >= opens - 1e-6
        # slightly faster already arrives before the window opens
        assume(advice + 1e-6 <= limit)
        assert _arrival(distance, speed, advice + 1e-6) < opens + 1e-6
