"""ament_python package `coop_drive` (the repo root). See README for `make run` / `make test`."""

import os
from glob import glob

from setuptools import find_packages, setup

PACKAGE = "coop_drive"
HERE = os.path.dirname(os.path.abspath(__file__))

# Files installed to share/coop_drive/<dir>/..., keeping their sub-directories.
SHARE_DIRS = ("launch", "config", "maps", "scenarios")
# Never installed: caches and derived artefacts.
EXCLUDED_PARTS = {".cache", "__pycache__"}


def share_files() -> list:
    """data_files entries for every file under SHARE_DIRS (missing/empty dirs are fine)."""
    by_dir: dict = {}
    for top in SHARE_DIRS:
        for path in sorted(glob(os.path.join(top, "**", "*"), recursive=True)):
            parts = path.split(os.sep)
            if not os.path.isfile(path) or EXCLUDED_PARTS.intersection(parts):
                continue
            if path.endswith((".pyc", ".pyo")):
                continue
            dest = os.path.join("share", PACKAGE, os.path.dirname(path))
            by_dir.setdefault(dest, []).append(path)
    return sorted(by_dir.items())


# Globs are relative to the repo root, wherever setup.py is called from (pip, colcon).
os.chdir(HERE)

setup(
    name=PACKAGE,
    version="0.1.0",
    description="Cloud/edge-assisted cooperative driving over a latency-injecting link (ROS 2)",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(exclude=["tests", "tests.*"]),
    package_data={"coop_drive.v2x": ["asn/*.asn"]},  # the ASN.1 module compiled at run time
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        *share_files(),
    ],
    install_requires=["setuptools"],
    zip_safe=False,
    entry_points={
        "console_scripts": [
            "coop-drive = coop_drive.cli.main:main",
            # ROS 2 nodes (coop_drive/nodes), started by the launch files in launch/
            "sim_bridge = coop_drive.nodes.entry:sim_bridge",
            "vehicle_perception = coop_drive.nodes.entry:vehicle_perception",
            "vehicle_planner = coop_drive.nodes.entry:vehicle_planner",
            "mec_perception = coop_drive.nodes.entry:mec_perception",
            "mec_planner = coop_drive.nodes.entry:mec_planner",
            "map_server = coop_drive.nodes.entry:map_server",
            "spat_server = coop_drive.nodes.entry:spat_server",
            "link_relay = coop_drive.nodes.entry:link_relay",
            "recorder = coop_drive.nodes.entry:recorder",
        ],
    },
)
