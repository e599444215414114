"""Surrogate safety measures between two oriented boxes moving at constant velocity."""

from __future__ import annotations

import math

import numpy as np

from coop_drive.geometry import boxes_overlap, convex_polygon_distance_m
from coop_drive.world.backend import ActorState


def box_gap_m(a: ActorState, b: ActorState) -> float:
    """Distance between the two footprints [m]; 0 when they touch or overlap."""
    return convex_polygon_distance_m(a.box().corners(), b.box().corners())


def time_to_collision_s(a: ActorState, b: ActorState, horizon_s: float, resolution_s: float = 0.02) -> float:
    """Time until the footprints would first overlap if both kept their velocities; horizon_s if never.

    Bounding circles give the interval in which an overlap is possible (a quadratic in t); inside it the
    boxes are tested every resolution_s.
    """
    if boxes_overlap(a.box(), b.box()):
        return 0.0
    dp = np.array([b.x_m - a.x_m, b.y_m - a.y_m])
    dv = np.array([b.vx_mps - a.vx_mps, b.vy_mps - a.vy_mps])
    radius = math.hypot(a.length_m, a.width_m) / 2.0 + math.hypot(b.length_m, b.width_m) / 2.0
    qa, qb, qc = float(dv @ dv), 2.0 * float(dp @ dv), float(dp @ dp) - radius * radius
    if qa < 1e-12:
        return horizon_s
    disc = qb * qb - 4.0 * qa * qc
    if disc < 0.0:
        return horizon_s
    root = math.sqrt(disc)
    t_lo, t_hi = max((-qb - root) / (2.0 * qa), 0.0), min((-qb + root) / (2.0 * qa), horizon_s)
    if t_hi < t_lo:
        return horizon_s
    box_a, box_b = a.box(), b.box()
    for t in np.arange(t_lo, t_hi + resolution_s, resolution_s):
        t = min(float(t), t_hi)
        if boxes_overlap(box_a.shifted(a.vx_mps * t, a.vy_mps * t), box_b.shifted(b.vx_mps * t, b.vy_mps * t)):
            return t
    return horizon_s
