"""The car in the in-process runtime: its onboard sensors, its perception and planning cores, its plan every
step (the speed command to the world) and what it receives over the link."""

from __future__ import annotations

from functools import partial

from coop_drive.components.vehicle_perception import ReceptionStats, VehiclePerceptionCore
from coop_drive.components.vehicle_planner import vehicle_planner_for
from coop_drive.geometry import Polyline
from coop_drive.hdmap.service import MapService
from coop_drive.perception.fusion import FusionConfig
from coop_drive.rng import stream
from coop_drive.runtime.context import P_PLAN, P_SENSOR, RunContext
from coop_drive.scenario.model import EgoDriver
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.world.backend import Building
from coop_drive.world.signals import NextSignal


class VehicleSide:
    def __init__(self, run: RunContext, route: Polyline, map_service: MapService | None,
                 buildings: list[Building]) -> None:
        sc = run.scenario
        self.run = run
        fusion = FusionConfig(max_age_s=sc.max_v2x_age_s, compensate_latency=sc.latency_compensation)
        self.reception = ReceptionStats()
        self.perception = VehiclePerceptionCore(fusion, self.reception)
        self.planner = vehicle_planner_for(sc, route, fusion.max_age_s, run.world_time_s, map_service, self.reception)
        self.sensors = [ObjectSensor(spec, buildings, stream(sc.seed, "onboard/" + spec.sensor_id))
                        for spec in sc.onboard_sensors]

    def register_sensors(self) -> None:
        for sensor in self.sensors:
            self.run.every(1.0 / sensor.spec.rate_hz, P_SENSOR, partial(self._sense, sensor))

    def register_planning(self) -> None:
        self.run.every(self.run.scenario.step_s, P_PLAN, self.plan)

    def _sense(self, sensor: ObjectSensor, scan_ns: int) -> None:
        run = self.run
        detections = sensor.sense(run.world_time_s, run.scenario.ego.actor_id, run.states)
        if run.bag is not None:
            run.bag.on_detections("vehicle", run.world_time_s, sensor.spec.sensor_id, detections, scan_ns)
        self.perception.on_detections(run.world_time_s, detections)

    def observe(self, next_signal: NextSignal | None) -> None:
        """The world stepped: the car's own pose and, on signalised maps, what its camera sees."""
        run = self.run
        own = run.states.get(run.scenario.ego.actor_id)
        if own is not None:
            self.perception.on_own_pose(run.world_time_s, own.x_m, own.y_m)
        if self.planner.signals is not None:
            self.planner.signals.on_camera(next_signal)

    def on_downlink(self, now_ns: int, frame: bytes) -> None:
        run = self.run
        run.metrics.v2x_frames_delivered += 1
        if run.bag is not None:
            run.bag.on_frame("/vehicle/v2x_in", now_ns, frame)
        self.perception.on_v2x(frame)
        self.planner.on_v2x(frame)

    def bsm_frame(self) -> bytes | None:
        """The BSM of the car's current state (None: the car has left the world)."""
        run = self.run
        own = run.states.get(run.scenario.ego.actor_id)
        if own is None:
            return None
        return self.planner.bsm_frame(run.world_time_s, own.x_m, own.y_m, own.yaw_rad, own.speed_mps,
                                      own.accel_mps2)

    def plan(self, time_ns: int) -> None:
        run, sc = self.run, self.run.scenario
        run.v2x.on_plan(time_ns)
        own = run.states.get(sc.ego.actor_id)
        if own is None:
            return
        picture = self.perception.picture(run.world_time_s)
        decision = self.planner.plan(own.x_m, own.y_m, own.speed_mps, picture)
        if self.planner.signals is not None and sc.ego_driver is EgoDriver.PLANNER:
            run.driving.on_advice(own.speed_mps, self.planner.signals.last_advice_mps)
        run.scored.on_picture(run.world_time_s, run.states, self.planner.last_picture)
        run.world.command_ego_speed(own.speed_mps + decision.accel_mps2 * sc.step_s)
        if run.bag is not None:
            run.bag.on_plan(time_ns, run.world_time_s, picture.fused, own.speed_mps + decision.accel_mps2 * sc.step_s)
