"""Replay regression: a bag's recorded inputs through the cores, their outputs compared with the recorded ones.

The vehicle core gets the recorded odometry, onboard scans and delivered V2X frames and plans at every
recorded speed command; its speed command and fused objects are compared with the bag's. The MEC core gets
the recorded roadside scans and encodes an object list at every recorded RSM it sent; the frames are compared
byte for byte. Events are replayed in the runtimes' order at one instant: pose, scans, publication,
deliveries, planning. Both runtimes' bags replay the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coop_drive.bag.messages import (
    detections_from_msg,
    frame_bytes,
    object_rows,
    odometry_from_msg,
    route_from_msg,
    stamp_ns,
)
from coop_drive.bag.reader import BagReadError, read_messages
from coop_drive.components.mec import MecCore
from coop_drive.components.vehicle import VehicleCore
from coop_drive.perception.fusion import FusionConfig
from coop_drive.scenario import Scenario, Split, load_scenario
from coop_drive.units import ns_to_s
from coop_drive.v2x.frame import MessageType, V2XDecodeError, decode_frame

REPO = Path(__file__).resolve().parents[2]
_P_WORLD, _P_SENSOR, _P_PUBLISH, _P_DELIVER, _P_PLAN = range(5)
_PRIORITY = {"/vehicle/odom": _P_WORLD, "/vehicle/detections": _P_SENSOR, "/mec/detections": _P_SENSOR,
             "/mec/v2x_out": _P_PUBLISH, "/vehicle/v2x_in": _P_DELIVER, "/vehicle/speed_command": _P_PLAN,
             "/vehicle/objects": _P_PLAN}


@dataclass
class Tolerance:
    speed_mps: float = 1e-6
    position_m: float = 1e-6


@dataclass
class ReplayResult:
    compared: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    total_mismatches: int = 0

    @property
    def ok(self) -> bool:
        return self.total_mismatches == 0

    def add(self, topic: str) -> None:
        self.compared[topic] = self.compared.get(topic, 0) + 1

    def mismatch(self, text: str, keep: int) -> None:
        self.total_mismatches += 1
        if len(self.mismatches) < keep:
            self.mismatches.append(text)

    def format(self) -> str:
        lines = [f"compared {n} messages on {t}" for t, n in sorted(self.compared.items())]
        if self.ok:
            lines.append("replay OK: every output matches the recording")
        else:
            lines.append(f"replay MISMATCH: {self.total_mismatches} output(s) differ; first:")
            lines += [f"  {m}" for m in self.mismatches]
        return "\n".join(lines)


def _scenario(config: dict[str, Any], override: Path | None) -> Scenario:
    recorded = Path(str(config.get("scenario_file", "")))
    candidates = [override] if override is not None else [recorded, REPO / "scenarios" / recorded.name]
    for path in candidates:
        if path is not None and path.is_file():
            split = Split(str(config["split"])) if config.get("split") else None
            seed = int(config["seed"]) if "seed" in config else None
            return load_scenario(path).with_overrides(split=split, seed=seed)
    raise BagReadError(f"scenario of the bag not found (tried {', '.join(str(c) for c in candidates)}); "
                       "give it with --scenario")


def _events(bag: Path) -> Iterator[tuple[int, int, int, str, Any]]:
    items = []
    for seq, (topic, log_ns, msg) in enumerate(read_messages(bag, list(_PRIORITY) + ["/run/config", "/run/route"])):
        if topic in ("/run/config", "/run/route"):
            items.append((-1, -1, seq, topic, msg))
            continue
        items.append((log_ns, _PRIORITY[topic], seq, topic, msg))
    items.sort(key=lambda e: (e[0], e[1], e[2]))
    yield from items


def replay_bag(bag: Path, scenario_path: Path | None = None, tolerance: Tolerance | None = None,
               keep: int = 10) -> ReplayResult:
    """Replay a coop_drive bag; BagReadError when it is not one."""
    tol = tolerance or Tolerance()
    result = ReplayResult()
    config: dict[str, Any] | None = None
    sc: Scenario | None = None
    vehicle: VehicleCore | None = None
    route = None
    mec = MecCore()
    own: tuple[float, float, float, float] | None = None
    start_s: float | None = None
    for time_ns, _, _, topic, msg in _events(bag):
        if topic == "/run/config":
            config = json.loads(msg.data)
            sc = _scenario(config, scenario_path)
            continue
        if topic == "/run/route":
            route = route_from_msg(msg)
            continue
        if sc is None or route is None:
            raise BagReadError(f"{bag}: no /run/config and /run/route at the start: not a coop_drive run bag")
        if start_s is None:
            start_s = ns_to_s(time_ns)
        if vehicle is None:
            fusion = FusionConfig(max_age_s=float(config.get("max_v2x_age_s", sc.max_v2x_age_s)) if config else
                                  sc.max_v2x_age_s,
                                  compensate_latency=bool(config.get("latency_compensation", True)) if config else True)
            vehicle = VehicleCore(sc.ego, route, fusion, uses_v2x=sc.split.uses_v2x, seed=sc.seed, start_s=start_s,
                                  follow_plans=sc.split.plans_remotely, max_plan_age_s=sc.max_plan_age_s,
                                  cycle_s=sc.step_s)
        t_s = ns_to_s(time_ns)
        if topic == "/vehicle/odom":
            own = odometry_from_msg(msg)
            vehicle.on_own_pose(own[0], own[1], own[2])
        elif topic == "/vehicle/detections":
            _, scan_s, dets = detections_from_msg(msg)
            vehicle.on_detections(scan_s, dets)
        elif topic == "/mec/detections":
            _, scan_s, dets = detections_from_msg(msg)
            mec.on_detections(scan_s, dets)
        elif topic == "/vehicle/v2x_in":
            vehicle.on_v2x(frame_bytes(msg))
        elif topic == "/mec/v2x_out":
            _replay_mec_frame(mec, msg, time_ns, result, keep)
        elif topic == "/vehicle/speed_command" and own is not None:
            result.add(topic)
            decision = vehicle.plan(t_s, own[1], own[2], own[3])
            speed_mps = own[3] + decision.accel_mps2 * sc.step_s
            recorded = float(msg.twist.linear.x)
            if not math.isclose(speed_mps, recorded, rel_tol=0.0, abs_tol=tol.speed_mps):
                result.mismatch(f"t={t_s:.3f} s /vehicle/speed_command: replayed {speed_mps:.9f} m/s, "
                                f"recorded {recorded:.9f} m/s", keep)
        elif topic == "/vehicle/objects":
            result.add(topic)
            mine = object_rows_of(vehicle.world_model(t_s))
            rec = object_rows(msg)
            if not _rows_close(mine, rec, tol.position_m):
                result.mismatch(f"t={t_s:.3f} s /vehicle/objects: replayed {_fmt(mine)}, recorded {_fmt(rec)}", keep)
    if vehicle is None:
        raise BagReadError(f"{bag}: no inputs to replay")
    return result


def _replay_mec_frame(mec: MecCore, msg: Any, time_ns: int, result: ReplayResult, keep: int) -> None:
    recorded = frame_bytes(msg)
    try:
        frame = decode_frame(recorded)
    except V2XDecodeError:
        return
    if frame.message_type is not MessageType.RSM:
        return  # speed plans and MAP messages: not replayed (yet)
    result.add("/mec/v2x_out")
    mine = mec.object_list_frame(ns_to_s(stamp_ns(msg.generation_stamp)))
    if mine != recorded:
        result.mismatch(f"t={ns_to_s(time_ns):.3f} s /mec/v2x_out: replayed RSM frame ({len(mine)} bytes) differs "
                        f"from the recorded one ({len(recorded)} bytes)", keep)


def object_rows_of(estimates: Any) -> list[tuple[int, str, float, float, float, float]]:
    return [(int(e.object_id), str(e.source_id), float(e.state[0]), float(e.state[1]), float(e.state[2]),
             float(e.state[3])) for e in estimates]


def _rows_close(a: list[tuple[int, str, float, float, float, float]],
                b: list[tuple[int, str, float, float, float, float]], tol_m: float) -> bool:
    if len(a) != len(b):
        return False
    return all(ra[:2] == rb[:2] and all(abs(x - y) <= tol_m for x, y in zip(ra[2:], rb[2:], strict=True))
               for ra, rb in zip(a, b, strict=True))


def _fmt(rows: list[tuple[int, str, float, float, float, float]]) -> str:
    return "[" + ", ".join(f"#{r[0]} {r[1]} ({r[2]:.3f}, {r[3]:.3f})" for r in rows) + "]"
