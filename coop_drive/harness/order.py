"""The order of a step, written once.

Every run is a sequence of instants on simulation time (integer nanoseconds). At one instant things happen in
five phases:

1. ``WORLD``   the world steps; the car localises itself and its camera sees the next signal;
2. ``SENSE``   sensors scan the world state of this instant (onboard and roadside);
3. ``PUBLISH`` frames go out: the car's trip registration (planning splits, until a speed plan arrives) and BSM
               up the link; the MEC's object list (RSM), speed plan, SPaT and MAP down it;
4. ``DELIVER`` the link hands over every frame due now (a frame sent this instant with no delay included);
5. ``PLAN``    the car plans on what it knows now and commands its speed.

Within one phase, periodic tasks run in the order of their previous firing (the longest-waiting first) and,
among tasks that fired together last time, in the order of ``periodic_tasks`` — which is exactly the
scheduler's (time, phase, insertion order) rule (``harness/scheduler.py``). Deliveries run in the order the
frames were sent. The in-process harness registers ``periodic_tasks`` with the scheduler; replay sorts a bag's
messages by ``Phase``; the ROS link relay orders one instant's downlink frames with ``DownlinkOrder``. Nothing
else encodes the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from coop_drive.scenario.model import MapSource, Scenario
from coop_drive.units import s_to_ns
from coop_drive.v2x.frame import MessageType

BSM_PERIOD_S = 0.1  # the vehicle's BSM rate, 10 Hz (SAE J2945/1)
REGISTRATION_PERIOD_S = 1.0  # the vehicle repeats its trip registration at this period until a speed plan arrives
PLAN_PERIOD_S = 0.1  # the MEC's planning rate in the planning splits
SPAT_RATE_HZ = 10.0  # the MEC's SPaT rate


class Phase(IntEnum):
    WORLD = 0
    SENSE = 1
    PUBLISH = 2
    DELIVER = 3
    PLAN = 4


class Task(Enum):
    """What runs periodically in a run; its phase and, for publications, the message it sends."""

    WORLD_STEP = "world step"
    VEHICLE_SCAN = "onboard scan"
    ROADSIDE_SCAN = "roadside scan"
    TRIP_REGISTRATION = "trip registration"
    BSM = "BSM"
    RSM = "RSM"
    SPEED_PLAN = "speed plan"
    SPAT = "SPaT"
    MAP = "MAP"
    VEHICLE_PLAN = "vehicle plan"

    @property
    def phase(self) -> Phase:
        return _PHASES[self]

    @property
    def message_type(self) -> MessageType | None:
        return _MESSAGES.get(self)


_PHASES = {Task.WORLD_STEP: Phase.WORLD, Task.VEHICLE_SCAN: Phase.SENSE, Task.ROADSIDE_SCAN: Phase.SENSE,
           Task.TRIP_REGISTRATION: Phase.PUBLISH, Task.BSM: Phase.PUBLISH, Task.RSM: Phase.PUBLISH,
           Task.SPEED_PLAN: Phase.PUBLISH, Task.SPAT: Phase.PUBLISH, Task.MAP: Phase.PUBLISH,
           Task.VEHICLE_PLAN: Phase.PLAN}
_MESSAGES = {Task.TRIP_REGISTRATION: MessageType.TRIP_REGISTRATION, Task.BSM: MessageType.BSM,
             Task.RSM: MessageType.RSM, Task.SPEED_PLAN: MessageType.SPEED_PLAN,
             Task.SPAT: MessageType.SPAT, Task.MAP: MessageType.MAP}
DOWNLINK = (Task.RSM, Task.SPEED_PLAN, Task.SPAT, Task.MAP)  # the MEC's publications, in registration order


@dataclass(frozen=True)
class PeriodicTask:
    task: Task
    period_ns: int
    first_offset_ns: int = 0  # first firing after the run's start
    sensor_id: str | None = None  # scans: which sensor


def publication_period_ns(scenario: Scenario, task: Task) -> int:
    """The period of one of the MEC's publications (``DOWNLINK``) or of the car's (trip registration, BSM)."""
    period_s = {Task.TRIP_REGISTRATION: REGISTRATION_PERIOD_S, Task.BSM: BSM_PERIOD_S,
                Task.RSM: 1.0 / scenario.mec_publish_rate_hz, Task.SPEED_PLAN: PLAN_PERIOD_S,
                Task.SPAT: 1.0 / SPAT_RATE_HZ, Task.MAP: 1.0 / scenario.mec_map_rate_hz}[task]
    return s_to_ns(period_s)


def periodic_tasks(scenario: Scenario, spat: bool) -> tuple[PeriodicTask, ...]:
    """Every periodic task of a run, in the order that breaks ties (see the module's text). ``spat``: the MEC
    has signal groups to publish (a signalised map in a split with V2X)."""
    step_ns = s_to_ns(scenario.step_s)
    tasks = [PeriodicTask(Task.VEHICLE_SCAN, s_to_ns(1.0 / s.rate_hz), sensor_id=s.sensor_id)
             for s in scenario.onboard_sensors]
    if scenario.split.uses_v2x:
        uplink = ([Task.TRIP_REGISTRATION] if scenario.split.plans_remotely else []) + [Task.BSM]
        tasks += [PeriodicTask(task, publication_period_ns(scenario, task)) for task in uplink]
        tasks += [PeriodicTask(Task.ROADSIDE_SCAN, s_to_ns(1.0 / s.rate_hz), sensor_id=s.sensor_id)
                  for s in scenario.roadside_sensors]
        publications = [Task.RSM]
        publications += [Task.SPEED_PLAN] if scenario.split.plans_remotely else []
        publications += [Task.SPAT] if spat else []
        publications += [Task.MAP] if scenario.map_source is MapSource.MEC else []
        tasks += [PeriodicTask(task, publication_period_ns(scenario, task)) for task in publications]
    tasks.append(PeriodicTask(Task.WORLD_STEP, step_ns, first_offset_ns=step_ns))  # the world at start is given
    tasks.append(PeriodicTask(Task.VEHICLE_PLAN, step_ns))
    return tuple(tasks)


class TaskOrder:
    """The scheduler's rule as a sort key, for runtimes whose tasks' outputs arrive unordered (the ROS link relay
    and recorder: the MEC nodes' frames; the ROS MEC planner: its plans and the SPaT it plans on):
    (time, phase, previous firing of the task, its rank in ``periodic_tasks``). Exact for periodic tasks that
    started together at the run's start, as all of ours do within a phase."""

    def __init__(self, scenario: Scenario, start_ns: int) -> None:
        self.start_ns = start_ns
        every = periodic_tasks(scenario, spat=True)
        self.periods_ns = {(t.task, t.sensor_id): t.period_ns for t in every}
        self.ranks = {(t.task, t.sensor_id): rank for rank, t in enumerate(every)}

    def key(self, task: Task, time_ns: int, sensor_id: str | None = None) -> tuple[int, int, int, int]:
        """The sort key of ``task`` (a scan: of sensor ``sensor_id``) firing at time_ns."""
        period = self.periods_ns.get((task, sensor_id))
        previous = time_ns - period if period is not None and time_ns > self.start_ns else -1
        return time_ns, int(task.phase), previous, self.ranks.get((task, sensor_id), len(self.ranks))

    def frame_key(self, send_ns: int, message_type: int) -> tuple[int, int, int, int]:
        """The key of a V2X frame sent at send_ns (unknown kinds last at their instant)."""
        task = _TASK_OF_MESSAGE.get(message_type)
        if task is None:
            return send_ns, int(Phase.PUBLISH), -1, len(self.ranks)
        return self.key(task, send_ns)


_TASK_OF_MESSAGE = {int(message): task for task, message in _MESSAGES.items()}
