"""The simulator bridge: the ROS adapter of the harness's world loop (``harness/world.py``) and metric recorders
(``harness/observers.py``). It owns the world (SUMO) and the sensor models, publishes /clock, ground truth, the
ego's odometry and sensor scans, and advances the world only after the stack has reported the step (synchronous
stepping). Writes metrics.json at the end of the run.

One step follows ``harness/order.py``: the world (tick, ground truth), the scans due in [t, t + step), then the
stack's publications, deliveries and plan; the speed command is applied and the world ticks again.

In realtime mode (``mode: realtime``) the bridge does not wait for the stack: a wall-clock timer steps the world
every ``step_s / real_time_factor`` seconds with the newest speed command that has arrived, and the other
nodes run on the /clock it publishes. Only the start (every node up) and the end (the final status) are shared.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]
from rclpy.clock import Clock, ClockType

from coop_drive.bag.recorder import bag_config
from coop_drive.bag.ros_messages import (
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
from coop_drive.bag.signal_messages import (
    T_RECEPTION_STATUS,
    T_SIGNAL_PLANS,
    T_SIGNAL_VIEW,
    T_VEHICLE_STATUS,
    reception_from_msg,
    signal_plans,
    signal_view,
    vehicle_status_from_msg,
)
from coop_drive.cores.onboard_perception import ReceptionStats
from coop_drive.cores.onboard_planning import PlannerStatus
from coop_drive.eval.metrics import write_metrics
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.harness.observers import MetricsObserver, VehicleStatus, WorldView
from coop_drive.harness.order import PeriodicTask
from coop_drive.harness.scheduler import EventScheduler
from coop_drive.harness.world import WorldLoop
from coop_drive.launching.runner import EXIT_STARTUP_FAILED
from coop_drive.nodes.base import REALTIME, SteppedNode, run_node
from coop_drive.nodes.support import unsupported
from coop_drive.nodes.topology import BRIDGE, RECORDER, stack_nodes, upstream_of
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.v2x.frame import MessageType
from coop_drive.world.sumo_backend import SumoWorld
from coop_drive.world.traffic_lights import NextSignal


class SimBridge(SteppedNode):
    """Drives the world one step at a time."""

    def __init__(self, **options: Any) -> None:
        super().__init__("sim_bridge", **options)
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
        self.t_plans = self.add_output("run/signal_plans", T_SIGNAL_PLANS)  # signalised maps: for the SPaT service
        self.t_signal = self.add_output("vehicle/signal", T_SIGNAL_VIEW)  # signalised maps: the ego's next signal
        self.t_truth = self.add_output("ground_truth/objects", T_OBJECT_LIST)
        self.t_markers = self.add_output("ground_truth/markers", T_MARKERS)  # live view (RViz), not recorded
        self.t_odom = self.add_output("vehicle/odom", T_ODOM)
        self.t_imu = self.add_output("vehicle/imu", T_IMU)  # heading and acceleration (the BSM's), not recorded
        self.t_onboard = self.add_output("vehicle/detections", T_SCAN)
        self.t_roadside = self.add_output("mec/detections", T_SCAN)
        self.t_cmd = self.add_input("vehicle/speed_command", T_TWIST_STAMPED)
        self.t_picture = self.add_input("vehicle/objects", T_OBJECT_LIST)  # scored: GOSPA, RMSE, first detection
        self.t_planner_status = self.add_input("vehicle/planner/status", T_VEHICLE_STATUS)  # metrics, advice
        self.t_perception_status = self.add_input("vehicle/perception/status", T_RECEPTION_STATUS)  # rejected
        self.t_sent = self.add_input("mec/v2x_out", T_V2X, best_effort=True)
        self.t_delivered = self.add_input("vehicle/v2x_in", T_V2X, best_effort=True)
        self.t_up_sent = self.add_input("vehicle/v2x_out", T_V2X, best_effort=True)
        self.t_up_delivered = self.add_input("mec/v2x_in", T_V2X, best_effort=True)
        self.begin(upstream_of(BRIDGE, sc), clock_driven=False)

        self.loop = WorldLoop(sc, SumoWorld())
        self.world = self.loop.world
        refusal = unsupported(sc)
        if refusal is not None:  # ros2 launch: coop-drive launch refuses before starting anything
            self.get_logger().error(refusal)
            self.exit_code, self.finished = 2, True
            self.world.close()
            return
        self.ego_id = sc.ego.actor_id
        self.signal_plans = self.loop.signal_plans
        self.route = self.loop.route
        self.start_ns, self.step_ns = self.loop.start_ns, s_to_ns(sc.step_s)
        self.end_ns = self.start_ns + s_to_ns(sc.duration_s)
        self.recorders = MetricsObserver(sc, PerceptionRecorder(self.ego_id, self.route, sc.ego.width_m),
                                         ns_to_s(self.start_ns))
        self.metrics = self.recorders.metrics
        self.next_signal: NextSignal | None = None  # signalised maps: the ego's next signal (ground truth)
        self.vehicle_status: PlannerStatus | None = None
        self.reception_status: ReceptionStats | None = None
        # Sensor scans on a scheduler of their own, in the step's order (harness/order.py)
        self.sensor_events = EventScheduler()
        self.sensor_events.now_ns = self.start_ns
        for task in self.loop.scans():
            self.sensor_events.every(self.start_ns, task.period_ns, 0, partial(self._scan, task))
        self.states = self.loop.states
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
                self._observed(self.loop.observe())
                self.loop.spawn_due()
                self._emit_step(first=True)
                if self.mode == REALTIME:
                    self._progress.start(time.monotonic())
                    period_s = self.scenario.step_s / self.real_time_factor
                    self._free_timer = self.create_timer(period_s, self._free_step,
                                                         clock=Clock(clock_type=ClockType.STEADY_TIME))

    def _free_step(self) -> None:
        """Realtime: one world step on the wall clock, with whatever the stack has sent since the last one."""
        if self.finished or self._buffered is None:
            self._free_timer.cancel()
            return
        self.on_step(s_to_ns(self.world.time_s), self._buffered.take())

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
    def _observed(self, view: WorldView) -> None:
        self.states, self.next_signal = self.loop.states, view.next_signal
        self.recorders.on_world(view)

    def _publish_world(self, t: int) -> None:
        self.publish(self.t_clock, self.msgs.clock(t))
        self.publish(self.t_truth, self.msgs.ground_truth(t, self.states))
        self.publish(self.t_markers, self.msgs.markers(t, self.states, self.ego_id))
        ego = self.states.get(self.ego_id)
        if ego is not None:
            self.publish(self.t_odom, self.msgs.odometry(t, ego))
            self.publish(self.t_imu, self.msgs.imu(t, ego))
        if self.signal_plans:  # the camera's view of the next signal
            self.publish(self.t_signal, signal_view(self.msgs, t, self.next_signal))

    def _emit_step(self, first: bool = False) -> None:
        t = s_to_ns(self.world.time_s)
        if first:
            config = bag_config(self.scenario, {"scenario": self.scenario.name, "split": self.scenario.split.value,
                                                "seed": self.scenario.seed}, "ros")
            self.publish(self.t_config, self.msgs.string(json.dumps(config, sort_keys=True)))
            self.publish(self.t_route, self.msgs.route(t, self.route))
            if self.signal_plans:
                self.publish(self.t_plans, signal_plans(self.msgs, t, self.signal_plans))
        self._publish_world(t)
        self.sensor_events.run_until(min(t + self.step_ns - 1, self.end_ns))  # scans due in [t, t + step)
        self.report_step(t)

    def _scan(self, task: PeriodicTask, scan_ns: int) -> None:
        side, sensor_id, detections = self.loop.scan(task)
        topic = self.t_onboard if side == "vehicle" else self.t_roadside
        self.publish(topic, self.msgs.detections(s_to_ns(self.loop.time_s), sensor_id, detections, scan_ns))

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        """The stack has finished step ``stamp``: account V2X, apply the command, tick, publish the next step."""
        for data in messages[self.t_sent]:
            self.metrics.v2x_frames_sent += 1
            if _object_list(self.msgs.deserialize(data, T_V2X)):  # plans and MAPs: not in the latency/AoI stats
                self.recorders.v2x.frames_sent += 1
        for data in messages[self.t_delivered]:
            msg = self.msgs.deserialize(data, T_V2X)
            self.metrics.v2x_frames_delivered += 1
            if _object_list(msg):
                self.recorders.v2x.on_delivered(stamp_ns(msg.header.stamp), stamp_ns(msg.generation_stamp),
                                      len(frame_bytes(msg)))
        self.metrics.v2x_uplink_frames_sent += len(messages[self.t_up_sent])
        for data in messages[self.t_up_delivered]:  # the uplink relay delivers up to t + step; the run ends at end
            if stamp_ns(self.msgs.deserialize(data, T_V2X).header.stamp) <= self.end_ns:
                self.metrics.v2x_uplink_frames_delivered += 1
        self.recorders.v2x.frames_in_flight = 0
        self.recorders.v2x.on_plan(stamp)
        for data in messages[self.t_picture]:  # the fused picture the vehicle planned on at this step
            picture = estimates_from_msg(self.msgs.deserialize(data, T_OBJECT_LIST))
            self.recorders.scored.on_picture(self.world.time_s, self.states, picture)
        ego = self.states.get(self.ego_id)
        for data in messages[self.t_planner_status]:  # with this step's command
            self.vehicle_status = vehicle_status_from_msg(self.msgs.deserialize(data, T_VEHICLE_STATUS))
            if ego is not None:  # the GLOSA advice in force at t and the speed at t (None: no advice)
                self.recorders.driving.on_advice(ego.speed_mps, self.vehicle_status.advice_mps)
        for data in messages[self.t_perception_status]:
            self.reception_status = reception_from_msg(self.msgs.deserialize(data, T_RECEPTION_STATUS))
        for data in messages[self.t_cmd]:
            cmd = self.msgs.deserialize(data, T_TWIST_STAMPED)
            self.world.command_ego_speed(float(cmd.twist.linear.x))
        next_ns = stamp + self.step_ns
        if next_ns > self.end_ns:
            self._final(stamp)
            return
        self._observed(self.loop.step())
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
        vs = self.vehicle_status  # the vehicle planner's state after its last plan
        rejected = (0 if vs is None else vs.frames_rejected) + (
            0 if self.reception_status is None else self.reception_status.frames_rejected)
        status = VehicleStatus(frames_rejected=rejected) if vs is None else VehicleStatus(
            vs.warnings_issued, vs.takeover_requested_s, vs.minimal_risk_s, vs.v2x_degraded_s,
            vs.plan_cycles_followed, rejected)
        m = self.recorders.finish(self.world.time_s, status)
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
    return kind not in _NOT_OBJECT_LISTS


_NOT_OBJECT_LISTS = frozenset(int(k) for k in (MessageType.SPEED_PLAN, MessageType.MAP, MessageType.SPAT,
                                                MessageType.BSM, MessageType.TRIP_REGISTRATION))


def main(args: Sequence[str] | None = None) -> int:
    return run_node(SimBridge, args)


if __name__ == "__main__":
    raise SystemExit(main())
