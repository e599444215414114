"""Typed messages of the signals and of the vehicle's own account (``coop_drive_msgs``), both ways.

``/run/signal_plans`` (SignalPlans: the controllers' fixed-time plans, once at the start), ``/vehicle/signal``
(SignalView: what the car's camera sees of its next signal, every step), ``/vehicle/planner/status``
(VehicleStatus) and ``/vehicle/perception/status`` (ReceptionStatus). Optional times travel as NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from coop_drive.bag.ros_messages import MessageFactory
from coop_drive.cores.onboard_perception import ReceptionStats
from coop_drive.cores.onboard_planning import PlannerStatus
from coop_drive.world.traffic_lights import NextSignal, TimingPlan

T_SIGNAL_PLANS = "coop_drive_msgs/msg/SignalPlans"
T_SIGNAL_VIEW = "coop_drive_msgs/msg/SignalView"
T_VEHICLE_STATUS = "coop_drive_msgs/msg/VehicleStatus"
T_RECEPTION_STATUS = "coop_drive_msgs/msg/ReceptionStatus"


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def signal_plans(msgs: MessageFactory, time_ns: int, plans: Mapping[str, TimingPlan]) -> Any:
    t = msgs.typestore.types
    phase = t["coop_drive_msgs/msg/SignalPhase"]
    items = [t["coop_drive_msgs/msg/TimingPlan"](
        tls_id=p.tls_id, cycle_start_s=float(p.cycle_start_s),
        phases=[phase(duration_s=float(d), state=s) for d, s in p.phases], link_in_edges=list(p.link_in_edges))
        for _, p in sorted(plans.items())]
    return t[T_SIGNAL_PLANS](header=msgs.header(time_ns), plans=items)


def plans_from_msg(msg: Any) -> dict[str, TimingPlan]:
    return {str(p.tls_id): TimingPlan(str(p.tls_id), tuple((float(ph.duration_s), str(ph.state)) for ph in p.phases),
                                      float(p.cycle_start_s), tuple(str(e) for e in p.link_in_edges))
            for p in msg.plans}


def signal_view(msgs: MessageFactory, time_ns: int, signal: NextSignal | None) -> Any:
    view = msgs.typestore.types[T_SIGNAL_VIEW]
    if signal is None:
        return view(header=msgs.header(time_ns), visible=False, tls_id="", link_index=0, distance_m=0.0,
                    link_state="")
    return view(header=msgs.header(time_ns), visible=True, tls_id=signal.tls_id, link_index=int(signal.link_index),
                distance_m=float(signal.distance_m), link_state=signal.link_state)


def signal_view_from_msg(msg: Any) -> NextSignal | None:
    if not msg.visible:
        return None
    return NextSignal(str(msg.tls_id), int(msg.link_index), float(msg.distance_m), str(msg.link_state))


def vehicle_status(msgs: MessageFactory, time_ns: int, status: PlannerStatus) -> Any:
    return msgs.typestore.types[T_VEHICLE_STATUS](
        header=msgs.header(time_ns), warnings_issued=status.warnings_issued,
        takeover_requested_s=_nan(status.takeover_requested_s), minimal_risk_s=_nan(status.minimal_risk_s),
        v2x_degraded_s=_nan(status.v2x_degraded_s), plan_cycles_followed=status.plan_cycles_followed,
        frames_rejected=status.frames_rejected, advice_mps=_nan(status.advice_mps))


def vehicle_status_from_msg(msg: Any) -> PlannerStatus:
    return PlannerStatus(int(msg.warnings_issued), _none(msg.takeover_requested_s), _none(msg.minimal_risk_s),
                         _none(msg.v2x_degraded_s), int(msg.plan_cycles_followed), int(msg.frames_rejected),
                         _none(msg.advice_mps))


def reception_status(msgs: MessageFactory, time_ns: int, reception: ReceptionStats) -> Any:
    return msgs.typestore.types[T_RECEPTION_STATUS](
        header=msgs.header(time_ns), frames_received=reception.frames_received,
        frames_rejected=reception.frames_rejected, frames_out_of_order=reception.frames_out_of_order)


def reception_from_msg(msg: Any) -> ReceptionStats:
    return ReceptionStats(int(msg.frames_received), int(msg.frames_rejected), int(msg.frames_out_of_order))
