"""Queries on hand-checked poses of the urban intersection (junction centre at the origin, roads 200 m,
stop lines 10 m from the centre, lanes 3.5 m wide, 50 km/h)."""

import math
from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap import MapService, load_map
from coop_drive.hdmap.service import roads_from_sumo_edges

URBAN = Path(__file__).resolve().parents[2] / "maps" / "urban_intersection.xodr"


@pytest.fixture(scope="module")
def svc():
    return MapService(load_map(URBAN))


def test_point_on_a_lane(svc):
    m = svc.match(-100.0, -1.0, 0.1)  # eastbound, 0.75 m left of the inbound lane's centre (y = -1.75)
    assert (m.road_id, m.lane_id, m.junction_id) == ("1", -1, None)
    assert m.s_m == pytest.approx(110.0) and m.along_m == pytest.approx(110.0)
    assert m.lateral_offset_m == pytest.approx(0.75)
    assert m.heading_error_rad == pytest.approx(0.1)
    assert svc.speed_limit_mps(m) == pytest.approx(50 / 3.6)
    stop = svc.distance_to_stop_line(m)
    assert (stop.signal_id, stop.distance_m) == ("stopline_1", pytest.approx(90.0))


def test_opposite_direction_is_the_other_lane(svc):
    m = svc.match(-100.0, 1.0, math.pi)  # westbound on road 1: lane +1, driving against s
    assert (m.road_id, m.lane_id) == ("1", 1)
    assert m.s_m == pytest.approx(110.0)  # road s still counts from the road start at x = -210
    assert m.along_m == pytest.approx(90.0)  # the lane starts at (-10, 1.75) and runs west
    assert m.lateral_offset_m == pytest.approx(0.75)  # y = 1.0 is south of the centre: left when heading west
    assert svc.distance_to_stop_line(m) is None  # leaves the map, no stop line ahead


def test_in_the_junction_heading_and_route_decide(svc):
    # (-9, -1.75): one metre into the junction, where straight (200), right (201) and left (202) overlap
    assert svc.match(-9.0, -1.75, 0.0, route=["1", "2"]).road_id == "200"
    assert svc.match(-9.0, -1.75, 0.0, route=["1", "3"]).road_id == "201"
    assert svc.match(-9.0, -1.75, 0.0, route=["1", "4"]).road_id == "202"
    # the centre of the junction, heading north: only the south->north straight (208) fits
    m = svc.match(1.75, 0.0, math.pi / 2)
    assert (m.road_id, m.junction_id) == ("208", "100") and m.along_m == pytest.approx(10.0)
    # halfway round the right turn west -> south (centre (-10, -10), radius 8.25 m), heading -45 deg
    c = 8.25 / math.sqrt(2.0)
    m = svc.match(-10.0 + c, -10.0 + c, -math.pi / 4)
    assert m.road_id == "201" and m.lateral_offset_m == pytest.approx(0.0, abs=0.01)
    assert m.along_m == pytest.approx(8.25 * math.pi / 4, abs=0.01)


def test_past_the_last_stop_line(svc):
    m = svc.match(-5.0, -1.75, 0.0, route=["1", "2"])  # inside the junction, stop line 5 m behind
    assert m.road_id == "200"
    assert svc.distance_to_stop_line(m, ["1", "2"]) is None
    assert svc.signal_group(m, ["1", "2"]) is None  # unsignalised
    out = svc.match(50.0, -1.75, 0.0)  # east of the junction, eastbound: road 2's outbound lane
    assert (out.road_id, out.lane_id) == ("2", 1)
    assert svc.distance_to_stop_line(out) is None


def test_off_road_is_none(svc):
    assert svc.match(-100.0, 20.0, 0.0) is None
    assert svc.match(5000.0, 0.0) is None


def test_lanes_ahead_follow_the_route(svc):
    m = svc.match(-100.0, -1.75, 0.0)
    spans = svc.lanes_ahead(m, roads_from_sumo_edges(["-1", "4"]), distance_m=120.0)
    assert [(s.road_id, s.lane_id) for s in spans] == [("1", -1), ("202", -1), ("4", 1)]
    assert spans[0].end_m == pytest.approx(90.0)
    assert spans[1].start_m == pytest.approx(90.0)
    assert spans[2].start_m == pytest.approx(90.0 + 11.75 * math.pi / 2, abs=0.02)


def test_conflict_areas_of_the_straight_crossing(svc):
    m = svc.match(-100.0, -1.75, 0.0)
    areas = {c.other_road_id: c for c in svc.conflict_areas(m, ["1", "2"])}
    # crossing south->north (208, x = +1.75) and north->south (211, x = -1.75); vehicle corridors are
    # 2.5 m wide (lane 3.5 m less 2 x 0.5 m), so a crossing spans |x - x_c| < 2.5 m around it
    assert areas["211"].kind == "cross"
    assert areas["211"].entry_m == pytest.approx(90.0 + 10.0 - 1.75 - 2.5, abs=0.26)
    assert areas["211"].exit_m == pytest.approx(90.0 + 10.0 - 1.75 + 2.5, abs=0.26)
    assert areas["211"].other_entry_m == pytest.approx(10.0 + 1.75 - 2.5, abs=0.26)
    assert areas["208"].entry_m == pytest.approx(90.0 + 10.0 + 1.75 - 2.5, abs=0.26)
    assert {c.kind for c in areas.values()} == {"cross", "merge"}
    assert areas["207"].kind == "merge" and areas["207"].exit_m == pytest.approx(110.0)  # south -> east
    assert "203" not in areas  # the opposite straight lane runs beside ours, 3.5 m away
    assert "201" not in areas and "202" not in areas  # diverging from our own inbound lane


def test_batch_equals_single(svc):
    rng = np.random.default_rng(11)
    lanes = svc.map.lanes
    pts, yaws = [], []
    for _ in range(3000):
        lane = lanes[rng.integers(len(lanes))]
        along = rng.uniform(0.0, lane.length_m)
        x = np.interp(along, lane.along_m, lane.xy_m[:, 0])
        y = np.interp(along, lane.along_m, lane.xy_m[:, 1])
        pts.append((x + rng.normal(0, 0.5), y + rng.normal(0, 0.5)))
        yaws.append(rng.uniform(-math.pi, math.pi))
    xy, yaw = np.array(pts), np.array(yaws)
    batch = svc.match_batch(xy, yaw)
    single = [svc.match(x, y, h) for (x, y), h in zip(xy, yaw, strict=True)]
    assert np.array_equal(batch.lane_index, [-1 if s is None else s.lane_index for s in single])
    hit = batch.lane_index >= 0
    assert hit.mean() > 0.9
    np.testing.assert_allclose(batch.s_m[hit], [s.s_m for s in single if s is not None], atol=1e-9)
    np.testing.assert_allclose(batch.lateral_offset_m[hit], [s.lateral_offset_m for s in single if s is not None],
                               atol=1e-9)


def test_lane_ends_are_half_open(svc):
    # exactly at the junction entry (x = -10), 1 m left of the centre: the end of road 1 and the start of
    # the right turn 201 are the same point; like carla.Map, the lane that starts there wins
    m = svc.match(-10.0, -0.75, 0.0, route=["1", "3"])
    assert (m.road_id, m.s_m, m.along_m) == ("201", pytest.approx(0.0), pytest.approx(0.0, abs=1e-9))
    m = svc.match(-10.05, -0.75, 0.0, route=["1", "3"])  # 5 cm before it: still the approach
    assert (m.road_id, m.s_m) == ("1", pytest.approx(199.95))
    batch = svc.match_batch(np.array([[-10.0, -0.75], [-10.05, -0.75]]), np.zeros(2), route=["1", "3"])
    assert [svc.map.lanes[i].road_id for i in batch.lane_index] == ["201", "1"]


def test_the_cached_path_is_the_lane_by_lane_walk_at_every_pose_along_a_corridor():
    corridor = MapService(load_map(URBAN.with_name("arterial_corridor.xodr")))
    route = roads_from_sumo_edges(["-2", "-5"])

    def walk(match, horizon_m):  # the path without a cache: successor by successor
        lane, start, out, seen = corridor.map.lanes[match.lane_index], -match.along_m, [], set()
        while lane is not None and start < horizon_m and lane.index not in seen:
            out.append((lane.index, start))
            seen.add(lane.index)
            start += lane.length_m
            lane = corridor.next_lane(lane, route)
        return out

    checked, longest = 0, 0
    for x_m in np.arange(480.0, 2000.0, 7.3):
        match = corridor.match(float(x_m), -1.75, 0.0, route)
        if match is None:
            continue
        for horizon_m in (150.0, 300.0):
            for _ in range(2):  # the second call comes from the cache
                got = [(lane.index, start) for lane, start in corridor.path(match, route, horizon_m)]
                assert got == walk(match, horizon_m)  # the same lanes and bit-identical distances
                longest = max(longest, len(got))
        checked += 1
    assert checked > 150 and longest >= 3  # paths through junctions, not a single lane
