"""Fingerprints of a fixed set of in-process runs, to show that a refactoring changed no behaviour.

    .venv/bin/python tools/snapshot_runs.py OUT_DIR > before.json   # on the old commit
    .venv/bin/python tools/snapshot_runs.py OUT_DIR > after.json    # on the new one; then: diff before.json after.json

Each run's metrics.json (without its wall time) and a SHA-256 over every message of its bag (topic, log time,
serialised bytes; in /run/config the scenario file counts by its name, so two checkouts compare). Runs go one per
process (libsumo holds one simulation per process).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from rosbags.rosbag2 import Reader

REPO = Path(__file__).resolve().parents[1]
OCCLUDED, GREEN_WAVE = "scenarios/occluded_intersection.yaml", "scenarios/green_wave.yaml"
RUNS: dict[str, list[str]] = {
    "occ_onboard": [OCCLUDED, "--split", "onboard"],
    "occ_edge": [OCCLUDED, "--split", "edge"],
    "occ_planning": [OCCLUDED, "--split", "edge-planning"],
    "occ_cloud": [OCCLUDED, "--split", "cloud-planning"],
    "occ_mapmec": [OCCLUDED, "--split", "edge", "--map", "mec"],
    "occ_fault": [OCCLUDED, "--split", "edge", "--fault", "mec-silent@8", "--level", "L3"],
    "gw_onboard": [GREEN_WAVE, "--split", "onboard"],
    "gw_edge": [GREEN_WAVE, "--split", "edge"],
    "gw_planning": [GREEN_WAVE, "--split", "edge-planning"],
    "gw_sumo": [GREEN_WAVE, "--split", "edge", "--baseline", "sumo-glosa"],
    "gw_noadv": [GREEN_WAVE, "--split", "edge", "--baseline", "no-advice"],
}


def _without_checkout(config_cdr: bytes) -> bytes:
    """/run/config with its scenario_file reduced to the file name."""
    return re.sub(rb'"scenario_file": "[^"]*/([^"/]*)"', rb'"scenario_file": "\\1"', config_cdr[8:])


def bag_digest(bag: Path) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    reader = Reader(bag)
    reader.open()
    try:
        for conn, time_ns, data in reader.messages():
            digest.update(conn.topic.encode())
            digest.update(str(time_ns).encode())
            digest.update(_without_checkout(bytes(data)) if conn.topic == "/run/config" else bytes(data))
            count += 1
    finally:
        reader.close()
    return digest.hexdigest(), count


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    for name, args in RUNS.items():
        run_dir = out / name
        subprocess.run([sys.executable, "-m", "coop_drive.cli.main", "run", *args, "--out", str(run_dir)],
                       cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        metrics = json.loads((run_dir / "metrics.json").read_text())
        metrics.pop("wall_time_s", None)
        sha, count = bag_digest(run_dir / "bag")
        result[name] = {"metrics": metrics, "bag_sha256": sha, "messages": count}
        print(f"{name}: {count} messages, bag {sha[:16]}", file=sys.stderr)
    print(json.dumps(result, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
