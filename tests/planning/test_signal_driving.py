"""Signal-aware driving on the corridor map: camera colour onboard, SPaT and GLOSA in the system decision."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.cores.spat_service import SpatService
from coop_drive.geometry import Polyline
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.glosa import GlosaConfig, arrival_time_s
from coop_drive.planning.signal_driving import SignalDriving
from coop_drive.planning.stop_and_follow import SignalAhead, idm_accel_mps2, stop_line_accel_mps2
from coop_drive.scenario.model import AutomationLevel, EgoLimits, EgoSpec
from coop_drive.v2x.frame import decode_frame
from coop_drive.world.traffic_lights import Colour, NextSignal, TimingPlan

REPO = Path(__file__).resolve().parents[2]
V = 13.89
EGO = EgoSpec("ego", ("-2", "-5"), 180.0, V, V, AutomationLevel.L4, length_m=4.6,
              limits=EgoLimits(2.0, 3.0, 7.0))
ROUTE = ["2", "5"]
PATH = Polyline(np.array([[300.0, -1.75], [2000.0, -1.75]]))  # eastbound lane of the arterial
STOP_LINE_X = 690.0  # junction 200's eastbound stop line
NOW = 100.0
# junction 200: the arterial (link 0, from edge -2) is red at 100 s and turns green at 110 s
PLAN = TimingPlan("200", ((30.0, "GGrr"), (3.0, "yyrr"), (30.0, "rrGG"), (3.0, "rryy")), 44.0,
                  ("-2", "3", "-21", "22"))


@pytest.fixture(scope="module")
def service():
    return MapService(load_map(REPO / "maps" / "arterial_corridor.xodr"))


def _driving(service, use_spat=True, use_glosa=True, spat_at=NOW, glosa=None):
    sd = SignalDriving(service, ROUTE, EGO, use_spat=use_spat, use_glosa=use_glosa, glosa=glosa)
    if spat_at is not None:
        data = SpatService({"200": PLAN}, service.map).frame(spat_at)
        assert data is not None
        sd.spat.on_payload(decode_frame(data).payload)
    return sd


def _step(sd, x_centre, speed=V, now=NOW, own=(), fused=()):
    return sd.step(now, x_centre, -1.75, speed, PATH, x_centre - 300.0 + EGO.length_m / 2, list(own), list(fused),
                   EGO.limits.max_accel_mps2)


def _distance(x_centre):
    return STOP_LINE_X - x_centre - EGO.length_m / 2


def test_red_with_spat_slows_gentler_than_stopping_at_the_line(service):
    sd = _driving(service, use_glosa=False)
    decision = _step(sd, 600.0)
    room = _distance(600.0) - 1.0  # 86.7 m to the standoff
    stop_at_line = -V * V / (2.0 * room)
    # keep short of the line until the green at 110 s: room = V T + a T^2 / 2
    expected = 2.0 * (room - V * 10.0) / 100.0
    assert decision.system_accel_mps2 == pytest.approx(expected, abs=0.01)
    assert decision.system_accel_mps2 > stop_at_line
    assert decision.onboard_accel_mps2 is None  # no camera reading, no car ahead
    assert decision.advice_mps is None


def test_glosa_advice_reaches_the_line_after_the_green_starts(service):
    cfg = GlosaConfig(min_speed_mps=5.0, decel_mps2=1.5)  # firm braking: 87.7 m out, the advice still exists
    sd = _driving(service, glosa=cfg)
    decision = _step(sd, 600.0)
    assert decision.advice_mps is not None
    assert sd.last_advice_mps == decision.advice_mps
    assert cfg.min_speed_mps <= decision.advice_mps < V
    t = arrival_time_s(_distance(600.0) - 1.0, V, decision.advice_mps, cfg.accel_mps2, cfg.decel_mps2)
    assert t == pytest.approx(10.0 + cfg.margin_s, abs=0.05)
    # tracking the advice: gain 1/s, at most the advisory deceleration
    assert decision.system_accel_mps2 == pytest.approx(max(decision.advice_mps - V, -cfg.decel_mps2))


def test_onboard_without_the_camera_in_range_is_unconstrained(service):
    sd = _driving(service, use_spat=False, spat_at=None)
    sd.on_camera(NextSignal("200", 0, 120.0, "r"))  # beyond the 80 m camera range
    decision = _step(sd, 600.0)
    assert decision.onboard_accel_mps2 is None
    assert decision.system_accel_mps2 is None
    assert decision.advice_mps is None


def test_onboard_camera_red_stops_at_the_line(service):
    sd = _driving(service, use_spat=False, spat_at=None)
    x = 620.0
    sd.on_camera(NextSignal("200", 0, _distance(x), "r"))
    decision = _step(sd, x)
    expected = -V * V / (2.0 * (_distance(x) - 1.0))
    assert decision.onboard_accel_mps2 == pytest.approx(expected)
    assert decision.system_accel_mps2 == pytest.approx(expected)  # no SPaT: the camera is all the system has


def test_camera_signal_far_from_the_map_stop_line_is_ignored(service):
    sd = _driving(service, use_spat=False, spat_at=None)
    sd.on_camera(NextSignal("200", 0, _distance(620.0) - 15.0, "r"))
    assert _step(sd, 620.0).onboard_accel_mps2 is None


def test_stale_spat_falls_back_to_the_camera(service):
    sd = _driving(service, spat_at=NOW)
    x = 620.0
    sd.on_camera(NextSignal("200", 0, _distance(x), "r"))
    decision = _step(sd, x, now=NOW + 2.0)  # SPaT 2 s old, max age 1 s
    expected = -V * V / (2.0 * (_distance(x) - 1.0))
    assert decision.system_accel_mps2 == pytest.approx(expected)
    assert decision.advice_mps is None


def test_green_with_spat_and_a_car_ahead_follows_it(service):
    plan_green = TimingPlan("200", PLAN.phases, NOW - 5.0, PLAN.link_in_edges)  # arterial green until 125 s
    sd = SignalDriving(service, ROUTE, EGO, use_spat=True)
    data = SpatService({"200": plan_green}, service.map).frame(NOW)
    assert data is not None
    sd.spat.on_payload(decode_frame(data).payload)
    lead = ObjectEstimate(7, "mec", NOW, np.array([640.0, -1.75, 8.0, 0.0]), np.eye(4) * 0.1, 4.6, 1.8)
    decision = _step(sd, 600.0, fused=[lead])
    gap = 640.0 - 2.3 - (600.0 + 2.3)
    idm = idm_accel_mps2(V, V, gap, 8.0, 2.0)
    assert idm < 0.0
    assert decision.advice_mps == V  # arrives inside the green: the advice is the limit, no slowing for it
    assert decision.system_accel_mps2 == pytest.approx(idm)
    assert decision.onboard_accel_mps2 is None  # its own sensors do not see the car


def test_red_with_spat_needs_no_slowing_when_the_green_comes_in_time(service):
    # 8 m/s for the 10 s to the green: 80 m < 86.7 m of room
    sd = _driving(service, use_glosa=False)
    decision = _step(sd, 600.0, speed=8.0)
    assert stop_line_accel_mps2(SignalAhead(_distance(600.0), Colour.RED), 8.0, NOW, EGO.limits) < 0.0
    assert decision.system_accel_mps2 is None


@pytest.mark.parametrize(("queued_x", "green_delay_s"), [((), 0.0), ((680.0,), 2.0), ((680.0, 673.0), 4.0)])
def test_glosa_aims_behind_the_queue_discharge(service, queued_x, green_delay_s):
    plan_late = TimingPlan("200", PLAN.phases, 54.0, PLAN.link_in_edges)  # arterial red until 120 s
    sd = SignalDriving(service, ROUTE, EGO, use_spat=True)
    data = SpatService({"200": plan_late}, service.map).frame(NOW)
    assert data is not None
    sd.spat.on_payload(decode_frame(data).payload)
    queue = [ObjectEstimate(20 + k, "mec", NOW, np.array([x, -1.75, 0.0, 0.0]), np.eye(4) * 0.1, 4.6, 1.8)
             for k, x in enumerate(queued_x)]
    x = 450.0
    decision = _step(sd, x, fused=queue)
    cfg = GlosaConfig()
    assert decision.advice_mps is not None
    t = arrival_time_s(_distance(x) - 1.0, V, decision.advice_mps, cfg.accel_mps2, cfg.decel_mps2)
    assert t == pytest.approx(20.0 + green_delay_s + cfg.margin_s, abs=0.05)


def test_gentle_advice_gives_way_to_the_stop_line_near_the_junction(service):
    # with the default coast-like 0.7 m/s^2 even the slowest advice reaches the line 87.7 m ahead before the
    # green (10 s away): no advice, and the SPaT hold-short deceleration governs
    sd = _driving(service)
    decision = _step(sd, 600.0)
    assert decision.advice_mps is None
    assert decision.system_accel_mps2 is not None and decision.system_accel_mps2 < 0.0
