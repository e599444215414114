"""Every committed regression bag replays through today's cores with identical outputs; a planner change fails."""

from pathlib import Path

import pytest

from coop_drive.bag.replay import replay_bag
from coop_drive.cli.main import main
from coop_drive.planning.longitudinal import LongitudinalPlanner

BAGS = sorted(p for p in (Path(__file__).parent / "bags").iterdir() if p.is_dir())
REPO = Path(__file__).resolve().parents[2]


def test_there_are_bags_of_both_runtimes():
    assert {b.name for b in BAGS} >= {"occluded_intersection_edge_inprocess", "occluded_intersection_onboard_ros",
                                      "green_wave_edge_planning_inprocess"}


@pytest.mark.parametrize("bag", BAGS, ids=[b.name for b in BAGS])
def test_committed_bag_replays_identically(bag, capsys):
    assert main(["replay", str(bag)]) == 0
    out = capsys.readouterr().out
    assert "replay OK" in out and "/vehicle/speed_command" in out


def test_a_changed_planner_parameter_is_caught(tmp_path, capsys):
    """The scenario's ego.limits feed the planner: braking limit 7 -> 6.5 m/s^2 changes the onboard run's plans."""
    text = (REPO / "scenarios" / "occluded_intersection.yaml").read_text()
    text = text.replace("../maps/", str(REPO / "maps") + "/")
    changed = text.replace("max_decel_mps2: 7.0", "max_decel_mps2: 6.5")
    assert changed != text
    scenario = tmp_path / "occluded_intersection.yaml"
    scenario.write_text(changed)
    bag = Path(__file__).parent / "bags" / "occluded_intersection_onboard_ros"
    assert main(["replay", str(bag), "--scenario", str(scenario)]) == 1
    out = capsys.readouterr().out
    assert "replay MISMATCH" in out and "/vehicle/speed_command: replayed" in out


def test_a_changed_planner_constant_is_caught(monkeypatch):
    original = LongitudinalPlanner.decide

    def gentler(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        decision = original(self, *args, **kwargs)
        return type(decision)(**{**decision.__dict__, "accel_mps2": decision.accel_mps2 * 0.99})

    monkeypatch.setattr(LongitudinalPlanner, "decide", gentler)
    result = replay_bag(Path(__file__).parent / "bags" / "occluded_intersection_onboard_ros")
    assert not result.ok and result.total_mismatches > 10


def test_replaying_something_that_is_not_a_bag_exits_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["replay", str(tmp_path / "empty")]) == 2
    assert "no metadata.yaml" in capsys.readouterr().err


def test_the_green_wave_bag_replays_the_mec_side_and_the_signal_driving(monkeypatch, capsys):
    """SPaT, speed plans and RSMs from the replayed MEC, byte for byte; the car's speed commands on the camera's
    signal, the received SPaT and plans. A gentler GLOSA advice gain changes both sides' plans."""
    bag = Path(__file__).parent / "bags" / "green_wave_edge_planning_inprocess"
    assert main(["replay", str(bag)]) == 0
    out = capsys.readouterr().out
    for kind in ("RSM", "SPAT", "SPEED_PLAN"):
        assert f"messages on /mec/v2x_out ({kind})" in out
    import coop_drive.planning.signal_driving as signal_driving

    monkeypatch.setattr(signal_driving, "ADVICE_GAIN_PER_S", signal_driving.ADVICE_GAIN_PER_S * 0.9)
    result = replay_bag(bag)
    assert not result.ok
    assert any("SPEED_PLAN frame" in m for m in result.mismatches)


def test_a_bag_replays_with_the_level_and_faults_of_its_run(tmp_path, capsys):
    """Command-line overrides are part of the recording: an L3 run with the MEC falling silent at 8 s replays
    as such (replayed as the file's L4 without a fault, its takeover request would not match)."""
    text = (REPO / "scenarios" / "occluded_intersection.yaml").read_text()
    scenario = tmp_path / "occluded_intersection.yaml"
    scenario.write_text(text.replace("../maps/", str(REPO / "maps") + "/").replace("duration_s: 40.0",
                                                                                   "duration_s: 14.0"))
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--split", "edge", "--level", "L3", "--fault", "mec-silent@8",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["replay", str(out / "bag")]) == 0
    assert "replay OK" in capsys.readouterr().out
    assert replay_bag(out / "bag", scenario_path=scenario).ok  # the overrides apply to a file given too


def test_the_mec_map_service_replays_byte_for_byte(tmp_path, capsys):
    text = (REPO / "scenarios" / "occluded_intersection.yaml").read_text()
    scenario = tmp_path / "occluded_intersection.yaml"
    scenario.write_text(text.replace("../maps/", str(REPO / "maps") + "/").replace("duration_s: 40.0",
                                                                                   "duration_s: 6.0"))
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--split", "edge", "--map", "mec", "--out", str(out)]) == 0
    capsys.readouterr()
    result = replay_bag(out / "bag")
    assert result.ok and result.compared["/mec/v2x_out (MAP)"] >= 6  # 1 Hz, one junction


def test_a_signalised_bag_without_its_signal_plans_is_refused_clearly(monkeypatch):
    import coop_drive.bag.replay as replay

    monkeypatch.setattr(replay, "_SETUP", ("/run/config", "/run/route"))  # as if /run/signal_plans were missing
    with pytest.raises(replay.BagReadError, match="no /run/signal_plans"):
        replay_bag(Path(__file__).parent / "bags" / "green_wave_edge_planning_inprocess")
