"""The in-process runtime: one process, a discrete-event scheduler on simulation time.

The world steps at the scenario's step; sensors fire at their own rates; the MEC publishes its object
list at its rate; the link delivers each frame at its exact due time; the vehicle plans every step.
Same scenario, seed and config give identical metrics. The car is ``VehicleSide``, the MEC and the link
``MecSide``; this module runs the world and collects the metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from coop_drive.bag.recorder import RunRecorder
from coop_drive.eval.metrics import RunMetrics
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.runtime.context import P_WORLD, RunContext
from coop_drive.runtime.mec_side import MecSide
from coop_drive.runtime.vehicle_side import VehicleSide
from coop_drive.scenario.loader import ScenarioError
from coop_drive.scenario.model import ActorSpec, MapSource, Scenario
from coop_drive.units import ns_to_s, s_to_ns
from coop_drive.world.backend import ActorState, WorldBackend
from coop_drive.world.collision import ego_collisions

StepHook = Callable[[float, dict[str, ActorState]], None]


def run_scenario(scenario: Scenario, world: WorldBackend, on_step: StepHook | None = None,
                 bag: RunRecorder | None = None) -> RunMetrics:
    """Run one scenario to its end (duration, ego arrival or ego collision); the world is closed after.

    With ``bag``, every input and output of the components is recorded (closed by the caller).
    """
    wall_start = time.perf_counter()
    try:
        metrics = _InProcessRun(scenario, world, on_step, bag).run()
    finally:
        world.close()
    metrics.wall_time_s = time.perf_counter() - wall_start
    return metrics


class _InProcessRun:
    """The world, its observation every step, and the wiring of the car and the MEC."""

    def __init__(self, scenario: Scenario, world: WorldBackend, on_step: StepHook | None,
                 bag: RunRecorder | None) -> None:
        world.start(scenario)
        ego = scenario.ego
        buildings = world.buildings()
        route = world.ego_route_path()
        signal_plans = world.signal_plans()
        hdmap = load_map(scenario.map_path) if signal_plans else None
        map_service = MapService(hdmap) if hdmap is not None else None  # one service for the car and the MEC
        if hdmap is not None and scenario.map_source is MapSource.MEC and scenario.split.uses_v2x:
            raise ScenarioError(scenario.source_path, "vehicle.map", "'mec' is not supported on a signalised map "
                                                                      "yet (the MAP messages carry no signal groups)")
        self.ctx = RunContext(scenario, world, bag, world.actor_states(), world.time_s,
                              PerceptionRecorder(ego.actor_id, route, ego.width_m))
        self.vehicle = VehicleSide(self.ctx, route, map_service, buildings)
        if bag is not None:
            bag.on_start(world.time_s, route, signal_plans)
        self.on_step = on_step
        self.pending: list[ActorSpec] = list(scenario.actors)
        self.mec = None
        if scenario.split.uses_v2x:
            self.mec = MecSide(self.ctx, self.vehicle, route, buildings, signal_plans, map_service)

    def run(self) -> RunMetrics:
        ctx, sc = self.ctx, self.ctx.scenario
        step_ns = s_to_ns(sc.step_s)
        self.vehicle.register_sensors()
        if self.mec is not None:
            self.mec.register()
        ctx.scheduler.every(ctx.start_ns + step_ns, step_ns, P_WORLD, self._world_step)
        self.vehicle.register_planning()
        self._observe()
        self._spawn_due()
        metrics = ctx.metrics
        ctx.scheduler.run_until(ctx.start_ns + s_to_ns(sc.duration_s),
                                stop=lambda: metrics.collision or ctx.world.ego_arrived())
        return self._collect()

    def _spawn_due(self) -> None:
        world = self.ctx.world
        travelled = world.ego_travelled_m()
        for spec in list(self.pending):
            due = (spec.depart_time_s is not None and self.ctx.world_time_s >= spec.depart_time_s) or (
                spec.trigger_ego_travelled_m is not None and travelled >= spec.trigger_ego_travelled_m)
            if due:
                world.spawn_actor(spec)
                self.pending.remove(spec)

    def _observe(self) -> None:
        ctx, world, ego_id = self.ctx, self.ctx.world, self.ctx.scenario.ego.actor_id
        ctx.states, ctx.world_time_s = world.actor_states(), world.time_s
        signalised = self.vehicle.planner.signals is not None
        next_signal = world.ego_next_signal() if signalised else None
        self.vehicle.observe(next_signal)
        ctx.safety.on_step(ctx.world_time_s, ctx.states, ego_collisions(ctx.states, ego_id))
        own = ctx.states.get(ego_id)
        if own is not None:
            ctx.driving.on_step(ctx.world_time_s, own.speed_mps, world.ego_fuel_rate_mgps())
        if signalised:
            ctx.driving.on_signal(next_signal)
        ctx.scored.on_truth(ctx.world_time_s, ctx.states)
        if world.ego_arrived() and ctx.metrics.ego_travel_time_s is None:
            ctx.metrics.ego_travel_time_s = ctx.world_time_s - ns_to_s(ctx.start_ns)
        if self.on_step is not None:
            self.on_step(ctx.world_time_s, ctx.states)
        if ctx.bag is not None:
            ctx.bag.on_world(ctx.world_time_s, ctx.states, ego_id, next_signal, signalised)

    def _world_step(self, _: int) -> None:
        self.ctx.world.tick()
        self._observe()
        self._spawn_due()

    def _collect(self) -> RunMetrics:
        ctx, planner = self.ctx, self.vehicle.planner
        m = ctx.metrics
        m.sim_time_s = ctx.world_time_s - ns_to_s(ctx.start_ns)
        m.v2x_frames_rejected = self.vehicle.reception.frames_rejected
        ctx.v2x.fill(m)
        m.warnings_issued = planner.automation.warnings_issued
        m.takeover_requested_s = planner.automation.takeover_requested_at_s
        m.minimal_risk_s = planner.automation.minimal_risk_at_s
        m.v2x_degraded_s = planner.supervisor.first_degraded_s
        m.plan_cycles_followed = planner.plan_cycles_followed
        ctx.driving.fill(m)
        ctx.scored.fill(m)
        return m
