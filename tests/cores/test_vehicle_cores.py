"""The vehicle's two cores: the perception side removes the ego from received lists and hands the planner its
picture; the facade counts each malformed frame once, whichever side it was meant for."""

from pathlib import Path

import numpy as np

from coop_drive.cores.onboard_perception import VehiclePerceptionCore
from coop_drive.cores.onboard_planning import VehiclePlannerCore
from coop_drive.cores.vehicle_core import VehicleCore
from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.scenario import load_scenario
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.v2x.object_list import encode_object_list

REPO = Path(__file__).resolve().parents[2]
EGO = load_scenario(REPO / "scenarios" / "occluded_intersection.yaml").ego
ROUTE = Polyline(np.array([[0.0, 0.0], [200.0, 0.0]]))


def _rsm(gen_ns: int, positions: list[tuple[float, float]]) -> bytes:
    objects = [ObjectEstimate(i + 1, "mec", gen_ns / 1e9, np.array([x, y, 0.0, 5.0]), np.eye(4) * 0.2, 4.6, 1.8,
                              classification=ObjectClass.CAR) for i, (x, y) in enumerate(positions)]
    return encode_frame(V2XFrame(MessageType.RSM, "mec", 1, gen_ns, encode_object_list(objects, gen_ns)))


def test_the_ego_is_removed_from_received_lists_and_the_picture_carries_the_newest_generation_time():
    perception = VehiclePerceptionCore()
    perception.on_own_pose(0.9, 10.0, 0.0)
    perception.on_v2x(_rsm(1_000_000_000, [(10.5, 0.2), (60.0, -20.0)]))  # the first is the ego
    assert [o.object_id for o in perception.received] == [2]
    picture = perception.picture(1.1)
    assert picture.own == [] and [o.object_id for o in picture.fused] == [2]
    assert picture.received_generation_s == 1.0 and picture.time_s == 1.1
    perception.on_v2x(_rsm(900_000_000, [(70.0, -20.0)]))  # older than the newest: dropped
    assert perception.stats.frames_out_of_order == 1 and perception.received_generation_s == 1.0


def test_the_planner_plans_on_the_picture_it_is_given():
    perception = VehiclePerceptionCore()
    planner = VehiclePlannerCore(EGO, ROUTE, max_v2x_age_s=1.0, uses_v2x=True)
    perception.on_own_pose(0.0, 20.0, 0.0)
    command = planner.plan(20.0, 0.0, 13.9, perception.picture(0.0))
    assert planner.last_picture == [] and command.yielding_to is None


def test_a_malformed_frame_is_counted_once():
    vehicle = VehicleCore(EGO, ROUTE)
    frame = _rsm(1_000_000_000, [(60.0, -20.0)])
    vehicle.on_v2x(frame[:-3])  # truncated: the envelope check fails on both sides
    plan = encode_frame(V2XFrame(MessageType.SPEED_PLAN, "mec", 2, 1_000_000_000, b"\x01"))
    vehicle.on_v2x(plan)  # a speed plan is the planner's; without a plan follower it is ignored
    assert vehicle.stats.frames_received == 2 and vehicle.stats.frames_rejected == 1


def test_a_malformed_speed_plan_is_counted_by_the_planning_side():
    vehicle = VehicleCore(EGO, ROUTE, uses_v2x=True, follow_plans=True)
    vehicle.on_v2x(encode_frame(V2XFrame(MessageType.SPEED_PLAN, "mec", 2, 1_000_000_000, b"\x01")))
    assert vehicle.stats.frames_received == 1 and vehicle.stats.frames_rejected == 1
