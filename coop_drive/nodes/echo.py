"""Echo node for ``coop-drive bench ros``: republishes every message of ``ping`` on ``pong`` unchanged (raw CDR).

Not part of a run: it measures what one DDS hop between two processes costs with the runtime's QoS.
"""

from __future__ import annotations

from collections.abc import Sequence

import rclpy
from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]
from rclpy.node import Node

from coop_drive.nodes.base import DATA_QOS, V2X_QOS, _msg_class


class Echo(Node):
    def __init__(self) -> None:
        super().__init__("bench_echo")
        self.declare_parameter("best_effort", False, ParameterDescriptor(description="best-effort QoS (as V2X topics)"))
        qos = V2X_QOS if self.get_parameter("best_effort").value else DATA_QOS
        cls = _msg_class("coop_drive_msgs/msg/V2XFrame")
        self._pub = self.create_publisher(cls, "/bench/pong", qos)
        self.create_subscription(cls, "/bench/ping", self._pub.publish, qos, raw=True)


def main(args: Sequence[str] | None = None) -> int:
    rclpy.init(args=list(args) if args is not None else None)
    node = Echo()
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
