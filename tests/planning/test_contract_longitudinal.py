"""Longitudinal planner contract: cruise limits, pass-first vs yield at the time margin, the yield deceleration."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.planning.conflict import ConflictWindow
from coop_drive.planning.longitudinal import LongitudinalPlanner, PlanDecision, PlannerConfig, yield_accel_mps2
from coop_drive.scenario.model import EgoLimits

LIMITS = EgoLimits(max_accel_mps2=2.0, comfort_decel_mps2=3.0, max_decel_mps2=7.0)


def _window(s_entry, s_exit, t_in, t_out, oid=1, source="mec"):
    return ConflictWindow(oid, source, s_entry, s_exit, t_in, t_out)


def _planner(desired=10.0, length=4.0, config=None):
    return LongitudinalPlanner(desired, length, LIMITS, config)


# ------------------------------------------------------------------------------------------- yield_accel_mps2


def test_yield_at_or_past_the_point_brakes_a_moving_car_at_the_limit_and_holds_a_standing_one():
    assert yield_accel_mps2(0.0, 0.0, 5.0, 7.0) == 0.0
    assert yield_accel_mps2(-1.0, 0.0, 5.0, 7.0) == 0.0
    assert yield_accel_mps2(0.0, 0.01, 5.0, 7.0) == -7.0
    assert yield_accel_mps2(0.0, 10.0, 5.0, 7.0) == -7.0
    assert yield_accel_mps2(-2.0, 10.0, 5.0, 4.5) == -4.5


def test_yield_not_needed_when_cruising_arrives_exactly_in_time():
    # 10 m/s for 5 s covers exactly the 50 m: no constraint
    assert yield_accel_mps2(50.0, 10.0, 5.0, 7.0) is None
    assert yield_accel_mps2(50.0, 0.0, 5.0, 7.0) is None  # standing: never arrives


def test_yield_just_short_of_cruising_distance_is_a_gentle_slow_down():
    # D = 49 m, v = 10, T = 5: a = 2 (49 - 50) / 25 = -0.08
    assert yield_accel_mps2(49.0, 10.0, 5.0, 7.0) == pytest.approx(-0.08)


def test_yield_arrival_deceleration_is_capped_at_max_decel():
    # D = 21, v = 20, T = 2: a = 2 (21 - 40) / 4 = -9.5, end speed 20 - 19 = 1 >= 0 -> capped at -7
    assert yield_accel_mps2(21.0, 20.0, 2.0, 7.0) == -7.0
    assert yield_accel_mps2(21.0, 20.0, 2.0, 10.0) == pytest.approx(-9.5)


def test_yield_stop_branch_and_its_cap():
    # D = 20, v = 10, T = 10: arriving at T would need reversing; stop at D: 100 / 40 = 2.5
    assert yield_accel_mps2(20.0, 10.0, 10.0, 7.0) == pytest.approx(-2.5)
    # D = 5, v = 10, T = 10: 100 / 10 = 10 > 7 -> capped
    assert yield_accel_mps2(5.0, 10.0, 10.0, 7.0) == -7.0
    assert yield_accel_mps2(5.0, 10.0, 10.0, 12.0) == pytest.approx(-10.0)


def test_yield_still_rolling_slowly_at_the_end_is_the_arrival_profile():
    # D = 21, v = 10, T = 4: a = 2 (21 - 40) / 16 = -2.375, end speed 0.5 m/s (stopping would need -100 / 42)
    assert yield_accel_mps2(21.0, 10.0, 4.0, 7.0) == pytest.approx(-2.375)


def test_yield_end_speed_exactly_zero_is_the_arrival_profile():
    # D = v T / 2 = 20 (v = 10, T = 4): a = 2 (20 - 40) / 16 = -2.5 and the car just stops at T
    assert yield_accel_mps2(20.0, 10.0, 4.0, 7.0) == pytest.approx(-2.5)


@settings(max_examples=60, deadline=None)
@given(
    distance=st.floats(0.1, 200.0),
    speed=st.floats(0.0, 30.0),
    time=st.floats(0.1, 30.0),
    max_decel=st.floats(1.0, 10.0),
)
def test_yield_keeps_the_front_short_of_the_point_or_brakes_at_the_limit(distance, speed, time, max_decel):
    a = yield_accel_mps2(distance, speed, time, max_decel)
    if a is None:
        assert speed * time <= distance
        return
    assert -max_decel <= a <= 0.0
    # travelled under constant a until T (or until standing): never past D unless a is at the cap
    t_stop = speed / -a if a < 0.0 else float("inf")
    t = min(time, t_stop)
    travelled = speed * t + 0.5 * a * t * t
    if a > -max_decel:
        assert travelled <= distance + 1e-6


# ---------------------------------------------------------------------------------------------- cruise limits


def test_planner_default_tuning_is_the_documented_one():
    cfg = PlannerConfig()
    assert (cfg.speed_gain_per_s, cfg.time_margin_s, cfg.standoff_m) == (0.6, 1.0, 1.5)


def test_cruise_is_proportional_to_the_speed_error():
    # 0.6 /s * (15 - 12) m/s = 1.8 m/s^2
    decision = _planner(desired=15.0).decide(0.0, 12.0, [])
    assert decision.accel_mps2 == pytest.approx(1.8)
    assert (decision.yielding_to, decision.source_id) == (None, None)
    assert _planner(desired=15.0).decide(0.0, 15.0, []).accel_mps2 == 0.0


def test_cruise_is_clamped_to_max_accel_and_comfort_decel():
    # from standstill to 10 m/s: 6 > 2 -> 2; from 20 to 10: -6 < -3 -> -3
    assert _planner().decide(0.0, 0.0, []).accel_mps2 == 2.0
    assert _planner().decide(0.0, 20.0, []).accel_mps2 == -3.0
    # exactly at the comfort limit: 0.6 * (10 - 15) = -3
    assert _planner().decide(0.0, 15.0, []).accel_mps2 == pytest.approx(-3.0)


def test_cruise_gain_comes_from_the_config():
    planner = _planner(desired=10.0, config=PlannerConfig(speed_gain_per_s=0.25))
    assert planner.decide(0.0, 8.0, []).accel_mps2 == pytest.approx(0.5)  # 0.25 * 2


# ----------------------------------------------------------------------------------- pass first or yield


def test_passes_first_when_the_rear_clears_exactly_one_margin_before_the_arrival():
    # rear at 0 m, 10 m/s: the rear clears s_exit = 60 m after 6 s; + 1 s margin = 7 s = t_in -> passes
    decision = _planner().decide(0.0, 10.0, [_window(50.0, 60.0, 7.0, 7.0)])
    assert decision == PlanDecision(0.0, None, None)


def test_yields_when_the_rear_would_clear_just_too_late():
    # t_in 6.99 < 7: yield; front at 4 m, keep 1.5 m short of 50 m -> 44.5 m until t_out + 1 = 8 s
    # a = 2 (44.5 - 80) / 64 = -1.109375 (end speed 1.125 m/s >= 0)
    decision = _planner().decide(0.0, 10.0, [_window(50.0, 60.0, 6.99, 7.0, oid=4, source="cam")])
    assert decision.accel_mps2 == pytest.approx(-1.109375)
    assert decision.yielding_to == 4
    assert decision.source_id == "cam"


def test_the_rear_not_the_front_has_to_clear():
    # length 4: the front would clear 60 m after 5.6 s (+1 = 6.6 <= 6.8), the rear only after 6 s (+1 = 7 > 6.8)
    decision = _planner(length=4.0).decide(0.0, 10.0, [_window(50.0, 60.0, 6.8, 7.0)])
    assert decision.yielding_to == 1


def test_time_margin_and_standoff_come_from_the_config():
    cfg = PlannerConfig(time_margin_s=2.0, standoff_m=4.5)
    # rear clears at 6 s, + 2 s = 8 > 7.5: yield; 50 - 4.5 - 4 = 41.5 m until 7 + 2 = 9 s
    # a = 2 (41.5 - 90) / 81 = -1.19753...; end speed 10 - 10.78 < 0 -> stop at 41.5 m: -100 / 83
    decision = _planner(config=cfg).decide(0.0, 10.0, [_window(50.0, 60.0, 7.5, 7.0)])
    assert decision.accel_mps2 == pytest.approx(-100.0 / 83.0)
    # with the margin 2 s a t_in of 8 s is just enough to pass first
    assert _planner(config=cfg).decide(0.0, 10.0, [_window(50.0, 60.0, 8.0, 9.0)]).yielding_to is None


def test_front_exactly_at_the_stretch_entry_still_yields():
    # front at 4 m = s_entry: not yet inside; 4 - 1.5 - 4 < 0 -> brake at the limit
    decision = _planner().decide(0.0, 10.0, [_window(4.0, 10.0, 1.5, 3.0)])
    assert decision == PlanDecision(-7.0, 1, "mec")


def test_front_inside_the_stretch_drives_on():
    decision = _planner().decide(0.0, 10.0, [_window(3.99, 10.0, 1.5, 3.0)])
    assert decision == PlanDecision(0.0, None, None)


def test_a_nearly_standing_ego_never_counts_on_passing_first():
    # short car (0.2 m) at 0.1 m/s: the rear would clear 0.4 m in 4 s, but at <= 0.1 m/s it is standing
    planner = _planner(length=0.2, config=PlannerConfig(standoff_m=0.0))
    window = _window(0.3, 0.4, 6.0, 8.0)
    # 0.3 - 0 - 0.2 = 0.1 m until 9 s: 0.1 * 9 = 0.9 > 0.1 -> stop within 0.1 m: -0.01 / 0.2 = -0.05
    assert planner.decide(0.0, 0.1, [window]).accel_mps2 == pytest.approx(-0.05)
    assert planner.decide(0.0, 0.1, [window]).yielding_to == 1
    # just above the threshold it passes first: 0.4 / 0.2 = 2 s + 1 s <= 6 s
    assert planner.decide(0.0, 0.2, [window]).yielding_to is None


def test_a_yield_gentler_than_cruise_braking_does_not_count():
    # 14 m/s with desired 10: cruise brakes at 0.6 * (10 - 14) = -2.4
    # the window: 44.5 m until 8 s; arriving would need reversing -> stop at 44.5 m: -196 / 89 = -2.20 > -2.4
    decision = _planner(desired=10.0).decide(0.0, 14.0, [_window(50.0, 60.0, 4.0, 7.0)])
    assert decision.accel_mps2 == pytest.approx(-2.4)
    assert decision.yielding_to is None and decision.source_id is None


def test_the_strongest_constraint_wins():
    # near: 24.5 m until 5 s; arriving needs a = 2 (24.5 - 50) / 25 = -2.04 -> end speed < 0 -> stop: -100 / 49
    near = _window(30.0, 35.0, 2.0, 4.0, oid=2)
    far = _window(50.0, 60.0, 6.0, 7.0, oid=3)  # -1.109375
    for windows in ([near, far], [far, near]):
        decision = _planner().decide(0.0, 10.0, windows)
        assert decision.yielding_to == 2
        assert decision.accel_mps2 == pytest.approx(-100.0 / 49.0)


def test_equal_constraints_yield_to_the_earliest_then_lowest_id():
    a = _window(50.0, 60.0, 5.0, 7.0, oid=5, source="a")
    b = _window(50.0, 60.0, 5.0, 7.0, oid=3, source="b")
    decision = _planner().decide(0.0, 10.0, [a, b])
    assert (decision.yielding_to, decision.source_id) == (3, "b")
    early = _window(50.0, 60.0, 4.0, 7.0, oid=9, source="c")  # same constraint, arrives earlier
    assert _planner().decide(0.0, 10.0, [a, b, early]).yielding_to == 9


def test_a_window_already_entered_does_not_hide_the_next_one():
    inside = _window(3.0, 10.0, 0.5, 2.0, oid=1)  # front at 4 m is already inside: drive on
    later = _window(50.0, 60.0, 6.0, 7.0, oid=2)  # needs -1.109375
    decision = _planner().decide(0.0, 10.0, [inside, later])
    assert decision.yielding_to == 2
    assert decision.accel_mps2 == pytest.approx(-1.109375)


def test_a_window_passed_first_does_not_hide_the_next_one():
    passed = _window(20.0, 30.0, 5.0, 6.0, oid=1)  # rear clears 30 m after 3 s: + 1 s <= 5 s
    later = _window(50.0, 60.0, 6.0, 7.0, oid=2)
    decision = _planner().decide(0.0, 10.0, [passed, later])
    assert decision.yielding_to == 2
    assert decision.accel_mps2 == pytest.approx(-1.109375)


def test_arriving_after_the_object_has_left_needs_no_braking():
    # the rear would not clear first (21 s), but cruising covers the 194.5 m only after t_out + 1 = 7 s
    assert _planner().decide(0.0, 10.0, [_window(200.0, 210.0, 5.0, 6.0)]) == PlanDecision(0.0, None, None)
