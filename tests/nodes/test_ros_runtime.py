"""The ROS 2 runtime as deployed: nodes in separate processes over DDS, started from the XML launch files.

Tested for behaviour (the equivalence with the in-process runtime, frame by frame, is test_one_process.py): a
short occluded-intersection run has the in-process outcome, its TTC within tolerance and a complete bag; a node
killed with SIGKILL gives a clear report, no hang and a readable bag up to that moment; a terminated launch
takes its nodes down. One attempt each: a start-up that needs a restart is a failure.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coop_drive.bag.reader import bag_info
from coop_drive.cli.main import main
from coop_drive.cli.output import MANIFEST
from coop_drive.launching.runner import LaunchRunner
from coop_drive.launching.xml_launch import load_launch_file

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "launch" / "stack.launch.xml"


def short_scenario(tmp_path: Path, duration_s: float) -> Path:
    text = (REPO / "scenarios" / "occluded_intersection.yaml").read_text()
    text = text.replace("../maps/", str(REPO / "maps") + "/").replace("duration_s: 40.0", f"duration_s: {duration_s}")
    path = tmp_path / "occluded_intersection.yaml"
    path.write_text(text)
    return path


def wait_for(condition, timeout_s: float, what: str, log: list[str] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            tail = "".join((log or [])[-30:])
            pytest.fail(f"{what}: not within {timeout_s:.0f} s\n{tail}")
        time.sleep(0.1)


def test_a_launched_run_has_the_in_process_outcome_and_a_complete_bag(tmp_path, capsys):
    scenario = short_scenario(tmp_path, 12.0)
    ros, inproc = tmp_path / "ros", tmp_path / "inprocess"
    status = main(["launch", str(STACK), f"scenario:={scenario}", "split:=edge", f"out:={ros}", "--startup-attempts",
                   "1", "--timeout", "240"])
    text = capsys.readouterr()
    bridge = [line for line in (text.out + text.err).splitlines() if line.startswith("[sim_bridge]")]
    assert status == 0, "\n".join(bridge[-15:]) + "\n" + (text.out + text.err)[-1500:]
    assert "did not come up" not in text.out + text.err  # no restart was needed
    assert main(["run", str(scenario), "--split", "edge", "--out", str(inproc)]) == 0
    capsys.readouterr()
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (ros, inproc))
    assert a["collision"] == b["collision"]
    assert a["min_ttc_s"] == pytest.approx(b["min_ttc_s"], abs=0.2)
    ros_topics = {t.name: t.count for t in bag_info(ros / "bag").topics}
    inproc_topics = {t.name: t.count for t in bag_info(inproc / "bag").topics}
    for topic in ("/clock", "/vehicle/odom", "/vehicle/detections", "/mec/detections", "/vehicle/objects",
                  "/vehicle/speed_command"):
        assert ros_topics[topic] == inproc_topics[topic], topic
    assert ros_topics["/clock"] == 241  # 0.05 s .. 12.05 s: complete
    for topic in ("/mec/v2x_out", "/vehicle/v2x_in"):  # best effort over DDS: a frame may be missed at the ends
        assert 0 <= inproc_topics[topic] - ros_topics[topic] <= 2, topic
    assert main(["replay", str(ros / "bag")]) == 0
    assert (ros / MANIFEST).is_file() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".ros.")] == []


def test_a_launch_into_a_directory_of_somebody_else_starts_nothing(tmp_path, capsys):
    scenario = short_scenario(tmp_path, 2.0)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "metrics.json").write_text("{}")
    (out / "notes.txt").write_text("not coop-drive's")
    assert main(["launch", str(STACK), f"scenario:={scenario}", f"out:={out}"]) == 2
    err = capsys.readouterr()
    assert "refusing to replace it" in err.err and "[launch] started" not in err.out
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "notes.txt"]


def test_a_node_killed_mid_run_leaves_a_readable_bag_and_a_clear_report(tmp_path):
    scenario = short_scenario(tmp_path, 40.0)
    lines: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    out = tmp_path / "run"
    nodes = load_launch_file(STACK, {"scenario": str(scenario), "split": "edge", "out": str(out)})
    runner = LaunchRunner(nodes, grace_s=10.0, out=Sink())  # type: ignore[arg-type]
    runner.start()
    try:
        wait_for(lambda: any("[sim_bridge]" in line and ("all nodes up" in line or "did not come up" in line)
                             for line in lines), 120, "the bridge starting the run", lines)
        assert not any("did not come up" in line for line in lines), "".join(lines[-30:])
        # the recorder writes the bag in 1 MiB chunks: the first one is on disk ~14 simulated seconds in
        wait_for(lambda: sum(f.stat().st_size for f in (out / "bag").glob("*.mcap")) > 2**20, 180,
                 "the first chunk of the bag", lines)
        vehicle_pid = runner.pid_of("planner")
        os.kill(vehicle_pid, signal.SIGKILL)
        started = time.monotonic()
        status = runner.wait(timeout_s=60)
    finally:
        runner.shutdown()
    assert status == 1
    assert time.monotonic() - started < 45  # shut down, no hang
    assert any(f"planner (pid {vehicle_pid}) was killed by SIGKILL" in r for r in runner.report)
    info = {t.name: t.count for t in bag_info(out / "bag").topics}  # readable: the recorder closed it
    assert sum(info.values()) > 0 and info.get("/clock", 0) < 800  # what came before the kill, not a full run
    # (on a loaded host the recorder's /clock subscription has once matched too late to hold any /clock)


def test_a_terminated_launch_takes_its_nodes_down(tmp_path):
    """SIGTERM to `coop-drive launch` (a CI runner cancelling, a service manager stopping it) is handled as
    Ctrl-C: every node is shut down; none is left running without its parent."""
    scenario = short_scenario(tmp_path, 40.0)
    out = tmp_path / "run"
    launch = subprocess.Popen([sys.executable, "-m", "coop_drive.cli.main", "launch", str(STACK),
                               f"scenario:={scenario}", "split:=edge", f"out:={out}"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        assert launch.stdout is not None
        for line in launch.stdout:  # the nodes are running (or the start-up failed: terminate all the same)
            if "all nodes up" in line or "did not come up" in line or time.monotonic() > deadline:
                break
        launch.send_signal(signal.SIGTERM)
        launch.communicate(timeout=60)
    finally:
        launch.kill()
    assert launch.returncode == 130
    def no_survivors() -> bool:
        found = subprocess.run(["pgrep", "-f", f"scenario:={scenario}"], capture_output=True, text=True)
        return found.stdout == ""

    wait_for(no_survivors, 10, "every node gone")
