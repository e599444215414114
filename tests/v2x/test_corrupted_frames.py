"""A corrupted or truncated frame on receipt is counted and dropped, never a crash: from the MEC's encoder
through a corrupting link into the vehicle, and end to end through `coop-drive run`."""

import json
from pathlib import Path

import numpy as np
import yaml

from coop_drive.cli.main import main
from coop_drive.cores.vehicle_core import VehicleCore
from coop_drive.geometry import Polyline
from coop_drive.link.channel import LinkConfig, LinkDirection
from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.scenario import load_scenario
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.v2x.object_list import encode_object_list

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "occluded_intersection.yaml"


def _frame(seq: int, n_objects: int) -> bytes:
    gen_ns = 1_000_000_000 + seq * 100_000_000
    objects = [ObjectEstimate(object_id=i + 1, source_id="mec", stamp_s=gen_ns / 1e9,
                              state=np.array([50.0 + 10 * i, 20.0, -8.0, 0.5]), covariance=np.eye(4) * 0.2,
                              length_m=4.6, width_m=1.8, classification=ObjectClass.CAR)
               for i in range(n_objects)]
    return encode_frame(V2XFrame(MessageType.RSM, "mec", seq, gen_ns, encode_object_list(objects, gen_ns)))


def _vehicle() -> VehicleCore:
    return VehicleCore(load_scenario(SCENARIO).ego, Polyline(np.array([[0.0, 0.0], [100.0, 0.0]])))


def test_corrupted_frames_from_the_link_are_counted_and_dropped():
    link = LinkDirection("downlink", LinkConfig(corruption_probability=0.3), np.random.default_rng(5))
    vehicle = _vehicle()
    for seq in range(400):
        sent = link.send(seq * 100_000_000, _frame(seq, seq % 6))
        assert sent is not None
        vehicle.on_v2x(sent[1])
    corrupted = link.counters.frames_corrupted
    assert 80 < corrupted < 160
    # CRC-32 catches every single-byte error: exactly the corrupted frames are rejected
    assert vehicle.stats.frames_received == 400
    assert vehicle.stats.frames_rejected == corrupted
    assert vehicle.received_generation_s is not None


def test_truncated_frames_are_counted_and_dropped():
    vehicle = _vehicle()
    frame = _frame(1, 3)
    for cut in range(len(frame)):
        vehicle.on_v2x(frame[:cut])
    assert vehicle.stats.frames_rejected == len(frame)
    assert vehicle.received_generation_s is None


def test_corrupted_frames_end_to_end(tmp_path):
    data = yaml.safe_load(SCENARIO.read_text())
    data["map"] = str(REPO / "maps" / "urban_intersection.xodr")
    data["link"]["corruption_probability"] = 0.2
    scenario = tmp_path / "corrupted.yaml"
    scenario.write_text(yaml.safe_dump(data))
    out = tmp_path / "o"
    assert main(["run", str(scenario), "--split", "edge", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sim_time_s"] > 20.0  # the run went on to the end
    assert 0 < metrics["v2x_frames_rejected"] < metrics["v2x_frames_delivered"]
    assert not metrics["collision"]  # 80 % of the object lists still arrive
