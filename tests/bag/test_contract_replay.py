"""Contract of the replay regression: a change in any recorded output (speed command, fused objects, each kind
of MEC frame) is reported naming its topic, a change within the tolerance is accepted and one just outside is
not; bags that are not coop_drive runs are refused clearly.

The bags here are the first seconds of the committed regression bags, with chosen messages altered.
"""

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rosbags.rosbag2 import Reader

from coop_drive.bag import replay
from coop_drive.bag.reader import BagReadError
from coop_drive.bag.recorder import BagRecorder
from coop_drive.bag.replay import ReplayResult, Tolerance, replay_bag
from coop_drive.bag.ros_messages import T_CLOCK, T_PATH, T_STRING, T_V2X, MessageFactory, frame_bytes
from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.hdmap.map_client import MapServer
from coop_drive.scenario import load_scenario
from coop_drive.v2x.frame import MessageType, decode_frame, encode_frame

REPO = Path(__file__).resolve().parents[2]
BAGS = REPO / "tests" / "regression" / "bags"
EDGE = BAGS / "occluded_intersection_edge_inprocess"  # split edge-perception, step 0.05 s
GREEN_WAVE = BAGS / "green_wave_edge_planning_inprocess"  # split edge-planning, signalised, step 0.1 s
REPLAYED = (
    "/run/config",
    "/run/route",
    "/run/signal_plans",
    "/vehicle/odom",
    "/vehicle/signal",
    "/vehicle/detections",
    "/mec/detections",
    "/vehicle/v2x_in",
    "/mec/v2x_in",
    "/mec/v2x_out",
    "/vehicle/speed_command",
    "/vehicle/objects",
)

TOL = 2.0**-10  # a tolerance that values of magnitude < 2**40 can be shifted by exactly
JUST_OUT = TOL + 2.0**-30
BOUNDARY = Tolerance(speed_mps=TOL, position_m=TOL)

Alter = Callable[[Any], bool]  # changes a message in place; False when it does not apply


def _ms(time_ms: int) -> int:
    return time_ms * 1_000_000


def _cut(src: Path, dst: Path, until_ns: int, alter: dict[tuple[str, int], Alter] | None = None) -> Path:
    """The replayed topics of src up to log time until_ns, with the messages at (topic, log time) altered."""
    alter = dict(alter or {})
    store = coop_drive_typestore()
    bag = BagRecorder(dst, store)
    with Reader(src) as reader:
        conns = [c for c in reader.connections if c.topic in REPLAYED]
        for conn, time_ns, data in reader.messages(connections=conns):
            if time_ns > until_ns:
                break
            change = alter.get((conn.topic, time_ns))
            if change is not None:
                msg = store.deserialize_cdr(data, conn.msgtype)
                if change(msg):
                    data = store.serialize_cdr(msg, conn.msgtype)
                    del alter[(conn.topic, time_ns)]
            bag.write(conn.topic, conn.msgtype, data, time_ns)
    bag.close()
    assert not alter, f"not altered: {sorted(alter)}"
    return dst


# --- alterations ----------------------------------------------------------------------------------------

ORIGINAL: dict[tuple[str, int], Any] = {}  # (topic, time) -> the recorded value before the change


def _shift_speed(time_ns: int, delta: float) -> tuple[tuple[str, int], Alter]:
    key = ("/vehicle/speed_command", time_ns)

    def change(msg: Any) -> bool:
        old = msg.twist.linear.x
        msg.twist.linear.x = old + delta
        assert abs(delta) < TOL / 2 or msg.twist.linear.x - old == delta  # boundary shifts are exact
        ORIGINAL[key] = (old, msg.twist.linear.x)
        return True

    return key, change


def _shift_object(time_ns: int, field: str, delta: float) -> tuple[tuple[str, int], Alter]:
    key = ("/vehicle/objects", time_ns)

    def change(msg: Any) -> bool:
        (obj,) = msg.objects
        ORIGINAL[key] = (obj.object_id, obj.source_id, obj.pose.position.x, obj.pose.position.y)
        holder = obj.pose.position if field in ("x", "y") else obj.twist.linear
        attr = {"x": "x", "y": "y", "vx": "x", "vy": "y"}[field]
        old = getattr(holder, attr)
        setattr(holder, attr, old + delta)
        assert abs(delta) < TOL / 2 or getattr(holder, attr) - old == delta  # boundary shifts are exact
        return True

    return key, change


def _object_change(time_ns: int, how: str) -> tuple[tuple[str, int], Alter]:
    key = ("/vehicle/objects", time_ns)

    def change(msg: Any) -> bool:
        (obj,) = msg.objects
        ORIGINAL[key] = (obj.object_id, obj.source_id, obj.pose.position.x, obj.pose.position.y)
        if how == "id":
            obj.object_id += 1
        elif how == "source":
            obj.source_id = "vehicle"
        else:  # one more object, numbered next
            msg.objects = [obj, dataclasses.replace(obj, object_id=obj.object_id + 1)]
        return True

    return key, change


def _renumber(time_ns: int, kind: MessageType) -> tuple[tuple[str, int], Alter]:
    """A recorded MEC frame of the given kind re-encoded (valid) with the next sequence number."""
    key = ("/mec/v2x_out", time_ns)

    def change(msg: Any) -> bool:
        frame = decode_frame(frame_bytes(msg))
        if frame.message_type is not kind:
            return False
        renumbered = encode_frame(type(frame)(**{**frame.__dict__, "sequence_number": frame.sequence_number + 1}))
        assert len(renumbered) == len(frame_bytes(msg)) and renumbered != frame_bytes(msg)
        ORIGINAL[(key[0], time_ns, kind.name)] = len(renumbered)
        msg.payload = np.frombuffer(renumbered, dtype=np.uint8).copy()
        return True

    return key, change


# Speed commands (ms -> shift): inside the default 1e-6 m/s, just outside it, exactly at the boundary
# tolerance, just outside that (both signs).
SPEED_SHIFTS = {500: 0.5e-6, 550: -0.5e-6, 600: 2e-6, 650: -2e-6, 700: TOL, 750: -TOL, 800: -JUST_OUT, 1000: JUST_OUT}
# Fused objects (the edge bag holds one object from 1.70 s on): (ms -> field, shift)
OBJECT_SHIFTS = {
    1700: ("x", TOL),
    1750: ("y", -JUST_OUT),
    1800: ("vx", 2e-6),
    1850: ("vy", JUST_OUT),
    2050: ("x", 0.5e-6),
    2100: ("y", TOL),
    2150: ("vx", -JUST_OUT),
    2200: ("vy", -TOL),
    2250: ("x", -JUST_OUT),
    2300: ("y", 0.5e-6),
    2350: ("vx", -0.5e-6),
    2400: ("vy", -2e-6),
}
OBJECT_CHANGES = {1900: "id", 1950: "source", 2000: "extra"}


@pytest.fixture(scope="module")
def edge_bag(tmp_path_factory) -> Path:
    alter = dict(
        [_shift_speed(_ms(ms), d) for ms, d in SPEED_SHIFTS.items()]
        + [_shift_object(_ms(ms), f, d) for ms, (f, d) in OBJECT_SHIFTS.items()]
        + [_object_change(_ms(ms), how) for ms, how in OBJECT_CHANGES.items()]
        + [_renumber(_ms(50), MessageType.RSM)]
    )
    return _cut(EDGE, tmp_path_factory.mktemp("edge") / "bag", _ms(2400), alter)


@pytest.fixture(scope="module")
def edge_default(edge_bag) -> ReplayResult:
    return replay_bag(edge_bag, keep=100)


@pytest.fixture(scope="module")
def edge_boundary(edge_bag) -> ReplayResult:
    return replay_bag(edge_bag, tolerance=BOUNDARY, keep=100)


def _speed_line(ms: int) -> str:
    replayed, recorded = ORIGINAL[("/vehicle/speed_command", _ms(ms))]
    return f"t={ms / 1000:.3f} s /vehicle/speed_command: replayed {replayed:.9f} m/s, recorded {recorded:.9f} m/s"


def _objects_line(ms: int, recorded: str) -> str:
    object_id, source, x, y = ORIGINAL[("/vehicle/objects", _ms(ms))]
    replayed = f"[#{object_id} {source} ({x:.3f}, {y:.3f})]"
    return f"t={ms / 1000:.3f} s /vehicle/objects: replayed {replayed}, recorded {recorded}"


def _shifted_objects_line(ms: int) -> str:
    object_id, source, x, y = ORIGINAL[("/vehicle/objects", _ms(ms))]
    field, delta = OBJECT_SHIFTS[ms]
    x_rec, y_rec = x + (delta if field == "x" else 0.0), y + (delta if field == "y" else 0.0)
    return _objects_line(ms, f"[#{object_id} {source} ({x_rec:.3f}, {y_rec:.3f})]")


def _changed_objects_line(ms: int) -> str:
    object_id, source, x, y = ORIGINAL[("/vehicle/objects", _ms(ms))]
    how = OBJECT_CHANGES[ms]
    recorded = {
        "id": f"[#{object_id + 1} {source} ({x:.3f}, {y:.3f})]",
        "source": f"[#{object_id} vehicle ({x:.3f}, {y:.3f})]",
        "extra": f"[#{object_id} {source} ({x:.3f}, {y:.3f}), #{object_id + 1} {source} ({x:.3f}, {y:.3f})]",
    }[how]
    return _objects_line(ms, recorded)


def _rsm_line(ms: int) -> str:
    size = ORIGINAL[("/mec/v2x_out", _ms(ms), "RSM")]
    return (
        f"t={ms / 1000:.3f} s /mec/v2x_out: replayed RSM frame ({size} bytes) differs from the recorded one "
        f"({size} bytes)"
    )


def _every_output_of_the_cut_is_compared(edge_default):
    # 0.05 .. 2.40 s at 0.05 s: 48 plans; RSMs every 0.1 s from 0.05 s: 24
    assert edge_default.compared == {"/vehicle/speed_command": 48, "/vehicle/objects": 48, "/mec/v2x_out (RSM)": 24}


def _default_tolerance_reports_every_change_beyond_1e_6(edge_default):
    expected = sorted(
        [_rsm_line(50)]
        + [_speed_line(ms) for ms, d in SPEED_SHIFTS.items() if abs(d) > 1e-6]
        + [_shifted_objects_line(ms) for ms, (_, d) in OBJECT_SHIFTS.items() if abs(d) > 1e-6]
        + [_changed_objects_line(ms) for ms in OBJECT_CHANGES]
    )
    assert sorted(edge_default.mismatches) == expected
    assert edge_default.total_mismatches == len(expected) == 1 + 6 + 9 + 3
    assert not edge_default.ok


def test_a_change_beyond_the_default_tolerance_is_reported_naming_its_topic(edge_default):
    # one test on the default replay (it runs once, in the fixture)
    _every_output_of_the_cut_is_compared(edge_default)
    _default_tolerance_reports_every_change_beyond_1e_6(edge_default)
    _the_report_names_every_compared_topic_and_the_first_mismatches(edge_default)


def test_the_tolerance_is_inclusive_and_just_outside_is_reported(edge_boundary):
    expected = sorted(
        [_rsm_line(50)]
        + [_speed_line(ms) for ms, d in SPEED_SHIFTS.items() if abs(d) > TOL]
        + [_shifted_objects_line(ms) for ms, (_, d) in OBJECT_SHIFTS.items() if abs(d) > TOL]
        + [_changed_objects_line(ms) for ms in OBJECT_CHANGES]
    )
    assert sorted(edge_boundary.mismatches) == expected
    assert edge_boundary.total_mismatches == len(expected) == 1 + 2 + 4 + 3


def _the_report_names_every_compared_topic_and_the_first_mismatches(edge_default):
    text = edge_default.format().splitlines()
    assert text[:4] == [
        "compared 24 messages on /mec/v2x_out (RSM)",
        "compared 48 messages on /vehicle/objects",
        "compared 48 messages on /vehicle/speed_command",
        "replay MISMATCH: 19 output(s) differ; first:",
    ]
    assert text[4:] == [f"  {m}" for m in edge_default.mismatches]


def test_mismatches_are_kept_up_to_keep_and_all_counted():
    result = ReplayResult()
    for topic in ("/b", "/a", "/b"):
        result.add(topic)
    assert result.ok and result.compared == {"/b": 2, "/a": 1}
    assert (
        result.format() == "compared 1 messages on /a\ncompared 2 messages on /b\n"
        "replay OK: every output matches the recording"
    )
    for text in ("first", "second", "third"):
        result.mismatch(text, keep=2)
    assert not result.ok and result.mismatches == ["first", "second"] and result.total_mismatches == 3
    assert result.format().splitlines()[2:] == ["replay MISMATCH: 3 output(s) differ; first:", "  first", "  second"]
    result.mismatch("fourth", keep=0)
    assert result.mismatches == ["first", "second"] and result.total_mismatches == 4


def test_default_tolerances():
    assert Tolerance() == Tolerance(speed_mps=1e-6, position_m=1e-6)
    assert ReplayResult().ok and ReplayResult().compared == {} and ReplayResult().total_mismatches == 0


def test_a_changed_spat_or_speed_plan_is_caught(tmp_path):
    # green wave: SPAT every 0.1 s from 0.1 s, SpeedPlans from 0.2 s
    alter = dict([_renumber(_ms(200), MessageType.SPAT), _renumber(_ms(300), MessageType.SPEED_PLAN)])
    result = replay_bag(_cut(GREEN_WAVE, tmp_path / "bag", _ms(300), alter))
    assert result.compared == {
        "/mec/v2x_out (RSM)": 3,
        "/mec/v2x_out (SPAT)": 3,
        "/mec/v2x_out (SPEED_PLAN)": 2,
        "/vehicle/objects": 3,
        "/vehicle/speed_command": 3,
    }
    spat, plan = ORIGINAL[("/mec/v2x_out", _ms(200), "SPAT")], ORIGINAL[("/mec/v2x_out", _ms(300), "SPEED_PLAN")]
    assert result.mismatches == [
        f"t=0.200 s /mec/v2x_out: replayed SPAT frame ({spat} bytes) differs from the recorded one ({spat} bytes)",
        f"t=0.300 s /mec/v2x_out: replayed SPEED_PLAN frame ({plan} bytes) differs from the recorded one "
        f"({plan} bytes)",
    ]


# --- synthetic bags --------------------------------------------------------------------------------------


def _edge_config() -> dict[str, Any]:
    with Reader(EDGE) as reader:
        conn = next(c for c in reader.connections if c.topic == "/run/config")
        data = next(d for _, _, d in reader.messages(connections=[conn]))
    return json.loads(coop_drive_typestore().deserialize_cdr(data, T_STRING).data)


def _write(path: Path, messages: list[tuple[str, str, Any, int]]) -> Path:
    bag = BagRecorder(path)
    msgs = MessageFactory(bag.typestore)
    for topic, msgtype, msg, time_ns in messages:
        bag.write(topic, msgtype, msgs.serialize(msg(msgs)), time_ns)
    bag.close()
    return path


def _setup(config: dict[str, Any]) -> list[tuple[str, str, Any, int]]:
    from coop_drive.geometry import Polyline

    route = Polyline([[0.0, 0.0], [100.0, 0.0]])
    return [
        ("/run/config", T_STRING, lambda m: m.string(json.dumps(config)), 0),
        ("/run/route", T_PATH, lambda m: m.route(0, route), 0),
    ]


def test_mec_map_frames_are_compared_byte_for_byte(tmp_path):
    config = {**_edge_config(), "map": "mec"}
    sc = load_scenario(REPO / "scenarios" / "occluded_intersection.yaml")
    server = MapServer(sc.map_path)
    # one junction: one frame per publication, numbered 0, 1, 2; the third repeats the second's generation time
    first, second, again = server.frames(0), server.frames(1_000_000_000), server.frames(1_000_000_000)
    assert len(first) == len(second) == len(again) == 1
    renumbered = encode_frame(
        type(decode_frame(second[0]))(**{**decode_frame(second[0]).__dict__, "sequence_number": 7})
    )
    bag = _write(
        tmp_path / "bag",
        _setup(config)
        + [
            ("/mec/v2x_out", T_V2X, lambda m: m.v2x_frame(0, first[0]), 0),
            ("/mec/v2x_out", T_V2X, lambda m: m.v2x_frame(1_000_000_000, renumbered), 1_000_000_000),
            ("/mec/v2x_out", T_V2X, lambda m: m.v2x_frame(1_000_000_000, again[0]), 1_000_000_000),
        ],
    )
    result = replay_bag(bag)
    assert result.compared == {"/mec/v2x_out (MAP)": 3}
    assert result.mismatches == [
        f"t=1.000 s /mec/v2x_out: replayed MAP frame ({len(second[0])} bytes) differs from "
        f"the recorded one ({len(renumbered)} bytes)"
    ]
    onboard = _write(
        tmp_path / "onboard",
        _setup({**config, "map": "onboard"}) + [("/mec/v2x_out", T_V2X, lambda m: m.v2x_frame(0, first[0]), 0)],
    )
    assert replay_bag(onboard).compared == {}  # a MEC with the map on board sends no MAP: nothing to compare


def test_a_bag_without_run_setup_is_refused(tmp_path):
    bag = _write(tmp_path / "bag", [("/vehicle/odom", "nav_msgs/msg/Odometry", lambda m: m.odometry(0, _ego()), 0)])
    with pytest.raises(BagReadError, match=r"bag: no /run/config and /run/route at the start: not a coop_drive run"):
        replay_bag(bag)


def test_a_bag_with_only_its_setup_has_no_inputs(tmp_path):
    bag = _write(tmp_path / "bag", _setup(_edge_config()))
    with pytest.raises(BagReadError, match=r"bag: no inputs to replay$"):
        replay_bag(bag)


def test_a_missing_scenario_names_every_path_tried(tmp_path):
    config = {**_edge_config(), "scenario_file": "/nowhere/occluded_intersection.yaml"}
    bag = _write(
        tmp_path / "bag",
        _setup(config) + [("/vehicle/odom", "nav_msgs/msg/Odometry", lambda m: m.odometry(0, _ego()), 0)],
    )
    missing = tmp_path / "missing.yaml"
    with pytest.raises(
        BagReadError,
        match=rf"^scenario of the bag not found \(tried {re.escape(str(missing))}\); "
        r"give it with "
        r"--scenario$",
    ):
        replay_bag(bag, scenario_path=missing)
    unknown = _write(
        tmp_path / "unknown",
        _setup({**config, "scenario_file": "/nowhere/unknown.yaml"})
        + [("/vehicle/odom", "nav_msgs/msg/Odometry", lambda m: m.odometry(0, _ego()), 0)],
    )
    tried = f"/nowhere/unknown.yaml, {replay.REPO / 'scenarios' / 'unknown.yaml'}"
    with pytest.raises(BagReadError, match=rf"\(tried {re.escape(tried)}\); give it with --scenario"):
        replay_bag(unknown)
    nameless = {k: v for k, v in config.items() if k != "scenario_file"}
    unnamed = _write(tmp_path / "unnamed", _setup(nameless))
    tried = f"., {replay.REPO / 'scenarios'}"  # no file recorded: the empty path and the scenarios directory
    with pytest.raises(BagReadError, match=rf"\(tried {re.escape(tried)}\); give it with --scenario"):
        replay_bag(unnamed)


def test_a_bag_with_none_of_the_run_topics_is_refused(tmp_path):
    bag = _write(tmp_path / "bag", [("/clock", T_CLOCK, lambda m: m.clock(0), 0)])
    with pytest.raises(BagReadError):
        replay_bag(bag)


def test_a_recorded_mec_frame_changed_in_its_bytes_is_reported(tmp_path):
    def flip(msg: Any) -> bool:
        payload = bytearray(frame_bytes(msg))
        payload[10] ^= 0x01
        msg.payload = np.frombuffer(bytes(payload), dtype=np.uint8)
        return True

    result = replay_bag(_cut(EDGE, tmp_path / "bag", _ms(150), {("/mec/v2x_out", _ms(50)): flip}))
    assert not result.ok and "/mec/v2x_out" in result.mismatches[0]


def _ego():  # type: ignore[no-untyped-def]
    from coop_drive.world.backend import ActorState

    return ActorState("ego", 0.0, 0.0, 0.0, 10.0, 0.0, 4.6, 1.8)


def test_the_wrong_scenario_file_is_named_not_blamed_on_an_older_version(tmp_path):
    bag = _write(
        tmp_path / "bag",
        _setup(_edge_config()) + [("/vehicle/odom", "nav_msgs/msg/Odometry", lambda m: m.odometry(0, _ego()), 0)],
    )
    green_wave = replay.REPO / "scenarios" / "green_wave.yaml"
    with pytest.raises(BagReadError, match=r"green_wave.yaml is scenario 'green_wave', but the bag recorded "
                       r"'occluded_intersection'; give the bag's own scenario file with --scenario"):
        replay_bag(bag, scenario_path=green_wave)


def test_bags_of_other_tools_are_refused_with_a_reason(tmp_path):
    chatter = _write(tmp_path / "chatter", [("/run/config", T_STRING, lambda m: m.string("hello"), 0)])
    with pytest.raises(BagReadError, match=r"/run/config is not a coop_drive run configuration \(a JSON object\): "
                                           r"'hello'"):
        replay_bag(chatter)
    listed = _write(tmp_path / "listed", [("/run/config", T_STRING, lambda m: m.string("[1, 2]"), 0)])
    with pytest.raises(BagReadError, match="not a coop_drive run configuration"):
        replay_bag(listed)
    retyped = _write(tmp_path / "retyped", _setup(_edge_config())
                     + [("/vehicle/odom", T_STRING, lambda m: m.string("x"), 1)])
    with pytest.raises(BagReadError, match=r"/vehicle/odom has type std_msgs/msg/String, a coop_drive run bag has "
                                           r"nav_msgs/msg/Odometry"):
        replay_bag(retyped)


def test_bytes_that_are_no_such_message_are_a_bag_error(tmp_path):
    bag = BagRecorder(tmp_path / "bag")
    msgs = MessageFactory(bag.typestore)
    for topic, msgtype, msg, time_ns in _setup(_edge_config()):
        bag.write(topic, msgtype, msgs.serialize(msg(msgs)), time_ns)
    bag.write("/vehicle/odom", "nav_msgs/msg/Odometry", b"\x00\x01\x00\x00\x07", 1)
    bag.close()
    with pytest.raises(BagReadError, match=r"/vehicle/odom at 1 ns: not a valid nav_msgs/msg/Odometry"):
        replay_bag(tmp_path / "bag")
