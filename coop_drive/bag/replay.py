"""Replay regression: a bag's recorded inputs through the cores, their outputs compared with the recorded ones.

The vehicle cores get the recorded odometry, onboard scans, the camera's view of the next signal (signalised
maps) and the delivered V2X frames, and plan at every recorded speed command; the speed command and the fused
objects are compared with the bag's. The MEC side is replayed too: its tracker gets the recorded roadside
scans and encodes an object list at every RSM it sent; in the planning splits its planner gets the BSMs the
uplink delivered and plans at every SpeedPlan it sent; on signalised maps its SPaT service encodes a SPAT at
every SPAT it sent (from the signal plans in /run/signal_plans) and that SPaT feeds its planner. These frames are
compared byte for byte, and so is every MAP frame (``map: mec``). Events are replayed in the runtimes' order at one
instant: world (pose, camera), scans, publications, deliveries, planning. Both runtimes' bags replay the same
way; in a ROS bag the MEC perception and planner nodes number their frames each on their own.
"""

from __future__ import annotations

import json
import math
from collections import deque
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
from coop_drive.components.mec_planner import mec_planner_for
from coop_drive.components.spat_service import SpatService
from coop_drive.components.vehicle_perception import ReceptionStats, VehiclePerceptionCore
from coop_drive.components.vehicle_planner import VehiclePlannerCore, vehicle_planner_for
from coop_drive.geometry import Polyline
from coop_drive.hdmap.map_client import MapServer
from coop_drive.hdmap.service import signal_map_service
from coop_drive.perception.fusion import FusionConfig
from coop_drive.scenario import Scenario, Split, load_scenario
from coop_drive.scenario.model import AutomationLevel, Fault, MapSource
from coop_drive.units import ns_to_s
from coop_drive.v2x.frame import MessageType, V2XDecodeError, decode_frame
from coop_drive.world.signals import next_signal_from_json, plans_from_json

REPO = Path(__file__).resolve().parents[2]
_P_WORLD, _P_SENSOR, _P_PUBLISH, _P_DELIVER, _P_PLAN = range(5)
_PRIORITY = {"/vehicle/odom": _P_WORLD, "/vehicle/signal": _P_WORLD, "/vehicle/detections": _P_SENSOR,
             "/mec/detections": _P_SENSOR, "/mec/v2x_out": _P_PUBLISH, "/vehicle/v2x_in": _P_DELIVER,
             "/mec/v2x_in": _P_DELIVER, "/vehicle/speed_command": _P_PLAN, "/vehicle/objects": _P_PLAN}
_SETUP = ("/run/config", "/run/route", "/run/signal_plans")


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
            level = AutomationLevel(config["automation_level"]) if "automation_level" in config else None
            faults = tuple(Fault.parse(f) for f in config["faults"]) if "faults" in config else None
            return load_scenario(path).with_overrides(
                split=split, seed=seed, level=level, faults=faults,
                map_source=MapSource(config["map"]) if "map" in config else None,
                glosa=bool(config["glosa"]) if "glosa" in config else None)
    raise BagReadError(f"scenario of the bag not found (tried {', '.join(str(c) for c in candidates)}); "
                       "give it with --scenario")


def _events(bag: Path) -> Iterator[tuple[int, int, int, str, Any]]:
    items = []
    for seq, (topic, log_ns, msg) in enumerate(read_messages(bag, [*_PRIORITY, *_SETUP])):
        if topic in _SETUP:
            items.append((-1, -1, seq, topic, msg))
            continue
        items.append((log_ns, _PRIORITY[topic], seq, topic, msg))
    items.sort(key=lambda e: (e[0], e[1], e[2]))
    yield from items


class _Cores:
    """The vehicle's and the MEC's cores, rebuilt as the bag's runtime built them."""

    def __init__(self, sc: Scenario, config: dict[str, Any], route: Polyline, plans_json: str | None,
                 start_s: float) -> None:
        self.scenario = sc
        fusion = FusionConfig(max_age_s=float(config.get("max_v2x_age_s", sc.max_v2x_age_s)),
                              compensate_latency=bool(config.get("latency_compensation", True)))
        stats = ReceptionStats()
        map_service = signal_map_service(sc.map_path)
        self.perception = VehiclePerceptionCore(fusion, stats)
        self.planning: VehiclePlannerCore = vehicle_planner_for(sc, route, fusion.max_age_s, start_s, map_service,
                                                                stats)
        planner = mec_planner_for(sc, route, map_service) if sc.split.plans_remotely else None
        if config.get("runtime") == "ros" and planner is not None:  # the planner node numbers its own frames
            self.mec = MecCore()
            self.plans = MecCore(planner=planner)
            self.plans.tracker = self.mec.tracker  # and plans on the MEC perception's tracks
        else:  # in-process one MecCore numbers object lists and plans
            self.mec = self.plans = MecCore(planner=planner)
        self.spat = None
        if map_service is not None and sc.split.uses_v2x:
            if plans_json is None:
                raise BagReadError("the bag of a run with V2X on a signalised map has no /run/signal_plans "
                                   "(recorded by an older coop_drive?): its SPaT cannot be replayed")
            self.spat = SpatService(plans_from_json(plans_json), map_service.map)
        mec_map = sc.map_source is MapSource.MEC and sc.split.uses_v2x
        self.map_server = MapServer(sc.map_path) if mec_map else None
        self._map_frames: deque[bytes] = deque()  # the rest of the MAP publication being compared
        self._map_time_ns: int | None = None

    def map_frame(self, generation_ns: int) -> bytes | None:
        """The next MAP frame of the publication at generation_ns (one frame per junction)."""
        if self.map_server is None:
            return None
        if not self._map_frames or self._map_time_ns != generation_ns:
            self._map_frames = deque(self.map_server.frames(generation_ns))
            self._map_time_ns = generation_ns
        return self._map_frames.popleft() if self._map_frames else None


def replay_bag(bag: Path, scenario_path: Path | None = None, tolerance: Tolerance | None = None,
               keep: int = 10) -> ReplayResult:
    """Replay a coop_drive bag; BagReadError when it is not one."""
    tol = tolerance or Tolerance()
    result = ReplayResult()
    config: dict[str, Any] = {}
    sc: Scenario | None = None
    cores: _Cores | None = None
    route = None
    plans_json: str | None = None
    own: tuple[float, float, float, float] | None = None
    world_s = 0.0
    for time_ns, _, _, topic, msg in _events(bag):
        if topic == "/run/config":
            config = json.loads(msg.data)
            sc = _scenario(config, scenario_path)
            continue
        if topic == "/run/route":
            route = route_from_msg(msg)
            continue
        if topic == "/run/signal_plans":
            plans_json = str(msg.data)
            continue
        if sc is None or route is None:
            raise BagReadError(f"{bag}: no /run/config and /run/route at the start: not a coop_drive run bag")
        if cores is None:
            cores = _Cores(sc, config, route, plans_json, ns_to_s(time_ns))
        t_s = ns_to_s(time_ns)
        if topic == "/vehicle/odom":
            own = odometry_from_msg(msg)
            world_s = own[0]
            cores.perception.on_own_pose(own[0], own[1], own[2])
        elif topic == "/vehicle/signal":
            if cores.planning.signals is not None:
                cores.planning.signals.on_camera(next_signal_from_json(str(msg.data)))
        elif topic == "/vehicle/detections":
            _, scan_s, dets = detections_from_msg(msg)
            cores.perception.on_detections(scan_s, dets)
        elif topic == "/mec/detections":
            _, scan_s, dets = detections_from_msg(msg)
            cores.mec.on_detections(scan_s, dets)
        elif topic == "/vehicle/v2x_in":
            cores.perception.on_v2x(frame_bytes(msg))
            cores.planning.on_v2x(frame_bytes(msg))
        elif topic == "/mec/v2x_in":
            if sc.mec_alive(world_s):  # a silent MEC takes nothing in
                cores.plans.on_uplink(frame_bytes(msg))
        elif topic == "/mec/v2x_out":
            _replay_mec_frame(cores, msg, time_ns, result, keep)
        elif topic == "/vehicle/speed_command" and own is not None:
            result.add(topic)
            decision = cores.planning.plan(own[1], own[2], own[3], cores.perception.picture(t_s))
            speed_mps = own[3] + decision.accel_mps2 * sc.step_s
            recorded = float(msg.twist.linear.x)
            if not math.isclose(speed_mps, recorded, rel_tol=0.0, abs_tol=tol.speed_mps):
                result.mismatch(f"t={t_s:.3f} s /vehicle/speed_command: replayed {speed_mps:.9f} m/s, "
                                f"recorded {recorded:.9f} m/s", keep)
        elif topic == "/vehicle/objects":
            result.add(topic)
            mine = object_rows_of(cores.perception.picture(t_s).fused)
            rec = object_rows(msg)
            if not _rows_close(mine, rec, tol.position_m):
                result.mismatch(f"t={t_s:.3f} s /vehicle/objects: replayed {_fmt(mine)}, recorded {_fmt(rec)}", keep)
    if cores is None:
        raise BagReadError(f"{bag}: no inputs to replay")
    return result


def _replay_mec_frame(cores: _Cores, msg: Any, time_ns: int, result: ReplayResult, keep: int) -> None:
    """One frame the MEC sent: the same frame from the replayed MEC side, compared byte for byte."""
    recorded = frame_bytes(msg)
    try:
        frame = decode_frame(recorded)
    except V2XDecodeError as exc:
        result.add("/mec/v2x_out")
        result.mismatch(f"t={ns_to_s(time_ns):.3f} s /mec/v2x_out: the recorded frame does not decode ({exc})", keep)
        return
    generation_s = ns_to_s(stamp_ns(msg.generation_stamp))
    kind = frame.message_type
    if kind is MessageType.RSM:
        mine: bytes | None = cores.mec.object_list_frame(generation_s)
    elif kind is MessageType.SPEED_PLAN:
        mine = cores.plans.speed_plan_frame(generation_s)
    elif kind is MessageType.MAP and cores.map_server is not None:
        mine = cores.map_frame(stamp_ns(msg.generation_stamp))
    elif kind is MessageType.SPAT and cores.spat is not None:
        mine = cores.spat.frame(generation_s)
        if cores.plans.planner is not None and cores.spat.last_spat is not None:
            cores.plans.planner.on_spat(cores.spat.last_spat)  # the MEC plans on its own SPaT
    else:
        return  # a kind this run's MEC does not send (a foreign or corrupted frame)
    name = kind.name
    result.add(f"/mec/v2x_out ({name})")
    if mine != recorded:
        size = "none" if mine is None else f"{len(mine)} bytes"
        result.mismatch(f"t={ns_to_s(time_ns):.3f} s /mec/v2x_out: replayed {name} frame ({size}) differs from the "
                        f"recorded one ({len(recorded)} bytes)", keep)


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
