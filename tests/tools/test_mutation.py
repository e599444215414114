"""tools/mutation.py: how mutmut's results become the scores in docs/testing.md."""

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("mutation_tool", REPO / "tools" / "mutation.py")
assert _spec is not None and _spec.loader is not None
mutation = sys.modules["mutation_tool"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutation)


def test_every_core_package_is_configured_with_its_threshold():
    configs = mutation.load_configs()
    assert set(configs) == {f"coop_drive/{p}" for p in
                            ("eval", "link", "perception", "planning", "sensors", "v2x", "hdmap", "world", "bag")}
    for package, config in configs.items():
        assert config.threshold == (0.80 if package.split("/")[1] in ("hdmap", "world", "bag") else 0.90)
        assert all((REPO / t).is_dir() for t in config.tests)


def test_exit_codes_are_classified_and_equivalents_leave_the_denominator():
    codes = {"m.f__mutmut_1": 1, "m.f__mutmut_2": 3, "m.f__mutmut_3": 0, "m.f__mutmut_4": 0,
             "m.f__mutmut_5": 36, "m.f__mutmut_6": 33, "m.f__mutmut_7": None}
    result = mutation.summarise("coop_drive/x", codes, equivalent={"m.f__mutmut_4"})
    assert (result.mutants, result.killed, result.survived, result.timeouts, result.no_tests, result.other) == (
        7, 2, 2, 1, 1, 1)
    assert result.equivalent == 1
    assert result.survivors == ["m.f__mutmut_3", "m.f__mutmut_6"]
    assert result.score == pytest.approx(3 / 6)  # (killed + timeouts) / (mutants - equivalent)


def test_listed_equivalents_that_no_longer_survive_are_named():
    codes = {"coop_drive.x.m.f__mutmut_1": 0, "coop_drive.x.m.f__mutmut_2": 1, "coop_drive.x.m.f__mutmut_3": 33}
    listed = {"coop_drive.x.m.f__mutmut_1", "coop_drive.x.m.f__mutmut_2", "coop_drive.x.m.f__mutmut_3",
              "coop_drive.x.m.f__mutmut_9", "coop_drive.y.m.f__mutmut_2"}
    # _2 is killed now, _9 is gone (renumbered); another package's row is not this run's business
    assert mutation.stale_equivalents("coop_drive/x", codes, listed) == [
        "coop_drive.x.m.f__mutmut_2", "coop_drive.x.m.f__mutmut_9"]


def test_equivalent_rows_are_read_from_markdown_tables(tmp_path):
    doc = tmp_path / "t.md"
    doc.write_text("| mutant | why |\n|---|---|\n| `coop_drive.a.b.x_f__mutmut_3` | same |\n"
                   "not a row `coop_drive.a.b.x_f__mutmut_4`\n")
    assert mutation.equivalent_mutants(doc, tmp_path / "missing.md") == {"coop_drive.a.b.x_f__mutmut_3"}


def test_a_packages_row_is_replaced_and_the_others_kept(tmp_path):
    doc = tmp_path / "testing.md"
    doc.write_text(f"intro\n{mutation.TABLE_BEGIN}\n| `coop_drive/link` | old |\n{mutation.TABLE_END}\ntail\n")
    result = mutation.PackageResult("coop_drive/eval", 10, 9, 1, 0, 0, 0, 0, ["x"], "2026-12-07")
    mutation.update_doc([result], mutation.load_configs(), doc)
    text = doc.read_text()
    assert text.startswith("intro\n") and text.endswith("tail\n")
    assert "| `coop_drive/link` | old |" in text
    assert "| `coop_drive/eval` | 10 | 9 | 1 | 0 | 0 | 0 | 90.0% (ok) | 2026-12-07 |" in text
    assert text.index("coop_drive/eval") < text.index("coop_drive/link")  # the configured order


def test_a_doc_without_the_table_markers_is_an_error(tmp_path):
    doc = tmp_path / "testing.md"
    doc.write_text("no table\n")
    result = mutation.PackageResult("coop_drive/eval", 1, 1, 0, 0, 0, 0, 0, [], "d")
    with pytest.raises(mutation.MutationError, match="markers"):
        mutation.update_doc([result], mutation.load_configs(), doc)
    assert doc.read_text() == "no table\n"


def test_an_unknown_package_exits_2(capsys):
    assert mutation.main(["coop_drive/nodes"]) == 2
    assert "unknown package 'coop_drive/nodes'" in capsys.readouterr().err
