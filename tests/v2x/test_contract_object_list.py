"""Contract tests of the roadside object list (coop_drive/v2x/object_list.py, docs/v2x.md "The object list")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.perception.objects import ObjectClass, ObjectEstimate
from coop_drive.v2x.asn1_codec import decode_rsm, encode_rsm
from coop_drive.v2x.frame import V2XDecodeError
from coop_drive.v2x.messages import Rsm, RsmObject
from coop_drive.v2x.object_list import MIN_STD, decode_object_list, encode_object_list

GEN_NS = 12_345_000_000  # 12.345 s


def _estimate(
    object_id: int = 1,
    x: float = 10.4,
    y: float = 0.2,
    stamp_s: float = 12.325,
    variances: tuple[float, float, float, float] = (0.04, 0.09, 0.25, 0.16),
    existence: float = 0.93,
    classification: ObjectClass = ObjectClass.CAR,
) -> ObjectEstimate:
    cov = np.diag(variances)
    cov[0, 1] = cov[1, 0] = 0.01
    return ObjectEstimate(
        object_id=object_id,
        source_id="mec",
        stamp_s=stamp_s,
        state=np.array([x, y, -3.5, 0.5]),
        covariance=cov,
        length_m=4.6,
        width_m=1.8,
        existence_probability=existence,
        classification=classification,
    )


def test_object_list_is_the_rsm_it_documents():
    objects = [_estimate(1, 10.4, 0.2), _estimate(2, 11.4, 0.6, stamp_s=12.345, classification=ObjectClass.PEDESTRIAN)]
    payload = encode_object_list(objects, GEN_NS, msg_count=130, station_id=2001)
    # reference: the centroid (10.9, 0.4) rounded to the metre = (11, 0); msgCnt 130 wraps to 2;
    # standard deviations sqrt(0.04, 0.09, 0.25, 0.16) = (0.2, 0.3, 0.5, 0.4); ages 20 ms and 0 ms
    expected = Rsm(
        msg_count=2,
        station_id=2001,
        time_s=12.345,
        ref_xy_m=(11.0, 0.0),
        objects=(
            RsmObject(1, 1, 0.93, 10.4, 0.2, -3.5, 0.5, None, 4.6, 1.8, 0.2, 0.3, 0.5, 0.4, 12.325),
            RsmObject(2, 6, 0.93, 11.4, 0.6, -3.5, 0.5, None, 4.6, 1.8, 0.2, 0.3, 0.5, 0.4, 12.345),
        ),
    )
    assert payload == encode_rsm(expected)
    got = decode_rsm(payload)
    assert (got.msg_count, got.station_id, got.time_s, got.ref_xy_m) == (2, 2001, 12.345, (11.0, 0.0))


def test_defaults_are_message_count_and_station_zero():
    got = decode_rsm(encode_object_list([_estimate()], GEN_NS))
    assert (got.msg_count, got.station_id) == (0, 0)
    assert decode_rsm(encode_object_list([_estimate()], GEN_NS, msg_count=127)).msg_count == 127
    assert decode_rsm(encode_object_list([_estimate()], GEN_NS, msg_count=128)).msg_count == 0


def test_reference_rounds_the_centroid_to_the_metre():
    # x: mean of -20.2 and -19.6 = -19.9 -> -20; y: mean of 3.4 and 4.8 = 4.1 -> 4
    got = decode_rsm(encode_object_list([_estimate(1, -20.2, 3.4), _estimate(2, -19.6, 4.8)], GEN_NS))
    assert got.ref_xy_m == (-20.0, 4.0)
    assert decode_rsm(encode_object_list([], GEN_NS)).ref_xy_m == (0.0, 0.0)


def test_decoded_estimates():
    objects = [_estimate(1, 10.4, 0.2, stamp_s=12.325), _estimate(2, 11.4, 0.6, stamp_s=12.345)]
    decoded = decode_object_list(encode_object_list(objects, GEN_NS), GEN_NS, "rsu-7")
    for est, obj in zip(decoded, objects, strict=True):
        assert est.object_id == obj.object_id and est.source_id == "rsu-7"
        assert est.stamp_s == obj.stamp_s
        assert est.state.tolist() == pytest.approx(obj.state.tolist(), abs=1e-9)
        # the diagonal only: (0.2^2, 0.3^2, 0.5^2, 0.4^2)
        expected = np.diag([0.04, 0.09, 0.25, 0.16]).ravel().tolist()
        assert est.covariance.ravel().tolist() == pytest.approx(expected, abs=1e-12)
        assert (est.length_m, est.width_m) == (4.6, 1.8)
        assert est.existence_probability == 0.93
        assert est.classification is ObjectClass.CAR


def test_stamps_are_carried_as_ages_before_the_generation_time():
    payload = encode_object_list([_estimate(stamp_s=12.325)], GEN_NS)  # 20 ms old
    [est] = decode_object_list(payload, 20_000_000_000, "mec")  # received with another generation time
    assert est.stamp_s == 19.98  # 20 s - 20 ms
    [est] = decode_object_list(encode_object_list([_estimate(stamp_s=12.355)], GEN_NS), GEN_NS, "mec")
    assert est.stamp_s == 12.355  # stamped 10 ms after the generation time: a negative age


def test_existence_is_clipped_to_probability():
    for sent, received in ((1.3, 1.0), (-0.2, 0.0), (1.0, 1.0), (0.0, 0.0), (0.5, 0.5)):
        [est] = decode_object_list(encode_object_list([_estimate(existence=sent)], GEN_NS), GEN_NS, "mec")
        assert est.existence_probability == received


def test_zero_and_negative_variances_are_floored_at_a_millimetre():
    [est] = decode_object_list(encode_object_list([_estimate(variances=(0.0, -1.0, 1e-8, 4.0))], GEN_NS), GEN_NS, "mec")
    assert MIN_STD == 1e-3
    # std 0, 0 (clipped), 1e-4 -> 0 mm, 2 m; each below 1 mm becomes 1 mm
    assert np.diag(est.covariance).tolist() == pytest.approx([1e-6, 1e-6, 1e-6, 4.0], rel=1e-12)
    assert est.covariance[0, 1] == 0.0 and est.covariance[1, 0] == 0.0


def test_large_standard_deviations_saturate():
    [est] = decode_object_list(
        encode_object_list([_estimate(variances=(400.0, 0.04, 1000.0, 0.04))], GEN_NS), GEN_NS, "mec"
    )
    assert np.diag(est.covariance).tolist() == pytest.approx([16.383**2, 0.04, 16.383**2, 0.04], rel=1e-12)


@pytest.mark.parametrize("kind", list(ObjectClass))
def test_every_object_class_is_carried(kind):
    [est] = decode_object_list(encode_object_list([_estimate(classification=kind)], GEN_NS), GEN_NS, "mec")
    assert est.classification is kind
    assert decode_rsm(encode_object_list([_estimate(classification=kind)], GEN_NS)).objects[0].object_type == kind


@pytest.mark.parametrize("object_type", [7, 15])
def test_unknown_classes_are_decode_errors(object_type):
    rsm = decode_rsm(encode_object_list([_estimate(object_id=5)], GEN_NS))
    bad = Rsm(
        rsm.msg_count,
        rsm.station_id,
        rsm.time_s,
        rsm.ref_xy_m,
        (RsmObject(**{**rsm.objects[0].__dict__, "object_type": object_type}),),
    )
    with pytest.raises(V2XDecodeError, match=rf"^object 5: unknown class {object_type}$"):
        decode_object_list(encode_rsm(bad), GEN_NS, "mec")


def test_an_object_far_from_the_others_names_the_field():
    # centroid of x 0 and 2700 m is 1350 m: each object is 1350 m away, beyond the 1327.67 m offsets
    with pytest.raises(
        ValueError,
        match=r"^Rsm\.objects\[0\]\.x_m \(from ref_xy_m\): -1350 m is outside the "
        r"encodable range \[-1327\.68, 1327\.67\] m$",
    ):
        encode_object_list([_estimate(1, 0.0), _estimate(2, 2700.0)], GEN_NS)


def test_undecodable_payload_is_a_decode_error():
    with pytest.raises(V2XDecodeError, match=r"^RSM: cannot decode: "):
        decode_object_list(b"\x00", GEN_NS, "mec")


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    gen_ns=st.integers(40 * 10**9, 10**15),
    objects=st.lists(
        st.tuples(
            st.floats(-500.0, 500.0),
            st.floats(-500.0, 500.0),
            st.floats(-150.0, 150.0),
            st.floats(-150.0, 150.0),
            st.integers(-30_000_000_000, 30_000_000_000),
            st.floats(0.0, 1.0),
        ),
        max_size=6,
    ),
)
def test_object_list_round_trip(gen_ns, objects):
    sent = [
        ObjectEstimate(
            object_id=i,
            source_id="mec",
            stamp_s=(gen_ns - age_ns) / 1e9,
            state=np.array([x, y, vx, vy]),
            covariance=np.diag([0.01, 0.04, 0.09, 0.16]),
            length_m=4.5,
            width_m=1.8,
            existence_probability=p,
        )
        for i, (x, y, vx, vy, age_ns, p) in enumerate(objects)
    ]
    got = decode_object_list(encode_object_list(sent, gen_ns), gen_ns, "mec")
    assert len(got) == len(sent)
    for a, b in zip(sent, got, strict=True):
        assert b.state.tolist() == pytest.approx(a.state.tolist(), abs=0.005 + 1e-6)
        assert b.stamp_s == pytest.approx(a.stamp_s, abs=5e-4 + 1e-6)  # age in whole ms
        assert b.stamp_s <= gen_ns / 1e9 + 30.0
        assert np.diag(b.covariance).tolist() == pytest.approx([0.01, 0.04, 0.09, 0.16], rel=1e-9)
        assert b.existence_probability == pytest.approx(a.existence_probability, abs=0.005 + 1e-9)
