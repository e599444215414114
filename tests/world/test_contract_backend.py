"""Contract of the world's plain data types and of collision detection on our own oriented boxes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.geometry import OrientedBox
from coop_drive.world.backend import ActorState, Building, SignalState, WorldBackend
from coop_drive.world.collision import ego_collisions


def _car(aid: str, x: float, y: float, yaw: float = 0.0, length: float = 4.6, width: float = 1.8) -> ActorState:
    return ActorState(aid, x, y, yaw, 10.0, 0.0, length, width)


# -- ActorState ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaw", "vx", "vy"),
    [
        (0.0, 10.0, 0.0),  # east
        (math.pi / 2, 0.0, 10.0),  # north
        (math.pi, -10.0, 0.0),  # west
        (-math.pi / 2, 0.0, -10.0),  # south
        (math.pi / 6, 10.0 * math.sqrt(3) / 2, 5.0),  # 30 deg: cos = sqrt(3)/2, sin = 1/2
    ],
)
def test_velocity_components_follow_the_heading(yaw, vx, vy):
    state = ActorState("a", 0.0, 0.0, yaw, 10.0, 0.0, 4.6, 1.8)
    assert state.vx_mps == pytest.approx(vx, abs=1e-12)
    assert state.vy_mps == pytest.approx(vy, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(yaw=st.floats(-10.0, 10.0), speed=st.floats(0.0, 60.0))
def test_velocity_magnitude_is_the_speed(yaw, speed):
    state = ActorState("a", 0.0, 0.0, yaw, speed, 0.0, 4.6, 1.8)
    assert math.hypot(state.vx_mps, state.vy_mps) == pytest.approx(speed, abs=1e-9)


def test_box_is_the_footprint_centred_on_the_state():
    state = ActorState("a", 1.0, 2.0, math.pi / 2, 5.0, 0.3, 4.0, 2.0)
    assert state.box() == OrientedBox(1.0, 2.0, math.pi / 2, 4.0, 2.0)
    # heading north, 4 m long, 2 m wide: front-left (0, 4), rear-left (0, 0), rear-right (2, 0), front-right (2, 4)
    assert state.box().corners() == pytest.approx(np.array([[0.0, 4.0], [0.0, 0.0], [2.0, 0.0], [2.0, 4.0]]))


# -- Building, SignalState ----------------------------------------------------------------------------------


def test_building_accepts_a_triangle_and_larger_outlines():
    assert Building("t", np.zeros((3, 2))).building_id == "t"
    assert np.shape(Building("q", np.zeros((5, 2))).outline_xy_m) == (5, 2)


@pytest.mark.parametrize(
    ("outline", "shape"),
    [
        (np.zeros((2, 2)), r"\(2, 2\)"),
        (np.zeros((4, 3)), r"\(4, 3\)"),
        (np.zeros(6), r"\(6,\)"),
        (np.zeros((4, 2, 1)), r"\(4, 2, 1\)"),
    ],
)
def test_building_rejects_outlines_that_are_not_n_by_2_with_n_at_least_3(outline, shape):
    with pytest.raises(AssertionError, match=r"outline must be \(N>=3, 2\), got " + shape):
        Building("b", outline)


def test_signal_state_holds_one_character_per_link():
    state = SignalState("200", "GGrr")
    assert (state.controller_id, state.link_states) == ("200", "GGrr")


class _Minimal(WorldBackend):
    def start(self, scenario):  # type: ignore[no-untyped-def]
        pass

    def spawn_actor(self, spec):  # type: ignore[no-untyped-def]
        pass

    def tick(self) -> None:
        pass

    @property
    def time_s(self) -> float:
        return 0.0

    def actor_states(self):  # type: ignore[no-untyped-def]
        return {}

    def command_ego_speed(self, speed_mps: float) -> None:
        pass

    def ego_travelled_m(self) -> float:
        return 0.0

    def ego_arrived(self) -> bool:
        return False

    def ego_route_path(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def buildings(self):  # type: ignore[no-untyped-def]
        return []

    def signal_states(self):  # type: ignore[no-untyped-def]
        return {}

    def close(self) -> None:
        pass


def test_optional_backend_features_answer_none_or_empty():
    world = _Minimal()
    assert world.ego_next_signal() is None
    assert world.signal_plans() == {}
    assert world.ego_fuel_rate_mgps() is None


# -- collisions ---------------------------------------------------------------------------------------------


def test_no_ego_no_collisions():
    assert ego_collisions({"a": _car("a", 0.0, 0.0), "b": _car("b", 0.0, 0.0)}, "ego") == []


def test_the_ego_does_not_collide_with_itself():
    assert ego_collisions({"ego": _car("ego", 0.0, 0.0)}, "ego") == []


@pytest.mark.parametrize(
    ("dx", "dy", "hit"),
    [
        # 4.6 m long cars in a row: centres 4.6 m apart touch bumper to bumper
        (4.6, 0.0, True),
        (4.6 + 1e-6, 0.0, False),
        (-4.6, 0.0, True),
        (-4.6 - 1e-6, 0.0, False),
        # side by side, 1.8 m wide: centres 1.8 m apart touch
        (0.0, 1.8, True),
        (0.0, 1.8 + 1e-6, False),
        (0.0, -1.8, True),
        (0.0, -1.8 - 1e-6, False),
        (3.0, 1.0, True),  # overlapping corners
    ],
)
def test_touching_counts_as_a_collision_just_apart_does_not(dx, dy, hit):
    states = {"ego": _car("ego", 10.0, -5.0), "x": _car("x", 10.0 + dx, -5.0 + dy)}
    assert ego_collisions(states, "ego") == (["x"] if hit else [])


def test_rotated_box_touching_the_front_bumper():
    # a car heading north, 1.8 m wide: its side is 0.9 m from its centre; the ego's front bumper is at x = 2.3
    assert ego_collisions({"ego": _car("ego", 0.0, 0.0), "x": _car("x", 3.2 - 1e-9, 0.0, math.pi / 2)}, "ego") == ["x"]
    assert ego_collisions({"ego": _car("ego", 0.0, 0.0), "x": _car("x", 3.2 + 1e-6, 0.0, math.pi / 2)}, "ego") == []


def test_diagonal_boxes_apart_along_a_separating_axis_of_the_rotated_box():
    # a 2 x 2 box turned 45 deg reaches sqrt(2) = 1.414 m along x; the ego (4.6 x 1.8) ends at x = 2.3:
    # centre at 2.3 + 1.414 touches, a bit further does not
    reach = math.sqrt(2.0)
    rotated = dict(yaw=math.pi / 4, length=2.0, width=2.0)
    assert ego_collisions({"ego": _car("ego", 0, 0), "x": _car("x", 2.3 + reach - 1e-9, 0.0, **rotated)}, "ego")
    assert not ego_collisions({"ego": _car("ego", 0, 0), "x": _car("x", 2.3 + reach + 1e-6, 0.0, **rotated)}, "ego")


def test_collisions_are_sorted_by_id():
    states = {
        "ego": _car("ego", 0.0, 0.0),
        "zed": _car("zed", 1.0, 0.0),
        "far": _car("far", 50.0, 0.0),
        "abe": _car("abe", -1.0, 0.5),
        "mid": _car("mid", 0.0, 1.0),
    }
    assert ego_collisions(states, "ego") == ["abe", "mid", "zed"]


@settings(max_examples=150, deadline=None)
@given(
    x=st.floats(-10.0, 10.0),
    y=st.floats(-10.0, 10.0),
    yaw=st.floats(-math.pi, math.pi),
    eyaw=st.floats(-math.pi, math.pi),
)
def test_collision_is_symmetric(x, y, yaw, eyaw):
    a, b = _car("a", 0.0, 0.0, eyaw), _car("b", x, y, yaw)
    assert bool(ego_collisions({"a": a, "b": b}, "a")) == bool(ego_collisions({"a": a, "b": b}, "b"))
