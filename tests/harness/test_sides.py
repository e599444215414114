"""The car and the MEC as step functions: what each phase takes and gives."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.geometry import Polyline
from coop_drive.harness.order import Task
from coop_drive.harness.sides import EgoState, MecSide, VehicleSide
from coop_drive.scenario import Split, load_scenario
from coop_drive.scenario.model import Fault
from coop_drive.v2x.frame import MessageType, decode_frame

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASE = load_scenario(SCENARIOS / "occluded_intersection.yaml")
ROUTE = Polyline(np.array([[0.0, 0.0], [200.0, 0.0]]))


def _car(split=Split.EDGE):
    sc = BASE.with_overrides(split=split)
    return sc, VehicleSide(sc, ROUTE, None, start_s=0.0)


def test_the_plan_commands_the_speed_one_step_ahead():
    sc, car = _car(Split.ONBOARD)
    own = EgoState(0.0, 10.0, 0.0, 8.0)
    car.observe(own, None)
    out = car.plan(0.0, own)
    assert out.speed_command_mps == pytest.approx(8.0 + out.command.accel_mps2 * sc.step_s, abs=1e-12)
    assert out.picture.time_s == 0.0 and out.picture.fused == []
    assert out.command.accel_mps2 > 0.0  # an empty road below the desired speed: it speeds up
    assert sc.ego.desired_speed_mps > 8.0


def test_the_bsm_carries_the_cars_state():
    _, car = _car()
    frame = decode_frame(car.bsm(EgoState(1.5, 12.0, -3.0, 9.0, yaw_rad=0.25, accel_mps2=-1.0)))
    assert frame.message_type is MessageType.BSM
    assert frame.generation_time_ns == 1_500_000_000


def test_frames_reach_both_halves_of_the_car_and_bad_ones_are_counted():
    _, car = _car()
    car.receive(b"\x00garbage")
    assert car.reception.frames_received == 1 and car.reception.frames_rejected == 1


def test_the_mec_publishes_object_lists_with_the_tracks_they_carry():
    sc = BASE.with_overrides(split=Split.EDGE)
    mec = MecSide(sc, None, None)
    [sent] = mec.publish(Task.RSM, 100_000_000, 0.1)
    assert sent.task is Task.RSM and sent.tracks == ()
    frame = decode_frame(sent.frame)
    assert frame.message_type is MessageType.RSM and frame.generation_time_ns == 100_000_000
    assert mec.publish(Task.SPEED_PLAN, 100_000_000, 0.1) == []  # no planner in this split
    assert mec.publish(Task.SPAT, 100_000_000, 0.1) == [] and not mec.has_spat  # no signals
    assert mec.publish(Task.MAP, 100_000_000, 0.1) == []  # the car has its own map


def test_a_silent_mec_sends_nothing_and_takes_nothing_in():
    sc = BASE.with_overrides(split=Split.EDGE_PLANNING, faults=(Fault.parse("mec-silent@2"),))
    car = VehicleSide(sc, ROUTE, None, start_s=0.0)
    mec = MecSide(sc, None, None)
    own = EgoState(1.0, 10.0, 0.0, 8.0)
    mec.receive(1.0, car.trip_registration(own) or b"")
    mec.receive(1.0, car.bsm(own))
    assert [p.task for p in mec.publish(Task.SPEED_PLAN, 1_100_000_000, 1.1)] == [Task.SPEED_PLAN]
    assert mec.publish(Task.RSM, 2_000_000_000, 2.0) == []
    assert mec.publish(Task.SPEED_PLAN, 2_000_000_000, 2.0) == []
    silent = MecSide(sc, None, None)
    late = EgoState(2.5, 10.0, 0.0, 8.0)
    silent.receive(2.5, car.trip_registration(late) or b"")  # after the fault: ignored
    silent.receive(2.5, car.bsm(late))
    assert silent.plans.planner is not None and silent.plans.planner.plan(2.5, []) is None


@pytest.mark.parametrize(("per_node", "sequences"), [(False, [0, 1, 2]), (True, [0, 0, 1])])
def test_frame_numbering_in_process_and_per_ros_node(per_node, sequences):
    sc = BASE.with_overrides(split=Split.EDGE_PLANNING)
    car = VehicleSide(sc, ROUTE, None, start_s=0.0)
    mec = MecSide(sc, None, None, numbered_per_node=per_node)
    own = EgoState(0.0, 10.0, 0.0, 8.0)
    mec.receive(0.0, car.trip_registration(own) or b"")
    mec.receive(0.0, car.bsm(own))
    frames = [*mec.publish(Task.RSM, 0, 0.0), *mec.publish(Task.SPEED_PLAN, 0, 0.0), *mec.publish(Task.RSM, 1, 0.1)]
    assert [decode_frame(p.frame).sequence_number for p in frames] == sequences
    assert mec.plans.tracker is mec.core.tracker  # the planner plans on the perception's tracks


def test_the_car_registers_its_trip_until_a_speed_plan_arrives():
    sc = BASE.with_overrides(split=Split.EDGE_PLANNING)
    car = VehicleSide(sc, ROUTE, None, start_s=0.0)
    mec = MecSide(sc, None, None)
    own = EgoState(0.0, 10.0, 0.0, 8.0)
    lost = car.trip_registration(own)  # the link drops it
    assert lost is not None and decode_frame(lost).message_type is MessageType.TRIP_REGISTRATION
    mec.receive(0.0, car.bsm(own))
    assert mec.publish(Task.SPEED_PLAN, 100_000_000, 0.1) == []  # a BSM but no registration: no plan
    again = car.trip_registration(EgoState(1.0, 18.0, 0.0, 8.0))  # no plan yet: the car repeats it
    assert again is not None and decode_frame(again).sequence_number == 1
    mec.receive(1.0, again)
    [plan] = mec.publish(Task.SPEED_PLAN, 1_100_000_000, 1.1)
    car.receive(plan.frame)
    assert car.trip_registration(EgoState(2.0, 26.0, 0.0, 8.0)) is None  # a plan arrived: registered


@pytest.mark.parametrize("split", [Split.ONBOARD, Split.EDGE, Split.CLOUD_PERCEPTION])
def test_only_the_planning_splits_register_a_trip(split):
    _, car = _car(split)
    assert car.trip_registration(EgoState(0.0, 10.0, 0.0, 8.0)) is None
