#!/usr/bin/env python3
"""Print a fully pinned requirements list of the running venv (``make freeze`` writes it).

Plain ``pip freeze`` is wrong for pip-only ROS: each ``ros-*`` wheel also ships an ``.egg-info`` of
its inner Python package (``rclpy``, ``std_msgs``, ``rosidl_parser``, ...; and the
``coop_drive_msgs`` build installs one too). ``pip freeze`` lists those as ``rclpy==9.1.2`` etc.,
names that are not (or are other) projects on PyPI. Only distributions that pip itself installed
(they carry an ``INSTALLER`` file) are listed here. The editable ``coop_drive`` is left out.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys

HEADER = """\
# Fully pinned set (all transitive dependencies) for Python 3.11 on Linux x86_64.
# Regenerate with `make freeze` after changing a top-level pin; do not use plain `pip freeze`
# (see tools/freeze_requirements.py). Top-level pins: ros-* (ROS 2 Kilted wheels), colcon-*,
# catkin_pkg, eclipse-sumo/libsumo/sumolib/traci, numpy, scipy, numba, pyproj, rosbags,
# scenariogeneration, carla, pyyaml, asn1tools, pytest, hypothesis, mutmut, ruff, mypy, types-PyYAML, setuptools.
# setuptools stays < 80: colcon-core 0.21.3 requires setuptools<80.
"""

SKIP = {"pip", "coop-drive", "coop-drive-msgs"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    pins: dict[str, str] = {}
    for dist in md.distributions():
        name = dist.metadata["Name"]
        if not name or canonical(name) in SKIP:
            continue
        if not (dist.read_text("INSTALLER") or "").strip():
            continue  # an .egg-info shipped inside another wheel, not a real install
        if dist.read_text("direct_url.json"):
            continue  # editable / local installs
        pins[canonical(name)] = f"{name}=={dist.version}"
    sys.stdout.write(HEADER)
    for key in sorted(pins):
        sys.stdout.write(pins[key] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
