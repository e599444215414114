"""SPaT: the MEC's signal phase and timing service, and the vehicle's receiver of it.

The MEC knows each controller's fixed-time plan (from the world: the signal controller) and publishes one SPAT
frame (the project's ASN.1 SPAT, ``v2x/asn1_codec.encode_spat``) with every intersection at 10 Hz over the
downlink. Per signal group it sends the current state and the three that follow, as consecutive
MovementState entries with the same signalGroup (the J2735 MovementEventList: state + end time, in order);
for a fixed-time plan min, max and likely end time coincide (confidence 100 %).

Intersection id = the junction / controller id (an integer on our maps); signal group number = 1 + the index
of the group's OpenDRIVE controller id among the junction's controllers, sorted (``hdmap/signal_groups.py``),
which both sides compute from their map (onboard or from MAP messages), as the MAP's connections do.
"""

from __future__ import annotations

from collections.abc import Mapping

from coop_drive.hdmap.map_model import HdMap
from coop_drive.hdmap.signal_groups import controllers_of, inbound_lanes, signal_group_numbers
from coop_drive.units import s_to_ns
from coop_drive.v2x.asn1_codec import decode_spat, encode_spat
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.v2x.messages import IntersectionState, MovementPhaseState, MovementState, Spat
from coop_drive.world.traffic_lights import TimingPlan

EVENTS_PER_GROUP = 4  # current + 3 following: always reaches the green after the next one

_PHASE_STATE = {
    "G": MovementPhaseState.PROTECTED_MOVEMENT_ALLOWED, "g": MovementPhaseState.PERMISSIVE_MOVEMENT_ALLOWED,
    "y": MovementPhaseState.PERMISSIVE_CLEARANCE, "r": MovementPhaseState.STOP_AND_REMAIN,
    "u": MovementPhaseState.PRE_MOVEMENT, "s": MovementPhaseState.STOP_THEN_PROCEED,
}
GREEN_STATES = (MovementPhaseState.PROTECTED_MOVEMENT_ALLOWED, MovementPhaseState.PERMISSIVE_MOVEMENT_ALLOWED)
AMBER_STATES = (MovementPhaseState.PERMISSIVE_CLEARANCE, MovementPhaseState.PROTECTED_CLEARANCE)


class SpatService:
    """MEC side: SPAT frames from the controllers' fixed-time plans."""

    def __init__(self, plans: Mapping[str, TimingPlan], hdmap: HdMap, source_id: str = "mec") -> None:
        self.source_id = source_id
        self._sequence = 0
        self._msg_count = 0
        self.last_spat: Spat | None = None
        # per intersection: (intersection id, [(group number, representative link index)])
        self.groups: list[tuple[int, TimingPlan, list[tuple[int, int]]]] = []
        for tls_id in sorted(plans):
            plan = plans[tls_id]
            if tls_id not in hdmap.junctions or not tls_id.isdigit():
                continue
            numbers = signal_group_numbers(hdmap, tls_id)
            links: list[tuple[int, int]] = []
            for controller, number in sorted(numbers.items(), key=lambda kv: kv[1]):
                roads = {hdmap.lanes[i].road_id for i in inbound_lanes(hdmap, tls_id)
                         if controller in controllers_of(hdmap, i)}
                found = [k for k, edge in enumerate(plan.link_in_edges) if edge.lstrip("-") in roads]
                if found:
                    links.append((number, found[0]))
            if links:
                self.groups.append((int(tls_id), plan, links))

    def spat(self, time_s: float) -> Spat:
        """Every intersection's signal groups at time_s."""
        intersections = []
        for inter_id, plan, links in self.groups:
            movements = []
            for number, link in links:
                for _, char, end_s in plan.colour_runs(link, time_s, EVENTS_PER_GROUP):
                    state = _PHASE_STATE.get(char, MovementPhaseState.DARK)
                    movements.append(MovementState(number, state, end_s, end_s, end_s, 1.0))
            intersections.append(IntersectionState(inter_id, tuple(movements)))
        spat = Spat(self._msg_count, time_s, tuple(intersections))
        self._msg_count = (self._msg_count + 1) % 128
        return spat

    def frame(self, time_s: float) -> bytes | None:
        """A SPAT frame generated at time_s (None when no signal is known); its content stays in last_spat."""
        if not self.groups:
            return None
        self.last_spat = self.spat(time_s)
        frame = V2XFrame(MessageType.SPAT, self.source_id, self._sequence, s_to_ns(time_s),
                         encode_spat(self.last_spat))
        self._sequence += 1
        return encode_frame(frame)


class SpatReceiver:
    """Vehicle side: the newest SPaT, per (intersection, signal group) the events in order."""

    def __init__(self, max_age_s: float = 1.0) -> None:
        self.max_age_s = max_age_s
        self.time_s: float | None = None
        self._events: dict[tuple[int, int], list[tuple[MovementPhaseState, float | None]]] = {}

    def on_payload(self, payload: bytes) -> None:
        """A SPAT frame's payload (raises V2XDecodeError when malformed); older messages are ignored."""
        self.on_spat(decode_spat(payload))

    def on_spat(self, spat: Spat) -> None:
        """A SPaT (decoded, or the MEC's own); older messages are ignored."""
        if self.time_s is not None and spat.time_s <= self.time_s:
            return
        events: dict[tuple[int, int], list[tuple[MovementPhaseState, float | None]]] = {}
        for inter in spat.intersections:
            for mv in inter.movements:
                events.setdefault((inter.intersection_id, mv.signal_group), []).append(
                    (mv.state, mv.likely_end_time_s))
        self.time_s, self._events = spat.time_s, events

    def events(self, intersection_id: int, group: int, now_s: float
               ) -> list[tuple[MovementPhaseState, float | None]] | None:
        """The group's events still running at now_s, or None (unknown, or the newest SPaT is too old)."""
        if self.time_s is None or now_s - self.time_s > self.max_age_s:
            return None
        found = self._events.get((intersection_id, group))
        if not found:
            return None
        live = [(state, end) for state, end in found if end is None or end > now_s]
        return live or None
