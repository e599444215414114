"""Contract tests of the vehicle's track-to-track fusion: age limit, latency compensation, gating, fusion."""

import numpy as np
import pytest
from scipy.stats import chi2

from coop_drive.perception.fusion import FusionConfig, associate, compensate, fuse_objects
from coop_drive.perception.objects import ObjectEstimate


def _est(oid, src, t, state, cov, existence=1.0) -> ObjectEstimate:
    return ObjectEstimate(oid, src, t, np.array(state, dtype=float), np.array(cov, dtype=float), 4.6, 1.8, existence)


def _at(oid, x, y, var=1.0, t=10.0, src="mec", vx=0.0, vy=0.0, existence=1.0) -> ObjectEstimate:
    return _est(oid, src, t, [x, y, vx, vy], np.eye(4) * var, existence)


def test_default_config_is_the_documented_one():
    cfg = FusionConfig()
    assert cfg.accel_noise_psd == 2.0
    assert cfg.max_age_s == 1.0
    assert cfg.compensate_latency is True
    assert cfg.gate_chi2 == pytest.approx(chi2.ppf(0.99, 2), abs=1e-3)  # chi-square 99 %, 2 dof


def test_objects_exactly_max_age_old_are_kept_older_ones_rejected():
    received = [_at(1, 0.0, 0.0, t=9.0), _at(2, 50.0, 0.0, t=8.999), _at(3, 90.0, 0.0, t=9.5)]
    out = compensate(received, 10.0, FusionConfig(max_age_s=1.0))
    assert [o.object_id for o in out] == [1, 3]
    out = compensate(received, 10.0, FusionConfig(max_age_s=0.5))
    assert [o.object_id for o in out] == [3]
    assert compensate(received, 20.0, FusionConfig()) == []
    assert compensate([], 10.0, FusionConfig()) == []


def test_latency_compensation_hand_values():
    # age 0.5 s, v = (10, -2), q = 2: x = (5, -1); P00 = 1 + 0.25 * 1 + 2 * 0.125 / 3, P02 = 0.5 + 2 * 0.125, P22 = 2
    received = [_est(4, "mec", 9.5, [0.0, 0.0, 10.0, -2.0], np.eye(4))]
    (out,) = compensate(received, 10.0, FusionConfig())
    assert out.stamp_s == 10.0 and out.object_id == 4 and out.source_id == "mec"
    assert out.state == pytest.approx([5.0, -1.0, 10.0, -2.0])
    assert out.covariance[0, 0] == pytest.approx(1.25 + 0.25 / 3.0)
    assert out.covariance[1, 1] == pytest.approx(1.25 + 0.25 / 3.0)
    assert out.covariance[0, 2] == pytest.approx(0.75) and out.covariance[2, 0] == pytest.approx(0.75)
    assert out.covariance[2, 2] == pytest.approx(2.0) and out.covariance[0, 1] == pytest.approx(0.0)
    # a different noise density: q = 0.5 -> P22 = 1 + 0.5 * 0.5
    (out,) = compensate(received, 10.0, FusionConfig(accel_noise_psd=0.5))
    assert out.covariance[2, 2] == pytest.approx(1.25)


def test_each_object_is_predicted_by_its_own_age():
    received = [_at(1, 0.0, 0.0, t=9.0, vx=1.0), _at(2, 0.0, 0.0, t=9.75, vy=4.0)]
    out = compensate(received, 10.0, FusionConfig())
    assert out[0].state == pytest.approx([1.0, 0.0, 1.0, 0.0])
    assert out[1].state == pytest.approx([0.0, 1.0, 0.0, 4.0])


def test_an_object_from_the_future_is_not_predicted_backwards():
    received = [_at(1, 3.0, 4.0, t=10.2, vx=5.0, var=2.0)]
    (out,) = compensate(received, 10.0, FusionConfig())
    assert out.stamp_s == 10.0
    assert out.state == pytest.approx([3.0, 4.0, 5.0, 0.0])
    assert out.covariance == pytest.approx(2.0 * np.eye(4))


def test_without_compensation_objects_are_merely_restamped():
    received = [_at(1, 3.0, 4.0, t=9.5, vx=5.0)]
    (out,) = compensate(received, 10.0, FusionConfig(compensate_latency=False))
    assert out.stamp_s == 10.0
    assert out.state is received[0].state and out.covariance is received[0].covariance


def test_association_gate_is_inclusive():
    # position covariances I + I = 2 I, 4 m apart: d2 = 16 / 2 = 8
    own, other = [_at(1, 0.0, 0.0)], [_at(2, 4.0, 0.0)]
    assert associate(own, other, 8.0) == [(0, 0)]
    assert associate(own, other, 7.99) == []
    assert associate([], other, 8.0) == [] and associate(own, [], 8.0) == []


def test_association_uses_position_covariances_only():
    # huge velocity variances must not widen the gate: d2 = 16 / 2 = 8 > 7
    own = [_est(1, "v", 10.0, [0.0, 0.0, 0.0, 0.0], np.diag([1.0, 1.0, 100.0, 100.0]))]
    other = [_est(2, "m", 10.0, [4.0, 0.0, 30.0, 0.0], np.diag([1.0, 1.0, 100.0, 100.0]))]
    assert associate(own, other, 7.0) == []
    assert associate(own, other, 8.5) == [(0, 0)]


def test_association_is_the_global_optimum():
    # 1-d positions, S = 2 I: A = 0, B = 2.2; X = 1, Y = -1.5
    # d2: A-X 0.5, A-Y 1.125, B-X 0.72, B-Y 6.845: greedy A-X + B-Y = 7.345, optimum A-Y + B-X = 1.845
    own = [_at(1, 0.0, 0.0), _at(2, 2.2, 0.0)]
    other = [_at(3, 1.0, 0.0), _at(4, -1.5, 0.0)]
    assert associate(own, other, 9.21) == [(0, 1), (1, 0)]


def test_paired_objects_are_fused_by_covariance_intersection_hand_values():
    # own cov diag(1, 4, 1, 4) at 0, received diag(4, 1, 4, 1) at (2, 2, 2, 2), age 0: mirrored -> w = 0.5,
    # P = diag(1.6, ...), x = 1.6 * 0.5 * B^-1 b = (0.4, 1.6, 0.4, 1.6); d2 = 4/5 + 4/5 = 1.6, inside the gate
    own = [_est(1, "vehicle", 10.0, [0.0, 0.0, 0.0, 0.0], np.diag([1.0, 4.0, 1.0, 4.0]), 0.6)]
    received = [_est(9, "mec", 10.0, [2.0, 2.0, 2.0, 2.0], np.diag([4.0, 1.0, 4.0, 1.0]), 0.9)]
    (fused,) = fuse_objects(own, received, 10.0)
    assert (fused.object_id, fused.source_id, fused.stamp_s) == (1, "vehicle", 10.0)
    assert fused.state == pytest.approx([0.4, 1.6, 0.4, 1.6], abs=1e-9)
    assert fused.covariance == pytest.approx(np.diag([1.6] * 4), abs=1e-9)
    assert fused.existence_probability == 0.9  # the larger of the two
    own = [_est(1, "vehicle", 10.0, [0.0, 0.0, 0.0, 0.0], np.diag([1.0, 4.0, 1.0, 4.0]), 0.95)]
    (fused,) = fuse_objects(own, received, 10.0)
    assert fused.existence_probability == 0.95


def test_received_objects_are_compensated_before_pairing_and_fusing():
    # received 0.5 s old at x = -5 moving at 10 m/s: at now it is at 0, on the own track
    own = [_at(1, 0.0, 0.0, var=0.5, src="vehicle", vx=10.0)]
    received = [_at(7, -5.0, 0.0, var=0.5, t=9.5, vx=10.0)]
    (fused,) = fuse_objects(own, received, 10.0)
    assert fused.object_id == 1
    assert fused.x_m == pytest.approx(0.0, abs=1e-9)
    # the compensated copy is more uncertain, so the own estimate dominates: never larger than the own trace
    assert np.trace(fused.covariance) <= np.trace(own[0].covariance) + 1e-12


def test_unpaired_objects_are_kept_in_order():
    own = [_at(1, 0.0, 0.0, src="vehicle"), _est(2, "vehicle", 10.0, [100.0, 0.0, 0.0, 0.0], np.diag([1.0, 4.0] * 2))]
    received = [
        _at(5, 300.0, 0.0, t=9.5, vx=2.0),
        _est(6, "mec", 10.0, [100.5, 0.0, 0.0, 0.0], np.diag([4.0, 1.0] * 2)),
        _at(7, -300.0, 0.0, t=8.0),
    ]
    fused = fuse_objects(own, received, 10.0)
    assert [(o.object_id, o.source_id) for o in fused] == [(1, "vehicle"), (2, "vehicle"), (5, "mec")]
    assert fused[0] is own[0]
    # mirrored covariances, w = 0.5: x = 1.6 * (0.5 * 100 / 1 + 0.5 * 100.5 / 4) = 100.1
    assert fused[1].x_m == pytest.approx(100.1, abs=1e-9)
    assert fused[2].stamp_s == 10.0 and fused[2].x_m == pytest.approx(301.0)  # compensated by 0.5 s
    assert fused[2].covariance[0, 0] > 1.0
    stale = fuse_objects(own, received, 10.0, FusionConfig(compensate_latency=False))
    assert stale[2].stamp_s == 10.0 and stale[2].x_m == 300.0 and stale[2].covariance[0, 0] == 1.0
    # unpaired and uncompensated: kept as they are, merely re-stamped
    assert stale[2].state is received[0].state and stale[2].covariance is received[0].covariance


def test_fusion_gate_is_configurable_and_inclusive():
    own = [_at(1, 0.0, 0.0, src="vehicle")]
    received = [_at(2, 4.0, 0.0)]  # d2 = 8
    assert len(fuse_objects(own, received, 10.0, FusionConfig(gate_chi2=8.0))) == 1
    assert len(fuse_objects(own, received, 10.0, FusionConfig(gate_chi2=7.99))) == 2
    assert len(fuse_objects(own, received, 10.0)) == 1  # the default 9.21


def test_fusion_without_own_tracks_or_received_objects():
    received = [_at(2, 4.0, 0.0, t=9.5)]
    (only,) = fuse_objects([], received, 10.0)
    assert only.stamp_s == 10.0
    own = [_at(1, 0.0, 0.0, src="vehicle")]
    assert fuse_objects(own, [], 10.0) == own
    assert fuse_objects(own, [_at(3, 0.0, 0.0, t=5.0)], 10.0) == own  # too old to fuse


def test_association_gate_follows_the_long_axis_of_each_covariance():
    # own: long along y (var 16), other: tight; 6 m apart along y -> S = diag(0.02, 16.01), d2 = 36 / 16.01 = 2.25
    own = [_est(1, "v", 10.0, [0.0, 0.0, 0.0, 0.0], np.diag([0.01, 16.0, 1.0, 1.0]))]
    other = [_est(2, "m", 10.0, [0.0, 6.0, 0.0, 0.0], np.diag([0.01, 0.01, 1.0, 1.0]))]
    assert associate(own, other, 9.21) == [(0, 0)]
    assert associate(other, own, 9.21) == [(0, 0)]
    # the same 6 m across the long axis: d2 = 36 / 0.02, far outside
    across = [_est(3, "m", 10.0, [6.0, 0.0, 0.0, 0.0], np.diag([0.01, 0.01, 1.0, 1.0]))]
    assert associate(own, across, 9.21) == []
    (fused,) = fuse_objects(own, other, 10.0)
    assert fused.y_m == pytest.approx(6.0, abs=0.05)  # the tight estimate dominates along y
