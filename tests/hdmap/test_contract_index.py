"""Spatial index contract: a point's own cell lists every segment within reach of it."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.hdmap.index import GridIndex, SegmentTable
from coop_drive.hdmap.map_model import Lane


def _lane(index, xy, heading, s=None):
    xy = np.asarray(xy, dtype=float)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    s = along if s is None else np.asarray(s, dtype=float)
    return Lane(index, "1", 0, -1, None, True, xy, s, np.linspace(3.0, 4.0, len(xy)), along, np.asarray(heading))


LANES = [
    _lane(0, [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]], [0.0, math.pi / 4, math.pi / 2]),
    _lane(1, [[20.0, 5.0], [12.0, 5.0]], [3.0, -3.0], s=[8.0, 0.0]),
]


def test_segment_table():
    t = SegmentTable.from_lanes(LANES)
    assert len(t) == 3
    np.testing.assert_array_equal(t.a, [[0, 0], [10, 0], [20, 5]])
    np.testing.assert_array_equal(t.d, [[10, 0], [0, 10], [-8, 0]])
    np.testing.assert_allclose(t.inv_len, [0.1, 0.1, 0.125])
    np.testing.assert_allclose(t.inv_len2, [0.01, 0.01, 1 / 64])
    np.testing.assert_array_equal(t.lane, [0, 0, 1])
    np.testing.assert_array_equal(t.starts_lane, [True, False, True])
    np.testing.assert_array_equal(t.ends_lane, [False, True, True])
    np.testing.assert_allclose(t.heading_rad, [0.0, math.pi / 4, 3.0])
    # turn wrapped to [-pi, pi): 3.0 -> -3.0 is a turn of 2 pi - 6 = +0.283 rad, not -6
    np.testing.assert_allclose(t.turn_rad, [math.pi / 4, math.pi / 4, 2 * math.pi - 6.0])
    np.testing.assert_allclose(t.s0_m, [0, 10, 8]) and np.testing.assert_allclose(t.s1_m, [10, 20, 0])
    np.testing.assert_allclose(t.w0_m, [3.0, 3.5, 3.0]) and np.testing.assert_allclose(t.w1_m, [3.5, 4.0, 4.0])
    np.testing.assert_allclose(t.along0_m, [0, 10, 0]) and np.testing.assert_allclose(t.along1_m, [10, 20, 8])


def _dist(p, a, d):
    u = np.clip(np.dot(p - a, d) / np.dot(d, d), 0.0, 1.0)
    return float(np.hypot(*(p - a - u * d)))


@pytest.mark.parametrize("cell", [0.7, 5.0])
def test_every_segment_within_reach_is_a_candidate_of_the_points_cell(cell):
    t = SegmentTable.from_lanes(LANES)
    g = GridIndex(t, 1.5, cell)
    rng = np.random.default_rng(1)
    pts = rng.uniform([-4.0, -4.0], [24.0, 14.0], size=(1000, 2))
    rows = g.rows(pts)
    for p, row in zip(pts, rows, strict=True):
        cand = set(g.candidates(float(p[0]), float(p[1])))
        near = {i for i in range(len(t)) if _dist(p, t.a[i], t.d[i]) <= 1.5}
        assert near <= cand
        # the batch row lists the same candidates
        assert set(g.padded[row, : g.row_count[row]].tolist()) == cand
        # and nothing farther than reach + a cell diagonal (cell centre to point <= half a diagonal, to segment
        # <= half a diagonal + reach)
        assert all(_dist(p, t.a[i], t.d[i]) <= 1.5 + cell * math.sqrt(2) + 1e-9 for i in cand)


def test_outside_the_grid_has_no_candidates():
    g = GridIndex(SegmentTable.from_lanes(LANES), 1.0, 2.0)
    far = np.array([[-1000.0, 0.0], [0.0, 1000.0], [1000.0, 0.0], [0.0, -1000.0]])
    assert all(g.candidates(float(x), float(y)) == () for x, y in far)
    rows = g.rows(far)
    assert (rows == len(g.cells)).all() and g.row_count[len(g.cells)] == 0
    assert (g.padded[len(g.cells)] == -1).all()
    # grid bounds: every segment end plus reach plus one cell
    assert (g.x0_m, g.y0_m) == (-3.0, -3.0)
    assert g.nx == math.ceil((20.0 + 3.0 - g.x0_m) / 2.0) + 1 and g.ny == math.ceil((10.0 + 3.0 - g.y0_m) / 2.0) + 1


@settings(max_examples=80, deadline=None)
@given(x=st.floats(-3.0, 23.0), y=st.floats(-3.0, 13.0))
def test_candidates_and_rows_agree(x, y):
    g = _GRID
    row = int(g.rows(np.array([[x, y]]))[0])
    assert set(g.padded[row, : g.row_count[row]].tolist()) == set(g.candidates(x, y))


_GRID = GridIndex(SegmentTable.from_lanes(LANES), 1.2, 2.0)
