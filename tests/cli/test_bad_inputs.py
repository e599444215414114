"""Bad input of every kind through the command line: exit 2, one line naming the culprit (file, key or argument),
no traceback, nothing written where the output would have gone, the user's files untouched.

Generated: every number of the shipped scenario with values no simulator can carry; every choice with a value
outside its set; required keys removed; unknown keys; broken maps, link profiles and traces; bad arguments."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from coop_drive.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "occluded_intersection.yaml"
BASE: dict[str, Any] = yaml.safe_load(SCENARIO.read_text())
BASE["map"] = str(REPO / "maps" / "urban_intersection.xodr")

NUMBERS = [
    "duration_s", "step_s", "ego.depart_pos_m", "ego.initial_speed_kmh", "ego.desired_speed_kmh", "ego.length_m",
    "ego.width_m", "ego.limits.max_accel_mps2", "ego.limits.comfort_decel_mps2", "ego.limits.max_decel_mps2",
    "actors[0].depart_pos_m", "actors[0].speed_kmh", "actors[0].depart.trigger_ego_travelled_m",
    "sensors.onboard[0].x_m", "sensors.onboard[0].yaw_deg", "sensors.onboard[0].range_m",
    "sensors.onboard[0].fov_deg", "sensors.onboard[0].pos_noise_m", "sensors.onboard[0].vel_noise_mps",
    "sensors.onboard[0].detection_probability", "sensors.onboard[0].rate_hz", "sensors.roadside[0].x_m",
    "sensors.roadside[0].range_m", "sensors.roadside[0].range_noise_rel", "sensors.roadside[0].bearing_noise_deg",
    "sensors.roadside[1].radial_speed_noise_mps", "sensors.roadside[0].rate_hz", "link.latency_ms", "link.loss",
    "mec.publish_rate_hz", "vehicle.max_v2x_age_s",
]
NOT_A_NUMBER: list[Any] = ["abc", None, [1.0], math.nan, math.inf]
CHOICES = {"split": "teleport", "ego.automation_level": "L9", "actors[0].behaviour": "flies",
           "sensors.roadside[0].model": "lidar9000"}
REQUIRED = ["name", "map", "duration_s", "step_s", "seed", "ego", "ego.route", "ego.depart_pos_m",
            "actors[0].route", "actors[0].id", "sensors.onboard[0].id", "sensors.onboard[0].range_m"]
UNKNOWN = ["rnage_m@sensors.onboard[0]", "colour@ego", "speeed_kmh@actors[0]", "latencyms@link", "extra@"]


def _locate(data: dict[str, Any], key_path: str) -> tuple[Any, str | int]:
    """(container, key) of a dotted path with [i] indices."""
    parts: list[str | int] = []
    for piece in key_path.split("."):
        name, _, rest = piece.partition("[")
        parts.append(name)
        if rest:
            parts.append(int(rest.rstrip("]")))
    node: Any = data
    for part in parts[:-1]:
        node = node[part]
    return node, parts[-1]


def _setter(key_path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        node, key = _locate(data, key_path)
        node[key] = value
    return apply


def _remover(key_path: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        node, key = _locate(data, key_path)
        del node[key]
    return apply


def _adder(spec: str) -> Callable[[dict[str, Any]], None]:
    key, _, where = spec.partition("@")

    def apply(data: dict[str, Any]) -> None:
        node = _locate(data, where + ".x")[0] if where else data
        node[key] = 1
    return apply


SCENARIO_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = (
    [(f"{k}={v!r}", _setter(k, v), k) for k in NUMBERS for v in NOT_A_NUMBER]
    + [(f"{k}={v}", _setter(k, v), k) for k, v in CHOICES.items()]
    + [(f"-{k}", _remover(k), k) for k in REQUIRED]
    + [(f"+{s}", _adder(s), s.split("@")[0]) for s in UNKNOWN]
    + [("seed=-1", _setter("seed", -1), "seed"), ("seed=2**40", _setter("seed", 2**40), "seed"),
       ("step_s=5", _setter("step_s", 5.0), "step_s"), ("link.loss=1.5", _setter("link.loss", 1.5), "link.loss"),
       ("duration_s=-1", _setter("duration_s", -1.0), "duration_s"),
       ("duration_s=1e9", _setter("duration_s", 1e9), "duration_s"),
       ("ego.route=[]", _setter("ego.route", []), "ego.route"),
       ("ego.route=['99']", _setter("ego.route", ["99"]), "ego.route"),
       ("ego.depart_pos_m=9999", _setter("ego.depart_pos_m", 9999.0), "ego.depart_pos_m"),
       ("actors[0].depart_pos_m=9999", _setter("actors[0].depart_pos_m", 9999.0), "actors[0].depart_pos_m"),
       ("actors[0].id=ego", _setter("actors[0].id", "ego"), "actors"),
       ("sensor id twice", _setter("sensors.roadside[0].id", "front_radar_camera"), "sensors"),
       ("map missing", _setter("map", "/nonexistent/map.xodr"), "map"),
       ("sensors=[]", _setter("sensors", []), "sensors"),
       ("actors={}", _setter("actors", {}), "actors")]
)


def _check_refused(argv: list[str], culprit: str, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = out.parent / "keep.txt"
    foreign.write_text("the user's")
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse and validation errors exit through parser.exit
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert culprit in lines[0], lines[0]
    assert not out.exists() and sorted(p.name for p in out.parent.iterdir() if p.name != "inputs") == ["keep.txt"]
    assert foreign.read_text() == "the user's"


@pytest.mark.parametrize(("label", "mutate", "culprit"), SCENARIO_CASES, ids=[c[0] for c in SCENARIO_CASES])
def test_a_bad_scenario_is_refused(tmp_path, capsys, label, mutate, culprit):
    data = copy.deepcopy(BASE)
    mutate(data)
    (tmp_path / "inputs").mkdir()
    path = tmp_path / "inputs" / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    _check_refused(["run", str(path), "--out", str(out)], culprit, out, capsys)


def _map_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (REPO / "maps" / "urban_intersection.xodr").read_text()
    assert old in text
    path = tmp_path / "inputs" / "bad.xodr"
    path.write_text(text.replace(old, new, 1))
    data = copy.deepcopy(BASE)
    data["map"] = str(path)
    scenario = tmp_path / "inputs" / "s.yaml"
    scenario.write_text(yaml.safe_dump(data))
    return scenario


MAP_CASES = [
    ('length="200.0"', 'length="0.0"', "attribute length"),
    ('length="200.0"', 'length="-3"', "attribute length"),
    ('x="-210.0"', 'x="1e300"', "attribute x"),
    ('x="-210.0"', 'x="nan"', "attribute x"),
    ('x="-210.0"', 'x="west"', "attribute x"),
    ('hdg="0.0"', 'hdg="inf"', "attribute hdg"),
    ('<road rule="RHT" id="1"', '<road rule="RHT"', "missing attribute 'id'"),
    ("<OpenDRIVE", "<OpenDRIVE><broken", "bad.xodr"),
]


@pytest.mark.parametrize(("old", "new", "culprit"), MAP_CASES)
def test_a_bad_map_is_refused_by_run_and_by_map_check(tmp_path, capsys, old, new, culprit):
    (tmp_path / "inputs").mkdir()
    scenario = _map_variant(tmp_path, old, new)
    out = tmp_path / "out"
    _check_refused(["run", str(scenario), "--out", str(out)], culprit, out, capsys)
    status = main(["map", "check", str(tmp_path / "inputs" / "bad.xodr")])
    err = capsys.readouterr().err
    assert status == 2 and culprit in err and "Traceback" not in err


ARGUMENT_CASES = [
    (["--latency-ms", "-5"], "--latency-ms"), (["--latency-ms", "nan"], "--latency-ms"),
    (["--loss", "2"], "--loss"), (["--loss", "-0.1"], "--loss"), (["--seed", "-1"], "--seed"),
    (["--seed", "99999999999"], "--seed"), (["--split", "teleport"], "--split"), (["--level", "L7"], "--level"),
    (["--link-profile", "6g-dream"], "6g-dream"), (["--fault", "boom@3"], "--fault"),
    (["--fault", "mec-silent@-1"], "--fault"), (["--map", "paper"], "--map"),
    (["--baseline", "sumo-glosa"], "--baseline"),
]


@pytest.mark.parametrize(("extra", "culprit"), ARGUMENT_CASES, ids=[" ".join(a) for a, _ in ARGUMENT_CASES])
def test_a_bad_argument_is_refused(tmp_path, capsys, extra, culprit):
    (tmp_path / "inputs").mkdir()
    out = tmp_path / "out"
    _check_refused(["run", str(SCENARIO), *extra, "--out", str(out)], culprit, out, capsys)


def test_a_missing_or_foreign_scenario_file(tmp_path, capsys):
    (tmp_path / "inputs").mkdir()
    out = tmp_path / "out"
    _check_refused(["run", str(tmp_path / "nope.yaml"), "--out", str(out)], "nope.yaml", out, capsys)
    latin = tmp_path / "inputs" / "latin.yaml"
    latin.write_bytes(SCENARIO.read_bytes().replace(b"# Occluded", b"# Occlud\xe9d", 1))
    _check_refused(["run", str(latin), "--out", str(out)], "not UTF-8", out, capsys)
    twice = tmp_path / "inputs" / "twice.yaml"
    twice.write_text(SCENARIO.read_text().replace("seed: 7", "seed: 7\nseed: 8"))
    _check_refused(["run", str(twice), "--out", str(out)], "key 'seed' given twice", out, capsys)
