"""Conflict windows contract: corridor and horizon boundaries, the same-direction gate, window extents."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.conflict import ConflictConfig, ConflictWindow, conflict_windows

PATH = Polyline(np.array([[0.0, 0.0], [400.0, 0.0]]))  # eastbound along y = 0, 400 m
EGO_WIDTH = 2.0
# object 4 m x 2 m: corridor half-width 2 / 2 + 4 / 2 + 0.5 = 3.5 m; stretch extension 2 / 2 + 1 = 2 m


def _obj(x, y, vx=0.0, vy=0.0, oid=1, source="mec", length=4.0, width=2.0):
    return ObjectEstimate(oid, source, 0.0, np.array([x, y, vx, vy]), np.eye(4) * 0.1, length, width)


def _windows(objects, rear=0.0, config=None, path=PATH):
    return conflict_windows(path, rear, EGO_WIDTH, objects, config)


def test_defaults_are_the_documented_ones():
    cfg = ConflictConfig()
    assert (
        cfg.horizon_s,
        cfg.sample_dt_s,
        cfg.lateral_margin_m,
        cfg.longitudinal_margin_m,
        cfg.same_direction_cos,
    ) == (8.0, 0.1, 0.5, 1.0, 0.8)


def test_window_of_a_crossing_car():
    # northbound at x = 100 from y = -50 at 10 m/s: inside |y| <= 3.5 for t in [4.65, 5.35] -> samples 4.7 .. 5.3
    (w,) = _windows([_obj(100.0, -50.0, vy=10.0, oid=7, source="cam")])
    assert (w.object_id, w.source_id) == (7, "cam")
    assert w.t_in_s == pytest.approx(4.7)
    assert w.t_out_s == pytest.approx(5.3 + 0.1)
    assert w.s_entry_m == pytest.approx(100.0 - 2.0)
    assert w.s_exit_m == pytest.approx(100.0 + 2.0)


def test_corridor_uses_the_longer_side_and_the_stretch_the_shorter_one():
    # 6 m x 1 m crossing car: corridor 1 + 3 + 0.5 = 4.5 m -> inside for t in [4.55, 5.45] -> 4.6 .. 5.4
    # stretch extension 0.5 + 1 = 1.5 m
    (w,) = _windows([_obj(100.0, -50.0, vy=10.0, length=6.0, width=1.0)])
    assert (w.t_in_s, w.t_out_s) == pytest.approx((4.6, 5.5))
    assert (w.s_entry_m, w.s_exit_m) == pytest.approx((98.5, 101.5))
    # the same car turned sideways (1 m x 6 m) occupies the same corridor and stretch
    (w2,) = _windows([_obj(100.0, -50.0, vy=10.0, length=1.0, width=6.0)])
    assert (w2.t_in_s, w2.t_out_s, w2.s_entry_m, w2.s_exit_m) == pytest.approx(
        (w.t_in_s, w.t_out_s, w.s_entry_m, w.s_exit_m)
    )


def test_the_ego_width_widens_the_corridor():
    # ego 4 m wide: 2 + 2 + 0.5 = 4.5 m -> 4.6 .. 5.4
    (w,) = conflict_windows(PATH, 0.0, 4.0, [_obj(100.0, -50.0, vy=10.0)])
    assert (w.t_in_s, w.t_out_s) == pytest.approx((4.6, 5.5))


def test_config_sampling_horizon_and_margins():
    cfg = ConflictConfig(horizon_s=6.0, sample_dt_s=0.5, lateral_margin_m=0.0, longitudinal_margin_m=0.0)
    # corridor 3 m: |-50 + 10 t| <= 3 for t in [4.7, 5.3] -> only the sample at 5.0 s
    (w,) = _windows([_obj(100.0, -50.0, vy=10.0)], config=cfg)
    assert (w.t_in_s, w.t_out_s, w.s_entry_m, w.s_exit_m) == pytest.approx((5.0, 5.5, 99.0, 101.0))
    # the same crossing beyond a 4 s horizon: no window
    assert _windows([_obj(100.0, -50.0, vy=10.0)], config=ConflictConfig(horizon_s=4.0)) == []


def test_the_horizon_end_is_included():
    # enters the 3.5 m corridor exactly at the last sample: y(8.0) = -83.45 + 80 = -3.45, y(7.9) = -4.45
    (w,) = _windows([_obj(100.0, -83.45, vy=10.0)])
    assert w.t_in_s == pytest.approx(8.0)
    assert w.t_out_s == pytest.approx(8.1)
    # one sample later would be beyond the horizon
    assert _windows([_obj(100.0, -84.55, vy=10.0)]) == []


def test_a_standing_object_on_the_corridor_edge_occupies_the_whole_horizon():
    (w,) = _windows([_obj(150.0, 3.5)])
    assert (w.t_in_s, w.t_out_s) == pytest.approx((0.0, 8.1))
    assert (w.s_entry_m, w.s_exit_m) == (148.0, 152.0)
    assert _windows([_obj(150.0, -3.5)]) != []
    assert _windows([_obj(150.0, 3.5 + 1e-6)]) == []
    assert _windows([_obj(150.0, -3.5 - 1e-6)]) == []


def test_only_what_is_ahead_of_the_ego_rear_counts():
    assert len(_windows([_obj(150.0, 0.0)], rear=150.0)) == 1  # exactly at the rear
    assert _windows([_obj(150.0, 0.0)], rear=150.001) == []
    # a car crossing behind the ego
    assert _windows([_obj(50.0, -50.0, vy=10.0)], rear=100.0) == []


def test_only_what_is_on_the_path_counts():
    assert len(_windows([_obj(399.5, 0.0)])) == 1
    assert _windows([_obj(400.0, 0.0)]) == []  # the path's end is excluded
    assert _windows([_obj(410.0, 0.0)]) == []  # beyond the end


def test_slow_objects_are_windows_whatever_their_heading():
    # 0.5 m/s along the path is not "moving": it occupies the road ahead (s 150 -> 154)
    (w,) = _windows([_obj(150.0, 0.0, vx=0.5)])
    assert (w.s_entry_m, w.s_exit_m) == pytest.approx((148.0, 156.0))
    assert (w.t_in_s, w.t_out_s) == pytest.approx((0.0, 8.1))
    # faster along the path: car following, no window
    assert _windows([_obj(150.0, 0.0, vx=0.6)]) == []


def test_the_same_direction_gate_is_exclusive():
    # (4, 3) m/s: cos = 4 / 5 = 0.8 exactly -> still a window; y = -10.05 + 3 t inside for t in [2.18, 4.52]
    (w,) = _windows([_obj(100.0, -10.05, vx=4.0, vy=3.0)])
    assert (w.t_in_s, w.t_out_s) == pytest.approx((2.2, 4.6))
    # s = 100 + 4 t from 108.8 to 118, extended by 2 m
    assert (w.s_entry_m, w.s_exit_m) == pytest.approx((106.8, 120.0))
    # a little more aligned (cos 0.807): followed, no window
    assert _windows([_obj(100.0, -10.05, vx=4.1, vy=3.0)]) == []
    # the gate is a setting
    assert _windows([_obj(100.0, -10.05, vx=4.1, vy=3.0)], config=ConflictConfig(same_direction_cos=0.9)) != []


def test_oncoming_traffic_in_the_corridor_is_a_window():
    # 10 m/s westbound on the path from s = 300: occupies 220 .. 300 (+- 2 m) for the whole horizon
    (w,) = _windows([_obj(300.0, 0.0, vx=-10.0)])
    assert (w.s_entry_m, w.s_exit_m) == pytest.approx((218.0, 302.0))
    assert (w.t_in_s, w.t_out_s) == pytest.approx((0.0, 8.1))


def test_direction_is_judged_on_the_path_where_the_object_is_now():
    bend = Polyline(np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]]))  # east, then north
    # on the northbound leg, moving north: along the path, no window
    assert _windows([_obj(100.0, 50.0, vy=10.0)], path=bend) == []
    # just before the corner, moving north: across the eastbound leg where it is now
    (w,) = _windows([_obj(99.95, 0.0, vy=10.0)], path=bend)
    assert w.t_in_s == 0.0


def test_every_object_is_considered_in_order():
    objects = [
        _obj(150.0, 0.0, vx=10.0, oid=1),  # along the path: followed
        _obj(150.0, 50.0, oid=2),  # standing off the road
        _obj(100.0, -50.0, vy=10.0, oid=3),
        _obj(200.0, 0.0, oid=4),
    ]
    assert [w.object_id for w in _windows(objects)] == [3, 4]
    assert _windows([]) == []


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-50.0, 450.0),
    y=st.floats(-60.0, 60.0),
    speed=st.floats(0.0, 20.0),
    heading=st.floats(-math.pi, math.pi),
    rear=st.floats(0.0, 300.0),
)
def test_windows_are_well_formed(x, y, speed, heading, rear):
    obj = _obj(x, y, speed * math.cos(heading), speed * math.sin(heading))
    for w in _windows([obj], rear=rear):
        assert isinstance(w, ConflictWindow)
        assert 0.0 <= w.t_in_s < w.t_out_s <= 8.0 + 0.1 + 1e-9
        assert w.t_out_s - w.t_in_s >= 0.1 - 1e-9
        # the stretch is ahead of the rear (less the 2 m extension) and at least 4 m long
        assert w.s_entry_m >= rear - 2.0 - 1e-9
        assert w.s_exit_m - w.s_entry_m >= 4.0 - 1e-9
        assert w.s_exit_m < 400.0 + 2.0
