"""`coop-drive study green-wave`: its options and its table arithmetic (the runs themselves are covered by
tests/runtime/test_green_wave.py)."""

from pathlib import Path

import pytest

from coop_drive.cli.main import main
from coop_drive.cli.study_green_wave import VARIANTS, fuel_change_pct, green_wave_row
from coop_drive.eval.metrics import RunMetrics
from coop_drive.scenario import Split
from coop_drive.scenario.model import EgoDriver

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "green_wave.yaml")


def test_variants_cover_no_spat_no_advice_glosa_and_sumos_device():
    assert [(v.split, v.glosa, v.ego_driver) for v in VARIANTS] == [
        (Split.ONBOARD, True, EgoDriver.PLANNER), (Split.EDGE_PERCEPTION, False, EgoDriver.PLANNER),
        (Split.EDGE_PERCEPTION, True, EgoDriver.PLANNER), (Split.ONBOARD, True, EgoDriver.SUMO_GLOSA)]


def test_fuel_change_is_paired_by_seed():
    reference = [RunMetrics(fuel_g=100.0), RunMetrics(fuel_g=80.0)]
    runs = [RunMetrics(fuel_g=90.0), RunMetrics(fuel_g=80.0)]
    assert fuel_change_pct(runs, reference) == pytest.approx(-5.0)  # mean of -10 % and 0 %
    assert fuel_change_pct([RunMetrics()], [RunMetrics(fuel_g=1.0)]) is None


def test_row_reports_means_and_spreads():
    runs = [RunMetrics(stops=1, stopped_time_s=4.0, fuel_g=90.0, ego_travel_time_s=100.0, rms_jerk_mps3=1.0),
            RunMetrics(stops=0, stopped_time_s=0.0, fuel_g=92.0, ego_travel_time_s=102.0, rms_jerk_mps3=3.0)]
    reference = [RunMetrics(fuel_g=100.0), RunMetrics(fuel_g=100.0)]
    row = green_wave_row("x", runs, reference)
    assert row == ("| x | 0/2 | 0.50 ± 0.71 | 2.0 ± 2.8 | 91.00 ± 1.41 | -9.0 % | 101.0 ± 1.4 | 2.00 ± 1.41 "
                   "| – |")


@pytest.mark.parametrize(("extra", "message"), [
    (["--out", "DIR"], "expected a file"),  # a directory, not a file
    (["--baseline", "sumo-glosa"], "runs every baseline itself"),
    (["--seeds", "0"], "--seeds must be >= 1"),
])
def test_bad_study_options_exit_2(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as exc:
        main(["study", "green-wave", SCENARIO, *[str(tmp_path) if e == "DIR" else e for e in extra]])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
