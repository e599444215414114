"""The occluded intersection end to end in the in-process runtime (real SUMO)."""

from dataclasses import replace
from pathlib import Path

import pytest

from coop_drive.harness.link import DuplexLink
from coop_drive.harness.run import Harness, run_scenario
from coop_drive.scenario import Split, load_scenario
from coop_drive.scenario.model import AutomationLevel
from coop_drive.v2x.frame import MessageType, decode_frame
from coop_drive.world.sumo_backend import SumoWorld

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "occluded_intersection.yaml"


def _run(**overrides):
    return run_scenario(load_scenario(SCENARIO).with_overrides(**overrides), SumoWorld())


def test_onboard_only_sees_the_hidden_car_too_late():
    m = _run(split=Split.ONBOARD)
    assert m.collision and m.collision_with == "hidden_car"
    assert m.min_ttc_s == 0.0
    assert m.ego_max_decel_mps2 == pytest.approx(7.0, abs=0.01)  # it did brake, at the limit
    assert m.v2x_frames_sent == 0  # no V2X at all


def test_edge_split_yields_in_time():
    m = _run(split=Split.EDGE, latency_ms=20.0)
    assert not m.collision
    assert m.min_ttc_s > 1.0
    assert m.ego_max_decel_mps2 < 3.0  # a comfortable slow-down, not an emergency stop
    assert m.ego_travel_time_s is not None
    # 10 Hz for the whole run, 5 % loss
    assert m.v2x_frames_sent == pytest.approx(10 * m.sim_time_s, abs=2)
    assert 0.9 < m.v2x_frames_delivered / m.v2x_frames_sent < 0.99


def test_beyond_the_staleness_limit_l4_stops_l3_hands_over_to_a_driver_who_crashes():
    # every object list is older than max_v2x_age_s = 1 s: the supervisor reports degradation at 1 s
    l4 = _run(split=Split.EDGE, latency_ms=1500.0, level=AutomationLevel.L4)
    assert not l4.collision and l4.ego_travel_time_s is None  # a minimal-risk stop, far before the junction
    assert l4.v2x_degraded_s == pytest.approx(1.05) and l4.minimal_risk_s == pytest.approx(1.1)
    l3 = _run(split=Split.EDGE, latency_ms=1500.0, level=AutomationLevel.L3)
    assert l3.takeover_requested_s == pytest.approx(1.1) and l3.minimal_risk_s is None
    assert l3.collision  # the driver sees no more than the car's own sensors
    assert _run(split=Split.ONBOARD, level=AutomationLevel.L4).v2x_degraded_s is None  # no V2X, nothing to lose


def test_same_inputs_same_metrics():
    a = _run(split=Split.EDGE, seed=11).to_json_dict()
    b = _run(split=Split.EDGE, seed=11).to_json_dict()
    a.pop("wall_time_s")
    b.pop("wall_time_s")
    assert a == b


def test_a_lost_trip_registration_is_repeated_until_a_speed_plan_arrives(monkeypatch):
    sent: list[tuple[int, bool]] = []  # (send time, delivered) of each trip registration
    real_send = DuplexLink.send

    def send(self, direction, sent_ns, frame, generation_ns=None):
        if decode_frame(frame).message_type is not MessageType.TRIP_REGISTRATION:
            return real_send(self, direction, sent_ns, frame, generation_ns)
        lost = len(sent) < 2  # the link drops the first two
        sent.append((sent_ns, not lost))
        return None if lost else real_send(self, direction, sent_ns, frame, generation_ns)

    monkeypatch.setattr(DuplexLink, "send", send)
    sc = replace(load_scenario(SCENARIO).with_overrides(split=Split.EDGE_PLANNING), duration_s=6.0)
    harness = Harness(sc, SumoWorld())
    try:
        m = harness.run()
    finally:
        harness.world.world.close()
    start_ns = harness.start_ns
    # at the start and every second until one gets through; then the plans come and it stops
    assert [(t - start_ns, ok) for t, ok in sent] == [(0, False), (1_000_000_000, False), (2_000_000_000, True)]
    follower = harness.vehicle.planner.plan_follower
    assert follower is not None and follower.plans_received > 0
    assert follower.plan is not None and follower.plan.time_s > 2.0  # no plan before the MEC knew the trip
    assert m.plan_cycles_followed > 0
