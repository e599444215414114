"""Output directories: written whole or not at all, marked by a manifest, and a directory coop-drive did not
write (or one somebody has changed since) is never touched. Interrupted runs leave nothing behind."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coop_drive.cli.output import MANIFEST, OutputDirError, atomic_output_dir, check_output_dir, files_under

REPO = Path(__file__).resolve().parents[2]


def _write_run(out: Path, text: str = "1") -> None:
    with atomic_output_dir(out) as tmp:
        (tmp / "metrics.json").write_text(text)
        (tmp / "bag").mkdir()
        (tmp / "bag" / "bag.mcap").write_text("x")


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p: ((directory / p).read_bytes(), (directory / p).stat().st_mtime_ns) for p in files_under(directory)}


def _leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def test_a_written_directory_lists_its_files_and_can_be_replaced(tmp_path):
    out = tmp_path / "run"
    _write_run(out, "first")
    assert json.loads((out / MANIFEST).read_text())["files"] == ["bag/bag.mcap", "metrics.json"]
    _write_run(out, "second")
    assert (out / "metrics.json").read_text() == "second" and _leftovers(tmp_path, "run") == []


@pytest.mark.parametrize("foreign", ["notes.txt", "bag/extra.mcap", ".hidden"])
def test_a_file_somebody_added_makes_the_directory_untouchable(tmp_path, foreign):
    out = tmp_path / "run"
    _write_run(out)
    (out / foreign).write_text("my data")
    before = _snapshot(out)
    with pytest.raises(OutputDirError, match=r"--out .*run: directory is not empty .*refusing"):
        _write_run(out, "again")
    assert _snapshot(out) == before and _leftovers(tmp_path, "run") == []


def test_foreign_files_beside_a_metrics_json_are_never_replaced(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "metrics.json").write_text("{}")
    (out / "thesis.tex").write_text("three years of work")
    before = _snapshot(out)
    assert "refusing to replace it" in check_output_dir(out)
    with pytest.raises(OutputDirError):
        _write_run(out)
    assert _snapshot(out) == before


def test_a_removed_file_or_a_broken_manifest_also_refuses(tmp_path):
    out = tmp_path / "run"
    _write_run(out)
    (out / "metrics.json").unlink()
    assert check_output_dir(out) is not None
    (out / MANIFEST).write_text("{not json")
    assert check_output_dir(out) is not None


def test_paths_that_cannot_be_a_directory_are_named(tmp_path):
    (tmp_path / "file").write_text("x")
    assert check_output_dir(tmp_path / "file") == f"--out {tmp_path / 'file'}: exists and is not a directory"
    assert check_output_dir(tmp_path / "file" / "sub" / "run") == (
        f"--out {tmp_path / 'file' / 'sub' / 'run'}: {tmp_path / 'file'} is not a directory")
    assert check_output_dir(tmp_path / "new" / "deeper") is None and check_output_dir(tmp_path / "empty") is None


def test_an_error_or_ctrl_c_inside_leaves_nothing_and_keeps_the_old_output(tmp_path):
    out = tmp_path / "run"
    _write_run(out, "kept")
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), atomic_output_dir(out) as tmp:
            (tmp / "metrics.json").write_text("half")
            raise exc
        assert (out / "metrics.json").read_text() == "kept" and _leftovers(tmp_path, "run") == []


def test_files_put_there_during_the_run_are_not_replaced_and_the_results_are_kept(tmp_path):
    out = tmp_path / "run"
    _write_run(out)
    with pytest.raises(OutputDirError, match="the results are kept in"), atomic_output_dir(out) as tmp:
        (tmp / "metrics.json").write_text("new")
        (out / "mine.txt").write_text("written while the run went on")
    assert (out / "mine.txt").exists()
    (kept,) = _leftovers(tmp_path, "run")
    assert (tmp_path / kept / "metrics.json").read_text() == "new"


@pytest.mark.parametrize(("sig", "status", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                     (signal.SIGTERM, 143, "terminated")])
def test_a_signal_mid_run_leaves_no_temporary_directory(tmp_path, sig, status, word):
    out = tmp_path / "gw"
    proc = subprocess.Popen([sys.executable, "-m", "coop_drive.cli", "run", "scenarios/green_wave.yaml", "--out",
                             str(out)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _leftovers(tmp_path, "gw"):  # the run has started writing
        assert proc.poll() is None and time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"run: {word}" in lines[0], err
    assert not out.exists() and _leftovers(tmp_path, "gw") == []
