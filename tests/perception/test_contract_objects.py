"""Contract tests of the exchanged object estimate."""

import numpy as np
import pytest

from coop_drive.perception.kalman import cv_predict
from coop_drive.perception.objects import ObjectClass, ObjectEstimate, make_estimate


def _est(stamp: float = 1.0) -> ObjectEstimate:
    return ObjectEstimate(7, "mec", stamp, np.array([1.0, 2.0, 3.0, 4.0]), np.eye(4), 4.6, 1.8, 0.7, ObjectClass.TRUCK)


def test_classes_have_the_message_values():
    assert [(c.name, int(c)) for c in ObjectClass] == [
        ("UNKNOWN", 0),
        ("CAR", 1),
        ("TRUCK", 2),
        ("BUS", 3),
        ("MOTORCYCLE", 4),
        ("BICYCLE", 5),
        ("PEDESTRIAN", 6),
    ]


def test_state_accessors_and_defaults():
    est = ObjectEstimate(1, "v", 0.0, np.array([1.0, 2.0, 3.0, 4.0]), np.eye(4), 4.6, 1.8)
    assert (est.x_m, est.y_m, est.vx_mps, est.vy_mps) == (1.0, 2.0, 3.0, 4.0)
    assert all(type(v) is float for v in (est.x_m, est.y_m, est.vx_mps, est.vy_mps))
    assert est.existence_probability == 1.0 and est.classification is ObjectClass.CAR


def test_bad_shapes_are_rejected_with_the_shape():
    with pytest.raises(AssertionError, match=r"^state must be \(4,\), got \(3,\)$"):
        ObjectEstimate(1, "v", 0.0, np.zeros(3), np.eye(4), 4.6, 1.8)
    with pytest.raises(AssertionError, match=r"^covariance must be \(4, 4\), got \(3, 3\)$"):
        ObjectEstimate(1, "v", 0.0, np.zeros(4), np.eye(3), 4.6, 1.8)


def test_moved_keeps_identity_and_replaces_the_state():
    est = _est()
    state, cov = np.array([5.0, 6.0, 7.0, 8.0]), 2.0 * np.eye(4)
    moved = est.moved(2.5, state, cov)
    assert isinstance(moved, ObjectEstimate)
    assert (moved.object_id, moved.source_id, moved.stamp_s) == (7, "mec", 2.5)
    assert (moved.length_m, moved.width_m) == (4.6, 1.8)
    assert moved.existence_probability == 0.7 and moved.classification is ObjectClass.TRUCK
    assert moved.state is state and moved.covariance is cov
    assert est.moved(2.5, state, cov, 0.9).existence_probability == 0.9
    assert est.moved(2.5, state, cov, 0.0).existence_probability == 0.0


def test_make_estimate_equals_the_constructor():
    state, cov = np.array([1.0, 2.0, 3.0, 4.0]), np.eye(4)
    built = make_estimate(3, "s", 1.5, state, cov, 4.0, 2.0)
    assert isinstance(built, ObjectEstimate)
    assert vars(built) == vars(ObjectEstimate(3, "s", 1.5, state, cov, 4.0, 2.0))
    assert built.existence_probability == 1.0 and built.classification is ObjectClass.CAR
    built = make_estimate(3, "s", 1.5, state, cov, 4.0, 2.0, 0.4, ObjectClass.BUS)
    assert (built.existence_probability, built.classification) == (0.4, ObjectClass.BUS)


def test_predicted_to_a_later_time_hand_values():
    # dt = 0.5, q = 2: x = [1 + 1.5, 2 + 2, 3, 4]; P00 = 1 + 0.25 + 2 * 0.125 / 3
    est = _est(1.0)
    later = est.predicted_to(1.5, 2.0)
    assert later.stamp_s == 1.5
    assert later.state == pytest.approx([2.5, 4.0, 3.0, 4.0])
    assert later.covariance[0, 0] == pytest.approx(1.25 + 0.25 / 3.0)
    x, p = cv_predict(est.state, est.covariance, 0.5, 2.0)
    assert later.covariance == pytest.approx(p) and later.state == pytest.approx(x)
    assert (later.object_id, later.existence_probability, later.classification) == (7, 0.7, ObjectClass.TRUCK)


def test_predicted_to_now_or_the_past_is_unchanged():
    est = _est(1.0)
    assert est.predicted_to(1.0, 2.0) is est
    assert est.predicted_to(0.5, 2.0) is est
