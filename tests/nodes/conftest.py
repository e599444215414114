"""Real rclpy over DDS: every test gets its own domain.

Discovery is not limited to LOCALHOST: with Fast DDS that range only adds 127.0.0.1 as a static peer,
reaching participant ids 0-3 (maxInitialPeersRange 4), and a stack has up to 8 nodes; two nodes that both
got an id above 3 would never meet. The default (SUBNET, multicast) discovers them all.
"""

import itertools
import os

import pytest

_TEST_COUNTER = itertools.count()


@pytest.fixture(autouse=True)
def ros_domain(monkeypatch):
    # a domain per test, not only per process: nodes of the previous test that are still shutting down must
    # not meet the next test's nodes (same topics, same step handshake)
    monkeypatch.setenv("ROS_DOMAIN_ID", str(100 + (os.getpid() + 13 * next(_TEST_COUNTER)) % 120))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "SUBNET")
    # UDP only: Fast DDS's shared-memory transport leaves segments in /dev/shm behind killed nodes (one test
    # kills a node on purpose), and stale segments have stalled later start-ups on a loaded host
    monkeypatch.setenv("FASTDDS_BUILTIN_TRANSPORTS", "UDPv4")
