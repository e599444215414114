"""rosbag2 recording on ``rosbags``: MCAP storage, message definitions embedded, one connection per topic.

``BagRecorder`` writes already-serialised CDR (from ``MessageFactory`` or a raw rclpy subscription);
``RunRecorder`` is the in-process runtime's hook that turns domain objects into the topics of a run
(see ``coop_drive.bag.ros_messages``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from rosbags.rosbag2 import StoragePlugin, Writer

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
)
from coop_drive.bag.signal_messages import T_SIGNAL_PLANS, T_SIGNAL_VIEW, signal_view
from coop_drive.bag.signal_messages import signal_plans as signal_plans_msg
from coop_drive.bag.typestore import ROS_DISTRO, coop_drive_typestore
from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.sensors.object_sensor import Detection
from coop_drive.units import s_to_ns
from coop_drive.world.backend import ActorState
from coop_drive.world.traffic_lights import NextSignal, TimingPlan

BAG_VERSION: Literal[9] = 9  # rosbag2 metadata version written (Jazzy/Kilted `ros2 bag info` read it)


class BagRecorder:
    """Writes CDR messages into a new rosbag2 directory (MCAP). The directory must not exist yet."""

    def __init__(self, path: Path, typestore: Any | None = None) -> None:
        self.path = Path(path)
        self.typestore = typestore if typestore is not None else coop_drive_typestore()
        self._writer = Writer(self.path, version=BAG_VERSION, storage_plugin=StoragePlugin.MCAP)
        self._writer.open()
        self._connections: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def write(self, topic: str, msgtype: str, data: bytes | memoryview, time_ns: int) -> None:
        """Append one serialised message at log time time_ns."""
        conn = self._connections.get(topic)
        if conn is None:
            conn = self._writer.add_connection(topic, msgtype, typestore=self.typestore)
            self._connections[topic] = conn
        self._writer.write(conn, int(time_ns), data)
        self.counts[topic] = self.counts.get(topic, 0) + 1

    def close(self) -> None:
        """Finish the bag (MCAP summary + metadata.yaml, naming the ROS distribution of its message
        definitions rather than the writing library). Idempotent."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None  # type: ignore[assignment]
            meta = self.path / "metadata.yaml"
            text = meta.read_text(encoding="utf-8")
            meta.write_text(text.replace("  ros_distro: rosbags\n", f"  ros_distro: {ROS_DISTRO}\n", 1),
                            encoding="utf-8")


class RunRecorder:
    """The in-process runtime's recording hook: domain objects in, the run's topics out."""

    def __init__(self, path: Path, config: Mapping[str, object] | None = None) -> None:
        self.bag = BagRecorder(path)
        self.msgs = MessageFactory(self.bag.typestore)
        self._config = dict(config or {})

    def _put(self, topic: str, msgtype: str, msg: Any, time_ns: int) -> None:
        self.bag.write(topic, msgtype, self.msgs.serialize(msg), time_ns)

    def on_start(self, time_s: float, route: Polyline, signal_plans: Mapping[str, TimingPlan] | None = None) -> None:
        """The run's settings and the ego's route; on a signalised map the controllers' plans (as the ROS bridge
        publishes them on /run/signal_plans)."""
        t = s_to_ns(time_s)
        self._put("/run/config", T_STRING, self.msgs.string(json.dumps(self._config, sort_keys=True)), t)
        self._put("/run/route", T_PATH, self.msgs.route(t, route), t)
        if signal_plans:
            self._put("/run/signal_plans", T_SIGNAL_PLANS, signal_plans_msg(self.msgs, t, signal_plans), t)

    def on_world(self, time_s: float, states: Mapping[str, ActorState], ego_id: str,
                 next_signal: NextSignal | None = None, signalised: bool = False) -> None:
        """One world step; on a signalised map also what the car's camera is given (/vehicle/signal)."""
        t = s_to_ns(time_s)
        self._put("/clock", T_CLOCK, self.msgs.clock(t), t)
        self._put("/ground_truth/objects", T_OBJECT_LIST, self.msgs.ground_truth(t, states), t)
        ego = states.get(ego_id)
        if ego is not None:
            self._put("/vehicle/odom", T_ODOM, self.msgs.odometry(t, ego), t)
        if signalised:
            self._put("/vehicle/signal", T_SIGNAL_VIEW, signal_view(self.msgs, t, next_signal), t)

    def on_detections(self, side: str, time_s: float, sensor_id: str, detections: Sequence[Detection],
                      scan_ns: int | None = None) -> None:
        """One scan of the world state at time_s, fired at scan_ns (its log time; default: time_s)."""
        t = s_to_ns(time_s)
        scan = t if scan_ns is None else scan_ns
        self._put(f"/{side}/detections", T_SCAN, self.msgs.detections(t, sensor_id, detections, scan), scan)

    def on_mec_publish(self, send_ns: int, time_s: float, tracks: Sequence[ObjectEstimate], frame: bytes) -> None:
        self._put("/mec/objects", T_OBJECT_LIST, self.msgs.objects(send_ns, s_to_ns(time_s), "mec", tracks), send_ns)
        self._put("/mec/v2x_out", T_V2X, self.msgs.v2x_frame(send_ns, frame), send_ns)

    def on_v2x_delivered(self, time_ns: int, frame: bytes) -> None:
        self.on_frame("/vehicle/v2x_in", time_ns, frame)

    def on_frame(self, topic: str, time_ns: int, frame: bytes) -> None:
        """A V2X frame sent (``*/v2x_out``, at send time) or delivered (``*/v2x_in``, at due time)."""
        self._put(topic, T_V2X, self.msgs.v2x_frame(time_ns, frame), time_ns)

    def on_plan(self, time_ns: int, time_s: float, fused: Sequence[ObjectEstimate], speed_mps: float) -> None:
        self._put("/vehicle/objects", T_OBJECT_LIST, self.msgs.objects(time_ns, s_to_ns(time_s), "vehicle", fused),
                  time_ns)
        self._put("/vehicle/speed_command", T_TWIST_STAMPED, self.msgs.speed_command(time_ns, speed_mps), time_ns)

    def close(self) -> None:
        self.bag.close()


def bag_config(scenario: Any, settings: Mapping[str, object], runtime: str) -> dict[str, object]:
    """What /run/config holds: the run's settings plus what replay needs to rebuild the cores."""
    return {**settings, "runtime": runtime, "scenario_file": str(scenario.source_path),
            "latency_compensation": bool(scenario.latency_compensation),
            "max_v2x_age_s": float(scenario.max_v2x_age_s), "step_s": float(scenario.step_s),
            "automation_level": scenario.ego.automation_level.value, "map": scenario.map_source.value,
            "glosa": bool(scenario.glosa), "faults": [f"{f.kind.value}@{f.at_s!r}" for f in scenario.faults]}
