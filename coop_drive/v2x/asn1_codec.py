"""UPER encoding of the V2X message set (coop_drive/v2x/asn/CoopDriveV2X.asn) through asn1tools.

Every conversion between the SI dataclasses of ``messages.py`` and the ASN.1 integers happens here, through
one table of quantities (``_Q``): scale, range and whether a value saturates or is an error when it does
not fit. asn1tools does not check value constraints when encoding (an out-of-range integer silently
becomes other bits), so every value is checked here first: a value that does not fit raises ValueError
naming the message, field and encodable range. Standard deviations and the BSM position accuracy saturate
at their maximum (meaning "at least this", like ETSI's outOfRange confidences). Anything the decoder cannot
parse raises V2XDecodeError.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asn1tools

from coop_drive.units import kmh_to_mps, mps_to_kmh, sumo_angle_deg_to_yaw_rad, yaw_rad_to_sumo_angle_deg
from coop_drive.v2x.frame import MessageType, V2XDecodeError
from coop_drive.v2x.messages import (
    Bsm,
    IntersectionState,
    LaneConnection,
    LaneRole,
    MapLane,
    MapMessage,
    MovementPhaseState,
    MovementState,
    RoadSideEvent,
    Rsi,
    Rsm,
    RsmObject,
    Spat,
    SpeedPlan,
    SpeedPlanPoint,
    TripRegistration,
    V2XMessage,
)

ASN_PATH = Path(__file__).parent / "asn" / "CoopDriveV2X.asn"
ASN_TYPE = {MessageType.BSM: "BSM", MessageType.SPAT: "SPAT", MessageType.MAP: "MAP", MessageType.RSM: "RSM",
            MessageType.RSI: "RSI", MessageType.SPEED_PLAN: "SpeedPlan",
            MessageType.TRIP_REGISTRATION: "TripRegistration"}

_T = TypeVar("_T")


@functools.cache
def specification() -> Any:
    """The compiled ASN.1 module (UPER), compiled once per process."""
    return asn1tools.compile_files(str(ASN_PATH), codec="uper")


@dataclass(frozen=True)
class _Quantity:
    """An SI quantity carried as an integer: raw = round(value * per_si), raw in [lo, hi]."""

    unit: str
    per_si: float
    lo: int
    hi: int
    saturate: bool = False  # clip into [lo, hi] instead of raising

    def to_raw(self, where: str, value: float) -> int:
        if not math.isfinite(value):
            raise ValueError(f"{where}: expected a finite number, got {value}")
        raw = round(value * self.per_si)
        if self.saturate:
            return min(max(raw, self.lo), self.hi)
        if not self.lo <= raw <= self.hi:
            raise ValueError(f"{where}: {value:g} {self.unit} is outside the encodable range "
                             f"[{self.lo / self.per_si:g}, {self.hi / self.per_si:g}] {self.unit}".rstrip())
        return raw

    def to_si(self, raw: int) -> float:
        return raw / self.per_si


_DEG_PER_RAD = math.degrees(1.0)


class _Q:
    """Every quantity of the message set, ASN.1 units in the comments."""

    POSITION = _Quantity("m", 100, -10_000_000, 10_000_000)  # cm, map frame
    OFFSET = _Quantity("m", 100, -132_768, 132_767)  # cm from a reference position
    NODE_STEP = _Quantity("m", 100, -32_768, 32_767)  # cm from the previous lane node
    POS_ACCURACY = _Quantity("m", 100, 0, 255, saturate=True)  # cm
    SPEED = _Quantity("m/s", 50, 0, 8190)  # 0.02 m/s (8191 = unavailable)
    SPEED_CMS = _Quantity("m/s", 100, 0, 16_383)  # cm/s
    VELOCITY = _Quantity("m/s", 100, -16_383, 16_383)  # cm/s
    ACCEL = _Quantity("m/s^2", 100, -2000, 2000, saturate=True)  # 0.01 m/s^2, J2735: saturates at +-20 m/s^2
    YAW_RATE = _Quantity("rad/s", 100 * _DEG_PER_RAD, -32_767, 32_767)  # 0.01 deg/s
    VEHICLE_WIDTH = _Quantity("m", 100, 0, 1023)  # cm
    VEHICLE_LENGTH = _Quantity("m", 100, 0, 4095)  # cm
    LANE_WIDTH = _Quantity("m", 100, 0, 32_767)  # cm
    OBJECT_SIZE = _Quantity("m", 10, 0, 1023)  # dm
    STD_POSITION = _Quantity("m", 1000, 0, 16_383, saturate=True)  # mm
    STD_VELOCITY = _Quantity("m/s", 1000, 0, 16_383, saturate=True)  # mm/s
    PROBABILITY = _Quantity("", 100, 0, 100)  # %
    TIME = _Quantity("s", 1000, 0, 4_398_046_511_103)  # ms since the simulation epoch
    AGE = _Quantity("s", 1000, -32_768, 32_767)  # ms before the message time
    END_OFFSET = _Quantity("s", 10, 0, 36_000)  # 0.1 s after the SPAT time (36001 = unknown)
    RADIUS = _Quantity("m", 10, 0, 65_535)  # 0.1 m
    VALIDITY_S = _Quantity("s", 1, 0, 86_400)  # s
    VALIDITY_MS = _Quantity("s", 1000, 0, 65_535)  # ms
    PLAN_OFFSET = _Quantity("s", 1000, 0, 65_535)  # ms
    SET_SPEED = _Quantity("km/h", 100, 0, 25_000)  # 0.01 km/h (a set speed, stated in km/h)
    LIMIT = _Quantity("m/s^2", 100, 0, 2000)  # 0.01 m/s^2, a magnitude
    ROUTE_STEP = _Quantity("m", 100, -1_048_575, 1_048_575)  # cm from the previous route point


HEADING_PER_DEG = 80  # J2735 Heading: 0.0125 deg
HEADING_UNAVAILABLE = 28_800
END_UNKNOWN = 36_001
MS_PER_MINUTE = 60_000


def _int(where: str, value: int, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{where}: expected an integer in [{lo}, {hi}], got {value!r}")
    return value


def _heading_to_raw(where: str, yaw_rad: float) -> int:
    if not math.isfinite(yaw_rad):
        raise ValueError(f"{where}: expected a finite angle, got {yaw_rad}")
    return round(yaw_rad_to_sumo_angle_deg(yaw_rad) * HEADING_PER_DEG) % HEADING_UNAVAILABLE


def _heading_to_si(raw: int) -> float:
    if raw == HEADING_UNAVAILABLE:
        raise V2XDecodeError("heading unavailable where one is required")
    return sumo_angle_deg_to_yaw_rad(raw / HEADING_PER_DEG)


def _xy(where: str, q: _Quantity, x_m: float, y_m: float) -> dict[str, int]:
    return {"x": q.to_raw(f"{where}.x_m", x_m), "y": q.to_raw(f"{where}.y_m", y_m)}


def _encode(type_name: str, value: dict[str, Any]) -> bytes:
    return bytes(specification().encode(type_name, value))


def _decode(type_name: str, data: bytes, convert: Callable[[dict[str, Any]], _T]) -> _T:
    """UPER bytes -> message; anything that does not parse or convert raises V2XDecodeError."""
    try:
        return convert(specification().decode(type_name, data))
    except V2XDecodeError:
        raise
    except (asn1tools.Error, ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
        raise V2XDecodeError(f"{type_name}: cannot decode: {exc}") from exc


# ------------------------------------------------------------------------------------------------ BSM

def encode_bsm(m: Bsm) -> bytes:
    w = "Bsm"
    time_ms = _Q.TIME.to_raw(f"{w}.time_s", m.time_s)
    return _encode("BSM", {
        "msgCnt": _int(f"{w}.msg_count", m.msg_count, 0, 127),
        "id": _int(f"{w}.vehicle_id", m.vehicle_id, 0, 2**32 - 1),
        "secMark": time_ms % MS_PER_MINUTE,
        "pos": _xy(w, _Q.POSITION, m.x_m, m.y_m),
        "posAccuracy": _Q.POS_ACCURACY.to_raw(f"{w}.position_std_m", m.position_std_m),
        "speed": _Q.SPEED.to_raw(f"{w}.speed_mps", m.speed_mps),
        "heading": _heading_to_raw(f"{w}.yaw_rad", m.yaw_rad),
        "accelLong": _Q.ACCEL.to_raw(f"{w}.accel_long_mps2", m.accel_long_mps2),
        "accelLat": _Q.ACCEL.to_raw(f"{w}.accel_lat_mps2", m.accel_lat_mps2),
        "yawRate": _Q.YAW_RATE.to_raw(f"{w}.yaw_rate_radps", m.yaw_rate_radps),
        "size": {"width": _Q.VEHICLE_WIDTH.to_raw(f"{w}.width_m", m.width_m),
                 "length": _Q.VEHICLE_LENGTH.to_raw(f"{w}.length_m", m.length_m)},
    })


def resolve_sec_mark_s(sec_mark_ms: int, reference_time_s: float) -> float:
    """J2735 secMark (ms within the minute) -> the absolute time [s] nearest reference_time_s."""
    if not 0 <= sec_mark_ms < MS_PER_MINUTE:
        raise V2XDecodeError(f"secMark {sec_mark_ms} is reserved (>= 60000)")
    ref_ms = round(reference_time_s * 1000)
    t_ms = ref_ms - ref_ms % MS_PER_MINUTE + sec_mark_ms
    if t_ms - ref_ms > MS_PER_MINUTE // 2:
        t_ms -= MS_PER_MINUTE
    elif ref_ms - t_ms > MS_PER_MINUTE // 2:
        t_ms += MS_PER_MINUTE
    return t_ms / 1000


def decode_bsm(data: bytes, reference_time_s: float) -> Bsm:
    """A BSM; its secMark is resolved to the absolute time nearest reference_time_s (the frame's
    generation time), as a J2735 receiver does with its own clock."""
    def convert(v: dict[str, Any]) -> Bsm:
        if v["speed"] == 8191 or 2001 in (v["accelLong"], v["accelLat"]):
            raise V2XDecodeError("BSM: speed or acceleration unavailable")
        return Bsm(
            msg_count=v["msgCnt"], vehicle_id=v["id"],
            time_s=resolve_sec_mark_s(v["secMark"], reference_time_s),
            x_m=_Q.POSITION.to_si(v["pos"]["x"]), y_m=_Q.POSITION.to_si(v["pos"]["y"]),
            speed_mps=_Q.SPEED.to_si(v["speed"]), yaw_rad=_heading_to_si(v["heading"]),
            accel_long_mps2=_Q.ACCEL.to_si(v["accelLong"]), accel_lat_mps2=_Q.ACCEL.to_si(v["accelLat"]),
            yaw_rate_radps=_Q.YAW_RATE.to_si(v["yawRate"]),
            length_m=_Q.VEHICLE_LENGTH.to_si(v["size"]["length"]),
            width_m=_Q.VEHICLE_WIDTH.to_si(v["size"]["width"]),
            position_std_m=_Q.POS_ACCURACY.to_si(v["posAccuracy"]),
        )
    return _decode("BSM", data, convert)


# ------------------------------------------------------------------------------------------------ SPAT

_PHASE_NAMES = {
    MovementPhaseState.UNAVAILABLE: "unavailable", MovementPhaseState.DARK: "dark",
    MovementPhaseState.STOP_THEN_PROCEED: "stop-Then-Proceed", MovementPhaseState.STOP_AND_REMAIN: "stop-And-Remain",
    MovementPhaseState.PRE_MOVEMENT: "pre-Movement",
    MovementPhaseState.PERMISSIVE_MOVEMENT_ALLOWED: "permissive-Movement-Allowed",
    MovementPhaseState.PROTECTED_MOVEMENT_ALLOWED: "protected-Movement-Allowed",
    MovementPhaseState.PERMISSIVE_CLEARANCE: "permissive-clearance",
    MovementPhaseState.PROTECTED_CLEARANCE: "protected-clearance",
    MovementPhaseState.CAUTION_CONFLICTING_TRAFFIC: "caution-Conflicting-Traffic",
}
_PHASE_BY_NAME = {name: state for state, name in _PHASE_NAMES.items()}


def _end_offset(where: str, end_s: float | None, time_s: float) -> int:
    return END_UNKNOWN if end_s is None else _Q.END_OFFSET.to_raw(where + " (after the SPAT time)", end_s - time_s)


def _end_time(raw: int, time_s: float) -> float | None:
    return None if raw == END_UNKNOWN else time_s + _Q.END_OFFSET.to_si(raw)


def encode_spat(m: Spat) -> bytes:
    intersections = []
    for i, inter in enumerate(m.intersections):
        w = f"Spat.intersections[{i}]"
        states = []
        for j, mv in enumerate(inter.movements):
            wm = f"{w}.movements[{j}]"
            states.append({
                "signalGroup": _int(f"{wm}.signal_group", mv.signal_group, 0, 255),
                "state": _PHASE_NAMES[MovementPhaseState(mv.state)],
                "minEndTime": _end_offset(f"{wm}.min_end_time_s", mv.min_end_time_s, m.time_s),
                "maxEndTime": _end_offset(f"{wm}.max_end_time_s", mv.max_end_time_s, m.time_s),
                "likelyEndTime": _end_offset(f"{wm}.likely_end_time_s", mv.likely_end_time_s, m.time_s),
                "confidence": _Q.PROBABILITY.to_raw(f"{wm}.confidence", mv.confidence),
            })
        if not 1 <= len(states) <= 255:
            raise ValueError(f"{w}.movements: expected 1..255 signal groups, got {len(states)}")
        intersections.append({"id": _int(f"{w}.intersection_id", inter.intersection_id, 0, 65535),
                              "status": (b"\x00\x00", 16), "states": states})
    if not 1 <= len(intersections) <= 32:
        raise ValueError(f"Spat.intersections: expected 1..32 intersections, got {len(intersections)}")
    return _encode("SPAT", {"msgCnt": _int("Spat.msg_count", m.msg_count, 0, 127),
                            "timeStamp": _Q.TIME.to_raw("Spat.time_s", m.time_s), "intersections": intersections})


def decode_spat(data: bytes) -> Spat:
    def convert(v: dict[str, Any]) -> Spat:
        time_s = _Q.TIME.to_si(v["timeStamp"])
        return Spat(v["msgCnt"], time_s, tuple(
            IntersectionState(inter["id"], tuple(
                MovementState(s["signalGroup"], _PHASE_BY_NAME[s["state"]], _end_time(s["minEndTime"], time_s),
                              _end_time(s["maxEndTime"], time_s), _end_time(s["likelyEndTime"], time_s),
                              _Q.PROBABILITY.to_si(s["confidence"]))
                for s in inter["states"]))
            for inter in v["intersections"]))
    return _decode("SPAT", data, convert)


# ------------------------------------------------------------------------------------------------ MAP

_ROLE_NAMES = {LaneRole.INGRESS: "ingress", LaneRole.EGRESS: "egress", LaneRole.CONNECTING: "connecting"}
_ROLE_BY_NAME = {name: role for role, name in _ROLE_NAMES.items()}
SPEED_UNAVAILABLE = 8191


def _wire_order(role: LaneRole, nodes: Sequence[_T]) -> list[_T]:
    """Driving direction <-> J2735 node order (from the intersection outward: an ingress lane reversed)."""
    return list(reversed(nodes)) if role is LaneRole.INGRESS else list(nodes)


def _map_nodes(w: str, lane: MapLane, role: LaneRole, ref_cm: tuple[int, int]) -> list[dict[str, int]]:
    if not 2 <= len(lane.nodes_xy_m) <= 63:
        raise ValueError(f"{w}.nodes_xy_m: expected 2..63 nodes, got {len(lane.nodes_xy_m)}")
    nodes: list[dict[str, int]] = []
    prev, step = ref_cm, _Q.NODE_STEP
    for j, (x_m, y_m) in _wire_order(role, list(enumerate(lane.nodes_xy_m))):
        # Steps between quantised absolute positions: rounding errors do not accumulate along the lane.
        here = (_Q.POSITION.to_raw(f"{w}.nodes_xy_m[{j}]", x_m), _Q.POSITION.to_raw(f"{w}.nodes_xy_m[{j}]", y_m))
        dx, dy = here[0] - prev[0], here[1] - prev[1]
        if not (step.lo <= dx <= step.hi and step.lo <= dy <= step.hi):
            previous = "previous node" if nodes else "reference point"
            raise ValueError(f"{w}.nodes_xy_m[{j}]: step ({dx / 100:g}, {dy / 100:g}) m from the {previous} "
                             f"is outside the encodable range [{step.lo / 100:g}, {step.hi / 100:g}] m")
        nodes.append({"dx": dx, "dy": dy})
        prev = here
    return nodes


def _map_connections(w: str, lane: MapLane) -> list[dict[str, int]]:
    if len(lane.connections) > 16:
        raise ValueError(f"{w}.connections: expected at most 16, got {len(lane.connections)}")
    connections = []
    for k, c in enumerate(lane.connections):
        conn: dict[str, int] = {"connectingLane": _int(f"{w}.connections[{k}].connecting_lane_id",
                                                       c.connecting_lane_id, 0, 255)}
        if c.signal_group is not None:
            conn["signalGroup"] = _int(f"{w}.connections[{k}].signal_group", c.signal_group, 0, 255)
        connections.append(conn)
    return connections


def _map_lane(w: str, lane: MapLane, ref_cm: tuple[int, int]) -> dict[str, Any]:
    try:
        role = LaneRole(lane.role)
    except ValueError:
        raise ValueError(f"{w}.role: expected a LaneRole, got {lane.role!r}") from None
    lane_v: dict[str, Any] = {
        "laneId": _int(f"{w}.lane_id", lane.lane_id, 0, 255),
        "role": _ROLE_NAMES[role],
        "roadId": _int(f"{w}.road_id", lane.road_id, 0, 65535),
        "roadLaneId": _int(f"{w}.road_lane_id", lane.road_lane_id, -128, 127),
        "laneWidth": _Q.LANE_WIDTH.to_raw(f"{w}.width_m", lane.width_m),
        "nodes": _map_nodes(w, lane, role, ref_cm), "connectsTo": _map_connections(w, lane),
        "speedLimit": SPEED_UNAVAILABLE if lane.speed_limit_mps is None
        else _Q.SPEED.to_raw(f"{w}.speed_limit_mps", lane.speed_limit_mps),
    }
    if lane.stop_line_xy_m is not None:
        lane_v["stopLine"] = _xy(f"{w}.stop_line_xy_m (from ref_xy_m)", _Q.OFFSET,
                                 lane.stop_line_xy_m[0] - ref_cm[0] / 100, lane.stop_line_xy_m[1] - ref_cm[1] / 100)
    return lane_v


def encode_map(m: MapMessage) -> bytes:
    ref_cm = (_Q.POSITION.to_raw("MapMessage.ref_xy_m[0]", m.ref_xy_m[0]),
              _Q.POSITION.to_raw("MapMessage.ref_xy_m[1]", m.ref_xy_m[1]))
    lanes = [_map_lane(f"MapMessage.lanes[{i}]", lane, ref_cm) for i, lane in enumerate(m.lanes)]
    if not 1 <= len(lanes) <= 255:
        raise ValueError(f"MapMessage.lanes: expected 1..255 lanes, got {len(lanes)}")
    return _encode("MAP", {
        "msgCnt": _int("MapMessage.msg_count", m.msg_count, 0, 127),
        "timeStamp": _Q.TIME.to_raw("MapMessage.time_s", m.time_s),
        "intersectionId": _int("MapMessage.intersection_id", m.intersection_id, 0, 65535),
        "refPoint": {"x": ref_cm[0], "y": ref_cm[1]}, "lanes": lanes,
    })


def _decoded_lane(lane: dict[str, Any], ref_x: int, ref_y: int) -> MapLane:
    role = _ROLE_BY_NAME[lane["role"]]
    x, y, nodes = ref_x, ref_y, []
    for n in lane["nodes"]:
        x, y = x + n["dx"], y + n["dy"]
        nodes.append((x / 100, y / 100))
    stop = lane.get("stopLine")
    return MapLane(
        lane["laneId"], _Q.LANE_WIDTH.to_si(lane["laneWidth"]), tuple(_wire_order(role, nodes)),
        None if stop is None else ((ref_x + stop["x"]) / 100, (ref_y + stop["y"]) / 100),
        tuple(LaneConnection(c["connectingLane"], c.get("signalGroup")) for c in lane["connectsTo"]),
        None if lane["speedLimit"] == SPEED_UNAVAILABLE else _Q.SPEED.to_si(lane["speedLimit"]),
        role, lane["roadId"], lane["roadLaneId"])


def decode_map(data: bytes) -> MapMessage:
    def convert(v: dict[str, Any]) -> MapMessage:
        ref_x, ref_y = v["refPoint"]["x"], v["refPoint"]["y"]
        return MapMessage(v["msgCnt"], _Q.TIME.to_si(v["timeStamp"]), v["intersectionId"],
                          (ref_x / 100, ref_y / 100), tuple(_decoded_lane(lane, ref_x, ref_y) for lane in v["lanes"]))
    return _decode("MAP", data, convert)


# ------------------------------------------------------------------------------------------------ RSM

def encode_rsm(m: Rsm) -> bytes:
    ref = _xy("Rsm.ref_xy_m", _Q.POSITION, *m.ref_xy_m)
    ref_x_m, ref_y_m = ref["x"] / 100, ref["y"] / 100
    if len(m.objects) > 255:
        raise ValueError(f"Rsm.objects: expected at most 255 objects, got {len(m.objects)}")
    objects = []
    for i, o in enumerate(m.objects):
        w = f"Rsm.objects[{i}]"
        obj: dict[str, Any] = {
            "objectId": _int(f"{w}.object_id", o.object_id, 0, 2**32 - 1),
            "objectType": _int(f"{w}.object_type", o.object_type, 0, 15),
            "existence": _Q.PROBABILITY.to_raw(f"{w}.existence_probability", o.existence_probability),
            "pos": {"x": _Q.OFFSET.to_raw(f"{w}.x_m (from ref_xy_m)", o.x_m - ref_x_m),
                    "y": _Q.OFFSET.to_raw(f"{w}.y_m (from ref_xy_m)", o.y_m - ref_y_m)},
            "velX": _Q.VELOCITY.to_raw(f"{w}.vx_mps", o.vx_mps),
            "velY": _Q.VELOCITY.to_raw(f"{w}.vy_mps", o.vy_mps),
            "length": _Q.OBJECT_SIZE.to_raw(f"{w}.length_m", o.length_m),
            "width": _Q.OBJECT_SIZE.to_raw(f"{w}.width_m", o.width_m),
            "stdX": _Q.STD_POSITION.to_raw(f"{w}.std_x_m", o.std_x_m),
            "stdY": _Q.STD_POSITION.to_raw(f"{w}.std_y_m", o.std_y_m),
            "stdVelX": _Q.STD_VELOCITY.to_raw(f"{w}.std_vx_mps", o.std_vx_mps),
            "stdVelY": _Q.STD_VELOCITY.to_raw(f"{w}.std_vy_mps", o.std_vy_mps),
            "age": _Q.AGE.to_raw(f"{w}.stamp_s (age before time_s)", m.time_s - o.stamp_s),
        }
        if o.yaw_rad is not None:
            obj["heading"] = _heading_to_raw(f"{w}.yaw_rad", o.yaw_rad)
        objects.append(obj)
    return _encode("RSM", {
        "msgCnt": _int("Rsm.msg_count", m.msg_count, 0, 127),
        "id": _int("Rsm.station_id", m.station_id, 0, 2**32 - 1),
        "timeStamp": _Q.TIME.to_raw("Rsm.time_s", m.time_s), "refPos": ref, "objects": objects,
    })


def decode_rsm(data: bytes) -> Rsm:
    def convert(v: dict[str, Any]) -> Rsm:
        time_s = _Q.TIME.to_si(v["timeStamp"])
        ref_x, ref_y = v["refPos"]["x"], v["refPos"]["y"]
        objects = tuple(RsmObject(
            object_id=o["objectId"], object_type=o["objectType"],
            existence_probability=_Q.PROBABILITY.to_si(o["existence"]),
            x_m=(ref_x + o["pos"]["x"]) / 100, y_m=(ref_y + o["pos"]["y"]) / 100,
            vx_mps=_Q.VELOCITY.to_si(o["velX"]), vy_mps=_Q.VELOCITY.to_si(o["velY"]),
            yaw_rad=None if o.get("heading", HEADING_UNAVAILABLE) == HEADING_UNAVAILABLE
            else _heading_to_si(o["heading"]),
            length_m=_Q.OBJECT_SIZE.to_si(o["length"]), width_m=_Q.OBJECT_SIZE.to_si(o["width"]),
            std_x_m=_Q.STD_POSITION.to_si(o["stdX"]), std_y_m=_Q.STD_POSITION.to_si(o["stdY"]),
            std_vx_mps=_Q.STD_VELOCITY.to_si(o["stdVelX"]), std_vy_mps=_Q.STD_VELOCITY.to_si(o["stdVelY"]),
            stamp_s=time_s - _Q.AGE.to_si(o["age"]),
        ) for o in v["objects"])
        return Rsm(v["msgCnt"], v["id"], time_s, (ref_x / 100, ref_y / 100), objects)
    return _decode("RSM", data, convert)


# ------------------------------------------------------------------------------------------------ RSI

def encode_rsi(m: Rsi) -> bytes:
    ref = _xy("Rsi.ref_xy_m", _Q.POSITION, *m.ref_xy_m)
    ref_x_m, ref_y_m = ref["x"] / 100, ref["y"] / 100
    if not 1 <= len(m.events) <= 16:
        raise ValueError(f"Rsi.events: expected 1..16 events, got {len(m.events)}")
    events = []
    for i, e in enumerate(m.events):
        w = f"Rsi.events[{i}]"
        ev: dict[str, Any] = {
            "eventId": _int(f"{w}.event_id", e.event_id, 0, 255),
            "eventType": _int(f"{w}.event_type", int(e.event_type), 0, 255),
            "pos": {"x": _Q.OFFSET.to_raw(f"{w}.x_m (from ref_xy_m)", e.x_m - ref_x_m),
                    "y": _Q.OFFSET.to_raw(f"{w}.y_m (from ref_xy_m)", e.y_m - ref_y_m)},
            "radius": _Q.RADIUS.to_raw(f"{w}.radius_m", e.radius_m),
            "detectionTime": _Q.TIME.to_raw(f"{w}.detection_time_s", e.detection_time_s),
            "validity": _Q.VALIDITY_S.to_raw(f"{w}.validity_s", e.validity_s),
            "priority": _int(f"{w}.priority", e.priority, 0, 7),
        }
        if e.description_code is not None:
            ev["description"] = _int(f"{w}.description_code", e.description_code, 0, 255)
        events.append(ev)
    return _encode("RSI", {
        "msgCnt": _int("Rsi.msg_count", m.msg_count, 0, 127),
        "id": _int("Rsi.station_id", m.station_id, 0, 2**32 - 1),
        "timeStamp": _Q.TIME.to_raw("Rsi.time_s", m.time_s), "refPos": ref, "events": events,
    })


def decode_rsi(data: bytes) -> Rsi:
    def convert(v: dict[str, Any]) -> Rsi:
        ref_x, ref_y = v["refPos"]["x"], v["refPos"]["y"]
        return Rsi(v["msgCnt"], v["id"], _Q.TIME.to_si(v["timeStamp"]), (ref_x / 100, ref_y / 100), tuple(
            RoadSideEvent(e["eventId"], e["eventType"], e.get("description"),
                          (ref_x + e["pos"]["x"]) / 100, (ref_y + e["pos"]["y"]) / 100,
                          _Q.RADIUS.to_si(e["radius"]), _Q.TIME.to_si(e["detectionTime"]),
                          _Q.VALIDITY_S.to_si(e["validity"]), e["priority"])
            for e in v["events"]))
    return _decode("RSI", data, convert)


# ------------------------------------------------------------------------------------------------ SpeedPlan

def encode_speed_plan(m: SpeedPlan) -> bytes:
    if not 1 <= len(m.points) <= 64:
        raise ValueError(f"SpeedPlan.points: expected 1..64 points, got {len(m.points)}")
    return _encode("SpeedPlan", {
        "msgCnt": _int("SpeedPlan.msg_count", m.msg_count, 0, 127),
        "id": _int("SpeedPlan.planner_id", m.planner_id, 0, 2**32 - 1),
        "targetId": _int("SpeedPlan.target_vehicle_id", m.target_vehicle_id, 0, 2**32 - 1),
        "timeStamp": _Q.TIME.to_raw("SpeedPlan.time_s", m.time_s),
        "validity": _Q.VALIDITY_MS.to_raw("SpeedPlan.validity_s", m.validity_s),
        "points": [{"timeOffset": _Q.PLAN_OFFSET.to_raw(f"SpeedPlan.points[{i}].time_offset_s", p.time_offset_s),
                    "speed": _Q.SPEED_CMS.to_raw(f"SpeedPlan.points[{i}].speed_mps", p.speed_mps)}
                   for i, p in enumerate(m.points)],
    })


def decode_speed_plan(data: bytes) -> SpeedPlan:
    def convert(v: dict[str, Any]) -> SpeedPlan:
        return SpeedPlan(v["msgCnt"], v["id"], v["targetId"], _Q.TIME.to_si(v["timeStamp"]),
                         _Q.VALIDITY_MS.to_si(v["validity"]), tuple(
                             SpeedPlanPoint(_Q.PLAN_OFFSET.to_si(p["timeOffset"]), _Q.SPEED_CMS.to_si(p["speed"]))
                             for p in v["points"]))
    return _decode("SpeedPlan", data, convert)


# ------------------------------------------------------------------------------------------------ TripRegistration
# The route's points are quantised to cm as absolute positions and carried as steps between them, so rounding
# errors do not accumulate; a polyline whose points are whole cm (SUMO's lane shapes are) and a set speed in whole
# 0.01 km/h come back bit for bit.

EDGE_ID_MAX_CHARS = 64


def _route_edges(edges: Sequence[str]) -> list[str]:
    w = "TripRegistration.route_edges"
    if not 1 <= len(edges) <= 64:
        raise ValueError(f"{w}: expected 1..64 edges, got {len(edges)}")
    for i, edge in enumerate(edges):
        if not isinstance(edge, str) or not 1 <= len(edge) <= EDGE_ID_MAX_CHARS or not edge.isascii():
            raise ValueError(f"{w}[{i}]: expected 1..{EDGE_ID_MAX_CHARS} ASCII characters, got {edge!r}")
    return list(edges)


def _route_steps(points: Sequence[tuple[float, float]]) -> tuple[dict[str, int], list[dict[str, int]]]:
    """The first point [cm] and the steps [cm] to each next one."""
    w = "TripRegistration.route_xy_m"
    if not 2 <= len(points) <= 1024:
        raise ValueError(f"{w}: expected 2..1024 points, got {len(points)}")
    cm = [(_Q.POSITION.to_raw(f"{w}[{j}].x_m", x_m), _Q.POSITION.to_raw(f"{w}[{j}].y_m", y_m))
          for j, (x_m, y_m) in enumerate(points)]
    steps, lo, hi = [], _Q.ROUTE_STEP.lo, _Q.ROUTE_STEP.hi
    for j in range(1, len(cm)):
        dx, dy = cm[j][0] - cm[j - 1][0], cm[j][1] - cm[j - 1][1]
        if not (lo <= dx <= hi and lo <= dy <= hi):
            raise ValueError(f"{w}[{j}]: step ({dx / 100:g}, {dy / 100:g}) m from the previous point is outside "
                             f"the encodable range [{lo / 100:g}, {hi / 100:g}] m")
        steps.append({"dx": dx, "dy": dy})
    return {"x": cm[0][0], "y": cm[0][1]}, steps


def encode_trip_registration(m: TripRegistration) -> bytes:
    w = "TripRegistration"
    ref, steps = _route_steps(m.route_xy_m)
    return _encode("TripRegistration", {
        "msgCnt": _int(f"{w}.msg_count", m.msg_count, 0, 127),
        "id": _int(f"{w}.vehicle_id", m.vehicle_id, 0, 2**32 - 1),
        "timeStamp": _Q.TIME.to_raw(f"{w}.time_s", m.time_s),
        "desiredSpeed": _Q.SET_SPEED.to_raw(f"{w}.desired_speed_mps (in km/h)",
                                            mps_to_kmh(m.desired_speed_mps)),
        "limits": {"maxAccel": _Q.LIMIT.to_raw(f"{w}.max_accel_mps2", m.max_accel_mps2),
                   "comfortDecel": _Q.LIMIT.to_raw(f"{w}.comfort_decel_mps2", m.comfort_decel_mps2),
                   "maxDecel": _Q.LIMIT.to_raw(f"{w}.max_decel_mps2", m.max_decel_mps2)},
        "edges": _route_edges(m.route_edges), "refPoint": ref, "steps": steps,
    })


def decode_trip_registration(data: bytes) -> TripRegistration:
    def convert(v: dict[str, Any]) -> TripRegistration:
        x, y = v["refPoint"]["x"], v["refPoint"]["y"]
        points = [(x / 100, y / 100)]
        for step in v["steps"]:
            x, y = x + step["dx"], y + step["dy"]
            points.append((x / 100, y / 100))
        limits = v["limits"]
        return TripRegistration(
            v["msgCnt"], v["id"], _Q.TIME.to_si(v["timeStamp"]), tuple(str(e) for e in v["edges"]), tuple(points),
            kmh_to_mps(_Q.SET_SPEED.to_si(v["desiredSpeed"])), _Q.LIMIT.to_si(limits["maxAccel"]),
            _Q.LIMIT.to_si(limits["comfortDecel"]), _Q.LIMIT.to_si(limits["maxDecel"]))
    return _decode("TripRegistration", data, convert)


# ------------------------------------------------------------------------------------------------ any message

def message_type_of(message: V2XMessage) -> MessageType:
    """The frame's message type for a message."""
    types: dict[type, MessageType] = {Bsm: MessageType.BSM, Spat: MessageType.SPAT, MapMessage: MessageType.MAP,
                                      Rsm: MessageType.RSM, Rsi: MessageType.RSI, SpeedPlan: MessageType.SPEED_PLAN,
                                      TripRegistration: MessageType.TRIP_REGISTRATION}
    return types[type(message)]


def encode_message(message: V2XMessage) -> bytes:
    """Any message -> its UPER payload."""
    if isinstance(message, Bsm):
        return encode_bsm(message)
    if isinstance(message, Spat):
        return encode_spat(message)
    if isinstance(message, MapMessage):
        return encode_map(message)
    if isinstance(message, Rsm):
        return encode_rsm(message)
    if isinstance(message, Rsi):
        return encode_rsi(message)
    if isinstance(message, TripRegistration):
        return encode_trip_registration(message)
    return encode_speed_plan(message)


def decode_message(message_type: MessageType, payload: bytes, generation_time_s: float) -> V2XMessage:
    """A frame's payload -> its message (generation_time_s resolves the BSM's secMark)."""
    if message_type is MessageType.BSM:
        return decode_bsm(payload, generation_time_s)
    decoders: dict[MessageType, Callable[[bytes], V2XMessage]] = {
        MessageType.SPAT: decode_spat, MessageType.MAP: decode_map, MessageType.RSM: decode_rsm,
        MessageType.RSI: decode_rsi, MessageType.SPEED_PLAN: decode_speed_plan,
        MessageType.TRIP_REGISTRATION: decode_trip_registration}
    return decoders[message_type](payload)
