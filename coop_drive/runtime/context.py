"""What the parts of one in-process run share: the scenario, the world and its last observed state, the event
scheduler on simulation time, the recorders of the run's metrics, and the bag (if any)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from coop_drive.bag.recorder import RunRecorder
from coop_drive.eval.driving_metrics import DrivingRecorder
from coop_drive.eval.metrics import MetricsRecorder, RunMetrics, V2xRecorder
from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.runtime.scheduler import EventScheduler
from coop_drive.scenario.model import Scenario
from coop_drive.units import s_to_ns
from coop_drive.world.backend import ActorState, WorldBackend

# Order of events that fall on the same instant.
P_WORLD, P_SENSOR, P_PUBLISH, P_DELIVER, P_PLAN = range(5)


@dataclass
class RunContext:
    scenario: Scenario
    world: WorldBackend
    bag: RunRecorder | None
    states: dict[str, ActorState]  # the world as last observed
    world_time_s: float
    scored: PerceptionRecorder  # the vehicle's picture against ground truth
    safety: MetricsRecorder = field(init=False)
    v2x: V2xRecorder = field(default_factory=V2xRecorder)
    driving: DrivingRecorder = field(default_factory=DrivingRecorder)
    scheduler: EventScheduler = field(default_factory=EventScheduler)

    def __post_init__(self) -> None:
        self.safety = MetricsRecorder(self.scenario.ego.actor_id)
        self.start_ns = s_to_ns(self.world_time_s)
        self.scheduler.now_ns = self.start_ns

    @property
    def metrics(self) -> RunMetrics:
        return self.safety.metrics

    def mec_alive(self) -> bool:
        return self.scenario.mec_alive(self.world_time_s)

    def every(self, period_s: float, priority: int, handler: Callable[[int], None]) -> None:
        """Run handler(time_ns) every period_s from the run's start."""
        self.scheduler.every(self.start_ns, s_to_ns(period_s), priority, handler)
