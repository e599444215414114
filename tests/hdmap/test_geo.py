"""Map frame <-> WGS84: round trip, and agreement with sumolib on the netconvert'ed net."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap import GeoReference, load_map

MAPS = Path(__file__).resolve().parents[2] / "maps"


def test_round_trip_10000_points_within_1e_6_deg():
    geo = load_map(MAPS / "urban_intersection.xodr").geo
    assert geo is not None
    rng = np.random.default_rng(3)
    lon = 116.4074 + rng.uniform(-0.05, 0.05, 10_000)
    lat = 39.9042 + rng.uniform(-0.05, 0.05, 10_000)
    x, y = geo.lonlat_to_map(lon, lat)
    lon2, lat2 = geo.map_to_lonlat(x, y)
    assert np.max(np.abs(lon2 - lon)) < 1e-6
    assert np.max(np.abs(lat2 - lat)) < 1e-6
    assert x.shape == (10_000,) and np.ptp(x) > 8_000  # really spread over ~8.5 km, not one point


def test_origin_is_the_projection_centre_and_one_km_north_is_right():
    geo = GeoReference("+proj=tmerc +lat_0=39.9042 +lon_0=116.4074 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs")
    lon, lat = geo.map_to_lonlat([0.0, 0.0], [0.0, 1000.0])
    assert lon[0] == pytest.approx(116.4074, abs=1e-12) and lat[0] == pytest.approx(39.9042, abs=1e-12)
    # one degree of latitude at 39.9 deg on WGS84 is 111,038 m (meridian arc), so 1 km = 0.0090059 deg
    assert lat[1] - lat[0] == pytest.approx(1000.0 / 111_038.0, rel=1e-3)


def test_agrees_with_sumolib_convert_xy_to_lonlat():
    sumolib = pytest.importorskip("sumolib")
    from coop_drive.world.netcache import derive_net

    derived = derive_net(MAPS / "urban_intersection.xodr")
    net = sumolib.net.readNet(str(derived.net_path))
    geo = load_map(MAPS / "urban_intersection.xodr").geo
    assert geo is not None
    rng = np.random.default_rng(4)
    pts = rng.uniform(-210.0, 210.0, size=(200, 2))
    lon, lat = geo.map_to_lonlat(pts[:, 0], pts[:, 1])
    ox, oy = derived.net_offset  # SUMO frame = map frame + net offset
    ref = np.array([net.convertXY2LonLat(x + ox, y + oy) for x, y in pts])
    assert np.max(np.abs(ref[:, 0] - lon)) < 1e-9
    assert np.max(np.abs(ref[:, 1] - lat)) < 1e-9
