"""Real rclpy over DDS: every test process gets its own domain, discovery stays on this host."""

import os

import pytest


@pytest.fixture(autouse=True)
def ros_domain(monkeypatch):
    monkeypatch.setenv("ROS_DOMAIN_ID", str(100 + os.getpid() % 100))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
