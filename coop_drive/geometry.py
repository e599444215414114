"""Planar geometry in the map frame (REP-103: x east, y north, yaw CCW from +x), all lengths in metres.

Oriented boxes for collision checks, segment/polygon tests for lines of sight, and a polyline with
arc-length projection for route coordinates. numpy inside; no simulator, no ROS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class OrientedBox:
    """A rectangle centred on (x_m, y_m), its length along yaw_rad."""

    x_m: float
    y_m: float
    yaw_rad: float
    length_m: float
    width_m: float

    def corners(self) -> FloatArray:
        """The four corners (4, 2), counter-clockwise starting front-left."""
        c, s = math.cos(self.yaw_rad), math.sin(self.yaw_rad)
        hl, hw = self.length_m / 2.0, self.width_m / 2.0
        local = np.array([[hl, hw], [-hl, hw], [-hl, -hw], [hl, -hw]])
        rot = np.array([[c, -s], [s, c]])
        return local @ rot.T + np.array([self.x_m, self.y_m])

    def shifted(self, dx_m: float, dy_m: float) -> OrientedBox:
        """The same box translated by (dx_m, dy_m)."""
        return OrientedBox(self.x_m + dx_m, self.y_m + dy_m, self.yaw_rad, self.length_m, self.width_m)


def _axes(poly: FloatArray) -> FloatArray:
    edges = np.roll(poly, -1, axis=0) - poly
    normals = np.stack([-edges[:, 1], edges[:, 0]], axis=1)
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals[lengths[:, 0] > 0] / lengths[lengths[:, 0] > 0]


def convex_polygons_overlap(a: FloatArray, b: FloatArray) -> bool:
    """Separating-axis test for two convex polygons given as (N, 2) vertex arrays."""
    for axis in np.vstack([_axes(a), _axes(b)]):
        pa, pb = a @ axis, b @ axis
        if pa.max() < pb.min() or pb.max() < pa.min():
            return False
    return True


def boxes_overlap(a: OrientedBox, b: OrientedBox) -> bool:
    """True when two oriented boxes intersect (touching counts)."""
    return convex_polygons_overlap(a.corners(), b.corners())


def squared_distances(a: FloatArray, b: FloatArray) -> FloatArray:
    """Squared Euclidean distances (N, M) between points a (N, 2) and b (M, 2), via |a|^2 + |b|^2 - 2 a.b."""
    d2 = np.sum(a * a, axis=1)[:, None] + np.sum(b * b, axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0)


def _point_segment_distance(p: FloatArray, a: FloatArray, b: FloatArray) -> float:
    ab = b - a
    denom = float(ab @ ab)
    t = 0.0 if denom == 0.0 else min(1.0, max(0.0, float((p - a) @ ab) / denom))
    return float(np.linalg.norm(p - (a + t * ab)))


def convex_polygon_distance_m(a: FloatArray, b: FloatArray) -> float:
    """Gap between two convex polygons [m]; 0 when they overlap."""
    if convex_polygons_overlap(a, b):
        return 0.0
    best = math.inf
    for poly_p, poly_s in ((a, b), (b, a)):
        n = len(poly_s)
        for p in poly_p:
            for i in range(n):
                best = min(best, _point_segment_distance(p, poly_s[i], poly_s[(i + 1) % n]))
    return best


def segments_intersect(p0: FloatArray, p1: FloatArray, q0: FloatArray, q1: FloatArray) -> FloatArray:
    """Vectorised proper-or-touching intersection of segment p0-p1 with many segments q0[i]-q1[i].

    p0, p1: (2,); q0, q1: (M, 2). Returns a boolean array (M,).
    """
    d = p1 - p0
    e = q1 - q0
    denom = d[0] * e[:, 1] - d[1] * e[:, 0]
    w = q0 - p0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / denom
        u = (w[:, 0] * d[1] - w[:, 1] * d[0]) / denom
    parallel = np.abs(denom) < 1e-12
    return np.asarray(~parallel & (t >= 0.0) & (t <= 1.0) & (u >= 0.0) & (u <= 1.0))


def polygon_edges(poly: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Start and end points (M, 2) of a closed polygon's edges."""
    return poly, np.roll(poly, -1, axis=0)


class Polyline:
    """A path through (N, 2) points with arc-length coordinates s [m] and signed lateral offsets [m].

    Lateral offset is positive to the left of the direction of travel.
    """

    def __init__(self, points_xy_m: FloatArray) -> None:
        pts = np.asarray(points_xy_m, dtype=float)
        assert pts.ndim == 2 and pts.shape[1] == 2, f"expected (N, 2) points, got {pts.shape}"
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.linalg.norm(np.diff(pts, axis=0), axis=1) > 1e-9
        pts = pts[keep]
        assert len(pts) >= 2, "a polyline needs at least two distinct points"
        self.points_xy_m = pts
        seg = np.diff(pts, axis=0)
        self._seg_len = np.linalg.norm(seg, axis=1)
        self._seg_dir = seg / self._seg_len[:, None]
        self._s_start = np.concatenate([[0.0], np.cumsum(self._seg_len)[:-1]])

    @cached_property
    def length_m(self) -> float:
        """Total arc length [m]."""
        return float(self._s_start[-1] + self._seg_len[-1])

    def project(self, points_xy_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Arc length s [m] and signed lateral offset [m] of each of (K, 2) points on their nearest segment."""
        p = np.atleast_2d(np.asarray(points_xy_m, dtype=float))
        rel = p[:, None, :] - self.points_xy_m[None, :-1, :]  # (K, M, 2)
        t = np.einsum("kmi,mi->km", rel, self._seg_dir)
        t = np.clip(t, 0.0, self._seg_len[None, :])
        foot = self.points_xy_m[None, :-1, :] + t[..., None] * self._seg_dir[None, :, :]
        dist = np.linalg.norm(p[:, None, :] - foot, axis=2)
        idx = np.argmin(dist, axis=1)
        rows = np.arange(len(p))
        s = self._s_start[idx] + t[rows, idx]
        d = rel[rows, idx]
        dirs = self._seg_dir[idx]
        lateral = dirs[:, 0] * d[:, 1] - dirs[:, 1] * d[:, 0]
        return s, lateral

    def point_at(self, s_m: float) -> tuple[float, float, float]:
        """(x_m, y_m, yaw_rad) at arc length s_m, clamped to the ends."""
        s = min(max(s_m, 0.0), self.length_m)
        idx = int(np.searchsorted(self._s_start, s, side="right") - 1)
        idx = min(max(idx, 0), len(self._seg_len) - 1)
        xy = self.points_xy_m[idx] + (s - self._s_start[idx]) * self._seg_dir[idx]
        yaw = math.atan2(self._seg_dir[idx, 1], self._seg_dir[idx, 0])
        return float(xy[0]), float(xy[1]), yaw
