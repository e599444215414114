"""MAP messages: the MEC serialises each junction; the vehicle rebuilds a map that answers like the original."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap import MapService, load_map
from coop_drive.hdmap.map_bench import sample_poses
from coop_drive.hdmap.map_message import (
    build_intersection_map,
    decode_map,
    encode_map,
    hdmap_from_messages,
    map_frame,
)
from coop_drive.v2x.frame import MessageType, V2XDecodeError, decode_frame

MAPS = Path(__file__).resolve().parents[2] / "maps"


@pytest.fixture(scope="module", params=["urban_intersection", "arterial_corridor"])
def maps(request):
    svc = MapService(load_map(MAPS / f"{request.param}.xodr"))
    wire = [map_frame(build_intersection_map(svc, j), "mec", k, 10**9) for k, j in enumerate(sorted(svc.map.junctions))]
    received = [decode_map(decode_frame(f).payload) for f in wire]
    return svc, MapService(hdmap_from_messages(received)), wire


def test_frames_are_small_and_typed(maps):
    svc, _, wire = maps
    assert all(decode_frame(f).message_type is MessageType.MAP for f in wire)
    assert all(2_000 < len(f) < 5_000 for f in wire)  # ~3.7 KB per junction: ~30 kbit/s at 1 Hz
    assert len(wire) == len(svc.map.junctions)


def test_round_trip_keeps_lanes_to_the_centimetre(maps):
    svc, rec, _ = maps
    assert {ln.key for ln in rec.map.lanes} <= {ln.key for ln in svc.map.lanes}
    for ln in rec.map.lanes:
        orig = svc.map.lane(*ln.key)
        assert np.max(np.abs(ln.xy_m - orig.xy_m)) <= 0.00501  # 1 cm fixed point (reference point too)
        assert sorted(rec.map.lanes[i].key for i in ln.successors) == \
            sorted(svc.map.lanes[i].key for i in orig.successors)


def test_received_map_answers_like_the_onboard_map(maps):
    svc, rec, _ = maps
    xy, yaw, _ = sample_poses(svc, 3000, seed=5)
    keys = {ln.key for ln in rec.map.lanes}
    a, b = svc.match_batch(xy, yaw), rec.match_batch(xy, yaw)
    covered = np.array([i >= 0 and svc.map.lanes[i].key in keys for i in a.lane_index])
    assert covered.mean() > 0.5  # approaches and junctions are in the messages
    same = [svc.map.lanes[i].key == rec.map.lanes[j].key for i, j in zip(a.lane_index[covered],
                                                                          b.lane_index[covered], strict=True)]
    assert np.mean(same) >= 0.995  # 1 cm quantisation and re-estimated tangents: ties at lane ends may flip
    diffs = []
    for k in np.nonzero(covered)[0][:400]:
        ma = svc.match(*xy[k], yaw[k])
        mb = rec.match(*xy[k], yaw[k])
        sa, sb = svc.distance_to_stop_line(ma), rec.distance_to_stop_line(mb)
        assert (sa is None) == (sb is None)
        if sa is not None:
            assert sa.signal_id == sb.signal_id
            diffs.append(abs(sa.distance_m - sb.distance_m))
        ga, gb = svc.signal_group(ma), rec.signal_group(mb)
        assert (ga is None) == (gb is None) and (ga is None or ga.group_id == gb.group_id)
        assert [(c.other_road_id, c.kind) for c in svc.conflict_areas(ma)] == \
            [(c.other_road_id, c.kind) for c in rec.conflict_areas(mb)]
    assert diffs and max(diffs) < 0.02


def test_route_polyline_from_messages_alone():
    svc = MapService(load_map(MAPS / "urban_intersection.xodr"))
    rec = MapService(hdmap_from_messages([decode_map(encode_map(build_intersection_map(svc, "100")))]))
    route = ["1", "2"]
    for service in (svc, rec):
        m = service.match(-150.0, -1.75, 0.0, route)
        spans = service.lanes_ahead(m, route, 400.0)
        assert [(s.road_id, s.lane_id) for s in spans] == [("1", -1), ("200", -1), ("2", 1)]
        assert spans[-1].end_m == pytest.approx(360.0, abs=0.01)


@pytest.mark.parametrize("mutate", [
    lambda d: d[:-1],  # truncated
    lambda d: d + b"\0",  # trailing byte
    lambda d: bytes([9]) + d[1:],  # unknown version
    lambda d: d[:20],
])
def test_bad_payloads_are_rejected(mutate):
    svc = MapService(load_map(MAPS / "urban_intersection.xodr"))
    data = encode_map(build_intersection_map(svc, "100"))
    with pytest.raises(V2XDecodeError, match="MAP"):
        decode_map(mutate(data))
