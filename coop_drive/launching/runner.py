"""Runs the nodes of a launch file as separate processes, as ``ros2 launch`` does.

Each node's output is prefixed with its name. The launch ends when every process has exited, or when a node
marked ``on_exit="shutdown"`` exits. A node that dies by a signal or with a non-zero status is reported
(name, pid, signal or status) and the launch shuts down: every other process gets SIGINT (then SIGTERM,
then SIGKILL after a grace period), so the recorder closes its bag and nothing hangs.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO

from coop_drive.launching.discovery import DiscoveryServer, server_executable, server_port
from coop_drive.launching.xml_launch import LaunchFileError, NodeAction, find_package_share

# A node's exit status for "the run never started: the nodes did not all meet" (the bridge's start-up timeout).
# Nothing was computed yet, so the launch can simply be started again.
EXIT_STARTUP_FAILED = 3


def resolve_executable(package: str, executable: str) -> list[str]:
    """Command for ``pkg``/``exec``: <prefix>/lib/<pkg>/<exec> (ROS layout), else the console_scripts entry."""
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    for prefix in prefixes:
        candidate = Path(prefix) / "lib" / package / executable
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    for entry in metadata.entry_points(group="console_scripts", name=executable):
        if entry.module.split(".")[0] == package:
            code = f"import sys; from {entry.module} import {entry.attr}; sys.exit({entry.attr}())"
            return [sys.executable, "-c", code]
    # a stale egg-info can hide new entry points: fall back to the node module convention
    module = f"{package}.nodes.{executable}"
    if importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    raise LaunchFileError(f"executable '{executable}' of package '{package}' not found")


@dataclass
class ProcessOutcome:
    label: str
    pid: int
    returncode: int | None

    def describe(self) -> str:
        rc = self.returncode
        if rc is None:
            return f"{self.label} (pid {self.pid}) still running"
        if rc < 0:
            return f"{self.label} (pid {self.pid}) was killed by {signal.Signals(-rc).name}"
        return f"{self.label} (pid {self.pid}) exited with status {rc}"

    @property
    def failed(self) -> bool:
        return self.returncode not in (0, None, -signal.SIGINT, 130)


DDS_PROFILE = "config/fastdds_localhost.xml"


DOMAINS = range(1, 101)  # the ports of domains 1-100 (and their discovery servers) lie below the ephemeral range


def reserve_domain() -> tuple[int, IO[bytes]] | None:
    """A ROS domain no other coop-drive launch on this host holds (its lock file stays locked while the
    returned file is open), or None when all are taken."""
    for domain in DOMAINS:
        handle = (Path(tempfile.gettempdir()) / f"coop_drive-ros-domain-{domain}.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return domain, handle
    return None


def dds_environment(base: Mapping[str, str], domain: int | None = None) -> dict[str, str]:
    """The environment of the node processes: discovery on this host only, through the project's Fast DDS
    profile (loopback UDP, 4 MB socket buffers), on ``domain`` unless ROS_DOMAIN_ID is set. What the user has
    set wins."""
    env = dict(base)
    if domain is not None:
        env.setdefault("ROS_DOMAIN_ID", str(domain))
    env.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    profile = find_package_share("coop_drive") / DDS_PROFILE
    if profile.is_file():
        env.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", str(profile))
    return env


class LaunchRunner:
    """Starts the nodes, relays their output, supervises them."""

    def __init__(self, nodes: Sequence[NodeAction], grace_s: float = 10.0, out: IO[str] | None = None) -> None:
        self.nodes = list(nodes)
        self.grace_s = grace_s
        self.out = out or sys.stdout
        self._procs: list[tuple[NodeAction, subprocess.Popen[str]]] = []
        self._lock = threading.Lock()
        self.report: list[str] = []
        self._domain_lock: IO[bytes] | None = None
        self._discovery: DiscoveryServer | None = None

    def _say(self, line: str) -> None:
        with self._lock:
            print(line, file=self.out, flush=True)

    def _pump(self, label: str, stream: IO[str]) -> None:
        for line in stream:
            self._say(f"[{label}] {line.rstrip()}")

    def start(self) -> None:
        commands = [(n, resolve_executable(n.package, n.executable) + n.ros_arguments()) for n in self.nodes]
        domain = None
        if "ROS_DOMAIN_ID" not in os.environ:  # a domain of its own: concurrent launches must not meet
            reserved = reserve_domain()
            if reserved is not None:
                domain, self._domain_lock = reserved
        env = dds_environment(os.environ, domain)
        self._start_discovery_server(env)
        for node, cmd in commands:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                    start_new_session=True, env=env)
            self._procs.append((node, proc))
            self._say(f"[launch] started {node.label} (pid {proc.pid}): {node.package}/{node.executable}")
            assert proc.stdout is not None
            threading.Thread(target=self._pump, args=(node.label, proc.stdout), daemon=True).start()

    def _start_discovery_server(self, env: dict[str, str]) -> None:
        """On one host, unless the user configured discovery: a discovery server for this launch's nodes
        (coop_drive/launching/discovery.py); without one (no executable, its port taken) simple discovery."""
        if "ROS_DISCOVERY_SERVER" in env or env.get("ROS_AUTOMATIC_DISCOVERY_RANGE") != "LOCALHOST":
            return
        executable = server_executable()
        port = server_port(int(env.get("ROS_DOMAIN_ID", "0")))
        if executable is None or port is None:
            return
        server = DiscoveryServer(port, executable)
        try:
            server.start()
        except OSError as err:
            self._say(f"[launch] {err}; the nodes discover each other without it")
            return
        self._discovery = server
        env["ROS_DISCOVERY_SERVER"] = server.locator
        self._say(f"[launch] discovery server on {server.locator}")

    @property
    def startup_failed(self) -> bool:
        """A node reported that the run never started (EXIT_STARTUP_FAILED)."""
        return any(p.returncode == EXIT_STARTUP_FAILED for _, p in self._procs)

    def pid_of(self, label: str) -> int:
        return next(p.pid for n, p in self._procs if n.label == label)

    def wait(self, timeout_s: float | None = None) -> int:
        """Supervise until done; 0 when every process ended cleanly, 1 otherwise."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        reported: set[int] = set()
        failed = False
        while True:
            running = [(n, p) for n, p in self._procs if p.poll() is None]
            shutdown_reason = None
            for node, proc in self._procs:
                if proc.returncode is None or proc.pid in reported:
                    continue
                reported.add(proc.pid)
                outcome = ProcessOutcome(node.label, proc.pid, proc.returncode)
                if outcome.failed:
                    failed = True
                    shutdown_reason = f"process {outcome.describe()}"
                    self.report.append(shutdown_reason)
                    self._say(f"[launch] ERROR: {shutdown_reason}; shutting the launch down")
                else:
                    self._say(f"[launch] {outcome.describe()}")
                    if node.on_exit_shutdown:
                        shutdown_reason = f"{node.label} exited (on_exit=shutdown)"
            if not running:
                break
            if shutdown_reason is not None:
                self.shutdown()
                continue
            if deadline is not None and time.monotonic() > deadline:
                self.report.append(f"launch timed out after {timeout_s:.0f} s")
                self._say(f"[launch] ERROR: timed out after {timeout_s:.0f} s; shutting down")
                failed = True
                self.shutdown()
                continue
            time.sleep(0.05)
        for node, proc in self._procs:
            if proc.pid not in reported:
                outcome = ProcessOutcome(node.label, proc.pid, proc.returncode)
                failed = failed or outcome.failed
                self._say(f"[launch] {outcome.describe()}")
        self.shutdown()  # nothing left running: frees the run's ROS domain
        return 1 if failed else 0

    def shutdown(self) -> None:
        """SIGINT every running process, then SIGTERM, then SIGKILL, each after the grace period; then the
        run's ROS domain is free again."""
        self._stop_processes()
        if self._discovery is not None:
            self._discovery.stop()
            self._discovery = None
        if self._domain_lock is not None:
            self._domain_lock.close()
            self._domain_lock = None

    def _stop_processes(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            running = [p for _, p in self._procs if p.poll() is None]
            if not running:
                return
            for proc in running:
                try:
                    proc.send_signal(sig)
                except ProcessLookupError:
                    pass
            end = time.monotonic() + self.grace_s
            while time.monotonic() < end and any(p.poll() is None for p in running):
                time.sleep(0.05)
            if sig is not signal.SIGKILL and any(p.poll() is None for p in running):
                self._say(f"[launch] processes still running after {sig.name}; escalating")
