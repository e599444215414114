"""Reference lines (planView) and lane offsets of OpenDRIVE roads, evaluated in closed form.

Supported geometries: <line>, <arc> (closed form) and <spiral> (clothoid, numerically integrated
with 0.05 m steps). <poly3> and <paramPoly3> are rejected by the parser as unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

SPIRAL_STEP_M = 0.05


@dataclass(frozen=True)
class Geometry:
    s0_m: float
    x_m: float
    y_m: float
    hdg_rad: float
    length_m: float
    kind: str  # "line" | "arc" | "spiral"
    curv_start: float = 0.0  # [1/m]; arc: constant curvature
    curv_end: float = 0.0

    def evaluate(self, ds_m: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(x, y, heading) at distances ds_m from the start of this piece."""
        h0 = self.hdg_rad
        if self.kind == "line":
            return self.x_m + ds_m * np.cos(h0), self.y_m + ds_m * np.sin(h0), np.full_like(ds_m, h0)
        if self.kind == "arc":
            k = self.curv_start
            if abs(k) < 1e-12:
                return self.x_m + ds_m * np.cos(h0), self.y_m + ds_m * np.sin(h0), np.full_like(ds_m, h0)
            h = h0 + k * ds_m
            return (self.x_m + (np.sin(h) - np.sin(h0)) / k, self.y_m - (np.cos(h) - np.cos(h0)) / k, h)
        # spiral: curvature linear in s; integrate heading exactly, position with the trapezoid rule
        n = max(2, int(np.ceil(self.length_m / SPIRAL_STEP_M)) + 1)
        grid = np.linspace(0.0, self.length_m, n)
        rate = (self.curv_end - self.curv_start) / self.length_m if self.length_m > 0 else 0.0
        hg = h0 + self.curv_start * grid + 0.5 * rate * grid**2
        step = np.diff(grid)
        xg = self.x_m + np.concatenate([[0.0], np.cumsum(step * 0.5 * (np.cos(hg[1:]) + np.cos(hg[:-1])))])
        yg = self.y_m + np.concatenate([[0.0], np.cumsum(step * 0.5 * (np.sin(hg[1:]) + np.sin(hg[:-1])))])
        hq = h0 + self.curv_start * ds_m + 0.5 * rate * ds_m**2
        return np.interp(ds_m, grid, xg), np.interp(ds_m, grid, yg), hq

    def max_abs_curvature(self) -> float:
        return max(abs(self.curv_start), abs(self.curv_end)) if self.kind != "line" else 0.0


@dataclass(frozen=True)
class Poly3:
    """a + b ds + c ds^2 + d ds^3 from s_start_m on (laneOffset or lane width record)."""

    s_start_m: float
    a: float
    b: float
    c: float
    d: float


def eval_poly3_records(records: tuple[Poly3, ...], s_m: FloatArray) -> FloatArray:
    """Piecewise cubic (records sorted by s_start_m, each valid until the next)."""
    out = np.zeros_like(s_m)
    if not records:
        return out
    starts = np.array([r.s_start_m for r in records])
    idx = np.clip(np.searchsorted(starts, s_m + 1e-9, side="right") - 1, 0, len(records) - 1)
    for i, rec in enumerate(records):
        sel = idx == i
        ds = s_m[sel] - rec.s_start_m
        out[sel] = rec.a + ds * (rec.b + ds * (rec.c + ds * rec.d))
    return out


def is_constant(records: tuple[Poly3, ...]) -> bool:
    return all(r.b == 0.0 and r.c == 0.0 and r.d == 0.0 for r in records) and len({r.a for r in records}) <= 1


def reference_line(geoms: tuple[Geometry, ...], s_m: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(x, y, heading) of the reference line at road coordinates s_m."""
    starts = np.array([g.s0_m for g in geoms])
    idx = np.clip(np.searchsorted(starts, s_m + 1e-9, side="right") - 1, 0, len(geoms) - 1)
    x = np.empty_like(s_m)
    y = np.empty_like(s_m)
    h = np.empty_like(s_m)
    for i, g in enumerate(geoms):
        sel = idx == i
        if np.any(sel):
            x[sel], y[sel], h[sel] = g.evaluate(s_m[sel] - g.s0_m)
    return x, y, h
