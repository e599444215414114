"""The XML launch subset: the shipped files resolve to the right nodes; bad files fail clearly with exit 2."""

from pathlib import Path

import pytest

from coop_drive.cli.main import main
from coop_drive.launching.runner import resolve_executable
from coop_drive.launching.xml_launch import LaunchFileError, load_launch_file

REPO = Path(__file__).resolve().parents[2]
LAUNCH = REPO / "launch"


def test_the_full_stack_resolves_to_ten_nodes_in_their_namespaces(tmp_path):
    nodes = load_launch_file(LAUNCH / "occluded_intersection.launch.xml", {"split": "onboard", "out": str(tmp_path)})
    by_name = {n.name: n for n in nodes}
    assert set(by_name) == {"sim_bridge", "recorder", "mec_perception", "mec_planner", "map_server", "link_relay",
                            "link_relay_uplink", "perception", "planner", "spat_server"}
    assert by_name["perception"].namespace == "/vehicle" and by_name["planner"].namespace == "/vehicle"
    assert by_name["mec_planner"].namespace == "/mec" and by_name["map_server"].namespace == "/mec"
    assert by_name["spat_server"].namespace == "/mec"
    assert dict(by_name["link_relay_uplink"].params)["direction"] == "uplink"
    assert by_name["mec_perception"].namespace == "/mec"
    assert by_name["sim_bridge"].namespace == "/" and by_name["recorder"].on_exit_shutdown
    params = dict(by_name["planner"].params)
    assert params["split"] == "onboard" and params["scenario"].endswith("scenarios/occluded_intersection.yaml")
    assert dict(by_name["recorder"].params)["bag_dir"] == f"{tmp_path}/bag"
    assert by_name["perception"].param_files == [REPO / "config" / "coop_drive.yaml"]
    args = by_name["planner"].ros_arguments()
    assert args[:5] == ["--ros-args", "-r", "__node:=planner", "-r", "__ns:=/vehicle"]
    for node in nodes:  # every exec is installed (console_scripts) or otherwise resolvable
        assert resolve_executable(node.package, node.executable)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.launch.xml"
    path.write_text(f"<launch>{body}</launch>")
    return path


def test_group_let_remap_include_and_inline_params(tmp_path):
    inner = tmp_path / "inner.launch.xml"
    inner.write_text('<launch><arg name="who"/><node pkg="coop_drive" exec="vehicle" name="$(var who)"/></launch>')
    path = _write(tmp_path, '<let name="ns" value="car1"/><group><push-ros-namespace namespace="$(var ns)"/>'
                            '<node pkg="coop_drive" exec="vehicle" name="v" namespace="sub">'
                            '<param name="seed" value="3"/><param name="split" value=""/>'
                            '<remap from="odom" to="/other/odom"/></node>'
                            f'<include file="{inner.name}"><arg name="who" value="w"/></include></group>'
                            '<node pkg="coop_drive" exec="vehicle" name="top"/>')
    v, w, top = load_launch_file(path)
    assert (v.namespace, w.namespace, top.namespace) == ("/car1/sub", "/car1", "/")
    assert v.params == [("seed", "3"), ("split", "")] and v.remaps == [("odom", "/other/odom")]
    assert "split:=''" in v.ros_arguments() and w.name == "w"


@pytest.mark.parametrize("body, message", [
    ('<timer period="1"/>', "unsupported element <timer>"),
    ('<node pkg="coop_drive" exec="vehicle"><env name="A" value="1"/></node>', "unsupported element <env> in <node>"),
    ('<arg name="scenario" description="scenario file"/>', r"argument 'scenario' \(scenario file\) is required"),
    ('<node pkg="coop_drive" exec="vehicle" name="$(var nope)"/>', r"\$\(var nope\): no such argument"),
    ('<node exec="vehicle"/>', "missing attribute"),
    ('<push-ros-namespace namespace="x"/>', "unsupported element <push-ros-namespace>"),
])
def test_bad_launch_files_name_the_file_and_the_element(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(LaunchFileError, match=message) as exc:
        load_launch_file(path)
    assert str(path) in str(exc.value)


def test_cli_exits_2_on_a_bad_file_a_missing_arg_or_an_unknown_arg(tmp_path, capsys):
    assert main(["launch", str(_write(tmp_path, "<bogus/>"))]) == 2
    assert "unsupported element <bogus>" in capsys.readouterr().err
    assert main(["launch", str(LAUNCH / "stack.launch.xml")]) == 2
    assert "argument 'scenario'" in capsys.readouterr().err
    assert main(["launch", str(LAUNCH / "vehicle.launch.xml"), "scenario:=x", "colour:=red"]) == 2
    assert "unknown argument(s) colour" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["launch", str(LAUNCH / "vehicle.launch.xml"), "no_assignment"])
    assert exc.value.code == 2


def test_launch_refuses_the_mec_map_on_a_signalised_map_before_starting_any_node(tmp_path, capsys):
    text = (REPO / "scenarios" / "green_wave.yaml").read_text().replace("../maps/", str(REPO / "maps") + "/")
    scenario = tmp_path / "green_wave.yaml"
    text = text.replace("split: onboard", "split: edge").replace("vehicle:\n", "vehicle:\n  map: mec\n", 1)
    scenario.write_text(text)
    assert main(["launch", str(LAUNCH / "stack.launch.xml"), f"scenario:={scenario}", f"out:={tmp_path / 'out'}"]) == 2
    err = capsys.readouterr().err
    assert "map: mec is not supported on a signalised map" in err
    assert not (tmp_path / "out").exists()
