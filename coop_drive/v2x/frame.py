"""V2X frames: what crosses the link. A small binary envelope (type, source, sequence number, generation
time, payload) closed by a CRC-32, so that a corrupted or truncated frame is detected and dropped."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum

_VERSION = 1
_HEAD = struct.Struct("<BBB")  # version, message type, source id length
_TAIL_HEAD = struct.Struct("<IqH")  # sequence number, generation time [ns], payload length
_CRC = struct.Struct("<I")


class MessageType(IntEnum):
    """Message types, values as in coop_drive_msgs/V2XFrame."""

    BSM = 1
    SPAT = 2
    MAP = 3
    RSM = 4
    RSI = 5
    SPEED_PLAN = 6
    TRIP_REGISTRATION = 7  # vehicle -> MEC


class V2XDecodeError(ValueError):
    """A received frame is truncated, corrupted or of an unknown version/type."""


@dataclass(frozen=True)
class V2XFrame:
    """One V2X message with its generation time (not its send time)."""

    message_type: MessageType
    source_id: str
    sequence_number: int
    generation_time_ns: int
    payload: bytes


def encode_frame(frame: V2XFrame) -> bytes:
    """Frame -> bytes on the wire."""
    source = frame.source_id.encode("utf-8")
    if len(source) > 255 or len(frame.payload) > 0xFFFF:
        raise ValueError("source id or payload too long for a V2X frame")
    body = (
        _HEAD.pack(_VERSION, int(frame.message_type), len(source)) + source
        + _TAIL_HEAD.pack(frame.sequence_number & 0xFFFFFFFF, frame.generation_time_ns, len(frame.payload))
        + frame.payload
    )
    return body + _CRC.pack(zlib.crc32(body))


def decode_frame(data: bytes) -> V2XFrame:
    """Bytes on the wire -> frame. Raises V2XDecodeError on anything malformed."""
    if len(data) < _HEAD.size + _TAIL_HEAD.size + _CRC.size:
        raise V2XDecodeError(f"frame truncated: {len(data)} bytes")
    body, (crc,) = data[: -_CRC.size], _CRC.unpack(data[-_CRC.size:])
    if zlib.crc32(body) != crc:
        raise V2XDecodeError("frame checksum mismatch")
    version, msg_type, source_len = _HEAD.unpack_from(body, 0)
    if version != _VERSION:
        raise V2XDecodeError(f"unsupported frame version {version}")
    try:
        message_type = MessageType(msg_type)
    except ValueError as exc:
        raise V2XDecodeError(f"unknown message type {msg_type}") from exc
    offset = _HEAD.size
    source = body[offset: offset + source_len]
    offset += source_len
    if len(body) < offset + _TAIL_HEAD.size:
        raise V2XDecodeError("frame truncated in header")
    seq, gen_ns, payload_len = _TAIL_HEAD.unpack_from(body, offset)
    offset += _TAIL_HEAD.size
    payload = body[offset:]
    if len(payload) != payload_len:
        raise V2XDecodeError(f"payload length {len(payload)} != declared {payload_len}")
    try:
        source_id = source.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise V2XDecodeError("source id is not UTF-8") from exc
    return V2XFrame(message_type, source_id, seq, gen_ns, payload)
