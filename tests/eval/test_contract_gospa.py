"""Contract of GOSPA (alpha = 2): d = (min sum d(x, y)^p + c^p / 2 * (#missed + #false))^(1/p), d cut off at c."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.eval.gospa import GospaResult, gospa


def test_the_assignment_minimises_the_sum_of_squared_errors() -> None:
    truths = np.array([[2.0, 1.0], [0.0, 1.0]])
    estimates = np.array([[3.0, 1.0], [4.0, 2.0]])
    # (3,1)-(0,1) = 3 and (4,2)-(2,1) = sqrt(5): 9 + 5 = 14; the other way (1 and sqrt(17)): 1 + 17 = 18
    r = gospa(estimates, truths, cutoff_m=5.0)
    assert r.localisation_m2 == pytest.approx(14.0)
    assert r.distance_m == pytest.approx(math.sqrt(14.0))
    assert sorted(r.assigned_errors_m) == pytest.approx([math.sqrt(5.0), 3.0])
    assert (r.missed, r.false) == (0, 0)


def test_a_pair_exactly_at_the_cut_off_is_a_miss_and_a_false_target() -> None:
    r = gospa(np.array([[15.0, 7.0]]), np.array([[10.0, 7.0]]), cutoff_m=5.0)
    assert (r.missed, r.false) == (1, 1)
    assert r.localisation_m2 == 0.0 and r.assigned_errors_m == ()
    assert r.distance_m == pytest.approx(5.0)  # sqrt(12.5 + 12.5)
    inside = gospa(np.array([[14.99, 7.0]]), np.array([[10.0, 7.0]]), cutoff_m=5.0)
    assert (inside.missed, inside.false) == (0, 0)
    assert inside.assigned_errors_m == pytest.approx((4.99,))
    assert inside.distance_m == pytest.approx(4.99)


def test_default_cut_off_is_five_metres_and_default_order_two() -> None:
    r = gospa(np.array([[0.0, 4.0]]), np.array([[0.0, 0.0]]))
    assert r.distance_m == pytest.approx(4.0) and r.missed == 0
    r = gospa(np.array([[0.0, 6.0]]), np.array([[0.0, 0.0]]))
    assert r.distance_m == pytest.approx(5.0)  # sqrt(25 / 2 * 2)
    assert (r.missed, r.false) == (1, 1)


def test_order_one() -> None:
    # a 3 m error and one far pair: 3^1 + 4^1 / 2 * (1 + 1) = 7
    r = gospa(np.array([[3.0, 0.0], [50.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 50.0]]), cutoff_m=4.0, p=1.0)
    assert r.localisation_m2 == pytest.approx(3.0)
    assert r.distance_m == pytest.approx(7.0)
    assert (r.missed, r.false) == (1, 1)
    # the same with p = 2: sqrt(9 + 16 / 2 * 2) = 5
    assert gospa(np.array([[3.0, 0.0], [50.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 50.0]]), 4.0).distance_m == (
        pytest.approx(5.0)
    )


def test_order_three() -> None:
    # errors 1 and 2, one false target: (1 + 8 + 27 / 2)^(1/3) with c = 3
    r = gospa(np.array([[1.0, 0.0], [10.0, 2.0], [40.0, 40.0]]), np.array([[0.0, 0.0], [10.0, 0.0]]), 3.0, 3.0)
    assert r.localisation_m2 == pytest.approx(9.0)
    assert r.distance_m == pytest.approx((9.0 + 13.5) ** (1.0 / 3.0))
    assert (r.missed, r.false) == (0, 1)


def test_more_estimates_than_truths() -> None:
    r = gospa(np.array([[0.0, 3.0], [0.0, 1.0], [9.0, 9.0]]), np.array([[0.0, 0.0]]))
    assert (r.missed, r.false) == (0, 2)
    assert r.assigned_errors_m == pytest.approx((1.0,))
    assert r.distance_m == pytest.approx(math.sqrt(1.0 + 12.5 * 2))


def test_more_truths_than_estimates() -> None:
    r = gospa(np.array([[1.0, 1.0]]), np.array([[20.0, 0.0], [1.0, 3.0], [0.0, -30.0]]), cutoff_m=4.0)
    assert (r.missed, r.false) == (2, 0)
    assert r.localisation_m2 == pytest.approx(4.0)
    assert r.distance_m == pytest.approx(math.sqrt(4.0 + 8.0 * 2))


def test_empty_sets() -> None:
    assert gospa(np.zeros((0, 2)), np.zeros((0, 2))) == GospaResult(0.0, 0.0, 0, 0, ())
    r = gospa(np.zeros((0, 2)), np.array([[1.0, 1.0], [5.0, 5.0]]), cutoff_m=4.0)
    assert r.distance_m == pytest.approx(4.0)  # sqrt(8 * 2)
    assert (r.localisation_m2, r.missed, r.false, r.assigned_errors_m) == (0.0, 2, 0, ())
    r = gospa(np.array([[1.0, 1.0], [5.0, 5.0], [9.0, 9.0]]), np.zeros((0, 2)), cutoff_m=2.0, p=1.0)
    assert r.distance_m == pytest.approx(3.0)  # 2 / 2 * 3
    assert (r.localisation_m2, r.missed, r.false, r.assigned_errors_m) == (0.0, 0, 3, ())


def test_flat_and_list_inputs_are_read_as_points() -> None:
    assert gospa([1.0, 2.0], [[1.0, 0.0]]).distance_m == pytest.approx(2.0)
    assert gospa([3.0, 4.0, 30.0, 40.0], [0.0, 0.0, 30.0, 40.0]).localisation_m2 == pytest.approx(0.0)
    assert gospa([[0, 0]], [[0, 3]]).assigned_errors_m == (3.0,)


_points = st.lists(st.tuples(st.floats(-20, 20), st.floats(-20, 20)), max_size=6).map(
    lambda ps: np.array(ps, dtype=float).reshape(-1, 2)
)


@settings(max_examples=50, deadline=None)
@given(_points, _points, st.floats(0.5, 10.0))
def test_gospa_is_symmetric_bounded_and_consistent(est: np.ndarray, tru: np.ndarray, c: float) -> None:
    r = gospa(est, tru, cutoff_m=c)
    s = gospa(tru, est, cutoff_m=c)
    assert r.distance_m == pytest.approx(s.distance_m)
    assert (r.missed, r.false) == (s.false, s.missed)
    assert r.false - r.missed == len(est) - len(tru)
    assert len(r.assigned_errors_m) == len(tru) - r.missed == len(est) - r.false
    assert all(0.0 <= e < c for e in r.assigned_errors_m)
    assert r.localisation_m2 == pytest.approx(sum(e * e for e in r.assigned_errors_m))
    assert r.distance_m**2 == pytest.approx(r.localisation_m2 + c * c / 2 * (r.missed + r.false))
    # never worse than leaving everything unassigned
    assert r.distance_m <= math.sqrt(c * c / 2 * (len(est) + len(tru))) + 1e-9
    assert gospa(tru, tru, cutoff_m=c).distance_m == 0.0
