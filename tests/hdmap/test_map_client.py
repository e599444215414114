"""`vehicle.map: mec`: the MEC's MAP server and the vehicle's MAP client; the car without an onboard map drives
on the MEC's MAP messages."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coop_drive.cores.onboard_planning import VehiclePlannerCore
from coop_drive.geometry import Polyline
from coop_drive.hdmap import MapService, load_map
from coop_drive.hdmap.map_client import MapClient, MapServer
from coop_drive.scenario import ScenarioError, load_scenario
from coop_drive.scenario.model import MapSource, Split
from coop_drive.v2x.asn1_codec import decode_map, encode_map
from coop_drive.v2x.frame import MessageType, V2XDecodeError, V2XFrame, decode_frame, encode_frame
from coop_drive.v2x.messages import LaneConnection

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "occluded_intersection.yaml"
URBAN = REPO / "maps" / "urban_intersection.xodr"
CORRIDOR = REPO / "maps" / "arterial_corridor.xodr"


def _variant(tmp_path, split: str, vehicle_map: str) -> Path:
    text = SCENARIO.read_text()
    text = text.replace("split: onboard", f"split: {split}", 1)
    text = text.replace("vehicle:\n", f"vehicle:\n  map: {vehicle_map}\n", 1)
    text = text.replace("../maps/", f"{REPO / 'maps'}/")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_loader_reads_the_map_source(tmp_path):
    assert load_scenario(SCENARIO).map_source is MapSource.ONBOARD
    assert load_scenario(_variant(tmp_path, "edge", "mec")).map_source is MapSource.MEC
    with pytest.raises(ScenarioError, match=r"vehicle.map: 'mec' needs a split with V2X"):
        load_scenario(_variant(tmp_path, "onboard", "mec"))
    with pytest.raises(ScenarioError, match=r"vehicle.map: expected one of onboard, mec, got 'cloud'"):
        load_scenario(_variant(tmp_path, "edge", "cloud"))


def test_route_path_from_map_messages_matches_sumos_route():
    from coop_drive.world.sumo_backend import SumoWorld

    scenario = load_scenario(SCENARIO)
    world = SumoWorld()
    try:
        world.start(scenario)
        sumo_path = world.ego_route_path()
        ego = world.actor_states()["ego"]
    finally:
        world.close()
    client = MapClient(["1", "2"])
    assert client.route_path(ego.x_m, ego.y_m) is None  # nothing received yet
    for frame in MapServer(URBAN).frames(0):
        client.on_payload(decode_frame(frame).payload)
    path = client.route_path(ego.x_m, ego.y_m)
    assert path is not None
    _, lateral = sumo_path.project(path.points_xy_m)
    assert np.max(np.abs(lateral)) < 0.05  # the same centre line as SUMO's lanes, within 5 cm
    assert path.points_xy_m[0] == pytest.approx([-210.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([210.0, -1.75])


@pytest.mark.closed_loop
def test_occluded_intersection_passes_with_the_map_from_the_mec():
    from coop_drive.harness.run import run_scenario
    from coop_drive.world.sumo_backend import SumoWorld

    base = load_scenario(SCENARIO).with_overrides(split=Split.EDGE)
    onboard_map = run_scenario(base, SumoWorld())
    mec_map = run_scenario(base.with_overrides(map_source=MapSource.MEC), SumoWorld())
    assert not mec_map.collision and mec_map.min_ttc_s > 5.0 and mec_map.ego_travel_time_s is not None
    assert mec_map.ego_max_decel_mps2 == pytest.approx(onboard_map.ego_max_decel_mps2, abs=0.1)
    assert mec_map.min_distance_m == pytest.approx(onboard_map.min_distance_m, abs=0.2)
    assert mec_map.v2x_frames_sent > onboard_map.v2x_frames_sent  # + one MAP frame per second


# -- server and client -----------------------------------------------------------------------------------


def test_server_frames_and_client_updates():
    server = MapServer(URBAN, source_id="edge")
    first = server.frames(5_000_000)
    second = server.frames(6_000_000)
    assert len(first) == 1 and len(server.messages) == 1
    f0, f1 = decode_frame(first[0]), decode_frame(second[0])
    assert (f0.message_type, f0.source_id, f0.sequence_number, f0.generation_time_ns) == (MessageType.MAP, "edge",
                                                                                          0, 5_000_000)
    assert (f1.sequence_number, f1.generation_time_ns) == (1, 6_000_000)
    assert (decode_map(f0.payload).time_s, decode_map(f1.payload).time_s) == (0.005, 0.006)  # stamped when sent
    client = MapClient(["1", "2"])
    assert client.service is None and client.version == () and client.route_path(0.0, 0.0) is None
    client.on_payload(f0.payload)
    svc = client.service
    assert client.messages_received == 1 and client.version == (("100", 0),)
    client.on_payload(f1.payload)  # the same revision: the map is kept
    assert client.messages_received == 2 and client.service is svc
    client.on_payload(encode_map(replace(server.messages[0], msg_count=1)))
    assert client.version == (("100", 1),) and client.service is not svc
    path = client.route_path(-150.0, -1.75)
    np.testing.assert_allclose(path.points_xy_m[[0, -1]], [[-210.0, -1.75], [210.0, -1.75]])
    assert client.route_path(-150.0, 30.0) is None  # off the received lanes
    with pytest.raises(V2XDecodeError, match=r"^MAP: cannot decode: "):
        client.on_payload(b"\x01")
    assert client.messages_received == 3 and client.version == (("100", 1),)


def test_client_builds_the_lanes_of_the_map_file():
    client = MapClient(["1", "2"])
    for frame in MapServer(URBAN).frames(0):
        client.on_payload(decode_frame(frame).payload)
    assert client.service is not None
    received, onboard = client.service.map, load_map(URBAN)
    assert sorted(ln.key for ln in received.lanes) == sorted(ln.key for ln in onboard.lanes)  # one junction: all
    for ln in received.lanes:
        orig = onboard.lane(*ln.key)
        _, lateral = Polyline(orig.xy_m).project(ln.xy_m)
        assert np.max(np.abs(lateral)) < 0.0071 and ln.length_m == pytest.approx(orig.length_m, abs=0.02)
        assert ln.junction_id == orig.junction_id
        assert sorted(received.lanes[i].key for i in ln.successors) == sorted(onboard.lanes[i].key
                                                                              for i in orig.successors)
    onboard_svc = MapService(onboard)
    for x in np.arange(-200.0, 200.0, 0.5):  # along the route: the same lane on both maps
        a, b = onboard_svc.match(x, -1.75, 0.0, ["1", "2"]), client.service.match(x, -1.75, 0.0, ["1", "2"])
        assert (a.road_id, a.lane_id) == (b.road_id, b.lane_id)
        assert b.lateral_offset_m == pytest.approx(a.lateral_offset_m, abs=0.0071)


def test_client_rejects_an_inconsistent_message_and_keeps_its_map():
    msg = MapServer(URBAN).messages[0]
    client = MapClient(["1", "2"])
    client.on_payload(encode_map(msg))
    lanes = (replace(msg.lanes[0], connections=(LaneConnection(99, None),)), *msg.lanes[1:])
    with pytest.raises(V2XDecodeError, match=r"^MAP intersection 100: lane 1 connects to lane 99, which is not"):
        client.on_payload(encode_map(replace(msg, msg_count=1, lanes=lanes)))
    assert client.version == (("100", 0),) and client.messages_received == 1


def test_the_vehicle_counts_bad_map_payloads_and_drives_on():
    frame = decode_frame(MapServer(URBAN).frames(1_000_000_000)[0])
    core = VehiclePlannerCore(load_scenario(SCENARIO).ego, None, 0.5, uses_v2x=True)
    core.map_client = MapClient(["1", "2"])
    bad = [frame.payload[:-3], frame.payload[: len(frame.payload) // 3], b""]
    for payload in bad:
        core.on_v2x(encode_frame(replace(frame, payload=payload)))  # a valid envelope around a broken MAP
    assert core.stats.frames_rejected == len(bad) and core.map_client.version == ()
    core.on_v2x(encode_frame(V2XFrame(MessageType.MAP, "mec", 9, frame.generation_time_ns, frame.payload)))
    assert core.stats.frames_rejected == len(bad) and core.map_client.version == (("100", 0),)


@pytest.fixture(scope="module")
def corridor_frames():
    return [decode_frame(f) for f in MapServer(CORRIDOR).frames(0)]


def test_server_default_source_and_one_frame_per_junction_in_id_order(corridor_frames):
    frames = corridor_frames
    assert [f.source_id for f in frames] == ["mec"] * 4
    assert [f.sequence_number for f in frames] == [0, 1, 2, 3]
    assert [decode_map(f.payload).intersection_id for f in frames] == [100, 200, 300, 400]
    client = MapClient(["1", "2", "3"])
    for f in frames[:2]:
        client.on_payload(f.payload)
    assert client.version == (("100", 0), ("200", 0))
    path = client.route_path(295.0, -1.75)  # inside junction 100 on the straight: from that lane's start on
    # the straight crossing (x 290..310), road 2 (to 690), junction 200's straight (to 710), then road 3's
    # eastbound lane, an exit lane of junction 200 and so in its message, to its end at x = 1040
    assert path.points_xy_m[0] == pytest.approx([290.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([1040.0, -1.75])


def test_client_route_path_starts_on_the_route_lane_inside_a_junction():
    # 1 m into the urban junction the straight, right and left connecting lanes overlap: the route (west ->
    # north, road 4) picks the left turn, so the path leaves northwards on road 4 (x = 1.75, up to y = 210)
    client = MapClient(["1", "4"])
    for frame in MapServer(URBAN).frames(0):
        client.on_payload(decode_frame(frame).payload)
    path = client.route_path(-9.0, -1.75)
    assert path.points_xy_m[0] == pytest.approx([-10.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([1.75, 210.0])


def test_client_path_reaches_the_end_of_a_2_km_route(corridor_frames):
    client = MapClient(["1", "2", "3", "4", "5"])
    for frame in corridor_frames:
        client.on_payload(frame.payload)
    path = client.route_path(295.0, -1.75)  # 1710 m of lanes ahead: from junction 100 to the corridor's end
    assert path.points_xy_m[0] == pytest.approx([290.0, -1.75])
    assert path.points_xy_m[-1] == pytest.approx([2000.0, -1.75])
