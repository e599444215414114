"""Signal driving contract on the corridor map: camera range and tolerance, SPaT states, amber stop/go, the
queue shift, and what goes into the system, onboard, following and envelope constraints."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.geometry import Polyline
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning import signal_driving
from coop_drive.planning.glosa import GlosaConfig
from coop_drive.planning.signal_driving import SignalDecision, SignalDriving
from coop_drive.planning.stop_and_follow import idm_accel_mps2
from coop_drive.scenario.model import AutomationLevel, EgoLimits, EgoSpec
from coop_drive.v2x.messages import IntersectionState, MovementPhaseState, MovementState, Spat
from coop_drive.world.traffic_lights import NextSignal

REPO = Path(__file__).resolve().parents[2]
V = 13.89
EGO = EgoSpec("ego", ("-2", "-5"), 180.0, V, V, AutomationLevel.L4, length_m=4.6, limits=EgoLimits(2.0, 3.0, 7.0))
ROUTE = ["2", "5"]
PATH = Polyline(np.array([[300.0, -1.75], [2000.0, -1.75]]))  # eastbound lane of the arterial
STOP_LINE_X = 690.0  # junction 200's eastbound stop line; the arterial is its signal group 1
NOW = 100.0
S = MovementPhaseState


@pytest.fixture(scope="module")
def service():
    return MapService(load_map(REPO / "maps" / "arterial_corridor.xodr"))


def _spat(events, time_s=NOW, group=1):
    """A SPaT for junction 200: the group's (state, end time) events in order."""
    movements = tuple(MovementState(group, state, end, end, end, 1.0) for state, end in events)
    return Spat(0, time_s, (IntersectionState(200, movements),))


def _driving(service, events=None, spat_time=NOW, **kw):
    sd = SignalDriving(service, ROUTE, EGO, use_spat=kw.pop("use_spat", True), **kw)
    if events is not None:
        sd.spat.on_spat(_spat(events, spat_time))
    return sd


def _step(sd, x_centre, speed=V, now=NOW, own=(), fused=(), max_accel=2.0, y=-1.75):
    return sd.step(
        now, x_centre, y, speed, PATH, x_centre - 300.0 + EGO.length_m / 2, list(own), list(fused), max_accel
    )


def _distance(x_centre):
    return STOP_LINE_X - x_centre - EGO.length_m / 2


def _stop_at_line(x_centre, speed=V):
    return -speed * speed / (2.0 * (_distance(x_centre) - 1.0))


def _car(oid, x, vx=0.0):
    return ObjectEstimate(oid, "mec", NOW, np.array([x, -1.75, vx, 0.0]), np.eye(4) * 0.1, 4.6, 1.8)


def test_documented_constants():
    assert signal_driving.CAMERA_RANGE_M == 80.0
    assert signal_driving.ADVICE_GAIN_PER_S == 1.0
    assert signal_driving.SAME_SIGNAL_TOLERANCE_M == 10.0
    assert signal_driving.QUEUE_HEADWAY_S == 2.0


# ---------------------------------------------------------------------------------------------------- camera


def test_camera_reads_the_signal_exactly_at_its_range(service):
    sd = _driving(service, use_spat=False)
    sd.on_camera(NextSignal("200", 0, 80.0, "r"))
    assert _step(sd, 610.0).onboard_accel_mps2 == pytest.approx(_stop_at_line(610.0))
    sd.on_camera(NextSignal("200", 0, 80.01, "r"))
    assert _step(sd, 610.0).onboard_accel_mps2 is None
    sd.on_camera(NextSignal("200", 0, 70.0, "r"))
    sd.on_camera(None)  # nothing in sight any more
    assert _step(sd, 610.0).onboard_accel_mps2 is None


def test_camera_range_is_a_setting(service):
    sd = _driving(service, use_spat=False, camera_range_m=50.0)
    sd.on_camera(NextSignal("200", 0, _distance(620.0), "r"))  # 67.7 m > 50 m
    assert _step(sd, 620.0).onboard_accel_mps2 is None
    sd = _driving(service, use_spat=False, camera_range_m=100.0)
    sd.on_camera(NextSignal("200", 0, 90.0, "r"))
    assert _step(sd, 600.0).onboard_accel_mps2 == pytest.approx(_stop_at_line(600.0))


def test_camera_signal_within_ten_metres_of_the_map_stop_line_is_the_same(service):
    sd = _driving(service, use_spat=False)
    sd.on_camera(NextSignal("200", 0, _distance(620.0) + 10.0, "r"))
    assert _step(sd, 620.0).onboard_accel_mps2 == pytest.approx(_stop_at_line(620.0))
    sd.on_camera(NextSignal("200", 0, _distance(620.0) - 10.0, "r"))
    assert _step(sd, 620.0).onboard_accel_mps2 == pytest.approx(_stop_at_line(620.0))
    sd.on_camera(NextSignal("200", 0, _distance(620.0) + 10.01, "r"))
    assert _step(sd, 620.0).onboard_accel_mps2 is None


def test_own_following_and_camera_combine_to_the_harder(service):
    x = 620.0
    sd = _driving(service, use_spat=False)
    sd.on_camera(NextSignal("200", 0, _distance(x), "r"))
    stop = _stop_at_line(x)  # -1.45
    gentle = _car(8, 680.0, V)  # far ahead at the same speed: hardly any braking
    decision = _step(sd, x, own=[gentle], fused=[gentle])
    follow = idm_accel_mps2(V, V, 680.0 - 2.3 - 622.3, V, 2.0)
    assert stop < follow < 0.0
    assert decision.onboard_accel_mps2 == pytest.approx(stop)
    assert decision.follow_accel_mps2 == pytest.approx(follow)
    assert decision.system_accel_mps2 == pytest.approx(stop)
    harsh = _car(9, 630.0, 0.0)  # standing 3.4 m ahead
    decision = _step(sd, x, own=[harsh], fused=[harsh])
    assert decision.onboard_accel_mps2 == -7.0
    assert decision.system_accel_mps2 == -7.0


def test_camera_colours(service):
    x = 620.0
    for state, expected in (("G", None), ("O", None), ("y", None), ("u", _stop_at_line(x))):
        sd = _driving(service, use_spat=False)
        sd.on_camera(NextSignal("200", 0, _distance(x), state))
        decision = _step(sd, x)
        # amber 67.7 m ahead at 13.89 m/s needs 1.45 m/s^2 <= comfort: stops; but only colour counts here
        if state == "y":
            assert decision.onboard_accel_mps2 == pytest.approx(_stop_at_line(x))
        else:
            assert decision.onboard_accel_mps2 == (None if expected is None else pytest.approx(expected))


def test_camera_amber_go_when_too_close_to_stop_comfortably(service):
    # 7.7 m ahead (6.7 m of room) at 13.89 m/s: 14.4 m/s^2 needed > 3 -> go
    sd = _driving(service, use_spat=False)
    sd.on_camera(NextSignal("200", 0, _distance(680.0), "y"))
    decision = _step(sd, 680.0)
    assert decision.onboard_accel_mps2 is None and decision.system_accel_mps2 is None
    # 6 m/s: 36 / 13.4 = 2.69 <= 3 -> stop
    decision = _step(sd, 680.0, speed=6.0)
    assert decision.onboard_accel_mps2 == pytest.approx(-36.0 / (2.0 * 6.7))


def test_camera_red_is_held_in_every_constraint_but_following(service):
    sd = _driving(service, use_spat=False)
    sd.on_camera(NextSignal("200", 0, _distance(620.0), "r"))
    expected = _stop_at_line(620.0)
    decision = _step(sd, 620.0)
    assert decision == SignalDecision(
        pytest.approx(expected), pytest.approx(expected), None, None, pytest.approx(expected)
    )


# ------------------------------------------------------------------------------------------------------ SPaT


def test_spat_red_holds_short_until_the_green(service):
    # red until 110 s, green until 140 s; 86.7 m of room at 13.89 m/s for 10 s: a = 2 (86.7 - 138.9) / 100
    sd = _driving(
        service, [(S.STOP_AND_REMAIN, NOW + 10.0), (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 40.0)], use_glosa=False
    )
    decision = _step(sd, 600.0)
    expected = 2.0 * (86.7 - V * 10.0) / 100.0
    assert decision.system_accel_mps2 == pytest.approx(expected)
    assert decision.envelope_accel_mps2 == pytest.approx(expected)
    assert decision.onboard_accel_mps2 is None  # the camera sees nothing at 87.7 m
    assert decision.follow_accel_mps2 is None
    assert decision.advice_mps is None


@pytest.mark.parametrize(
    "state", [S.STOP_AND_REMAIN, S.STOP_THEN_PROCEED, S.PRE_MOVEMENT, S.CAUTION_CONFLICTING_TRAFFIC]
)
def test_spat_states_that_mean_do_not_go_yet(service, state):
    # without a known green: stop at the line
    sd = _driving(service, [(state, None)], use_glosa=False)
    assert _step(sd, 620.0).system_accel_mps2 == pytest.approx(_stop_at_line(620.0))


@pytest.mark.parametrize("state", [S.PROTECTED_MOVEMENT_ALLOWED, S.PERMISSIVE_MOVEMENT_ALLOWED, S.DARK, S.UNAVAILABLE])
def test_spat_states_that_do_not_hold_the_car(service, state):
    sd = _driving(service, [(state, None)], use_glosa=False)
    sd.on_camera(NextSignal("200", 0, _distance(620.0), "r"))  # the SPaT is what the system believes
    decision = _step(sd, 620.0)
    assert decision.system_accel_mps2 is None
    assert decision.envelope_accel_mps2 is None
    assert decision.onboard_accel_mps2 == pytest.approx(_stop_at_line(620.0))  # the camera alone


@pytest.mark.parametrize("state", [S.PERMISSIVE_CLEARANCE, S.PROTECTED_CLEARANCE])
def test_spat_amber_stops_only_when_comfortable(service, state):
    events = [(state, NOW + 3.0), (S.STOP_AND_REMAIN, NOW + 30.0), (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 60.0)]
    sd = _driving(service, events, use_glosa=False)
    # 67.7 m ahead: 13.89^2 / (2 * 66.7) = 1.45 <= 3 -> stop at the line (the next green does not matter)
    assert _step(sd, 620.0).system_accel_mps2 == pytest.approx(_stop_at_line(620.0))
    # 7.7 m ahead: far beyond comfort -> go
    assert _step(sd, 680.0).system_accel_mps2 is None


def test_spat_green_now_with_a_later_green_does_not_hold(service):
    events = [
        (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 2.0),
        (S.PERMISSIVE_CLEARANCE, NOW + 5.0),
        (S.STOP_AND_REMAIN, NOW + 30.0),
        (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 60.0),
    ]
    sd = _driving(service, events, use_glosa=False)
    assert _step(sd, 620.0).system_accel_mps2 is None


def test_spat_off_the_route_or_disabled_is_ignored(service):
    events = [(S.STOP_AND_REMAIN, None)]
    sd = _driving(service, events, use_spat=False)
    decision = _step(sd, 620.0)
    assert decision == SignalDecision(None, None, None, None, None)
    # another signal group of the junction
    sd = SignalDriving(service, ROUTE, EGO, use_spat=True)
    sd.spat.on_spat(_spat(events, group=2))
    assert _step(sd, 620.0).system_accel_mps2 is None


def test_spat_age_limit_is_a_setting(service):
    events = [(S.STOP_AND_REMAIN, None)]
    sd = _driving(service, events, max_spat_age_s=2.0, use_glosa=False)
    assert _step(sd, 620.0, now=NOW + 2.0).system_accel_mps2 == pytest.approx(_stop_at_line(620.0))
    assert _step(sd, 620.0, now=NOW + 2.01).system_accel_mps2 is None


def test_no_advice_before_the_first_cycle(service):
    assert _driving(service).last_advice_mps is None


def test_with_the_front_past_the_stop_line_the_signal_no_longer_holds(service):
    # centre exactly at junction 200's stop line: the front is 2.3 m past it, the car goes on
    sd = _driving(service, [(S.STOP_AND_REMAIN, None)])
    sd.on_camera(NextSignal("200", 0, 0.0, "r"))
    assert _step(sd, 690.0) == SignalDecision(None, None, None, None, None)


def test_inside_the_last_junction_nothing_holds(service):
    # inside junction 400 (no stop line ahead any more)
    sd = _driving(service, [(S.STOP_AND_REMAIN, None)])
    assert _step(sd, 1500.0) == SignalDecision(None, None, None, None, None)


def test_off_the_map_nothing_but_car_following(service):
    sd = _driving(service, [(S.STOP_AND_REMAIN, None)])
    lead = _car(3, 650.0, 5.0)
    decision = _step(sd, 600.0, y=500.0, own=[lead], fused=[lead])
    idm = idm_accel_mps2(V, V, 650.0 - 2.3 - 602.3, 5.0, 2.0)
    assert decision == SignalDecision(
        pytest.approx(idm), pytest.approx(idm), None, pytest.approx(idm), pytest.approx(idm)
    )
    assert sd.last_advice_mps is None


# ------------------------------------------------------------------------------------------- car following


def test_following_is_floored_at_the_car_braking_limit(service):
    sd = _driving(service, use_spat=False)
    close = _car(5, 606.0)  # 1.4 m ahead, standing: IDM asks for far more than 7 m/s^2
    decision = _step(sd, 600.0, own=[close], fused=[close])
    assert decision == SignalDecision(-7.0, -7.0, None, -7.0, -7.0)


def test_following_uses_the_given_max_accel(service):
    sd = _driving(service, use_spat=False)
    lead = _car(5, 700.0, V)
    own = [lead]
    decision = _step(sd, 500.0, speed=5.0, own=own, fused=own, max_accel=1.0)
    gap = 700.0 - 2.3 - 502.3
    expected = idm_accel_mps2(5.0, V, gap, V, 1.0)
    assert expected != pytest.approx(idm_accel_mps2(5.0, V, gap, V, 2.0))
    assert decision.system_accel_mps2 == pytest.approx(expected)
    assert decision.onboard_accel_mps2 == pytest.approx(expected)
    assert decision.follow_accel_mps2 == pytest.approx(expected)


def test_own_and_fused_pictures_feed_their_own_constraints(service):
    # red with SPaT at 600 m; the own radar sees a slow car, the fused picture a farther one
    sd = _driving(
        service, [(S.STOP_AND_REMAIN, NOW + 10.0), (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 40.0)], use_glosa=False
    )
    near, far = _car(1, 640.0, 8.0), _car(2, 670.0, 8.0)
    decision = _step(sd, 600.0, own=[near], fused=[far])
    idm_own = idm_accel_mps2(V, V, 640.0 - 2.3 - 602.3, 8.0, 2.0)
    idm_fused = idm_accel_mps2(V, V, 670.0 - 2.3 - 602.3, 8.0, 2.0)
    hold = 2.0 * (86.7 - V * 10.0) / 100.0
    assert decision.onboard_accel_mps2 == pytest.approx(idm_own)  # no camera reading
    assert decision.follow_accel_mps2 == pytest.approx(idm_own)
    assert decision.system_accel_mps2 == pytest.approx(min(idm_fused, hold))
    assert decision.envelope_accel_mps2 == pytest.approx(min(idm_own, hold))


# -------------------------------------------------------------------------------------------------- GLOSA


def test_advice_at_the_limit_inside_the_green_does_not_constrain(service):
    sd = _driving(service, [(S.PROTECTED_MOVEMENT_ALLOWED, NOW + 30.0), (S.PERMISSIVE_CLEARANCE, NOW + 33.0)])
    decision = _step(sd, 600.0)
    assert decision.advice_mps == V
    assert decision.system_accel_mps2 == pytest.approx(0.0)  # tracking V at V
    assert sd.last_advice_mps == V


def test_advice_tracking_is_proportional_and_floored(service):
    cfg = GlosaConfig(decel_mps2=1.0)
    # 236.7 m to the standoff take 17.04 s at V; the green opens (+1 s margin) at 17.5 s: advice a little below V,
    # and cruising at V reaches the line only after the green starts (229 m in 16.5 s): no hold-short
    sd = _driving(service, [(S.STOP_AND_REMAIN, NOW + 16.5), (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 50.0)], glosa=cfg)
    decision = _step(sd, 450.0)
    advice = decision.advice_mps
    assert advice is not None and V - 1.0 < advice < V
    assert decision.system_accel_mps2 == pytest.approx(advice - V)  # 1/s * (advice - v)
    assert decision.envelope_accel_mps2 is None  # the envelope takes no advice
    # red until 120 s at 18.89 m/s: the advice is far below the speed, the tracking floored at -1 m/s^2;
    # the hold-short needs only 2 (236.7 - 18.89 * 20) / 400 = -0.71
    sd = _driving(service, [(S.STOP_AND_REMAIN, NOW + 20.0), (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 50.0)], glosa=cfg)
    fast = _step(sd, 450.0, speed=V + 5.0)
    assert fast.advice_mps is not None and fast.advice_mps < V + 5.0 - 1.0
    assert fast.system_accel_mps2 == pytest.approx(-1.0)
    assert fast.envelope_accel_mps2 == pytest.approx(2.0 * (236.7 - (V + 5.0) * 20.0) / 400.0)


def test_no_advice_without_glosa_or_spat(service):
    events = [(S.STOP_AND_REMAIN, NOW + 20.0), (S.PROTECTED_MOVEMENT_ALLOWED, NOW + 50.0)]
    sd = _driving(service, events, use_glosa=False)
    assert _step(sd, 450.0).advice_mps is None
    assert sd.last_advice_mps is None
    sd = _driving(service, events)
    assert _step(sd, 450.0).advice_mps is not None
    assert _step(sd, 450.0, now=NOW + 1.5).advice_mps is None  # the SPaT is stale now
    assert sd.last_advice_mps is None


def test_a_queue_does_not_delay_a_green_that_is_on(service):
    # green now until 130 s, two cars standing at the line: 47.7 m at V takes 3.4 s, well inside the green
    events = [(S.PROTECTED_MOVEMENT_ALLOWED, NOW + 30.0), (S.PERMISSIVE_CLEARANCE, NOW + 33.0)]
    sd = _driving(service, events)
    queue = [_car(21, 680.0), _car(22, 673.0)]
    assert _step(sd, 640.0, fused=queue).advice_mps == V


class _RouteOnlyMap:
    """The corridor map, answering stop line and signal group only for a path along a given route."""

    def __init__(self, service):
        self._service = service
        self.map = service.map

    def match(self, x_m, y_m, yaw_rad, route):
        return self._service.match(x_m, y_m, yaw_rad, route)

    def distance_to_stop_line(self, match, route=None):
        return None if route is None else self._service.distance_to_stop_line(match, route)

    def signal_group(self, match, route=None):
        return None if route is None else self._service.signal_group(match, route)


def test_stop_line_and_signal_group_are_looked_up_along_the_route(service):
    sd = SignalDriving(_RouteOnlyMap(service), ROUTE, EGO, use_spat=True, use_glosa=False)
    sd.spat.on_spat(_spat([(S.STOP_AND_REMAIN, None)]))
    assert _step(sd, 620.0).system_accel_mps2 == pytest.approx(_stop_at_line(620.0))
