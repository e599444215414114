"""maps/generate_maps.py is deterministic and the committed .xodr files are what it writes."""

from __future__ import annotations

import importlib.util
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

MAPS_DIR = Path(__file__).resolve().parents[2] / "maps"


def _generator() -> ModuleType:
    pytest.importorskip("scenariogeneration")
    spec = importlib.util.spec_from_file_location("generate_maps", MAPS_DIR / "generate_maps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_maps_are_up_to_date(tmp_path: Path) -> None:
    gen = _generator()
    assert gen.main(["--out-dir", str(tmp_path)]) == 0
    for name in gen.MAPS:
        fresh = (tmp_path / f"{name}.xodr").read_bytes()
        assert fresh == (MAPS_DIR / f"{name}.xodr").read_bytes(), f"run maps/generate_maps.py ({name})"
        assert gen.render_xodr(gen.MAPS[name]()) == fresh  # byte-stable across runs


def test_urban_intersection_geometry() -> None:
    root = ET.parse(MAPS_DIR / "urban_intersection.xodr").getroot()
    assert root.find(".//spiral") is None  # netconvert hangs on spirals
    roads = {r.get("id"): r for r in root.iter("road")}
    junction_ids = {j.get("id") for j in root.iter("junction")}
    assert junction_ids == {"100"} and not junction_ids & set(roads)  # carla.Map confuses equal ids
    for rid in ("1", "2", "3", "4"):
        road = roads[rid]
        geo = road.find("planView/geometry")
        assert geo is not None and geo.find("line") is not None
        x, y, hdg, length = (float(geo.get(k, "nan")) for k in ("x", "y", "hdg", "length"))
        end = (x + length * math.cos(hdg), y + length * math.sin(hdg))
        assert math.hypot(*end) == pytest.approx(10.0, abs=1e-6)  # ends 10 m from the origin
        assert length / (50 / 3.6) > 10.0  # > 10 s to the junction at 50 km/h
        speeds = [float(s.get("max", "0")) for s in road.iter("speed") if s.get("sOffset") is not None]
        assert speeds == [50.0, 50.0]  # lane-level, both lanes
        assert [s.get("type") for s in road.iter("signal")].count("294") == 1
    arcs = [float(a.get("curvature", "nan")) for a in root.iter("arc")]
    assert len(arcs) == 8 and all(abs(abs(c) - 0.1) < 1e-9 for c in arcs)
    signal_ids = sorted(s.get("id", "") for s in root.iter("signal"))
    assert signal_ids == sorted([f"stopline_{i}" for i in range(1, 5)] + [f"sign_{i}" for i in range(1, 5)])
    object_ids = sorted(o.get("id", "") for o in root.iter("object"))
    assert object_ids == ["building_ne", "building_nw", "building_se", "building_sw"]
