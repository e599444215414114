"""A node asked to stop by SIGINT or SIGTERM (``ros2 launch`` shutting the stack down, Ctrl-C) stops and exits
0 — ``ros2 launch`` then reports it finished cleanly, not "process has died" — whether the signal comes while
the node is still loading or while it spins."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "occluded_intersection.yaml"
SPINNING = "not heard from"  # logged by a node that spins and waits for its upstream nodes


def _start(tmp_path: Path, node: str, sig: signal.Signals) -> tuple[subprocess.Popen, Path]:
    params = ["-p", f"scenario:={SCENARIO}", "-p", "split:=edge"]
    if node == "recorder":
        params += ["-p", f"bag_dir:={tmp_path / 'bag'}"]
    log = tmp_path / "node.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", f"import sys; from coop_drive.nodes.entry import {node}; sys.exit({node}())",
         "--ros-args", "-r", f"__ns:=/shutdown{sig.value}", *params],
        stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=tmp_path)
    return proc, log


@pytest.mark.parametrize(("node", "sig"), [("vehicle_perception", signal.SIGINT), ("recorder", signal.SIGTERM)])
def test_a_spinning_node_stops_and_exits_0(tmp_path, node, sig):
    proc, log = _start(tmp_path, node, sig)
    try:
        deadline = time.monotonic() + 60
        while SPINNING not in log.read_text() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert SPINNING in log.read_text(), log.read_text()
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    out = log.read_text()
    assert proc.returncode == 0, out
    assert "shutdown requested (SIGINT/SIGTERM): stopping" in out
    assert "Traceback" not in out


def test_a_node_still_loading_exits_0_quietly(tmp_path):
    sig = signal.SIGINT
    proc, log = _start(tmp_path, "sim_bridge", sig)
    try:
        time.sleep(0.3)  # the interpreter is up, the node's modules are still loading
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def test_every_node_executable_has_an_entry_point_and_a_module():
    import importlib.util
    import re

    from coop_drive.nodes import entry

    scripts = dict(re.findall(r'"(\w+) = coop_drive\.nodes\.entry:(\w+)"', (REPO / "setup.py").read_text()))
    assert set(scripts) == set(entry.NODES) and all(name == attr for name, attr in scripts.items())
    for name in entry.NODES:
        assert callable(getattr(entry, name))
        assert importlib.util.find_spec(f"coop_drive.nodes.{name}") is not None, name
