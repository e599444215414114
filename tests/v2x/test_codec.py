from dataclasses import replace

import numpy as np
import pytest

from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.v2x.asn1_codec import decode_rsm, encode_rsm
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
    assert len(payload) < 15 + 2 * 28  # UPER RSM: a header and under 28 bytes per object
    decoded = decode_object_list(payload, gen_ns, "mec")
    for a, b in zip(objects, decoded, strict=True):
        assert b.object_id == a.object_id and b.source_id == "mec"
        assert b.stamp_s == pytest.approx(a.stamp_s, abs=5e-4)
        assert b.state == pytest.approx(a.state, abs=0.006)
        assert np.diag(b.covariance) == pytest.approx(np.diag(a.covariance), rel=1e-2)
        assert b.covariance[0, 1] == 0.0  # cross-covariances are not carried
        assert (b.length_m, b.width_m) == pytest.approx((a.length_m, a.width_m))
        assert b.existence_probability == pytest.approx(0.93)
        assert b.classification is a.classification


def test_object_list_stamp_on_the_generation_time_is_exact():
    gen_ns = 12_345_000_001  # not a whole millisecond
    [decoded] = decode_object_list(encode_object_list([_obj(3, gen_ns / 1e9)], gen_ns), gen_ns, "mec")
    assert decoded.stamp_s == gen_ns / 1e9


def test_empty_object_list_round_trips():
    assert decode_object_list(encode_object_list([], 5_000_000_000), 5_000_000_000, "mec") == []


def test_object_list_out_of_range_names_the_field():
    fast = ObjectEstimate(object_id=1, source_id="mec", stamp_s=1.0, state=np.array([0.0, 0.0, 200.0, 0.0]),
                          covariance=np.eye(4), length_m=4.6, width_m=1.8)
    with pytest.raises(ValueError, match=r"vx_mps: 200 m/s is outside"):
        encode_object_list([fast], 1_000_000_000)


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


def test_truncated_object_list_is_rejected():
    payload = encode_object_list([_obj(1, 1.0)], 1_000_000_000)
    with pytest.raises(V2XDecodeError, match="RSM: cannot decode"):
        decode_object_list(payload[:-3], 1_000_000_000, "mec")


def test_unknown_object_class_is_rejected():
    rsm = decode_rsm(encode_object_list([_obj(1, 1.0)], 1_000_000_000))
    bad = replace(rsm, objects=(replace(rsm.objects[0], object_type=9),))
    with pytest.raises(V2XDecodeError, match="unknown class 9"):
        decode_object_list(encode_rsm(bad), 1_000_000_000, "mec")
