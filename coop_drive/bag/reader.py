"""Reading coop_drive bags with ``rosbags``: topic summary (``coop-drive bag info``) and typed iteration."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rosbags.rosbag2 import Reader

from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.units import NS_PER_S


class BagReadError(Exception):
    """A bag is missing, incomplete or unreadable."""


@dataclass(frozen=True)
class TopicInfo:
    name: str
    msgtype: str
    count: int


@dataclass
class BagInfo:
    """What ``coop-drive bag info`` prints."""

    path: Path
    storage: str
    start_ns: int
    end_ns: int
    message_count: int
    topics: list[TopicInfo] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_S if self.message_count else 0.0

    def format(self) -> str:
        lines = [f"bag:       {self.path}", f"storage:   {self.storage}",
                 f"duration:  {self.duration_s:.3f} s (start {self.start_ns / NS_PER_S:.3f} s)",
                 f"messages:  {self.message_count}", "topics:"]
        width = max((len(t.name) for t in self.topics), default=0)
        type_width = max((len(t.msgtype) for t in self.topics), default=0)
        lines += [f"  {t.name:<{width}}  {t.msgtype:<{type_width}}  {t.count:>7}" for t in self.topics]
        return "\n".join(lines)


def _open(path: Path) -> Reader:
    path = Path(path)
    if not path.exists():
        raise BagReadError(f"{path}: no such bag")
    if not (path / "metadata.yaml").is_file():
        raise BagReadError(f"{path}: not a rosbag2 directory (no metadata.yaml; was the recorder killed?)")
    try:
        reader = Reader(path)
        reader.open()
    except Exception as exc:  # rosbags raises its own errors per storage plugin
        raise BagReadError(f"{path}: cannot open bag: {exc}") from exc
    return reader


def bag_info(path: Path) -> BagInfo:
    """Topics (sorted by name) with types and message counts, counted by reading every message."""
    reader = _open(path)
    try:
        counts: dict[str, int] = {}
        types = {c.topic: c.msgtype for c in reader.connections}
        start, end, total = 0, 0, 0
        for conn, time_ns, _ in reader.messages():
            counts[conn.topic] = counts.get(conn.topic, 0) + 1
            start = time_ns if total == 0 else min(start, time_ns)
            end = max(end, time_ns)
            total += 1
        meta = yaml.safe_load((Path(path) / "metadata.yaml").read_text(encoding="utf-8"))
        storage = str(meta["rosbag2_bagfile_information"].get("storage_identifier", "?"))
    except BagReadError:
        raise
    except Exception as exc:
        raise BagReadError(f"{path}: cannot read bag: {exc}") from exc
    finally:
        reader.close()
    topics = [TopicInfo(t, types[t], counts.get(t, 0)) for t in sorted(types)]
    return BagInfo(Path(path), storage, start, end, total, topics)


def read_messages(path: Path, topics: Iterable[str] | None = None,
                  types: Mapping[str, str] | None = None) -> Iterator[tuple[str, int, Any]]:
    """(topic, log time [ns], deserialised message) in log-time order. ``types``: the type each topic must have
    (a bag of another tool that reuses a topic name with another type is refused, BagReadError)."""
    typestore = coop_drive_typestore()
    reader = _open(path)
    try:
        wanted = None if topics is None else set(topics)
        conns = [c for c in reader.connections if wanted is None or c.topic in wanted]
        for conn in conns:
            expected = (types or {}).get(conn.topic)
            if expected is not None and conn.msgtype != expected:
                raise BagReadError(f"{path}: {conn.topic} has type {conn.msgtype}, a coop_drive run bag has {expected}")
        if not conns:  # rosbags reads every connection when given none
            return
        for conn, time_ns, data in reader.messages(connections=conns):
            try:
                msg = typestore.deserialize_cdr(data, conn.msgtype)
            except Exception as exc:  # rosbags raises struct/index/value errors on bytes that are no such message
                raise BagReadError(f"{path}: {conn.topic} at {time_ns} ns: not a valid {conn.msgtype} "
                                   f"({type(exc).__name__})") from exc
            yield conn.topic, time_ns, msg
    finally:
        reader.close()
