"""The typed signal and status messages: what goes in comes out, exactly (floats bit for bit, None as NaN),
through CDR as rclpy and the bags carry it."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.bag.ros_messages import MessageFactory, stamp_ns
from coop_drive.bag.signal_messages import (
    T_RECEPTION_STATUS,
    T_SIGNAL_PLANS,
    T_SIGNAL_VIEW,
    T_VEHICLE_STATUS,
    plans_from_msg,
    reception_from_msg,
    reception_status,
    signal_plans,
    signal_view,
    signal_view_from_msg,
    vehicle_status,
    vehicle_status_from_msg,
)
from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.cores.onboard_perception import ReceptionStats
from coop_drive.cores.onboard_planning import PlannerStatus
from coop_drive.world.traffic_lights import NextSignal, TimingPlan

MSGS = MessageFactory(coop_drive_typestore())


def _through_cdr(msg, msgtype):
    return MSGS.deserialize(MSGS.serialize(msg), msgtype)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.tuples(
            st.lists(st.tuples(st.floats(0.1, 200.0), st.text("GgyrusoO", min_size=1, max_size=6)), min_size=1,
                     max_size=5),
            st.floats(-1e6, 1e6),
            st.lists(st.text(max_size=4), max_size=4),
        ),
        max_size=3,
    )
)
def test_signal_plans_round_trip_exactly(raw):
    plans = {k: TimingPlan(k, tuple(p), start, tuple(edges)) for k, (p, start, edges) in raw.items()}
    msg = _through_cdr(signal_plans(MSGS, 2_500_000_000, plans), T_SIGNAL_PLANS)
    assert plans_from_msg(msg) == plans
    assert stamp_ns(msg.header.stamp) == 2_500_000_000
    assert [p.tls_id for p in msg.plans] == sorted(plans)  # one order, whatever the dict's


def test_a_plan_keeps_its_phases_in_order():
    plan = TimingPlan("300", ((23.0, "Gr"), (3.5, "yr"), (30.0, "rG")), 54.0, ("-3", "-31"))
    msg = _through_cdr(signal_plans(MSGS, 0, {"300": plan}), T_SIGNAL_PLANS)
    (wire,) = msg.plans
    assert [(ph.duration_s, ph.state) for ph in wire.phases] == [(23.0, "Gr"), (3.5, "yr"), (30.0, "rG")]
    assert list(wire.link_in_edges) == ["-3", "-31"] and wire.cycle_start_s == 54.0


@settings(max_examples=100, deadline=None)
@given(tls=st.text(max_size=5), link=st.integers(0, 64), dist=st.floats(0.0, 1e4), char=st.sampled_from("GgyrusoO"))
def test_signal_view_round_trip(tls, link, dist, char):
    signal = NextSignal(tls, link, dist, char)
    msg = _through_cdr(signal_view(MSGS, 50_000_000, signal), T_SIGNAL_VIEW)
    assert msg.visible and signal_view_from_msg(msg) == signal


def test_no_signal_ahead_is_an_invisible_view():
    msg = _through_cdr(signal_view(MSGS, 50_000_000, None), T_SIGNAL_VIEW)
    assert not msg.visible and signal_view_from_msg(msg) is None


def test_vehicle_status_carries_absent_times_as_nan():
    status = PlannerStatus(3, None, 12.25, 11.25, 40, 2, None)
    msg = _through_cdr(vehicle_status(MSGS, 12_300_000_000, status), T_VEHICLE_STATUS)
    assert math.isnan(msg.takeover_requested_s) and math.isnan(msg.advice_mps)
    assert msg.minimal_risk_s == 12.25 and msg.warnings_issued == 3
    assert vehicle_status_from_msg(msg) == status
    advised = PlannerStatus(0, 7.5, None, None, 0, 0, 11.111)
    assert vehicle_status_from_msg(_through_cdr(vehicle_status(MSGS, 0, advised), T_VEHICLE_STATUS)) == advised


def test_reception_status_round_trip():
    stats = ReceptionStats(frames_received=270, frames_rejected=4, frames_out_of_order=1)
    msg = _through_cdr(reception_status(MSGS, 0, stats), T_RECEPTION_STATUS)
    assert reception_from_msg(msg) == stats
