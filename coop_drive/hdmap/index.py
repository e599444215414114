"""Spatial index of lane-centre segments: a uniform grid whose cells list every segment within reach.

Every segment whose distance to a cell's centre is at most ``cell half-diagonal + reach`` is listed
in that cell, so a point finds all segments within ``reach`` of it in its own cell — no neighbour
search, no tree walk. Single queries read a dict of Python tuples (no numpy call overhead); batches
read a padded candidate matrix, grouped by candidate count so junction cells do not pad the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from coop_drive.hdmap.map_model import Lane

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class SegmentTable:
    """Lane-centre segments a -> a + d, in driving direction, with per-end attributes."""

    a: FloatArray  # (M, 2)
    d: FloatArray  # (M, 2)
    inv_len2: FloatArray
    inv_len: FloatArray
    heading_rad: FloatArray  # lane tangent at a; the heading at u in [0, 1] is heading_rad + u * turn_rad
    turn_rad: FloatArray
    lane: IntArray
    s0_m: FloatArray
    s1_m: FloatArray
    w0_m: FloatArray
    w1_m: FloatArray
    along0_m: FloatArray
    along1_m: FloatArray
    starts_lane: NDArray[np.bool_]  # first segment of its lane: being before it is being off the lane
    ends_lane: NDArray[np.bool_]  # last segment of its lane

    @classmethod
    def from_lanes(cls, lanes: list[Lane]) -> SegmentTable:
        parts: dict[str, list[FloatArray]] = {
            k: [] for k in ("a", "b", "lane", "s0", "s1", "w0", "w1", "al0", "al1", "h0", "h1", "first", "last")}
        for lane in lanes:
            n = len(lane.xy_m) - 1
            parts["first"].append((np.arange(n) == 0).astype(float))
            parts["last"].append((np.arange(n) == n - 1).astype(float))
            parts["a"].append(lane.xy_m[:-1])
            parts["b"].append(lane.xy_m[1:])
            parts["lane"].append(np.full(len(lane.xy_m) - 1, float(lane.index)))
            for key, arr in (("s", lane.s_m), ("w", lane.width_m), ("al", lane.along_m), ("h", lane.heading_rad)):
                parts[key + "0"].append(arr[:-1])
                parts[key + "1"].append(arr[1:])
        cat = {k: np.concatenate(v) for k, v in parts.items()}
        d = cat["b"] - cat["a"]
        length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        turn = (cat["h1"] - cat["h0"] + np.pi) % (2.0 * np.pi) - np.pi
        return cls(cat["a"], d, 1.0 / length**2, 1.0 / length, cat["h0"], turn,
                   cat["lane"].astype(np.int64), cat["s0"], cat["s1"], cat["w0"], cat["w1"], cat["al0"], cat["al1"],
                   cat["first"] > 0.5, cat["last"] > 0.5)

    def __len__(self) -> int:
        return len(self.lane)


class GridIndex:
    def __init__(self, segs: SegmentTable, reach_m: float, cell_m: float = 2.0) -> None:
        self.cell_m = cell_m
        self.reach_m = reach_m
        pts = np.vstack([segs.a, segs.a + segs.d])
        self.x0_m, self.y0_m = (pts.min(axis=0) - reach_m - cell_m).tolist()
        hi = pts.max(axis=0) + reach_m + cell_m
        self.nx = int(math.ceil((hi[0] - self.x0_m) / cell_m)) + 1
        self.ny = int(math.ceil((hi[1] - self.y0_m) / cell_m)) + 1
        radius = cell_m * math.sqrt(0.5) + reach_m
        cells: dict[int, list[int]] = {}
        for i in range(len(segs)):
            a, b = segs.a[i], segs.a[i] + segs.d[i]
            lo_c = np.floor((np.minimum(a, b) - radius - (self.x0_m, self.y0_m)) / cell_m).astype(int)
            hi_c = np.floor((np.maximum(a, b) + radius - (self.x0_m, self.y0_m)) / cell_m).astype(int)
            ix, iy = np.meshgrid(np.arange(lo_c[0], hi_c[0] + 1), np.arange(lo_c[1], hi_c[1] + 1), indexing="ij")
            cx = self.x0_m + (ix.ravel() + 0.5) * cell_m
            cy = self.y0_m + (iy.ravel() + 0.5) * cell_m
            u = np.clip(((cx - a[0]) * segs.d[i, 0] + (cy - a[1]) * segs.d[i, 1]) * segs.inv_len2[i], 0.0, 1.0)
            dist = np.hypot(cx - a[0] - u * segs.d[i, 0], cy - a[1] - u * segs.d[i, 1])
            for flat in (ix.ravel() * self.ny + iy.ravel())[dist <= radius].tolist():
                cells.setdefault(flat, []).append(i)
        self.cells: dict[int, tuple[int, ...]] = {k: tuple(v) for k, v in cells.items()}
        self.cell_row = np.full(self.nx * self.ny, -1, dtype=np.int64)
        width = max((len(v) for v in self.cells.values()), default=1)
        self.padded = np.full((len(self.cells) + 1, width), -1, dtype=np.int64)  # last row: empty
        self.row_count = np.zeros(len(self.cells) + 1, dtype=np.int64)
        for row, (flat, segs_in) in enumerate(sorted(self.cells.items())):
            self.cell_row[flat] = row
            self.padded[row, : len(segs_in)] = segs_in
            self.row_count[row] = len(segs_in)
        self.cell_row[self.cell_row < 0] = len(self.cells)

    def candidates(self, x_m: float, y_m: float) -> tuple[int, ...]:
        ix = int((x_m - self.x0_m) // self.cell_m)
        iy = int((y_m - self.y0_m) // self.cell_m)
        if not (0 <= ix < self.nx and 0 <= iy < self.ny):
            return ()
        return self.cells.get(ix * self.ny + iy, ())

    def rows(self, xy_m: FloatArray) -> IntArray:
        """Candidate-matrix row of each point's cell (the empty row outside the grid)."""
        ix = np.floor((xy_m[:, 0] - self.x0_m) / self.cell_m).astype(np.int64)
        iy = np.floor((xy_m[:, 1] - self.y0_m) / self.cell_m).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        flat = np.where(inside, ix * self.ny + iy, 0)
        return np.where(inside, self.cell_row[flat], len(self.cells))
