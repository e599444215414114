"""Reference-line geometry in closed form (line, arc), the integrated spiral, and piecewise cubics."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.hdmap.planview import Geometry, Poly3, eval_poly3_records, is_constant, reference_line


def test_line():
    g = Geometry(0.0, 1.0, 2.0, math.atan2(3.0, 4.0), 10.0, "line")
    x, y, h = g.evaluate(np.array([0.0, 5.0, 10.0]))
    np.testing.assert_allclose(x, [1.0, 5.0, 9.0])  # 1 + 0.8 ds
    np.testing.assert_allclose(y, [2.0, 5.0, 8.0])  # 2 + 0.6 ds
    np.testing.assert_allclose(h, math.atan2(3.0, 4.0))
    assert g.max_abs_curvature() == 0.0
    assert Geometry(0.0, 0.0, 0.0, 0.0, 1.0, "line", 0.3, 0.4).max_abs_curvature() == 0.0


def test_arc_closed_form_both_directions():
    left = Geometry(0.0, 0.0, 0.0, 0.0, 5 * math.pi, "arc", 0.1, 0.1)  # radius 10 about (0, 10)
    x, y, h = left.evaluate(np.array([0.0, 5 * math.pi, 10 * math.pi]))
    np.testing.assert_allclose(x, [0.0, 10.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(y, [0.0, 10.0, 20.0], atol=1e-12)
    np.testing.assert_allclose(h, [0.0, math.pi / 2, math.pi])
    right = Geometry(0.0, 1.0, 1.0, math.pi / 2, 5 * math.pi, "arc", -0.1, -0.1)  # heading north, turning east
    x, y, h = right.evaluate(np.array([5 * math.pi]))
    np.testing.assert_allclose([x[0], y[0], h[0]], [11.0, 11.0, 0.0], atol=1e-12)  # centre (11, 1)
    assert right.max_abs_curvature() == 0.1


def test_zero_curvature_arc_is_a_line():
    g = Geometry(0.0, 1.0, 1.0, math.pi / 2, 10.0, "arc", 0.0, 0.0)
    x, y, h = g.evaluate(np.array([0.0, 4.0]))
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(y, [1.0, 5.0])
    np.testing.assert_allclose(h, [math.pi / 2, math.pi / 2])
    tiny = Geometry(0.0, 0.0, 0.0, 0.0, 10.0, "arc", 1e-13, 1e-13)  # below 1e-12: a line, no division
    np.testing.assert_allclose(tiny.evaluate(np.array([10.0]))[0], [10.0])


def _clothoid(x0, y0, h0, k0, k1, length, ds):
    s = np.linspace(0.0, length, 400_001)
    h = h0 + k0 * s + 0.5 * (k1 - k0) / length * s**2
    x = x0 + np.concatenate([[0.0], np.cumsum(np.diff(s) * 0.5 * (np.cos(h[1:]) + np.cos(h[:-1])))])
    y = y0 + np.concatenate([[0.0], np.cumsum(np.diff(s) * 0.5 * (np.sin(h[1:]) + np.sin(h[:-1])))])
    return np.interp(ds, s, x), np.interp(ds, s, y), h0 + k0 * ds + 0.5 * (k1 - k0) / length * ds**2


@pytest.mark.parametrize(("k0", "k1"), [(0.0, 0.1), (0.05, -0.05), (-0.02, -0.2)])
def test_spiral_against_a_fine_integration(k0, k1):
    g = Geometry(3.0, 2.0, -1.0, 0.3, 20.0, "spiral", k0, k1)
    ds = np.array([0.0, 3.3, 10.0, 17.77, 20.0])
    x, y, h = g.evaluate(ds)
    xr, yr, hr = _clothoid(2.0, -1.0, 0.3, k0, k1, 20.0, ds)
    np.testing.assert_allclose(h, hr, atol=1e-12)  # heading is exact
    np.testing.assert_allclose(x, xr, atol=2e-4)
    np.testing.assert_allclose(y, yr, atol=2e-4)
    assert g.max_abs_curvature() == pytest.approx(max(abs(k0), abs(k1)))


def test_zero_length_spiral():
    g = Geometry(0.0, 1.0, 2.0, 0.5, 0.0, "spiral", 0.1, 0.2)
    x, y, h = g.evaluate(np.array([0.0]))
    np.testing.assert_allclose([x[0], y[0], h[0]], [1.0, 2.0, 0.5])


def test_poly3_records_piecewise():
    recs = (Poly3(0.0, 1.0, 0.5, 0.0, 0.0), Poly3(10.0, 3.0, 0.0, 0.1, 0.01))
    s = np.array([0.0, 4.0, 10.0 - 1e-10, 10.0, 12.0, -1.0])
    # [0, 10): 1 + 0.5 s; from 10: 3 + 0.1 ds^2 + 0.01 ds^3 (ds = 2: 3 + 0.4 + 0.08); before the first record its
    # cubic extended backwards (s = -1: 1 - 0.5)
    np.testing.assert_allclose(eval_poly3_records(recs, s), [1.0, 3.0, 3.0, 3.0, 3.48, 0.5], atol=1e-9)
    np.testing.assert_allclose(eval_poly3_records(recs, np.array([9.99])), [5.995])
    np.testing.assert_array_equal(eval_poly3_records((), np.array([1.0, 2.0])), [0.0, 0.0])


def test_is_constant():
    assert is_constant(())
    assert is_constant((Poly3(0, 3.5, 0, 0, 0), Poly3(5, 3.5, 0, 0, 0)))
    assert not is_constant((Poly3(0, 3.5, 0, 0, 0), Poly3(5, 3.0, 0, 0, 0)))
    for b, c, d in ((0.1, 0, 0), (0, 0.1, 0), (0, 0, 0.1)):
        assert not is_constant((Poly3(0, 3.5, b, c, d),))


def test_reference_line_picks_the_piece_by_s():
    geoms = (Geometry(0.0, 0.0, 0.0, 0.0, 10.0, "line"), Geometry(10.0, 10.0, 0.0, math.pi / 2, 10.0, "line"))
    s = np.array([-1.0, 0.0, 10.0 - 1e-10, 10.0, 15.0, 25.0])
    x, y, h = reference_line(geoms, s)
    np.testing.assert_allclose(x, [-1.0, 0.0, 10.0, 10.0, 10.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(y, [0.0, 0.0, 0.0, 0.0, 5.0, 15.0], atol=1e-9)  # extrapolated past the end
    np.testing.assert_allclose(h, [0.0, 0.0, math.pi / 2, math.pi / 2, math.pi / 2, math.pi / 2])


@settings(max_examples=50, deadline=None)
@given(k=st.floats(-0.2, 0.2).filter(lambda v: abs(v) > 1e-6), ds=st.floats(0.0, 30.0), h0=st.floats(-3.0, 3.0))
def test_arc_points_lie_on_their_circle(k, ds, h0):
    g = Geometry(0.0, 5.0, -3.0, h0, 30.0, "arc", k, k)
    x, y, h = g.evaluate(np.array([ds]))
    cx, cy = 5.0 - math.sin(h0) / k, -3.0 + math.cos(h0) / k  # centre: 1/k to the left of the start heading
    assert math.hypot(x[0] - cx, y[0] - cy) == pytest.approx(1.0 / abs(k), rel=1e-9)
    assert h[0] == pytest.approx(h0 + k * ds)
