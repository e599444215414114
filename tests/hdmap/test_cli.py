"""`coop-drive map info|check` and `bench map`: outputs and exit statuses."""

import re
from pathlib import Path

import pytest

from coop_drive.cli.main import main

MAPS = Path(__file__).resolve().parents[2] / "maps"
URBAN = str(MAPS / "urban_intersection.xodr")


def test_map_info(capsys):
    assert main(["map", "info", URBAN]) == 0
    out = capsys.readouterr().out
    assert "4 (800.0 m of reference line) + 12 connecting roads" in out
    assert "junction   100 'urban_junction': 12 connecting lanes from roads 1, 2, 3, 4; unsignalised" in out
    assert "lon 116.4074000, lat 39.9042000" in out


@pytest.mark.parametrize("name", ["urban_intersection", "arterial_corridor"])
def test_map_check_agrees_with_carla(capsys, name):
    pytest.importorskip("carla")
    assert main(["map", "check", str(MAPS / f"{name}.xodr"), "--poses", "2000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    share = float(re.search(r"same road & lane as carla.Map\s+([\d.]+) %", out).group(1))
    median = float(re.search(r"\|distance difference\| median\s+([\d.]+) m", out).group(1))
    assert share >= 99.0 and median <= 0.5
    assert "PASS" in out


@pytest.mark.parametrize("text", [
    "<OpenDRIVE><road",
    '<OpenDRIVE><road id="1" length="10"><planView><geometry s="0" x="0" y="0" hdg="0" length="10">'
    '<poly3 a="0" b="0" c="0" d="0"/></geometry></planView></road></OpenDRIVE>',
])
def test_bad_map_exits_2_naming_file_and_element(tmp_path, capsys, text):
    bad = tmp_path / "bad.xodr"
    bad.write_text(text)
    for command in (["map", "info"], ["map", "check"], ["bench", "map"]):
        assert _exit_status([*command, str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"coop-drive: error: {bad}: ")
        assert "document: not well-formed XML" in err or "<poly3>: unsupported geometry" in err


def _exit_status(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argument validation exits through argparse
        return exc.code


def test_missing_map_and_bad_option_exit_2(capsys):
    assert _exit_status(["map", "info", "no/such.xodr"]) == 2
    assert "no/such.xodr: no such map file" in capsys.readouterr().err
    assert _exit_status(["map", "check", URBAN, "--poses", "0"]) == 2
    assert "--poses: expected an integer >= 1, got 0" in capsys.readouterr().err


def test_bench_map_runs_small(capsys):
    assert main(["bench", "map", URBAN, "--single", "200", "--batch", "2000"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"single query\s+median\s+[\d.]+ us", out)
    assert re.search(r"batched\s+[\d,]+ queries/s", out)
