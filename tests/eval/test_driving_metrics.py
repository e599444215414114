"""Driving-quality metrics: stops with hysteresis, stopped time, fuel, rms jerk, advisory compliance."""

import math

import pytest

from coop_drive.eval.driving_metrics import DrivingRecorder


def _feed(speeds, dt=1.0, fuel_rate=None, t0=0.0):
    rec = DrivingRecorder()
    for k, v in enumerate(speeds):
        rec.on_step(t0 + k * dt, v, fuel_rate)
    return rec


def test_two_stops_with_a_creep_between():
    # t:      0   1   2  3  4  5  6    7    8    9    10 11 12 13 14 15
    speeds = [10, 10, 5, 0, 0, 0, 0.7, 0.3, 0.8, 0.2, 0, 3, 8, 0, 0, 5]
    rec = _feed(speeds)
    assert rec.stops == 2  # creeping up to 0.8 m/s (< 1.0) in the queue is not a new start
    # steps ending below 0.5 m/s: t = 3, 4, 5, 7, 9, 10, 13, 14
    assert rec.stopped_time_s == pytest.approx(8.0)


def test_a_start_above_the_moving_speed_makes_the_next_stop_count():
    rec = _feed([10, 0, 1.1, 0.4])
    assert rec.stops == 2
    assert rec.stopped_time_s == pytest.approx(2.0)


def test_standing_before_first_moving_is_not_a_stop():
    rec = _feed([0, 0, 0, 2, 5, 5])
    assert rec.stops == 0
    assert rec.stopped_time_s == 0.0


def test_stopped_time_with_a_fine_step():
    speeds = [10.0] * 5 + [0.0] * 31 + [3.0] * 5  # 31 steps of 0.1 s end below 0.5 m/s
    rec = _feed(speeds, dt=0.1)
    assert rec.stops == 1
    assert rec.stopped_time_s == pytest.approx(3.1)


def test_fuel_integrates_a_constant_rate():
    rec = _feed([10.0] * 101, dt=0.1, fuel_rate=2000.0)  # 2 g/s for 10 s
    assert rec.fuel_mg == pytest.approx(20_000.0)
    assert rec.fuel_g == pytest.approx(20.0)


def test_fuel_uses_each_steps_rate_over_the_step_before():
    rec = DrivingRecorder()
    rec.on_step(0.0, 10.0, 9999.0)  # the first sample has no step before it
    rec.on_step(1.0, 10.0, 1000.0)
    rec.on_step(3.0, 10.0, 500.0)
    assert rec.fuel_mg == pytest.approx(1000.0 + 2 * 500.0)


def test_no_fuel_without_a_model():
    rec = _feed([10.0] * 10)
    assert rec.fuel_mg is None and rec.fuel_g is None


def test_rms_jerk_of_a_constant_acceleration_is_zero():
    rec = _feed([5.0 + 1.5 * 0.1 * k for k in range(50)], dt=0.1)
    assert rec.rms_jerk_mps3 == pytest.approx(0.0, abs=1e-6)


def test_rms_jerk_of_an_acceleration_step():
    # accelerations per step: 0, 0, 2, 2, 2 m/s^2 -> jerks 0, 20, 0, 0 m/s^3
    rec = _feed([0.0, 0.0, 0.0, 0.2, 0.4, 0.6], dt=0.1)
    assert rec.rms_jerk_mps3 == pytest.approx(math.sqrt(20.0**2 / 4), rel=1e-6)


def test_rms_jerk_needs_three_samples():
    assert _feed([1.0, 2.0]).rms_jerk_mps3 is None
    assert _feed([1.0, 2.0, 4.0]).rms_jerk_mps3 == pytest.approx(1.0)


def test_repeated_or_older_times_are_ignored():
    rec = DrivingRecorder()
    for t, v in ((0.0, 10.0), (1.0, 0.0), (1.0, 10.0), (0.5, 10.0), (2.0, 0.0)):
        rec.on_step(t, v, 100.0)
    assert rec.stops == 1
    assert rec.stopped_time_s == pytest.approx(2.0)
    assert rec.fuel_mg == pytest.approx(200.0)


def test_advisory_compliance_share():
    rec = DrivingRecorder()
    assert rec.advisory_compliance is None
    rec.on_advice(10.0, None)  # no advice in force: not counted
    assert rec.advisory_compliance is None
    rec.on_advice(10.0, 10.5)  # compliant
    rec.on_advice(10.0, 12.0)  # not
    rec.on_advice(10.0, 9.0)  # at the tolerance: compliant
    rec.on_advice(13.0, 8.0)  # not
    rec.on_advice(10.0, None)
    assert rec.advisory_compliance == pytest.approx(0.5)


def test_a_stop_line_passed_on_red_counts_once_and_one_passed_on_green_or_amber_not():
    from coop_drive.world.traffic_lights import NextSignal

    rec = DrivingRecorder()
    approach = [NextSignal("200", 3, d, "r") for d in (30.0, 12.0, 3.0)]
    for signal in [*approach, NextSignal("300", 3, 480.0, "G")]:  # crossed junction 200 on red
        rec.on_signal(signal)
    assert rec.red_crossings == 1
    for signal in [NextSignal("300", 3, 8.0, "y"), NextSignal("400", 1, 500.0, "r"),  # amber: allowed
                   NextSignal("400", 1, 1.0, "G"), None]:  # green, then the ego left the network
        rec.on_signal(signal)
    assert rec.red_crossings == 1
    rec.on_signal(NextSignal("500", 0, 200.0, "r"))
    rec.on_signal(None)  # the signal vanished far ahead (the ego arrived before it): not a crossing
    assert rec.red_crossings == 1
