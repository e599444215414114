from pathlib import Path

from coop_drive.cli.main import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "v2x.md"


def test_v2x_sizes_prints_every_type_and_matches_the_docs(capsys):
    assert main(["v2x", "sizes"]) == 0
    table = capsys.readouterr().out.strip().splitlines()
    names = [row.split("|")[1].strip() for row in table[2:]]
    assert [n.split()[0] for n in names] == ["BSM", "SPAT", "MAP", "RSM", "RSM", "RSM", "RSI", "SpeedPlan",
                                                "TripRegistration"]
    doc = DOC.read_text().splitlines()
    assert all(row in doc for row in table), "docs/v2x.md size table is out of date: run `coop-drive v2x sizes`"
