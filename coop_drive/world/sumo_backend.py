"""The embedded SUMO world, through libsumo (in-process; one simulation per process at a time)."""

from __future__ import annotations

import math
import os

import libsumo
import numpy as np
import sumo

from coop_drive.geometry import Polyline
from coop_drive.scenario.loader import ScenarioError
from coop_drive.scenario.model import ActorSpec, Behaviour, EgoDriver, Scenario
from coop_drive.units import sumo_angle_deg_to_yaw_rad
from coop_drive.world.backend import ActorState, Building, SignalState, WorldBackend
from coop_drive.world.netcache import DerivedNet, derive_net, load_buildings, timing_plans_for
from coop_drive.world.traffic_lights import NextSignal, TimingPlan

# SUMO speed mode 0: no safe-speed, acceleration, right-of-way or red-light checks.
_SPEED_MODE_UNCHECKED = 0
_LANE_CHANGE_MODE_NONE = 0
# Baseline --baseline sumo-glosa: SUMO's glosa device, same range and minimum speed as our GLOSA
SUMO_GLOSA_PARAMS = {"has.glosa.device": "true", "device.glosa.range": "300", "device.glosa.min-speed": "2",
                     "device.glosa.max-speedfactor": "1.0"}


class SumoWorld(WorldBackend):
    """WorldBackend over libsumo. Positions are converted from SUMO's frame (map + netOffset) to the map frame."""

    def __init__(self) -> None:
        self._scenario: Scenario | None = None
        self._net: DerivedNet | None = None
        self._offset_xy_m = (0.0, 0.0)
        self._dims: dict[str, tuple[float, float]] = {}
        self._arrived: set[str] = set()
        self._buildings: list[Building] = []
        self._running = False
        self._ego_path: Polyline | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self, scenario: Scenario) -> None:
        self._scenario = scenario
        self._net = derive_net(scenario.map_path)
        self._offset_xy_m = self._net.net_offset
        self._buildings = load_buildings(self._net)
        binary = os.path.join(sumo.SUMO_HOME, "bin", "sumo")
        libsumo.start([
            binary, "--net-file", str(self._net.net_path),
            "--step-length", repr(scenario.step_s),
            "--seed", str(scenario.seed),
            "--collision.action", "none",
            "--no-step-log", "true", "--no-warnings", "true",
            "--duration-log.disable", "true",
            *(["--additional-files", str(plans)] if (plans := timing_plans_for(scenario.map_path)) else []),
        ])
        self._running = True
        ego = scenario.ego
        edges = self._resolve_route(ego.route, "ego.route")
        libsumo.route.add("route_" + ego.actor_id, edges)
        self._add_type(ego.actor_id, ego.length_m, ego.width_m, ego.desired_speed_mps * 1.5)
        if scenario.ego_driver is EgoDriver.SUMO_GLOSA:  # SUMO drives: no dawdling, the ego's own limits
            type_id = "type_" + ego.actor_id
            libsumo.vehicletype.setImperfection(type_id, 0.0)
            libsumo.vehicletype.setAccel(type_id, ego.limits.max_accel_mps2)
            libsumo.vehicletype.setDecel(type_id, ego.limits.comfort_decel_mps2)
            for key, value in SUMO_GLOSA_PARAMS.items():
                libsumo.vehicletype.setParameter(type_id, key, value)
        libsumo.vehicle.add(
            ego.actor_id, "route_" + ego.actor_id, typeID="type_" + ego.actor_id, depart="now",
            departLane="best", departPos=repr(ego.depart_pos_m), departSpeed=repr(ego.initial_speed_mps),
        )
        if scenario.ego_driver is EgoDriver.PLANNER:
            libsumo.vehicle.setSpeedMode(ego.actor_id, _SPEED_MODE_UNCHECKED)
        libsumo.vehicle.setLaneChangeMode(ego.actor_id, _LANE_CHANGE_MODE_NONE)
        self._check_depart_pos(ego.depart_pos_m, edges[0], "ego.depart_pos_m")
        for i, actor in enumerate(scenario.actors):
            self._resolve_route(actor.route, f"actors[{i}].route")
            self._check_depart_pos(actor.depart_pos_m, actor.route[0], f"actors[{i}].depart_pos_m")
        self.tick()  # insertion step: the ego is in the world from here on
        if ego.actor_id not in libsumo.vehicle.getIDList():
            raise ScenarioError(scenario.source_path, "ego.depart_pos_m",
                                f"SUMO could not insert the ego at {ego.depart_pos_m} m on {edges[0]}")
        self._ego_path = self._build_route_path(ego.actor_id)

    def close(self) -> None:
        if self._running:
            libsumo.close()
            self._running = False

    # -- actors ------------------------------------------------------------------------------------------
    def _resolve_route(self, route: tuple[str, ...], key_path: str) -> list[str]:
        assert self._scenario is not None
        known = set(libsumo.edge.getIDList())
        for edge in route:
            if edge not in known:
                normal = sorted(e for e in known if not e.startswith(":"))
                raise ScenarioError(self._scenario.source_path, key_path,
                                    f"unknown edge {edge!r} (edges of this map: {', '.join(normal)})")
        edges = [route[0]]
        for nxt in route[1:]:
            found = libsumo.simulation.findRoute(edges[-1], nxt)
            if not found.edges:
                raise ScenarioError(self._scenario.source_path, key_path, f"no path from {edges[-1]!r} to {nxt!r}")
            edges.extend(found.edges[1:])
        return edges

    def _check_depart_pos(self, depart_pos_m: float, edge: str, key_path: str) -> None:
        """A departure beyond the end of its first edge: SUMO would drop the vehicle with a warning only."""
        assert self._scenario is not None
        length_m = libsumo.lane.getLength(f"{edge}_0")
        if not 0.0 <= depart_pos_m <= length_m:
            raise ScenarioError(self._scenario.source_path, key_path,
                                f"expected a position on edge {edge!r}, 0 to {length_m:.1f} m, got {depart_pos_m} m")

    def _add_type(self, actor_id: str, length_m: float, width_m: float, max_speed_mps: float) -> None:
        type_id = "type_" + actor_id
        libsumo.vehicletype.copy("DEFAULT_VEHTYPE", type_id)
        libsumo.vehicletype.setLength(type_id, length_m)
        libsumo.vehicletype.setWidth(type_id, width_m)
        libsumo.vehicletype.setMaxSpeed(type_id, max_speed_mps)
        libsumo.vehicletype.setSpeedFactor(type_id, 1.0)
        libsumo.vehicletype.setParameter(type_id, "speedDev", "0")
        self._dims[actor_id] = (length_m, width_m)

    def spawn_actor(self, spec: ActorSpec) -> None:
        route_id = "route_" + spec.actor_id
        libsumo.route.add(route_id, self._resolve_route(spec.route, f"actors.{spec.actor_id}.route"))
        self._add_type(spec.actor_id, spec.length_m, spec.width_m, spec.speed_mps * 1.5)
        libsumo.vehicle.add(
            spec.actor_id, route_id, typeID="type_" + spec.actor_id, depart="now", departLane="best",
            departPos=repr(spec.depart_pos_m), departSpeed=repr(spec.speed_mps),
        )
        if spec.behaviour is Behaviour.DOES_NOT_YIELD:
            libsumo.vehicle.setSpeedMode(spec.actor_id, _SPEED_MODE_UNCHECKED)
            libsumo.vehicle.setSpeed(spec.actor_id, spec.speed_mps)
        else:
            libsumo.vehicle.setMaxSpeed(spec.actor_id, spec.speed_mps)

    def tick(self) -> None:
        libsumo.simulationStep()
        self._arrived.update(libsumo.simulation.getArrivedIDList())

    @property
    def time_s(self) -> float:
        return float(libsumo.simulation.getTime())

    def actor_states(self) -> dict[str, ActorState]:
        ox, oy = self._offset_xy_m
        states: dict[str, ActorState] = {}
        for vid in libsumo.vehicle.getIDList():
            fx, fy = libsumo.vehicle.getPosition(vid)  # front bumper, SUMO frame
            yaw = sumo_angle_deg_to_yaw_rad(libsumo.vehicle.getAngle(vid))
            length_m, width_m = self._dims.get(vid, (libsumo.vehicle.getLength(vid), libsumo.vehicle.getWidth(vid)))
            half = length_m / 2.0
            states[vid] = ActorState(
                actor_id=vid,
                x_m=fx - ox - half * math.cos(yaw),
                y_m=fy - oy - half * math.sin(yaw),
                yaw_rad=yaw,
                speed_mps=libsumo.vehicle.getSpeed(vid),
                accel_mps2=libsumo.vehicle.getAcceleration(vid),
                length_m=length_m,
                width_m=width_m,
            )
        return states

    def command_ego_speed(self, speed_mps: float) -> None:
        assert self._scenario is not None
        if self._scenario.ego_driver is EgoDriver.PLANNER:  # else SUMO drives the ego (a baseline)
            libsumo.vehicle.setSpeed(self._scenario.ego.actor_id, max(0.0, speed_mps))

    def ego_travelled_m(self) -> float:
        assert self._scenario is not None
        ego_id = self._scenario.ego.actor_id
        if ego_id in self._arrived:
            return math.inf
        return float(libsumo.vehicle.getDistance(ego_id))

    def ego_arrived(self) -> bool:
        assert self._scenario is not None
        return self._scenario.ego.actor_id in self._arrived

    # -- map ---------------------------------------------------------------------------------------------
    def _build_route_path(self, vehicle_id: str) -> Polyline:
        edges = list(libsumo.vehicle.getRoute(vehicle_id))
        lane = libsumo.vehicle.getLaneID(vehicle_id)
        points: list[tuple[float, float]] = []
        for i, edge in enumerate(edges):
            if i > 0:
                lane = self._lane_towards(edges[i - 1], edge, previous_lane=lane, points=points)
            points.extend(libsumo.lane.getShape(lane))
        ox, oy = self._offset_xy_m
        return Polyline(np.array(points) - np.array([ox, oy]))

    def _lane_towards(self, from_edge: str, to_edge: str, previous_lane: str,
                      points: list[tuple[float, float]]) -> str:
        """Append the internal junction lanes from from_edge to to_edge to points; return the entered lane."""
        candidates = [previous_lane] + [f"{from_edge}_{k}" for k in range(libsumo.edge.getLaneNumber(from_edge))]
        for lane in candidates:
            for link in libsumo.lane.getLinks(lane):
                target, via = link[0], link[4]
                if libsumo.lane.getEdgeID(target) != to_edge:
                    continue
                while via:
                    points.extend(libsumo.lane.getShape(via))
                    nxt = [lk for lk in libsumo.lane.getLinks(via) if lk[0] == target or lk[4]]
                    via = nxt[0][4] if nxt and nxt[0][4] and nxt[0][4] != via else ""
                return str(target)
        raise ValueError(f"no connection from edge {from_edge} to {to_edge}")

    def ego_route_path(self) -> Polyline:
        assert self._ego_path is not None, "start() first"
        return self._ego_path

    def buildings(self) -> list[Building]:
        return list(self._buildings)

    def signal_states(self) -> dict[str, SignalState]:
        return {
            tls: SignalState(tls, libsumo.trafficlight.getRedYellowGreenState(tls))
            for tls in libsumo.trafficlight.getIDList()
        }

    def ego_next_signal(self) -> NextSignal | None:
        assert self._scenario is not None
        ego_id = self._scenario.ego.actor_id
        if ego_id in self._arrived or ego_id not in libsumo.vehicle.getIDList():
            return None
        ahead = libsumo.vehicle.getNextTLS(ego_id)
        if not ahead:
            return None
        tls_id, link_index, distance_m, state = ahead[0]
        return NextSignal(str(tls_id), int(link_index), float(distance_m), str(state))

    def signal_plans(self) -> dict[str, TimingPlan]:
        """The running program of every controller; phase 0's start is found from the current phase and its
        next switch (so SUMO's offset semantics need no assumption)."""
        plans = {}
        for tls in libsumo.trafficlight.getIDList():
            program = libsumo.trafficlight.getProgram(tls)
            logic = next(lg for lg in libsumo.trafficlight.getAllProgramLogics(tls) if lg.programID == program)
            phases = tuple((float(ph.duration), str(ph.state)) for ph in logic.phases)
            current = libsumo.trafficlight.getPhase(tls)
            phase_end = libsumo.trafficlight.getNextSwitch(tls)
            cycle_start = phase_end - sum(d for d, _ in phases[: current + 1])
            links = libsumo.trafficlight.getControlledLinks(tls)
            in_edges = tuple(libsumo.lane.getEdgeID(lk[0][0]) if lk else "" for lk in links)
            plans[tls] = TimingPlan(tls, phases, cycle_start, in_edges)
        return plans

    def ego_fuel_rate_mgps(self) -> float | None:
        assert self._scenario is not None
        ego_id = self._scenario.ego.actor_id
        if ego_id in self._arrived or ego_id not in libsumo.vehicle.getIDList():
            return None
        return float(libsumo.vehicle.getFuelConsumption(ego_id))  # SUMO 1.28: mg/s
