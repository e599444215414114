"""Typical instances of every message type: what `coop-drive v2x sizes` measures and the tests round-trip.

Figures are those of the occluded-intersection scenario: a car at ~50 km/h, a four-arm intersection with
two lanes per arm, an MEC tracking five road users, one collision-risk warning, a 5 s speed plan, the car's trip
registration (its route across the junction: two edges, four points).
"""

from __future__ import annotations

import math

from coop_drive.perception.objects import ObjectClass
from coop_drive.v2x.messages import (
    Bsm,
    EventType,
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

TIME_S = 12.3  # simulation time of the examples


def bsm() -> Bsm:
    return Bsm(msg_count=17, vehicle_id=1001, time_s=TIME_S, x_m=-123.45, y_m=-3.21, speed_mps=13.89,
               yaw_rad=0.0, accel_long_mps2=-1.2, accel_lat_mps2=0.05, yaw_rate_radps=0.01,
               length_m=4.6, width_m=1.8, position_std_m=0.3)


def spat() -> Spat:
    # four signal groups: two straight-ahead phases, each with its left turn
    phases = [MovementPhaseState.PROTECTED_MOVEMENT_ALLOWED, MovementPhaseState.PERMISSIVE_MOVEMENT_ALLOWED,
              MovementPhaseState.STOP_AND_REMAIN, MovementPhaseState.STOP_AND_REMAIN]
    movements = tuple(
        MovementState(signal_group=g + 1, state=state, min_end_time_s=TIME_S + 5.0 + 30.0 * (g // 2),
                      max_end_time_s=TIME_S + 20.0 + 30.0 * (g // 2),
                      likely_end_time_s=TIME_S + 12.0 + 30.0 * (g // 2), confidence=0.8)
        for g, state in enumerate(phases))
    return Spat(msg_count=3, time_s=TIME_S, intersections=(IntersectionState(7, movements),))


def map_message() -> MapMessage:
    """Four arms (west, south, east, north), each one ingress and one egress lane, 100 m long, 3.5 m wide."""
    lanes = []
    for arm in range(4):
        angle = math.pi * (1.0 + arm / 2.0)  # direction from the centre out along the arm
        ux, uy = math.cos(angle), math.sin(angle)
        nx, ny = uy, -ux  # to the right when driving in
        inner, outer = 8.0, 108.0
        ingress = tuple((ux * d + nx * 1.75, uy * d + ny * 1.75) for d in (outer, outer - 50.0, inner))
        egress = tuple((ux * d - nx * 1.75, uy * d - ny * 1.75) for d in (inner, inner + 50.0, outer))
        straight, left = 2 * ((arm + 2) % 4) + 2, 2 * ((arm + 1) % 4) + 2
        # one road per arm, its reference line from the centre outward: the egress lane is its right lane (-1)
        lanes.append(MapLane(2 * arm + 1, 3.5, ingress, ingress[-1],
                             (LaneConnection(straight, arm % 2 + 1), LaneConnection(left, arm % 2 + 3)), 13.89,
                             LaneRole.INGRESS, arm + 1, 1))
        lanes.append(MapLane(2 * arm + 2, 3.5, egress, None, (), 13.89, LaneRole.EGRESS, arm + 1, -1))
    return MapMessage(msg_count=1, time_s=TIME_S, intersection_id=7, ref_xy_m=(0.0, 0.0), lanes=tuple(lanes))


def rsm(n_objects: int = 5) -> Rsm:
    objects = tuple(
        RsmObject(object_id=40 + i, object_type=int(ObjectClass.CAR if i % 3 else ObjectClass.PEDESTRIAN),
                  existence_probability=0.95, x_m=-60.0 + 25.0 * i, y_m=3.5 * (i % 2) - 1.75,
                  vx_mps=12.0 - 3.0 * i, vy_mps=0.4, yaw_rad=None, length_m=4.6, width_m=1.8,
                  std_x_m=0.25, std_y_m=0.3, std_vx_mps=0.5, std_vy_mps=0.45, stamp_s=TIME_S - 0.02 * i)
        for i in range(n_objects))
    return Rsm(msg_count=5, station_id=2001, time_s=TIME_S, ref_xy_m=(-10.0, 0.0), objects=objects)


def rsi() -> Rsi:
    event = RoadSideEvent(event_id=1, event_type=int(EventType.COLLISION_RISK), description_code=2,
                          x_m=1.2, y_m=-0.8, radius_m=30.0, detection_time_s=TIME_S - 0.1, validity_s=10.0,
                          priority=6)
    return Rsi(msg_count=9, station_id=2001, time_s=TIME_S, ref_xy_m=(0.0, 0.0), events=(event,))


def speed_plan() -> SpeedPlan:
    points = tuple(SpeedPlanPoint(time_offset_s=0.5 * k, speed_mps=13.89 - 1.1 * 0.5 * k) for k in range(11))
    return SpeedPlan(msg_count=4, planner_id=2001, target_vehicle_id=1001, time_s=TIME_S, validity_s=1.0,
                     points=points)


def trip_registration() -> TripRegistration:
    """The occluded intersection's ego: east on the major road through the junction, set to 50 km/h."""
    points = ((-210.0, -1.75), (-10.0, -1.75), (10.0, -1.75), (210.0, -1.75))
    return TripRegistration(msg_count=0, vehicle_id=1001, time_s=TIME_S, route_edges=("-1", "2"), route_xy_m=points,
                            desired_speed_mps=50.0 / 3.6, max_accel_mps2=2.0, comfort_decel_mps2=3.0,
                            max_decel_mps2=7.0)


def typical_messages() -> dict[str, V2XMessage]:
    """One typical message of each type, by a short description."""
    return {
        "BSM": bsm(),
        "SPAT (1 intersection, 4 signal groups)": spat(),
        "MAP (1 intersection, 8 lanes, 3 nodes each)": map_message(),
        "RSM (5 objects)": rsm(5),
        "RSM (1 object)": rsm(1),
        "RSM (20 objects)": rsm(20),
        "RSI (1 event)": rsi(),
        "SpeedPlan (11 points, 5 s)": speed_plan(),
        "TripRegistration (2 edges, 4 points)": trip_registration(),
    }
