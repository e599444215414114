"""The coop-drive command line: outputs, exit statuses, nothing half-written."""

import json
from pathlib import Path

import pytest

from coop_drive.cli.main import main
from coop_drive.cli.sweep import parse_latencies

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "occluded_intersection.yaml")


def test_run_writes_metrics_and_reruns_are_identical(tmp_path, capsys):
    out = tmp_path / "B"
    assert main(["run", SCENARIO, "--split", "edge", "--latency-ms", "20", "--out", str(out)]) == 0
    first = json.loads((out / "metrics.json").read_text())
    assert "collision         no" in capsys.readouterr().out
    required = {"collision", "min_ttc_s", "min_distance_m", "ego_max_decel_mps2", "ego_travel_time_s",
                "v2x_frames_sent", "v2x_frames_delivered", "sim_time_s", "wall_time_s"}
    assert required <= first.keys()
    assert first["collision"] is False and first["min_ttc_s"] > 1.0
    assert json.loads((out / "run.json").read_text())["latency_ms"] == 20.0
    assert main(["run", SCENARIO, "--split", "edge", "--latency-ms", "20", "--out", str(out)]) == 0
    second = json.loads((out / "metrics.json").read_text())
    first.pop("wall_time_s")
    second.pop("wall_time_s")
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["B"]  # no temporary directories left


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    text = Path(SCENARIO).read_text().replace("../maps/", str(REPO / "maps") + "/")
    bad.write_text(text.replace("desired_speed_kmh: 50.0", "desired_speed_kmh: -5"))
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "ego.desired_speed_kmh" in err and "expected a number > 0" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


@pytest.mark.parametrize("argv", [
    ["run", SCENARIO, "--loss", "1.5"],
    ["run", SCENARIO, "--latency-ms", "-3"],
    ["sweep", SCENARIO, "--latencies", "5:1"],
    ["compare", SCENARIO, "--splits", "onboard,warp"],
])
def test_bad_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "coop-drive: error:" in capsys.readouterr().err


def test_refuses_to_replace_a_foreign_directory(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(SystemExit) as info:
        main(["run", SCENARIO, "--out", str(foreign)])
    assert info.value.code == 2
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_a_grid_beyond_the_limit_is_refused_before_anything_is_allocated(capsys):
    with pytest.raises(ValueError, match=r"'0:1e308:1' makes 1.00e\+308 latencies, more than the limit of 50"):
        parse_latencies("0:1e308:1", max_runs=50)
    assert len(parse_latencies("0:49:1", max_runs=50)) == 50
    for bad in ("a:b:c", "0:nan:1", "0,x", "0,inf"):
        with pytest.raises(ValueError):
            parse_latencies(bad)
    with pytest.raises(SystemExit) as info:
        main(["sweep", SCENARIO, "--latencies", "0:100:10", "--seeds", "10", "--max-runs", "100"])
    assert info.value.code == 2
    assert "11 × 10 = 110 runs, more than --max-runs 100" in capsys.readouterr().err


def test_parse_latencies():
    assert parse_latencies("0:100:25") == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert parse_latencies("0,20,100") == [0.0, 20.0, 100.0]
    with pytest.raises(ValueError):
        parse_latencies("-5,3")


def test_sweep_finds_the_collision_onset(capsys):
    assert main(["sweep", SCENARIO, "--latencies", "20,1100", "--level", "L3"]) == 0
    assert "smallest latency with a collision: 1100 ms" in capsys.readouterr().out


def test_map_option_takes_the_map_from_the_mec(tmp_path):
    out = tmp_path / "M"
    assert main(["run", SCENARIO, "--split", "edge", "--map", "mec", "--out", str(out)]) == 0
    assert json.loads((out / "run.json").read_text())["map"] == "mec"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["collision"] is False
    with pytest.raises(SystemExit) as exc:
        main(["run", SCENARIO, "--map", "cloud"])
    assert exc.value.code == 2


def test_a_signal_baseline_on_a_map_without_traffic_lights_exits_2(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", SCENARIO, "--baseline", "sumo-glosa", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--baseline sumo-glosa needs a signalised map" in err and "has no traffic lights" in err
    assert not out.exists()
