"""`coop-drive launch` supervision with stand-in executables (ROS-free): a start-up failure starts the launch
again; any other failure ends it; SIGTERM takes the nodes down."""

import stat
from pathlib import Path

import pytest

from coop_drive.cli.main import main
from coop_drive.launching.runner import EXIT_STARTUP_FAILED


def _executable(prefix: Path, name: str, body: str) -> None:
    path = prefix / "lib" / "standin" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(tmp_path / "prefix"))
    return tmp_path / "prefix"


def _launch_file(tmp_path: Path) -> Path:
    path = tmp_path / "two.launch.xml"
    path.write_text('<launch>\n  <node pkg="standin" exec="bridge" name="bridge"/>\n'
                    '  <node pkg="standin" exec="worker" name="worker"/>\n</launch>\n')
    return path


def test_a_launch_whose_nodes_did_not_meet_is_started_again(tmp_path, prefix, capsys):
    attempts = tmp_path / "attempts"
    # the stand-in bridge fails its start-up twice, then runs; the worker waits to be shut down or ends itself
    _executable(prefix, "bridge", f'echo x >> {attempts}; [ $(wc -l < {attempts}) -ge 3 ] && exit 0; '
                                  f'exit {EXIT_STARTUP_FAILED}')
    _executable(prefix, "worker", "trap 'exit 130' INT; sleep 0.5")
    assert main(["launch", str(_launch_file(tmp_path)), "--timeout", "30", "--startup-attempts", "3"]) == 0
    assert attempts.read_text().count("x") == 3
    err = capsys.readouterr().err
    assert "starting again (attempt 2 of 3)" in err and "starting again (attempt 3 of 3)" in err


def test_by_default_a_failed_start_up_is_an_error_not_a_restart(tmp_path, prefix, capsys):
    attempts = tmp_path / "attempts"
    _executable(prefix, "bridge", f"echo x >> {attempts}; exit {EXIT_STARTUP_FAILED}")
    _executable(prefix, "worker", "trap 'exit 130' INT; sleep 30")
    assert main(["launch", str(_launch_file(tmp_path)), "--timeout", "30"]) != 0
    assert attempts.read_text().count("x") == 1
    assert "starting again" not in capsys.readouterr().err


def test_attempts_run_out_and_other_failures_are_not_retried(tmp_path, prefix, capsys):
    attempts = tmp_path / "attempts"
    _executable(prefix, "bridge", f"echo x >> {attempts}; exit {EXIT_STARTUP_FAILED}")
    _executable(prefix, "worker", "trap 'exit 130' INT; sleep 30")
    assert main(["launch", str(_launch_file(tmp_path)), "--startup-attempts", "2", "--timeout", "30"]) == 1
    assert attempts.read_text().count("x") == 2
    assert "bridge (pid" in capsys.readouterr().err
    attempts.unlink()
    _executable(prefix, "bridge", f"echo x >> {attempts}; exit 1")  # a crash: the run may have done things
    assert main(["launch", str(_launch_file(tmp_path)), "--timeout", "30"]) == 1
    assert attempts.read_text().count("x") == 1


def test_startup_attempts_must_be_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["launch", str(_launch_file(tmp_path)), "--startup-attempts", "0"])
    assert exc.value.code == 2
    assert "--startup-attempts must be >= 1" in capsys.readouterr().err
