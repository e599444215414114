"""The MEC planner knows the vehicle only from its uplink frames: it plans nothing before a trip registration and
a BSM of that station, plans for the registered station only, and takes the vehicle's size from its newest BSM."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coop_drive.cores.offboard_planning import MecPlanner, mec_planner_for, station_id
from coop_drive.cores.roadside_perception import MecCore
from coop_drive.hdmap.service import roads_from_sumo_edges, signal_map_service
from coop_drive.scenario import load_scenario
from coop_drive.units import s_to_ns
from coop_drive.v2x.asn1_codec import decode_speed_plan, encode_trip_registration
from coop_drive.v2x.frame import MessageType, V2XFrame, decode_frame, encode_frame
from coop_drive.v2x.messages import Bsm, TripRegistration

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
EGO = station_id("ego")
TRIP = TripRegistration(0, EGO, 0.0, ("-1", "2"), ((-210.0, -1.75), (210.0, -1.75)), 50.0 / 3.6, 2.0, 3.0, 7.0)


def _bsm(vehicle_id: int = EGO, time_s: float = 0.0, x_m: float = -100.0, speed_mps: float = 10.0,
         length_m: float = 4.6) -> Bsm:
    return Bsm(0, vehicle_id, time_s, x_m, -1.75, speed_mps, 0.0, 0.0, 0.0, 0.0, length_m, 1.8)


def test_nothing_is_planned_before_a_registration_and_a_bsm_of_its_station():
    planner = MecPlanner()
    assert planner.plan(0.1, []) is None and planner.target_id is None
    planner.on_bsm(_bsm())
    assert planner.plan(0.1, []) is None  # a BSM, no registration
    fresh = MecPlanner()
    fresh.on_registration(TRIP)
    assert fresh.plan(0.1, []) is None  # a registration, no BSM
    fresh.on_bsm(_bsm(vehicle_id=EGO + 1))
    assert fresh.plan(0.1, []) is None  # a BSM of another station
    fresh.on_bsm(_bsm())
    plan = fresh.plan(0.1, [])
    assert plan is not None and plan.target_vehicle_id == EGO == fresh.target_id


def test_the_plan_is_for_the_registered_station_and_its_newest_bsm():
    planner = MecPlanner()
    planner.on_bsm(_bsm(time_s=0.0, speed_mps=10.0))  # BSMs before the registration are kept
    planner.on_registration(TRIP)
    planner.on_bsm(_bsm(vehicle_id=EGO + 1, time_s=0.5, speed_mps=2.0))  # another car: not planned for
    plan = planner.plan(0.1, [])
    assert plan is not None and plan.target_vehicle_id == EGO
    assert plan.points[0].speed_mps > 10.0  # from the ego's 10 m/s towards its registered 50 km/h
    assert max(p.speed_mps for p in plan.points) <= 50.0 / 3.6 + 1e-9
    other = replace(TRIP, vehicle_id=EGO + 1, desired_speed_mps=5.0)  # a new trip replaces the old one
    planner.on_registration(other)
    plan = planner.plan(0.6, [])
    assert plan is not None and plan.target_vehicle_id == EGO + 1
    assert plan.points[-1].speed_mps == pytest.approx(5.0, abs=0.5)  # its set speed, from 2 m/s


def test_a_repeated_registration_changes_nothing_and_the_size_comes_from_the_newest_bsm():
    planner = MecPlanner()
    planner.on_registration(TRIP)
    planner.on_bsm(_bsm(length_m=4.6))
    assert planner.plan(0.1, []) is not None and planner.ego is not None and planner.ego.length_m == 4.6
    first = planner.planner
    planner.on_registration(replace(TRIP, msg_count=1, time_s=1.0))  # the same trip again
    assert planner.plan(0.2, []) is not None and planner.planner is first
    planner.on_bsm(_bsm(time_s=0.3, length_m=12.0))
    assert planner.plan(0.4, []) is not None and planner.ego.length_m == 12.0 and planner.ego.width_m == 1.8
    assert planner.planner is not None and planner.planner.ego_length_m == 12.0
    assert planner.ego.limits.max_decel_mps2 == 7.0 and planner.ego.desired_speed_mps == 50.0 / 3.6


def test_the_mec_core_takes_registrations_from_the_uplink_and_counts_bad_ones():
    core = MecCore(planner=MecPlanner())
    payload = encode_trip_registration(TRIP)
    core.on_uplink(encode_frame(V2XFrame(MessageType.TRIP_REGISTRATION, "ego", 0, 0, payload)))
    core.on_uplink(encode_frame(V2XFrame(MessageType.TRIP_REGISTRATION, "ego", 1, 0, payload[:5])))
    assert core.uplink_rejected == 1 and core.planner is not None and core.planner.trip == TRIP
    assert core.speed_plan_frame(0.1) is None  # no BSM yet
    core.planner.on_bsm(_bsm())
    frame = core.speed_plan_frame(0.1)
    assert frame is not None and decode_speed_plan(decode_frame(frame).payload).target_vehicle_id == EGO
    assert decode_frame(frame).generation_time_ns == s_to_ns(0.1)


def test_signal_driving_on_the_mec_runs_on_the_registered_edges():
    sc = load_scenario(SCENARIOS / "green_wave.yaml")
    service = signal_map_service(sc.map_path)
    assert service is not None
    planner = mec_planner_for(sc, service)
    assert planner.signals is None and planner.spat is not None  # its SPaT is kept until a trip registers
    trip = replace(TRIP, route_edges=("-2", "-5"), route_xy_m=((310.0, -1.75), (2000.0, -1.75)))
    planner.on_registration(trip)
    planner.on_bsm(_bsm(x_m=400.0))
    assert planner.plan(0.1, []) is not None
    signals = planner.signals
    assert signals is not None and signals.route_roads == roads_from_sumo_edges(("-2", "-5"))
    assert signals.spat is planner.spat and signals.ego == planner.ego
    assert np.array_equal(planner.route.points_xy_m if planner.route else None, np.array(trip.route_xy_m))
