"""The car and the MEC as step functions, one method per phase of ``harness/order.py``.

Neither side knows the world, the scheduler, the link, the bag or the metrics: inputs come in as typed values
(the car's own state, scans, frames), outputs go out as typed values (frames to send, the speed command and the
picture it was made on). The in-process harness, replay and the ROS nodes call these methods, in the order
``harness/order.py`` gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coop_drive.cores.offboard_planning import mec_planner_for
from coop_drive.cores.onboard_perception import ReceptionStats, VehiclePerceptionCore, VehiclePicture
from coop_drive.cores.onboard_planning import VehicleCommand, VehiclePlannerCore, vehicle_planner_for
from coop_drive.cores.roadside_perception import MecCore
from coop_drive.cores.spat_service import SpatService
from coop_drive.geometry import Polyline
from coop_drive.harness.order import Task
from coop_drive.hdmap.map_client import MapServer
from coop_drive.hdmap.service import MapService
from coop_drive.perception.fusion import FusionConfig
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.scenario.model import MapSource, Scenario
from coop_drive.sensors.object_sensor import Detection
from coop_drive.world.backend import ActorState
from coop_drive.world.traffic_lights import NextSignal, TimingPlan


@dataclass(frozen=True)
class EgoState:
    """What the car knows of itself at one instant (localisation, odometry, IMU), map frame, SI units."""

    time_s: float
    x_m: float
    y_m: float
    speed_mps: float
    yaw_rad: float = 0.0
    accel_mps2: float = 0.0

    @classmethod
    def of(cls, time_s: float, actor: ActorState) -> EgoState:
        return cls(time_s, actor.x_m, actor.y_m, actor.speed_mps, actor.yaw_rad, actor.accel_mps2)


@dataclass(frozen=True)
class VehicleOutputs:
    """What the car decided at one planning instant."""

    command: VehicleCommand
    speed_command_mps: float  # the speed to reach one step from now
    picture: VehiclePicture  # what the plan was made on


@dataclass(frozen=True)
class Publication:
    """One frame the MEC sends; an object list carries the tracks it encodes (recorded beside it)."""

    task: Task
    frame: bytes
    tracks: tuple[ObjectEstimate, ...] | None = None


class VehicleSide:
    """The car: onboard perception (tracking, received object lists, fusion) and planning (longitudinal, signals,
    plan follower, supervisor, automation level)."""

    def __init__(self, scenario: Scenario, route: Polyline, map_service: MapService | None, start_s: float,
                 fusion: FusionConfig | None = None) -> None:
        self.scenario = scenario
        fusion = fusion or FusionConfig(max_age_s=scenario.max_v2x_age_s,
                                        compensate_latency=scenario.latency_compensation)
        self.reception = ReceptionStats()
        self.perception = VehiclePerceptionCore(fusion, self.reception)
        self.planner: VehiclePlannerCore = vehicle_planner_for(scenario, route, fusion.max_age_s, start_s, map_service,
                                                               self.reception)

    @property
    def signalised(self) -> bool:
        """The car drives by signals (a signalised map): its camera's view is an input of ``observe``."""
        return self.planner.signals is not None

    # Phase.WORLD
    def observe(self, own: EgoState | None, next_signal: NextSignal | None) -> None:
        """The world stepped: the car's own pose and, on signalised maps, what its camera sees."""
        if own is not None:
            self.localise(own)
        self.see_signal(next_signal)

    def localise(self, own: EgoState) -> None:
        """The car's own pose (it recognises itself in received object lists by it)."""
        self.perception.on_own_pose(own.time_s, own.x_m, own.y_m)

    def see_signal(self, next_signal: NextSignal | None) -> None:
        """What the camera sees of the next signal (ignored on maps without signals)."""
        if self.planner.signals is not None:
            self.planner.signals.on_camera(next_signal)

    # Phase.SENSE
    def sense(self, time_s: float, detections: Sequence[Detection]) -> None:
        """One onboard scan of the world at time_s."""
        self.perception.on_detections(time_s, detections)

    # Phase.PUBLISH
    def trip_registration(self, own: EgoState) -> bytes | None:
        """The car's trip registration at its state's time (planning splits, until a speed plan has arrived)."""
        return self.planner.trip_registration_frame(own.time_s)

    def bsm(self, own: EgoState) -> bytes:
        """The BSM of the car's state."""
        return self.planner.bsm_frame(own.time_s, own.x_m, own.y_m, own.yaw_rad, own.speed_mps, own.accel_mps2)

    # Phase.DELIVER
    def receive(self, frame: bytes) -> None:
        """One frame the link delivered: object lists to perception; speed plans, MAP and SPaT to planning."""
        self.perception.on_v2x(frame)
        self.planner.on_v2x(frame)

    # Phase.PLAN
    def plan(self, time_s: float, own: EgoState) -> VehicleOutputs:
        """The command for the next step, on the picture at time_s and the car's own state."""
        picture = self.perception.picture(time_s)
        command = self.planner.plan(own.x_m, own.y_m, own.speed_mps, picture)
        return VehicleOutputs(command, own.speed_mps + command.accel_mps2 * self.scenario.step_s, picture)


class MecSide:
    """The MEC: roadside tracking, object lists, and per split the speed planner, the SPaT service and the MAP
    service. It knows the car only from its uplink frames (trip registration, BSMs). A silent MEC (fault
    ``mec-silent``) sends nothing and takes nothing in; its tracker goes on."""

    def __init__(self, scenario: Scenario, map_service: MapService | None,
                 signal_plans: Mapping[str, TimingPlan] | None, numbered_per_node: bool = False) -> None:
        """``map_service``: the signalised map's (None elsewhere); ``numbered_per_node``: the perception and the
        planner number their frames each on their own (as the ROS nodes do; in-process one counter)."""
        self.scenario = scenario
        planner = mec_planner_for(scenario, map_service) if scenario.split.plans_remotely else None
        self.core = MecCore(planner=None if numbered_per_node else planner)
        self.plans = self.core
        if numbered_per_node and planner is not None:
            self.plans = MecCore(planner=planner)
            self.plans.tracker = self.core.tracker  # the planner plans on the perception's tracks
        self.spat = None if map_service is None or signal_plans is None else SpatService(signal_plans,
                                                                                          map_service.map)
        self.map_server = MapServer(scenario.map_path) if scenario.map_source is MapSource.MEC else None

    @property
    def has_spat(self) -> bool:
        return self.spat is not None and bool(self.spat.groups)

    # Phase.SENSE
    def sense(self, time_s: float, detections: Sequence[Detection]) -> None:
        """One roadside scan of the world at time_s."""
        self.core.on_detections(time_s, detections)

    # Phase.PUBLISH
    def publish(self, task: Task, send_ns: int, time_s: float) -> list[Publication]:
        """The frames of one publication sent at send_ns about the world at time_s (none: silent, or nothing to
        say yet)."""
        if not self.scenario.mec_alive(time_s):
            return []
        if task is Task.RSM:
            rsm = self.core.object_list_frame(time_s)
            return [Publication(task, rsm, tuple(self.core.tracker.estimates(time_s)))]
        if task is Task.SPEED_PLAN:
            plan = self.plans.speed_plan_frame(time_s)
            return [] if plan is None else [Publication(task, plan)]
        if task is Task.SPAT:
            return self._spat(time_s)
        if task is Task.MAP and self.map_server is not None:
            return [Publication(task, f) for f in self.map_server.frames(send_ns)]
        return []

    def _spat(self, time_s: float) -> list[Publication]:
        spat = self.spat
        frame = None if spat is None else spat.frame(time_s)
        if spat is None or frame is None:
            return []
        if self.plans.planner is not None and spat.last_spat is not None:
            self.plans.planner.on_spat(spat.last_spat)  # the MEC plans on its own SPaT
        return [Publication(Task.SPAT, frame)]

    # Phase.DELIVER
    def receive(self, time_s: float, frame: bytes) -> None:
        """One frame the uplink delivered (trip registrations and BSMs feed the planner)."""
        if self.scenario.mec_alive(time_s):
            self.plans.on_uplink(frame)
