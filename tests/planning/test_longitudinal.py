import numpy as np
import pytest

from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.conflict import conflict_windows
from coop_drive.planning.longitudinal import LongitudinalPlanner, yield_accel_mps2
from coop_drive.scenario.model import EgoLimits

ROUTE = Polyline(np.array([[0.0, -200.0], [0.0, 200.0]]))  # northbound through the origin


def _crossing(x: float, vx: float, oid: int = 1) -> ObjectEstimate:
    return ObjectEstimate(oid, "mec", 0.0, np.array([x, 0.0, vx, 0.0]), np.eye(4) * 0.1, 4.6, 1.8)


def test_conflict_window_of_an_eastbound_car():
    # car 50 m west of the crossing at 10 m/s; corridor half-width 0.9 + 2.3 + 0.5 = 3.7 m
    (w,) = conflict_windows(ROUTE, ego_rear_s_m=100.0, ego_width_m=1.8, objects=[_crossing(-50.0, 10.0)])
    assert w.t_in_s == pytest.approx((50.0 - 3.7) / 10.0, abs=0.1)
    assert w.t_out_s == pytest.approx((50.0 + 3.7) / 10.0, abs=0.11)
    assert w.s_entry_m == pytest.approx(200.0 - 0.9 - 1.0, abs=0.01)
    assert w.s_exit_m == pytest.approx(200.0 + 0.9 + 1.0, abs=0.01)


def test_no_window_for_objects_moving_away_or_along():
    receding = _crossing(-10.0, -10.0)
    lead = ObjectEstimate(2, "mec", 0.0, np.array([0.0, 20.0, 0.0, 10.0]), np.eye(4), 4.6, 1.8)
    assert conflict_windows(ROUTE, 100.0, 1.8, [receding, lead]) == []


def test_yield_accel_arrival_and_stop_branches():
    # 100 m ahead, 10 m/s, must not arrive within 5 s: 10*5 = 50 m < 100 m -> no constraint
    assert yield_accel_mps2(100.0, 10.0, 5.0, 7.0) is None
    # 40 m ahead, must wait 5 s: a = 2 (40 - 50) / 25 = -0.8 m/s^2 and still rolling
    assert yield_accel_mps2(40.0, 10.0, 5.0, 7.0) == pytest.approx(-0.8)
    # 20 m ahead, wait 10 s: cannot arrive later by slowing alone -> stop at 20 m: v^2 / 2D = 2.5
    assert yield_accel_mps2(20.0, 10.0, 10.0, 7.0) == pytest.approx(-2.5)
    # too close to stop: capped at the braking limit
    assert yield_accel_mps2(3.0, 14.0, 10.0, 7.0) == pytest.approx(-7.0)


def test_planner_yields_early_or_passes_first():
    planner = LongitudinalPlanner(13.89, 4.6, EgoLimits())
    rear_s = 200.0 - 60.0  # ego front 55.4 m before the crossing
    late_car = conflict_windows(ROUTE, rear_s, 1.8, [_crossing(-60.0, 13.89)])
    decision = planner.decide(rear_s, 13.89, late_car)
    assert decision.yielding_to == 1
    assert -3.0 < decision.accel_mps2 < 0.0  # a gentle slow-down suffices this early
    far_car = conflict_windows(ROUTE, rear_s, 1.8, [_crossing(-100.0, 13.89)])
    assert planner.decide(rear_s, 13.89, far_car).yielding_to is None  # ego clears it first
