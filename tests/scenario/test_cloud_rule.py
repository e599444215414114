"""The cloud splits' link rule lives in the scenario model, so every runtime (CLI, ROS nodes, studies) applies it."""

from pathlib import Path

import pytest

from coop_drive.link.profiles import load_profile
from coop_drive.scenario import Split, load_scenario
from coop_drive.scenario.model import CLOUD_PROFILE, LinkSpec

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "occluded_intersection.yaml"


@pytest.mark.parametrize("split", [Split.CLOUD_PERCEPTION, Split.CLOUD_PLANNING])
def test_a_cloud_split_runs_on_the_cloud_profile(split):
    sc = load_scenario(SCENARIO).with_overrides(split=split)
    assert sc.link.profile == CLOUD_PROFILE
    assert sc.link.config == load_profile(CLOUD_PROFILE).config
    assert sc.link.latency_ms > 40.0  # the scenario's own link is 20 ms


@pytest.mark.parametrize("split", [Split.ONBOARD, Split.EDGE_PERCEPTION, Split.EDGE_PLANNING])
def test_other_splits_keep_the_scenario_link(split):
    base = load_scenario(SCENARIO)
    assert base.with_overrides(split=split).link == base.link


def test_a_named_latency_or_link_wins_over_the_cloud_profile():
    base = load_scenario(SCENARIO)
    assert base.with_overrides(split=Split.CLOUD_PLANNING, latency_ms=200.0).link.latency_ms == 200.0
    pc5 = LinkSpec(load_profile("pc5").config, "pc5")
    assert base.with_overrides(split=Split.CLOUD_PLANNING, link=pc5).link == pc5


def test_the_rule_is_applied_once():
    """A cloud scenario whose latency was overridden keeps it through later overrides (seed, faults)."""
    slow = load_scenario(SCENARIO).with_overrides(split=Split.CLOUD_PLANNING)
    slow = slow.with_overrides(latency_ms=300.0)
    assert slow.with_overrides(seed=7).link.latency_ms == 300.0


def test_loss_alone_applies_on_top_of_the_cloud_profile():
    sc = load_scenario(SCENARIO).with_overrides(split=Split.CLOUD_PERCEPTION, loss_probability=0.25)
    assert sc.link.profile == CLOUD_PROFILE
    assert sc.link.config.latency == load_profile(CLOUD_PROFILE).config.latency
