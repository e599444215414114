"""Vehicle and MEC on two hosts (two network namespaces joined by a veth pair), free-running (mode realtime):
the occluded intersection's edge run completes with the in-process outcome, every V2X frame having crossed the
link between the hosts. Needs root for ``ip netns``; skipped where that is not available."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from coop_drive.bag.reader import bag_info
from coop_drive.cli.main import main
from coop_drive.launching.two_hosts import hosts, run_two_hosts, two_hosts

REPO = Path(__file__).resolve().parents[2]


def _netns_available() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, check=False)
    return probe.returncode == 0


needs_netns = pytest.mark.skipif(not _netns_available(), reason="network namespaces need root and iproute2")


def _namespaces() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout


def test_host_names_fit_the_kernel_limits():
    for host in hosts("65535"):
        assert len(host.interface) <= 15  # IFNAMSIZ - 1
    vehicle, mec = hosts("7")
    assert vehicle.namespace != mec.namespace and vehicle.address != mec.address


@needs_netns
def test_the_namespaces_are_removed_even_when_the_run_fails():
    tag = str(os.getpid() % 100_000)
    with pytest.raises(RuntimeError, match="boom"), two_hosts(tag) as (vehicle, mec):
        assert vehicle.namespace in _namespaces() and mec.namespace in _namespaces()
        raise RuntimeError("boom")
    assert f"cd-{tag}-" not in _namespaces()


@needs_netns
def test_vehicle_and_mec_on_two_hosts_complete_the_edge_run_with_the_in_process_outcome(tmp_path, capsys):
    scenario = REPO / "scenarios" / "occluded_intersection.yaml"
    run = run_two_hosts(scenario, tmp_path / "hosts", split="edge", domain=77, timeout_s=240,
                        tag=str(os.getpid() % 100_000))
    assert run.ok, capsys.readouterr().out[-3000:]
    assert main(["run", str(scenario), "--split", "edge", "--out", str(tmp_path / "inprocess")]) == 0
    a, b = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("hosts", "inprocess"))
    assert a["collision"] is b["collision"] is False
    assert b["ego_travel_time_s"] == pytest.approx(28.3)
    assert a["ego_travel_time_s"] == pytest.approx(b["ego_travel_time_s"], abs=2.0)  # it arrived, not stopped
    assert a["minimal_risk_s"] is None and a["first_detection_s"] == pytest.approx(b["first_detection_s"], abs=0.5)
    topics = {t.name: t.count for t in bag_info(tmp_path / "hosts" / "bag").topics}
    assert topics["/vehicle/v2x_in"] >= 0.9 * topics["/mec/v2x_out"] > 200  # the link model drops ~5 %
    assert topics["/mec/v2x_in"] >= 0.9 * topics["/vehicle/v2x_out"] > 200  # BSMs up to the MEC
    # the MEC's scans, frames and the BSMs crossed the veth pair: DDS did not take a same-host shortcut
    assert run.mec_received_bytes > 1_000_000 and run.vehicle_received_bytes > 100_000
    assert f"cd-{os.getpid() % 100_000}-" not in _namespaces()
