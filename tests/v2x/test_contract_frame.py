"""Contract tests of the V2X frame envelope (coop_drive/v2x/frame.py, docs/v2x.md).

Wire layout, little-endian: version (u8, 1), message type (u8), source id length (u8), source id (UTF-8),
sequence number (u32), generation time [ns] (i64), payload length (u16), payload, CRC-32 of all before it (u32).
"""

from __future__ import annotations

import binascii
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.v2x.frame import MessageType, V2XDecodeError, V2XFrame, decode_frame, encode_frame


def _with_crc(body: bytes) -> bytes:
    return body + struct.pack("<I", binascii.crc32(body))


def _body(
    version: int = 1,
    kind: int = 4,
    source: bytes = b"mec",
    seq: int = 0x01020304,
    gen_ns: int = 0x1122334455667788,
    payload: bytes = b"\xaa\xbb",
    declared: int | None = None,
) -> bytes:
    return (
        bytes([version, kind, len(source)])
        + source
        + seq.to_bytes(4, "little")
        + gen_ns.to_bytes(8, "little", signed=True)
        + (len(payload) if declared is None else declared).to_bytes(2, "little")
        + payload
    )


FRAME = V2XFrame(MessageType.RSM, "mec", 0x01020304, 0x1122334455667788, b"\xaa\xbb")
WIRE = bytes.fromhex("0104036d65630403020188776655443322110200aabb")


def test_frame_bytes():
    assert _body() == WIRE
    assert encode_frame(FRAME) == _with_crc(WIRE)
    assert decode_frame(_with_crc(WIRE)) == FRAME


def test_crc_is_the_standard_crc32():
    # the CRC-32 (IEEE 802.3) check value of "123456789" is 0xCBF43926, stored little-endian
    assert _with_crc(b"123456789")[-4:] == bytes.fromhex("2639f4cb")
    assert encode_frame(FRAME)[-4:] == struct.pack("<I", binascii.crc32(WIRE))


def test_envelope_is_24_bytes_for_source_mec():
    assert len(encode_frame(V2XFrame(MessageType.BSM, "mec", 1, 2, b""))) == 24
    assert len(encode_frame(V2XFrame(MessageType.BSM, "mec", 1, 2, b"x" * 26))) == 50  # a BSM framed


@pytest.mark.parametrize(
    ("seq", "on_wire"), [(0, 0), (2**32 - 1, 2**32 - 1), (2**32, 0), (2**32 + 5, 5), (-1, 2**32 - 1)]
)
def test_sequence_number_wraps_to_32_bits(seq, on_wire):
    frame = V2XFrame(MessageType.MAP, "r", seq, 7, b"")
    data = encode_frame(frame)
    assert data == _with_crc(_body(kind=3, source=b"r", seq=on_wire, gen_ns=7, payload=b""))
    assert decode_frame(data).sequence_number == on_wire


@pytest.mark.parametrize("gen_ns", [-(2**63), -1, 0, 2**63 - 1])
def test_generation_time_is_a_signed_64_bit_ns(gen_ns):
    frame = V2XFrame(MessageType.BSM, "veh-1", 1, gen_ns, b"p")
    assert decode_frame(encode_frame(frame)) == frame


def test_source_and_payload_length_limits():
    source255 = "é" * 127 + "a"  # 255 bytes of UTF-8
    ok = V2XFrame(MessageType.SPAT, source255, 1, 2, b"\x00" * 0xFFFF)
    assert decode_frame(encode_frame(ok)) == ok
    for frame in (
        V2XFrame(MessageType.SPAT, source255 + "a", 1, 2, b""),
        V2XFrame(MessageType.SPAT, "mec", 1, 2, b"\x00" * 0x10000),
    ):
        with pytest.raises(ValueError, match=r"^source id or payload too long for a V2X frame$"):
            encode_frame(frame)


def test_shortest_frame_is_21_bytes():
    shortest = _with_crc(_body(source=b"", payload=b""))
    assert len(shortest) == 21
    assert decode_frame(shortest) == V2XFrame(MessageType.RSM, "", 0x01020304, 0x1122334455667788, b"")
    for n in (0, 1, 20):
        with pytest.raises(V2XDecodeError, match=rf"^frame truncated: {n} bytes$"):
            decode_frame(shortest[:n])


def test_every_single_byte_corruption_is_detected():
    data = encode_frame(FRAME)
    for i in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            bad = bytearray(data)
            bad[i] ^= flip
            with pytest.raises(V2XDecodeError, match=r"^frame checksum mismatch$"):
                decode_frame(bytes(bad))


@pytest.mark.parametrize("version", [0, 2, 255])
def test_other_versions_are_rejected(version):
    with pytest.raises(V2XDecodeError, match=rf"^unsupported frame version {version}$"):
        decode_frame(_with_crc(_body(version=version)))


@pytest.mark.parametrize("kind", [0, 8, 255])
def test_unknown_message_types_are_rejected(kind):
    with pytest.raises(V2XDecodeError, match=rf"^unknown message type {kind}$"):
        decode_frame(_with_crc(_body(kind=kind)))


@pytest.mark.parametrize("kind", list(MessageType))
def test_every_message_type_is_carried_by_its_value(kind):
    data = encode_frame(V2XFrame(kind, "mec", 1, 2, b""))
    assert data[1] == int(kind) == {"BSM": 1, "SPAT": 2, "MAP": 3, "RSM": 4, "RSI": 5, "SPEED_PLAN": 6,
                                        "TRIP_REGISTRATION": 7}[kind.name]
    assert decode_frame(data).message_type is kind


def test_source_length_beyond_the_frame_is_truncation():
    # the source id length says 3, but only 2 source bytes + 14 header bytes follow: 1 header byte is missing
    body = bytes([1, 4, 3]) + b"ab" + bytes(14)
    assert len(body) + 4 == 23
    with pytest.raises(V2XDecodeError, match=r"^frame truncated in header$"):
        decode_frame(_with_crc(body[:-1]))
    # exactly 14 bytes after the source id: a frame with an empty payload
    assert decode_frame(_with_crc(bytes([1, 4, 2]) + b"ab" + bytes(14))) == V2XFrame(MessageType.RSM, "ab", 0, 0, b"")
    with pytest.raises(V2XDecodeError, match=r"^frame truncated in header$"):
        decode_frame(_with_crc(bytes([1, 4, 200]) + bytes(14)))


@pytest.mark.parametrize(("payload", "declared"), [(b"abc", 4), (b"abc", 2), (b"", 1), (b"a", 0)])
def test_payload_length_must_match_the_declared_one(payload, declared):
    with pytest.raises(V2XDecodeError, match=rf"^payload length {len(payload)} != declared {declared}$"):
        decode_frame(_with_crc(_body(payload=payload, declared=declared)))


def test_source_id_must_be_utf8():
    with pytest.raises(V2XDecodeError, match=r"^source id is not UTF-8$"):
        decode_frame(_with_crc(_body(source=b"\xff\xfe")))
    assert decode_frame(_with_crc(_body(source="mé".encode()))).source_id == "mé"


def test_decode_errors_are_value_errors():
    assert issubclass(V2XDecodeError, ValueError)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(list(MessageType)),
    source=st.text(max_size=40),
    seq=st.integers(0, 2**32 - 1),
    gen_ns=st.integers(-(2**63), 2**63 - 1),
    payload=st.binary(max_size=200),
)
def test_frame_round_trip(kind, source, seq, gen_ns, payload):
    frame = V2XFrame(kind, source, seq, gen_ns, payload)
    data = encode_frame(frame)
    assert len(data) == 3 + len(source.encode()) + 14 + len(payload) + 4
    assert decode_frame(data) == frame


@settings(max_examples=25, deadline=None, derandomize=True)
@given(payload=st.binary(max_size=60), position=st.integers(0, 10_000), flip=st.integers(1, 255))
def test_any_single_byte_error_is_detected(payload, position, flip):
    data = bytearray(encode_frame(V2XFrame(MessageType.RSM, "mec", 3, 4, payload)))
    data[position % len(data)] ^= flip
    with pytest.raises(V2XDecodeError, match=r"^frame checksum mismatch$"):
        decode_frame(bytes(data))
