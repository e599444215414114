"""What watches a run without taking part: the metric recorders and the bag. The harness tells every observer
what happened, event by event, in the step's order; observers never feed anything back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coop_drive.bag.recorder import RunRecorder
from coop_drive.eval.driving_metrics import DrivingRecorder
from coop_drive.eval.metrics import MetricsRecorder, RunMetrics, V2xRecorder
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.harness.link import Delivery, Direction
from coop_drive.harness.order import Task
from coop_drive.harness.sides import Publication, VehicleOutputs, VehicleSide
from coop_drive.scenario.model import EgoDriver, Scenario
from coop_drive.sensors.object_sensor import Detection
from coop_drive.world.backend import ActorState
from coop_drive.world.collision import ego_collisions
from coop_drive.world.traffic_lights import NextSignal


@dataclass(frozen=True)
class WorldView:
    """The world as observed after a step."""

    time_s: float
    states: Mapping[str, ActorState]
    next_signal: NextSignal | None  # the ego's next signal (signalised maps)
    signalised: bool
    fuel_rate_mgps: float | None
    arrived: bool


@dataclass(frozen=True)
class VehicleStatus:
    """The car's own account of a run (its automation level's interventions, its supervisor, its reception)."""

    warnings_issued: int = 0
    takeover_requested_s: float | None = None
    minimal_risk_s: float | None = None
    v2x_degraded_s: float | None = None  # when the supervisor first found the V2X information stale
    plan_cycles_followed: int = 0
    frames_rejected: int = 0

    @classmethod
    def of(cls, vehicle: VehicleSide) -> VehicleStatus:
        planner = vehicle.planner
        return cls(planner.automation.warnings_issued, planner.automation.takeover_requested_at_s,
                   planner.automation.minimal_risk_at_s, planner.supervisor.first_degraded_s,
                   planner.plan_cycles_followed, vehicle.reception.frames_rejected)


class RunObserver:
    """The events of a run; every method does nothing unless overridden."""

    def on_world(self, view: WorldView) -> None:
        pass

    def on_scan(self, side: str, time_s: float, sensor_id: str, detections: Sequence[Detection],
                scan_ns: int) -> None:
        pass

    def on_sent(self, direction: Direction, send_ns: int, time_s: float, sent: Publication,
                delivery: Delivery | None) -> None:
        pass

    def on_delivered(self, delivery: Delivery) -> None:
        pass

    def on_plan(self, time_ns: int, time_s: float, outputs: VehicleOutputs | None, vehicle: VehicleSide,
                states: Mapping[str, ActorState]) -> None:
        pass


class MetricsObserver(RunObserver):
    """Safety, driving, V2X and perception metrics of one run."""

    def __init__(self, scenario: Scenario, scored: PerceptionRecorder, start_s: float) -> None:
        self.ego_id = scenario.ego.actor_id
        self.scenario = scenario
        self.start_s = start_s
        self.safety = MetricsRecorder(self.ego_id)
        self.v2x = V2xRecorder()
        self.driving = DrivingRecorder()
        self.scored = scored

    @property
    def metrics(self) -> RunMetrics:
        return self.safety.metrics

    def on_world(self, view: WorldView) -> None:
        self.safety.on_step(view.time_s, view.states, ego_collisions(view.states, self.ego_id))
        own = view.states.get(self.ego_id)
        if own is not None:
            self.driving.on_step(view.time_s, own.speed_mps, view.fuel_rate_mgps)
        if view.signalised:
            self.driving.on_signal(view.next_signal)
        self.scored.on_truth(view.time_s, view.states)
        if view.arrived and self.metrics.ego_travel_time_s is None:
            self.metrics.ego_travel_time_s = view.time_s - self.start_s

    def on_sent(self, direction: Direction, send_ns: int, time_s: float, sent: Publication,
                delivery: Delivery | None) -> None:
        if direction is Direction.UP:
            self.metrics.v2x_uplink_frames_sent += 1
            return
        self.metrics.v2x_frames_sent += 1
        if sent.task is Task.RSM:  # the object lists' latency, delivery ratio and age of information
            self.v2x.on_sent(delivery is not None)

    def on_delivered(self, delivery: Delivery) -> None:
        if delivery.direction is Direction.UP:
            self.metrics.v2x_uplink_frames_delivered += 1
            return
        if delivery.generation_ns is not None:
            self.v2x.on_delivered(delivery.due_ns, delivery.generation_ns, len(delivery.frame))
        self.metrics.v2x_frames_delivered += 1

    def on_plan(self, time_ns: int, time_s: float, outputs: VehicleOutputs | None, vehicle: VehicleSide,
                states: Mapping[str, ActorState]) -> None:
        self.v2x.on_plan(time_ns)
        if outputs is None:
            return
        own = states[self.ego_id]
        signals = vehicle.planner.signals
        if signals is not None and self.scenario.ego_driver is EgoDriver.PLANNER:
            self.driving.on_advice(own.speed_mps, signals.last_advice_mps)
        self.scored.on_picture(time_s, states, vehicle.planner.last_picture)

    def finish(self, end_s: float, vehicle: VehicleStatus) -> RunMetrics:
        """The run's metrics, at its end."""
        m = self.metrics
        m.sim_time_s = end_s - self.start_s
        m.v2x_frames_rejected = vehicle.frames_rejected
        self.v2x.fill(m)
        m.warnings_issued = vehicle.warnings_issued
        m.takeover_requested_s = vehicle.takeover_requested_s
        m.minimal_risk_s = vehicle.minimal_risk_s
        m.v2x_degraded_s = vehicle.v2x_degraded_s
        m.plan_cycles_followed = vehicle.plan_cycles_followed
        self.driving.fill(m)
        self.scored.fill(m)
        return m


_SENT_TOPIC = {Direction.UP: "/vehicle/v2x_out", Direction.DOWN: "/mec/v2x_out"}
_DELIVERED_TOPIC = {Direction.UP: "/mec/v2x_in", Direction.DOWN: "/vehicle/v2x_in"}


class BagObserver(RunObserver):
    """Records every input and output of the sides (``bag/recorder.py`` names the topics)."""

    def __init__(self, recorder: RunRecorder, ego_id: str) -> None:
        self.recorder = recorder
        self.ego_id = ego_id

    def on_world(self, view: WorldView) -> None:
        self.recorder.on_world(view.time_s, view.states, self.ego_id, view.next_signal, view.signalised)

    def on_scan(self, side: str, time_s: float, sensor_id: str, detections: Sequence[Detection],
                scan_ns: int) -> None:
        self.recorder.on_detections(side, time_s, sensor_id, detections, scan_ns)

    def on_sent(self, direction: Direction, send_ns: int, time_s: float, sent: Publication,
                delivery: Delivery | None) -> None:
        if sent.tracks is not None:
            self.recorder.on_mec_publish(send_ns, time_s, sent.tracks, sent.frame)
        else:
            self.recorder.on_frame(_SENT_TOPIC[direction], send_ns, sent.frame)

    def on_delivered(self, delivery: Delivery) -> None:
        self.recorder.on_frame(_DELIVERED_TOPIC[delivery.direction], delivery.due_ns, delivery.frame)

    def on_plan(self, time_ns: int, time_s: float, outputs: VehicleOutputs | None, vehicle: VehicleSide,
                states: Mapping[str, ActorState]) -> None:
        if outputs is not None:
            self.recorder.on_plan(time_ns, time_s, outputs.picture.fused, outputs.speed_command_mps)
