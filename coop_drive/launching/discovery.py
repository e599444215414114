"""A Fast DDS discovery server for the nodes of one launch on this host.

With the default (simple) discovery every participant announces itself to every other; on a loaded host a
start-up now and then leaves a pair of nodes that never meet (docs/ros.md "Discovery"). With a discovery
server each node only talks to the server, which hands every node the others: the launcher starts one
(``fast-discovery-server`` from the pinned Fast DDS wheel) and gives the nodes ``ROS_DISCOVERY_SERVER``.

The server listens on 127.0.0.1 at a port inside its ROS domain's own gap (between the domain's last
participant port and the next domain's first), so concurrent launches on their own domains do not collide.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

SERVER_PORT_OFFSET = 150  # DDS ports of domain d: 7400 + 250 d + [0, ~75]; this lies in the unused rest
SERVER_MARKER = "Server started"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the tool colours its log lines
SERVER_COMMAND = 42  # the tool's "run a server in the foreground" command


def server_port(domain: int) -> int | None:
    """The server's UDP port for ``domain``, or None when it would leave the registered port range."""
    port = 7400 + 250 * domain + SERVER_PORT_OFFSET
    return port if 1024 <= port <= 32767 else None


def server_executable() -> Path | None:
    """fast-discovery-server of this environment (installed by the ros-fastdds wheel), if any."""
    found = shutil.which("fast-discovery-server", path=str(Path(sys.prefix) / "bin"))
    return Path(found) if found else None


def library_path(base: Mapping[str, str]) -> str:
    """LD_LIBRARY_PATH for the server: the wheels put libfastdds in <prefix>/lib and its bundled libraries
    (tinyxml2, OpenSSL) in <site-packages>/ros_fastdds.libs."""
    dirs = [str(Path(sys.prefix) / "lib"), str(Path(sysconfig.get_paths()["purelib"]) / "ros_fastdds.libs")]
    existing = base.get("LD_LIBRARY_PATH", "")
    return os.pathsep.join([*dirs, existing] if existing else dirs)


class DiscoveryServer:
    """One server process; ``start`` returns once it listens (or raises OSError saying why it could not)."""

    def __init__(self, port: int, executable: Path, address: str = "127.0.0.1",
                 prefix: Sequence[str] = ()) -> None:
        self.port = port
        self.executable = executable
        self.address = address
        self.prefix = list(prefix)  # e.g. ["ip", "netns", "exec", NAME]: run it on another (network) host
        self._proc: subprocess.Popen[str] | None = None

    @property
    def locator(self) -> str:
        """The value of ROS_DISCOVERY_SERVER for the clients."""
        return f"{self.address}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = library_path(os.environ)
        for key in ("ROS_DISCOVERY_SERVER", "FASTDDS_DEFAULT_PROFILES_FILE", "FASTRTPS_DEFAULT_PROFILES_FILE"):
            env.pop(key, None)  # the server's own configuration is its command line
        cmd = [*self.prefix, str(self.executable), str(SERVER_COMMAND), "-l", self.address, "-p", str(self.port)]
        proc = self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                             env=env, start_new_session=True)
        lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line.rstrip())
                if SERVER_MARKER in line:
                    ready.set()
            ready.set()  # the server has exited: wake the waiter

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout_s) or proc.poll() is not None:
            self.stop()
            said = ANSI.sub("", "; ".join(line for line in lines if line.strip()))[-300:]
            raise OSError(f"the discovery server on port {self.port} did not start: {said or 'no output'}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
