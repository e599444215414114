"""The step handshake's bookkeeping (ROS-free): a step runs only with every counted input in hand."""

import pytest

from coop_drive.nodes.stepping import (
    FreeRunInputs,
    Periodic,
    ProgressWatch,
    StartHandshake,
    StepInputs,
    StepReport,
)


def test_a_step_waits_for_every_upstream_report_and_every_counted_message():
    inputs = StepInputs(["/a", "/b"], ["/x", "/y"])
    inputs.add_report(StepReport("/a", 100, {"/x": 2, "/other": 5}))
    assert inputs.next_stamp_ns() is None  # /b has not reported
    inputs.add_message("/x", b"1")
    inputs.add_report(StepReport("/b", 100, {"/y": 1}))
    assert inputs.next_stamp_ns() == 100 and inputs.missing() == {"/x": 1, "/y": 1}
    inputs.add_message("/y", b"y1")
    inputs.add_message("/x", b"2")
    inputs.add_message("/x", b"3")  # already the next step's
    assert inputs.ready()
    assert inputs.take() == (100, {"/x": [b"1", b"2"], "/y": [b"y1"]})
    inputs.add_report(StepReport("/a", 150, {"/x": 1}, final=True))
    inputs.add_report(StepReport("/b", 150, {}))
    assert inputs.ready() and inputs.is_final()
    assert inputs.take() == (150, {"/x": [b"3"], "/y": []})


def test_reports_of_other_nodes_are_ignored_and_missing_messages_can_be_given_up():
    inputs = StepInputs(["/a"], ["/v2x"])
    inputs.add_report(StepReport("/someone_else", 0, {"/v2x": 3}))
    inputs.add_report(StepReport("/a", 0, {"/v2x": 2}))
    inputs.add_message("/v2x", b"f")
    with pytest.raises(RuntimeError, match="incomplete"):
        inputs.take()
    assert inputs.take(allow_missing=True) == (0, {"/v2x": [b"f"]})
    assert inputs.messages_missing == 1


def test_a_lagged_upstream_node_feeds_the_step_after_the_one_it_reports():
    inputs = StepInputs(["/mec", "/uplink"], ["/bsm"], lagged={"/uplink": 50})
    inputs.add_report(StepReport("/mec", 0, {}))
    assert inputs.ready() and inputs.take() == (0, {"/bsm": []})  # nothing from the uplink before its first report
    inputs.add_report(StepReport("/mec", 50, {}))
    assert inputs.next_stamp_ns() is None  # waits for the uplink's report of step 0
    inputs.add_report(StepReport("/uplink", 0, {"/bsm": 1}))
    inputs.add_message("/bsm", b"b0")
    assert inputs.take() == (50, {"/bsm": [b"b0"]})
    inputs.add_report(StepReport("/mec", 100, {}, final=True))  # the run ends: the lagged node is not waited for
    assert inputs.ready() and inputs.is_final() and inputs.take() == (100, {"/bsm": []})


def test_the_split_decides_which_nodes_run_and_who_waits_for_whom():
    from pathlib import Path

    from coop_drive.nodes import topology as tp
    from coop_drive.scenario import Split, load_scenario

    base = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "occluded_intersection.yaml")
    assert tp.stack_nodes(base) == [tp.BRIDGE, tp.VEHICLE_PERCEPTION, tp.VEHICLE_PLANNER]
    edge = base.with_overrides(split=Split.EDGE)
    assert tp.stack_nodes(edge) == [tp.BRIDGE, tp.MEC, tp.LINK, tp.VEHICLE_PERCEPTION, tp.VEHICLE_PLANNER, tp.UPLINK]
    assert tp.upstream_of(tp.VEHICLE_PLANNER, edge) == [tp.BRIDGE, tp.LINK, tp.VEHICLE_PERCEPTION]
    assert tp.upstream_of(tp.UPLINK, edge) == [tp.VEHICLE_PLANNER]
    planning = base.with_overrides(split=Split.EDGE_PLANNING)
    assert tp.PLANNER in tp.stack_nodes(planning) and tp.MAP not in tp.stack_nodes(planning)
    assert tp.upstream_of(tp.LINK, planning) == [tp.MEC, tp.PLANNER]
    assert tp.lagged_upstream(tp.PLANNER, planning) == {tp.UPLINK: 50_000_000}
    assert tp.SPAT not in tp.stack_nodes(edge)  # no traffic lights on the occluded intersection


def test_the_spat_service_runs_on_signalised_maps_with_v2x():
    from pathlib import Path

    from coop_drive.nodes import topology as tp
    from coop_drive.scenario import Split, load_scenario

    green = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "green_wave.yaml")
    edge = green.with_overrides(split=Split.EDGE)
    assert tp.SPAT in tp.stack_nodes(edge) and tp.upstream_of(tp.LINK, edge) == [tp.MEC, tp.SPAT]
    assert tp.SPAT not in tp.stack_nodes(green.with_overrides(split=Split.ONBOARD))


def test_a_long_start_up_does_not_count_as_a_stalled_run():
    watch = ProgressWatch(timeout_s=20.0)
    assert not watch.stalled(now_s=500.0)  # nodes up at 0 s, the bridge still waiting for others
    watch.start(now_s=30.0)  # the first step report, 30 s after this node came up
    assert not watch.stalled(now_s=31.0)
    watch.start(now_s=45.0)  # a later report does not restart the clock; progress does
    assert watch.stalled(now_s=50.5)
    watch.progressed(now_s=50.0)
    assert not watch.stalled(now_s=69.9) and watch.stalled(now_s=70.1)


def test_periodic_instants_are_handed_out_once_each_from_the_first_step_on():
    spat = Periodic(100)
    assert list(spat.due_before(250, first_ns=50)) == [50, 150]
    assert list(spat.due_before(250, first_ns=0)) == []  # nothing twice; first_ns counts only once
    assert list(spat.due_before(251, first_ns=0)) == [250]
    with pytest.raises(ValueError, match="positive"):
        Periodic(0)


def test_the_nodes_a_step_waits_for_are_named():
    inputs = StepInputs(["/bridge", "/mec", "/uplink"], [], lagged={"/uplink": 50})
    assert inputs.unreported() == ["/bridge", "/mec", "/uplink"]
    inputs.add_report(StepReport("/bridge", 0, {}))
    assert inputs.unreported() == ["/mec", "/uplink"]
    inputs.add_report(StepReport("/mec", 0, {}))
    assert inputs.unreported() == []  # the lagged node has nothing for the first step
    inputs.take()
    assert inputs.unreported() == ["/bridge", "/mec", "/uplink"]


def test_a_node_is_ready_once_it_has_heard_each_upstream_node():
    handshake = StartHandshake(["/sim_bridge", "/link_relay", "/vehicle/perception"])
    assert not handshake.ready and handshake.missing() == ["/sim_bridge", "/link_relay", "/vehicle/perception"]
    for node in ("/sim_bridge", "/mec/mec_planner", "/vehicle/perception"):  # one of them is not upstream
        handshake.heard(node)
    assert handshake.missing() == ["/link_relay"]
    handshake.heard("/link_relay")
    assert handshake.ready
    assert StartHandshake([]).ready


def test_a_free_running_node_ticks_once_per_step_of_clock_with_what_arrived_since():
    inputs = FreeRunInputs(["/a", "/b"], step_ns=50)
    assert inputs.due(1_000)  # the first clock is a tick, whatever its time
    inputs.add("/a", b"1")
    inputs.add("/a", b"2")
    assert inputs.take() == {"/a": [b"1", b"2"], "/b": []}
    inputs.ticked(1_000)
    assert not inputs.due(1_049)
    assert inputs.due(1_050)
    assert inputs.take() == {"/a": [], "/b": []}  # taken once
    inputs.ticked(1_120)  # a late clock: the next tick is one step after the one that ran
    assert not inputs.due(1_169) and inputs.due(1_170)


def test_messages_of_a_tick_that_could_not_run_come_before_later_arrivals():
    inputs = FreeRunInputs(["/route", "/odom"], step_ns=50)
    inputs.add("/route", b"r")
    inputs.add("/odom", b"o1")
    taken = inputs.take()
    inputs.add("/odom", b"o2")
    inputs.put_back(taken)
    assert inputs.take() == {"/route": [b"r"], "/odom": [b"o1", b"o2"]}
    with pytest.raises(ValueError, match="step must be positive"):
        FreeRunInputs(["/a"], step_ns=0)
