"""Real rclpy over DDS: every test gets its own domain, and the nodes discover each other the way
`coop-drive launch` has them do it (coop_drive/launching/runner.py `dds_environment`): on this host only,
through config/fastdds_localhost.xml (loopback UDP, 4 MB socket buffers, initial peers for 32 participants).
Domains 1-100: their ports (and their discovery servers') lie below the ephemeral port range, which a
client socket could hold.
"""

import itertools
import os

import pytest

from coop_drive.launching.runner import dds_environment

_TEST_COUNTER = itertools.count()


@pytest.fixture(autouse=True)
def ros_domain(monkeypatch):
    # a domain per test, not only per process: nodes of the previous test that are still shutting down must
    # not meet the next test's nodes (same topics, same step handshake)
    monkeypatch.setenv("ROS_DOMAIN_ID", str(1 + (os.getpid() + 13 * next(_TEST_COUNTER)) % 100))
    for key, value in dds_environment({}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FASTDDS_BUILTIN_TRANSPORTS", raising=False)  # the profile names the transports
