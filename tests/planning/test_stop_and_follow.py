"""Stopping at signals, the IDM, and the car ahead in the ego's lane."""

import math

import numpy as np
import pytest

from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.stop_and_follow import (
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
EGO_FRONT_S = 100.0


def _obj(oid: int, x: float, y: float, vx: float, vy: float, length: float = 4.6) -> ObjectEstimate:
    return ObjectEstimate(oid, "mec", 0.0, np.array([x, y, vx, vy]), np.eye(4) * 0.1, length, 1.8)


# ----------------------------------------------------------------------------------------- stop_line_accel_mps2


def test_green_and_off_do_not_constrain():
    assert stop_line_accel_mps2(SignalAhead(30.0, Colour.GREEN), 14.0, 0.0, LIMITS) is None
    assert stop_line_accel_mps2(SignalAhead(30.0, Colour.OFF), 14.0, 0.0, LIMITS) is None


def test_a_signal_behind_does_not_constrain():
    assert stop_line_accel_mps2(SignalAhead(-0.5, Colour.RED), 14.0, 0.0, LIMITS) is None


def test_red_without_timing_stops_at_the_line():
    # v^2 / (2 (D - standoff)) = 100 / (2 * 50)
    assert stop_line_accel_mps2(SignalAhead(51.0, Colour.RED), 10.0, 0.0, LIMITS) == pytest.approx(-1.0)
    a = stop_line_accel_mps2(SignalAhead(51.0, Colour.RED), 10.0, 0.0, LIMITS, standoff_m=3.0)
    assert a == pytest.approx(-100.0 / 96.0)


def test_red_without_timing_is_clipped_at_max_decel():
    # 14^2 / (2 * 5) = 19.6 m/s^2 needed
    assert stop_line_accel_mps2(SignalAhead(6.0, Colour.RED), 14.0, 0.0, LIMITS) == pytest.approx(-7.0)


def test_red_at_the_standoff():
    assert stop_line_accel_mps2(SignalAhead(0.5, Colour.RED), 3.0, 0.0, LIMITS) == pytest.approx(-7.0)
    assert stop_line_accel_mps2(SignalAhead(0.5, Colour.RED), 0.0, 0.0, LIMITS) == 0.0
    assert stop_line_accel_mps2(SignalAhead(20.0, Colour.RED), 0.0, 0.0, LIMITS) == 0.0


def test_amber_goes_when_a_comfortable_stop_is_impossible():
    # 14^2 / (2 * 20) = 4.9 > 3 m/s^2 comfort
    assert stop_line_accel_mps2(SignalAhead(21.0, Colour.AMBER), 14.0, 0.0, LIMITS) is None
    assert stop_line_accel_mps2(SignalAhead(0.5, Colour.AMBER), 14.0, 0.0, LIMITS) is None


def test_amber_stops_when_it_comfortably_can():
    assert stop_line_accel_mps2(SignalAhead(51.0, Colour.AMBER), 10.0, 0.0, LIMITS) == pytest.approx(-1.0)
    # exactly at comfort: 14^2 / (2 * 3) = 32.67 m of room
    room = 14.0**2 / 6.0
    a = stop_line_accel_mps2(SignalAhead(room + 1.0, Colour.AMBER), 14.0, 0.0, LIMITS)
    assert a == pytest.approx(-3.0)


def test_red_with_green_start_slows_without_stopping():
    now = 100.0
    stop_at_line = stop_line_accel_mps2(SignalAhead(51.0, Colour.RED), 10.0, now, LIMITS)
    a = stop_line_accel_mps2(SignalAhead(51.0, Colour.RED, green_start_s=now + 6.0), 10.0, now, LIMITS)
    assert a is not None and stop_at_line is not None
    # keep within 50 m for 6 s: 10 * 6 + a 36 / 2 = 50
    assert a == pytest.approx(2.0 * (50.0 - 60.0) / 36.0)
    assert a > stop_at_line
    assert 10.0 + a * 6.0 > 0.0  # still rolling when the green starts


def test_red_with_an_early_green_start_does_not_constrain():
    # 5 m/s for 5 s: 25 m < 50 m of room
    assert stop_line_accel_mps2(SignalAhead(51.0, Colour.RED, green_start_s=5.0), 5.0, 0.0, LIMITS) is None


def test_red_with_a_late_green_start_stops_at_the_line():
    a = stop_line_accel_mps2(SignalAhead(51.0, Colour.RED, green_start_s=60.0), 10.0, 0.0, LIMITS)
    assert a == pytest.approx(-1.0)


# ----------------------------------------------------------------------------------------------------------- IDM


def test_idm_free_road_at_desired_speed_is_zero():
    assert idm_accel_mps2(13.89, 13.89, 1e6, 13.89, 2.0) == pytest.approx(0.0, abs=1e-6)


def test_idm_free_road_from_standstill_is_max_accel():
    assert idm_accel_mps2(0.0, 13.89, 1e6, 0.0, 2.0) == pytest.approx(2.0, abs=1e-6)


def test_idm_closing_on_a_standing_car_brakes_hard():
    v, gap, a_max = 13.89, 30.0, 2.0
    cfg = IdmConfig()
    s_star = cfg.min_gap_m + v * cfg.time_headway_s + v * v / (2.0 * math.sqrt(a_max * cfg.comfort_decel_mps2))
    expected = a_max * (1.0 - 1.0 - (s_star / gap) ** 2)
    a = idm_accel_mps2(v, v, gap, 0.0, a_max)
    assert a == pytest.approx(expected)
    assert a < -7.0


def test_idm_equilibrium_gap():
    v, v0, a_max = 10.0, 13.89, 2.0
    cfg = IdmConfig()
    s_e = (cfg.min_gap_m + v * cfg.time_headway_s) / math.sqrt(1.0 - (v / v0) ** cfg.delta)
    assert idm_accel_mps2(v, v0, s_e, v, a_max) == pytest.approx(0.0, abs=1e-9)
    assert idm_accel_mps2(v, v0, s_e + 5.0, v, a_max) > 0.0
    assert idm_accel_mps2(v, v0, s_e - 5.0, v, a_max) < 0.0


def test_idm_a_faster_leader_allows_more_acceleration():
    # dv < 0 lowers the desired gap s*
    a_same = idm_accel_mps2(10.0, 13.89, 20.0, 10.0, 2.0)
    a_faster = idm_accel_mps2(10.0, 13.89, 20.0, 15.0, 2.0)
    assert a_faster > a_same


def test_idm_standing_at_the_minimum_gap_stays():
    # v = 0, gap = s0: 1 - 0 - 1 = 0
    assert idm_accel_mps2(0.0, 13.89, 2.0, 0.0, 2.0) == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------------------------------- lead_vehicle


def test_lead_vehicle_picks_the_nearest_one_moving_along_in_the_lane():
    objects = [
        _obj(1, 150.0, 0.0, 10.0, 0.0),  # ahead, same direction
        _obj(2, 130.0, 0.0, 0.0, 8.0),  # crossing
        _obj(3, 120.0, 0.0, -10.0, 0.0),  # oncoming
        _obj(4, 125.0, 3.5, 10.0, 0.0),  # the next lane
        _obj(5, 90.0, 0.0, 10.0, 0.0),  # behind the ego
        _obj(6, 170.0, 0.5, 0.0, 0.0),  # standing, farther
    ]
    found = lead_vehicle(PATH, EGO_FRONT_S, objects)
    assert found is not None
    gap, speed, oid = found
    assert oid == 1
    assert gap == pytest.approx(150.0 - 2.3 - 100.0)
    assert speed == pytest.approx(10.0)


def test_lead_vehicle_nearest_wins_whatever_the_order():
    objects = [_obj(6, 170.0, 0.0, 0.0, 0.0), _obj(7, 140.0, -1.0, 8.0, 0.0, length=10.0)]
    assert lead_vehicle(PATH, EGO_FRONT_S, objects) == pytest.approx((140.0 - 5.0 - 100.0, 8.0, 7))
    assert lead_vehicle(PATH, EGO_FRONT_S, objects[::-1]) == pytest.approx((35.0, 8.0, 7))


def test_lead_vehicle_speed_is_along_the_path():
    found = lead_vehicle(PATH, EGO_FRONT_S, [_obj(1, 150.0, 0.0, 10.0, 1.0)])
    assert found is not None and found[1] == pytest.approx(10.0)


def test_lead_vehicle_counts_a_nearly_standing_object_whatever_its_heading():
    found = lead_vehicle(PATH, EGO_FRONT_S, [_obj(1, 140.0, 0.0, 0.0, 0.3)])
    assert found == pytest.approx((140.0 - 2.3 - 100.0, 0.0, 1))


def test_lead_vehicle_ignores_crossing_and_oncoming_and_other_lanes():
    objects = [_obj(2, 130.0, 0.0, 0.0, 8.0), _obj(3, 120.0, 0.0, -10.0, 0.0), _obj(4, 125.0, 1.8, 10.0, 0.0),
               _obj(5, 125.0, -1.8, 10.0, 0.0)]
    assert lead_vehicle(PATH, EGO_FRONT_S, objects) is None


def test_lead_vehicle_none_without_objects_or_past_the_path_end():
    assert lead_vehicle(PATH, EGO_FRONT_S, []) is None
    assert lead_vehicle(PATH, EGO_FRONT_S, [_obj(1, 520.0, 0.0, 10.0, 0.0)]) is None


def test_queued_ahead_counts_standing_objects_before_the_line():
    objects = [
        _obj(1, 150.0, 0.0, 0.0, 0.0),  # counted
        _obj(2, 180.0, 0.0, 0.5, 0.0),  # creeping: counted
        _obj(3, 160.0, 0.0, 5.0, 0.0),  # moving
        _obj(4, 210.0, 0.0, 0.0, 0.0),  # past the line
        _obj(5, 150.0, 3.5, 0.0, 0.0),  # the next lane
        _obj(6, 95.0, 0.0, 0.0, 0.0),  # behind
    ]
    assert queued_ahead(PATH, EGO_FRONT_S, 200.0, objects) == 2
    assert queued_ahead(PATH, EGO_FRONT_S, 200.0, []) == 0
