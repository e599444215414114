"""`vehicle.map: mec`: the car without an onboard map drives on the MEC's MAP messages."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap.map_client import MapClient, MapServer
from coop_drive.scenario import ScenarioError, load_scenario
from coop_drive.scenario.model import MapSource, Split
from coop_drive.v2x.frame import decode_frame

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "occluded_intersection.yaml"
URBAN = REPO / "maps" / "urban_intersection.xodr"


def _variant(tmp_path, split: str, vehicle_map: str) -> Path:
    text = SCENARIO.read_text()
    text = text.replace("split: onboard", f"split: {split}", 1)
    text = text.replace("vehicle:\n", f"vehicle:\n  map: {vehicle_map}\n", 1)
    text = text.replace("../maps/", f"{REPO / 'maps'}/")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_loader_reads_the_map_source(tmp_path):
    assert load_scenario(SCENARIO).map_source is MapSource.ONBOARD
    assert load_scenario(_variant(tmp_path, "edge", "mec")).map_source is MapSource.MEC
    with pytest.raises(ScenarioError, match=r"vehicle.map: 'mec' needs a split with V2X"):
        load_scenario(_variant(tmp_path, "onboard", "mec"))
    with pytest.raises(ScenarioError, match=r"vehicle.map: expected one of onboard, mec, got 'cloud'"):
        load_scenario(_variant(tmp_path, "edge", "cloud"))


def test_route_path_from_map_messages_matches_sumos_route():
    from coop_drive.world.sumo_backend import SumoWorld

    scenario = load_scenario(SCENARIO)
    world = SumoWorld()
    try:
        world.start(scenario)
        sumo_path = world.ego_route_path()
        ego = world.actor_states()["ego"]
    finally:
        world.close()
    client = MapClient(["1", "2"])
    assert client.route_path(ego.x_m, ego.y_m) is None  # nothing received yet
    for frame in MapServer(URBAN).frames(0):
        client.on_payload(decode_frame(frame).payload)
    path = client.route_path(ego.x_m, ego.y_m)
    assert path is not None
    _, lateral = sumo_path.project(path.points_xy_m)
    assert np.max(np.abs(lateral)) < 0.05  # the same centre line as SUMO's lanes, within 5 cm
    assert path.points_xy_m[0] == pytest.approx([-210.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([210.0, -1.75])


@pytest.mark.closed_loop
def test_occluded_intersection_passes_with_the_map_from_the_mec():
    from coop_drive.harness.run import run_scenario
    from coop_drive.world.sumo_backend import SumoWorld

    base = load_scenario(SCENARIO).with_overrides(split=Split.EDGE)
    onboard_map = run_scenario(base, SumoWorld())
    mec_map = run_scenario(base.with_overrides(map_source=MapSource.MEC), SumoWorld())
    assert not mec_map.collision and mec_map.min_ttc_s > 5.0 and mec_map.ego_travel_time_s is not None
    assert mec_map.ego_max_decel_mps2 == pytest.approx(onboard_map.ego_max_decel_mps2, abs=0.1)
    assert mec_map.min_distance_m == pytest.approx(onboard_map.min_distance_m, abs=0.2)
    assert mec_map.v2x_frames_sent > onboard_map.v2x_frames_sent  # + one MAP frame per second
