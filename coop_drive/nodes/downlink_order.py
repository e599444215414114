"""The order in which the in-process runtime sends the MEC's frames of one instant down the link.

Several MEC nodes publish on ``/mec/v2x_out`` (perception: RSM object lists; planner: speed plans; SPaT
service: SPAT messages; map service: MAP messages); DDS interleaves their messages arbitrarily, but the link
model draws its random numbers frame by frame, so the relay (and the recorder) put each step's frames back
into the in-process order: by send time; at one instant, by when the publication's periodic event was
scheduled (its previous firing, the first firings before any other), then in the order the runtime registers
them (RSM, plan, SPaT, MAP) — the scheduler's (time, priority, insertion order) rule for periodic events
of one priority.
"""

from __future__ import annotations

from coop_drive.components.mec_planner import PLAN_PERIOD_S
from coop_drive.components.spat_service import SPAT_RATE_HZ
from coop_drive.scenario.model import Scenario
from coop_drive.units import s_to_ns
from coop_drive.v2x.frame import MessageType

_RANK = {MessageType.RSM: 0, MessageType.SPEED_PLAN: 1, MessageType.SPAT: 2, MessageType.MAP: 3}


class DownlinkOrder:
    """Sort key of a downlink frame: (send time, previous firing of its publication, registration rank)."""

    def __init__(self, scenario: Scenario, start_ns: int) -> None:
        self.start_ns = start_ns
        self.periods_ns = {int(MessageType.RSM): s_to_ns(1.0 / scenario.mec_publish_rate_hz),
                           int(MessageType.SPEED_PLAN): s_to_ns(PLAN_PERIOD_S),
                           int(MessageType.SPAT): s_to_ns(1.0 / SPAT_RATE_HZ),
                           int(MessageType.MAP): s_to_ns(1.0 / scenario.mec_map_rate_hz)}
        self.ranks = {int(k): v for k, v in _RANK.items()}

    def key(self, send_ns: int, message_type: int) -> tuple[int, int, int]:
        period = self.periods_ns.get(message_type)
        previous = send_ns - period if period is not None and send_ns > self.start_ns else -1
        return send_ns, previous, self.ranks.get(message_type, len(self.ranks))
