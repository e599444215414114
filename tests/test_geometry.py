import math

import numpy as np
import pytest

from coop_drive.geometry import (
    OrientedBox,
    Polyline,
    boxes_overlap,
    convex_polygon_distance_m,
    segments_intersect,
)


def test_box_corners_follow_yaw():
    box = OrientedBox(10.0, 5.0, math.pi / 2, length_m=4.0, width_m=2.0)
    corners = box.corners()
    # front-left of a car heading north is at (x - w/2, y + l/2)
    assert corners[0] == pytest.approx([9.0, 7.0])
    assert corners[2] == pytest.approx([11.0, 3.0])


def test_boxes_overlap_and_gap():
    a = OrientedBox(0.0, 0.0, 0.0, 4.0, 2.0)
    assert boxes_overlap(a, OrientedBox(3.9, 0.0, 0.0, 4.0, 2.0))
    assert not boxes_overlap(a, OrientedBox(4.1, 0.0, 0.0, 4.0, 2.0))
    b = OrientedBox(7.0, 0.0, 0.0, 4.0, 2.0)
    assert convex_polygon_distance_m(a.corners(), b.corners()) == pytest.approx(3.0)
    # rotated 45 deg: the diagonal box reaches further than its axis-aligned twin
    c = OrientedBox(4.05, 0.0, math.pi / 4, 4.0, 2.0)  # rear corner reaches x = 1.93
    assert boxes_overlap(a, c)


def test_segments_intersect_vectorised():
    q0 = np.array([[1.0, -1.0], [5.0, -1.0], [0.0, 1.0]])
    q1 = np.array([[1.0, 1.0], [5.0, 1.0], [4.0, 1.0]])
    hits = segments_intersect(np.array([0.0, 0.0]), np.array([4.0, 0.0]), q0, q1)
    assert hits.tolist() == [True, False, False]


def test_polyline_projection_and_lookup():
    line = Polyline(np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]))
    assert line.length_m == pytest.approx(20.0)
    s, lat = line.project(np.array([[5.0, 1.0], [11.0, 5.0], [5.0, -2.0]]))
    assert s == pytest.approx([5.0, 15.0, 5.0])
    assert lat == pytest.approx([1.0, -1.0, -2.0])  # left of travel is positive
    x, y, yaw = line.point_at(15.0)
    assert (x, y, yaw) == pytest.approx((10.0, 5.0, math.pi / 2))
