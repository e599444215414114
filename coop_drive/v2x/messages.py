"""The V2X message set as small dataclasses in SI units (map frame, metres, seconds, radians).

Modelled on SAE J2735 / T/CSAE 53-2020 / ETSI; the wire format is the project's ASN.1 module
(coop_drive/v2x/asn/CoopDriveV2X.asn, UPER). Conversion to and from the ASN.1 units happens in one place,
coop_drive/v2x/asn1_codec.py. Times are absolute simulation times [s]; yaw is REP-103 (CCW from +x).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class MovementPhaseState(IntEnum):
    """J2735 MovementPhaseState (the current state of a signal group)."""

    UNAVAILABLE = 0
    DARK = 1
    STOP_THEN_PROCEED = 2  # flashing red
    STOP_AND_REMAIN = 3  # red
    PRE_MOVEMENT = 4  # red + amber
    PERMISSIVE_MOVEMENT_ALLOWED = 5  # green, yield to conflicting traffic
    PROTECTED_MOVEMENT_ALLOWED = 6  # green, protected
    PERMISSIVE_CLEARANCE = 7  # amber
    PROTECTED_CLEARANCE = 8  # amber, protected
    CAUTION_CONFLICTING_TRAFFIC = 9  # flashing amber


class EventType(IntEnum):
    """RSI event types: ETSI DENM CauseCodeType values (any 0..255 is carried; these are the named ones)."""

    TRAFFIC_CONDITION = 1
    ACCIDENT = 2
    ROADWORKS = 3
    ADVERSE_WEATHER_ADHESION = 6
    HAZARDOUS_LOCATION_OBSTACLE = 10
    WRONG_WAY_DRIVING = 14
    STATIONARY_VEHICLE = 94
    SIGNAL_VIOLATION = 98
    COLLISION_RISK = 97
    DANGEROUS_SITUATION = 99


@dataclass(frozen=True)
class Bsm:
    """Basic safety message: one vehicle's own state."""

    msg_count: int  # 0..127, wraps
    vehicle_id: int
    time_s: float  # carried as J2735 secMark (ms within the minute)
    x_m: float
    y_m: float
    speed_mps: float
    yaw_rad: float
    accel_long_mps2: float
    accel_lat_mps2: float
    yaw_rate_radps: float
    length_m: float
    width_m: float
    position_std_m: float = 0.5


@dataclass(frozen=True)
class MovementState:
    """One signal group of a SPAT: its current state and when it ends (absolute times [s])."""

    signal_group: int
    state: MovementPhaseState
    min_end_time_s: float | None  # None: unknown
    max_end_time_s: float | None
    likely_end_time_s: float | None
    confidence: float  # of likely_end_time_s, 0..1


@dataclass(frozen=True)
class IntersectionState:
    intersection_id: int
    movements: tuple[MovementState, ...]


@dataclass(frozen=True)
class Spat:
    """Signal phase and timing of one or more intersections."""

    msg_count: int
    time_s: float
    intersections: tuple[IntersectionState, ...]


@dataclass(frozen=True)
class LaneConnection:
    connecting_lane_id: int
    signal_group: int | None  # None: unsignalised


class LaneRole(IntEnum):
    """Where a MAP lane lies (J2735 directionalUse, plus the paths inside the intersection)."""

    INGRESS = 0  # leads into the intersection
    EGRESS = 1  # leads out of it
    CONNECTING = 2  # inside it, from an ingress lane to an egress lane


@dataclass(frozen=True)
class MapLane:
    """A lane's centreline in driving direction (map frame [m]), its stop line and where it leads."""

    lane_id: int  # J2735 LaneID, unique within the message
    width_m: float
    nodes_xy_m: tuple[tuple[float, float], ...]
    stop_line_xy_m: tuple[float, float] | None
    connections: tuple[LaneConnection, ...]
    speed_limit_mps: float | None  # None: no limit given
    role: LaneRole
    road_id: int  # the road it belongs to (OpenDRIVE road id)
    road_lane_id: int  # its id on that road (OpenDRIVE lane id)


@dataclass(frozen=True)
class MapMessage:
    """MAP: the topology of one intersection."""

    msg_count: int  # the revision (J2735 msgIssueRevision): changes only when the content does
    time_s: float
    intersection_id: int
    ref_xy_m: tuple[float, float]
    lanes: tuple[MapLane, ...]


@dataclass(frozen=True)
class RsmObject:
    """One roadside-detected object (CPM-like); its state is valid at ``stamp_s``."""

    object_id: int
    object_type: int  # coop_drive ObjectClass value
    existence_probability: float  # 0..1
    x_m: float
    y_m: float
    vx_mps: float
    vy_mps: float
    yaw_rad: float | None  # None: the direction of the velocity
    length_m: float
    width_m: float
    std_x_m: float
    std_y_m: float
    std_vx_mps: float
    std_vy_mps: float
    stamp_s: float


@dataclass(frozen=True)
class Rsm:
    """Roadside message: an object list from a roadside unit / MEC."""

    msg_count: int
    station_id: int
    time_s: float  # generation time
    ref_xy_m: tuple[float, float]  # object positions are carried as offsets from here
    objects: tuple[RsmObject, ...]


@dataclass(frozen=True)
class RoadSideEvent:
    """A road-side event or warning (DENM-like)."""

    event_id: int
    event_type: int  # EventType value (ETSI CauseCodeType), 0..255
    description_code: int | None  # ETSI SubCauseCodeType, 0..255
    x_m: float
    y_m: float
    radius_m: float
    detection_time_s: float
    validity_s: float  # after detection_time_s
    priority: int  # 0..7


@dataclass(frozen=True)
class Rsi:
    """Road-side information: events and warnings around a reference point."""

    msg_count: int
    station_id: int
    time_s: float
    ref_xy_m: tuple[float, float]
    events: tuple[RoadSideEvent, ...]


@dataclass(frozen=True)
class SpeedPlanPoint:
    time_offset_s: float  # after the plan's generation time
    speed_mps: float


@dataclass(frozen=True)
class SpeedPlan:
    """An offloaded speed plan: the speed profile a planner (MEC / cloud) advises one vehicle to follow."""

    msg_count: int
    planner_id: int
    target_vehicle_id: int
    time_s: float  # generation time
    validity_s: float  # after time_s
    points: tuple[SpeedPlanPoint, ...]


@dataclass(frozen=True)
class TripRegistration:
    """A vehicle registers its trip with the planner that plans for it (edge-/cloud-planning): its route and
    how it wants to drive. Its size is not here: the planner takes it from the vehicle's BSMs."""

    msg_count: int  # 0..127, wraps
    vehicle_id: int  # the station id of the vehicle's BSMs
    time_s: float  # generation time
    route_edges: tuple[str, ...]  # the trip's SUMO edge ids, in driving order
    route_xy_m: tuple[tuple[float, float], ...]  # the route polyline (map frame), in driving order
    desired_speed_mps: float  # the set speed (carried in 0.01 km/h)
    max_accel_mps2: float
    comfort_decel_mps2: float  # positive
    max_decel_mps2: float  # positive


V2XMessage = Bsm | Spat | MapMessage | Rsm | Rsi | SpeedPlan | TripRegistration
