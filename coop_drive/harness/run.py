"""The in-process harness: the world loop, the sides and the link on one discrete-event scheduler.

It owns the loop — spawn, observe, sense, publish, deliver, plan, actuate — in the order of ``harness/order.py``;
the car and the MEC are ``harness/sides.py``; metrics and the bag are observers (``harness/observers.py``).
Same scenario, seed and config give identical metrics and bags.
"""

from __future__ import annotations

import time
from functools import partial

from coop_drive.bag.recorder import RunRecorder
from coop_drive.eval.metrics import RunMetrics
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.harness.link import Direction, DuplexLink
from coop_drive.harness.observers import BagObserver, MetricsObserver, RunObserver, VehicleStatus, WorldView
from coop_drive.harness.order import PeriodicTask, Phase, Task, periodic_tasks
from coop_drive.harness.scheduler import EventScheduler
from coop_drive.harness.sides import EgoState, MecSide, Publication, VehicleSide
from coop_drive.harness.world import SCANS, WorldLoop
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.scenario.loader import ScenarioError
from coop_drive.scenario.model import MapSource, Scenario
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.world.backend import WorldBackend


def run_scenario(scenario: Scenario, world: WorldBackend, bag: RunRecorder | None = None) -> RunMetrics:
    """Run one scenario to its end (duration, ego arrival or ego collision); the world is closed after.

    With ``bag``, every input and output of the sides is recorded (closed by the caller).
    """
    wall_start = time.perf_counter()
    try:
        metrics = Harness(scenario, world, bag).run()
    finally:
        world.close()
    metrics.wall_time_s = time.perf_counter() - wall_start
    return metrics


class Harness:
    """One run: the world, the two sides, the link, the observers."""

    def __init__(self, scenario: Scenario, world: WorldBackend, bag: RunRecorder | None = None) -> None:
        self.scenario = scenario
        self.world = WorldLoop(scenario, world)
        route, signal_plans = self.world.route, self.world.signal_plans
        hdmap = load_map(scenario.map_path) if signal_plans else None
        map_service = MapService(hdmap) if hdmap is not None else None  # one service for the car and the MEC
        if hdmap is not None and scenario.map_source is MapSource.MEC and scenario.split.uses_v2x:
            raise ScenarioError(scenario.source_path, "vehicle.map",
                                "'mec' is not supported on a signalised map yet (the car's signal driving reads "
                                "the onboard map, not the received MAP)")
        self.start_ns = self.world.start_ns
        self.vehicle = VehicleSide(scenario, route, map_service, self.world.time_s)
        self.mec = MecSide(scenario, map_service, signal_plans) if scenario.split.uses_v2x else None
        self.link = DuplexLink(scenario.link.config, scenario.seed)
        scored = PerceptionRecorder(scenario.ego.actor_id, route, scenario.ego.width_m)
        self.metrics = MetricsObserver(scenario, scored, ns_to_s(self.start_ns))
        self.observers: list[RunObserver] = [self.metrics]
        if bag is not None:
            bag.on_start(self.world.time_s, route, signal_plans)
            self.observers.append(BagObserver(bag, scenario.ego.actor_id))
        self.scheduler = EventScheduler()
        self.scheduler.now_ns = self.start_ns

    def run(self) -> RunMetrics:
        has_spat = self.mec is not None and self.mec.has_spat
        for task in periodic_tasks(self.scenario, spat=has_spat):
            self.scheduler.every(self.start_ns + task.first_offset_ns, task.period_ns, task.task.phase,
                                 partial(self._fire, task))
        self._observed(self.world.observe())
        self.world.spawn_due()
        metrics = self.metrics.metrics
        self.scheduler.run_until(self.start_ns + s_to_ns(self.scenario.duration_s),
                                 stop=lambda: metrics.collision or self.world.world.ego_arrived())
        return self.metrics.finish(self.world.time_s, VehicleStatus.of(self.vehicle))

    def _fire(self, task: PeriodicTask, time_ns: int) -> None:
        kind = task.task
        if kind is Task.WORLD_STEP:
            self._observed(self.world.step())
        elif kind in SCANS:
            self._scan(task, time_ns)
        elif kind is Task.TRIP_REGISTRATION:
            self._send_registration(time_ns)
        elif kind is Task.BSM:
            self._send_bsm(time_ns)
        elif kind is Task.VEHICLE_PLAN:
            self._plan(time_ns)
        elif self.mec is not None:
            for sent in self.mec.publish(kind, time_ns, self.world.time_s):
                self._send(Direction.DOWN, time_ns, sent)

    def _own(self) -> EgoState | None:
        """The car's own state as last observed (None: it has left the world)."""
        own = self.world.states.get(self.scenario.ego.actor_id)
        return None if own is None else EgoState.of(self.world.time_s, own)

    # Phase.WORLD
    def _observed(self, view: WorldView) -> None:
        own = view.states.get(self.scenario.ego.actor_id)
        self.vehicle.observe(None if own is None else EgoState.of(view.time_s, own), view.next_signal)
        for observer in self.observers:
            observer.on_world(view)

    # Phase.SENSE
    def _scan(self, task: PeriodicTask, scan_ns: int) -> None:
        side, sensor_id, detections = self.world.scan(task)
        for observer in self.observers:
            observer.on_scan(side, self.world.time_s, sensor_id, detections, scan_ns)
        if task.task is Task.VEHICLE_SCAN:
            self.vehicle.sense(self.world.time_s, detections)
        elif self.mec is not None:
            self.mec.sense(self.world.time_s, detections)

    # Phase.PUBLISH
    def _send_registration(self, time_ns: int) -> None:
        own = self._own()
        frame = None if own is None else self.vehicle.trip_registration(own)
        if frame is not None:  # None: a speed plan has arrived (or the car has left the world)
            self._send(Direction.UP, time_ns, Publication(Task.TRIP_REGISTRATION, frame))

    def _send_bsm(self, time_ns: int) -> None:
        own = self._own()
        if own is not None:  # None: the car has left the world, no BSM
            self._send(Direction.UP, time_ns, Publication(Task.BSM, self.vehicle.bsm(own)))

    def _send(self, direction: Direction, time_ns: int, sent: Publication) -> None:
        generation_ns = s_to_ns(self.world.time_s) if sent.task is Task.RSM else None
        delivery = self.link.send(direction, time_ns, sent.frame, generation_ns)
        for observer in self.observers:
            observer.on_sent(direction, time_ns, self.world.time_s, sent, delivery)
        if delivery is not None:
            self.scheduler.at(delivery.due_ns, Phase.DELIVER, self._deliver)

    # Phase.DELIVER
    def _deliver(self, now_ns: int) -> None:
        for delivery in self.link.due(now_ns):
            for observer in self.observers:
                observer.on_delivered(delivery)
            if delivery.direction is Direction.DOWN:
                self.vehicle.receive(delivery.frame)
            elif self.mec is not None:
                self.mec.receive(self.world.time_s, delivery.frame)

    # Phase.PLAN
    def _plan(self, time_ns: int) -> None:
        own = self._own()
        outputs = None if own is None else self.vehicle.plan(self.world.time_s, own)
        for observer in self.observers:
            observer.on_plan(time_ns, self.world.time_s, outputs, self.vehicle, self.world.states)
        if outputs is not None:
            self.world.world.command_ego_speed(outputs.speed_command_mps)
