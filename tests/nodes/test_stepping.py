"""The step handshake's bookkeeping (ROS-free): a step runs only with every counted input in hand."""

import pytest

from coop_drive.nodes.stepping import StepInputs, StepReport


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
