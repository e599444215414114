"""SPaT: frames built from fixed-time plans on the corridor map, and the vehicle's receiver."""

from pathlib import Path

import pytest

from coop_drive.cores.spat_service import SpatReceiver, SpatService, signal_group_numbers
from coop_drive.hdmap.parser import load_map
from coop_drive.units import s_to_ns
from coop_drive.v2x.frame import MessageType, decode_frame
from coop_drive.v2x.messages import MovementPhaseState as Mps
from coop_drive.world.traffic_lights import TimingPlan

REPO = Path(__file__).resolve().parents[2]
PHASES = ((30.0, "GGrr"), (3.0, "yyrr"), (30.0, "rrGG"), (3.0, "rryy"))  # 66 s cycle
PHASE_STATE = {"G": Mps.PROTECTED_MOVEMENT_ALLOWED, "y": Mps.PERMISSIVE_CLEARANCE, "r": Mps.STOP_AND_REMAIN}
END_TOLERANCE_S = 0.051  # end times travel as 0.1 s offsets from the message time (ms)


@pytest.fixture(scope="module")
def hdmap():
    return load_map(REPO / "maps" / "arterial_corridor.xodr")


def _plan(junction: str, cycle_start_s: float) -> TimingPlan:
    """Links 0, 1: the arterial (from the west and the east); 2, 3: the side street (north, south)."""
    road = int(junction) // 100
    return TimingPlan(junction, PHASES, cycle_start_s, (f"-{road}", f"{road + 1}", f"-{road}1", f"{road}2"))


@pytest.fixture()
def plans():
    return {"100": _plan("100", 0.0), "200": _plan("200", 7.0), "300": _plan("300", 21.5), "400": _plan("400", 35.0),
            "cluster_1_2": _plan("200", 0.0), "999": _plan("200", 0.0)}


def _receive(service: SpatService, time_s: float, receiver: SpatReceiver | None = None) -> SpatReceiver:
    rx = receiver or SpatReceiver(max_age_s=1.0)
    data = service.frame(time_s)
    assert data is not None
    frame = decode_frame(data)
    assert frame.message_type is MessageType.SPAT
    rx.on_payload(frame.payload)
    return rx


def test_signal_group_numbers_of_a_junction(hdmap):
    assert signal_group_numbers(hdmap, "200") == {"200_arterial": 1, "200_side": 2}


def test_groups_of_the_corridor(hdmap, plans):
    svc = SpatService(plans, hdmap)
    # controllers on the map only, with a numeric id: the arterial's first link and the side street's
    assert [(inter, links) for inter, _, links in svc.groups] == [
        (100, [(1, 0), (2, 2)]), (200, [(1, 0), (2, 2)]), (300, [(1, 0), (2, 2)]), (400, [(1, 0), (2, 2)])]
    assert [plan.cycle_start_s for _, plan, _ in svc.groups] == [0.0, 7.0, 21.5, 35.0]


def test_frame_header(hdmap, plans):
    svc = SpatService(plans, hdmap, source_id="mec_1")
    first, second = decode_frame(svc.frame(12.0)), decode_frame(svc.frame(12.1))
    assert first.source_id == "mec_1"
    assert first.generation_time_ns == s_to_ns(12.0)
    assert second.sequence_number == first.sequence_number + 1


def test_no_frame_without_known_signals(hdmap):
    assert SpatService({}, hdmap).frame(0.0) is None
    assert SpatService({"cluster_1_2": _plan("200", 0.0)}, hdmap).frame(0.0) is None


@pytest.mark.parametrize("time_s", [12.0, 36.5, 40.2, 1000.0])
def test_received_events_reproduce_the_plan(hdmap, plans, time_s):
    svc = SpatService(plans, hdmap)
    rx = _receive(svc, time_s)
    for junction in ("100", "200", "300", "400"):
        plan = plans[junction]
        for group, link in ((1, 0), (2, 2)):
            events = rx.events(int(junction), group, time_s)
            runs = plan.colour_runs(link, time_s, 4)
            assert events is not None and len(events) == 4
            assert [state for state, _ in events] == [PHASE_STATE[char] for _, char, _ in runs]
            assert [end for _, end in events] == pytest.approx([end for _, _, end in runs], abs=1e-6)


def test_end_times_are_rounded_to_a_tenth_of_a_second(hdmap, plans):
    time_s = 12.34  # 200: the arterial's green ends at 37 s, 24.66 s later
    rx = _receive(SpatService(plans, hdmap), time_s)
    events = rx.events(200, 1, time_s)
    assert events is not None
    runs = plans["200"].colour_runs(0, time_s, 4)
    assert [end for _, end in events] == pytest.approx([end for _, _, end in runs], abs=END_TOLERANCE_S)


def test_the_two_groups_of_a_junction_are_opposed(hdmap, plans):
    rx = _receive(SpatService(plans, hdmap), 12.0)
    arterial, side = rx.events(200, 1, 12.0), rx.events(200, 2, 12.0)
    assert arterial is not None and side is not None
    assert arterial[0] == (Mps.PROTECTED_MOVEMENT_ALLOWED, pytest.approx(37.0))
    assert side[0] == (Mps.STOP_AND_REMAIN, pytest.approx(40.0))
    assert side[1] == (Mps.PROTECTED_MOVEMENT_ALLOWED, pytest.approx(70.0))


def test_events_that_have_ended_are_dropped(hdmap, plans):
    rx = _receive(SpatService(plans, hdmap), 36.5)  # 200's arterial green ends at 37 s
    events = rx.events(200, 1, 37.2)
    assert events is not None and len(events) == 3
    assert events[0] == (Mps.PERMISSIVE_CLEARANCE, pytest.approx(40.0))


def test_a_stale_spat_gives_nothing(hdmap, plans):
    rx = _receive(SpatService(plans, hdmap), 12.0)
    assert rx.events(200, 1, 12.9) is not None
    assert rx.events(200, 1, 13.0) is not None
    assert rx.events(200, 1, 13.2) is None
    assert SpatReceiver(max_age_s=5.0).max_age_s == 5.0
    rx_long = _receive(SpatService(plans, hdmap), 12.0, SpatReceiver(max_age_s=5.0))
    assert rx_long.events(200, 1, 16.0) is not None


def test_unknown_groups_and_nothing_received_give_nothing(hdmap, plans):
    assert SpatReceiver().events(200, 1, 0.0) is None
    rx = _receive(SpatService(plans, hdmap), 12.0)
    assert rx.events(200, 3, 12.0) is None
    assert rx.events(500, 1, 12.0) is None


def test_an_older_message_after_a_newer_one_is_ignored(hdmap, plans):
    svc = SpatService(plans, hdmap)
    old = decode_frame(svc.frame(15.0)).payload
    same = decode_frame(svc.frame(20.0)).payload
    rx = _receive(svc, 20.0)
    rx.on_payload(old)
    assert rx.time_s == pytest.approx(20.0)
    rx.on_payload(same)
    assert rx.time_s == pytest.approx(20.0)
    events = rx.events(200, 1, 20.0)
    assert events is not None and events[0][1] == pytest.approx(37.0)
    assert rx.events(200, 1, 20.5) is not None  # its age counts from the newer message
    _receive(svc, 40.5, rx)  # a newer one replaces it
    events = rx.events(200, 1, 40.5)
    assert events is not None and events[0] == (Mps.STOP_AND_REMAIN, pytest.approx(73.0))


def test_message_count_wraps(hdmap, plans):
    svc = SpatService(plans, hdmap)
    counts = [svc.spat(0.1 * k).msg_count for k in range(130)]
    assert counts[:3] == [0, 1, 2]
    assert counts[127:] == [127, 0, 1]


# ------------------------------------------------------------------------------ the real plans of the corridor


@pytest.fixture(scope="module")
def sumo_run(hdmap):
    """The green-wave scenario in SUMO: its plans, and ~100 s of signal states and the ego's next signal."""
    pytest.importorskip("libsumo")
    from coop_drive.scenario import load_scenario
    from coop_drive.world.sumo_backend import SumoWorld

    world = SumoWorld()
    try:
        world.start(load_scenario(REPO / "scenarios" / "green_wave.yaml"))
        plans = world.signal_plans()
        trace = []
        while not world.ego_arrived() and len(trace) < 1200:
            world.command_ego_speed(13.89)
            world.tick()
            states = {tls: s.link_states for tls, s in world.signal_states().items()}
            trace.append((world.time_s, states, world.ego_next_signal()))
    finally:
        world.close()
    return plans, trace


def test_groups_from_the_sumo_plans(hdmap, sumo_run):
    plans, _ = sumo_run
    svc = SpatService(plans, hdmap)
    assert [inter for inter, _, _ in svc.groups] == [100, 200, 300, 400]
    for inter, plan, links in svc.groups:
        assert [number for number, _ in links] == [1, 2]
        (_, arterial), (_, side) = links
        road = inter // 100
        assert plan.link_in_edges[arterial].lstrip("-") in {str(road), str(road + 1)}
        assert plan.link_in_edges[side].lstrip("-") in {f"{road}1", f"{road}2"}


def test_sumo_plans_predict_the_signal_states(sumo_run):
    plans, trace = sumo_run
    assert len(trace) > 900  # the ego drives through the corridor in ~109 s
    step_s = trace[1][0] - trace[0][0]
    for time_s, states, _ in trace:
        for tls, plan in plans.items():
            phase, spent = plan.position(time_s)
            if spent < step_s / 2:  # SUMO shows a new phase one step after the switch time
                phase = (phase - 1) % len(plan.phases)
            assert plan.phases[phase][1] == states[tls], (tls, time_s)


def test_spat_from_sumo_plans_matches_the_ego_signal(hdmap, sumo_run):
    plans, trace = sumo_run
    svc = SpatService(plans, hdmap)
    rx = SpatReceiver()
    colours = {Mps.PROTECTED_MOVEMENT_ALLOWED: "green", Mps.PERMISSIVE_MOVEMENT_ALLOWED: "green",
               Mps.PERMISSIVE_CLEARANCE: "amber", Mps.STOP_AND_REMAIN: "red"}
    checked = set()
    for time_s, _, ahead in trace[::3]:
        if ahead is None or plans[ahead.tls_id].position(time_s)[1] < 0.15:
            continue  # one step after a switch SUMO still shows the old state
        rx.on_payload(decode_frame(svc.frame(time_s)).payload)
        events = rx.events(int(ahead.tls_id), 1, time_s)
        assert events is not None
        assert colours[events[0][0]] == ahead.colour.value, (ahead, time_s)
        checked.add((ahead.tls_id, ahead.colour.value))
    # at a constant 50 km/h the ego sees every colour on the way through 200, 300 and 400
    assert {colour for _, colour in checked} == {"green", "amber", "red"}
    assert {tls for tls, _ in checked} == {"200", "300", "400"}
