"""netcache against the real netconvert, cross-checked with sumolib and carla.Map."""

from __future__ import annotations

import math
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coop_drive.world.netcache import DerivedNet, MapBuildError, derive_net, load_buildings

MAP = Path(__file__).resolve().parents[2] / "maps" / "urban_intersection.xodr"
INBOUND = {"-1": "west", "-2": "east", "-3": "south", "-4": "north"}
OUTBOUND = {"1": "west", "2": "east", "3": "south", "4": "north"}
# stop line (end of the inbound lane, lane centre) per inbound edge, map frame
STOP_LINES = {"-1": (-10.0, -1.75), "-2": (10.0, 1.75), "-3": (1.75, -10.0), "-4": (-1.75, 10.0)}


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> DerivedNet:
    return derive_net(MAP, tmp_path_factory.mktemp("nets"))


@pytest.fixture(scope="module")
def net_root(derived: DerivedNet) -> ET.Element:
    return ET.parse(derived.net_path).getroot()


def _shape(text: str) -> np.ndarray:
    return np.array([[float(c) for c in p.split(",")] for p in text.split()])


def test_one_priority_stop_junction_with_four_approaches(net_root: ET.Element) -> None:
    junctions = [j for j in net_root.iter("junction") if j.get("type") not in ("internal", "dead_end")]
    assert [(j.get("id"), j.get("type")) for j in junctions] == [("100", "priority_stop")]
    assert float(junctions[0].get("x", "nan")) == pytest.approx(0.0, abs=1e-6)
    assert float(junctions[0].get("y", "nan")) == pytest.approx(0.0, abs=1e-6)
    edges = {e.get("id"): e for e in net_root.iter("edge") if e.get("function") != "internal"}
    assert set(edges) == set(INBOUND) | set(OUTBOUND)
    assert {eid for eid, e in edges.items() if e.get("to") == "100"} == set(INBOUND)
    assert {eid for eid, e in edges.items() if e.get("from") == "100"} == set(OUTBOUND)
    # the west-east road is the major road
    assert {eid: int(edges[eid].get("priority", "0")) for eid in INBOUND} == {"-1": 2, "-2": 2, "-3": 1, "-4": 1}


def test_lanes_are_50_kmh_and_3_5_m(net_root: ET.Element) -> None:
    lanes = [lane for e in net_root.iter("edge") if e.get("function") != "internal" for lane in e.iter("lane")]
    assert len(lanes) == 8
    for lane in lanes:
        assert float(lane.get("speed", "0")) == pytest.approx(50 / 3.6, abs=0.01), lane.get("id")
        assert float(lane.get("width", "0")) == pytest.approx(3.5, abs=1e-6), lane.get("id")
        assert float(lane.get("length", "0")) == pytest.approx(200.0, abs=0.01), lane.get("id")


def test_minor_links_stop_and_major_links_go(net_root: ET.Element) -> None:
    states = {(c.get("from"), c.get("to")): (c.get("state"), c.get("dir"))
              for c in net_root.iter("connection") if not c.get("from", ":").startswith(":")}
    assert len(states) == 12  # 4 approaches x (right, straight, left), no U-turns
    for (src, dst), (state, direction) in states.items():
        if src in ("-3", "-4"):
            assert state == "s", (src, dst)
        elif direction == "l":
            assert state == "m", (src, dst)  # major left turn yields to oncoming traffic
        else:
            assert state == "M", (src, dst)
    assert states[("-1", "2")] == ("M", "s") and states[("-3", "4")] == ("s", "s")


def test_inbound_lanes_end_at_the_stop_lines(net_root: ET.Element) -> None:
    xodr = ET.parse(MAP).getroot()
    stop_signals = [s for s in xodr.iter("signal") if s.get("type") == "294"]
    assert len(stop_signals) == 4
    for lane in (lane for e in net_root.iter("edge") if e.get("id") in INBOUND for lane in e.iter("lane")):
        edge_id = lane.get("id", "").rsplit("_", 1)[0]
        end = _shape(lane.get("shape", ""))[-1]
        assert np.allclose(end, STOP_LINES[edge_id], atol=0.01), (edge_id, end)
        origin = next(p.get("value") for p in lane.iter("param") if p.get("key") == "origId")
        assert origin == f"{edge_id[1:]}_-1"  # OpenDRIVE road <id>, lane -1


def test_location_keeps_projection_and_no_offset(derived: DerivedNet) -> None:
    geo_ref = (ET.parse(MAP).getroot().findtext("header/geoReference") or "").strip()
    assert "+proj=tmerc" in geo_ref and "+lat_0=39.9042" in geo_ref
    assert derived.proj == geo_ref
    assert derived.net_offset == (0.0, 0.0)


def test_buildings_block_the_corners(derived: DerivedNet) -> None:
    buildings = load_buildings(derived)
    assert len(buildings) == 4
    corners = set()
    for b in buildings:
        pts = b.outline_xy_m
        assert pts.shape == (4, 2)
        assert np.ptp(pts[:, 0]) == pytest.approx(40.0, abs=0.01)
        assert np.ptp(pts[:, 1]) == pytest.approx(40.0, abs=0.01)
        inner = pts[np.argmin(np.hypot(pts[:, 0], pts[:, 1]))]
        assert np.allclose(np.abs(inner), (6.5, 6.5), atol=0.5), (b.building_id, inner)
        corners.add((int(np.sign(inner[0])), int(np.sign(inner[1]))))
    assert corners == {(1, 1), (1, -1), (-1, 1), (-1, -1)}


def test_second_call_hits_the_cache(derived: DerivedNet, monkeypatch: pytest.MonkeyPatch) -> None:
    mtime = derived.net_path.stat().st_mtime_ns

    def no_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("netconvert was run again")

    monkeypatch.setattr(subprocess, "run", no_run)
    again = derive_net(MAP, derived.net_path.parent.parent)
    assert again == derived
    assert again.net_path.stat().st_mtime_ns == mtime


def test_changed_content_gets_a_new_entry(tmp_path: Path, derived: DerivedNet) -> None:
    copy = tmp_path / "copy.xodr"
    copy.write_bytes(MAP.read_bytes().replace(b'max="50"', b'max="30"'))
    other = derive_net(copy, tmp_path / "cache")
    assert other.net_path.parent.name != derived.net_path.parent.name
    speeds = [float(lane.get("speed", "0")) for lane in ET.parse(other.net_path).getroot().iter("lane")
              if not lane.get("id", ":").startswith(":")]
    assert speeds == [pytest.approx(30 / 3.6, abs=0.01)] * 8


def test_corrupt_xodr_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.xodr"
    bad.write_bytes(MAP.read_bytes()[:5000])
    with pytest.raises(MapBuildError, match=r"corrupt\.xodr: not well-formed XML"):
        derive_net(bad, tmp_path / "cache")
    with pytest.raises(MapBuildError, match=r"missing\.xodr: cannot read"):
        derive_net(tmp_path / "missing.xodr", tmp_path / "cache")


def test_netconvert_failure_leaves_no_cache_entry(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xodr"
    empty.write_text('<?xml version="1.0"?>\n<OpenDRIVE><header revMajor="1" revMinor="5"/></OpenDRIVE>\n')
    with pytest.raises(MapBuildError, match=r"empty\.xodr: netconvert failed \(exit 1\)"):
        derive_net(empty, tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_carla_reads_the_same_map() -> None:
    carla = pytest.importorskip("carla")
    cmap = carla.Map("urban_intersection", MAP.read_text())
    # CARLA is left-handed: map (x, y) -> carla (x, -y)
    wp = cmap.get_waypoint(carla.Location(-100.0, 1.75, 0.0))
    assert (wp.road_id, wp.lane_id) == (1, -1)
    assert wp.lane_width == pytest.approx(3.5, abs=1e-6)
    assert wp.transform.location.y == pytest.approx(1.75, abs=1e-3)
    assert math.radians(wp.transform.rotation.yaw) == pytest.approx(0.0, abs=1e-6)
    # the lane continues through the junction: right, straight, left
    assert sorted(n.road_id for n in cmap.get_waypoint(carla.Location(-15.0, 1.75, 0.0)).next(10.0)) == [200, 201, 202]
    landmarks = cmap.get_all_landmarks()
    assert sorted(lm.type for lm in landmarks if lm.type == "294") == ["294"] * 4
    assert sorted(lm.road_id for lm in landmarks if lm.type == "206") == [3, 4]
    geo = cmap.transform_to_geolocation(carla.Location(0.0, 0.0, 0.0))
    assert (geo.latitude, geo.longitude) == (pytest.approx(39.9042, abs=1e-6), pytest.approx(116.4074, abs=1e-6))
