"""Conflict windows: when and where a predicted object occupies the ego's path.

Objects are predicted with constant velocity over a horizon; each predicted position is projected onto the
ego's route polyline. Where the object's footprint overlaps the ego's swept corridor it occupies the
stretch [s_entry_m, s_exit_m] of the route during [t_in_s, t_out_s] (times relative to now).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate


@dataclass(frozen=True)
class ConflictConfig:
    """Prediction horizon and safety margins."""

    horizon_s: float = 8.0
    sample_dt_s: float = 0.1
    lateral_margin_m: float = 0.5  # added to the corridor half-width
    longitudinal_margin_m: float = 1.0  # added before/after the occupied stretch
    same_direction_cos: float = 0.8  # objects moving along the path this aligned are followed, not crossed


@dataclass(frozen=True)
class ConflictWindow:
    """An object occupying the route stretch [s_entry_m, s_exit_m] from t_in_s to t_out_s after now."""

    object_id: int
    source_id: str
    s_entry_m: float
    s_exit_m: float
    t_in_s: float
    t_out_s: float


def conflict_windows(
    path: Polyline, ego_rear_s_m: float, ego_width_m: float, objects: Sequence[ObjectEstimate],
    config: ConflictConfig | None = None,
) -> list[ConflictWindow]:
    """Windows of every object that will cross the ego's path ahead of the ego's rear within the horizon.

    Objects must already be predicted to now. Objects travelling along the path in the ego's direction are
    left to car following and produce no window.
    """
    cfg = config or ConflictConfig()
    times = np.arange(0.0, cfg.horizon_s + 1e-9, cfg.sample_dt_s)
    windows = []
    for obj in objects:
        speed = math.hypot(obj.vx_mps, obj.vy_mps)
        positions = np.stack([obj.x_m + obj.vx_mps * times, obj.y_m + obj.vy_mps * times], axis=1)
        s, lateral = path.project(positions)
        if speed > 0.5:
            _, _, path_yaw = path.point_at(float(s[0]))
            along = (obj.vx_mps * math.cos(path_yaw) + obj.vy_mps * math.sin(path_yaw)) / speed
            if along > cfg.same_direction_cos:
                continue
        half_corridor = ego_width_m / 2.0 + max(obj.length_m, obj.width_m) / 2.0 + cfg.lateral_margin_m
        inside = (np.abs(lateral) <= half_corridor) & (s >= ego_rear_s_m) & (s < path.length_m)
        if not inside.any():
            continue
        half_extent = min(obj.length_m, obj.width_m) / 2.0 + cfg.longitudinal_margin_m
        idx = np.flatnonzero(inside)
        windows.append(ConflictWindow(
            object_id=obj.object_id, source_id=obj.source_id,
            s_entry_m=float(s[idx].min()) - half_extent, s_exit_m=float(s[idx].max()) + half_extent,
            t_in_s=float(times[idx[0]]), t_out_s=float(times[idx[-1]]) + cfg.sample_dt_s,
        ))
    return windows
