"""The launch's discovery server: its port lies in its domain's unused gap, it really listens, a taken port is
a clear error, and a launch's nodes meet through it (tests/nodes/test_ros_runtime.py runs launches with it)."""

import io
import socket

import pytest

from coop_drive.launching.discovery import DiscoveryServer, library_path, server_executable, server_port
from coop_drive.launching.runner import DOMAINS, LaunchRunner


def test_the_port_lies_between_a_domains_participant_ports_and_the_next_domains():
    for domain in DOMAINS:
        port = server_port(domain)
        assert port is not None and port < 32768  # below the ephemeral range
        offset = port - (7400 + 250 * domain)
        assert 75 < offset < 250  # after 32 participants' unicast ports (11 + 2 * 31), before the next domain
    assert server_port(101) is None and server_port(232) is None


def test_the_wheels_libraries_come_first_and_the_users_path_is_kept():
    path = library_path({"LD_LIBRARY_PATH": "/opt/mine"}).split(":")
    assert path[0].endswith("/lib") and path[1].endswith("ros_fastdds.libs") and path[-1] == "/opt/mine"
    assert len(library_path({}).split(":")) == 2


needs_server = pytest.mark.skipif(server_executable() is None, reason="no fast-discovery-server")


def _udp_port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@needs_server
def test_a_server_listens_until_stopped_and_a_second_on_its_port_is_refused():
    port = server_port(97)
    first = DiscoveryServer(port, server_executable())
    first.start()
    try:
        assert first.locator == f"127.0.0.1:{port}" and _udp_port_taken(port)
        with pytest.raises(OSError, match=f"port {port} did not start: .*Server creation failed"):
            DiscoveryServer(port, server_executable()).start()
    finally:
        first.stop()
    assert not _udp_port_taken(port)


@needs_server
def test_a_launch_starts_its_server_and_stops_it(monkeypatch):
    monkeypatch.setenv("ROS_DOMAIN_ID", "96")
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    monkeypatch.delenv("ROS_DISCOVERY_SERVER", raising=False)
    out = io.StringIO()
    runner = LaunchRunner([], out=out)
    runner.start()
    port = server_port(96)
    assert _udp_port_taken(port) and f"discovery server on 127.0.0.1:{port}" in out.getvalue()
    assert runner.wait() == 0
    assert not _udp_port_taken(port)


@needs_server
def test_a_user_configured_discovery_is_left_alone(monkeypatch):
    monkeypatch.setenv("ROS_DOMAIN_ID", "95")
    monkeypatch.setenv("ROS_DISCOVERY_SERVER", "10.0.0.9:11811")
    out = io.StringIO()
    runner = LaunchRunner([], out=out)
    runner.start()
    assert not _udp_port_taken(server_port(95)) and "discovery server" not in out.getvalue()
    runner.wait()
