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
from coop_drive.harness.observers import BagObserver, MetricsObserver, RunObserver, WorldView
from coop_drive.harness.order import PeriodicTask, Phase, Task, periodic_tasks
from coop_drive.harness.scheduler import EventScheduler
from coop_drive.harness.sides import EgoState, MecSide, Publication, VehicleSide
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.rng import stream
from coop_drive.scenario.loader import ScenarioError
from coop_drive.scenario.model import ActorSpec, MapSource, Scenario
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.world.backend import ActorState, WorldBackend


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
        world.start(scenario)
        self.scenario, self.world = scenario, world
        buildings = world.buildings()
        route = world.ego_route_path()
        signal_plans = world.signal_plans()
        hdmap = load_map(scenario.map_path) if signal_plans else None
        map_service = MapService(hdmap) if hdmap is not None else None  # one service for the car and the MEC
        if hdmap is not None and scenario.map_source is MapSource.MEC and scenario.split.uses_v2x:
            raise ScenarioError(scenario.source_path, "vehicle.map", "'mec' is not supported on a signalised map "
                                                                      "yet (the MAP messages carry no signal groups)")
        self.time_s = world.time_s
        self.start_ns = s_to_ns(self.time_s)
        self.states: dict[str, ActorState] = world.actor_states()
        self.vehicle = VehicleSide(scenario, route, map_service, self.time_s)
        self.mec = MecSide(scenario, route, map_service, signal_plans) if scenario.split.uses_v2x else None
        self.link = DuplexLink(scenario.link.config, scenario.seed)
        sensor_sides = [(Task.VEHICLE_SCAN, "onboard/", scenario.onboard_sensors),
                        (Task.ROADSIDE_SCAN, "roadside/", scenario.roadside_sensors)]
        self.sensors: dict[tuple[Task, str | None], ObjectSensor] = {
            (task, s.sensor_id): ObjectSensor(s, buildings, stream(scenario.seed, prefix + s.sensor_id))
            for task, prefix, specs in sensor_sides for s in specs}
        scored = PerceptionRecorder(scenario.ego.actor_id, route, scenario.ego.width_m)
        self.metrics = MetricsObserver(scenario, scored, ns_to_s(self.start_ns))
        self.observers: list[RunObserver] = [self.metrics]
        if bag is not None:
            bag.on_start(self.time_s, route, signal_plans)
            self.observers.append(BagObserver(bag, scenario.ego.actor_id))
        self.pending: list[ActorSpec] = list(scenario.actors)
        self.scheduler = EventScheduler()
        self.scheduler.now_ns = self.start_ns

    def run(self) -> RunMetrics:
        has_spat = self.mec is not None and self.mec.has_spat
        for task in periodic_tasks(self.scenario, spat=has_spat):
            self.scheduler.every(self.start_ns + task.first_offset_ns, task.period_ns, task.task.phase,
                                 partial(self._fire, task))
        self._observe()
        self._spawn_due()
        metrics = self.metrics.metrics
        self.scheduler.run_until(self.start_ns + s_to_ns(self.scenario.duration_s),
                                 stop=lambda: metrics.collision or self.world.ego_arrived())
        return self.metrics.finish(self.time_s, self.vehicle)

    def _fire(self, task: PeriodicTask, time_ns: int) -> None:
        kind = task.task
        if kind is Task.WORLD_STEP:
            self.world.tick()
            self._observe()
            self._spawn_due()
        elif kind in (Task.VEHICLE_SCAN, Task.ROADSIDE_SCAN):
            self._scan(task, time_ns)
        elif kind is Task.BSM:
            self._send_bsm(time_ns)
        elif kind is Task.VEHICLE_PLAN:
            self._plan(time_ns)
        elif self.mec is not None:
            for sent in self.mec.publish(kind, time_ns, self.time_s):
                self._send(Direction.DOWN, time_ns, sent)

    # Phase.WORLD
    def _observe(self) -> None:
        world, ego_id = self.world, self.scenario.ego.actor_id
        self.states, self.time_s = world.actor_states(), world.time_s
        signalised = self.vehicle.signalised
        next_signal = world.ego_next_signal() if signalised else None
        own = self.states.get(ego_id)
        self.vehicle.observe(None if own is None else EgoState.of(self.time_s, own), next_signal)
        view = WorldView(self.time_s, self.states, next_signal, signalised, world.ego_fuel_rate_mgps(),
                         world.ego_arrived())
        for observer in self.observers:
            observer.on_world(view)

    def _spawn_due(self) -> None:
        travelled = self.world.ego_travelled_m()
        for spec in list(self.pending):
            due = (spec.depart_time_s is not None and self.time_s >= spec.depart_time_s) or (
                spec.trigger_ego_travelled_m is not None and travelled >= spec.trigger_ego_travelled_m)
            if due:
                self.world.spawn_actor(spec)
                self.pending.remove(spec)

    # Phase.SENSE
    def _scan(self, task: PeriodicTask, scan_ns: int) -> None:
        sensor = self.sensors[(task.task, task.sensor_id)]
        onboard = task.task is Task.VEHICLE_SCAN
        detections = sensor.sense(self.time_s, self.scenario.ego.actor_id if onboard else None, self.states)
        for observer in self.observers:
            observer.on_scan("vehicle" if onboard else "mec", self.time_s, sensor.spec.sensor_id, detections, scan_ns)
        if onboard:
            self.vehicle.sense(self.time_s, detections)
        elif self.mec is not None:
            self.mec.sense(self.time_s, detections)

    # Phase.PUBLISH
    def _send_bsm(self, time_ns: int) -> None:
        own = self.states.get(self.scenario.ego.actor_id)
        if own is not None:  # the car has left the world: no BSM
            self._send(Direction.UP, time_ns, Publication(Task.BSM, self.vehicle.bsm(EgoState.of(self.time_s, own))))

    def _send(self, direction: Direction, time_ns: int, sent: Publication) -> None:
        generation_ns = s_to_ns(self.time_s) if sent.task is Task.RSM else None
        delivery = self.link.send(direction, time_ns, sent.frame, generation_ns)
        for observer in self.observers:
            observer.on_sent(direction, time_ns, self.time_s, sent, delivery)
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
                self.mec.receive(self.time_s, delivery.frame)

    # Phase.PLAN
    def _plan(self, time_ns: int) -> None:
        own = self.states.get(self.scenario.ego.actor_id)
        outputs = None if own is None else self.vehicle.plan(self.time_s, EgoState.of(self.time_s, own))
        for observer in self.observers:
            observer.on_plan(time_ns, self.time_s, outputs, self.vehicle, self.states)
        if outputs is not None:
            self.world.command_ego_speed(outputs.speed_command_mps)
