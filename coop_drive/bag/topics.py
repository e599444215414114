"""The topics of a coop_drive run bag and the type each has — one table for the recorders and replay."""

from __future__ import annotations

from coop_drive.bag.ros_messages import (
    T_CLOCK,
    T_IMU,
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_SCAN,
    T_STRING,
    T_TWIST_STAMPED,
    T_V2X,
)
from coop_drive.bag.signal_messages import T_SIGNAL_PLANS, T_SIGNAL_VIEW

RUN_TOPIC_TYPES: dict[str, str] = {  # in the order a step writes them (the in-process event order)
    "/run/config": T_STRING, "/run/route": T_PATH, "/run/signal_plans": T_SIGNAL_PLANS, "/clock": T_CLOCK,
    "/ground_truth/objects": T_OBJECT_LIST, "/vehicle/odom": T_ODOM, "/vehicle/imu": T_IMU,
    "/vehicle/signal": T_SIGNAL_VIEW, "/vehicle/detections": T_SCAN, "/mec/detections": T_SCAN,
    "/mec/objects": T_OBJECT_LIST, "/mec/v2x_out": T_V2X, "/vehicle/v2x_out": T_V2X, "/mec/v2x_in": T_V2X,
    "/vehicle/v2x_in": T_V2X, "/vehicle/objects": T_OBJECT_LIST, "/vehicle/speed_command": T_TWIST_STAMPED,
}
