import math
from pathlib import Path

import pytest
import yaml

from coop_drive.scenario import ScenarioError, Split, load_scenario
from coop_drive.scenario.model import Behaviour

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "occluded_intersection.yaml"


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(SCENARIO.read_text())
    data["map"] = str(REPO / "maps" / "urban_intersection.xodr")
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_shipped_scenario_loads_with_units_converted():
    sc = load_scenario(SCENARIO)
    assert sc.name == "occluded_intersection"
    assert sc.split is Split.ONBOARD
    assert sc.ego.desired_speed_mps == pytest.approx(50 / 3.6)
    assert sc.ego.route == ("-1", "2")
    (actor,) = sc.actors
    assert actor.behaviour is Behaviour.DOES_NOT_YIELD
    assert actor.trigger_ego_travelled_m == 20.0 and actor.depart_time_s is None
    assert sc.roadside_sensors[0].yaw_rad == pytest.approx(math.radians(225))
    assert sc.map_path.name == "urban_intersection.xodr"


def test_overrides():
    sc = load_scenario(SCENARIO).with_overrides(split=Split.EDGE, latency_ms=80.0, loss_probability=0.1, seed=3)
    assert (sc.split, sc.link.latency_ms, sc.link.loss_probability, sc.seed) == (Split.EDGE, 80.0, 0.1, 3)


@pytest.mark.parametrize(("mutate", "key_path", "expected"), [
    (lambda d: d["ego"].pop("route"), "ego.route", "required key is missing"),
    (lambda d: d["ego"].update(desired_speed_kmh="fast"), "ego.desired_speed_kmh", "expected a finite number"),
    (lambda d: d["ego"]["limits"].update(max_decel_mps2=-1), "ego.limits.max_decel_mps2", "expected a number > 0"),
    (lambda d: d["link"].update(loss=1.5), "link.loss", "expected a number <= 1.0"),
    (lambda d: d.update(split="teleport"), "split", "expected one of onboard, edge"),
    (lambda d: d["sensors"]["roadside"][1].update(rnage_m=3), "sensors.roadside[1].rnage_m", "unknown key"),
    (lambda d: d["actors"][0]["depart"].update(time_s=1.0), "actors[0].depart", "exactly one of"),
    (lambda d: d["actors"][0].update(id="ego"), "actors", "unique"),
    (lambda d: d.update(map="nowhere.xodr"), "map", "map file not found"),
    (lambda d: d.update(step_s=0), "step_s", "expected a number > 0"),
    (lambda d: d.update(seed=2**31), "seed", "expected an integer >= 0 and <= 2147483647"),
    (lambda d: d["sensors"]["roadside"][0].update(id=d["sensors"]["onboard"][0]["id"]), "sensors",
     "sensor ids must be unique (onboard and roadside), got ['front_radar_camera'] twice"),
])
def test_bad_files_name_file_key_and_expectation(tmp_path, mutate, key_path, expected):
    path = _write(tmp_path, mutate)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.key_path == key_path
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_unreadable_and_non_yaml_files(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(broken)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42\n")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        load_scenario(scalar)


def test_duplicate_keys_and_foreign_encodings_are_refused(tmp_path):
    text = SCENARIO.read_text().replace("../maps/", str(REPO / "maps") + "/")
    twice = tmp_path / "twice.yaml"
    twice.write_text(text.replace("seed: 7", "seed: 7\nseed: 8"))
    with pytest.raises(ScenarioError, match=r"twice.yaml: line \d+: key 'seed' given twice"):
        load_scenario(twice)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(text.replace("# Occluded", "# Occlud\u00e9d", 1).encode("latin-1"))
    with pytest.raises(ScenarioError, match="latin1.yaml: not UTF-8 text: byte 0xe9 at offset"):
        load_scenario(latin1)


def test_an_override_seed_outside_sumos_range_is_refused():
    with pytest.raises(ValueError, match="seed must be in 0..2147483647"):
        load_scenario(SCENARIO).with_overrides(seed=2**31)
