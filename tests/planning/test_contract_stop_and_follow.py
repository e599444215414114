"""Stop line, IDM, lead vehicle and queue contract: amber go/stop boundary, standoff, lane and speed gates."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.stop_and_follow import (
    LANE_HALF_WIDTH_M,
    QUEUE_SPEED_MPS,
    SAME_DIRECTION_COS,
    STOP_STANDOFF_M,
    IdmConfig,
    SignalAhead,
    idm_accel_mps2,
    lead_vehicle,
    queued_ahead,
    stop_line_accel_mps2,
)
from coop_drive.scenario.model import EgoLimits
from coop_drive.world.traffic_lights import Colour

LIMITS = EgoLimits(max_accel_mps2=2.0, comfort_decel_mps2=3.0, max_decel_mps2=7.0)
PATH = Polyline(np.array([[0.0, 0.0], [500.0, 0.0]]))  # eastbound along y = 0
FRONT = 100.0


def _obj(oid, x, y, vx=0.0, vy=0.0, length=4.6):
    return ObjectEstimate(oid, "mec", 0.0, np.array([x, y, vx, vy]), np.eye(4) * 0.1, length, 1.8)


def _stop(distance, colour, speed, green_start=None, now=0.0, limits=LIMITS, **kw):
    return stop_line_accel_mps2(SignalAhead(distance, colour, green_start), speed, now, limits, **kw)


def test_documented_constants():
    assert (STOP_STANDOFF_M, LANE_HALF_WIDTH_M, SAME_DIRECTION_COS, QUEUE_SPEED_MPS) == (1.0, 1.75, 0.8, 1.0)
    cfg = IdmConfig()
    assert (cfg.time_headway_s, cfg.min_gap_m, cfg.comfort_decel_mps2, cfg.delta) == (1.5, 2.0, 2.0, 4.0)


# ----------------------------------------------------------------------------------------- stop_line_accel_mps2


def test_red_with_the_front_exactly_at_the_line_still_constrains():
    assert _stop(0.0, Colour.RED, 5.0) == -7.0
    assert _stop(0.0, Colour.RED, 0.0) == 0.0
    assert _stop(-1e-9, Colour.RED, 5.0) is None  # past the line


def test_red_exactly_at_the_standoff():
    # room 0: moving -> the braking limit, standing -> hold
    assert _stop(1.0, Colour.RED, 3.0) == -7.0
    assert _stop(1.0, Colour.RED, 0.5) == -7.0  # even creeping
    assert _stop(1.0, Colour.RED, 0.0) == 0.0
    assert _stop(3.0, Colour.RED, 3.0, standoff_m=3.0) == -7.0


def test_red_stops_at_the_standoff_with_the_car_limits():
    # room 5 m at 6 m/s: 36 / 10 = 3.6 m/s^2
    assert _stop(6.0, Colour.RED, 6.0) == pytest.approx(-3.6)
    # the same with a 3 m/s^2 braking limit: capped
    assert _stop(6.0, Colour.RED, 6.0, limits=EgoLimits(2.0, 2.0, 3.0)) == -3.0


def test_amber_exactly_at_the_comfort_deceleration_stops():
    # room 6 m at 6 m/s: 36 / 12 = 3.0 m/s^2 = comfort -> stop
    assert _stop(7.0, Colour.AMBER, 6.0) == -3.0
    # a little closer: more than comfort is needed -> go
    assert _stop(6.99, Colour.AMBER, 6.0) is None
    # the comfort deceleration is the car's: 4 m/s^2 comfort stops at 6.99 m
    assert _stop(6.99, Colour.AMBER, 6.0, limits=EgoLimits(2.0, 4.0, 7.0)) == pytest.approx(-36.0 / 11.98)


def test_amber_half_a_metre_before_the_standoff_stops_when_slow():
    # room 0.5 m at 1 m/s: 1 / (2 * 0.5) = 1 m/s^2 <= comfort -> stop
    assert _stop(1.5, Colour.AMBER, 1.0) == pytest.approx(-1.0)


def test_amber_at_the_standoff_goes():
    assert _stop(1.0, Colour.AMBER, 6.0) is None
    assert _stop(0.5, Colour.AMBER, 0.0) is None


def test_amber_standing_before_the_standoff_holds():
    assert _stop(10.0, Colour.AMBER, 0.0) == 0.0


def test_amber_ignores_the_green_start():
    # amber: stop at the line (-100 / 100), not the red's gentler hold-short until the green
    assert _stop(51.0, Colour.AMBER, 10.0, green_start=6.0) == pytest.approx(-1.0)


def test_red_with_timing_brakes_with_the_car_limit():
    # room 5 m, 10 m/s, green in 2 s: arriving late needs reversing -> stop in 5 m: 100 / 10 = 10 -> capped
    assert _stop(6.0, Colour.RED, 10.0, green_start=102.0, now=100.0) == -7.0
    assert _stop(
        6.0, Colour.RED, 10.0, green_start=102.0, now=100.0, limits=EgoLimits(2.0, 3.0, 12.0)
    ) == pytest.approx(-10.0)


def test_red_whose_green_starts_now_or_passed_does_not_constrain():
    # room 5 m at 10 m/s: with the green already due, the wait is (almost) nothing
    assert _stop(6.0, Colour.RED, 10.0, green_start=100.0, now=100.0) is None
    assert _stop(6.0, Colour.RED, 10.0, green_start=95.0, now=100.0) is None


def test_red_with_timing_holds_a_car_standing_at_the_standoff():
    assert _stop(1.0, Colour.RED, 0.0) == 0.0  # no timing: hold
    held = _stop(1.0, Colour.RED, 0.0, green_start=110.0, now=100.0)
    assert held is None or held == 0.0


@settings(max_examples=60, deadline=None)
@given(distance=st.floats(1.5, 200.0), speed=st.floats(0.0, 20.0))
def test_red_without_timing_never_passes_the_standoff_unless_at_the_limit(distance, speed):
    a = _stop(distance, Colour.RED, speed)
    assert a is not None and -7.0 <= a <= 0.0
    if -7.0 < a < 0.0:
        assert speed * speed / (2.0 * -a) <= distance - 1.0 + 1e-9


# ----------------------------------------------------------------------------------------------------------- IDM


def test_idm_hand_computed_default_parameters():
    # v 10, v0 20, gap 30, same speed, a_max 1: s* = 2 + 15 = 17; a = 1 - 0.5^4 - (17/30)^2
    assert idm_accel_mps2(10.0, 20.0, 30.0, 10.0, 1.0) == pytest.approx(1.0 - 0.0625 - (17.0 / 30.0) ** 2)
    # closing at 5 m/s, a_max 2: dv term 10 * 5 / (2 sqrt(2 * 2)) = 12.5; s* = 29.5
    assert idm_accel_mps2(10.0, 20.0, 40.0, 5.0, 2.0) == pytest.approx(2.0 * (1.0 - 0.0625 - (29.5 / 40.0) ** 2))


def test_idm_custom_parameters():
    cfg = IdmConfig(time_headway_s=1.0, min_gap_m=3.0, comfort_decel_mps2=4.0, delta=2.0)
    # dv term 10 * 5 / (2 sqrt(1 * 4)) = 12.5; s* = 3 + 10 + 12.5 = 25.5; free term (10 / 20)^2 = 0.25
    assert idm_accel_mps2(10.0, 20.0, 40.0, 5.0, 1.0, cfg) == pytest.approx(1.0 - 0.25 - (25.5 / 40.0) ** 2)


def test_idm_desired_gap_never_below_the_minimum_gap():
    # leader 28 m/s faster: v T + v dv / (2 sqrt(a b)) = 3 - 14 < 0 -> s* = s0 = 2
    assert idm_accel_mps2(2.0, 10.0, 10.0, 30.0, 2.0) == pytest.approx(2.0 * (1.0 - 0.2**4 - 0.2**2))


def test_idm_without_a_desired_speed_only_brakes():
    # v0 = 0: the free-road term is 1; standing 4 m behind a standing car: a = 2 (1 - 1 - (2/4)^2)
    assert idm_accel_mps2(0.0, 0.0, 4.0, 0.0, 2.0) == pytest.approx(-0.5)


def test_idm_low_desired_speed_still_counts():
    # v0 = 0.5, v = 0.25: free term (0.5)^4 = 0.0625; s* = 2 + 0.375 = 2.375 at a 100 m gap
    expected = 2.0 * (1.0 - 0.0625 - (2.375 / 100.0) ** 2)
    assert idm_accel_mps2(0.25, 0.5, 100.0, 0.25, 2.0) == pytest.approx(expected)


def test_idm_gap_is_floored_at_ten_centimetres():
    # v = 0: s* = 2; gap 0.1 or less: (2 / 0.1)^2 = 400 -> 2 (1 - 400)
    assert idm_accel_mps2(0.0, 10.0, 0.0, 0.0, 2.0) == pytest.approx(-798.0)
    assert idm_accel_mps2(0.0, 10.0, -3.0, 0.0, 2.0) == pytest.approx(-798.0)
    assert idm_accel_mps2(0.0, 10.0, 0.2, 0.0, 2.0) == pytest.approx(-198.0)


@settings(max_examples=60, deadline=None)
@given(speed=st.floats(0.0, 20.0), gap=st.floats(0.5, 200.0), lead=st.floats(0.0, 20.0))
def test_idm_never_exceeds_max_accel_and_more_gap_never_brakes_harder(speed, gap, lead):
    a = idm_accel_mps2(speed, 14.0, gap, lead, 2.0)
    assert a <= 2.0
    assert idm_accel_mps2(speed, 14.0, gap + 1.0, lead, 2.0) >= a


# --------------------------------------------------------------------------------------------------- lead_vehicle


def test_lead_vehicle_lane_edge_is_inclusive():
    found = lead_vehicle(PATH, FRONT, [_obj(1, 140.0, 1.75, 8.0)])
    assert found == pytest.approx((140.0 - 2.3 - 100.0, 8.0, 1))
    assert lead_vehicle(PATH, FRONT, [_obj(1, 140.0, -1.75 - 1e-6, 8.0)]) is None
    # a wider lane
    assert lead_vehicle(PATH, FRONT, [_obj(1, 140.0, 2.5, 8.0)], lane_half_width_m=3.0) == pytest.approx((37.7, 8.0, 1))


def test_lead_vehicle_must_be_ahead_of_the_front_and_on_the_path():
    assert lead_vehicle(PATH, FRONT, [_obj(1, 100.0, 0.0)]) is None  # centre level with the front
    # centre just ahead of the front: already overlapping (negative gap)
    assert lead_vehicle(PATH, FRONT, [_obj(1, 100.5, 0.0)]) == pytest.approx((0.5 - 2.3, 0.0, 1))
    assert lead_vehicle(PATH, FRONT, [_obj(1, 500.0, 0.0)]) is None  # at the path end
    assert lead_vehicle(PATH, FRONT, [_obj(1, 499.5, 0.0)]) == pytest.approx((399.5 - 2.3, 0.0, 1))


def test_lead_vehicle_half_a_metre_per_second_is_standing_whatever_the_heading():
    # creeping backwards at 0.5 m/s: a standing obstacle with speed 0
    assert lead_vehicle(PATH, FRONT, [_obj(1, 140.0, 0.0, -0.5)]) == pytest.approx((37.7, 0.0, 1))
    # faster backwards: oncoming, ignored
    assert lead_vehicle(PATH, FRONT, [_obj(1, 140.0, 0.0, -0.6)]) is None


def test_lead_vehicle_direction_gate_is_inclusive():
    # (4, 3) m/s: along = 4 = 0.8 * 5 -> followed at 4 m/s
    assert lead_vehicle(PATH, FRONT, [_obj(1, 140.0, 0.0, 4.0, 3.0)]) == pytest.approx((37.7, 4.0, 1))
    assert lead_vehicle(PATH, FRONT, [_obj(1, 140.0, 0.0, 3.9, 3.0)]) is None


def test_lead_vehicle_looks_past_ignored_objects():
    objects = [
        _obj(1, 110.0, 0.0, 0.0, 8.0),  # crossing, nearer
        _obj(2, 115.0, 3.5, 8.0),  # next lane, nearer
        _obj(3, 140.0, 0.0, 8.0),
    ]
    assert lead_vehicle(PATH, FRONT, objects) == pytest.approx((37.7, 8.0, 3))


def test_lead_vehicle_on_a_slanted_path():
    # path heading (0.6, 0.8); the ego front 100 m along it; a car 40 m further moving (6, 8) m/s: along 10 m/s
    slanted = Polyline(np.array([[0.0, 0.0], [300.0, 400.0]]))
    car = _obj(4, 0.6 * 140.0, 0.8 * 140.0, 6.0, 8.0)
    assert lead_vehicle(slanted, FRONT, [car]) == pytest.approx((37.7, 10.0, 4))
    # moving (8, 6) m/s: along = 4.8 + 4.8 = 9.6 >= 0.8 * 10 -> followed at 9.6 m/s
    car = _obj(5, 0.6 * 140.0, 0.8 * 140.0, 8.0, 6.0)
    assert lead_vehicle(slanted, FRONT, [car]) == pytest.approx((37.7, 9.6, 5))
    # moving (10, 0) m/s: along = 6 < 8 -> crossing, ignored
    assert lead_vehicle(slanted, FRONT, [_obj(6, 0.6 * 140.0, 0.8 * 140.0, 10.0, 0.0)]) is None


def test_lead_vehicle_equal_gaps_keep_the_first():
    a, b = _obj(1, 140.0, 0.0, 8.0), _obj(2, 140.0, 0.5, 9.0)
    assert lead_vehicle(PATH, FRONT, [a, b]) == pytest.approx((37.7, 8.0, 1))
    assert lead_vehicle(PATH, FRONT, [b, a]) == pytest.approx((37.7, 9.0, 2))


@settings(max_examples=60, deadline=None)
@given(xs=st.lists(st.floats(0.0, 520.0), min_size=1, max_size=6))
def test_lead_vehicle_is_the_nearest_candidate_ahead(xs):
    objects = [_obj(k, x, 0.0, 5.0) for k, x in enumerate(xs)]
    found = lead_vehicle(PATH, FRONT, objects)
    ahead = [x for x in xs if FRONT < x < 500.0]
    if not ahead:
        assert found is None
        return
    assert found is not None
    assert found[0] == pytest.approx(min(ahead) - 2.3 - FRONT)
    assert found[1] == pytest.approx(5.0)


# --------------------------------------------------------------------------------------------------- queued_ahead


def test_queue_boundaries():
    line = 200.0
    objects = [
        _obj(1, 100.0, 0.0),  # level with the front: not ahead
        _obj(2, 100.5, 0.0),  # counted
        _obj(3, 200.0, 0.0),  # at the stop line: counted
        _obj(4, 200.5, 0.0),  # past it
        _obj(5, 150.0, 1.75),  # lane edge: counted
        _obj(6, 150.0, -1.76),  # next lane
        _obj(7, 160.0, 0.0, 0.99),  # creeping: counted
        _obj(8, 170.0, 0.0, 1.0),  # moving at the queue speed: not queued
        _obj(9, 180.0, 0.0, 0.6, 0.8),  # 1.0 m/s diagonally: not queued
    ]
    assert queued_ahead(PATH, FRONT, line, objects) == 4
    assert queued_ahead(PATH, FRONT, line, [_obj(6, 150.0, -1.76)], lane_half_width_m=2.0) == 1
