"""Contract of the driving metrics at their thresholds (README: a stop is below 0.5 m/s after moving above
1 m/s; advisory compliance within 1 m/s; red crossings are stop lines passed on red)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.eval.driving_metrics import (
    COMPLIANCE_TOLERANCE_MPS,
    CROSSING_WINDOW_M,
    MOVING_SPEED_MPS,
    STOP_SPEED_MPS,
    DrivingRecorder,
)
from coop_drive.eval.metrics import RunMetrics
from coop_drive.world.traffic_lights import NextSignal


def _feed(speeds: list[float], dt: float = 1.0, fuel_rate: float | None = None) -> DrivingRecorder:
    rec = DrivingRecorder()
    for k, v in enumerate(speeds):
        rec.on_step(k * dt, v, fuel_rate)
    return rec


def test_documented_thresholds() -> None:
    assert (STOP_SPEED_MPS, MOVING_SPEED_MPS, COMPLIANCE_TOLERANCE_MPS, CROSSING_WINDOW_M) == (0.5, 1.0, 1.0, 15.0)


def test_exactly_the_stop_speed_is_not_stopped() -> None:
    rec = _feed([5.0, 0.5, 0.5, 5.0])
    assert rec.stops == 0
    assert rec.stopped_time_s == 0.0


def test_just_below_the_stop_speed_is_a_stop() -> None:
    rec = _feed([5.0, 0.49, 0.49, 5.0])
    assert rec.stops == 1
    assert rec.stopped_time_s == pytest.approx(2.0)


def test_just_below_the_moving_speed_does_not_rearm_a_stop() -> None:
    # stop, creep to 0.99 m/s, stop again: one stop; then 1.01 m/s re-arms it
    rec = _feed([5.0, 0.0, 0.99, 0.0, 1.01, 0.0])
    assert rec.stops == 2
    assert rec.stopped_time_s == pytest.approx(3.0)  # the steps ending at t = 1, 3, 5


def test_exactly_the_moving_speed_does_not_rearm_a_stop() -> None:
    # README: a stop is "below 0.5 m/s, after moving above 1 m/s"; module: "moved faster than MOVING_SPEED_MPS"
    rec = _feed([5.0, 0.0, 1.0, 0.0])
    assert rec.stops == 1
    rec = _feed([0.0, 1.0, 0.0])  # never faster than 1 m/s: nothing to count
    assert rec.stops == 0
    assert rec.stopped_time_s == 0.0


def test_never_reaching_the_moving_speed_counts_nothing() -> None:
    rec = _feed([0.0, 0.8, 0.2, 0.99, 0.0])
    assert rec.stops == 0 and rec.stopped_time_s == 0.0


def test_many_stops_are_counted() -> None:
    rec = _feed([8.0, 0.0] * 4)
    assert rec.stops == 4
    assert rec.stopped_time_s == pytest.approx(4.0)


def test_stopped_time_uses_the_step_length() -> None:
    rec = DrivingRecorder()
    for t, v in ((0.0, 10.0), (0.5, 0.0), (2.0, 0.0), (2.25, 3.0)):
        rec.on_step(t, v, None)
    assert rec.stopped_time_s == pytest.approx(0.5 + 1.5)
    assert rec.stops == 1


def test_fuel_of_a_varying_rate() -> None:
    rec = DrivingRecorder()
    for t, rate in ((0.0, 500.0), (0.5, 1000.0), (1.5, 3000.0), (1.75, None), (2.0, 400.0)):
        rec.on_step(t, 10.0, rate)
    # 1000 * 0.5 + 3000 * 1.0 + (no model for 0.25 s) + 400 * 0.25 mg
    assert rec.fuel_mg == pytest.approx(500.0 + 3000.0 + 100.0)
    assert rec.fuel_g == pytest.approx(3.6)


def test_zero_fuel_rate_is_zero_fuel_not_none() -> None:
    rec = _feed([10.0, 10.0], fuel_rate=0.0)
    assert rec.fuel_mg == 0.0 and rec.fuel_g == 0.0


def test_rms_jerk_with_unequal_steps() -> None:
    rec = DrivingRecorder()
    for t, v in ((0.0, 10.0), (1.0, 12.0), (1.5, 12.0), (2.5, 11.0)):
        rec.on_step(t, v, None)
    # accelerations 2, 0, -1 m/s^2; jerks (0 - 2) / 0.5 = -4 and (-1 - 0) / 1 = -1 m/s^3
    assert rec.rms_jerk_mps3 == pytest.approx(((16.0 + 1.0) / 2) ** 0.5)


def test_advisory_compliance_at_and_around_the_tolerance() -> None:
    rec = DrivingRecorder()
    rec.on_advice(11.0, 10.0)  # exactly 1 m/s above: compliant
    rec.on_advice(9.0, 10.0)  # exactly 1 m/s below: compliant
    rec.on_advice(11.01, 10.0)  # not
    rec.on_advice(8.99, 10.0)  # not
    rec.on_advice(0.0, 0.0)  # advice to stop, stopped: compliant
    assert rec.advisory_compliance == pytest.approx(3 / 5)


def test_no_advice_at_all_gives_none_and_all_compliant_gives_one() -> None:
    rec = DrivingRecorder()
    rec.on_advice(5.0, None)
    assert rec.advisory_compliance is None
    rec.on_advice(5.0, 5.5)
    assert rec.advisory_compliance == 1.0
    rec.on_advice(5.0, None)
    assert rec.advisory_compliance == 1.0


def _signal(tls: str, link: int, distance: float, state: str) -> NextSignal:
    return NextSignal(tls, link, distance, state)


def test_each_red_crossing_counts() -> None:
    rec = DrivingRecorder()
    for signal in (
        _signal("A", 0, 12.0, "r"),
        _signal("A", 0, 8.0, "r"),  # approaching the same stop line: not passed yet
        _signal("A", 0, 5.0, "r"),
        _signal("A", 0, 2.0, "r"),
        _signal("B", 1, 300.0, "G"),  # passed A on red
        _signal("B", 1, 1.0, "r"),
        _signal("C", 0, 250.0, "r"),  # passed B on red
    ):
        rec.on_signal(signal)
    assert rec.red_crossings == 2


def test_the_crossing_window_is_exclusive() -> None:
    rec = DrivingRecorder()
    rec.on_signal(_signal("A", 0, 15.0, "r"))
    rec.on_signal(_signal("B", 0, 400.0, "r"))  # A changed with its line exactly 15 m ahead: not passed
    assert rec.red_crossings == 0
    rec.on_signal(_signal("B", 0, 14.9, "r"))
    rec.on_signal(_signal("C", 0, 400.0, "r"))  # 14.9 m: passed
    assert rec.red_crossings == 1


def test_red_amber_counts_as_red_and_other_colours_do_not() -> None:
    counts = {}
    for state in ("r", "u", "s", "y", "G", "g", "o", "O"):
        rec = DrivingRecorder()
        rec.on_signal(_signal("A", 0, 3.0, state))
        rec.on_signal(None)  # the signal vanished right at the line: the ego passed it
        counts[state] = rec.red_crossings
    assert counts == {"r": 1, "u": 1, "s": 1, "y": 0, "G": 0, "g": 0, "o": 0, "O": 0}


def test_another_link_of_the_same_signal_is_another_stop_line() -> None:
    rec = DrivingRecorder()
    rec.on_signal(_signal("A", 0, 4.0, "r"))
    rec.on_signal(_signal("A", 3, 200.0, "G"))  # same controller, next junction's link
    assert rec.red_crossings == 1


def test_the_first_signal_is_not_a_crossing() -> None:
    rec = DrivingRecorder()
    rec.on_signal(_signal("A", 0, 1.0, "r"))
    rec.on_signal(_signal("A", 0, 1.0, "r"))  # standing at the red line
    assert rec.red_crossings == 0
    rec.on_signal(None)  # passed the line on red
    rec.on_signal(None)  # nothing ahead, still nothing: no further crossing
    assert rec.red_crossings == 1


def test_fill_writes_every_driving_metric() -> None:
    rec = _feed([10.0, 10.0, 12.0, 0.0, 0.0], fuel_rate=1500.0)
    rec.on_advice(10.0, 10.5)
    rec.on_advice(10.0, 12.0)
    rec.on_signal(_signal("A", 0, 2.0, "r"))
    rec.on_signal(None)
    m = RunMetrics()
    rec.fill(m)
    assert m.stops == 1
    assert m.stopped_time_s == pytest.approx(2.0)
    assert m.fuel_g == pytest.approx(6.0)  # 1.5 g/s for 4 s
    # accelerations 0, 2, -12, 0: jerks 2, -14, 12
    assert m.rms_jerk_mps3 == pytest.approx(((4.0 + 196.0 + 144.0) / 3) ** 0.5)
    assert m.advisory_compliance == pytest.approx(0.5)
    assert m.red_crossings == 1


def test_fill_of_an_empty_run() -> None:
    m = RunMetrics(stops=9, fuel_g=1.0, rms_jerk_mps3=1.0, advisory_compliance=1.0, red_crossings=4)
    DrivingRecorder().fill(m)
    assert (m.stops, m.stopped_time_s, m.fuel_g, m.rms_jerk_mps3, m.advisory_compliance, m.red_crossings) == (
        0,
        0.0,
        None,
        None,
        None,
        0,
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 30.0), min_size=1, max_size=40), st.floats(0.05, 1.0))
def test_stop_count_and_stopped_time_bounds(speeds: list[float], dt: float) -> None:
    rec = _feed(speeds, dt=dt)
    # every stop needs a sample at or above 1 m/s before it and one below 0.5 m/s
    assert 0 <= rec.stops <= min(sum(v >= 1.0 for v in speeds), sum(v < 0.5 for v in speeds))
    # stopped time is made of whole steps that end below 0.5 m/s
    slow_steps = sum(v < 0.5 for v in speeds[1:])
    assert 0.0 <= rec.stopped_time_s <= slow_steps * dt + 1e-9
    assert rec.stops == 0 or rec.stopped_time_s > 0.0
