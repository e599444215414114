"""Contract of the bag reader: topic summary (sorted, counted, timed), typed iteration, clear errors."""

import shutil
from pathlib import Path

import pytest

from coop_drive.bag.reader import BagInfo, BagReadError, TopicInfo, bag_info, read_messages
from coop_drive.bag.recorder import BagRecorder
from coop_drive.bag.ros_messages import T_CLOCK, T_STRING, T_TWIST_STAMPED, MessageFactory

# log times [ns] of the messages written by the fixture, deliberately not in topic order
CLOCK_NS = (1_500_000_000, 2_000_000_000, 2_500_000_000)
COMMAND_NS = (1_750_000_000, 4_250_000_000)
CONFIG_NS = 1_250_000_000


def _write(path: Path) -> Path:
    bag = BagRecorder(path)
    msgs = MessageFactory(bag.typestore)
    bag.write("/run/config", T_STRING, msgs.serialize(msgs.string("{}")), CONFIG_NS)
    for t in CLOCK_NS:
        bag.write("/clock", T_CLOCK, msgs.serialize(msgs.clock(t)), t)
    for i, t in enumerate(COMMAND_NS):
        bag.write("/vehicle/speed_command", T_TWIST_STAMPED, msgs.serialize(msgs.speed_command(t, 10.0 + i)), t)
    bag.close()
    return path


@pytest.fixture(scope="module")
def bag(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("reader") / "bag")


def test_bag_info_counts_and_times(bag):
    info = bag_info(bag)
    assert info.path == bag and info.storage == "mcap" and info.message_count == 6
    # first log time 1.25 s, last 4.25 s
    assert (info.start_ns, info.end_ns) == (1_250_000_000, 4_250_000_000)
    assert info.duration_s == 3.0
    assert info.topics == [
        TopicInfo("/clock", T_CLOCK, 3),
        TopicInfo("/run/config", T_STRING, 1),
        TopicInfo("/vehicle/speed_command", T_TWIST_STAMPED, 2),
    ]  # sorted by name


def test_bag_info_format(bag):
    # name column 22 wide ("/vehicle/speed_command"), type column 30 wide ("geometry_msgs/msg/TwistStamped"),
    # counts right-aligned in 7
    assert bag_info(bag).format() == "\n".join(
        [
            f"bag:       {bag}",
            "storage:   mcap",
            "duration:  3.000 s (start 1.250 s)",
            "messages:  6",
            "topics:",
            "  /clock                  rosgraph_msgs/msg/Clock               3",
            "  /run/config             std_msgs/msg/String                   1",
            "  /vehicle/speed_command  geometry_msgs/msg/TwistStamped        2",
        ]
    )


def test_an_empty_bag_lasts_zero_seconds():
    info = BagInfo(Path("x"), "mcap", 5_000_000_000, 7_000_000_000, 0)
    assert info.duration_s == 0.0
    assert info.format().splitlines()[2:] == ["duration:  0.000 s (start 5.000 s)", "messages:  0", "topics:"]
    one = BagInfo(Path("x"), "mcap", 5_000_000_000, 5_000_000_000, 1, [TopicInfo("/a", "b/msg/C", 1)])
    assert one.duration_s == 0.0 and one.format().splitlines()[-1] == "  /a  b/msg/C        1"


def test_an_empty_recorded_bag(tmp_path):
    BagRecorder(tmp_path / "empty").close()
    info = bag_info(tmp_path / "empty")
    assert (info.message_count, info.start_ns, info.end_ns, info.duration_s, info.topics) == (0, 0, 0, 0.0, [])
    assert list(read_messages(tmp_path / "empty")) == []


def test_read_messages_in_log_time_order(bag):
    got = [(topic, t) for topic, t, _ in read_messages(bag)]
    assert got == [
        ("/run/config", 1_250_000_000),
        ("/clock", 1_500_000_000),
        ("/vehicle/speed_command", 1_750_000_000),
        ("/clock", 2_000_000_000),
        ("/clock", 2_500_000_000),
        ("/vehicle/speed_command", 4_250_000_000),
    ]


def test_read_messages_deserialises_and_filters_topics(bag):
    got = list(read_messages(bag, ["/vehicle/speed_command", "/not/recorded"]))
    assert [(topic, t, m.twist.linear.x) for topic, t, m in got] == [
        ("/vehicle/speed_command", 1_750_000_000, 10.0),
        ("/vehicle/speed_command", 4_250_000_000, 11.0),
    ]
    config, *clocks = read_messages(bag, ("/clock", "/run/config"))
    assert config[0] == "/run/config" and config[2].data == "{}"
    assert [(topic, m.clock.sec, m.clock.nanosec) for topic, _, m in clocks] == [
        ("/clock", 1, 500_000_000),
        ("/clock", 2, 0),
        ("/clock", 2, 500_000_000),
    ]


def test_read_messages_of_topics_not_in_the_bag_yields_nothing(bag):
    assert list(read_messages(bag, ["/not/recorded"])) == []


def test_read_messages_takes_any_iterable_of_topics(bag):
    assert [m.clock.sec for _, _, m in read_messages(bag, iter(["/clock"]))] == [1, 2, 2]


def test_missing_bag(tmp_path):
    with pytest.raises(BagReadError, match=r"nope: no such bag$"):
        bag_info(tmp_path / "nope")
    with pytest.raises(BagReadError, match=r"nope: no such bag$"):
        list(read_messages(tmp_path / "nope"))


def test_a_bag_without_metadata(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "half.mcap").write_bytes(b"\x89MCAP0\r\n")
    msg = r"half: not a rosbag2 directory \(no metadata.yaml; was the recorder killed\?\)$"
    with pytest.raises(BagReadError, match=msg):
        bag_info(tmp_path / "half")
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(BagReadError, match="file: not a rosbag2 directory"):
        bag_info(tmp_path / "file")


def test_unreadable_metadata_is_a_clear_error(bag, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(bag, broken)
    (broken / "metadata.yaml").write_text("just: [text", encoding="utf-8")
    with pytest.raises(BagReadError, match=r"broken: cannot open bag: Could not load YAML"):
        bag_info(broken)
    with pytest.raises(BagReadError, match=r"broken: cannot open bag"):
        next(read_messages(broken))


def test_a_corrupted_message_file_is_a_clear_error(tmp_path):
    bag = _write(tmp_path / "bag")
    mcap = bag / "bag.mcap"
    data = bytearray(mcap.read_bytes())
    data[100:116] = b"\xff" * 16  # inside the first record's data: the summary at the end still opens
    mcap.write_bytes(bytes(data))
    with pytest.raises(BagReadError, match=r"bag: cannot read bag: "):
        bag_info(bag)


def test_a_topic_without_messages_is_listed_with_count_zero(tmp_path):
    from rosbags.rosbag2 import StoragePlugin, Writer

    bag = BagRecorder(tmp_path / "bag")
    msgs = MessageFactory(bag.typestore)
    bag.write("/clock", T_CLOCK, msgs.serialize(msgs.clock(0)), 0)
    bag.close()
    other = tmp_path / "other"
    with Writer(other, version=9, storage_plugin=StoragePlugin.MCAP) as writer:  # another recorder: a quiet topic
        writer.add_connection("/quiet", T_STRING, typestore=bag.typestore)
        conn = writer.add_connection("/clock", T_CLOCK, typestore=bag.typestore)
        writer.write(conn, 5, msgs.serialize(msgs.clock(5)))
    info = bag_info(other)
    assert info.topics == [TopicInfo("/clock", T_CLOCK, 1), TopicInfo("/quiet", T_STRING, 0)]
    assert info.message_count == 1 and info.format().splitlines()[-1] == "  /quiet  std_msgs/msg/String            0"
