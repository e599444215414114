"""Contract of the type store: where the .msg files are looked for, what is registered, clear errors."""

import re
import shutil
import sys
from pathlib import Path

import pytest
from rosbags.typesys import Stores

import coop_drive.bag.typestore as typestore
from coop_drive.bag.typestore import PACKAGE, _candidate_msg_dirs, coop_drive_typestore, find_msg_dir

SOURCE_MSG_DIR = Path(typestore.__file__).resolve().parents[2] / "coop_drive_msgs" / "msg"


def test_search_order_source_tree_then_prefix_then_ament_prefixes(monkeypatch):
    monkeypatch.setenv("AMENT_PREFIX_PATH", "/opt/ws_a::/opt/ws_b:")
    assert _candidate_msg_dirs() == [
        SOURCE_MSG_DIR,
        Path(sys.prefix) / "share" / "coop_drive_msgs" / "msg",
        Path("/opt/ws_a/share/coop_drive_msgs/msg"),
        Path("/opt/ws_b/share/coop_drive_msgs/msg"),
    ]
    monkeypatch.delenv("AMENT_PREFIX_PATH")
    assert len(_candidate_msg_dirs()) == 2


def test_the_first_directory_holding_msg_files_is_found(monkeypatch, tmp_path):
    empty, first, second = tmp_path / "empty", tmp_path / "first", tmp_path / "second"
    for d in (empty, first, second):
        d.mkdir()
    (empty / "notes.txt").write_text("no definitions")
    (first / "A.msg").write_text("uint8 a\n")
    (second / "B.msg").write_text("uint8 b\n")
    monkeypatch.setattr(typestore, "_candidate_msg_dirs", lambda: [tmp_path / "missing", empty, first, second])
    assert find_msg_dir() == first
    assert PACKAGE == "coop_drive_msgs"


def test_an_explicit_directory_is_the_only_one_looked_at(tmp_path):
    (tmp_path / "Foo.msg").write_text("uint8 a\n")
    assert find_msg_dir(tmp_path) == tmp_path
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("no messages here")
    looked = re.escape(str(empty))
    with pytest.raises(FileNotFoundError, match=rf"^no coop_drive_msgs \.msg files found; looked in: {looked}$"):
        find_msg_dir(empty)
    missing = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match=rf"looked in: {re.escape(str(missing))}$"):
        find_msg_dir(missing)


def test_when_nothing_is_found_every_candidate_is_named(monkeypatch, tmp_path):
    dirs = [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setattr(typestore, "_candidate_msg_dirs", lambda: dirs)
    with pytest.raises(FileNotFoundError, match=rf"looked in: {re.escape(str(dirs[0]))}, {re.escape(str(dirs[1]))}$"):
        find_msg_dir()


def test_every_coop_drive_message_is_registered_on_the_kilted_store():
    store = coop_drive_typestore()
    names = sorted(p.stem for p in find_msg_dir().glob("*.msg"))
    assert len(names) == 13 and {"V2XFrame", "SignalPlans", "SignalView", "VehicleStatus"} <= set(names)
    for name in names:
        assert f"coop_drive_msgs/msg/{name}" in store.types
    assert "nav_msgs/msg/Goals" in store.types  # new in Kilted (not in Jazzy)
    assert "std_msgs/msg/Header" in store.types


def test_another_distribution_and_directory_can_be_given(tmp_path):
    (tmp_path / "Pair.msg").write_text("# two numbers\nuint8 a\nfloat64 b\n", encoding="utf-8")
    store = coop_drive_typestore(tmp_path, Stores.ROS2_JAZZY)
    assert "coop_drive_msgs/msg/Pair" in store.types and "nav_msgs/msg/Goals" not in store.types
    assert "coop_drive_msgs/msg/ObjectList" not in store.types  # only the given directory is read
    msg = store.types["coop_drive_msgs/msg/Pair"](a=3, b=0.5)
    assert bytes(store.serialize_cdr(msg, "coop_drive_msgs/msg/Pair")) == bytes.fromhex(
        "000100000300000000000000000000000000e03f"
    )  # uint8 3, padding to 8, double 0.5


def test_a_broken_definition_names_its_file(tmp_path):
    shutil.copy(find_msg_dir() / "ObjectClassification.msg", tmp_path)
    bad = tmp_path / "Zbroken.msg"
    bad.write_text("int32[ x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(bad))}: cannot parse message definition: "):
        coop_drive_typestore(tmp_path)
