"""The world's part of a step, for every runtime that owns the simulator (the in-process harness and the ROS
simulator bridge): start the world, spawn actors when due, observe it after a tick, run the sensors' scans."""

from __future__ import annotations

from coop_drive.harness.observers import WorldView
from coop_drive.harness.order import PeriodicTask, Task, periodic_tasks
from coop_drive.rng import stream
from coop_drive.scenario.model import ActorSpec, Scenario, SensorSpec
from coop_drive.sensors.object_sensor import Detection, ObjectSensor
from coop_drive.units import s_to_ns
from coop_drive.world.backend import ActorState, WorldBackend

SCANS = (Task.VEHICLE_SCAN, Task.ROADSIDE_SCAN)


class WorldLoop:
    """The simulator, its sensors and the actors still to depart."""

    def __init__(self, scenario: Scenario, world: WorldBackend) -> None:
        world.start(scenario)
        self.scenario, self.world = scenario, world
        self.ego_id = scenario.ego.actor_id
        self.buildings = world.buildings()
        self.route = world.ego_route_path()
        self.signal_plans = world.signal_plans()
        self.signalised = bool(self.signal_plans)  # the car drives by signals: its camera sees the next one
        self.time_s = world.time_s
        self.start_ns = s_to_ns(self.time_s)
        self.states: dict[str, ActorState] = world.actor_states()
        self.pending: list[ActorSpec] = list(scenario.actors)
        prefixes = {Task.VEHICLE_SCAN: "onboard/", Task.ROADSIDE_SCAN: "roadside/"}
        specs: dict[tuple[Task, str | None], SensorSpec] = {
            **{(Task.VEHICLE_SCAN, s.sensor_id): s for s in scenario.onboard_sensors},
            **{(Task.ROADSIDE_SCAN, s.sensor_id): s for s in scenario.roadside_sensors}}
        self.sensors = {
            (t.task, t.sensor_id): ObjectSensor(specs[(t.task, t.sensor_id)], self.buildings,
                                                stream(scenario.seed, prefixes[t.task] + str(t.sensor_id)))
            for t in self.scans()}

    def scans(self) -> list[PeriodicTask]:
        """The sensors' periodic scans, in the step's order."""
        return [t for t in periodic_tasks(self.scenario, spat=False) if t.task in SCANS]

    def observe(self) -> WorldView:
        """The world as it is now (after the start or a tick)."""
        world = self.world
        self.states, self.time_s = world.actor_states(), world.time_s
        next_signal = world.ego_next_signal() if self.signalised else None
        return WorldView(self.time_s, self.states, next_signal, self.signalised, world.ego_fuel_rate_mgps(),
                         world.ego_arrived())

    def spawn_due(self) -> None:
        """Actors whose departure time has come or whose trigger (the ego's travelled distance) has fired."""
        travelled = self.world.ego_travelled_m()
        for spec in list(self.pending):
            due = (spec.depart_time_s is not None and self.time_s >= spec.depart_time_s) or (
                spec.trigger_ego_travelled_m is not None and travelled >= spec.trigger_ego_travelled_m)
            if due:
                self.world.spawn_actor(spec)
                self.pending.remove(spec)

    def step(self) -> WorldView:
        """Tick, observe, spawn what is due."""
        self.world.tick()
        view = self.observe()
        self.spawn_due()
        return view

    def scan(self, task: PeriodicTask) -> tuple[str, str, list[Detection]]:
        """One sensor's scan of the world as last observed: (side 'vehicle' | 'mec', sensor id, detections)."""
        sensor = self.sensors[(task.task, task.sensor_id)]
        onboard = task.task is Task.VEHICLE_SCAN
        detections = sensor.sense(self.time_s, self.ego_id if onboard else None, self.states)
        return ("vehicle" if onboard else "mec"), sensor.spec.sensor_id, detections
