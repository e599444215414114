"""The recorder: writes every topic of a ROS run into ``bag_dir`` (rosbag2, MCAP), step by step.

It takes part in the step handshake like any node, so it knows when it holds all messages of a step and
writes them in a fixed order, with the message's own stamp as log time: a ROS run's bag has the same
topics, types and layout as an in-process run's. The bag is closed on the final step, on Ctrl-C/SIGTERM and
when the stack stops making progress (a node died): what was recorded up to then stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.recorder import BagRecorder
from coop_drive.bag.ros_messages import (
    T_CLOCK,
    T_SCAN,
    T_STRING,
    T_V2X,
    stamp_ns,
)
from coop_drive.bag.topics import RUN_TOPIC_TYPES
from coop_drive.harness.order import TaskOrder
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.topology import RECORDER, upstream_of

# Written in this order within a step (the in-process runtime's event order).
RECORDED: list[tuple[str, str, bool]] = [  # (topic, type, best effort)
    (topic, msgtype, msgtype == T_V2X) for topic, msgtype in RUN_TOPIC_TYPES.items()  # V2X topics: best effort
]


class Recorder(SteppedNode):
    def __init__(self, **options: Any) -> None:
        super().__init__("recorder", **options)
        self.declare_scenario_parameters()
        self.declare_parameter("bag_dir", "", ParameterDescriptor(
            description="rosbag2 directory to write; must not exist yet (or be empty)"))
        sc = self.scenario = self.load_scenario()
        self.order: TaskOrder | None = None
        path = Path(str(self.get_parameter("bag_dir").value))
        if not str(path) or str(path) == ".":
            raise ValueError("recorder: parameter 'bag_dir' is required")
        self.bag: BagRecorder | None = None
        if path.exists() and (not path.is_dir() or any(path.iterdir())):  # nothing of anyone's is replaced
            self.get_logger().error(f"bag_dir {path} exists and is not empty; not replacing it (remove it, or "
                                    "give another out:=; coop-drive launch writes every run to a fresh directory)")
            self.exit_code, self.finished = 2, True
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.bag = BagRecorder(path)
        self.topics = [(self.add_input(topic, msgtype, best_effort), msgtype)
                       for topic, msgtype, best_effort in RECORDED]
        self.begin(upstream_of(RECORDER, sc))

    def _write(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        bag = self.bag
        if bag is None:
            return
        if self.order is None:
            self.order = TaskOrder(self.scenario, stamp)
        for topic, msgtype in self.topics:
            items = messages.get(topic, [])
            if topic == "/mec/v2x_out":  # written by several MEC nodes: the in-process order
                order = self.order
                msgs = [self.msgs.deserialize(data, T_V2X) for data in items]
                keys = [order.frame_key(stamp_ns(m.header.stamp), int(m.message_type)) for m in msgs]
                items = [data for _, data in sorted(zip(keys, items, strict=True), key=lambda kd: kd[0])]
            for data in items:
                bag.write(topic, msgtype, data, self._log_time(data, msgtype, stamp))

    def _log_time(self, data: bytes, msgtype: str, stamp: int) -> int:
        if msgtype == T_STRING:
            return stamp
        msg: Any = self.msgs.deserialize(data, msgtype)
        if msgtype == T_SCAN:
            return stamp_ns(msg.scan_time)
        return stamp_ns(msg.clock if msgtype == T_CLOCK else msg.header.stamp)

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        self._write(stamp, messages)

    def on_final(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        self._write(stamp, messages)
        self.close()

    def close(self) -> None:
        if self.bag is not None:
            self.bag.close()
            self.get_logger().info(f"bag closed: {self.bag.path} ({sum(self.bag.counts.values())} messages)")
            self.bag = None

    def destroy_node(self) -> None:
        self.close()
        super().destroy_node()


def main(args: Sequence[str] | None = None) -> int:
    return run_node(Recorder, args)


if __name__ == "__main__":
    raise SystemExit(main())
