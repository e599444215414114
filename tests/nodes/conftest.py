"""Real rclpy over DDS: every test process gets its own domain.

Discovery is not limited to LOCALHOST: with Fast DDS that range only adds 127.0.0.1 as a static peer,
reaching participant ids 0-3 (maxInitialPeersRange 4), and a stack has up to 8 nodes; two nodes that both
got an id above 3 would never meet. The default (SUBNET, multicast) discovers them all.
"""

import os

import pytest


@pytest.fixture(autouse=True)
def ros_domain(monkeypatch):
    monkeypatch.setenv("ROS_DOMAIN_ID", str(100 + os.getpid() % 100))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "SUBNET")
    # UDP only: Fast DDS's shared-memory transport leaves segments in /dev/shm behind killed nodes (one test
    # kills a node on purpose), and stale segments have stalled later start-ups on a loaded host
    monkeypatch.setenv("FASTDDS_BUILTIN_TRANSPORTS", "UDPv4")
