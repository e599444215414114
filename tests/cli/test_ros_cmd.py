"""`coop-drive launch` checks the shared launch arguments before any node starts: one line naming the argument
and what it accepts, exit 2."""

import pytest

from coop_drive.cli.main import main
from coop_drive.cli.ros_cmd import check_argument_values

LAUNCH = "launch/occluded_intersection.launch.xml"


@pytest.mark.parametrize(("arguments", "message"), [
    ({"split": "teleport"}, "launch argument split:=teleport: expected one of onboard | edge-perception"),
    ({"mode": "fast"}, "launch argument mode:=fast: expected one of lockstep | realtime"),
    ({"real_time_factor": "-1"}, "launch argument real_time_factor:=-1: expected a number > 0"),
    ({"real_time_factor": "inf"}, "launch argument real_time_factor:=inf: expected a number > 0"),
    ({"real_time_factor": "fast"}, "launch argument real_time_factor:=fast: expected a number > 0"),
    ({"fault": "mec-silent@8,boom@x"}, "launch argument fault:=mec-silent@8,boom@x: expected KIND@SECONDS"),
])
def test_bad_values_name_the_argument_and_what_it_takes(arguments, message):
    assert check_argument_values(arguments).startswith(message)


def test_good_values_pass():
    assert check_argument_values({"split": "", "mode": "realtime", "real_time_factor": "2", "fault": "",
                                  "out": "anything", "scenario": "x.yaml"}) is None
    assert check_argument_values({"split": "edge", "mode": "lockstep", "fault": "mec-silent@8"}) is None


def test_the_launch_exits_2_before_starting_a_node(capsys):
    with pytest.raises(SystemExit) as info:
        main(["launch", LAUNCH, "mode:=fast"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["coop-drive: error: launch argument mode:=fast: expected one of lockstep | "
                                        "realtime"]
