"""Every split on the occluded intersection, and the MEC falling silent mid-run (real SUMO, in-process)."""

from pathlib import Path

import pytest

from coop_drive.harness.run import run_scenario
from coop_drive.link.profiles import load_profile
from coop_drive.scenario import Split, load_scenario
from coop_drive.scenario.model import AutomationLevel, Fault, FaultKind, LinkSpec
from coop_drive.world.sumo_backend import SumoWorld

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "occluded_intersection.yaml"
SILENT_AT_S = 5.0


def _run(**overrides):
    return run_scenario(load_scenario(SCENARIO).with_overrides(**overrides), SumoWorld())


def test_split_names_and_alias():
    assert Split("edge") is Split.EDGE_PERCEPTION is Split.EDGE
    assert [s.plans_remotely for s in (Split.ONBOARD, Split.EDGE_PLANNING, Split.CLOUD_PLANNING)] == [
        False, True, True]
    assert Fault.parse("mec-silent@12.5") == Fault(FaultKind.MEC_SILENT, 12.5)
    with pytest.raises(ValueError, match="KIND@SECONDS"):
        Fault.parse("mec-silent")


@pytest.mark.parametrize("split", [Split.EDGE_PLANNING, Split.CLOUD_PLANNING])
def test_offloaded_planning_is_followed_and_avoids_the_crash(split):
    cloud = LinkSpec(load_profile("cloud").config, "cloud") if split.on_cloud else None
    m = _run(split=split, link=cloud) if cloud else _run(split=split, latency_ms=20.0)
    assert not m.collision and m.min_ttc_s > 1.0
    assert m.plan_cycles_followed > 100  # the car drove on the MEC's plans
    assert m.v2x_uplink_frames_delivered > 0.9 * m.v2x_uplink_frames_sent > 0  # BSMs reached the MEC
    if split.on_cloud:
        assert m.v2x_latency_p50_ms is not None and 40.0 <= m.v2x_latency_p50_ms <= 90.0


@pytest.mark.parametrize("split", [Split.EDGE_PERCEPTION, Split.EDGE_PLANNING])
def test_mec_silent_l4_stops_l3_hands_over_never_worse_than_onboard(split):
    fault = (Fault(FaultKind.MEC_SILENT, SILENT_AT_S),)
    onboard = _run(split=Split.ONBOARD, faults=fault)
    l4 = _run(split=split, latency_ms=20.0, level=AutomationLevel.L4, faults=fault)
    l3 = _run(split=split, latency_ms=20.0, level=AutomationLevel.L3, faults=fault)
    max_age_s = load_scenario(SCENARIO).max_v2x_age_s  # neither objects nor plans fresh
    for m in (l4, l3):
        # the newest information is from just before the MEC fell silent: staleness is found within the limit
        assert m.v2x_degraded_s is not None
        assert SILENT_AT_S - 0.2 < m.v2x_degraded_s <= SILENT_AT_S + max_age_s + 0.05
        assert m.collision <= onboard.collision
    assert l4.minimal_risk_s is not None and not l4.collision and l4.takeover_requested_s is None
    assert l3.takeover_requested_s is not None and l3.takeover_requested_s >= l3.v2x_degraded_s
