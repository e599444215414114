"""The two ends of the `map: mec` split: the MEC's MAP server and the vehicle's map built from MAP messages.

With ``vehicle.map: mec`` the car has no onboard map. The MEC sends one MAP frame per junction it covers
(at ``mec.map_rate_hz``, 1 Hz by default; the V2X set's ASN.1 MAP, ``v2x/asn1_codec.encode_map``) through the
same lossy, delayed link as its object lists; the vehicle merges what it received (``hdmap_from_messages``),
matches its position on that map and plans along the lanes of its route. Until the first MAP message arrives
it has no path and only cruises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from coop_drive.geometry import Polyline
from coop_drive.hdmap.map_message import check_map_message, hdmap_from_messages, intersection_map
from coop_drive.hdmap.parser import load_map
from coop_drive.hdmap.service import MapService
from coop_drive.units import ns_to_s
from coop_drive.v2x.asn1_codec import decode_map, encode_map
from coop_drive.v2x.frame import MessageType, V2XFrame, encode_frame
from coop_drive.v2x.messages import MapMessage


class MapServer:
    """MEC side: the MAP messages of every junction of a map (in junction id order), encoded as V2X frames."""

    def __init__(self, map_path: Path, source_id: str = "mec") -> None:
        hdmap = load_map(map_path)
        self.messages = [intersection_map(hdmap, jid) for jid in sorted(hdmap.junctions)]
        self.source_id = source_id
        self._sequence = 0

    def frames(self, generation_time_ns: int) -> list[bytes]:
        """One frame per junction, each message stamped with the generation time."""
        out = []
        for msg in self.messages:
            payload = encode_map(replace(msg, time_s=ns_to_s(generation_time_ns)))
            out.append(encode_frame(V2XFrame(MessageType.MAP, self.source_id, self._sequence, generation_time_ns,
                                             payload)))
            self._sequence += 1
        return out


class MapClient:
    """Vehicle side: the newest MAP message per junction, and the route path built from them."""

    def __init__(self, route_roads: Sequence[str]) -> None:
        self.route_roads = list(route_roads)
        self._messages: dict[int, MapMessage] = {}
        self._service: MapService | None = None
        self.messages_received = 0

    def on_payload(self, payload: bytes) -> None:
        """A MAP frame's payload (raises V2XDecodeError when malformed or inconsistent)."""
        msg = decode_map(payload)
        check_map_message(msg)
        self.messages_received += 1
        old = self._messages.get(msg.intersection_id)
        if old is None or old.msg_count != msg.msg_count:  # a new revision
            self._messages[msg.intersection_id] = msg
            self._service = None  # the map changed: rebuild on the next query

    @property
    def service(self) -> MapService | None:
        if self._service is None and self._messages:
            self._service = MapService(hdmap_from_messages([self._messages[k] for k in sorted(self._messages)]))
        return self._service

    @property
    def version(self) -> tuple[tuple[str, int], ...]:
        """(junction id, revision) of every junction received."""
        return tuple(sorted((str(k), m.msg_count) for k, m in self._messages.items()))

    def route_path(self, x_m: float, y_m: float) -> Polyline | None:
        """The centre line from the start of the lane the vehicle is on, along its route, as far as the
        received map reaches (None before any MAP message, or off the received lanes)."""
        svc = self.service
        if svc is None:
            return None
        match = svc.match(x_m, y_m, None, self.route_roads)
        if match is None:
            return None
        lanes = [lane for lane, _ in svc.path(match, self.route_roads, horizon_m=10_000.0)]
        return Polyline(np.vstack([lane.xy_m for lane in lanes]))
