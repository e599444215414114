"""The roadside MEC node's core: roadside sensors feed a tracker; object lists go out as V2X frames."""

from __future__ import annotations

from collections.abc import Sequence

from coop_drive.perception.tracker import MultiObjectTracker
from coop_drive.sensors.object_sensor import Detection
from coop_drive.units import s_to_ns
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.v2x.object_list import encode_object_list


class MecCore:
    """Tracks roadside detections and encodes the confirmed tracks as RSM frames."""

    def __init__(self, source_id: str = "mec") -> None:
        self.source_id = source_id
        self.tracker = MultiObjectTracker(source_id)
        self._sequence = 0

    def on_detections(self, time_s: float, detections: Sequence[Detection]) -> None:
        """Feed one roadside sensor scan."""
        self.tracker.update(time_s, detections)

    def object_list_frame(self, time_s: float) -> bytes:
        """An RSM frame holding the confirmed tracks predicted to time_s (its generation time)."""
        generation_ns = s_to_ns(time_s)
        payload = encode_object_list(self.tracker.estimates(time_s), generation_ns)
        frame = V2XFrame(MessageType.RSM, self.source_id, self._sequence, generation_ns, payload)
        self._sequence += 1
        return encode_frame(frame)
