"""The in-process runtime: one process, a discrete-event scheduler on simulation time.

The world steps at the scenario's step; sensors fire at their own rates; the MEC publishes its object
list at its rate; the link delivers each frame at its exact due time; the vehicle plans every step.
Same scenario, seed and config give identical metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from coop_drive.components.mec import MecCore
from coop_drive.components.vehicle import VehicleCore
from coop_drive.eval.metrics import MetricsRecorder, RunMetrics, V2xRecorder
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.hdmap.map_client import MapClient, MapServer
from coop_drive.hdmap.service import roads_from_sumo_edges
from coop_drive.link.model import LinkDirection
from coop_drive.perception.fusion import FusionConfig
from coop_drive.rng import stream
from coop_drive.runtime.scheduler import EventScheduler
from coop_drive.scenario.model import ActorSpec, MapSource, Scenario, Split
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.world.backend import ActorState, WorldBackend
from coop_drive.world.collision import ego_collisions

# Order of events that fall on the same instant.
_P_WORLD, _P_SENSOR, _P_PUBLISH, _P_DELIVER, _P_PLAN = range(5)


@dataclass
class _Clock:
    states: dict[str, ActorState]
    world_time_s: float


def run_scenario(scenario: Scenario, world: WorldBackend,
                 on_step: Callable[[float, dict[str, ActorState]], None] | None = None) -> RunMetrics:
    """Run one scenario to its end (duration, ego arrival or ego collision); the world is closed after."""
    wall_start = time.perf_counter()
    try:
        metrics = _run(scenario, world, on_step)
    finally:
        world.close()
    metrics.wall_time_s = time.perf_counter() - wall_start
    return metrics


def _run(scenario: Scenario, world: WorldBackend,
         on_step: Callable[[float, dict[str, ActorState]], None] | None) -> RunMetrics:
    world.start(scenario)
    ego = scenario.ego
    buildings = world.buildings()
    route = world.ego_route_path()
    fusion = FusionConfig(max_age_s=scenario.max_v2x_age_s, compensate_latency=scenario.latency_compensation)
    map_from_mec = scenario.map_source is MapSource.MEC and scenario.split is not Split.ONBOARD
    vehicle = VehicleCore(ego, None if map_from_mec else route, fusion, uses_v2x=scenario.split is not Split.ONBOARD,
                          seed=scenario.seed, start_s=world.time_s)
    if map_from_mec:  # no onboard map: the route path comes from the MEC's MAP messages
        vehicle.map_client = MapClient(roads_from_sumo_edges(ego.route))
    perception = PerceptionRecorder(ego.actor_id, route, ego.width_m)
    recorder = MetricsRecorder(ego.actor_id)
    metrics = recorder.metrics
    v2x = V2xRecorder()
    clock = _Clock(world.actor_states(), world.time_s)
    start_ns, step_ns = s_to_ns(world.time_s), s_to_ns(scenario.step_s)
    end_ns = start_ns + s_to_ns(scenario.duration_s)
    scheduler = EventScheduler()
    scheduler.now_ns = start_ns
    pending: list[ActorSpec] = list(scenario.actors)

    def spawn_due() -> None:
        travelled = world.ego_travelled_m()
        for spec in list(pending):
            due = (spec.depart_time_s is not None and clock.world_time_s >= spec.depart_time_s) or (
                spec.trigger_ego_travelled_m is not None and travelled >= spec.trigger_ego_travelled_m)
            if due:
                world.spawn_actor(spec)
                pending.remove(spec)

    def observe() -> None:
        clock.states, clock.world_time_s = world.actor_states(), world.time_s
        own = clock.states.get(ego.actor_id)
        if own is not None:
            vehicle.on_own_pose(clock.world_time_s, own.x_m, own.y_m)
        recorder.on_step(clock.world_time_s, clock.states, ego_collisions(clock.states, ego.actor_id))
        perception.on_truth(clock.world_time_s, clock.states)
        if world.ego_arrived() and metrics.ego_travel_time_s is None:
            metrics.ego_travel_time_s = clock.world_time_s - ns_to_s(start_ns)
        if on_step is not None:
            on_step(clock.world_time_s, clock.states)

    def world_step(_: int) -> None:
        world.tick()
        observe()
        spawn_due()

    def plan(time_ns: int) -> None:
        v2x.on_plan(time_ns)
        own = clock.states.get(ego.actor_id)
        if own is None:
            return
        decision = vehicle.plan(clock.world_time_s, own.x_m, own.y_m, own.speed_mps)
        perception.on_picture(clock.world_time_s, clock.states, vehicle.last_picture)
        world.command_ego_speed(own.speed_mps + decision.accel_mps2 * scenario.step_s)

    for spec in scenario.onboard_sensors:
        sensor = ObjectSensor(spec, buildings, stream(scenario.seed, "onboard/" + spec.sensor_id))

        def sense_onboard(_: int, sensor: ObjectSensor = sensor) -> None:
            vehicle.on_detections(clock.world_time_s, sensor.sense(clock.world_time_s, ego.actor_id, clock.states))

        scheduler.every(start_ns, s_to_ns(1.0 / spec.rate_hz), _P_SENSOR, sense_onboard)

    if scenario.split is not Split.ONBOARD:
        mec = MecCore()
        downlink = LinkDirection("downlink", scenario.link.config, stream(scenario.seed, "link/downlink"))
        for spec in scenario.roadside_sensors:
            sensor = ObjectSensor(spec, buildings, stream(scenario.seed, "roadside/" + spec.sensor_id))

            def sense_roadside(_: int, sensor: ObjectSensor = sensor) -> None:
                mec.on_detections(clock.world_time_s, sensor.sense(clock.world_time_s, None, clock.states))

            scheduler.every(start_ns, s_to_ns(1.0 / spec.rate_hz), _P_SENSOR, sense_roadside)

        def deliver(frame: bytes, generation_ns: int) -> Callable[[int], None]:
            def handler(now_ns: int) -> None:
                metrics.v2x_frames_delivered += 1
                v2x.on_delivered(now_ns, generation_ns, len(frame))
                vehicle.on_v2x(frame)
            return handler

        def publish(time_ns: int) -> None:
            frame = mec.object_list_frame(clock.world_time_s)
            metrics.v2x_frames_sent += 1
            due_ns = downlink.transmit(time_ns, frame)
            v2x.on_sent(due_ns is not None)
            if due_ns is not None:
                scheduler.at(due_ns, _P_DELIVER, deliver(frame, s_to_ns(clock.world_time_s)))

        scheduler.every(start_ns, s_to_ns(1.0 / scenario.mec_publish_rate_hz), _P_PUBLISH, publish)

        if map_from_mec:
            map_server = MapServer(scenario.map_path)

            def deliver_map(frame: bytes) -> Callable[[int], None]:
                def handler(_: int) -> None:
                    metrics.v2x_frames_delivered += 1
                    vehicle.on_v2x(frame)
                return handler

            def publish_map(time_ns: int) -> None:  # not in the object-list latency/AoI statistics
                for frame in map_server.frames(time_ns):
                    metrics.v2x_frames_sent += 1
                    due_ns = downlink.transmit(time_ns, frame)
                    if due_ns is not None:
                        scheduler.at(due_ns, _P_DELIVER, deliver_map(frame))

            scheduler.every(start_ns, s_to_ns(1.0 / scenario.mec_map_rate_hz), _P_PUBLISH, publish_map)

    scheduler.every(start_ns + step_ns, step_ns, _P_WORLD, world_step)
    scheduler.every(start_ns, step_ns, _P_PLAN, plan)
    observe()
    spawn_due()
    scheduler.run_until(end_ns, stop=lambda: metrics.collision or world.ego_arrived())
    metrics.sim_time_s = clock.world_time_s - ns_to_s(start_ns)
    metrics.v2x_frames_rejected = vehicle.stats.frames_rejected
    v2x.fill(metrics)
    metrics.warnings_issued = vehicle.automation.warnings_issued
    metrics.takeover_requested_s = vehicle.automation.takeover_requested_at_s
    metrics.minimal_risk_s = vehicle.automation.minimal_risk_at_s
    metrics.v2x_degraded_s = vehicle.supervisor.first_degraded_s
    seen = perception.result()
    metrics.gospa, metrics.pos_rmse_m, metrics.first_detection_s = seen.gospa, seen.pos_rmse_m, seen.first_detection_s
    return metrics
