"""Bag recording: MCAP + metadata written with rosbags, read back by rosbags; every run writes DIR/bag."""

import json
from pathlib import Path

import pytest
import yaml

from coop_drive.bag.reader import BagReadError, bag_info, read_messages
from coop_drive.bag.recorder import BagRecorder
from coop_drive.bag.ros_messages import T_CLOCK, MessageFactory
from coop_drive.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "occluded_intersection.yaml")
RUN_TOPICS = {"/clock", "/run/config", "/run/route", "/ground_truth/objects", "/vehicle/odom", "/vehicle/detections",
              "/mec/detections", "/mec/objects", "/mec/v2x_out", "/vehicle/v2x_in", "/vehicle/objects",
              "/vehicle/speed_command", "/vehicle/v2x_out", "/mec/v2x_in"}  # BSM uplink in the edge splits


def test_recorder_writes_an_mcap_bag_with_definitions(tmp_path):
    bag = BagRecorder(tmp_path / "bag")
    msgs = MessageFactory(bag.typestore)
    for i in range(5):
        bag.write("/clock", T_CLOCK, msgs.serialize(msgs.clock(i * 50_000_000)), i * 50_000_000)
    bag.close()
    bag.close()  # idempotent
    meta = yaml.safe_load((tmp_path / "bag" / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["storage_identifier"] == "mcap" and meta["message_count"] == 5
    mcap = (tmp_path / "bag" / "bag.mcap").read_bytes()
    assert mcap.startswith(b"\x89MCAP0\r\n") and b"builtin_interfaces/Time clock" in mcap  # message definition
    info = bag_info(tmp_path / "bag")
    assert [(t.name, t.msgtype, t.count) for t in info.topics] == [("/clock", T_CLOCK, 5)]
    assert info.duration_s == pytest.approx(0.2)
    times = [m.clock.nanosec for _, _, m in read_messages(tmp_path / "bag")]
    assert times == [0, 50_000_000, 100_000_000, 150_000_000, 200_000_000]


def test_reading_a_missing_or_broken_bag_is_a_clear_error(tmp_path):
    with pytest.raises(BagReadError, match="no such bag"):
        bag_info(tmp_path / "nope")
    (tmp_path / "half").mkdir()
    with pytest.raises(BagReadError, match="no metadata.yaml"):
        bag_info(tmp_path / "half")


def test_in_process_run_writes_a_bag_with_every_topic(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", SCENARIO, "--split", "edge", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    capsys.readouterr()
    assert main(["bag", "info", str(out / "bag")]) == 0
    printed = capsys.readouterr().out
    info = {t.name: t.count for t in bag_info(out / "bag").topics}
    assert set(info) == RUN_TOPICS
    assert info["/mec/v2x_out"] == metrics["v2x_frames_sent"]
    assert info["/vehicle/v2x_in"] == metrics["v2x_frames_delivered"]
    assert info["/clock"] == info["/vehicle/speed_command"] + 1  # one plan per step, the last step ends the run
    assert "storage:   mcap" in printed and "/vehicle/v2x_in  " in printed
    config = json.loads(next(m.data for _, _, m in read_messages(out / "bag", ["/run/config"])))
    assert config["split"] == "edge-perception" and config["runtime"] == "inprocess"


def test_bag_info_of_a_missing_bag_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bag", "info", str(tmp_path / "nope")])
    assert exc.value.code == 2
    assert "no such bag directory" in capsys.readouterr().err
