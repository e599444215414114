"""Occlusion on the real map: the corner building hides the crossing car from the ego, not from the pole."""

from pathlib import Path

import numpy as np

from coop_drive.scenario import load_scenario
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.world.backend import ActorState
from coop_drive.world.netcache import derive_net, load_buildings

REPO = Path(__file__).resolve().parents[2]


def test_hidden_car_is_seen_by_the_pole_not_by_the_ego():
    scenario = load_scenario(REPO / "scenarios" / "occluded_intersection.yaml")
    buildings = load_buildings(derive_net(scenario.map_path))
    onboard = ObjectSensor(scenario.onboard_sensors[0], buildings, np.random.default_rng(0))
    pole = ObjectSensor(scenario.roadside_sensors[0], buildings, np.random.default_rng(0))
    hidden = ActorState("hidden_car", 1.75, -15.0, np.pi / 2, 13.89, 0.0, 4.6, 1.8)
    seen_from = {}
    for ego_x in (-60.0, -40.0, -30.0, -20.0, -16.0, -15.0, -10.0):
        ego = ActorState("ego", ego_x, -1.75, 0.0, 13.89, 0.0, 4.6, 1.8)
        states = {"ego": ego, "hidden_car": hidden}
        seen_from[ego_x] = onboard.is_visible(onboard.mounted_pose(ego), hidden, [hidden])
        assert pole.is_visible(pole.mounted_pose(None), hidden, list(states.values()))
    # 15 m south of the junction, the car's front corner comes into view when the ego's centre is 15 m west
    assert seen_from == {-60.0: False, -40.0: False, -30.0: False, -20.0: False, -16.0: False,
                         -15.0: True, -10.0: True}
