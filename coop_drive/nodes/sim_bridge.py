"""The simulator bridge: owns the world (SUMO) and the sensor models, publishes /clock, ground truth, the ego's
odometry and sensor scans, and advances the world only after the stack has reported the step (synchronous
stepping). Writes metrics.json at the end of the run.

Order inside one step, as in the in-process runtime: world tick, ground truth, sensors (every scan due in
[t, t + step)), then the stack (MEC publication, link deliveries due by t, vehicle planning), then the
vehicle's speed command is applied and the world ticks again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]

from coop_drive.bag.messages import (
    T_CLOCK,
    T_IMU,
    T_MARKERS,
    T_OBJECT_LIST,
    T_ODOM,
    T_PATH,
    T_SCAN,
    T_STRING,
    T_TWIST_STAMPED,
    T_V2X,
    estimates_from_msg,
    frame_bytes,
    stamp_ns,
)
from coop_drive.bag.recorder import bag_config
from coop_drive.eval.driving_metrics import DrivingRecorder
from coop_drive.eval.metrics import MetricsRecorder, V2xRecorder, write_metrics
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.harness.scheduler import EventScheduler
from coop_drive.launching.runner import EXIT_STARTUP_FAILED
from coop_drive.nodes.base import SteppedNode, run_node
from coop_drive.nodes.support import unsupported
from coop_drive.nodes.topology import BRIDGE, RECORDER, stack_nodes, upstream_of
from coop_drive.rng import stream
from coop_drive.scenario import Split
from coop_drive.scenario.model import ActorSpec
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.units import s_to_ns
from coop_drive.v2x.frame import MessageType
from coop_drive.world.collision import ego_collisions
from coop_drive.world.signals import NextSignal, next_signal_to_json, plans_to_json
from coop_drive.world.sumo_backend import SumoWorld


class SimBridge(SteppedNode):
    """Drives the world one step at a time."""

    def __init__(self) -> None:
        super().__init__("sim_bridge")
        self.declare_scenario_parameters()
        d = ParameterDescriptor
        self.declare_parameter("output_dir", "", d(description="directory for metrics.json and run.json; "
                                                               "empty: none written"))
        self.declare_parameter("require", [""], d(description="nodes that must be up before the first step; "
                                                              "empty: the stack of the split and the recorder"))
        self.scenario = self.load_scenario()
        sc = self.scenario
        self._out = str(self.get_parameter("output_dir").value)
        required = [n for n in self.get_parameter("require").value if n]
        self._required = set(required or [*stack_nodes(sc)[1:], RECORDER])
        self._seen: set[str] = set()  # nodes ready (they have heard each of their upstream nodes)
        self._alive: set[str] = set()  # nodes whose beacons arrive
        self._all_alive_s: float | None = None
        self.declare_parameter("pairing_timeout_s", 20.0, d(
            description="wall time [s] to wait, once every node is alive, for every node to hear its upstream nodes"))
        self._pairing_timeout_s = float(self.get_parameter("pairing_timeout_s").value)
        self._t0_wall = time.monotonic()
        self._first_step_wall: float | None = None

        self.t_clock = self.add_output("/clock", T_CLOCK)
        self.t_config = self.add_output("run/config", T_STRING)
        self.t_route = self.add_output("run/route", T_PATH)
        self.t_plans = self.add_output("run/signal_plans", T_STRING)  # signalised maps: for the SPaT service
        self.t_signal = self.add_output("vehicle/signal", T_STRING)  # signalised maps: the ego's next signal
        self.t_truth = self.add_output("ground_truth/objects", T_OBJECT_LIST)
        self.t_markers = self.add_output("ground_truth/markers", T_MARKERS)  # live view (RViz), not recorded
        self.t_odom = self.add_output("vehicle/odom", T_ODOM)
        self.t_imu = self.add_output("vehicle/imu", T_IMU)  # heading and acceleration (the BSM's), not recorded
        self.t_onboard = self.add_output("vehicle/detections", T_SCAN)
        self.t_roadside = self.add_output("mec/detections", T_SCAN)
        self.t_cmd = self.add_input("vehicle/speed_command", T_TWIST_STAMPED)
        self.t_picture = self.add_input("vehicle/objects", T_OBJECT_LIST)  # scored: GOSPA, RMSE, first detection
        self.t_planner_status = self.add_input("vehicle/planner/status", T_STRING)  # vehicle-side metrics, advice
        self.t_perception_status = self.add_input("vehicle/perception/status", T_STRING)  # frames rejected
        self.t_sent = self.add_input("mec/v2x_out", T_V2X, best_effort=True)
        self.t_delivered = self.add_input("vehicle/v2x_in", T_V2X, best_effort=True)
        self.t_up_sent = self.add_input("vehicle/v2x_out", T_V2X, best_effort=True)
        self.t_up_delivered = self.add_input("mec/v2x_in", T_V2X, best_effort=True)
        self.begin(upstream_of(BRIDGE, sc))

        self.world = SumoWorld()
        self.world.start(sc)
        refusal = unsupported(sc)
        if refusal is not None:  # ros2 launch: coop-drive launch refuses before starting anything
            self.get_logger().error(refusal)
            self.exit_code, self.finished = 2, True
            self.world.close()
            return
        self.ego_id = sc.ego.actor_id
        buildings = self.world.buildings()
        self.signal_plans = self.world.signal_plans()
        self.route = self.world.ego_route_path()
        self.metrics_recorder = MetricsRecorder(self.ego_id)
        self.metrics = self.metrics_recorder.metrics
        self.perception = PerceptionRecorder(self.ego_id, self.route, sc.ego.width_m)
        self.v2x = V2xRecorder()
        self.driving = DrivingRecorder()
        self.next_signal: NextSignal | None = None  # signalised maps: the ego's next signal (ground truth)
        self.vehicle_status: dict[str, Any] = {}
        self.reception_status: dict[str, Any] = {}  # stops, stopped time, fuel, jerk (the ego's ground truth)
        self.start_ns, self.step_ns = s_to_ns(self.world.time_s), s_to_ns(sc.step_s)
        self.end_ns = self.start_ns + s_to_ns(sc.duration_s)
        self.pending: list[ActorSpec] = list(sc.actors)
        # Sensor scans on the in-process runtime's scheduler, so that scans due at one instant run in its order.
        self.sensor_events = EventScheduler()
        self.sensor_events.now_ns = self.start_ns
        sides = [("vehicle", "onboard/", sc.onboard_sensors)]
        if sc.split is not Split.ONBOARD:
            sides.append(("mec", "roadside/", sc.roadside_sensors))
        for side, prefix, specs in sides:
            for spec in specs:
                sensor = ObjectSensor(spec, buildings, stream(sc.seed, prefix + spec.sensor_id))
                self.sensor_events.every(self.start_ns, s_to_ns(1.0 / spec.rate_hz), 0,
                                         partial(self._scan, side, sensor))
        self.states = self.world.actor_states()
        self._first = True
        self.get_logger().info(f"{sc.name}: split {sc.split.value}; waiting for {sorted(self._required)}")

    # --- start-up ----------------------------------------------------------------------------
    def on_beacon(self, node: str, ready: bool) -> None:
        if not self._first:
            return
        self._alive.add(node)
        if ready and node not in self._seen:
            self._seen.add(node)
            if self._required <= self._seen:
                self._first = False
                self.get_logger().info(f"all nodes up after {time.monotonic() - self._t0_wall:.1f} s; running")
                self._first_step_wall = time.monotonic()
                self._observe()
                self._spawn_due()
                self._emit_step(first=True)

    def _startup_failure(self, now: float) -> str | None:
        """Why the run cannot start (then the launch may simply be started again), or None while it may."""
        missing = sorted(self._required - self._seen)
        if now - self._t0_wall > self.startup_timeout_s:
            return f"nodes did not come up within {self.startup_timeout_s:.0f} s: {missing}"
        if self._required <= self._alive:  # every node is up; some have not heard all of their upstream nodes
            self._all_alive_s = self._all_alive_s or now
            if now - self._all_alive_s > self._pairing_timeout_s:
                return (f"nodes did not come up within {self._pairing_timeout_s:.0f} s of all being alive: "
                        f"{missing} have not heard each of their upstream nodes "
                        "(DDS has not connected a pair of nodes)")
        return None

    def _watchdog(self) -> None:
        failure = self._startup_failure(time.monotonic()) if self._first else None
        if failure is not None:
            self.get_logger().error(failure)
            self.exit_code, self.finished = EXIT_STARTUP_FAILED, True
            self.world.close()
            return
        super()._watchdog()
        if self.finished and self.exit_code:
            if self.exit_code == 1 and s_to_ns(self.world.time_s) == self.start_ns:
                # stuck in the first step: the world has not moved, nothing has run; like a failed start-up
                self.get_logger().error("the first step never completed (a pair of nodes not connected by DDS)")
                self.exit_code = EXIT_STARTUP_FAILED
            self._finish(aborted=True)

    # --- one step ----------------------------------------------------------------------------
    def _observe(self) -> None:
        w = self.world
        self.states = w.actor_states()
        time_s = w.time_s
        self.metrics_recorder.on_step(time_s, self.states, ego_collisions(self.states, self.ego_id))
        ego = self.states.get(self.ego_id)
        if ego is not None:
            self.driving.on_step(time_s, ego.speed_mps, w.ego_fuel_rate_mgps())
        if self.signal_plans:
            self.next_signal = w.ego_next_signal()
            self.driving.on_signal(self.next_signal)
        self.perception.on_truth(time_s, self.states)
        if w.ego_arrived() and self.metrics.ego_travel_time_s is None:
            self.metrics.ego_travel_time_s = time_s - self.start_ns / 1e9

    def _spawn_due(self) -> None:
        travelled = self.world.ego_travelled_m()
        for spec in list(self.pending):
            if (spec.depart_time_s is not None and self.world.time_s >= spec.depart_time_s) or (
                    spec.trigger_ego_travelled_m is not None and travelled >= spec.trigger_ego_travelled_m):
                self.world.spawn_actor(spec)
                self.pending.remove(spec)

    def _publish_world(self, t: int) -> None:
        self.publish(self.t_clock, self.msgs.clock(t))
        self.publish(self.t_truth, self.msgs.ground_truth(t, self.states))
        self.publish(self.t_markers, self.msgs.markers(t, self.states, self.ego_id))
        ego = self.states.get(self.ego_id)
        if ego is not None:
            self.publish(self.t_odom, self.msgs.odometry(t, ego))
            self.publish(self.t_imu, self.msgs.imu(t, ego))
        if self.signal_plans:  # the camera's view of the next signal, JSON (coop_drive.world.signals)
            self.publish(self.t_signal, self.msgs.string(next_signal_to_json(self.next_signal)))

    def _emit_step(self, first: bool = False) -> None:
        t = s_to_ns(self.world.time_s)
        if first:
            config = bag_config(self.scenario, {"scenario": self.scenario.name, "split": self.scenario.split.value,
                                                "seed": self.scenario.seed}, "ros")
            self.publish(self.t_config, self.msgs.string(json.dumps(config, sort_keys=True)))
            self.publish(self.t_route, self.msgs.route(t, self.route))
            if self.signal_plans:
                self.publish(self.t_plans, self.msgs.string(plans_to_json(self.signal_plans)))
        self._publish_world(t)
        self.sensor_events.run_until(min(t + self.step_ns - 1, self.end_ns))  # scans due in [t, t + step)
        self.report_step(t)

    def _scan(self, side: str, sensor: ObjectSensor, scan_ns: int) -> None:
        detections = sensor.sense(self.world.time_s, self.ego_id if side == "vehicle" else None, self.states)
        topic = self.t_onboard if side == "vehicle" else self.t_roadside
        self.publish(topic, self.msgs.detections(s_to_ns(self.world.time_s), sensor.spec.sensor_id, detections,
                                                 scan_ns))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        """The stack has finished step ``stamp``: account V2X, apply the command, tick, publish the next step."""
        for data in messages[self.t_sent]:
            self.metrics.v2x_frames_sent += 1
            if _object_list(self.msgs.deserialize(data, T_V2X)):  # plans and MAPs: not in the latency/AoI stats
                self.v2x.frames_sent += 1
        for data in messages[self.t_delivered]:
            msg = self.msgs.deserialize(data, T_V2X)
            self.metrics.v2x_frames_delivered += 1
            if _object_list(msg):
                self.v2x.on_delivered(stamp_ns(msg.header.stamp), stamp_ns(msg.generation_stamp),
                                      len(frame_bytes(msg)))
        self.metrics.v2x_uplink_frames_sent += len(messages[self.t_up_sent])
        for data in messages[self.t_up_delivered]:  # the uplink relay delivers up to t + step; the run ends at end
            if stamp_ns(self.msgs.deserialize(data, T_V2X).header.stamp) <= self.end_ns:
                self.metrics.v2x_uplink_frames_delivered += 1
        self.v2x.frames_in_flight = 0
        self.v2x.on_plan(stamp)
        for data in messages[self.t_picture]:  # the fused picture the vehicle planned on at this step
            picture = estimates_from_msg(self.msgs.deserialize(data, T_OBJECT_LIST))
            self.perception.on_picture(self.world.time_s, self.states, picture)
        ego = self.states.get(self.ego_id)
        for data in messages[self.t_planner_status]:  # with this step's command
            self.vehicle_status = json.loads(self.msgs.deserialize(data, T_STRING).data)
            if ego is not None:  # the GLOSA advice in force at t and the speed at t (None: no advice)
                self.driving.on_advice(ego.speed_mps, self.vehicle_status.get("advice_mps"))
        for data in messages[self.t_perception_status]:
            self.reception_status = json.loads(self.msgs.deserialize(data, T_STRING).data)
        for data in messages[self.t_cmd]:
            cmd = self.msgs.deserialize(data, T_TWIST_STAMPED)
            self.world.command_ego_speed(float(cmd.twist.linear.x))
        next_ns = stamp + self.step_ns
        if next_ns > self.end_ns:
            self._final(stamp)
            return
        self.world.tick()
        self._observe()
        self._spawn_due()
        if self.metrics.collision or self.world.ego_arrived():
            self._final(s_to_ns(self.world.time_s), publish_world=True)
            return
        self._emit_step()

    def _final(self, t: int, publish_world: bool = False) -> None:
        if publish_world:
            self._publish_world(t)
        self.report_step(t, final=True)
        self._finish(aborted=False)

    def _finish(self, aborted: bool) -> None:
        m = self.metrics
        m.sim_time_s = self.world.time_s - self.start_ns / 1e9
        self.v2x.fill(m)
        self.perception.fill(m)
        self.driving.fill(m)
        vs = self.vehicle_status  # the vehicle planner's state after its last plan
        if vs:
            m.warnings_issued, m.plan_cycles_followed = int(vs["warnings_issued"]), int(vs["plan_cycles_followed"])
            m.takeover_requested_s, m.minimal_risk_s = vs["takeover_requested_s"], vs["minimal_risk_s"]
            m.v2x_degraded_s = vs["v2x_degraded_s"]
        m.v2x_frames_rejected = int(vs.get("frames_rejected", 0)) + int(self.reception_status.get("frames_rejected", 0))
        m.wall_time_s = time.monotonic() - (self._first_step_wall or self._t0_wall)  # start-up excluded
        self.world.close()
        if self._out:
            out = Path(self._out)
            out.mkdir(parents=True, exist_ok=True)
            write_metrics(m, out / "metrics.json")
            (out / "run.json").write_text(json.dumps(
                {"runtime": "ros", "scenario_file": str(self.scenario.source_path), "split": self.scenario.split.value,
                 "seed": self.scenario.seed, "link": self.scenario.link.describe(), "aborted": aborted},
                indent=2, sort_keys=True) + "\n", encoding="utf-8")
        self.get_logger().info(f"run {'ABORTED' if aborted else 'finished'} at {m.sim_time_s:.2f} s: collision "
                               f"{m.collision}, min TTC {m.min_ttc_s:.2f} s")
        self.finished = True


def _object_list(msg: Any) -> bool:
    """An RSM frame, or one too corrupted to tell (the object-list statistics count those, as in-process)."""
    kind = int(msg.message_type)
    return kind not in (int(MessageType.SPEED_PLAN), int(MessageType.MAP), int(MessageType.SPAT))


def main(args: Sequence[str] | None = None) -> int:
    return run_node(SimBridge, args)


if __name__ == "__main__":
    raise SystemExit(main())
