"""The vehicle's perception side: onboard tracking, received object lists (RSM), self-recognition and fusion.

Each cycle it gives the planning side a ``VehiclePicture``: the car's own tracks, the fused picture (own
tracks and received objects, latency-compensated) and the generation time of the newest object list received.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from coop_drive.perception.fusion import FusionConfig, fuse_objects
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.perception.tracker import MultiObjectTracker
from coop_drive.sensors.object_sensor import Detection
from coop_drive.units import NS_PER_S
from coop_drive.v2x.frame import MessageType, V2XDecodeError, decode_frame
from coop_drive.v2x.object_list import decode_object_list

SELF_GATE_M = 3.0  # a received object this close to where the ego was at its generation time is the ego


@dataclass
class ReceptionStats:
    """Counts of what the vehicle received."""

    frames_received: int = 0
    frames_rejected: int = 0  # corrupted, truncated or unknown
    frames_out_of_order: int = 0


@dataclass(frozen=True)
class VehiclePicture:
    """What the perception side hands the planning side at one cycle."""

    time_s: float
    own: list[ObjectEstimate]  # the onboard tracker's estimates at time_s
    fused: list[ObjectEstimate]  # own tracks and received objects, at time_s
    received_generation_s: float | None  # generation time of the newest object list received, if any


class VehiclePerceptionCore:
    """Onboard tracker, V2X object-list reception (the ego removed from it) and fusion."""

    def __init__(self, fusion: FusionConfig | None = None, stats: ReceptionStats | None = None) -> None:
        self.tracker = MultiObjectTracker("vehicle")
        self.fusion = fusion or FusionConfig()
        self.stats = stats or ReceptionStats()
        self.received: list[ObjectEstimate] = []  # the newest received list, the ego removed
        self._received_gen_ns = -1
        self._pose_times_s: list[float] = []
        self._pose_xy_m: list[tuple[float, float]] = []

    def on_detections(self, time_s: float, detections: Sequence[Detection]) -> None:
        """Feed one onboard sensor scan."""
        self.tracker.update(time_s, detections)

    def on_own_pose(self, time_s: float, x_m: float, y_m: float) -> None:
        """Record the ego's localisation (used to recognise itself in received object lists)."""
        self._pose_times_s.append(time_s)
        self._pose_xy_m.append((x_m, y_m))

    def _own_position_at(self, time_s: float) -> tuple[float, float] | None:
        i = bisect.bisect_right(self._pose_times_s, time_s) - 1
        return self._pose_xy_m[max(i, 0)] if self._pose_xy_m else None

    def on_v2x(self, frame_bytes: bytes) -> None:
        """Receive one frame from the link: object lists (RSM) are kept; other message types are the planning
        side's. Every frame is counted; malformed envelopes and object lists are counted as rejected."""
        self.stats.frames_received += 1
        try:
            frame = decode_frame(frame_bytes)
            if frame.message_type is not MessageType.RSM:
                return
            objects = decode_object_list(frame.payload, frame.generation_time_ns, frame.source_id)
        except V2XDecodeError:
            self.stats.frames_rejected += 1
            return
        if frame.generation_time_ns <= self._received_gen_ns:
            self.stats.frames_out_of_order += 1
            return
        self._received_gen_ns = frame.generation_time_ns
        self.received = [o for o in objects if not self._is_self(o)]

    def _is_self(self, obj: ObjectEstimate) -> bool:
        own = self._own_position_at(obj.stamp_s)
        return own is not None and (obj.x_m - own[0]) ** 2 + (obj.y_m - own[1]) ** 2 <= SELF_GATE_M**2

    @property
    def received_generation_ns(self) -> int | None:
        """Generation time [ns] of the newest object list received, if any."""
        return None if self._received_gen_ns < 0 else self._received_gen_ns

    @property
    def received_generation_s(self) -> float | None:
        """Generation time of the newest object list received, if any."""
        return None if self._received_gen_ns < 0 else self._received_gen_ns / NS_PER_S

    def picture(self, time_s: float) -> VehiclePicture:
        """Own tracks and the fused picture at time_s."""
        own = self.tracker.estimates(time_s)
        return VehiclePicture(time_s, own, fuse_objects(own, self.received, time_s, self.fusion),
                              self.received_generation_s)
