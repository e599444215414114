"""The vehicle's core in one object: the perception side (``VehiclePerceptionCore``: onboard tracking, V2X
object lists, fusion) and the planning side (``VehiclePlannerCore``: planning, signals, plan follower,
supervisor, automation level). The runtimes and replay use the two cores directly (``vehicle_planner_for``);
this facade keeps one object for tests."""

from __future__ import annotations

from collections.abc import Sequence

from coop_drive.cores.onboard_perception import SELF_GATE_M, ReceptionStats, VehiclePerceptionCore
from coop_drive.cores.onboard_planning import VehicleCommand, VehiclePlannerCore
from coop_drive.geometry import Polyline
from coop_drive.perception.fusion import FusionConfig
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.planning.automation import DriverConfig
from coop_drive.scenario.model import EgoSpec
from coop_drive.sensors.object_sensor import Detection

__all__ = ["SELF_GATE_M", "ReceptionStats", "VehicleCommand", "VehicleCore"]


class VehicleCore:
    """Everything the car computes between its sensors and its speed command."""

    def __init__(self, ego: EgoSpec, route: Polyline | None, fusion: FusionConfig | None = None, uses_v2x: bool = False,
                 seed: int = 0, start_s: float = 0.0, driver: DriverConfig | None = None,
                 follow_plans: bool = False, max_plan_age_s: float = 0.5, cycle_s: float = 0.05) -> None:
        self.stats = ReceptionStats()
        self.perception = VehiclePerceptionCore(fusion, self.stats)
        self.planning = VehiclePlannerCore(ego, route, self.perception.fusion.max_age_s, uses_v2x=uses_v2x, seed=seed,
                                           start_s=start_s, driver=driver, follow_plans=follow_plans,
                                           max_plan_age_s=max_plan_age_s, cycle_s=cycle_s, stats=self.stats)

    def on_detections(self, time_s: float, detections: Sequence[Detection]) -> None:
        self.perception.on_detections(time_s, detections)

    def on_own_pose(self, time_s: float, x_m: float, y_m: float) -> None:
        self.perception.on_own_pose(time_s, x_m, y_m)

    def on_v2x(self, frame_bytes: bytes) -> None:
        self.perception.on_v2x(frame_bytes)
        self.planning.on_v2x(frame_bytes)

    def bsm_frame(self, time_s: float, x_m: float, y_m: float, yaw_rad: float, speed_mps: float,
                  accel_mps2: float) -> bytes:
        return self.planning.bsm_frame(time_s, x_m, y_m, yaw_rad, speed_mps, accel_mps2)

    @property
    def received_generation_s(self) -> float | None:
        return self.perception.received_generation_s

    def world_model(self, time_s: float) -> list[ObjectEstimate]:
        """Fused objects at time_s."""
        return self.perception.picture(time_s).fused

    def plan(self, time_s: float, x_m: float, y_m: float, speed_mps: float) -> VehicleCommand:
        """Acceleration command for the next cycle, from the ego's own pose and speed."""
        return self.planning.plan(x_m, y_m, speed_mps, self.perception.picture(time_s))
