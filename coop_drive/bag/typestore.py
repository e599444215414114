"""A ``rosbags`` type store that knows the ``coop_drive_msgs`` interfaces.

The .msg definitions are read from, in this order: an explicit directory, the source tree next to
this package (``<repo>/coop_drive_msgs/msg``, the editable-install case), the installed share dir
of the running prefix (``<sys.prefix>/share/coop_drive_msgs/msg``, where ``tools/build_msgs.py``
installs it) and every prefix on ``AMENT_PREFIX_PATH`` (a sourced ROS 2 workspace).
Standard types (std_msgs, geometry_msgs, builtin_interfaces, ...) come from rosbags' own store for
the ROS 2 distribution (Kilted by default), so serialized CDR is byte-identical to rclpy's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

PACKAGE = "coop_drive_msgs"
ROS_DISTRO = "kilted"  # the distribution whose standard message definitions the bags carry (Stores.ROS2_KILTED)


def _candidate_msg_dirs() -> list[Path]:
    dirs = [Path(__file__).resolve().parents[2] / PACKAGE / "msg",
            Path(sys.prefix) / "share" / PACKAGE / "msg"]
    for prefix in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep):
        if prefix:
            dirs.append(Path(prefix) / "share" / PACKAGE / "msg")
    return dirs


def find_msg_dir(msg_dir: Path | None = None) -> Path:
    """Return the directory holding ``coop_drive_msgs``' .msg files; raise FileNotFoundError."""
    candidates = [msg_dir] if msg_dir is not None else _candidate_msg_dirs()
    for cand in candidates:
        if cand.is_dir() and any(cand.glob("*.msg")):
            return cand
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"no {PACKAGE} .msg files found; looked in: {tried}")


def coop_drive_typestore(
    msg_dir: Path | None = None, store: Stores = Stores.ROS2_KILTED
) -> Typestore:
    """Return a new type store: rosbags' ``store`` plus every ``coop_drive_msgs/msg/*.msg``."""
    directory = find_msg_dir(msg_dir)
    typestore = get_typestore(store)
    types = {}
    for path in sorted(directory.glob("*.msg")):
        name = f"{PACKAGE}/msg/{path.stem}"
        try:
            types.update(get_types_from_msg(path.read_text(encoding="utf-8"), name))
        except Exception as exc:  # rosbags raises its own parse errors; name the file
            raise ValueError(f"{path}: cannot parse message definition: {exc}") from exc
    typestore.register(types)
    return typestore
