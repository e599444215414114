import numpy as np
import pytest

from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.v2x.frame import MessageType, V2XDecodeError, V2XFrame, decode_frame, encode_frame
from coop_drive.v2x.object_list import decode_object_list, encode_object_list


def _obj(i: int, stamp_s: float) -> ObjectEstimate:
    return ObjectEstimate(
        object_id=i, source_id="mec", stamp_s=stamp_s,
        state=np.array([-123.456 + i, 78.9, 13.89, -0.25]),
        covariance=np.diag([0.04, 0.09, 0.25, 0.16]), length_m=4.6, width_m=1.8,
        existence_probability=0.93, classification=ObjectClass.CAR,
    )


def test_frame_round_trip():
    frame = V2XFrame(MessageType.RSM, "mec-1", 42, 12_345_678_901, b"\x01\x02\x03")
    assert decode_frame(encode_frame(frame)) == frame


def test_object_list_round_trip_within_quantisation():
    gen_ns = 10_000_000_000
    objects = [_obj(1, 9.98), _obj(2, 10.0)]
    payload = encode_object_list(objects, gen_ns)
    assert len(payload) == 2 + 2 * 30  # a few tens of bytes per object
    decoded = decode_object_list(payload, gen_ns, "mec")
    for a, b in zip(objects, decoded, strict=True):
        assert b.object_id == a.object_id
        assert b.stamp_s == pytest.approx(a.stamp_s, abs=1e-3)
        assert b.state == pytest.approx(a.state, abs=0.006)
        assert np.diag(b.covariance) == pytest.approx(np.diag(a.covariance), rel=1e-2)
        assert b.existence_probability == pytest.approx(0.93)


@pytest.mark.parametrize("cut", [1, 5, 12])
def test_truncated_frames_are_rejected(cut):
    data = encode_frame(V2XFrame(MessageType.RSM, "mec", 1, 5, b"payload"))
    with pytest.raises(V2XDecodeError):
        decode_frame(data[:-cut])


def test_corrupted_frame_is_rejected():
    data = bytearray(encode_frame(V2XFrame(MessageType.RSM, "mec", 1, 5, b"payload")))
    data[10] ^= 0xFF
    with pytest.raises(V2XDecodeError, match="checksum"):
        decode_frame(bytes(data))


def test_object_list_with_wrong_length_is_rejected():
    payload = encode_object_list([_obj(1, 1.0)], 1_000_000_000)
    with pytest.raises(V2XDecodeError, match="1 objects"):
        decode_object_list(payload[:-3], 1_000_000_000, "mec")
