"""The SUMO backend on the signalised corridor (plans, next signal, fuel), SUMO's own driver, route errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import libsumo
import pytest

from coop_drive.scenario import ScenarioError, load_scenario
from coop_drive.scenario.model import EgoDriver
from coop_drive.world.sumo_backend import SUMO_GLOSA_PARAMS, SumoWorld

REPO = Path(__file__).resolve().parents[2]


def _file_plans() -> dict[str, tuple[tuple[float, str], ...]]:
    root = ET.parse(REPO / "maps" / "arterial_corridor.tls.add.xml").getroot()
    return {
        tl.get("id", ""): tuple((float(p.get("duration", "nan")), p.get("state", "")) for p in tl.iter("phase"))
        for tl in root.iter("tlLogic")
    }


@pytest.fixture()
def corridor():
    return load_scenario(REPO / "scenarios" / "green_wave.yaml")


def test_corridor_plans_states_next_signal_and_fuel(corridor):
    world = SumoWorld()
    try:
        world.start(corridor)
        plans = world.signal_plans()
        # the running programs are the fixed-time plans loaded next to the map
        assert {k: p.phases for k, p in plans.items()} == _file_plans()
        assert all(p.cycle_s == 70.0 for p in plans.values())
        assert all(len(p.link_in_edges) == 12 for p in plans.values())
        assert all(p.tls_id == k for k, p in plans.items())
        step = corridor.step_s
        for _ in range(20):
            world.command_ego_speed(13.89)
            world.tick()
            states = world.signal_states()
            assert set(states) == set(plans)
            for tls, plan in plans.items():
                assert states[tls].controller_id == tls
                phase, spent = plan.position(world.time_s)
                if spent < step / 2:  # SUMO shows a new phase one step after its switch time
                    phase = (phase - 1) % len(plan.phases)
                assert states[tls].link_states == plan.phases[phase][1], (tls, world.time_s)
        nxt = world.ego_next_signal()
        assert nxt is not None and nxt.tls_id == "200"
        # the ego started 200 m before junction 200's stop line and has driven 21 steps at about 13.89 m/s
        assert 160.0 < nxt.distance_m < 200.0
        assert nxt.link_state == world.signal_states()["200"].link_states[nxt.link_index]
        assert plans["200"].link_in_edges[nxt.link_index] == "-2"
        fuel = world.ego_fuel_rate_mgps()
        assert fuel is not None and fuel > 0.0
    finally:
        world.close()
        world.close()  # safe twice


def test_sumo_drives_the_ego_as_a_baseline(corridor):
    world = SumoWorld()
    try:
        world.start(replace(corridor, ego_driver=EgoDriver.SUMO_GLOSA))
        ego_type = "type_" + corridor.ego.actor_id
        assert libsumo.vehicletype.getImperfection(ego_type) == 0.0
        assert libsumo.vehicletype.getAccel(ego_type) == corridor.ego.limits.max_accel_mps2
        assert libsumo.vehicletype.getDecel(ego_type) == corridor.ego.limits.comfort_decel_mps2
        for key, value in SUMO_GLOSA_PARAMS.items():
            assert libsumo.vehicletype.getParameter(ego_type, key) == value
        speed0 = world.actor_states()["ego"].speed_mps
        for _ in range(5):
            world.command_ego_speed(0.0)  # ignored: SUMO drives
            world.tick()
        assert world.actor_states()["ego"].speed_mps > speed0 - 5 * 0.1 * 3.0  # no stop within 0.5 s
        assert world.actor_states()["ego"].speed_mps > 10.0
    finally:
        world.close()


def test_glosa_parameters_match_our_glosa():
    assert SUMO_GLOSA_PARAMS == {
        "has.glosa.device": "true",
        "device.glosa.range": "300",
        "device.glosa.min-speed": "2",
        "device.glosa.max-speedfactor": "1.0",
    }


def test_route_errors_name_the_key_and_the_edges():
    scenario = load_scenario(REPO / "scenarios" / "occluded_intersection.yaml")
    bad_actor = replace(scenario.actors[0], route=("-3", "77"))
    world = SumoWorld()
    try:
        with pytest.raises(
            ScenarioError,
            match=r"actors\[0\]\.route: unknown edge '77' "
            r"\(edges of this map: -1, -2, -3, -4, 1, 2, 3, 4\)",
        ):
            world.start(replace(scenario, actors=(bad_actor,)))
    finally:
        world.close()
    world = SumoWorld()
    try:
        # westbound out of the map on edge 1 and back on -1: no U-turns, no path
        with pytest.raises(ScenarioError, match=r"ego\.route: no path from '1' to '-1'"):
            world.start(replace(scenario, ego=replace(scenario.ego, route=("1", "-1"))))
    finally:
        world.close()


def test_before_start_the_world_is_empty_and_asks_for_start():
    world = SumoWorld()
    assert world.buildings() == []
    with pytest.raises(AssertionError, match=r"^start\(\) first$"):
        world.ego_route_path()
    world.close()  # nothing to release
