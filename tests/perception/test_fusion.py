import numpy as np
import pytest

from coop_drive.perception.fusion import FusionConfig, fuse_objects
from coop_drive.perception.objects import ObjectEstimate


def _est(oid: int, src: str, t: float, x: float, y: float, vx: float, vy: float, var: float) -> ObjectEstimate:
    return ObjectEstimate(oid, src, t, np.array([x, y, vx, vy]), np.eye(4) * var, 4.6, 1.8)


def test_received_object_is_predicted_to_now_and_fused_with_the_own_track():
    own = [_est(1, "vehicle", 10.0, 20.0, 0.0, 10.0, 0.0, 0.5)]
    # the MEC saw it 0.2 s ago, 2 m further back: compensated it lands on the own track
    received = [_est(7, "mec", 9.8, 18.0, 0.1, 10.0, 0.0, 0.5)]
    fused = fuse_objects(own, received, 10.0)
    assert len(fused) == 1
    assert fused[0].object_id == 1
    assert fused[0].x_m == pytest.approx(20.0, abs=0.05)
    assert np.trace(fused[0].covariance) <= np.trace(own[0].covariance) + 1e-12


def test_without_compensation_the_stale_object_is_a_second_object():
    own = [_est(1, "vehicle", 10.0, 20.0, 0.0, 10.0, 0.0, 0.1)]
    received = [_est(7, "mec", 9.5, 15.0, 0.0, 10.0, 0.0, 0.1)]  # 0.5 s old, 5 m behind
    assert len(fuse_objects(own, received, 10.0, FusionConfig(compensate_latency=True))) == 1
    stale = fuse_objects(own, received, 10.0, FusionConfig(compensate_latency=False))
    assert len(stale) == 2 and stale[1].x_m == pytest.approx(15.0)


def test_old_objects_are_rejected_and_unmatched_ones_added():
    received = [_est(3, "mec", 8.0, -50.0, 0.0, 0.0, 10.0, 0.5), _est(4, "mec", 9.9, 60.0, 5.0, 0.0, 0.0, 0.5)]
    fused = fuse_objects([], received, 10.0, FusionConfig(max_age_s=1.0))
    assert [(o.object_id, o.source_id) for o in fused] == [(4, "mec")]
    assert fused[0].stamp_s == 10.0
