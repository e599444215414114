"""Contract of fixed-time signal plans at phase boundaries, cycle wrap and offsets, and of their JSON forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.world.traffic_lights import (
    Colour,
    TimingPlan,
)

G, A, R = Colour.GREEN, Colour.AMBER, Colour.RED
PHASES = ((30.0, "Gr"), (3.0, "yr"), (30.0, "rG"), (3.0, "ry"))  # 66 s cycle


def _plan(start: float = 0.0) -> TimingPlan:
    return TimingPlan("200", PHASES, start, ("-2", "-21"))


def test_cycle_is_the_sum_of_the_phases():
    assert TimingPlan("1", ((37.0, "G"), (3.0, "y"), (2.0, "r"), (28.0, "r")), 0.0).cycle_s == 70.0
    assert TimingPlan("1", ((12.5, "G"),), 0.0).cycle_s == 12.5


def test_a_phase_ends_within_a_nanosecond_of_its_nominal_end():
    # 0.5 ns before the 30 s switch counts as the switch (float noise in accumulated step times)
    phase, spent = _plan().position(30.0 - 5e-10)
    assert phase == 1 and spent == pytest.approx(0.0, abs=1e-9)
    # exactly 1 ns before it is the switch too (the tolerance is inclusive)
    assert _plan().position(30.0 - 1e-9)[0] == 1
    # 2 ns before it is still phase 0
    assert _plan().position(30.0 - 2e-9)[0] == 0
    assert _plan().position(33.0 - 5e-10)[0] == 2


def test_just_before_the_cycle_end_is_the_start_of_phase_0():
    # 0.5 ns before the cycle restarts no phase is left: the plan is back at phase 0 with nothing spent
    assert _plan().position(66.0 - 5e-10) == (0, 0.0)
    assert _plan(10.0).position(10.0 - 5e-10) == (0, 0.0)
    assert _plan().position(66.0 - 2e-9)[0] == 3


@pytest.mark.parametrize(
    ("start", "time_s", "phase", "spent"),
    [
        (7.0, 7.0, 0, 0.0),
        (7.0, 36.9, 0, 29.9),
        (7.0, 37.0, 1, 0.0),
        (7.0, 40.0, 2, 0.0),
        (7.0, 6.0, 3, 2.0),  # 65 s into the previous cycle
        (-40.0, 0.0, 2, 7.0),  # 40 s into the cycle: 40 - 33 = 7 s into phase 2
        (0.0, 660.0 + 31.0, 1, 1.0),  # ten cycles later
    ],
)
def test_position_with_offsets(start, time_s, phase, spent):
    got = _plan(start).position(time_s)
    assert got[0] == phase and got[1] == pytest.approx(spent)


@settings(max_examples=200, deadline=None)
@given(start=st.floats(-1000.0, 1000.0), time_s=st.floats(0.0, 5000.0))
def test_position_is_within_the_phase_and_periodic(start, time_s):
    plan = _plan(start)
    phase, spent = plan.position(time_s)
    assert 0 <= phase < len(PHASES)
    assert -1e-6 <= spent < PHASES[phase][0] + 1e-6
    later_phase, later_spent = plan.position(time_s + plan.cycle_s)
    if 1e-6 < spent < PHASES[phase][0] - 1e-6:  # away from switches, where float noise may tip the phase
        assert later_phase == phase and later_spent == pytest.approx(spent, abs=1e-6)


def _ends(runs):
    return [(c, ch, pytest.approx(end)) for c, ch, end in runs]


def test_colour_runs_from_inside_each_run():
    plan = _plan()
    assert plan.colour_runs(0, 0.0, 3) == _ends([(G, "G", 30.0), (A, "y", 33.0), (R, "r", 66.0)])
    assert plan.colour_runs(0, 31.0, 3) == _ends([(A, "y", 33.0), (R, "r", 66.0), (G, "G", 96.0)])
    assert plan.colour_runs(0, 33.0, 3) == _ends([(R, "r", 66.0), (G, "G", 96.0), (A, "y", 99.0)])
    # link 1 is red through phases 0 and 1: one run to 33 s
    assert plan.colour_runs(1, 32.9, 2) == _ends([(R, "r", 33.0), (G, "G", 63.0)])


def test_colour_runs_count_one_is_the_current_run():
    assert _plan().colour_runs(0, 10.0, 1) == _ends([(G, "G", 30.0)])
    assert _plan().colour_runs(1, 64.0, 1) == _ends([(A, "y", 66.0)])


def test_colour_runs_with_an_offset_and_across_the_wrap():
    # cycle starts at 20: at t = 84 (64 s in) link 1 is amber to 86, red to 119, green to 149
    assert _plan(20.0).colour_runs(1, 84.0, 3) == _ends([(A, "y", 86.0), (R, "r", 119.0), (G, "G", 149.0)])


def test_colour_runs_of_a_never_changing_link_reach_past_the_requested_runs():
    plan = TimingPlan("3", ((30.0, "Gr"), (30.0, "Gy")), 0.0)
    for count in (1, 2, 5):
        runs = plan.colour_runs(0, 10.0, count)
        assert len(runs) == 1 and runs[0][:2] == (G, "G")
        # the run lasts at least as long as `count` full cycles from now
        assert runs[0][2] >= 10.0 + count * plan.cycle_s


def test_colour_runs_of_a_single_phase_plan_with_an_off_link():
    plan = TimingPlan("4", ((45.0, "Go"),), 5.0)
    assert plan.colour_runs(1, 7.0, 2)[0][:2] == (Colour.OFF, "o")


@settings(max_examples=100, deadline=None)
@given(time_s=st.floats(0.0, 1000.0), link=st.integers(0, 1), count=st.integers(1, 6))
def test_colour_runs_alternate_and_end_later_each_time(time_s, link, count):
    runs = _plan(3.5).colour_runs(link, time_s, count)
    assert len(runs) == count
    ends = [end for _, _, end in runs]
    assert ends[0] > time_s - 1e-6
    assert all(b > a for a, b in zip(ends, ends[1:], strict=False))
    assert all(a[0] is not b[0] for a, b in zip(runs, runs[1:], strict=False))
