"""MAP messages on the shipped maps: each junction through the ASN.1 MAP and back, and the vehicle's map rebuilt
from the received messages answers like the map file."""

from pathlib import Path

import numpy as np
import pytest

from coop_drive.geometry import Polyline
from coop_drive.hdmap import MapService, load_map
from coop_drive.hdmap.map_bench import sample_poses
from coop_drive.hdmap.map_client import MapServer
from coop_drive.hdmap.map_message import hdmap_from_messages, intersection_map
from coop_drive.hdmap.signal_groups import signal_group_numbers
from coop_drive.v2x.asn1_codec import decode_map, encode_map
from coop_drive.v2x.frame import MessageType, V2XDecodeError, decode_frame

MAPS = Path(__file__).resolve().parents[2] / "maps"
CM = 0.005 + 1e-9  # half the 1 cm resolution of a MAP position


@pytest.fixture(scope="module", params=["urban_intersection", "arterial_corridor"])
def maps(request):
    path = MAPS / f"{request.param}.xodr"
    svc = MapService(load_map(path))
    wire = MapServer(path).frames(10**9)
    received = [decode_map(decode_frame(f).payload) for f in wire]
    return svc, MapService(hdmap_from_messages(received)), wire


def test_frames_are_small_and_typed(maps):
    svc, _, wire = maps
    assert all(decode_frame(f).message_type is MessageType.MAP for f in wire)
    assert all(1_000 < len(f) < 1_300 for f in wire)  # ~1.2 KB per junction: ~9.5 kbit/s at 1 Hz
    assert len(wire) == len(svc.map.junctions)


def test_each_junction_survives_the_asn1_round_trip(maps):
    svc, _, _ = maps
    for jid in svc.map.junctions:
        sent = intersection_map(svc.map, jid, msg_count=5, time_s=12.345)
        got = decode_map(encode_map(sent))
        assert (got.msg_count, got.time_s, got.intersection_id) == (5, 12.345, int(jid))
        assert got.ref_xy_m == pytest.approx(sent.ref_xy_m, abs=CM)
        assert len(got.lanes) == len(sent.lanes)
        for a, b in zip(sent.lanes, got.lanes, strict=True):
            assert (b.lane_id, b.role, b.road_id, b.road_lane_id, b.connections) == (
                a.lane_id, a.role, a.road_id, a.road_lane_id, a.connections)
            np.testing.assert_allclose(b.nodes_xy_m, a.nodes_xy_m, rtol=0, atol=CM)
            assert b.width_m == pytest.approx(a.width_m, abs=CM)
            assert b.speed_limit_mps == pytest.approx(a.speed_limit_mps, abs=0.01 + 1e-9)
            assert (a.stop_line_xy_m is None) == (b.stop_line_xy_m is None)
            if a.stop_line_xy_m is not None:
                assert b.stop_line_xy_m == pytest.approx(a.stop_line_xy_m, abs=2 * CM)  # offset from the ref


def test_received_lanes_are_the_map_files_to_the_centimetre(maps):
    svc, rec, _ = maps
    assert {ln.key for ln in rec.map.lanes} <= {ln.key for ln in svc.map.lanes}
    for ln in rec.map.lanes:
        orig = svc.map.lane(*ln.key)
        _, lateral = Polyline(orig.xy_m).project(ln.xy_m)
        assert np.max(np.abs(lateral)) <= np.hypot(CM, CM)
        assert np.hypot(*(ln.xy_m[[0, -1]] - orig.xy_m[[0, -1]]).T) == pytest.approx([0, 0], abs=np.hypot(CM, CM))
        assert ln.length_m == pytest.approx(orig.length_m, abs=0.02)
        assert ln.width_m[0] == pytest.approx(float(orig.width_m.mean()), abs=CM)
        assert ln.speed[0].speed_mps == pytest.approx(orig.speed[0].speed_mps, abs=0.01)
        assert (ln.junction_id, len(ln.stop_lines)) == (orig.junction_id, min(len(orig.stop_lines), 1))
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
            assert (sa.road_id, sa.lane_id) == (sb.road_id, sb.lane_id)
            diffs.append(abs(sa.distance_m - sb.distance_m))
        ga, gb = svc.signal_group(ma), rec.signal_group(mb)
        assert (ga is None) == (gb is None)
        if ga is not None:  # the same SPaT signal group number on both maps
            assert ga.junction_id == gb.junction_id
            assert signal_group_numbers(svc.map, ga.junction_id)[ga.group_id] == \
                signal_group_numbers(rec.map, gb.junction_id)[gb.group_id]
        assert [(c.other_road_id, c.kind) for c in svc.conflict_areas(ma)] == \
            [(c.other_road_id, c.kind) for c in rec.conflict_areas(mb)]
    assert diffs and max(diffs) < 0.02


def test_route_polyline_from_messages_alone():
    svc = MapService(load_map(MAPS / "urban_intersection.xodr"))
    rec = MapService(hdmap_from_messages([decode_map(encode_map(intersection_map(svc.map, "100")))]))
    route = ["1", "2"]
    for service in (svc, rec):
        m = service.match(-150.0, -1.75, 0.0, route)
        spans = service.lanes_ahead(m, route, 400.0)
        assert [(s.road_id, s.lane_id) for s in spans] == [("1", -1), ("200", -1), ("2", 1)]
        assert spans[-1].end_m == pytest.approx(360.0, abs=0.01)


@pytest.mark.parametrize("mutate", [
    lambda d: d[:-1],  # truncated by a byte
    lambda d: d[: len(d) // 2],
    lambda d: d[:20],
    lambda d: b"",
])
def test_truncated_payloads_are_rejected(mutate):
    data = encode_map(intersection_map(load_map(MAPS / "urban_intersection.xodr"), "100"))
    with pytest.raises(V2XDecodeError, match=r"^MAP: cannot decode: "):
        decode_map(mutate(data))
