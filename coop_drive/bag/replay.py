"""Replay regression: the harness fed from a bag — its recorded inputs through the car's and the MEC's sides
(``harness/sides.py``), their outputs compared with the recorded ones.

The car gets the recorded odometry, onboard scans, the camera's view of the next signal (signalised maps) and
the delivered V2X frames, and plans at every recorded speed command; the speed command and the fused objects are
compared with the bag's. The MEC gets the recorded roadside scans and the BSMs the uplink delivered, and publishes
at every frame it sent (object list, speed plan, SPaT from /run/signal_plans, MAP); these frames are compared byte
for byte. Messages are replayed in the step's order (``harness/order.py``: each topic belongs to one phase). Both
runtimes' bags replay the same way; in a ROS bag the MEC perception and planner nodes number their frames each on
their own.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coop_drive.bag.reader import BagReadError, read_messages
from coop_drive.bag.ros_messages import (
    detections_from_msg,
    frame_bytes,
    object_rows,
    odometry_from_msg,
    route_from_msg,
    stamp_ns,
)
from coop_drive.bag.signal_messages import plans_from_msg, signal_view_from_msg
from coop_drive.bag.topics import RUN_TOPIC_TYPES
from coop_drive.geometry import Polyline
from coop_drive.harness.order import DOWNLINK, Phase, Task
from coop_drive.harness.sides import EgoState, MecSide, VehicleSide
from coop_drive.hdmap.service import signal_map_service
from coop_drive.perception.fusion import FusionConfig
from coop_drive.scenario import Scenario, Split, load_scenario
from coop_drive.scenario.model import AutomationLevel, Fault, MapSource
from coop_drive.units import ns_to_s
from coop_drive.v2x.frame import V2XDecodeError, decode_frame
from coop_drive.world.traffic_lights import TimingPlan

REPO = Path(__file__).resolve().parents[2]
# Each recorded topic is an input or an output of one phase of the step (harness/order.py).
_PHASE = {"/vehicle/odom": Phase.WORLD, "/vehicle/signal": Phase.WORLD, "/vehicle/detections": Phase.SENSE,
          "/mec/detections": Phase.SENSE, "/mec/v2x_out": Phase.PUBLISH, "/vehicle/v2x_in": Phase.DELIVER,
          "/mec/v2x_in": Phase.DELIVER, "/vehicle/speed_command": Phase.PLAN, "/vehicle/objects": Phase.PLAN}
_SETUP = ("/run/config", "/run/route", "/run/signal_plans")
# The type each replayed topic must have (the signal topics: see _TYPED_SIGNALS)
_TYPES = {t: RUN_TOPIC_TYPES[t] for t in (*_PHASE, *_SETUP) if t not in ("/run/signal_plans", "/vehicle/signal")}
_TASK_OF = {task.message_type: task for task in DOWNLINK}


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
            scenario = load_scenario(path)
            recorded_name = str(config.get("scenario", scenario.name))
            if scenario.name != recorded_name:
                raise BagReadError(f"{path} is scenario {scenario.name!r}, but the bag recorded {recorded_name!r}; "
                                   "give the bag's own scenario file with --scenario")
            split = Split(str(config["split"])) if config.get("split") else None
            seed = int(config["seed"]) if "seed" in config else None
            level = AutomationLevel(config["automation_level"]) if "automation_level" in config else None
            faults = tuple(Fault.parse(f) for f in config["faults"]) if "faults" in config else None
            return scenario.with_overrides(
                split=split, seed=seed, level=level, faults=faults,
                map_source=MapSource(config["map"]) if "map" in config else None,
                glosa=bool(config["glosa"]) if "glosa" in config else None)
    raise BagReadError(f"scenario of the bag not found (tried {', '.join(str(c) for c in candidates)}); "
                       "give it with --scenario")


_TYPED_SIGNALS = ("/run/signal_plans", "/vehicle/signal")


def _events(bag: Path) -> Iterator[tuple[int, int, int, str, Any]]:
    items = []
    for seq, (topic, log_ns, msg) in enumerate(read_messages(bag, [*_PHASE, *_SETUP], _TYPES)):
        if topic in _TYPED_SIGNALS and hasattr(msg, "data"):  # std_msgs/String: JSON, before the typed messages
            raise BagReadError(f"{bag}: {topic} is JSON text (std_msgs/String), as coop_drive recorded it before "
                               "its typed signal messages; record the run again to replay it")
        if topic in _SETUP:
            items.append((-1, -1, seq, topic, msg))
            continue
        items.append((log_ns, int(_PHASE[topic]), seq, topic, msg))
    items.sort(key=lambda e: (e[0], e[1], e[2]))
    yield from items


class _Sides:
    """The car and the MEC (harness/sides.py), rebuilt as the bag's runtime built them."""

    def __init__(self, sc: Scenario, config: dict[str, Any], route: Polyline,
                 plans: dict[str, TimingPlan] | None, start_s: float) -> None:
        fusion = FusionConfig(max_age_s=float(config.get("max_v2x_age_s", sc.max_v2x_age_s)),
                              compensate_latency=bool(config.get("latency_compensation", True)))
        map_service = signal_map_service(sc.map_path)
        self.vehicle = VehicleSide(sc, route, map_service, start_s, fusion)
        self.mec: MecSide | None = None
        if sc.split.uses_v2x:
            if map_service is not None and plans is None:
                raise BagReadError("the bag of a run with V2X on a signalised map has no /run/signal_plans "
                                   "(recorded by an older coop_drive?): its SPaT cannot be replayed")
            # the ROS MEC perception and planner nodes number their frames each on their own
            self.mec = MecSide(sc, map_service, plans, numbered_per_node=config.get("runtime") == "ros")
        self._pending: deque[bytes] = deque()  # the rest of a publication being compared (MAP: one per junction)
        self._pending_key: tuple[Task, int] | None = None

    def mec_frame(self, task: Task, generation_ns: int) -> bytes | None:
        """The replayed MEC's next frame of the publication generated at generation_ns."""
        if self.mec is None:
            return None
        if not self._pending or self._pending_key != (task, generation_ns):
            sent = self.mec.publish(task, generation_ns, ns_to_s(generation_ns))
            self._pending = deque(p.frame for p in sent)
            self._pending_key = (task, generation_ns)
        return self._pending.popleft() if self._pending else None

    def sends(self, task: Task) -> bool:
        """Whether this run's MEC sends ``task``'s frames at all (SPaT: signalised maps; MAP: ``map: mec``)."""
        mec = self.mec
        if task is Task.SPAT:
            return mec is not None and mec.has_spat
        if task is Task.MAP:
            return mec is not None and mec.map_server is not None
        return True


def _config(bag: Path, text: str) -> dict[str, Any]:
    try:
        config = json.loads(text)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise BagReadError(f"{bag}: /run/config is not a coop_drive run configuration (a JSON object): "
                           f"{text[:60]!r}")
    return config


def replay_bag(bag: Path, scenario_path: Path | None = None, tolerance: Tolerance | None = None,
               keep: int = 10) -> ReplayResult:
    """Replay a coop_drive bag; BagReadError when it is not one."""
    tol = tolerance or Tolerance()
    result = ReplayResult()
    config: dict[str, Any] = {}
    sc: Scenario | None = None
    sides: _Sides | None = None
    route = None
    plans: dict[str, TimingPlan] | None = None
    own: EgoState | None = None
    for time_ns, _, _, topic, msg in _events(bag):
        if topic == "/run/config":
            config = _config(bag, str(msg.data))
            sc = _scenario(config, scenario_path)
            continue
        if topic == "/run/route":
            route = route_from_msg(msg)
            continue
        if topic == "/run/signal_plans":
            plans = plans_from_msg(msg)
            continue
        if sc is None or route is None:
            raise BagReadError(f"{bag}: no /run/config and /run/route at the start: not a coop_drive run bag")
        if sides is None:
            sides = _Sides(sc, config, route, plans, ns_to_s(time_ns))
        if topic in _COMPARED:
            _compare(sides, own, topic, msg, time_ns, result, tol, keep)
        else:
            own = _feed(sides, own, topic, msg)
    if sides is None:
        raise BagReadError(f"{bag}: no inputs to replay")
    return result


_COMPARED = ("/mec/v2x_out", "/vehicle/speed_command", "/vehicle/objects")


def _feed(sides: _Sides, own: EgoState | None, topic: str, msg: Any) -> EgoState | None:
    """One recorded input, to the side that took it; the car's newest own state."""
    vehicle, mec = sides.vehicle, sides.mec
    if topic == "/vehicle/odom":
        time_s, x_m, y_m, speed_mps = odometry_from_msg(msg)
        own = EgoState(time_s, x_m, y_m, speed_mps)
        vehicle.localise(own)
    elif topic == "/vehicle/signal":
        vehicle.see_signal(signal_view_from_msg(msg))
    elif topic == "/vehicle/detections":
        _, scan_s, dets = detections_from_msg(msg)
        vehicle.sense(scan_s, dets)
    elif topic == "/mec/detections" and mec is not None:
        _, scan_s, dets = detections_from_msg(msg)
        mec.sense(scan_s, dets)
    elif topic == "/vehicle/v2x_in":
        vehicle.receive(frame_bytes(msg))
    elif topic == "/mec/v2x_in" and mec is not None:
        mec.receive(0.0 if own is None else own.time_s, frame_bytes(msg))  # a silent MEC takes nothing in
    return own


def _compare(sides: _Sides, own: EgoState | None, topic: str, msg: Any, time_ns: int, result: ReplayResult,
             tol: Tolerance, keep: int) -> None:
    """One recorded output against the replayed side's."""
    t_s = ns_to_s(time_ns)
    if topic == "/mec/v2x_out":
        _replay_mec_frame(sides, msg, time_ns, result, keep)
    elif topic == "/vehicle/speed_command" and own is not None:
        result.add(topic)
        speed_mps = sides.vehicle.plan(t_s, own).speed_command_mps
        recorded = float(msg.twist.linear.x)
        if not math.isclose(speed_mps, recorded, rel_tol=0.0, abs_tol=tol.speed_mps):
            result.mismatch(f"t={t_s:.3f} s /vehicle/speed_command: replayed {speed_mps:.9f} m/s, "
                            f"recorded {recorded:.9f} m/s", keep)
    elif topic == "/vehicle/objects":
        result.add(topic)
        mine = object_rows_of(sides.vehicle.perception.picture(t_s).fused)
        rec = object_rows(msg)
        if not _rows_close(mine, rec, tol.position_m):
            result.mismatch(f"t={t_s:.3f} s /vehicle/objects: replayed {_fmt(mine)}, recorded {_fmt(rec)}", keep)


def _replay_mec_frame(sides: _Sides, msg: Any, time_ns: int, result: ReplayResult, keep: int) -> None:
    """One frame the MEC sent: the same frame from the replayed MEC side, compared byte for byte."""
    recorded = frame_bytes(msg)
    try:
        frame = decode_frame(recorded)
    except V2XDecodeError as exc:
        result.add("/mec/v2x_out")
        result.mismatch(f"t={ns_to_s(time_ns):.3f} s /mec/v2x_out: the recorded frame does not decode ({exc})", keep)
        return
    task = _TASK_OF.get(frame.message_type)
    if task is None or not sides.sends(task):
        return  # a kind this run's MEC does not send (a foreign or corrupted frame)
    mine = sides.mec_frame(task, stamp_ns(msg.generation_stamp))
    name = frame.message_type.name
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
