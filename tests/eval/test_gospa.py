import math

import numpy as np
import pytest

from coop_drive.eval.gospa import gospa


def test_gospa_parts_on_hand_checked_sets():
    truths = np.array([[0.0, 0.0], [10.0, 0.0], [50.0, 50.0]])
    estimates = np.array([[0.0, 1.0], [10.0, -2.0], [-40.0, 0.0]])
    r = gospa(estimates, truths, cutoff_m=5.0)
    assert r.missed == 1 and r.false == 1
    assert r.localisation_m2 == pytest.approx(1.0 + 4.0)
    assert r.distance_m == pytest.approx(math.sqrt(5.0 + 12.5 * 2))


def test_gospa_empty_sets_and_identity():
    assert gospa(np.zeros((0, 2)), np.zeros((0, 2))).distance_m == 0.0
    assert gospa(np.zeros((0, 2)), np.array([[1.0, 1.0]]), cutoff_m=4.0).distance_m == pytest.approx(math.sqrt(8.0))
    pts = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert gospa(pts, pts).distance_m == 0.0
