"""The roadside MEC node's core: roadside sensors feed a tracker; object lists go out as V2X frames; with a
planner (edge-planning / cloud-planning), trip registrations and BSMs come in and speed plans go out."""

from __future__ import annotations

from collections.abc import Sequence

from coop_drive.cores.offboard_planning import MecPlanner
from coop_drive.perception.tracker import MultiObjectTracker
from coop_drive.sensors.object_sensor import Detection
from coop_drive.units import s_to_ns
from coop_drive.v2x.asn1_codec import decode_bsm, decode_trip_registration, encode_speed_plan
from coop_drive.v2x.frame import MessageType, V2XDecodeError, V2XFrame, decode_frame, encode_frame
from coop_drive.v2x.object_list import encode_object_list


class MecCore:
    """Tracks roadside detections and encodes the confirmed tracks as RSM frames."""

    def __init__(self, source_id: str = "mec", planner: MecPlanner | None = None) -> None:
        self.source_id = source_id
        self.tracker = MultiObjectTracker(source_id)
        self.planner = planner
        self.uplink_rejected = 0
        self._sequence = 0

    def on_detections(self, time_s: float, detections: Sequence[Detection]) -> None:
        """Feed one roadside sensor scan."""
        self.tracker.update(time_s, detections)

    def _frame(self, message_type: MessageType, generation_ns: int, payload: bytes) -> bytes:
        frame = V2XFrame(message_type, self.source_id, self._sequence, generation_ns, payload)
        self._sequence += 1
        return encode_frame(frame)

    def object_list_frame(self, time_s: float) -> bytes:
        """An RSM frame holding the confirmed tracks predicted to time_s (its generation time)."""
        generation_ns = s_to_ns(time_s)
        return self._frame(MessageType.RSM, generation_ns, encode_object_list(self.tracker.estimates(time_s),
                                                                               generation_ns))

    def on_uplink(self, frame_bytes: bytes) -> None:
        """Receive one frame from the uplink; trip registrations and BSMs feed the planner, malformed frames are
        counted and dropped."""
        try:
            frame = decode_frame(frame_bytes)
            if frame.message_type is MessageType.BSM and self.planner is not None:
                self.planner.on_bsm(decode_bsm(frame.payload, frame.generation_time_ns / 1e9))
            elif frame.message_type is MessageType.TRIP_REGISTRATION and self.planner is not None:
                self.planner.on_registration(decode_trip_registration(frame.payload))
        except V2XDecodeError:
            self.uplink_rejected += 1

    def speed_plan_frame(self, time_s: float) -> bytes | None:
        """A SpeedPlan frame for the registered vehicle, or None (no planner, no registration or no BSM yet)."""
        plan = None if self.planner is None else self.planner.plan(time_s, self.tracker.estimates(time_s))
        if plan is None:
            return None
        return self._frame(MessageType.SPEED_PLAN, s_to_ns(time_s), encode_speed_plan(plan))
