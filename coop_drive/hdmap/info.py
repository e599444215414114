"""A human-readable summary of a loaded map (``coop-drive map info``)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from coop_drive.hdmap.map_model import HdMap
from coop_drive.units import mps_to_kmh

SIGNAL_NAMES = {"294": "stop line", "206": "stop sign", "205": "yield sign", "306": "priority road",
                "301": "priority at next junction", "1000001": "traffic light"}


def format_info(m: HdMap) -> str:
    normal = [r for r in m.roads.values() if r.junction_id is None]
    connecting = [r for r in m.roads.values() if r.junction_id is not None]
    xy = np.vstack([ln.xy_m for ln in m.lanes])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    lane_len = sum(ln.length_m for ln in m.lanes)
    lines = [
        f"map {m.name}  ({m.source})",
        f"  roads      {len(normal)} ({sum(r.length_m for r in normal):.1f} m of reference line) "
        f"+ {len(connecting)} connecting roads in junctions",
        f"  lanes      {len(m.lanes)} driving lanes, {lane_len:.1f} m of lane centre",
        f"  extent     x {lo[0]:.1f} .. {hi[0]:.1f} m, y {lo[1]:.1f} .. {hi[1]:.1f} m (map frame)",
    ]
    speeds = Counter(round(mps_to_kmh(r.speed_mps), 1) for ln in m.lanes for r in ln.speed)
    lines.append("  speed      " + (", ".join(f"{k:g} km/h ({n} lanes)" for k, n in sorted(speeds.items()))
                                    or "no speed limits"))
    if m.geo is not None:
        lon, lat = m.geo.map_to_lonlat([0.0], [0.0])
        lines.append(f"  geo        {m.geo.proj}")
        lines.append(f"             map origin = lon {lon[0]:.7f}, lat {lat[0]:.7f} (WGS84)")
    else:
        lines.append("  geo        no geoReference")
    for jid, j in sorted(m.junctions.items()):
        incoming = sorted({m.lanes[p].road_id for i in j.lane_indices for p in m.lanes[i].predecessors}, key=_num)
        lights = sorted({sid for i in j.lane_indices for p in (i, *m.lanes[i].predecessors)
                         for sid in m.lanes[p].signal_ids})
        groups = sorted({c for sid in lights for c in m.signals[sid].controller_ids})
        kind = f"signalised: {len(lights)} lights, groups {', '.join(groups) or '-'}" if lights else "unsignalised"
        lines.append(f"  junction   {jid} {j.name!r}: {len(j.lane_indices)} connecting lanes from roads "
                     f"{', '.join(incoming)}; {kind}")
    by_type = Counter(s.signal_type for s in m.signals.values())
    lines.append("  signals    " + (", ".join(f"{n} x {t} ({SIGNAL_NAMES.get(t, 'other')})"
                                             for t, n in sorted(by_type.items())) or "none"))
    if m.controllers:
        lines.append(f"  controllers {len(m.controllers)} (signal groups)")
    return "\n".join(lines)


def _num(road_id: str) -> tuple[int, str]:
    return (int(road_id), road_id) if road_id.lstrip("-").isdigit() else (1 << 30, road_id)
