"""Contract of the net cache with a stand-in netconvert: command line, cache key, errors, buildings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coop_drive.world import netcache
from coop_drive.world.netcache import (
    NETCONVERT_OPTIONS,
    DerivedNet,
    MapBuildError,
    derive_net,
    find_netconvert,
    load_buildings,
    timing_plans_for,
)

XODR = '<?xml version="1.0"?>\n<OpenDRIVE><header revMajor="1" revMinor="6"/>{roads}</OpenDRIVE>\n'

# A stand-in for netconvert: logs its argument list (one JSON line per run) and writes a net whose <location>
# comes from the file "location" next to it; "mode" can make it fail.
FAKE = """\
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
with open(os.path.join(here, "runs.jsonl"), "a") as fh:
    fh.write(json.dumps(args) + "\\n")
mode = open(os.path.join(here, "mode")).read().strip() if os.path.exists(os.path.join(here, "mode")) else "ok"
if mode.startswith("fail"):
    sys.stderr.write("".join(f"error line {i}\\n" for i in range(1, 8)))
    sys.exit(int(mode[4:]))
if mode == "stdout":
    sys.stdout.write("only stdout 1\\nonly stdout 2\\n")
    sys.exit(2)
if mode == "nonet":
    sys.exit(0)
location = open(os.path.join(here, "location")).read()
out = args[args.index("-o") + 1]
with open(out, "w") as fh:
    fh.write("<net>" + location + "<edge id='e'/></net>")
if mode == "poly":
    with open(args[args.index("--polygon-output") + 1], "w") as fh:
        fh.write("<additional><poly id='b1' type='building' shape='0,0 1,0 1,1'/></additional>")
"""


@pytest.fixture()
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in netconvert, used by derive_net."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "netconvert"
    exe.write_text(f"#!{sys.executable}\n{FAKE}")
    exe.chmod(0o755)
    (bindir / "location").write_text('<location netOffset="1.50,-2.25" projParameter="!"/>')
    monkeypatch.setattr(netcache, "find_netconvert", lambda: exe)
    return exe


def _runs(exe: Path) -> list[list[str]]:
    log = exe.parent / "runs.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _xodr(tmp_path: Path, roads: str = "", name: str = "map.xodr") -> Path:
    path = tmp_path / name
    path.write_text(XODR.format(roads=roads))
    return path


def _road(
    rid: str,
    signals: list[tuple[str, str]],
    successor: str | None = None,
    predecessor: str | None = None,
    element_type: str = "junction",
) -> str:
    """A road with signals (type, orientation) and links to junctions."""
    links = ""
    if successor is not None:
        links += f'<successor elementType="{element_type}" elementId="{successor}"/>'
    if predecessor is not None:
        links += f'<predecessor elementType="{element_type}" elementId="{predecessor}"/>'
    sigs = "".join(f'<signal id="{rid}{i}" type="{t}" orientation="{o}"/>' for i, (t, o) in enumerate(signals))
    return f'<road id="{rid}"><link>{links}</link><signals>{sigs}</signals></road>'


def _stop_nodes(derived: DerivedNet) -> list[str] | None:
    """The junction ids patched to priority_stop in the node file handed to netconvert (None: no node file)."""
    nodes = derived.net_path.parent / netcache.NODES_FILE
    if not nodes.exists():
        return None
    import xml.etree.ElementTree as ET

    root = ET.parse(nodes).getroot()
    assert {n.get("type") for n in root.iter("node")} <= {"priority_stop"}
    return [n.get("id", "") for n in root.iter("node")]


# -- building and loading -----------------------------------------------------------------------------------


def test_build_runs_netconvert_once_with_the_documented_command(tmp_path, fake):
    xodr = _xodr(tmp_path)
    derived = derive_net(xodr, tmp_path / "cache")
    (args,) = _runs(fake)
    entry = derived.net_path.parent
    assert args[:2] == ["--opendrive-files", str(xodr.resolve())]
    assert args[2 : 2 + len(NETCONVERT_OPTIONS)] == list(NETCONVERT_OPTIONS)
    assert args[2 + len(NETCONVERT_OPTIONS) :][0] == "--polygon-output"
    assert args[-2] == "-o"
    assert Path(args[-1]).name == "net.net.xml" and Path(args[args.index("--polygon-output") + 1]).name == (
        "polygons.add.xml"
    )
    assert "--node-files" not in args  # no stop junctions
    # the entry: cache_dir/<16 hex digits>, holding the net, the polygons (empty) and the meta file
    assert entry.parent == tmp_path / "cache"
    assert len(entry.name) == 16 and all(c in "0123456789abcdef" for c in entry.name)
    assert derived.net_path == entry / "net.net.xml" and derived.polygons_path == entry / "polygons.add.xml"
    assert derived.polygons_path.read_text() == "<additional/>\n"
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["command"][0] == str(fake) and meta["command"][1:] == args
    assert meta["stop_junctions"] == [] and meta["source"] == str(xodr)
    assert derived.xodr_path == xodr
    # nothing else is left in the cache directory (the temporary build directory was renamed)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [entry.name]


def test_net_offset_and_projection_come_from_the_location(tmp_path, fake):
    derived = derive_net(_xodr(tmp_path), tmp_path / "cache")
    assert derived.net_offset == (1.5, -2.25)
    assert derived.proj == ""  # "!" means no projection


def test_projection_text_is_kept_and_missing_offset_is_zero(tmp_path, fake):
    (fake.parent / "location").write_text('<location projParameter="+proj=tmerc +lat_0=39.9"/>')
    derived = derive_net(_xodr(tmp_path), tmp_path / "cache")
    assert derived.net_offset == (0.0, 0.0)
    assert derived.proj == "+proj=tmerc +lat_0=39.9"


def test_a_net_without_location_is_refused_naming_the_net_and_the_map(tmp_path, fake):
    (fake.parent / "location").write_text("")
    with pytest.raises(MapBuildError, match=r"net\.net\.xml: no <location> element \(derived from .*map\.xodr\)"):
        derive_net(_xodr(tmp_path), tmp_path / "cache")


def test_polygons_written_by_netconvert_are_kept(tmp_path, fake):
    (fake.parent / "mode").write_text("poly")
    derived = derive_net(_xodr(tmp_path), tmp_path / "cache")
    (building,) = load_buildings(derived)
    assert building.building_id == "b1"
    assert building.outline_xy_m.tolist() == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]


def test_second_call_is_served_from_the_cache(tmp_path, fake):
    xodr = _xodr(tmp_path)
    first = derive_net(xodr, tmp_path / "cache")
    second = derive_net(xodr, tmp_path / "cache")
    assert first == second and len(_runs(fake)) == 1


def test_the_key_is_the_content_not_the_path(tmp_path, fake):
    a = derive_net(_xodr(tmp_path, name="a.xodr"), tmp_path / "cache")
    b = derive_net(_xodr(tmp_path, name="b.xodr"), tmp_path / "cache")
    assert a.net_path == b.net_path and len(_runs(fake)) == 1
    assert b.xodr_path.name == "b.xodr"


def test_the_key_changes_with_content_options_recipe_and_binary(tmp_path, fake, monkeypatch):
    xodr = _xodr(tmp_path)
    cache = tmp_path / "cache"
    entries = {derive_net(xodr, cache).net_path.parent.name}
    entries.add(derive_net(_xodr(tmp_path, "<!-- changed -->", name="other.xodr"), cache).net_path.parent.name)
    monkeypatch.setattr(netcache, "NETCONVERT_OPTIONS", (*NETCONVERT_OPTIONS, "--junctions.corner-detail", "5"))
    entries.add(derive_net(xodr, cache).net_path.parent.name)
    monkeypatch.setattr(netcache, "NETCONVERT_OPTIONS", NETCONVERT_OPTIONS)
    monkeypatch.setattr(netcache, "_RECIPE_VERSION", "2")
    entries.add(derive_net(xodr, cache).net_path.parent.name)
    monkeypatch.setattr(netcache, "_RECIPE_VERSION", "1")
    assert derive_net(xodr, cache).net_path.parent.name in entries  # back to the first key
    # a rebuilt netconvert: another modification time, then another size
    stat = fake.stat()
    os.utime(fake, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    entries.add(derive_net(xodr, cache).net_path.parent.name)
    fake.write_text(fake.read_text() + "\n# rebuilt\n")
    os.utime(fake, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    entries.add(derive_net(xodr, cache).net_path.parent.name)
    assert len(entries) == 6
    assert len(_runs(fake)) == 6


def test_an_incomplete_entry_is_rebuilt(tmp_path, fake):
    xodr = _xodr(tmp_path)
    entry = derive_net(xodr, tmp_path / "cache").net_path.parent
    (entry / "meta.json").unlink()
    (entry / "junk").write_text("half-written")
    again = derive_net(xodr, tmp_path / "cache")
    assert again.net_path.parent == entry
    assert (entry / "meta.json").is_file() and not (entry / "junk").exists()
    assert len(_runs(fake)) == 2


def test_default_cache_dir_from_the_environment_or_home(tmp_path, fake, monkeypatch):
    xodr = _xodr(tmp_path)
    monkeypatch.setenv("COOP_DRIVE_CACHE", str(tmp_path / "envcache"))
    assert derive_net(xodr).net_path.parent.parent == tmp_path / "envcache"
    monkeypatch.delenv("COOP_DRIVE_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert derive_net(xodr).net_path.parent.parent == tmp_path / "home" / ".cache" / "coop_drive" / "nets"
    monkeypatch.setenv("COOP_DRIVE_CACHE", "")
    assert derive_net(xodr).net_path.parent.parent == tmp_path / "home" / ".cache" / "coop_drive" / "nets"


# -- errors -------------------------------------------------------------------------------------------------


def test_wrong_root_element_is_refused_naming_file_and_element(tmp_path, fake):
    path = tmp_path / "notdrive.xodr"
    path.write_text("<OpenSCENARIO/>")
    with pytest.raises(MapBuildError, match=r"notdrive\.xodr: root element is <OpenSCENARIO>, expected <OpenDRIVE>"):
        derive_net(path, tmp_path / "cache")
    assert _runs(fake) == []


def test_netconvert_failure_reports_the_exit_code_and_the_last_five_lines(tmp_path, fake):
    (fake.parent / "mode").write_text("fail3")
    with pytest.raises(MapBuildError, match=r"map\.xodr: netconvert failed \(exit 3\): error line 3\n") as info:
        derive_net(_xodr(tmp_path), tmp_path / "cache")
    assert str(info.value).endswith("\n".join(f"error line {i}" for i in range(3, 8)))
    assert "error line 2" not in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []  # the temporary build directory is gone


def test_netconvert_failure_without_stderr_reports_stdout(tmp_path, fake):
    (fake.parent / "mode").write_text("stdout")
    with pytest.raises(MapBuildError, match=r"netconvert failed \(exit 2\): only stdout 1\nonly stdout 2$"):
        derive_net(_xodr(tmp_path), tmp_path / "cache")


def test_netconvert_success_without_a_net_is_a_failure(tmp_path, fake):
    (fake.parent / "mode").write_text("nonet")
    with pytest.raises(MapBuildError, match=r"map\.xodr: netconvert failed \(exit 0\)"):
        derive_net(_xodr(tmp_path), tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_netconvert_runs_with_a_120_s_timeout_and_a_hang_is_reported(tmp_path, fake, monkeypatch):
    seen: dict[str, Any] = {}

    def hanging_run(cmd: list[str], **kwargs: Any) -> None:
        seen.update(kwargs)
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", hanging_run)
    with pytest.raises(
        MapBuildError,
        match=r"map\.xodr: netconvert timed out after 120 s "
        r"\(spiral geometry\? use lines and arcs\)",
    ):
        derive_net(_xodr(tmp_path), tmp_path / "cache")
    assert seen["timeout"] == 120.0
    assert seen["capture_output"] is True and seen["text"] is True and seen["check"] is False
    assert list((tmp_path / "cache").iterdir()) == []


# -- stop junctions -----------------------------------------------------------------------------------------


def test_stop_signs_patch_their_junctions_to_priority_stop(tmp_path, fake):
    roads = (
        _road("3", [("206", "+")], successor="100")
        + _road("4", [("206", "-")], successor="7", predecessor="100")
        + _road("5", [("206", "+")], successor="99")
    )
    derived = derive_net(_xodr(tmp_path, roads), tmp_path / "cache")
    (args,) = _runs(fake)
    assert args[args.index("--node-files") + 1].endswith("stop.nod.xml")
    assert _stop_nodes(derived) == ["100", "99"]  # sorted as text, each once
    nodes = (derived.net_path.parent / "stop.nod.xml").read_text()
    assert nodes == (
        '<nodes>\n    <node id="100" type="priority_stop"/>\n    <node id="99" type="priority_stop"/>\n</nodes>\n'
    )
    assert json.loads((derived.net_path.parent / "meta.json").read_text())["stop_junctions"] == ["100", "99"]


def test_signalised_road_links_and_missing_links_are_not_stop_junctions(tmp_path, fake):
    roads = (
        _road("1", [("206", "+")], successor="200")
        + _road("2", [("1000001", "+")], successor="200")  # signalised
        + _road("3", [("206", "+")], successor="300", element_type="road")  # a road, not a junction
        + _road("4", [("206", "+")], predecessor="400")  # the sign faces the successor, which is absent
        + _road("5", [("205", "+")], successor="500")  # a give-way sign, not a stop sign
        + '<road id="6"><signals><signal id="s6" type="206" orientation="+"/></signals></road>'  # no link at all
        + _road("7", [("206", "+")], successor="")  # no junction id
    )
    derived = derive_net(_xodr(tmp_path, roads), tmp_path / "cache")
    assert _stop_nodes(derived) is None
    assert "--node-files" not in _runs(fake)[0]


def test_a_stop_sign_without_orientation_faces_the_successor(tmp_path, fake):
    road = (
        '<road id="1"><link><successor elementType="junction" elementId="10"/><predecessor '
        'elementType="junction" elementId="20"/></link><signals><signal id="s" type="206"/></signals></road>'
    )
    road2 = _road("2", [("206", "-")], successor="30", predecessor="40")
    derived = derive_net(_xodr(tmp_path, road + road2), tmp_path / "cache")
    assert _stop_nodes(derived) == ["10", "40"]


# -- find_netconvert ----------------------------------------------------------------------------------------


def _exe(path: Path, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755 if executable else 0o644)
    return path


def test_find_netconvert_prefers_the_wheel_then_sumo_home_then_path(tmp_path, monkeypatch):
    wheel = _exe(tmp_path / "wheel" / "bin" / "netconvert")
    home = _exe(tmp_path / "home" / "bin" / "netconvert")
    on_path = _exe(tmp_path / "path" / "netconvert")
    fake_sumo = types.SimpleNamespace(SUMO_HOME=str(tmp_path / "wheel"))
    monkeypatch.setattr(netcache.importlib, "import_module", lambda name: fake_sumo if name == "sumo" else None)
    monkeypatch.setenv("SUMO_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(netcache.shutil, "which", lambda name: str(on_path) if name == "netconvert" else None)
    assert find_netconvert() == wheel
    wheel.chmod(0o644)  # not executable: skipped
    assert find_netconvert() == home
    monkeypatch.delenv("SUMO_HOME")
    assert find_netconvert() == on_path


def test_find_netconvert_without_the_wheel(tmp_path, monkeypatch):
    def no_wheel(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr(netcache.importlib, "import_module", no_wheel)
    home = _exe(tmp_path / "home" / "bin" / "netconvert")
    monkeypatch.setenv("SUMO_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(netcache.shutil, "which", lambda name: None)
    assert find_netconvert() == home
    monkeypatch.setattr(netcache.importlib, "import_module", lambda name: types.SimpleNamespace())  # no SUMO_HOME
    assert find_netconvert() == home
    monkeypatch.setenv("SUMO_HOME", "")
    with pytest.raises(
        MapBuildError,
        match=r"^netconvert not found: install the eclipse-sumo wheel, set SUMO_HOME "
        r"or put it on PATH$",
    ):
        find_netconvert()
    (tmp_path / "dir" / "netconvert").mkdir(parents=True)  # a directory is not a binary
    monkeypatch.setattr(netcache.shutil, "which", lambda name: str(tmp_path / "dir" / "netconvert"))
    with pytest.raises(MapBuildError, match="netconvert not found"):
        find_netconvert()


# -- load_buildings and timing plans ------------------------------------------------------------------------


def _polys(tmp_path: Path, body: str) -> DerivedNet:
    path = tmp_path / "polygons.add.xml"
    path.write_text(f"<additional>{body}</additional>")
    return DerivedNet(tmp_path / "m.xodr", tmp_path / "net.net.xml", path, (0.0, 0.0), "")


def test_load_buildings_keeps_buildings_in_file_order_and_drops_the_closing_vertex(tmp_path):
    derived = _polys(
        tmp_path,
        (
            "<poly id='b2' type='building' shape='10,10,5 20,10,5 20,20,5 10,20,5 10,10,5'/>"
            "<poly id='park' type='park' shape='0,0 1,0 1,1'/>"
            "<poly id='b1' type='building' shape='0,0 4,0 0,3'/>"
            "<poly id='b3' type='building' shape='0,0 4,0 4,4 0,0'/>"
            "<poly id='b4' type='building' geo='0' shape='0,0 4,0 4,4'/>"
        ),
    )
    buildings = load_buildings(derived)
    assert [b.building_id for b in buildings] == ["b2", "b1", "b3", "b4"]
    assert buildings[0].outline_xy_m.tolist() == [[10.0, 10.0], [20.0, 10.0], [20.0, 20.0], [10.0, 20.0]]
    assert buildings[1].outline_xy_m.tolist() == [[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]]
    # a closed triangle (4 points, first == last) becomes 3 vertices
    assert buildings[2].outline_xy_m.tolist() == [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0]]


def test_a_closed_polygon_is_only_opened_when_first_and_last_coincide(tmp_path):
    derived = _polys(tmp_path, "<poly id='q' type='building' shape='0,0 4,0 4,4 0,4.5'/>")
    assert np.shape(load_buildings(derived)[0].outline_xy_m) == (4, 2)


@pytest.mark.parametrize("geo", ["1", "true"])
def test_lon_lat_buildings_are_refused_naming_the_polygon(tmp_path, geo):
    derived = _polys(tmp_path, f"<poly id='house7' type='building' geo='{geo}' shape='0,0 1,0 1,1'/>")
    with pytest.raises(MapBuildError, match=r"polygons\.add\.xml: polygon house7 is in lon/lat, expected x/y"):
        load_buildings(derived)


def test_degenerate_buildings_are_refused_naming_the_polygon(tmp_path):
    derived = _polys(tmp_path, "<poly id='shed' type='building' shape='0,0 1,0'/>")
    with pytest.raises(MapBuildError, match=r"polygons\.add\.xml: polygon shed has < 3 vertices"):
        load_buildings(derived)


def test_a_closed_two_vertex_ring_is_refused(tmp_path):
    # outlines come back with the first vertex not repeated; 0,0 1,0 0,0 has only two distinct vertices
    derived = _polys(tmp_path, "<poly id='shed' type='building' shape='0,0 1,0 0,0'/>")
    with pytest.raises(MapBuildError, match=r"polygons\.add\.xml: polygon shed has < 3 vertices"):
        load_buildings(derived)


def test_only_poly_elements_are_buildings(tmp_path):
    derived = _polys(
        tmp_path, "<poi id='p1' type='building' x='1' y='2'/><poly id='b' type='building' shape='0,0 1,0 1,1'/>"
    )
    assert [b.building_id for b in load_buildings(derived)] == ["b"]


def test_a_building_without_shape_is_refused_naming_the_polygon(tmp_path):
    derived = _polys(tmp_path, "<poly id='ghost' type='building'/>")
    with pytest.raises(MapBuildError, match=r"polygons\.add\.xml: polygon ghost has < 3 vertices"):
        load_buildings(derived)


def test_a_building_without_id_gets_an_empty_id(tmp_path):
    derived = _polys(tmp_path, "<poly type='building' shape='0,0 1,0 1,1'/>")
    assert load_buildings(derived)[0].building_id == ""


def test_timing_plans_are_found_next_to_the_map(tmp_path):
    xodr = _xodr(tmp_path, name="corridor.xodr")
    assert timing_plans_for(xodr) is None
    plans = tmp_path / "corridor.tls.add.xml"
    plans.write_text("<additional/>")
    assert timing_plans_for(xodr) == plans
    assert timing_plans_for(str(xodr)) == plans  # type: ignore[arg-type]
