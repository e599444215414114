"""OpenDRIVE -> SUMO net (+ building polygons) with netconvert, cached by content.

Frames: the map frame is the OpenDRIVE inertial frame. netconvert runs with
``--offset.disable-normalization true``, so the SUMO frame is the map frame too and
``net_offset`` is (0, 0) for our maps (it is still read from the net: SUMO frame =
map frame + net_offset).

Polygons (verified with SUMO 1.28): netconvert writes ``--polygon-output`` while it
imports, BEFORE it normalises offsets, so it does NOT apply netOffset to polygons
(with normalisation on, a net got netOffset 210,210 and the polygons stayed in xodr
coordinates). With a ``<geoReference>`` and the default ``--proj.plain-geo`` it
writes them as lon/lat (geo="1") at 1e-6 deg (~0.1 m), hence ``--proj.plain-geo
false``. So polygon coordinates are map-frame coordinates as written.

netconvert builds buildings as length x width rectangles from
``<object type="building">`` (``<outline>`` is ignored). Junctions whose approaches
carry a stop sign (signal type 206; netconvert itself only reads 205/301/306 for
priorities) are patched to SUMO's ``priority_stop`` type with a ``--node-files``
patch, so their minor links get state "s" (stop, then yield), not "m" (yield).

The cache entry is ``cache_dir/<sha256(xodr bytes, options, netconvert binary)[:16]>``
and is built in a temporary directory that is renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coop_drive.world.backend import Building

__all__ = ["Building", "DerivedNet", "MapBuildError", "derive_net", "find_netconvert", "load_buildings",
           "timing_plans_for"]

NETCONVERT_OPTIONS: tuple[str, ...] = (
    "--output.original-names", "true",  # lanes keep origId "<road>_<lane>"
    "--offset.disable-normalization", "true",  # SUMO frame == OpenDRIVE frame
    "--proj.plain-geo", "false",  # polygons in cartesian map coordinates
    "--no-turnarounds", "true",  # map borders are dead ends, no U-turn links
)
_RECIPE_VERSION = "1"  # bump when the derivation changes in a way options do not show
_TIMEOUT_S = 120.0  # netconvert hangs on some spiral geometries
NET_FILE, POLY_FILE, NODES_FILE, META_FILE = "net.net.xml", "polygons.add.xml", "stop.nod.xml", "meta.json"


class MapBuildError(Exception):
    """A map could not be read or converted; the message names the file."""


@dataclass(frozen=True)
class DerivedNet:
    xodr_path: Path
    net_path: Path
    polygons_path: Path
    net_offset: tuple[float, float]  # SUMO frame = map frame + net_offset
    proj: str  # PROJ string of the map frame ("" if the map has no geoReference)


def find_netconvert() -> Path:
    """netconvert of the ``eclipse-sumo`` wheel, else $SUMO_HOME/bin, else PATH."""
    candidates: list[str] = []
    with contextlib.suppress(ImportError, AttributeError):
        candidates.append(os.path.join(str(importlib.import_module("sumo").SUMO_HOME), "bin", "netconvert"))
    if os.environ.get("SUMO_HOME"):
        candidates.append(os.path.join(os.environ["SUMO_HOME"], "bin", "netconvert"))
    candidates.append(shutil.which("netconvert") or "")
    for cand in candidates:
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return Path(cand)
    raise MapBuildError("netconvert not found: install the eclipse-sumo wheel, set SUMO_HOME or put it on PATH")


def _stop_junctions(root: ET.Element) -> list[str]:
    """Ids of junctions entered past a stop sign (206) and not signalised (1000001)."""
    stop: set[str] = set()
    signalised: set[str] = set()
    for road in root.iter("road"):
        for sig in road.iter("signal"):
            end = "successor" if sig.get("orientation", "+") != "-" else "predecessor"
            link = road.find(f"link/{end}")
            if link is None or link.get("elementType") != "junction":
                continue
            if sig.get("type") == "206":
                stop.add(link.get("elementId", ""))
            elif sig.get("type") == "1000001":
                signalised.add(link.get("elementId", ""))
    return sorted(stop - signalised - {""})


def _default_cache_dir() -> Path:
    env = os.environ.get("COOP_DRIVE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "coop_drive" / "nets"


def derive_net(xodr_path: Path, cache_dir: Path | None = None) -> DerivedNet:
    """Convert ``xodr_path`` to a SUMO net + polygons, or return the cached result."""
    xodr_path = Path(xodr_path)
    try:
        data = xodr_path.read_bytes()
    except OSError as exc:
        raise MapBuildError(f"{xodr_path}: cannot read OpenDRIVE file: {exc.strerror}") from exc
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise MapBuildError(f"{xodr_path}: not well-formed XML: {exc}") from exc
    if root.tag != "OpenDRIVE":
        raise MapBuildError(f"{xodr_path}: root element is <{root.tag}>, expected <OpenDRIVE>")
    netconvert = find_netconvert()
    stat = netconvert.stat()
    key = hashlib.sha256()
    for part in (data, "\0".join(NETCONVERT_OPTIONS).encode(), _RECIPE_VERSION.encode(),
                 f"{netconvert.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()):
        key.update(hashlib.sha256(part).digest())
    cache_dir = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    entry = cache_dir / key.hexdigest()[:16]
    if not (entry / META_FILE).is_file():
        if entry.exists():  # not ours (renames are atomic): clear it
            shutil.rmtree(entry)
        _build(xodr_path, root, netconvert, cache_dir, entry)
    return _load(xodr_path, entry)


def _build(xodr_path: Path, root: ET.Element, netconvert: Path, cache_dir: Path, entry: Path) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
    try:
        cmd = [str(netconvert), "--opendrive-files", str(xodr_path.resolve()), *NETCONVERT_OPTIONS,
               "--polygon-output", str(tmp / POLY_FILE), "-o", str(tmp / NET_FILE)]
        stop = _stop_junctions(root)
        if stop:
            nodes = "".join(f'    <node id="{j}" type="priority_stop"/>\n' for j in stop)
            (tmp / NODES_FILE).write_text(f"<nodes>\n{nodes}</nodes>\n", encoding="utf-8")
            cmd += ["--node-files", str(tmp / NODES_FILE)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise MapBuildError(f"{xodr_path}: netconvert timed out after {_TIMEOUT_S:.0f} s "
                                "(spiral geometry? use lines and arcs)") from exc
        if proc.returncode != 0 or not (tmp / NET_FILE).is_file():
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise MapBuildError(f"{xodr_path}: netconvert failed (exit {proc.returncode}): {tail}")
        if not (tmp / POLY_FILE).is_file():  # no roads with objects: keep the layout uniform
            (tmp / POLY_FILE).write_text("<additional/>\n", encoding="utf-8")
        meta = {"command": cmd, "stop_junctions": stop, "source": str(xodr_path)}
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            tmp.rename(entry)
        except OSError:  # a concurrent build won the race; theirs is identical
            if not (entry / META_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load(xodr_path: Path, entry: Path) -> DerivedNet:
    net_path = entry / NET_FILE
    with open(net_path, "rb") as fh:
        location = next((el for _, el in ET.iterparse(fh) if el.tag == "location"), None)
    if location is None:
        raise MapBuildError(f"{net_path}: no <location> element (derived from {xodr_path})")
    off_x, off_y = (float(v) for v in location.get("netOffset", "0,0").split(","))
    return DerivedNet(xodr_path=xodr_path, net_path=net_path, polygons_path=entry / POLY_FILE,
                      net_offset=(off_x, off_y), proj=location.get("projParameter", "!").strip("!"))


def timing_plans_for(xodr_path: Path) -> Path | None:
    """``<map>.tls.add.xml`` next to ``<map>.xodr``: SUMO signal timing plans (tlLogic with offsets), loaded
    with ``--additional-files`` on top of netconvert's default program (the last loaded program runs)."""
    path = Path(xodr_path).with_suffix(".tls.add.xml")
    return path if path.is_file() else None


def load_buildings(derived: DerivedNet) -> list[Building]:
    """Building outlines (vertices, first not repeated) in the MAP frame, in file order."""
    buildings = []
    for poly in ET.parse(derived.polygons_path).getroot().iter("poly"):
        if poly.get("type") != "building":
            continue
        if poly.get("geo") in ("1", "true"):
            raise MapBuildError(f"{derived.polygons_path}: polygon {poly.get('id')} is in lon/lat, expected x/y")
        pts = np.array([[float(c) for c in p.split(",")[:2]] for p in poly.get("shape", "").split()])
        if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
            pts = pts[:-1]
        if pts.shape[0] < 3:
            raise MapBuildError(f"{derived.polygons_path}: polygon {poly.get('id')} has < 3 vertices")
        buildings.append(Building(poly.get("id", ""), pts))
    return buildings
