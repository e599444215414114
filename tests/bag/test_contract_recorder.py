"""Contract of the recorder: a bag is complete only once closed, any rosbag2 reader sees the run's topics,
types, counts, log times and contents."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from rosbags.rosbag2 import Reader

from coop_drive.bag.reader import BagReadError, bag_info
from coop_drive.bag.recorder import BAG_VERSION, BagRecorder, RunRecorder, bag_config
from coop_drive.bag.ros_messages import (
    T_CLOCK,
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_SCAN,
    T_STRING,
    T_TWIST_STAMPED,
    T_V2X,
    MessageFactory,
    frame_bytes,
    object_rows,
    odometry_from_msg,
    scan_time_ns,
    stamp_ns,
)
from coop_drive.bag.signal_messages import T_SIGNAL_PLANS, T_SIGNAL_VIEW, plans_from_msg, signal_view_from_msg
from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.scenario import Split, load_scenario
from coop_drive.scenario.model import AutomationLevel, Fault, MapSource
from coop_drive.sensors.object_sensor import Detection
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.world.backend import ActorState
from coop_drive.world.traffic_lights import NextSignal, TimingPlan

REPO = Path(__file__).resolve().parents[2]


def _read(path: Path) -> tuple[dict[str, str], list[tuple[str, int, object]]]:
    """{topic: type} and every (topic, log time, message), read with rosbags alone."""
    store = coop_drive_typestore()
    with Reader(path) as reader:
        types = {c.topic: c.msgtype for c in reader.connections}
        assert len(reader.connections) == len(types)  # one connection per topic
        rows = [(c.topic, t, store.deserialize_cdr(d, c.msgtype)) for c, t, d in reader.messages()]
    return types, rows


def test_bag_is_complete_only_once_closed(tmp_path):
    bag = BagRecorder(tmp_path / "bag")
    msgs = MessageFactory(bag.typestore)
    bag.write("/clock", T_CLOCK, msgs.serialize(msgs.clock(0)), 0)
    bag.write("/clock", T_CLOCK, memoryview(msgs.serialize(msgs.clock(100))), 100)
    bag.write("/run/config", T_STRING, msgs.serialize(msgs.string("{}")), 50)
    assert bag.counts == {"/clock": 2, "/run/config": 1}
    assert not (tmp_path / "bag" / "metadata.yaml").exists()
    with pytest.raises(BagReadError, match="no metadata.yaml"):
        bag_info(tmp_path / "bag")
    bag.close()
    meta = yaml.safe_load((tmp_path / "bag" / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["version"] == BAG_VERSION == 9 and meta["storage_identifier"] == "mcap"
    assert meta["message_count"] == 3 and meta["ros_distro"] == "kilted"
    types, rows = _read(tmp_path / "bag")
    assert types == {"/clock": T_CLOCK, "/run/config": T_STRING}
    assert [(topic, t) for topic, t, _ in rows] == [("/clock", 0), ("/run/config", 50), ("/clock", 100)]


def test_an_existing_directory_is_never_overwritten(tmp_path):
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "keep.txt").write_text("earlier run")
    with pytest.raises(Exception, match="exists already"):
        BagRecorder(tmp_path / "bag")
    assert [p.name for p in (tmp_path / "bag").iterdir()] == ["keep.txt"]


def test_the_given_type_store_is_used(tmp_path):
    store = coop_drive_typestore()
    bag = BagRecorder(tmp_path / "bag", typestore=store)
    assert bag.typestore is store
    bag.close()
    assert BagRecorder(tmp_path / "other").typestore is not store


def _tracks() -> list[ObjectEstimate]:
    return [ObjectEstimate(4, "mec", 1.9, np.array([10.0, 20.0, -1.0, 0.5]), np.eye(4), 4.5, 1.8)]


@pytest.fixture(scope="module")
def run_bag(tmp_path_factory) -> tuple[dict[str, str], list[tuple[str, int, object]]]:
    """One short run's worth of hook calls, read back with rosbags."""
    path = tmp_path_factory.mktemp("run") / "bag"
    rec = RunRecorder(path, {"split": "edge-perception", "seed": 7})
    route = Polyline(np.array([[0.0, 0.0], [50.0, 0.0]]))
    plans = {"J1": TimingPlan("J1", ((30.0, "GGrr"), (3.0, "yyrr")), 2.5, ("e1", "e2"))}
    rec.on_start(0.0, route, plans)
    ego = ActorState("ego", 1.0, 2.0, 0.0, 8.0, 0.0, 4.6, 1.8)
    other = ActorState("car2", 30.0, 2.0, 0.0, 5.0, 0.0, 4.0, 1.7)
    rec.on_world(0.05, {"ego": ego, "car2": other}, "ego", NextSignal("J1", 0, 40.0, "G"), signalised=True)
    rec.on_world(0.1, {"car2": other}, "ego")  # the ego gone: no odometry, not signalised: no camera
    det = Detection.position_velocity(0.1, "pole", 30.0, 2.0, 5.0, 0.0, 0.3, 0.2)
    rec.on_detections("mec", 0.1, "pole", [det])
    rec.on_detections("vehicle", 0.1, "front", [det], scan_ns=130_000_000)
    frame = encode_frame(V2XFrame(MessageType.RSM, "mec", 1, 100_000_000, b"rsm"))
    rec.on_mec_publish(120_000_000, 0.1, _tracks(), frame)
    rec.on_v2x_delivered(150_000_000, frame)
    rec.on_frame("/vehicle/v2x_out", 150_000_000, frame)
    rec.on_plan(150_000_000, 0.15, _tracks(), 7.75)
    rec.close()
    return _read(path)


def _topic(rows, topic):  # type: ignore[no-untyped-def]
    return [(t, m) for name, t, m in rows if name == topic]


def _run_topics_types_and_counts(run_bag):
    types, rows = run_bag
    assert types == {
        "/run/config": T_STRING,
        "/run/route": T_PATH,
        "/run/signal_plans": T_SIGNAL_PLANS,
        "/clock": T_CLOCK,
        "/ground_truth/objects": T_OBJECT_LIST,
        "/vehicle/odom": T_ODOM,
        "/vehicle/signal": T_SIGNAL_VIEW,
        "/mec/detections": T_SCAN,
        "/vehicle/detections": T_SCAN,
        "/mec/objects": T_OBJECT_LIST,
        "/mec/v2x_out": T_V2X,
        "/vehicle/v2x_in": T_V2X,
        "/vehicle/v2x_out": T_V2X,
        "/vehicle/objects": T_OBJECT_LIST,
        "/vehicle/speed_command": T_TWIST_STAMPED,
    }
    counts = {topic: len(_topic(rows, topic)) for topic in types}
    assert counts == {**dict.fromkeys(types, 1), "/clock": 2, "/ground_truth/objects": 2}


def _run_setup_topics(run_bag):
    _, rows = run_bag
    ((t, config),) = _topic(rows, "/run/config")
    assert t == 0 and config.data == '{"seed": 7, "split": "edge-perception"}'  # keys sorted
    ((_, route),) = _topic(rows, "/run/route")
    assert [(p.pose.position.x, p.pose.position.y) for p in route.poses] == [(0.0, 0.0), (50.0, 0.0)]
    ((_, plans),) = _topic(rows, "/run/signal_plans")
    assert plans_from_msg(plans) == {"J1": TimingPlan("J1", ((30.0, "GGrr"), (3.0, "yyrr")), 2.5, ("e1", "e2"))}


def _run_world_topics(run_bag):
    _, rows = run_bag
    assert [(t, stamp_ns(m.clock)) for t, m in _topic(rows, "/clock")] == [
        (50_000_000, 50_000_000),
        (100_000_000, 100_000_000),
    ]
    truth = _topic(rows, "/ground_truth/objects")
    assert [[o.source_id for o in m.objects] for _, m in truth] == [["car2", "ego"], ["car2"]]
    ((t, odom),) = _topic(rows, "/vehicle/odom")
    assert t == 50_000_000 and odometry_from_msg(odom) == (0.05, 1.0, 2.0, 8.0)
    ((t, signal),) = _topic(rows, "/vehicle/signal")
    assert t == 50_000_000 and signal_view_from_msg(signal) == NextSignal("J1", 0, 40.0, "G")


def _run_scans_are_logged_when_the_sensor_fired(run_bag):
    _, rows = run_bag
    ((t, mec),) = _topic(rows, "/mec/detections")
    assert t == 100_000_000 and scan_time_ns(mec) == 100_000_000 and mec.sensor_id == "pole"
    ((t, onboard),) = _topic(rows, "/vehicle/detections")
    assert t == 130_000_000 and scan_time_ns(onboard) == 130_000_000 and onboard.sensor_id == "front"
    assert stamp_ns(onboard.header.stamp) == 100_000_000  # the world state measured


def _run_publications_deliveries_and_plans(run_bag):
    _, rows = run_bag
    frame = encode_frame(V2XFrame(MessageType.RSM, "mec", 1, 100_000_000, b"rsm"))
    ((t, objects),) = _topic(rows, "/mec/objects")
    assert t == 120_000_000 and objects.source_id == "mec" and stamp_ns(objects.header.stamp) == 120_000_000
    assert stamp_ns(objects.generation_stamp) == 100_000_000
    assert object_rows(objects) == [(4, "mec", 10.0, 20.0, -1.0, 0.5)]
    for topic, log_ns in (
        ("/mec/v2x_out", 120_000_000),
        ("/vehicle/v2x_in", 150_000_000),
        ("/vehicle/v2x_out", 150_000_000),
    ):
        ((t, msg),) = _topic(rows, topic)
        assert (t, stamp_ns(msg.header.stamp), frame_bytes(msg)) == (log_ns, log_ns, frame)
    ((t, fused),) = _topic(rows, "/vehicle/objects")
    assert t == 150_000_000 and fused.source_id == "vehicle" and stamp_ns(fused.generation_stamp) == 150_000_000
    ((t, command),) = _topic(rows, "/vehicle/speed_command")
    assert t == 150_000_000 and command.twist.linear.x == 7.75 and stamp_ns(command.header.stamp) == 150_000_000


def test_a_run_is_recorded_topic_by_topic(run_bag):
    # one test on the recording (its hooks run once, in the fixture)
    _run_topics_types_and_counts(run_bag)
    _run_setup_topics(run_bag)
    _run_world_topics(run_bag)
    _run_scans_are_logged_when_the_sensor_fired(run_bag)
    _run_publications_deliveries_and_plans(run_bag)


def test_a_run_without_signal_plans_records_none(tmp_path):
    rec = RunRecorder(tmp_path / "bag")
    rec.on_start(1.5, Polyline(np.array([[0.0, 0.0], [1.0, 0.0]])))
    rec.on_start(2.0, Polyline(np.array([[0.0, 0.0], [1.0, 0.0]])), {})
    rec.close()
    rec.close()
    types, rows = _read(tmp_path / "bag")
    assert types == {"/run/config": T_STRING, "/run/route": T_PATH}
    assert [(topic, t) for topic, t, _ in rows][:2] == [("/run/config", 1_500_000_000), ("/run/route", 1_500_000_000)]
    assert rows[0][2].data == "{}"


def test_bag_config_holds_what_replay_needs():
    sc = load_scenario(REPO / "scenarios" / "occluded_intersection.yaml").with_overrides(
        split=Split.EDGE_PERCEPTION,
        level=AutomationLevel.L3,
        map_source=MapSource.MEC,
        glosa=True,
        latency_compensation=False,
        faults=(Fault.parse("mec-silent@8.5"),),
    )
    config = bag_config(sc, {"seed": 3, "runtime": "overridden"}, "ros")
    assert config == {
        "seed": 3,
        "runtime": "ros",
        "scenario_file": str(REPO / "scenarios" / "occluded_intersection.yaml"),
        "latency_compensation": False,
        "max_v2x_age_s": 1.0,
        "step_s": 0.05,
        "automation_level": "L3",
        "map": "mec",
        "glosa": True,
        "faults": ["mec-silent@8.5"],
    }
    assert json.loads(json.dumps(config)) == config
