"""Contract of the per-run metrics (README "metrics.json", docs/link.md "Measured metrics")."""

import json
import math
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.eval.metrics import (
    TTC_HORIZON_S,
    MetricsRecorder,
    RunMetrics,
    V2xRecorder,
    _circle_gap_m,
    quantile_ms,
    write_metrics,
)
from coop_drive.world.backend import ActorState

EAST, NORTH = 0.0, math.pi / 2


def _car(aid: str, x: float, y: float, speed: float = 0.0, yaw: float = EAST) -> ActorState:
    return ActorState(aid, x, y, yaw, speed, 0.0, 4.0, 2.0)


# --- RunMetrics / metrics.json ---------------------------------------------------------------------


def test_defaults_before_anything_happened() -> None:
    m = RunMetrics()
    assert TTC_HORIZON_S == 10.0
    assert m.min_ttc_s == 10.0  # "no collision course within 10 s"
    assert m.min_distance_m == math.inf
    assert (m.collision, m.collision_time_s, m.collision_with) == (False, None, None)
    assert m.ego_max_decel_mps2 == 0.0


def test_json_dict_rounds_floats_to_six_decimals_and_turns_non_finite_ones_into_null() -> None:
    m = RunMetrics(min_ttc_s=1.23456789, ego_max_decel_mps2=2.0000004, stopped_time_s=0.1234565001)
    m.collision, m.collision_with, m.stops, m.fuel_g = True, "car_7", 3, None
    m.v2x_latency_p50_ms = -0.0000004  # rounds to -0.0
    m.gospa = math.nan
    out = m.to_json_dict()
    assert out["min_ttc_s"] == 1.234568
    assert out["ego_max_decel_mps2"] == 2.0
    assert out["stopped_time_s"] == 0.123457
    assert out["min_distance_m"] is None  # inf: nothing was ever near
    assert out["gospa"] is None  # nan
    assert out["v2x_latency_p50_ms"] == 0.0
    assert out["collision"] is True and out["collision_with"] == "car_7" and out["stops"] == 3
    assert out["fuel_g"] is None and out["collision_time_s"] is None
    assert out["red_crossings"] == 0 and out["sim_time_s"] == 0.0
    assert list(out) == [f.name for f in fields(RunMetrics)]  # every field, in declaration order


def test_json_dict_keeps_integers_exact() -> None:
    m = RunMetrics(v2x_frames_sent=2**40 + 1, warnings_issued=7)
    out = m.to_json_dict()
    assert out["v2x_frames_sent"] == 2**40 + 1 and isinstance(out["v2x_frames_sent"], int)
    assert out["warnings_issued"] == 7


def test_metrics_file_is_sorted_two_space_indented_json_with_a_final_newline(tmp_path: Path) -> None:
    m = RunMetrics(collision=True, collision_time_s=3.25, collision_with="bike_ä", min_ttc_s=0.0)
    m.v2x_frames_sent, m.fuel_g, m.min_distance_m = 12, 1.0000001, 0.5
    path = tmp_path / "metrics.json"
    write_metrics(m, path)
    raw = path.read_bytes()
    text = raw.decode("ascii")  # non-ASCII names are escaped
    assert text.endswith("}\n") and not text.endswith("\n\n")
    lines = text.split("\n")
    assert lines[0] == "{" and lines[-2] == "}" and lines[-1] == ""
    body = lines[1:-2]
    assert len(body) == len(fields(RunMetrics))
    assert all(line.startswith('  "') for line in body)  # exactly two spaces of indentation
    keys = [line.split('"')[1] for line in body]
    assert keys == sorted(keys)
    assert '  "collision_with": "bike_\\u00e4",' in body
    assert '  "fuel_g": 1.0,' in body
    assert '  "min_distance_m": 0.5,' in body
    assert '  "advisory_compliance": null,' == body[0]
    assert body[-1] == '  "warnings_issued": 0'  # "wall_time_s" sorts before it
    assert json.loads(text) == m.to_json_dict()


# --- quantiles -------------------------------------------------------------------------------------


def test_quantile_is_linearly_interpolated() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # order does not matter
    assert quantile_ms(values, 0.5) == pytest.approx(25.0)  # halfway between 20 and 30
    assert quantile_ms(values, 0.99) == pytest.approx(39.7)  # position 0.99 * 3 = 2.97: 30 + 0.97 * 10
    assert quantile_ms(values, 0.0) == 10.0 and quantile_ms(values, 1.0) == 40.0
    assert quantile_ms([7.5], 0.99) == 7.5
    assert quantile_ms([3, 4], 0.5) == pytest.approx(3.5)
    assert isinstance(quantile_ms([3, 4], 0.5), float)


def test_quantile_of_nothing_is_none() -> None:
    assert quantile_ms([], 0.5) is None
    assert quantile_ms((), 0.99) is None


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1e4), min_size=1, max_size=30), st.floats(0.0, 1.0))
def test_quantile_lies_between_the_extremes(values: list[float], q: float) -> None:
    got = quantile_ms(values, q)
    assert got is not None
    assert min(values) - 1e-9 <= got <= max(values) + 1e-9


# --- V2X recorder ----------------------------------------------------------------------------------


def test_link_statistics_of_delivered_frames() -> None:
    v = V2xRecorder()
    for accepted in (True, True, True, True, False):  # 5 sent, the link dropped the last at once
        v.on_sent(accepted)
    assert (v.frames_sent, v.frames_in_flight) == (5, 4)
    v.on_delivered(now_ns=110_000_000, generation_ns=100_000_000, size_bytes=100)  # 10 ms
    v.on_delivered(now_ns=220_000_000, generation_ns=200_000_000, size_bytes=200)  # 20 ms
    v.on_delivered(now_ns=340_000_000, generation_ns=300_000_000, size_bytes=300)  # 40 ms
    assert v.frames_in_flight == 1 and v.bytes_delivered == 600
    assert v.latencies_ms == [10.0, 20.0, 40.0]  # ns -> ms: / 1e6, exactly
    m = RunMetrics(sim_time_s=2.0)
    v.fill(m)
    assert m.v2x_latency_p50_ms == pytest.approx(20.0)
    assert m.v2x_latency_p99_ms == pytest.approx(39.6)  # position 1.98: 20 + 0.98 * 20
    assert m.v2x_delivery_ratio == pytest.approx(3 / 4)  # one frame still in flight is not counted
    assert m.v2x_bytes_per_s == pytest.approx(300.0)  # 600 B / 2 s
    assert m.aoi_p50_ms is None and m.aoi_p99_ms is None  # no planning cycle sampled


def test_a_single_settled_frame_gives_a_ratio_of_one() -> None:
    v = V2xRecorder()
    v.on_sent(True)
    v.on_delivered(now_ns=5_000_000, generation_ns=2_000_000, size_bytes=50)
    m = RunMetrics(sim_time_s=0.5)
    v.fill(m)
    assert m.v2x_delivery_ratio == 1.0
    assert m.v2x_bytes_per_s == pytest.approx(100.0)
    assert m.v2x_latency_p50_ms == pytest.approx(3.0) and m.v2x_latency_p99_ms == pytest.approx(3.0)


def test_no_delivered_frames_leave_the_link_statistics_null() -> None:
    v = V2xRecorder()
    for _ in range(3):
        v.on_sent(False)
    m = RunMetrics(sim_time_s=10.0)
    v.fill(m)
    assert m.v2x_latency_p50_ms is None and m.v2x_latency_p99_ms is None
    assert m.v2x_delivery_ratio is None and m.v2x_bytes_per_s is None
    assert m.aoi_p50_ms is None and m.aoi_p99_ms is None


def test_throughput_needs_simulated_time() -> None:
    v = V2xRecorder()
    v.on_sent(True)
    v.on_delivered(now_ns=1_000_000, generation_ns=0, size_bytes=80)
    m = RunMetrics(sim_time_s=0.0)
    v.fill(m)
    assert m.v2x_delivery_ratio == 1.0
    assert m.v2x_bytes_per_s is None


def test_age_of_information_is_measured_against_the_newest_list_received() -> None:
    v = V2xRecorder()
    v.on_plan(50_000_000)  # nothing received yet: no sample
    assert v.aoi_ms == []
    for _ in range(3):
        v.on_sent(True)
    v.on_delivered(now_ns=120_000_000, generation_ns=100_000_000, size_bytes=10)
    v.on_plan(150_000_000)  # 150 - 100 = 50 ms
    v.on_delivered(now_ns=260_000_000, generation_ns=200_000_000, size_bytes=10)
    v.on_delivered(now_ns=270_000_000, generation_ns=150_000_000, size_bytes=10)  # late and older: not newest
    assert v.newest_generation_ns == 200_000_000
    v.on_plan(300_000_000)  # 300 - 200 = 100 ms
    v.on_plan(400_000_000)  # 200 ms
    v.on_plan(450_000_000)  # 250 ms
    assert v.aoi_ms == [50.0, 100.0, 200.0, 250.0]
    assert v.latencies_ms == [20.0, 60.0, 120.0]
    m = RunMetrics(sim_time_s=1.0)
    v.fill(m)
    assert m.aoi_p50_ms == pytest.approx(150.0)  # halfway between 100 and 200
    assert m.aoi_p99_ms == pytest.approx(248.5)  # position 2.97: 200 + 0.97 * 50
    assert m.v2x_latency_p50_ms == pytest.approx(60.0)
    assert m.v2x_latency_p99_ms == pytest.approx(118.8)  # position 1.98: 60 + 0.98 * 60
    assert m.v2x_delivery_ratio == 1.0 and m.v2x_bytes_per_s == pytest.approx(30.0)


def test_a_frame_generated_at_time_zero_counts_as_received() -> None:
    v = V2xRecorder()
    v.on_sent(True)
    v.on_delivered(now_ns=20_000_000, generation_ns=0, size_bytes=10)
    assert v.newest_generation_ns == 0
    v.on_plan(100_000_000)
    assert v.aoi_ms == [100.0]


# --- MetricsRecorder -------------------------------------------------------------------------------


def test_steps_without_the_ego_are_ignored() -> None:
    rec = MetricsRecorder("ego")
    assert rec.ego_id == "ego"
    rec.on_step(0.0, {"other": _car("other", 5.0, 0.0)}, ["other"])
    m = rec.metrics
    assert m == RunMetrics()


def test_strongest_braking_of_the_ego() -> None:
    rec = MetricsRecorder("ego")
    for t, v in ((0.0, 20.0), (0.5, 18.0), (1.0, 15.0), (1.5, 16.0), (2.0, 15.5)):
        rec.on_step(t, {"ego": _car("ego", 10.0 * t, 0.0, v)}, [])
    # decelerations 4, 6, -2, 1 m/s^2
    assert rec.metrics.ego_max_decel_mps2 == pytest.approx(6.0)


def test_braking_ignores_repeated_and_older_times() -> None:
    rec = MetricsRecorder("ego")
    rec.on_step(1.0, {"ego": _car("ego", 0.0, 0.0, 10.0)}, [])
    rec.on_step(1.0, {"ego": _car("ego", 0.0, 0.0, 9.0)}, [])  # same time: no rate
    rec.on_step(0.5, {"ego": _car("ego", 0.0, 0.0, 8.0)}, [])  # older time: no rate
    assert rec.metrics.ego_max_decel_mps2 == 0.0
    rec.on_step(1.5, {"ego": _car("ego", 0.0, 0.0, 7.5)}, [])  # against the last sample: 0.5 m/s in 1 s
    assert rec.metrics.ego_max_decel_mps2 == pytest.approx(0.5)


def test_accelerating_only_leaves_the_braking_at_zero() -> None:
    rec = MetricsRecorder("ego")
    for k in range(5):
        rec.on_step(0.1 * k, {"ego": _car("ego", 0.0, 0.0, 2.0 * k)}, [])
    assert rec.metrics.ego_max_decel_mps2 == 0.0


def test_gap_and_ttc_to_the_nearest_actors() -> None:
    rec = MetricsRecorder("ego")
    states = {
        "ego": _car("ego", 100.0, 50.0, 15.0),
        "lead": _car("lead", 120.0, 50.0, 10.0),  # 16 m ahead, closing at 5 m/s: TTC 3.2 s
        "side": _car("side", 100.0, 53.5, 15.0),  # next lane, same speed: gap 1.5 m, no collision course
    }
    rec.on_step(0.0, states, [])
    m = rec.metrics
    assert m.min_distance_m == pytest.approx(1.5)
    assert 3.2 - 1e-9 <= m.min_ttc_s <= 3.22
    assert not m.collision


def test_gap_and_ttc_are_minima_over_the_run() -> None:
    rec = MetricsRecorder("ego")
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0, 10.0), "lead": _car("lead", 14.0, 0.0, 5.0)}, [])
    # gap 10 m at 5 m/s: 2 s
    rec.on_step(1.0, {"ego": _car("ego", 10.0, 0.0, 5.0), "lead": _car("lead", 24.0, 0.0, 5.0)}, [])
    # gap 10 m, no closing speed
    rec.on_step(2.0, {"ego": _car("ego", 15.0, 0.0, 0.0), "lead": _car("lead", 35.0, 0.0, 5.0)}, [])
    assert rec.metrics.min_distance_m == pytest.approx(10.0)
    assert 2.0 - 1e-9 <= rec.metrics.min_ttc_s <= 2.02


def test_ttc_is_capped_at_ten_seconds() -> None:
    rec = MetricsRecorder("ego")
    # 56 m gap closing at 5 m/s: 11.2 s, beyond the cap
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0, 15.0), "lead": _car("lead", 60.0, 0.0, 10.0)}, [])
    assert rec.metrics.min_ttc_s == 10.0
    assert rec.metrics.min_distance_m == pytest.approx(56.0)
    # 46 m closing at 5 m/s: 9.2 s
    rec.on_step(0.1, {"ego": _car("ego", 0.0, 0.0, 15.0), "lead": _car("lead", 50.0, 0.0, 10.0)}, [])
    assert 9.2 - 1e-9 <= rec.metrics.min_ttc_s <= 9.22


def test_far_actors_count_for_the_gap_and_for_ttc_only_on_a_collision_course() -> None:
    rec = MetricsRecorder("ego")
    # 80.01 m behind a standing ego, driving away: its gap counts (80.01 - 4 = 76.01 m), no collision course
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0), "far": _car("far", -80.01, 0.0, 15.0, math.pi)}, [])
    assert rec.metrics.min_distance_m == pytest.approx(76.01)
    assert rec.metrics.min_ttc_s == 10.0
    # ego driving at 15 m/s towards an oncoming car at 15 m/s, centres 79 m apart: 75 m at 30 m/s = 2.5 s
    rec.on_step(0.1, {"ego": _car("ego", 0.0, 0.0, 15.0), "far": _car("far", 79.0, 0.0, 15.0, math.pi)}, [])
    assert rec.metrics.min_distance_m == pytest.approx(75.0)
    assert 2.5 - 1e-9 <= rec.metrics.min_ttc_s <= 2.52


def test_a_pair_just_out_of_reach_within_the_horizon_keeps_ttc_at_the_cap() -> None:
    # head-on at 15 + 15 m/s: 10 s cover 300 m of gap; centres 304.5 m apart leave a 300.5 m gap
    rec = MetricsRecorder("ego")
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0, 15.0), "far": _car("far", 304.5, 0.0, 15.0, math.pi)}, [])
    assert rec.metrics.min_ttc_s == 10.0
    # 303.5 m apart: gap 299.5 m, met after 9.98 s
    rec.on_step(0.1, {"ego": _car("ego", 0.0, 0.0, 15.0), "far": _car("far", 303.5, 0.0, 15.0, math.pi)}, [])
    assert 9.98 - 1e-9 <= rec.metrics.min_ttc_s <= 10.0 - 1e-9


def test_a_fast_collision_course_from_beyond_eighty_metres_shows_in_min_ttc() -> None:
    # README: min_ttc_s is the smallest TTC, capped at 10 s. Head-on at 15 + 15 m/s, centres 100 m apart:
    # gap 96 m / 30 m/s = 3.2 s
    rec = MetricsRecorder("ego")
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0, 15.0), "far": _car("far", 100.0, 0.0, 15.0, math.pi)}, [])
    assert 3.2 - 1e-9 <= rec.metrics.min_ttc_s <= 3.22


def test_a_far_actor_does_not_hide_the_nearer_ones() -> None:
    rec = MetricsRecorder("ego")
    states = {
        "ego": _car("ego", 0.0, 0.0, 10.0),
        "far": _car("far", 300.0, 0.0),  # examined first (sorted ids): gap 296 m, no collision course
        "near": _car("near", 12.0, 0.0),  # gap 8 m at 10 m/s: 0.8 s
    }
    rec.on_step(0.0, states, [])
    assert rec.metrics.min_distance_m == pytest.approx(8.0)
    assert 0.8 - 1e-9 <= rec.metrics.min_ttc_s <= 0.82


def test_the_bounding_circle_gap_is_the_centre_distance_less_both_half_diagonals() -> None:
    a = ActorState("a", 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 3.0)  # half diagonal 2.5 m
    b = ActorState("b", 30.0, 40.0, 1.0, 0.0, 0.0, 12.0, 5.0)  # half diagonal 6.5 m
    assert _circle_gap_m(a, b) == pytest.approx(50.0 - 2.5 - 6.5)
    assert _circle_gap_m(b, a) == pytest.approx(41.0)


def test_a_head_on_course_along_y_from_afar_shows_in_min_ttc() -> None:
    # ego north at 15 m/s, the other south at 15 m/s, centres 100 m apart: gap 96 m at 30 m/s = 3.2 s
    rec = MetricsRecorder("ego")
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0, 15.0, NORTH), "far": _car("far", 0.0, 100.0, 15.0, -NORTH)}, [])
    assert 3.2 - 1e-9 <= rec.metrics.min_ttc_s <= 3.22


def test_distance_is_measured_diagonally() -> None:
    rec = MetricsRecorder("ego")
    # 48 m east and 64 m north: centres 80 m apart, boxes side by side along x: gap 80 - ... >= 76 m
    rec.on_step(0.0, {"ego": _car("ego", 10.0, 10.0), "d": _car("d", 58.0, 74.0)}, [])
    # the corners nearest each other: (12, 11) and (56, 73): hypot(44, 62) = 76.03 m
    assert rec.metrics.min_distance_m == pytest.approx(math.hypot(44.0, 62.0))


def test_the_first_collision_is_recorded_and_sets_ttc_and_distance_to_zero() -> None:
    rec = MetricsRecorder("ego")
    far = {"ego": _car("ego", 0.0, 0.0, 10.0), "a": _car("a", 30.0, 0.0, 10.0)}
    rec.on_step(2.5, far, [])
    assert not rec.metrics.collision
    rec.on_step(3.0, far, ["b", "a"])  # the ids the runtime found overlapping the ego: the first is kept
    m = rec.metrics
    assert (m.collision, m.collision_time_s, m.collision_with) == (True, 3.0, "b")
    assert m.min_ttc_s == 0.0 and m.min_distance_m == 0.0
    rec.on_step(3.5, far, ["a"])  # a later one does not replace it
    assert (m.collision, m.collision_time_s, m.collision_with) == (True, 3.0, "b")


def test_no_collision_without_a_report() -> None:
    rec = MetricsRecorder("ego")
    rec.on_step(1.0, {"ego": _car("ego", 0.0, 0.0, 10.0), "a": _car("a", 3.0, 0.0, 10.0)}, [])
    m = rec.metrics
    assert m.collision is False and m.collision_time_s is None and m.collision_with is None
    assert m.min_ttc_s == 0.0 and m.min_distance_m == 0.0  # the boxes overlap all the same


def test_the_ego_is_not_compared_with_itself() -> None:
    rec = MetricsRecorder("ego")
    rec.on_step(0.0, {"ego": _car("ego", 0.0, 0.0, 10.0)}, [])
    assert rec.metrics.min_distance_m == math.inf and rec.metrics.min_ttc_s == 10.0


def test_every_other_actor_is_examined() -> None:
    rec = MetricsRecorder("ego")
    states = {
        "a": _car("a", 0.0, 30.0),
        "ego": _car("ego", 0.0, 0.0, 10.0, NORTH),
        "z": _car("z", 0.0, -9.0),
    }
    rec.on_step(0.0, states, [])
    # a: standing across the ego's lane 30 m north: gap 30 - 2 - 1 = 27 m at 10 m/s -> 2.7 s; z: gap 9 - 2 - 1 = 6 m
    assert rec.metrics.min_distance_m == pytest.approx(6.0)
    assert 2.7 - 1e-9 <= rec.metrics.min_ttc_s <= 2.72
