"""Map frame <-> WGS84 through the OpenDRIVE <geoReference> (a PROJ string), vectorised with pyproj.

The map frame is the projected CRS of the geoReference (x east, y north, metres). Longitudes and
latitudes are in degrees on that CRS's own geodetic datum (WGS84 for our maps), which is also what
sumolib's ``net.convertXY2LonLat`` computes (``pyproj.Proj(proj)(x, y, inverse=True)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GeoReference:
    proj: str  # PROJ string of the map frame
    _to_geo: pyproj.Transformer = field(init=False, repr=False, compare=False)
    _to_map: pyproj.Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        crs = pyproj.CRS.from_user_input(self.proj)  # raises pyproj.exceptions.CRSError when invalid
        if not crs.is_projected:
            raise ValueError(f"geoReference {self.proj!r} is not a projected CRS")
        geodetic = crs.geodetic_crs
        assert geodetic is not None
        object.__setattr__(self, "_to_geo", pyproj.Transformer.from_crs(crs, geodetic, always_xy=True))
        object.__setattr__(self, "_to_map", pyproj.Transformer.from_crs(geodetic, crs, always_xy=True))

    def map_to_lonlat(self, x_m: ArrayLike, y_m: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Map-frame metres -> (longitude, latitude) in degrees; arrays in, arrays out."""
        lon, lat = self._to_geo.transform(np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def lonlat_to_map(self, lon_deg: ArrayLike, lat_deg: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(longitude, latitude) in degrees -> map-frame metres; arrays in, arrays out."""
        x, y = self._to_map.transform(np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
