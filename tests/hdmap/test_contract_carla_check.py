"""Cross-check tool contract: frame conversion, pass/fail thresholds, the report text, a small offline run."""

import math
from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap import MapService, load_map
from coop_drive.hdmap.carla_check import CheckReport, carla_to_map, format_report, run_check

MAPS = Path(__file__).resolve().parents[2] / "maps"


def _report(**over):
    fields = dict(
        map_name="m",
        n_poses=200,
        seed=3,
        agree_route=0.995,
        agree_heading_only=0.98,
        carla_nearest_agree=0.9,
        n_junction_poses=20,
        s_diff_median_m=0.00012,
        n_stop_compared=80,
        n_stop_one_sided=2,
        stop_diff_median_m=0.25,
        stop_diff_max_m=2.5,
    )
    fields.update(over)
    return CheckReport(**fields)


def test_carla_to_map_negates_y_and_yaw():
    x, y, yaw = carla_to_map(1.5, 2.0, 90.0)
    assert (x, y) == (1.5, -2.0) and yaw == pytest.approx(-math.pi / 2)
    assert carla_to_map(0.0, -3.0, -45.0) == (0.0, 3.0, pytest.approx(math.pi / 4))


def test_pass_thresholds_are_inclusive():
    assert _report(agree_route=0.99, stop_diff_median_m=0.5).passed()
    assert not _report(agree_route=0.9899).passed()
    assert not _report(stop_diff_median_m=0.5001).passed()
    assert _report(agree_route=0.95).passed(min_agreement=0.95)
    assert not _report(stop_diff_median_m=0.3).passed(max_stop_median_m=0.2)


def test_report_text():
    assert format_report(_report()) == "\n".join(
        [
            "map check m: 200 random on-lane poses from carla.Map waypoints (seed 3), 20 inside junctions",
            "  same road & lane as carla.Map         99.50 %   (heading + route in junctions)",
            "    heading only, no route              98.00 %",
            "    carla get_waypoint (nearest lane)   90.00 %   (reference: no heading)",
            "  |s difference| median                  0.0001 m",
            "  next stop line, compared poses           80     (found by only one side: 2)",
            "    |distance difference| median         0.2500 m",
            "    |distance difference| worst          2.5000 m",
            "  result: PASS (needs >= 99 % agreement and median stop-line difference <= 0.5 m)",
        ]
    )
    assert format_report(_report(agree_route=0.5)).endswith(
        "  result: FAIL (needs >= 99 % agreement and median stop-line difference <= 0.5 m)"
    )


def test_small_offline_run_on_the_corridor():
    pytest.importorskip("carla")
    rep = run_check(MAPS / "arterial_corridor.xodr", n_poses=30, seed=2)
    assert (rep.map_name, rep.n_poses, rep.seed) == ("arterial_corridor", 30, 2)
    assert rep.agree_route == 1.0 and rep.agree_heading_only >= 0.95
    assert 0 <= rep.n_junction_poses < 15
    assert rep.s_diff_median_m < 1e-3
    assert rep.n_stop_compared + rep.n_stop_one_sided <= 30 and rep.n_stop_compared >= 10
    assert rep.stop_diff_median_m < 1e-3 and rep.stop_diff_max_m < 3.0
    assert rep.passed()


def test_run_follows_the_documented_sampling():
    # poses: seeded picks among carla.Map's 0.5 m waypoints, shifted sideways by U(-0.3, 0.3) x lane width and
    # turned by N(0, 0.05 rad), drawn in that order; the waypoint's road and lane are the truth
    carla = pytest.importorskip("carla")
    path = MAPS / "urban_intersection.xodr"
    n, seed = 25, 4
    rep = run_check(path, n_poses=n, seed=seed)
    cmap = carla.Map("urban_intersection", path.read_text(encoding="utf-8"))
    svc = MapService(load_map(path))
    wps = cmap.generate_waypoints(0.5)
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(wps), size=n)
    lateral = rng.uniform(-0.3, 0.3, size=n)
    noise = rng.normal(0.0, 0.05, size=n)
    junction = nearest_ok = heading_ok = compared = one_sided = 0
    hdmap = svc.map
    for k in range(n):
        wp = wps[int(picks[k])]
        x, y, yaw = carla_to_map(wp.transform.location.x, wp.transform.location.y, wp.transform.rotation.yaw)
        off = float(lateral[k]) * wp.lane_width
        px, py = x - off * math.sin(yaw), y + off * math.cos(yaw)  # left of the driving direction
        truth = (str(wp.road_id), int(wp.lane_id))
        junction += wp.is_junction
        near = cmap.get_waypoint(carla.Location(x=px, y=-py, z=0.0))
        nearest_ok += (str(near.road_id), near.lane_id) == truth
        mine = svc.match(px, py, yaw + float(noise[k]))
        heading_ok += mine is not None and (mine.road_id, mine.lane_id) == truth
        route = None
        if wp.is_junction:  # inside a junction the vehicle knows its previous and next road
            lane = hdmap.lane(*truth, s_m=wp.s)
            route = [hdmap.lanes[lane.predecessors[0]].road_id, lane.road_id, hdmap.lanes[lane.successors[0]].road_id]
        ours = svc.distance_to_stop_line(svc.match(px, py, yaw + float(noise[k]), route), route, 1000.0)
        theirs = wp.get_landmarks_of_type(1000.0, "294", False)
        if ours is not None and theirs:
            compared += 1
        elif ours is not None or theirs:
            one_sided += 1
    assert rep.n_junction_poses == junction
    assert rep.carla_nearest_agree == nearest_ok / n
    assert rep.agree_heading_only == heading_ok / n
    assert rep.agree_route == 1.0 and rep.s_diff_median_m < 1e-3
    assert (rep.n_stop_compared, rep.n_stop_one_sided) == (compared, one_sided) and compared > 0


@pytest.mark.parametrize("map_name", ["urban_intersection", "arterial_corridor"])
def test_on_turning_lanes_a_heading_error_of_15_deg_keeps_the_carla_projection(map_name):
    carla = pytest.importorskip("carla")
    path = MAPS / f"{map_name}.xodr"
    svc = MapService(load_map(path))
    cmap = carla.Map(map_name, path.read_text(encoding="utf-8"))
    # inside the turning lanes, away from their ends (where the junction's lanes fan out of one point and a
    # heading error may rightly pick a neighbour)
    turning = [wp for wp in cmap.generate_waypoints(1.0)
               if wp.is_junction and abs(wp.next(0.5)[0].transform.rotation.yaw - wp.transform.rotation.yaw) > 1.0
               and 3.0 < wp.s < svc.map.roads[str(wp.road_id)].length_m - 3.0]
    assert len(turning) > 20
    diffs, other_lane = [], 0
    for wp in turning:
        x, y, yaw = carla_to_map(wp.transform.location.x, wp.transform.location.y, wp.transform.rotation.yaw)
        for err in (math.radians(15.0), -math.radians(15.0)):
            m = svc.match(x, y, yaw + err)
            assert m is not None
            if (m.road_id, m.lane_id) == (str(wp.road_id), wp.lane_id):
                diffs.append(abs(m.s_m - wp.s))
            else:  # where two of the junction's lanes still overlap, the heading may rightly pick the other
                assert abs(m.lateral_offset_m) < 1.5
                other_lane += 1
    assert max(diffs) <= 0.3
    assert other_lane <= 0.2 * (len(diffs) + other_lane)
