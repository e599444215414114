"""The ROS runtime's equivalence with the in-process runtime, every node of the launch file in one process on
one executor (``nodes/one_process.py``): no discovery between processes, no retries. Speed commands bit for
bit, every V2X frame (downlink frames but for the sequence numbers: the ROS MEC nodes number their frames each
on their own), the same metrics, and the ROS bag replays."""

import json
from pathlib import Path

import pytest

from coop_drive.bag.reader import read_messages
from coop_drive.cli.main import main
from coop_drive.nodes.one_process import OneProcessError, run_in_one_process
from coop_drive.v2x.frame import decode_frame

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "launch" / "stack.launch.xml"
# metrics.json keys that differ by design: the wall time, and the delivery ratio (the ROS bridge cannot tell the
# frames still in flight at the run's end from the lost ones: it counts them as lost)
DIFFERENT = {"wall_time_s", "v2x_delivery_ratio"}


def scenario_file(tmp_path: Path, name: str, duration_s: float, *replacements: tuple[str, str]) -> Path:
    text = (REPO / "scenarios" / f"{name}.yaml").read_text().replace("../maps/", str(REPO / "maps") + "/")
    text = text.replace("duration_s: 40.0", f"duration_s: {duration_s}").replace(
        "duration_s: 200.0", f"duration_s: {duration_s}")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def both(tmp_path: Path, capsys, scenario: Path, **launch: str) -> tuple[Path, dict, Path, dict]:
    ros = tmp_path / "ros"
    args = {"scenario": str(scenario), "out": str(ros), **launch}
    assert run_in_one_process(STACK, args, timeout_s=600) == 0
    inproc = tmp_path / "inprocess"
    run = ["run", str(scenario), "--out", str(inproc)]
    for key, value in launch.items():
        run += [f"--{key}", value]
    assert main(run) == 0
    capsys.readouterr()
    return (ros, json.loads((ros / "metrics.json").read_text()), inproc,
            json.loads((inproc / "metrics.json").read_text()))


def messages(bag: Path, topic: str) -> list[tuple[int, bytes]]:
    return [(t, bytes(m.payload)) for _, t, m in read_messages(bag, [topic])]


def frames_but_sequence(bag: Path, topic: str) -> list[tuple[int, int, str, int, bytes]]:
    out = []
    for _, t, m in read_messages(bag, [topic]):
        f = decode_frame(bytes(m.payload))
        out.append((t, int(f.message_type), f.source_id, f.generation_time_ns, f.payload))
    return out


def commands(bag: Path) -> list[tuple[int, float]]:
    return [(t, float(m.twist.linear.x)) for _, t, m in read_messages(bag, ["/vehicle/speed_command"])]


def assert_equivalent(ros: Path, a: dict, inproc: Path, b: dict) -> None:
    assert set(a) == set(b)
    assert {k: a[k] for k in a if k not in DIFFERENT} == {k: b[k] for k in b if k not in DIFFERENT}
    assert commands(ros / "bag") == commands(inproc / "bag")
    for topic in ("/vehicle/v2x_out", "/mec/v2x_in"):  # BSMs: byte for byte
        assert messages(ros / "bag", topic) == messages(inproc / "bag", topic), topic
    for topic in ("/mec/v2x_out", "/vehicle/v2x_in"):
        assert frames_but_sequence(ros / "bag", topic) == frames_but_sequence(inproc / "bag", topic), topic
    assert main(["replay", str(ros / "bag")]) == 0


@pytest.mark.parametrize("split", ["edge", "edge-planning"])
def test_occluded_intersection(tmp_path, capsys, split):
    ros, a, inproc, b = both(tmp_path, capsys, scenario_file(tmp_path, "occluded_intersection", 12.0), split=split)
    assert_equivalent(ros, a, inproc, b)
    assert a["v2x_frames_delivered"] > 50 and (a["plan_cycles_followed"] > 0) == (split == "edge-planning")


def test_map_from_the_mec(tmp_path, capsys):
    scenario = scenario_file(tmp_path, "occluded_intersection", 12.0, ("split: onboard", "split: edge"),
                             ("  max_v2x_age_s: 1.0", "  max_v2x_age_s: 1.0\n  map: mec"))
    ros, a, inproc, b = both(tmp_path, capsys, scenario)
    assert_equivalent(ros, a, inproc, b)
    assert 3 in {kind for _, kind, *_ in frames_but_sequence(ros / "bag", "/vehicle/v2x_in")}  # MAP delivered


def test_mec_silent_fault(tmp_path, capsys):
    ros, a, inproc, b = both(tmp_path, capsys, scenario_file(tmp_path, "occluded_intersection", 14.0),
                             split="edge", fault="mec-silent@8")
    assert_equivalent(ros, a, inproc, b)
    assert b["minimal_risk_s"] is not None and not b["collision"]


@pytest.mark.parametrize("split", ["edge", "edge-planning"])
def test_green_wave(tmp_path, capsys, split):
    ros, a, inproc, b = both(tmp_path, capsys, scenario_file(tmp_path, "green_wave", 30.0), split=split)
    assert_equivalent(ros, a, inproc, b)
    kinds = {kind for _, kind, *_ in frames_but_sequence(ros / "bag", "/vehicle/v2x_in")}
    assert 2 in kinds and (6 in kinds) == (split == "edge-planning")  # SPaT, speed plans


def test_a_launch_file_with_a_foreign_node_is_refused(tmp_path):
    launch = tmp_path / "foreign.launch.xml"
    launch.write_text('<launch><node pkg="demo_nodes_py" exec="talker"/></launch>')
    with pytest.raises(OneProcessError, match="'talker' is not a coop_drive node"):
        run_in_one_process(launch, {})


def test_coop_drive_launch_one_process(tmp_path, capsys):
    out = tmp_path / "run"
    scenario = scenario_file(tmp_path, "occluded_intersection", 4.0)
    assert main(["launch", str(STACK), f"scenario:={scenario}", "split:=edge", f"out:={out}", "--one-process"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sim_time_s"] == pytest.approx(4.0) and metrics["v2x_frames_delivered"] > 0
    assert (out / "bag" / "metadata.yaml").is_file()
