"""The in-process runtime: one process, a discrete-event scheduler on simulation time.

The world steps at the scenario's step; sensors fire at their own rates; the MEC publishes its object
list at its rate; the link delivers each frame at its exact due time; the vehicle plans every step.
Same scenario, seed and config give identical metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from coop_drive.bag.recorder import RunRecorder
from coop_drive.components.mec import MecCore
from coop_drive.components.mec_planner import PLAN_PERIOD_S, mec_planner_for
from coop_drive.components.spat_service import SPAT_RATE_HZ, SpatService
from coop_drive.components.vehicle_perception import ReceptionStats, VehiclePerceptionCore
from coop_drive.components.vehicle_planner import vehicle_planner_for
from coop_drive.eval.driving_metrics import DrivingRecorder
from coop_drive.eval.metrics import MetricsRecorder, RunMetrics, V2xRecorder
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.hdmap.map_client import MapServer
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.link.model import LinkDirection
from coop_drive.perception.fusion import FusionConfig
from coop_drive.rng import stream
from coop_drive.runtime.scheduler import EventScheduler
from coop_drive.scenario.loader import ScenarioError
from coop_drive.scenario.model import ActorSpec, EgoDriver, MapSource, Scenario
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.world.backend import ActorState, WorldBackend
from coop_drive.world.collision import ego_collisions

BSM_PERIOD_S = 0.1  # the vehicle's BSM rate, 10 Hz (SAE J2945/1)

# Order of events that fall on the same instant.
_P_WORLD, _P_SENSOR, _P_PUBLISH, _P_DELIVER, _P_PLAN = range(5)


@dataclass
class _Clock:
    states: dict[str, ActorState]
    world_time_s: float


def run_scenario(scenario: Scenario, world: WorldBackend,
                 on_step: Callable[[float, dict[str, ActorState]], None] | None = None,
                 bag: RunRecorder | None = None) -> RunMetrics:
    """Run one scenario to its end (duration, ego arrival or ego collision); the world is closed after.

    With ``bag``, every input and output of the components is recorded (closed by the caller).
    """
    wall_start = time.perf_counter()
    try:
        metrics = _run(scenario, world, on_step, bag)
    finally:
        world.close()
    metrics.wall_time_s = time.perf_counter() - wall_start
    return metrics


def _run(scenario: Scenario, world: WorldBackend,
         on_step: Callable[[float, dict[str, ActorState]], None] | None, bag: RunRecorder | None) -> RunMetrics:
    world.start(scenario)
    ego = scenario.ego
    buildings = world.buildings()
    route = world.ego_route_path()
    fusion = FusionConfig(max_age_s=scenario.max_v2x_age_s, compensate_latency=scenario.latency_compensation)
    map_from_mec = scenario.map_source is MapSource.MEC and scenario.split.uses_v2x
    reception = ReceptionStats()
    vehicle_perception = VehiclePerceptionCore(fusion, reception)
    def mec_alive() -> bool:
        return scenario.mec_alive(clock.world_time_s)
    signal_plans = world.signal_plans()
    hdmap = load_map(scenario.map_path) if signal_plans else None
    map_service = MapService(hdmap) if hdmap is not None else None  # one service for the car and the MEC
    if hdmap is not None and map_from_mec:
        raise ScenarioError(scenario.source_path, "vehicle.map",
                            "'mec' is not supported on a signalised map yet (the MAP messages carry no signal groups)")
    vehicle = vehicle_planner_for(scenario, route, fusion.max_age_s, world.time_s, map_service, reception)
    driving = DrivingRecorder()
    if bag is not None:
        bag.on_start(world.time_s, route, signal_plans)
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
            vehicle_perception.on_own_pose(clock.world_time_s, own.x_m, own.y_m)
        recorder.on_step(clock.world_time_s, clock.states, ego_collisions(clock.states, ego.actor_id))
        if own is not None:
            driving.on_step(clock.world_time_s, own.speed_mps, world.ego_fuel_rate_mgps())
        next_signal = world.ego_next_signal() if vehicle.signals is not None else None
        if vehicle.signals is not None:
            vehicle.signals.on_camera(next_signal)
            driving.on_signal(next_signal)
        perception.on_truth(clock.world_time_s, clock.states)
        if world.ego_arrived() and metrics.ego_travel_time_s is None:
            metrics.ego_travel_time_s = clock.world_time_s - ns_to_s(start_ns)
        if on_step is not None:
            on_step(clock.world_time_s, clock.states)
        if bag is not None:
            bag.on_world(clock.world_time_s, clock.states, ego.actor_id, next_signal, vehicle.signals is not None)

    def world_step(_: int) -> None:
        world.tick()
        observe()
        spawn_due()

    def plan(time_ns: int) -> None:
        v2x.on_plan(time_ns)
        own = clock.states.get(ego.actor_id)
        if own is None:
            return
        picture = vehicle_perception.picture(clock.world_time_s)
        decision = vehicle.plan(own.x_m, own.y_m, own.speed_mps, picture)
        if vehicle.signals is not None and scenario.ego_driver is EgoDriver.PLANNER:
            driving.on_advice(own.speed_mps, vehicle.signals.last_advice_mps)
        perception.on_picture(clock.world_time_s, clock.states, vehicle.last_picture)
        world.command_ego_speed(own.speed_mps + decision.accel_mps2 * scenario.step_s)
        if bag is not None:
            bag.on_plan(time_ns, clock.world_time_s, picture.fused,
                        own.speed_mps + decision.accel_mps2 * scenario.step_s)

    for spec in scenario.onboard_sensors:
        sensor = ObjectSensor(spec, buildings, stream(scenario.seed, "onboard/" + spec.sensor_id))

        def sense_onboard(scan_ns: int, sensor: ObjectSensor = sensor) -> None:
            detections = sensor.sense(clock.world_time_s, ego.actor_id, clock.states)
            if bag is not None:
                bag.on_detections("vehicle", clock.world_time_s, sensor.spec.sensor_id, detections, scan_ns)
            vehicle_perception.on_detections(clock.world_time_s, detections)

        scheduler.every(start_ns, s_to_ns(1.0 / spec.rate_hz), _P_SENSOR, sense_onboard)

    if scenario.split.uses_v2x:
        mec = MecCore(planner=mec_planner_for(scenario, route, map_service)
                      if scenario.split.plans_remotely else None)
        downlink = LinkDirection("downlink", scenario.link.config, stream(scenario.seed, "link/downlink"))
        uplink = LinkDirection("uplink", scenario.link.config, stream(scenario.seed, "link/uplink"))

        def transmit(link: LinkDirection, time_ns: int, frame: bytes, receive: Callable[[int, bytes], None]) -> bool:
            """Send a frame over one link direction; receive(arrival_ns, arrived_bytes) runs at its due time.
            The bytes that arrive may be corrupted (the link's corruption probability)."""
            sent = link.send(time_ns, frame)
            if sent is not None:
                due_ns, arrived = sent
                scheduler.at(due_ns, _P_DELIVER, lambda now_ns: receive(now_ns, arrived))
            return sent is not None

        def on_uplink(now_ns: int, frame: bytes) -> None:
            metrics.v2x_uplink_frames_delivered += 1
            if bag is not None:
                bag.on_frame("/mec/v2x_in", now_ns, frame)
            if mec_alive():
                mec.on_uplink(frame)

        def on_downlink(now_ns: int, frame: bytes) -> None:
            metrics.v2x_frames_delivered += 1
            if bag is not None:
                bag.on_frame("/vehicle/v2x_in", now_ns, frame)
            vehicle_perception.on_v2x(frame)
            vehicle.on_v2x(frame)

        def send_bsm(time_ns: int) -> None:
            own = clock.states.get(ego.actor_id)
            if own is None:
                return
            frame = vehicle.bsm_frame(clock.world_time_s, own.x_m, own.y_m, own.yaw_rad, own.speed_mps,
                                      own.accel_mps2)
            metrics.v2x_uplink_frames_sent += 1
            if bag is not None:
                bag.on_frame("/vehicle/v2x_out", time_ns, frame)
            transmit(uplink, time_ns, frame, on_uplink)

        scheduler.every(start_ns, s_to_ns(BSM_PERIOD_S), _P_PUBLISH, send_bsm)
        for spec in scenario.roadside_sensors:
            sensor = ObjectSensor(spec, buildings, stream(scenario.seed, "roadside/" + spec.sensor_id))

            def sense_roadside(scan_ns: int, sensor: ObjectSensor = sensor) -> None:
                detections = sensor.sense(clock.world_time_s, None, clock.states)
                if bag is not None:
                    bag.on_detections("mec", clock.world_time_s, sensor.spec.sensor_id, detections, scan_ns)
                mec.on_detections(clock.world_time_s, detections)

            scheduler.every(start_ns, s_to_ns(1.0 / spec.rate_hz), _P_SENSOR, sense_roadside)

        def deliver_object_list(generation_ns: int) -> Callable[[int, bytes], None]:
            def handler(now_ns: int, frame: bytes) -> None:
                v2x.on_delivered(now_ns, generation_ns, len(frame))
                on_downlink(now_ns, frame)
            return handler

        def publish(time_ns: int) -> None:
            if not mec_alive():
                return
            frame = mec.object_list_frame(clock.world_time_s)
            if bag is not None:
                bag.on_mec_publish(time_ns, clock.world_time_s, mec.tracker.estimates(clock.world_time_s), frame)
            metrics.v2x_frames_sent += 1
            v2x.on_sent(transmit(downlink, time_ns, frame, deliver_object_list(s_to_ns(clock.world_time_s))))

        scheduler.every(start_ns, s_to_ns(1.0 / scenario.mec_publish_rate_hz), _P_PUBLISH, publish)

        def publish_plan(time_ns: int) -> None:  # edge/cloud-planning; not in the object-list statistics
            frame = mec.speed_plan_frame(clock.world_time_s) if mec_alive() else None
            if frame is None:
                return
            metrics.v2x_frames_sent += 1
            if bag is not None:
                bag.on_frame("/mec/v2x_out", time_ns, frame)
            transmit(downlink, time_ns, frame, on_downlink)

        if scenario.split.plans_remotely:
            scheduler.every(start_ns, s_to_ns(PLAN_PERIOD_S), _P_PUBLISH, publish_plan)

        spat_service = SpatService(signal_plans, hdmap) if hdmap is not None else None

        def publish_spat(time_ns: int) -> None:  # not in the object-list latency/AoI statistics
            if spat_service is None or not mec_alive():
                return
            frame = spat_service.frame(clock.world_time_s)
            if frame is None:
                return
            if mec.planner is not None and mec.planner.signals is not None and spat_service.last_spat is not None:
                mec.planner.signals.spat.on_spat(spat_service.last_spat)  # the MEC plans on its own SPaT
            metrics.v2x_frames_sent += 1
            if bag is not None:
                bag.on_frame("/mec/v2x_out", time_ns, frame)
            transmit(downlink, time_ns, frame, on_downlink)

        if spat_service is not None and spat_service.groups:
            scheduler.every(start_ns, s_to_ns(1.0 / SPAT_RATE_HZ), _P_PUBLISH, publish_spat)

        if map_from_mec:
            map_server = MapServer(scenario.map_path)

            def publish_map(time_ns: int) -> None:  # not in the object-list latency/AoI statistics
                if not mec_alive():
                    return
                for frame in map_server.frames(time_ns):
                    metrics.v2x_frames_sent += 1
                    if bag is not None:
                        bag.on_frame("/mec/v2x_out", time_ns, frame)
                    transmit(downlink, time_ns, frame, on_downlink)

            scheduler.every(start_ns, s_to_ns(1.0 / scenario.mec_map_rate_hz), _P_PUBLISH, publish_map)

    scheduler.every(start_ns + step_ns, step_ns, _P_WORLD, world_step)
    scheduler.every(start_ns, step_ns, _P_PLAN, plan)
    observe()
    spawn_due()
    scheduler.run_until(end_ns, stop=lambda: metrics.collision or world.ego_arrived())
    metrics.sim_time_s = clock.world_time_s - ns_to_s(start_ns)
    metrics.v2x_frames_rejected = reception.frames_rejected
    v2x.fill(metrics)
    metrics.warnings_issued = vehicle.automation.warnings_issued
    metrics.takeover_requested_s = vehicle.automation.takeover_requested_at_s
    metrics.minimal_risk_s = vehicle.automation.minimal_risk_at_s
    metrics.v2x_degraded_s = vehicle.supervisor.first_degraded_s
    metrics.plan_cycles_followed = vehicle.plan_cycles_followed
    metrics.stops, metrics.stopped_time_s, metrics.fuel_g = driving.stops, driving.stopped_time_s, driving.fuel_g
    metrics.rms_jerk_mps3, metrics.advisory_compliance = driving.rms_jerk_mps3, driving.advisory_compliance
    metrics.red_crossings = driving.red_crossings
    seen = perception.result()
    metrics.gospa, metrics.pos_rmse_m, metrics.first_detection_s = seen.gospa, seen.pos_rmse_m, seen.first_detection_s
    return metrics
