"""Contract of the surrogate safety measures: footprint gap and time to collision (TTC).

Cars are 4 m x 2 m unless stated; x east, y north, yaw counter-clockwise from east. The TTC is sampled every
``resolution_s`` (0.02 s by default) inside the interval in which the two bounding circles overlap, so a
contact at time T is reported in [T, T + resolution_s].
"""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coop_drive.eval.safety import box_gap_m, time_to_collision_s
from coop_drive.world.backend import ActorState

RES = 0.02  # the default sampling step [s]
H = 10.0  # the horizon used by the run metrics [s]
EAST, NORTH, WEST, SOUTH = 0.0, math.pi / 2, math.pi, -math.pi / 2
X0, Y0 = 137.0, -41.0  # an origin away from (0, 0)


def _car(
    aid: str, x: float, y: float, yaw: float = EAST, speed: float = 0.0, length: float = 4.0, width: float = 2.0
) -> ActorState:
    return ActorState(aid, x, y, yaw, speed, 0.0, length, width)


def _ttc(a: ActorState, b: ActorState, horizon: float = H, **kwargs: float) -> float:
    return time_to_collision_s(a, b, horizon, **kwargs)


# --- box gap ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "gap"),
    [
        (_car("b", 10.0, 0.0), 6.0),  # nose to tail: 10 - 2 - 2
        (_car("b", 0.0, 3.5), 1.5),  # side by side: 3.5 - 1 - 1
        (_car("b", 6.0, 4.0), math.sqrt(8.0)),  # corner (2, 1) to corner (4, 3)
        (_car("b", 5.0, 0.0, NORTH), 2.0),  # b across the road: x in [4, 6], a's front at x = 2
        (_car("b", -9.0, 0.5, WEST), 5.0),  # behind, facing the other way: -9 + 2 = -7 to a's rear at -2
    ],
)
def test_gap_between_separate_footprints(b: ActorState, gap: float) -> None:
    a = _car("a", 0.0, 0.0)
    assert box_gap_m(a, b) == pytest.approx(gap, abs=1e-9)
    assert box_gap_m(b, a) == pytest.approx(gap, abs=1e-9)


def test_gap_is_zero_for_touching_and_overlapping_footprints() -> None:
    a = _car("a", 0.0, 0.0)
    assert box_gap_m(a, _car("b", 4.0, 0.0)) == 0.0  # bumpers touch at x = 2
    assert box_gap_m(a, _car("b", 3.0, 0.5)) == 0.0  # 1 m overlap
    assert box_gap_m(a, _car("b", 0.0, 0.0, NORTH)) == 0.0  # crossed on top of each other


def test_gap_uses_each_actors_own_size() -> None:
    a = _car("a", 0.0, 0.0, length=12.0, width=2.5)  # a bus: front at x = 6
    b = _car("b", 10.0, 0.0, length=2.0, width=0.8)  # a bike: rear at x = 9
    assert box_gap_m(a, b) == pytest.approx(3.0)
    assert box_gap_m(b, a) == pytest.approx(3.0)


# --- time to collision: known values ---------------------------------------------------------------


def test_head_on() -> None:
    # 30 m between centres, 4 m of car halves: 26 m closed at 10 + 10 m/s -> 1.3 s
    a = _car("a", 0.0, 0.0, EAST, 10.0)
    b = _car("b", 30.0, 0.0, WEST, 10.0)
    assert 1.3 - 1e-9 <= _ttc(a, b) <= 1.3 + RES + 1e-9
    assert 1.3 - 1e-9 <= _ttc(b, a) <= 1.3 + RES + 1e-9


def test_rear_end() -> None:
    # 20 m between centres -> 16 m gap, closed at 15 - 10 = 5 m/s -> 3.2 s
    a = _car("a", 0.0, 0.0, EAST, 15.0)
    b = _car("b", 20.0, 0.0, EAST, 10.0)
    assert 3.2 - 1e-9 <= _ttc(a, b) <= 3.2 + RES + 1e-9


def test_rear_end_onto_a_standing_car_at_walking_pace() -> None:
    # 0.5 m gap closed at 0.1 m/s -> 5 s
    a = _car("a", 0.0, 0.0, EAST, 0.1)
    b = _car("b", 4.5, 0.0, EAST, 0.0)
    assert 5.0 - 1e-9 <= _ttc(a, b) <= 5.0 + RES + 1e-9


def test_even_a_very_slow_closing_speed_is_a_collision_course() -> None:
    # 5 micrometres closed at 1 micrometre per second -> 5 s
    a = _car("a", 0.0, 0.0, EAST, 1e-6)
    b = _car("b", 4.0 + 5e-6, 0.0, EAST, 0.0)
    assert 5.0 - 1e-6 <= _ttc(a, b) <= 5.0 + RES + 1e-6


def test_early_contact_within_the_first_second() -> None:
    # 2 m gap closed at 20 m/s -> 0.1 s
    a = _car("a", 0.0, 0.0, EAST, 20.0)
    b = _car("b", 6.0, 0.0, EAST, 0.0)
    assert 0.1 - 1e-9 <= _ttc(a, b) <= 0.1 + RES + 1e-9


def test_receding_pairs_have_no_collision_course() -> None:
    assert _ttc(_car("a", 0.0, 0.0, EAST, 10.0), _car("b", 20.0, 0.0, EAST, 20.0)) == H  # lead pulls away
    assert _ttc(_car("a", 0.0, 0.0, WEST, 10.0), _car("b", 20.0, 0.0, EAST, 10.0)) == H  # back to back
    assert _ttc(_car("a", 0.0, 0.0, EAST, 10.0), _car("b", -5.0, 0.0, WEST, 10.0)) == H  # just passed


def test_parallel_pairs_have_no_collision_course() -> None:
    # same velocity: nothing ever changes
    assert _ttc(_car("a", 0.0, 0.0, EAST, 10.0), _car("b", 0.0, 3.5, EAST, 10.0)) == H
    assert _ttc(_car("a", 0.0, 0.0, EAST, 10.0), _car("b", 4.5, 0.0, EAST, 10.0)) == H  # 0.5 m apart, forever
    # overtaking in the next lane (1.5 m lateral gap): the bounding circles overlap, the boxes never do
    assert _ttc(_car("a", 0.0, 0.0, EAST, 20.0), _car("b", 10.0, 3.5, EAST, 10.0)) == H
    # both standing
    assert _ttc(_car("a", 0.0, 0.0), _car("b", 5.0, 0.0)) == H


def test_perpendicular_paths_that_meet() -> None:
    # a eastbound from x = -20, b northbound from y = -20, both at 10 m/s. a's front reaches b's left side
    # (x = -1) at x_a = -3 -> t = 1.7 s; b's front reaches a's right side (y = -1) at y_b = -3 -> t = 1.7 s
    a = _car("a", -20.0, 0.0, EAST, 10.0)
    b = _car("b", 0.0, -20.0, NORTH, 10.0)
    assert 1.7 - 1e-9 <= _ttc(a, b) <= 1.7 + RES + 1e-9
    assert _ttc(a, b) == _ttc(b, a)


def test_perpendicular_paths_that_miss_by_twenty_centimetres() -> None:
    # a leaves b's path (rear past x = 1) at t = 2.3 s; b from y = -26.2 reaches a's path (front at y = -1)
    # at t = (26.2 - 3) / 10 = 2.32 s: b passes 0.2 m behind a
    a = _car("a", -20.0, 0.0, EAST, 10.0)
    b = _car("b", 0.0, -26.2, NORTH, 10.0)
    assert _ttc(a, b) == H
    # b from y = -13.8 has passed (rear at y = 1.2 > 1) when a's front reaches it at t = 1.7 s
    assert _ttc(a, _car("b", 0.0, -13.8, NORTH, 10.0)) == H


def test_overlapping_or_touching_pairs_are_at_zero() -> None:
    a = _car("a", 0.0, 0.0, EAST, 10.0)
    assert _ttc(a, _car("b", 3.0, 0.0, EAST, 30.0)) == 0.0  # overlapping, even though b pulls away
    assert _ttc(a, _car("b", 4.0, 0.0, EAST, 20.0)) == 0.0  # bumpers touching
    assert _ttc(_car("a", 0.0, 0.0), _car("b", 1.0, 1.0, NORTH)) == 0.0  # standing, overlapping


def test_contact_exactly_at_the_horizon_and_beyond_it() -> None:
    # rear-end with contact at 3.2 s (16 m gap at 5 m/s)
    a = _car("a", 0.0, 0.0, EAST, 15.0)
    b = _car("b", 20.0, 0.0, EAST, 10.0)
    assert _ttc(a, b, horizon=3.2) == pytest.approx(3.2)
    assert _ttc(a, b, horizon=3.0) == 3.0  # contact after the horizon: capped
    assert 3.2 - 1e-9 <= _ttc(a, b, horizon=3.21) <= 3.21  # never beyond the horizon
    assert 3.2 - 1e-9 <= _ttc(a, b, horizon=100.0) <= 3.2 + RES + 1e-9  # the horizon does not move the contact


def test_contact_beyond_a_long_horizon_is_not_reported() -> None:
    # 96 m gap at 5 m/s -> 19.2 s: beyond 10 s, within 30 s
    a = _car("a", 0.0, 0.0, EAST, 15.0)
    b = _car("b", 100.0, 0.0, EAST, 10.0)
    assert _ttc(a, b) == H
    assert 19.2 - 1e-9 <= _ttc(a, b, horizon=30.0) <= 19.2 + RES + 1e-9


def test_boxes_are_sampled_every_resolution_step_from_the_bounding_circles_first_contact() -> None:
    # head-on, 30 m apart at 20 m/s: bounding circles (radius sqrt(2^2 + 1^2) each) meet at
    # t0 = (30 - 2 sqrt(5)) / 20 = 1.5 - sqrt(5) / 10 = 1.27639 s; the boxes overlap from 1.3 s to 1.7 s
    a = _car("a", X0, Y0, EAST, 10.0)
    b = _car("b", X0 + 30.0, Y0, WEST, 10.0)
    t0 = 1.5 - math.sqrt(5.0) / 10.0
    assert _ttc(a, b, resolution_s=0.4) == pytest.approx(t0 + 0.4)  # t0: apart; t0 + 0.4 = 1.676: overlap
    assert _ttc(a, b, resolution_s=0.3) == pytest.approx(t0 + 0.3)
    # rear-end, 20 m apart at 5 m/s: circles meet at (20 - 2 sqrt(5)) / 5 = 3.10557 s, boxes from 3.2 s to 4.8 s
    c = _car("c", X0, Y0, EAST, 15.0)
    d = _car("d", X0 + 20.0, Y0, EAST, 10.0)
    t0 = 4.0 - 2.0 * math.sqrt(5.0) / 5.0
    assert _ttc(c, d, resolution_s=0.4) == pytest.approx(t0 + 0.4)
    assert _ttc(c, d, resolution_s=1.5) == pytest.approx(t0 + 1.5)


def test_bounding_circles_use_each_actors_own_size() -> None:
    # a 8 m x 6 m (circle radius 5) at 10 m/s onto a standing 6 m x 8 m (radius 5), 30 m ahead: the circles
    # meet at (30 - 10) / 10 = 2 s, the boxes (a's front at +4, b's rear at -3) at (30 - 4 - 3) / 10 = 2.3 s;
    # samples at 2.0 and 2.35 s
    a = _car("a", X0, Y0, EAST, 10.0, length=8.0, width=6.0)
    b = _car("b", X0 + 30.0, Y0, EAST, 0.0, length=6.0, width=8.0)
    assert _ttc(a, b, resolution_s=0.35) == pytest.approx(2.35)
    assert _ttc(b, a, resolution_s=0.35) == pytest.approx(2.35)
    # a standing 4 m x 2 m car instead (radius sqrt(5)): circles meet at (30 - 5 - sqrt(5)) / 10 = 2.2764 s,
    # boxes at (30 - 4 - 2) / 10 = 2.4 s; samples at 2.2764 and 2.6264 s
    small = _car("s", X0 + 30.0, Y0, EAST, 0.0)
    assert _ttc(a, small, resolution_s=0.35) == pytest.approx((25.0 - math.sqrt(5.0)) / 10.0 + 0.35)


def test_the_default_resolution_is_twenty_milliseconds() -> None:
    # contact at 1.3 s: with 20 ms sampling it is reported within 20 ms
    a = _car("a", 0.0, 0.0, EAST, 10.0)
    b = _car("b", 30.0, 0.0, WEST, 10.0)
    assert _ttc(a, b) < 1.3 + 0.0201


def test_lateral_motion_counts() -> None:
    # b, 4 m wide across a's lane, comes down from the north at 1 m/s: its front (y = 3 - 1) is 1 m from a's
    # left side (y = 1) -> 1 s
    a = _car("a", X0, Y0, EAST, 0.0)
    b = _car("b", X0, Y0 + 3.0, SOUTH, 1.0, length=2.0, width=4.0)
    assert 1.0 - 1e-9 <= _ttc(a, b) <= 1.0 + RES + 1e-9
    # c drives north at 4 m/s into d standing across its lane 5 m ahead: gap 5 - 2 - 1 = 2 m -> 0.5 s
    c = _car("c", X0, Y0, NORTH, 4.0)
    d = _car("d", X0, Y0 + 5.0, EAST, 0.0)
    assert 0.5 - 1e-9 <= _ttc(c, d) <= 0.5 + RES + 1e-9
    assert _ttc(_car("f", X0, Y0, SOUTH, 4.0), d) == H  # driving away from d


# --- properties ------------------------------------------------------------------------------------

_coord = st.floats(-30.0, 30.0, allow_nan=False)
_speed = st.floats(0.0, 20.0, allow_nan=False)
_yaw = st.floats(-math.pi, math.pi, allow_nan=False)
_len = st.floats(1.0, 12.0, allow_nan=False)
_wid = st.floats(0.5, 3.0, allow_nan=False)
_actor = st.builds(
    lambda x, y, yaw, v, ln, w: ActorState("x", x, y, yaw, v, 0.0, ln, w), _coord, _coord, _yaw, _speed, _len, _wid
)


@settings(max_examples=50, deadline=None)
@given(_actor, _actor, st.floats(0.5, 10.0))
def test_ttc_is_symmetric_and_within_the_horizon(a: ActorState, b: ActorState, horizon: float) -> None:
    t = time_to_collision_s(a, b, horizon, 0.1)
    assert t == time_to_collision_s(b, a, horizon, 0.1)
    assert 0.0 <= t <= horizon


@settings(max_examples=50, deadline=None)
@given(_actor, _actor)
def test_gap_is_non_negative_symmetric_and_zero_exactly_when_ttc_is(a: ActorState, b: ActorState) -> None:
    gap = box_gap_m(a, b)
    assert gap >= 0.0
    assert gap == pytest.approx(box_gap_m(b, a), abs=1e-9)
    # the centres can be no closer than the gap
    assert gap <= math.hypot(a.x_m - b.x_m, a.y_m - b.y_m) + 1e-9
    assert (gap == 0.0) == (time_to_collision_s(a, b, 1.0, 0.5) == 0.0)


def _slab(p: float, v: float, half: float) -> tuple[float, float]:
    """Times in which |p + v t| <= half (the whole line when v = 0 and |p| <= half; empty when v = 0 else)."""
    if abs(v) < 1e-9:
        return (-math.inf, math.inf) if abs(p) <= half else (math.inf, -math.inf)
    t1, t2 = (-half - p) / v, (half - p) / v
    return min(t1, t2), max(t1, t2)


_axis_yaw = st.sampled_from([EAST, NORTH, WEST, SOUTH])


@settings(max_examples=60, deadline=None)
@given(_coord, _coord, _axis_yaw, _speed, _len, _wid, _coord, _coord, _axis_yaw, _speed, _len, _wid)
def test_ttc_of_axis_aligned_boxes_matches_the_swept_box_contact(
    xa: float,
    ya: float,
    yaw_a: float,
    va: float,
    la: float,
    wa: float,
    xb: float,
    yb: float,
    yaw_b: float,
    vb: float,
    lb: float,
    wb: float,
) -> None:
    a = ActorState("a", xa, ya, yaw_a, va, 0.0, la, wa)
    b = ActorState("b", xb, yb, yaw_b, vb, 0.0, lb, wb)
    res = 0.1

    def half(yaw: float, length: float, width: float) -> tuple[float, float]:
        along_x = abs(math.cos(yaw)) > 0.5
        return (length / 2, width / 2) if along_x else (width / 2, length / 2)

    (hxa, hya), (hxb, hyb) = half(yaw_a, la, wa), half(yaw_b, lb, wb)
    # b relative to a: overlap while |dx + dvx t| <= hxa + hxb and |dy + dvy t| <= hya + hyb
    sx = _slab(xb - xa, b.vx_mps - a.vx_mps, hxa + hxb)
    sy = _slab(yb - ya, b.vy_mps - a.vy_mps, hya + hyb)
    t_in, t_out = max(sx[0], sy[0]), min(sx[1], sy[1])
    assume(t_in > 1e-3)  # apart now (overlap at t = 0 is covered above)
    if t_in > t_out + 1e-6 or t_in > H + 1e-6:
        assert time_to_collision_s(a, b, H, res) == H
    else:
        assume(t_out - t_in > res + 1e-3 and t_in < H - res)  # a contact too brief to sample is not promised
        assert t_in - 1e-6 <= time_to_collision_s(a, b, H, res) <= t_in + res + 1e-6
