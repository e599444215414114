"""The SUMO backend against real libsumo on the committed intersection map."""

import math
from dataclasses import replace
from pathlib import Path

import pytest

from coop_drive.scenario import ScenarioError, load_scenario
from coop_drive.world.collision import ego_collisions
from coop_drive.world.sumo_backend import SumoWorld

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def scenario():
    return load_scenario(REPO / "scenarios" / "occluded_intersection.yaml")


@pytest.fixture()
def world():
    w = SumoWorld()
    yield w
    w.close()


def test_ego_is_placed_by_its_centre_and_follows_commanded_speed_exactly(scenario, world):
    world.start(scenario)
    ego = world.actor_states()["ego"]
    # depart_pos 60 m on edge -1 (x from -210 to -10): front bumper at x = -150 after the insertion step
    assert ego.y_m == pytest.approx(-1.75, abs=1e-6)
    assert ego.x_m + ego.length_m / 2 == pytest.approx(-150.0, abs=1e-6)
    assert ego.yaw_rad == pytest.approx(0.0, abs=1e-9)
    x0 = ego.x_m
    for speed in (10.0, 5.0, 0.0, 12.0):
        world.command_ego_speed(speed)
        world.tick()
        ego = world.actor_states()["ego"]
        assert ego.speed_mps == pytest.approx(speed)
        assert ego.x_m - x0 == pytest.approx(speed * scenario.step_s, abs=1e-6)  # no SUMO accel limits
        x0 = ego.x_m


def test_route_path_goes_through_the_junction(scenario, world):
    world.start(scenario)
    path = world.ego_route_path()
    assert path.length_m == pytest.approx(200 + 20 + 200, abs=0.5)
    x, y, yaw = path.point_at(210.0)  # the middle of the junction
    assert (x, y, yaw) == pytest.approx((0.0, -1.75, 0.0), abs=0.01)


def test_unchecked_ego_really_crashes_and_our_boxes_see_it(scenario, world):
    # a car creeps out of the minor road (front 11 m south of the centre, 1 m/s) into the ego's path
    blocker = replace(scenario.actors[0], depart_pos_m=199.0, speed_mps=1.0)
    world.start(replace(scenario, actors=(blocker,)))
    world.spawn_actor(blocker)
    collided_at = None
    for _ in range(400):
        world.command_ego_speed(13.89)
        world.tick()
        states = world.actor_states()
        if ego_collisions(states, "ego"):
            collided_at = states["ego"].x_m
            break
    assert collided_at is not None
    assert -5.0 < collided_at < 2.0  # in the junction, where the paths cross


def test_unknown_edge_is_a_scenario_error(scenario, world):
    bad = replace(scenario, ego=replace(scenario.ego, route=("-1", "99")))
    with pytest.raises(ScenarioError, match=r"ego.route: unknown edge '99'"):
        world.start(bad)


@pytest.mark.parametrize(("who", "pos_m", "key"), [("ego", 200.5, "ego.depart_pos_m"),
                                                    ("ego", -1.0, "ego.depart_pos_m"),
                                                    ("actor", 5000.0, r"actors\[0\].depart_pos_m")])
def test_a_departure_beyond_its_edge_is_a_scenario_error(scenario, world, who, pos_m, key):
    if who == "ego":
        bad = replace(scenario, ego=replace(scenario.ego, depart_pos_m=pos_m))
    else:
        bad = replace(scenario, actors=(replace(scenario.actors[0], depart_pos_m=pos_m),))
    with pytest.raises(ScenarioError, match=rf"{key}: expected a position on edge '-[13]', 0 to 200.0 m, got"):
        world.start(bad)


def test_buildings_and_time(scenario, world):
    world.start(scenario)
    assert len(world.buildings()) == 4
    t0 = world.time_s
    world.tick()
    assert world.time_s == pytest.approx(t0 + scenario.step_s)
    assert world.signal_states() == {}  # the intersection is unsignalised
    assert not world.ego_arrived()
    assert math.isfinite(world.ego_travelled_m())
