"""A two-host run on one machine: the vehicle's host and the MEC's host as two Linux network namespaces joined by
a virtual Ethernet pair, each running its own launch file, with DDS between them over UDP on that link.

    python -m coop_drive.launching.two_hosts scenarios/occluded_intersection.yaml --split edge --out DIR

The vehicle's namespace runs ``launch/vehicle_host.launch.xml`` (simulator bridge, recorder, vehicle nodes), the
MEC's ``launch/mec.launch.xml`` (MEC nodes and the link relays), both ``mode:=realtime`` by default. Discovery goes
through a Fast DDS discovery server on the MEC's host; samples go over UDP only (``config/fastdds_hosts.xml``: no
shared memory, so every sample crosses the link as it would between two computers), on one ROS domain. Needs
root (``ip netns``). The namespaces and the link are removed on every exit, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from coop_drive.launching.discovery import DiscoveryServer, server_executable, server_port
from coop_drive.launching.xml_launch import find_package_share

HOSTS_PROFILE = "config/fastdds_hosts.xml"
SUBNET = "10.77.0"  # vehicle .1, MEC .2 (a /24 of the private range no host route here uses)


@dataclass(frozen=True)
class Host:
    namespace: str
    interface: str
    address: str


def hosts(tag: str) -> tuple[Host, Host]:
    """The vehicle's and the MEC's host; ``tag`` keeps concurrent runs apart (namespace and link names)."""
    return (Host(f"cd-{tag}-veh", f"cdv{tag}", f"{SUBNET}.1"), Host(f"cd-{tag}-mec", f"cdm{tag}", f"{SUBNET}.2"))


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {result.stderr.strip() or f'exit status {result.returncode}'}")


def _setup(vehicle: Host, mec: Host) -> None:
    for host in (vehicle, mec):
        _ip("netns", "add", host.namespace)
        _ip("-n", host.namespace, "link", "set", "lo", "up")
    _ip("link", "add", vehicle.interface, "netns", vehicle.namespace, "type", "veth",
        "peer", "name", mec.interface, "netns", mec.namespace)
    for host in (vehicle, mec):
        _ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", host.interface)
        _ip("-n", host.namespace, "link", "set", host.interface, "multicast", "on", "up")
        _ip("-n", host.namespace, "route", "add", "224.0.0.0/4", "dev", host.interface)  # DDS discovery


def _teardown(vehicle: Host, mec: Host) -> None:
    for host in (vehicle, mec):  # deleting a namespace deletes its end of the pair, and with it the other
        subprocess.run(["ip", "netns", "delete", host.namespace], capture_output=True, check=False)


@contextmanager
def two_hosts(tag: str) -> Iterator[tuple[Host, Host]]:
    """Two namespaces joined by a veth pair, removed on exit (also when setting them up fails half-way)."""
    if shutil.which("ip") is None:
        raise OSError("the 'ip' command (iproute2) is needed for network namespaces")
    vehicle, mec = hosts(tag)
    _teardown(vehicle, mec)  # left over by a run that was killed (SIGKILL cannot be caught)
    try:
        _setup(vehicle, mec)
        yield vehicle, mec
    finally:
        _teardown(vehicle, mec)


def host_environment(domain: int, discovery_server: str) -> dict[str, str]:
    """The DDS environment of both hosts: one domain, the subnet, the UDP-only profile, and the discovery server
    (``address:port``) both hosts' nodes register with."""
    env = dict(os.environ)
    env.update({"ROS_DOMAIN_ID": str(domain), "ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET",
                "ROS_DISCOVERY_SERVER": discovery_server,
                "FASTDDS_DEFAULT_PROFILES_FILE": str(find_package_share("coop_drive") / HOSTS_PROFILE)})
    return env


def start_discovery_server(mec: Host, domain: int) -> DiscoveryServer:
    """Fast DDS's discovery server on the MEC's host (what a deployment would run beside its MEC), for both hosts:
    simple discovery between the namespaces left a pair of nodes unmatched now and then."""
    executable, port = server_executable(), server_port(domain)
    if executable is None or port is None:
        raise OSError("no fast-discovery-server in this environment (the ros-fastdds wheel installs it)")
    server = DiscoveryServer(port, executable, mec.address, ["ip", "netns", "exec", mec.namespace])
    server.start()
    return server


def launch_command(host: Host, launch_file: str, arguments: Sequence[str], timeout_s: float) -> list[str]:
    share = find_package_share("coop_drive")
    return ["ip", "netns", "exec", host.namespace, sys.executable, "-m", "coop_drive.cli", "launch",
            "--timeout", f"{timeout_s:g}", str(share / "launch" / launch_file), *arguments]


def received_bytes(host: Host) -> int:
    """Bytes the host has received on its end of the link (every DDS sample from the other host crosses it)."""
    result = subprocess.run(["ip", "-j", "-s", "-n", host.namespace, "link", "show", "dev", host.interface],
                            capture_output=True, text=True, check=True)
    return int(json.loads(result.stdout)[0]["stats64"]["rx"]["bytes"])


@dataclass(frozen=True)
class TwoHostRun:
    vehicle_status: int
    mec_status: int
    wall_s: float
    vehicle_received_bytes: int  # over the link, from the MEC's host
    mec_received_bytes: int

    @property
    def ok(self) -> bool:
        return self.vehicle_status == 0 and self.mec_status == 0


def run_two_hosts(scenario: Path, out: Path, split: str = "", mode: str = "realtime", domain: int = 77,
                  timeout_s: float = 300.0, tag: str = "0") -> TwoHostRun:
    """Run ``scenario`` with the vehicle and the MEC on two hosts; metrics.json and the bag go to ``out``."""
    common = [f"scenario:={scenario.resolve()}", f"split:={split}", f"mode:={mode}"]
    start = time.monotonic()
    with two_hosts(tag) as (vehicle, mec):
        server = start_discovery_server(mec, domain)
        env = host_environment(domain, server.locator)
        procs = [subprocess.Popen(launch_command(mec, "mec.launch.xml", common, timeout_s), env=env),
                 subprocess.Popen(launch_command(vehicle, "vehicle_host.launch.xml",
                                                 [*common, f"out:={out.resolve()}"], timeout_s), env=env)]
        try:
            statuses = [p.wait() for p in procs]
            received = (received_bytes(vehicle), received_bytes(mec))
        finally:
            for p in procs:  # interrupted: each launch stops its nodes on SIGINT
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
            server.stop()
    return TwoHostRun(statuses[1], statuses[0], time.monotonic() - start, *received)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coop_drive.launching.two_hosts",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--out", type=Path, required=True, help="output directory (metrics.json, bag/)")
    parser.add_argument("--split", default="", help="split; empty: the scenario file's")
    parser.add_argument("--mode", default="realtime", choices=("realtime", "lockstep"))
    parser.add_argument("--domain", type=int, default=77, help="ROS domain of both hosts (default: 77)")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", help="wall-time limit of each launch")
    args = parser.parse_args(argv)
    if not args.scenario.is_file():
        parser.error(f"scenario file {args.scenario} not found")
    if os.geteuid() != 0:
        print("two_hosts: network namespaces need root (ip netns)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        run = run_two_hosts(args.scenario, args.out, args.split, args.mode, args.domain, args.timeout)
    except KeyboardInterrupt:
        print("two_hosts: interrupted; namespaces removed", file=sys.stderr)
        return 130
    except OSError as err:
        print(f"two_hosts: {err}", file=sys.stderr)
        return 1
    print(f"two_hosts: vehicle host exit {run.vehicle_status}, MEC host exit {run.mec_status}, "
          f"{run.wall_s:.1f} s wall; over the link: {run.mec_received_bytes / 1e6:.1f} MB to the MEC, "
          f"{run.vehicle_received_bytes / 1e6:.1f} MB to the vehicle")
    return 0 if run.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
