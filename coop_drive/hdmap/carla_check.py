"""Cross-check the map service against CARLA's own OpenDRIVE implementation (``carla.Map(name, xodr)``,
which runs offline with no server).

Poses are drawn (seeded) from CARLA's driving-lane waypoints every 0.5 m: a random waypoint, moved
sideways by U(-0.3, 0.3) x lane width and turned by N(0, 0.05 rad). The waypoint's road and lane are
the truth. For each pose we compare:

* our ``match`` with heading and — inside junctions — the route (previous road, next road), the way
  the vehicle uses it: the agreement figure the check passes or fails on;
* our ``match`` with the heading only (no route), reported;
* CARLA's own ``get_waypoint`` at the pose (nearest lane centre, no heading), reported as a reference
  for how ambiguous the overlapping junction lanes are;
* the distance to the next stop line (signal 294): ours along the route vs the smallest
  ``Waypoint.get_landmarks_of_type(.., "294")`` distance from the truth waypoint, where both exist.

CARLA is left-handed: map (x, y, yaw) = CARLA (x, -y, -yaw). Conversions only here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService

WAYPOINT_STEP_M = 0.5
LATERAL_FRACTION = 0.3
HEADING_SIGMA_RAD = 0.05
STOP_HORIZON_M = 1000.0


@dataclass(frozen=True)
class CheckReport:
    map_name: str
    n_poses: int
    seed: int
    agree_route: float  # share same road & lane, heading + route (pass/fail figure)
    agree_heading_only: float
    carla_nearest_agree: float  # CARLA's get_waypoint vs its own sampled lane
    n_junction_poses: int
    s_diff_median_m: float  # |our s - CARLA s| on agreeing poses
    n_stop_compared: int
    n_stop_one_sided: int  # poses where only one side finds a stop line ahead
    stop_diff_median_m: float
    stop_diff_max_m: float

    def passed(self, min_agreement: float = 0.99, max_stop_median_m: float = 0.5) -> bool:
        return self.agree_route >= min_agreement and self.stop_diff_median_m <= max_stop_median_m


def carla_to_map(x: float, y: float, yaw_deg: float) -> tuple[float, float, float]:
    """CARLA (left-handed, yaw in degrees clockwise) -> map frame (ENU, yaw in radians CCW)."""
    return x, -y, -math.radians(yaw_deg)


def run_check(path: Path, n_poses: int = 2000, seed: int = 0) -> CheckReport:
    import carla  # 0.9.16 client wheel; no server needed for carla.Map

    path = Path(path)
    hdmap = load_map(path)  # raises XodrError first on bad input
    svc = MapService(hdmap)
    cmap = carla.Map(hdmap.name, path.read_text(encoding="utf-8"))
    waypoints = cmap.generate_waypoints(WAYPOINT_STEP_M)
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(waypoints), size=n_poses)
    lateral = rng.uniform(-LATERAL_FRACTION, LATERAL_FRACTION, size=n_poses)
    heading_noise = rng.normal(0.0, HEADING_SIGMA_RAD, size=n_poses)
    ok_route = ok_heading = ok_carla = n_junction = one_sided = 0
    s_diffs: list[float] = []
    stop_diffs: list[float] = []
    for k in range(n_poses):
        wp = waypoints[int(picks[k])]
        tf = wp.transform
        x, y, yaw = carla_to_map(tf.location.x, tf.location.y, tf.rotation.yaw)
        off = float(lateral[k]) * wp.lane_width
        px, py = x - off * math.sin(yaw), y + off * math.cos(yaw)
        pyaw = yaw + float(heading_noise[k])
        truth = (str(wp.road_id), int(wp.lane_id))
        route = None
        if wp.is_junction:
            n_junction += 1
            lane = hdmap.lane(*truth, s_m=wp.s)
            route = [hdmap.lanes[lane.predecessors[0]].road_id, lane.road_id, hdmap.lanes[lane.successors[0]].road_id]
        mine = svc.match(px, py, pyaw, route)
        mine_h = svc.match(px, py, pyaw)
        nearest = cmap.get_waypoint(carla.Location(x=px, y=-py, z=0.0))
        ok_route += mine is not None and (mine.road_id, mine.lane_id) == truth
        ok_heading += mine_h is not None and (mine_h.road_id, mine_h.lane_id) == truth
        ok_carla += nearest is not None and (str(nearest.road_id), nearest.lane_id) == truth
        if mine is None or (mine.road_id, mine.lane_id) != truth:
            continue
        s_diffs.append(abs(mine.s_m - wp.s))
        ours = svc.distance_to_stop_line(mine, route, STOP_HORIZON_M)
        theirs = [lm.distance for lm in wp.get_landmarks_of_type(STOP_HORIZON_M, "294", False)]
        if ours is None and not theirs:
            continue
        if ours is None or not theirs:
            one_sided += 1
            continue
        stop_diffs.append(abs(ours.distance_m - min(theirs)))
    return CheckReport(
        hdmap.name, n_poses, seed, ok_route / n_poses, ok_heading / n_poses, ok_carla / n_poses, n_junction,
        float(np.median(s_diffs)) if s_diffs else math.nan, len(stop_diffs), one_sided,
        float(np.median(stop_diffs)) if stop_diffs else math.nan, float(np.max(stop_diffs)) if stop_diffs else math.nan)


def format_report(rep: CheckReport) -> str:
    pct = 100.0
    return "\n".join([
        f"map check {rep.map_name}: {rep.n_poses} random on-lane poses from carla.Map waypoints (seed {rep.seed}), "
        f"{rep.n_junction_poses} inside junctions",
        f"  same road & lane as carla.Map        {rep.agree_route * pct:6.2f} %   (heading + route in junctions)",
        f"    heading only, no route             {rep.agree_heading_only * pct:6.2f} %",
        f"    carla get_waypoint (nearest lane)  {rep.carla_nearest_agree * pct:6.2f} %   (reference: no heading)",
        f"  |s difference| median                {rep.s_diff_median_m:8.4f} m",
        f"  next stop line, compared poses       {rep.n_stop_compared:6d}     (found by only one side: "
        f"{rep.n_stop_one_sided})",
        f"    |distance difference| median       {rep.stop_diff_median_m:8.4f} m",
        f"    |distance difference| worst        {rep.stop_diff_max_m:8.4f} m",
        f"  result: {'PASS' if rep.passed() else 'FAIL'} (needs >= 99 % agreement and median stop-line difference "
        "<= 0.5 m)",
    ])
