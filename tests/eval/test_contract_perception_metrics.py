"""Contract of the perception metrics (docs/perception.md "Metrics"): GOSPA over the actors within 100 m of the
ego, position RMSE of the pairs within the cut-off, first detection (gate 2.5 m) before the first crossing
actor reaches the ego's route corridor (|lateral| <= (ego width + actor length) / 2, heading more than 45 degrees
off the route's)."""

import math

import numpy as np
import pytest

from coop_drive.eval.metrics import RunMetrics
from coop_drive.eval.perception_metrics import PerceptionMetrics, PerceptionRecorder
from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.world.backend import ActorState

EAST, NORTH = 0.0, math.pi / 2
ROUTE = Polyline(np.array([[-300.0, 0.0], [300.0, 0.0]]))  # eastbound along y = 0
MISSED = math.sqrt(5.0**2 / 2)  # GOSPA of one actor missed (or one false track) at the 5 m cut-off


def _actor(aid: str, x: float, y: float, yaw: float = EAST, length: float = 4.0) -> ActorState:
    return ActorState(aid, x, y, yaw, 10.0, 0.0, length, 2.0)


def _est(x: float, y: float) -> ObjectEstimate:
    return ObjectEstimate(1, "mec", 0.0, np.array([x, y, 0.0, 0.0]), np.eye(4), 4.0, 2.0)


def _rec(**kwargs: float) -> PerceptionRecorder:
    return PerceptionRecorder("ego", ROUTE, ego_width_m=2.0, **kwargs)


EGO = _actor("ego", 20.0, 0.0)


def test_documented_defaults() -> None:
    rec = _rec()
    assert (rec.relevant_radius_m, rec.cutoff_m, rec.detection_gate_m) == (100.0, 5.0, 2.5)


def test_actors_exactly_at_the_relevant_radius_count() -> None:
    rec = _rec()
    rec.on_picture(0.0, {"ego": EGO, "a": _actor("a", 120.0, 0.0)}, [])  # 100 m east of the ego: missed
    assert rec.result().gospa == pytest.approx(MISSED)
    rec = _rec()
    rec.on_picture(0.0, {"ego": EGO, "a": _actor("a", 120.5, 0.0)}, [])  # 100.5 m: not relevant
    assert rec.result().gospa == 0.0


def test_tracks_exactly_at_the_relevant_radius_count() -> None:
    rec = _rec()
    rec.on_picture(0.0, {"ego": EGO}, [_est(20.0, -100.0)])  # a false track 100 m south of the ego
    assert rec.result().gospa == pytest.approx(MISSED)
    rec = _rec()
    rec.on_picture(0.0, {"ego": EGO}, [_est(20.0, -100.5)])
    assert rec.result().gospa == 0.0


def test_only_the_relevant_actors_and_tracks_are_scored() -> None:
    rec = _rec()
    truth = {"ego": EGO, "far": _actor("far", 20.0, 150.0), "near": _actor("near", 50.0, 0.0)}
    rec.on_picture(0.0, truth, [_est(50.0, 0.5), _est(-100.0, 0.0)])  # near: 0.5 m off; a far track: ignored
    result = rec.result()
    assert result.gospa == pytest.approx(0.5)
    assert result.pos_rmse_m == pytest.approx(0.5)


def test_several_actors_each_with_its_own_error() -> None:
    rec = _rec()
    truth = {"ego": EGO, "a": _actor("a", 40.0, 3.5), "b": _actor("b", 0.0, -3.5), "c": _actor("c", 60.0, 0.0)}
    picture = [_est(40.3, 3.5), _est(0.0, -3.9), _est(60.0, 0.0)]
    rec.on_picture(0.0, truth, picture)
    result = rec.result()
    # errors 0.3, 0.4, 0: GOSPA sqrt(0.09 + 0.16) = 0.5; RMSE sqrt(0.25 / 3)
    assert result.gospa == pytest.approx(0.5)
    assert result.pos_rmse_m == pytest.approx(math.sqrt(0.25 / 3))


def test_gospa_is_the_mean_over_cycles_and_rmse_pools_all_pairs() -> None:
    rec = _rec()
    truth = {"ego": EGO, "a": _actor("a", 40.0, 0.0)}
    rec.on_picture(0.0, truth, [_est(41.0, 0.0)])  # error 1
    rec.on_picture(0.1, truth, [_est(43.0, 0.0)])  # error 3
    rec.on_picture(0.2, truth, [])  # missed
    rec.on_picture(0.3, {"gone": EGO}, [_est(43.0, 0.0)])  # no ego: not a cycle
    result = rec.result()
    assert result.gospa == pytest.approx((1.0 + 3.0 + MISSED) / 3)
    assert result.pos_rmse_m == pytest.approx(math.sqrt((1.0 + 9.0) / 2))


def test_the_cut_off_is_the_recorders() -> None:
    rec = _rec(cutoff_m=10.0)
    truth = {"ego": EGO, "a": _actor("a", 40.0, 0.0), "b": _actor("b", 80.0, 0.0)}
    rec.on_picture(0.0, truth, [_est(47.0, 0.0)])  # a: 7 m off, inside a 10 m cut-off; b missed
    result = rec.result()
    assert result.gospa == pytest.approx(math.sqrt(49.0 + 100.0 / 2))
    assert result.pos_rmse_m == pytest.approx(7.0)


def _detect(gate_offset: float, **kwargs: float) -> PerceptionMetrics:
    """A crosser northbound at x = 50 reaches the corridor (|y| <= (2 + 4) / 2 = 3) at t = 2 s; a track
    gate_offset metres east of it is held at t = 0.5 s only."""
    rec = _rec(**kwargs)
    for t, y in ((0.0, -20.0), (0.5, -15.0), (1.0, -10.0), (1.5, -5.0), (2.0, -3.0), (2.5, 2.0)):
        truth = {"ego": EGO, "x": _actor("x", 50.0, y, NORTH)}
        rec.on_truth(t, truth)
        rec.on_picture(t, truth, [_est(50.0 + gate_offset, y)] if t == 0.5 else [])
    return rec.result()


def test_a_track_exactly_at_the_detection_gate_is_a_detection() -> None:
    assert _detect(2.5).first_detection_s == pytest.approx(2.0 - 0.5)
    assert _detect(2.51).first_detection_s is None
    assert _detect(0.0).first_detection_s == pytest.approx(1.5)
    assert _detect(3.5, detection_gate_m=4.0).first_detection_s == pytest.approx(1.5)


def test_detection_is_the_first_picture_holding_the_actor() -> None:
    rec = _rec()
    for t, y in ((0.0, -20.0), (0.5, -15.0), (1.0, -10.0), (1.5, -2.0), (2.0, 3.0)):
        truth = {"ego": EGO, "x": _actor("x", 50.0, y, NORTH)}
        rec.on_truth(t, truth)
        # 1.0 s: two tracks, one on the actor; 2.0 s: seen again (does not move the first detection)
        picture = {1.0: [_est(50.0, -10.0), _est(90.0, 40.0)], 2.0: [_est(50.0, 3.0)]}.get(t, [])
        rec.on_picture(t, truth, picture)
    assert rec.result().first_detection_s == pytest.approx(1.5 - 1.0)


def test_a_picture_before_any_truth_step_is_scored() -> None:
    rec = _rec()
    truth = {"ego": EGO, "x": _actor("x", 50.0, -10.0, NORTH)}
    rec.on_picture(0.0, truth, [_est(50.0, -10.0)])  # seen before on_truth ever ran
    rec.on_truth(0.5, {"ego": EGO, "x": _actor("x", 50.0, 0.0, NORTH)})
    assert rec.result().first_detection_s == pytest.approx(0.5)


def test_the_first_crossing_actor_is_the_reference() -> None:
    rec = _rec()
    for t in (0.0, 1.0, 2.0, 3.0):
        truth = {
            "ego": EGO,
            "a": _actor("a", 60.0, -12.0 + 4.0 * t, NORTH),  # in the corridor (y >= -3) at t = 3
            "b": _actor("b", 80.0, 10.0 - 4.0 * t, -NORTH),  # southbound, in the corridor (y <= 3) at t = 2
        }
        rec.on_truth(t, truth)
        picture = [_est(60.0, -12.0)] if t == 0.0 else [_est(80.0, 10.0 - 4.0 * t)] if t == 1.0 else []
        rec.on_picture(t, truth, picture)
    # b reaches the route first (2 s), seen at 1 s; a (seen at 0 s) is not the reference
    assert rec.result().first_detection_s == pytest.approx(1.0)


def test_no_first_detection_when_the_first_crosser_was_never_seen() -> None:
    rec = _rec()
    for t in (0.0, 1.0, 2.0, 3.0):
        truth = {
            "ego": EGO,
            "a": _actor("a", 60.0, -12.0 + 4.0 * t, NORTH),  # corridor at t = 3, seen at t = 0
            "b": _actor("b", 80.0, 10.0 - 4.0 * t, -NORTH),  # corridor at t = 2, never seen
        }
        rec.on_truth(t, truth)
        rec.on_picture(t, truth, [_est(60.0, -12.0)] if t == 0.0 else [])
    assert rec.result().first_detection_s is None


def test_the_route_corridor_edge_is_inclusive() -> None:
    # (ego width 2 + actor length 4) / 2 = 3 m either side of the route
    for y, expected in ((3.0, 0.0), (-3.0, 0.0), (3.01, None), (-3.01, None)):
        rec = _rec()
        truth = {"ego": EGO, "x": _actor("x", 50.0, y, NORTH)}
        rec.on_truth(0.0, truth)
        rec.on_picture(0.0, truth, [_est(50.0, y)])
        assert rec.result().first_detection_s == expected, y


def test_the_corridor_width_uses_the_actors_length() -> None:
    rec = _rec()
    truth = {"ego": EGO, "bus": _actor("bus", 50.0, 6.5, NORTH, length=11.0)}  # (2 + 11) / 2 = 6.5 m
    rec.on_truth(0.0, truth)
    rec.on_picture(0.0, truth, [_est(50.0, 6.5)])
    assert rec.result().first_detection_s == 0.0


@pytest.mark.parametrize(
    ("yaw_deg", "crossing"),
    [
        (90.0, True),
        (-90.0, True),
        (46.0, True),
        (134.0, True),
        (45.0, False),
        (44.0, False),
        (0.0, False),
        (180.0, False),
        (-150.0, False),
    ],
)
def test_crossing_means_heading_more_than_45_degrees_off_the_route(yaw_deg: float, crossing: bool) -> None:
    rec = _rec()
    truth = {"ego": EGO, "x": _actor("x", 50.0, 1.0, math.radians(yaw_deg))}
    rec.on_truth(0.0, truth)
    rec.on_picture(0.0, truth, [_est(50.0, 1.0)])
    assert (rec.result().first_detection_s is not None) is crossing


@pytest.mark.parametrize(("yaw_deg", "crossing"), [(45.0, False), (225.0, False), (135.0, True), (-45.0, True)])
def test_crossing_is_judged_against_the_routes_own_heading(yaw_deg: float, crossing: bool) -> None:
    diagonal = Polyline(np.array([[0.0, 0.0], [100.0, 100.0]]))  # heading north-east (45 degrees)
    rec = PerceptionRecorder("ego", diagonal, ego_width_m=2.0)
    truth = {"ego": _actor("ego", 10.0, 10.0, math.pi / 4), "x": _actor("x", 50.0, 50.0, math.radians(yaw_deg))}
    rec.on_truth(0.0, truth)
    rec.on_picture(0.0, truth, [_est(50.0, 50.0)])
    assert (rec.result().first_detection_s is not None) is crossing


def test_the_ego_never_counts_as_a_crossing_actor() -> None:
    rec = _rec()
    ego = _actor("ego", 50.0, 0.0, NORTH)  # even standing across its own route
    rec.on_truth(0.0, {"ego": ego})
    rec.on_picture(0.0, {"ego": ego}, [_est(50.0, 0.0)])
    result = rec.result()
    assert result.first_detection_s is None
    assert result.gospa == pytest.approx(MISSED)  # its own position reported is a false track


def test_fill_writes_the_three_metrics() -> None:
    m = RunMetrics()
    rec = _rec()
    truth = {"ego": EGO, "x": _actor("x", 50.0, 0.0, NORTH)}
    rec.on_truth(1.0, truth)
    rec.on_picture(0.5, truth, [_est(50.0, 0.3)])
    rec.fill(m)
    assert m.gospa == pytest.approx(0.3)
    assert m.pos_rmse_m == pytest.approx(0.3)
    assert m.first_detection_s == pytest.approx(0.5)
    empty = RunMetrics(gospa=1.0, pos_rmse_m=1.0, first_detection_s=1.0)
    _rec().fill(empty)
    assert (empty.gospa, empty.pos_rmse_m, empty.first_detection_s) == (None, None, None)
