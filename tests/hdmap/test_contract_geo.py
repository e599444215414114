"""GeoReference contract: known projected points, vectorised arrays, round trips, rejected CRSs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj.exceptions import CRSError

from coop_drive.hdmap import GeoReference

# WGS84 meridian arc from the equator to 45 deg N: 4,984,944.378 m
ARC_45_M = 4_984_944.378
UTM31 = "+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs"  # central meridian 3 deg E, k0 = 0.9996


def test_utm_known_points_both_ways():
    geo = GeoReference(UTM31)
    x, y = geo.lonlat_to_map([3.0, 3.0], [0.0, 45.0])
    # on the central meridian: x = the 500 km false easting, y = k0 * meridian arc
    np.testing.assert_allclose(x, [500_000.0, 500_000.0], atol=1e-6)
    np.testing.assert_allclose(y, [0.0, 0.9996 * ARC_45_M], atol=1e-3)
    lon, lat = geo.map_to_lonlat([500_000.0], [0.9996 * ARC_45_M])
    assert lon[0] == pytest.approx(3.0, abs=1e-9) and lat[0] == pytest.approx(45.0, abs=1e-8)
    # east of the central meridian x grows, west it shrinks, symmetrically
    xe, _ = geo.lonlat_to_map([4.0, 2.0], [45.0, 45.0])
    assert xe[0] > 500_000.0 > xe[1] and xe[0] - 500_000.0 == pytest.approx(500_000.0 - xe[1], abs=1e-6)


def test_tmerc_origin_is_lon0_lat0():
    geo = GeoReference("+proj=tmerc +lat_0=0 +lon_0=0 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m")
    x, y = geo.lonlat_to_map(np.array([0.0, 0.0]), np.array([0.0, 45.0]))
    np.testing.assert_allclose(x, [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(y, [0.0, ARC_45_M], atol=1e-3)
    lon, lat = geo.map_to_lonlat(0.0, ARC_45_M)
    assert float(lon) == pytest.approx(0.0, abs=1e-9) and float(lat) == pytest.approx(45.0, abs=1e-8)


def test_arrays_in_arrays_out_as_float():
    geo = GeoReference(UTM31)
    lon, lat = geo.map_to_lonlat([500_000, 500_000], [0, 0])  # integers are fine
    assert isinstance(lon, np.ndarray) and lon.dtype == np.float64 and lon.shape == (2,)
    assert isinstance(lat, np.ndarray) and lat.dtype == np.float64
    x, y = geo.lonlat_to_map([3, 3], [0, 0])
    assert isinstance(x, np.ndarray) and x.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_allclose(lon, [3.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(lat, [0.0, 0.0], atol=1e-12)


def test_not_projected_and_invalid_crs_are_rejected():
    with pytest.raises(ValueError, match=r"geoReference '\+proj=longlat \+datum=WGS84' is not a projected CRS"):
        GeoReference("+proj=longlat +datum=WGS84")
    with pytest.raises(CRSError):
        GeoReference("+proj=nonsense")


def test_equality_ignores_the_transformers():
    assert GeoReference(UTM31) == GeoReference(UTM31)
    assert GeoReference(UTM31).proj == UTM31


@settings(max_examples=30, deadline=None)
@given(lon=st.floats(116.3, 116.5), lat=st.floats(39.8, 40.0))
def test_round_trip_identity(lon, lat):
    geo = _URBAN_GEO
    x, y = geo.lonlat_to_map([lon], [lat])
    lon2, lat2 = geo.map_to_lonlat(x, y)
    assert lon2[0] == pytest.approx(lon, abs=1e-9) and lat2[0] == pytest.approx(lat, abs=1e-9)
    # north of the origin is +y, east is +x
    assert (y[0] > 0) == (lat > 39.9042 + 1e-9) or abs(lat - 39.9042) < 1e-6
    assert (x[0] > 0) == (lon > 116.4074) or abs(lon - 116.4074) < 1e-6


_URBAN_GEO = GeoReference(
    "+proj=tmerc +lat_0=39.9042 +lon_0=116.4074 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)
