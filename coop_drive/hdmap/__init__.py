"""HD map service over OpenDRIVE: model, parser, lane matching and route queries, geo-reference.

``load_map(path)`` parses a .xodr into an :class:`HdMap` (OpenDRIVE road and lane ids kept);
:class:`MapService` answers queries in map-frame SI units. No simulator and no ROS inside.
"""

from coop_drive.hdmap.errors import XodrError
from coop_drive.hdmap.geo import GeoReference
from coop_drive.hdmap.map_model import HdMap, Lane, Signal
from coop_drive.hdmap.parser import load_map, parse_map
from coop_drive.hdmap.service import ConflictArea, LaneMatch, MapService, MatchBatch, SignalGroup

__all__ = [
    "ConflictArea", "GeoReference", "HdMap", "Lane", "LaneMatch", "MapService", "MatchBatch", "Signal",
    "SignalGroup", "XodrError", "load_map", "parse_map",
]
