"""Every committed regression bag replays through today's cores with identical outputs; a planner change fails."""

from pathlib import Path

import pytest

from coop_drive.bag.replay import replay_bag
from coop_drive.cli.main import main
from coop_drive.planning.longitudinal import LongitudinalPlanner

BAGS = sorted(p for p in (Path(__file__).parent / "bags").iterdir() if p.is_dir())
REPO = Path(__file__).resolve().parents[2]


def test_there_are_bags_of_both_runtimes():
    assert {b.name for b in BAGS} >= {"occluded_intersection_edge_inprocess", "occluded_intersection_onboard_ros"}


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
