"""Signal colours from SUMO link states, and fixed-time plans: phase position and colour runs."""

import pytest

from coop_drive.world.traffic_lights import Colour, NextSignal, TimingPlan, colour_of

G, A, R = Colour.GREEN, Colour.AMBER, Colour.RED
PHASES = ((30.0, "Gr"), (3.0, "yr"), (30.0, "rG"), (3.0, "ry"))  # 66 s cycle, link 0 arterial, link 1 side


def _plan(cycle_start_s: float = 0.0) -> TimingPlan:
    return TimingPlan("200", PHASES, cycle_start_s, ("-2", "-21"))


@pytest.mark.parametrize(("char", "colour"), [
    ("G", G), ("g", G), ("y", A), ("r", R), ("u", R), ("s", R), ("o", Colour.OFF), ("O", Colour.OFF),
])
def test_colour_of(char, colour):
    assert colour_of(char) is colour


def test_next_signal_colour():
    assert NextSignal("200", 3, 42.0, "g").colour is G
    assert NextSignal("200", 3, 42.0, "u").colour is R


def test_cycle_length():
    assert _plan().cycle_s == 66.0


@pytest.mark.parametrize(("time_s", "expected"), [
    (0.0, (0, 0.0)), (29.5, (0, 29.5)), (30.0, (1, 0.0)), (31.0, (1, 1.0)), (33.0, (2, 0.0)),
    (65.0, (3, 2.0)), (66.0, (0, 0.0)), (100.0, (2, 1.0)), (-1.0, (3, 2.0)),
])
def test_position(time_s, expected):
    phase, spent = _plan().position(time_s)
    assert phase == expected[0]
    assert spent == pytest.approx(expected[1])


def test_position_with_a_cycle_start_offset():
    plan = _plan(10.0)
    assert plan.position(10.0) == (0, pytest.approx(0.0))
    assert plan.position(5.0) == (2, pytest.approx(28.0))  # 61 s into the previous cycle
    assert plan.position(45.0) == (2, pytest.approx(2.0))


def _check_runs(runs, expected):
    assert [(c, ch) for c, ch, _ in runs] == [(c, ch) for c, ch, _ in expected]
    assert [end for _, _, end in runs] == pytest.approx([end for _, _, end in expected])


def test_colour_runs_of_the_arterial_link():
    _check_runs(_plan().colour_runs(0, 10.0, 4), [(G, "G", 30.0), (A, "y", 33.0), (R, "r", 66.0), (G, "G", 96.0)])


def test_colour_runs_of_the_side_link_merge_consecutive_reds():
    # red in phases 0 and 1 (and, before them, amber in phase 3): one red run to 33 s
    _check_runs(_plan().colour_runs(1, 10.0, 4), [(R, "r", 33.0), (G, "G", 63.0), (A, "y", 66.0), (R, "r", 99.0)])


def test_colour_runs_wrap_around_the_cycle():
    _check_runs(_plan().colour_runs(0, 50.0, 4), [(R, "r", 66.0), (G, "G", 96.0), (A, "y", 99.0), (R, "r", 132.0)])
    _check_runs(_plan().colour_runs(1, 64.0, 3), [(A, "y", 66.0), (R, "r", 99.0), (G, "G", 129.0)])


def test_colour_runs_count():
    assert len(_plan().colour_runs(0, 10.0, 1)) == 1
    assert len(_plan().colour_runs(0, 10.0, 7)) == 7
    # G to 30, A to 33, R to 66, G to 96, A to 99, R to 132, G to 162
    assert _plan().colour_runs(0, 10.0, 7)[-1] == (G, "G", pytest.approx(162.0))


@pytest.mark.parametrize("offset", [7.0, 1000.5, -40.25, 132.0])
def test_colour_runs_follow_the_cycle_start(offset):
    base, shifted = _plan(0.0), _plan(offset)
    for t in (0.0, 10.0, 31.5, 50.0, 64.0):
        expected = [(c, ch, end + offset) for c, ch, end in base.colour_runs(1, t, 4)]
        _check_runs(shifted.colour_runs(1, t + offset, 4), expected)


def test_colour_runs_at_a_phase_switch_start_the_new_run():
    _check_runs(_plan().colour_runs(0, 30.0, 2), [(A, "y", 33.0), (R, "r", 66.0)])
    _check_runs(_plan().colour_runs(0, 66.0, 2), [(G, "G", 96.0), (A, "y", 99.0)])


def test_colour_runs_with_all_red_phases():
    plan = TimingPlan("300", ((30.0, "Gr"), (3.0, "yr"), (2.0, "rr"), (30.0, "rG"), (3.0, "ry"), (2.0, "rr")), 0.0)
    _check_runs(plan.colour_runs(0, 0.0, 4), [(G, "G", 30.0), (A, "y", 33.0), (R, "r", 70.0), (G, "G", 100.0)])
    _check_runs(plan.colour_runs(1, 0.0, 3), [(R, "r", 35.0), (G, "G", 65.0), (A, "y", 68.0)])


def test_colour_runs_keep_the_first_state_char_of_the_run():
    plan = TimingPlan("1", ((30.0, "G"), (3.0, "y"), (27.0, "r"), (2.0, "u")), 0.0)
    _check_runs(plan.colour_runs(0, 40.0, 2), [(R, "r", 62.0), (G, "G", 92.0)])
    _check_runs(plan.colour_runs(0, 61.0, 2), [(R, "u", 62.0), (G, "G", 92.0)])
    plan = TimingPlan("2", ((20.0, "G"), (10.0, "g"), (3.0, "y"), (30.0, "r")), 0.0)
    _check_runs(plan.colour_runs(0, 25.0, 2), [(G, "g", 30.0), (A, "y", 33.0)])


def test_colour_runs_of_a_link_that_never_changes():
    plan = TimingPlan("3", ((30.0, "Gr"), (30.0, "Gy")), 0.0)
    runs = plan.colour_runs(0, 10.0, 3)
    assert len(runs) == 1
    assert runs[0][:2] == (G, "G")
    assert runs[0][2] > 10.0 + plan.cycle_s
