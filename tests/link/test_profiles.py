"""Named link profiles: the shipped file, validation errors, `coop-drive link stats`, `--link-profile`."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from coop_drive.cli.main import main
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.profiles import default_profiles_path, load_profile, load_profiles
from coop_drive.link.stats import simulate
from coop_drive.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "occluded_intersection.yaml")
REQUIRED = ("pc5", "5g-edge", "4g", "cloud")


def test_shipped_profiles_load_and_meet_their_stated_p50():
    assert default_profiles_path() == REPO / "config" / "link_profiles.yaml"
    profiles = load_profiles()
    assert set(REQUIRED) <= profiles.keys()
    for name in REQUIRED:
        profile = profiles[name]
        assert profile.config.rate_bps is not None
        stats = simulate(profile.config, 5000, np.random.default_rng(0))
        lo, hi = profile.stated_p50_range_ms
        assert stats.latency_p50_ms is not None and lo <= stats.latency_p50_ms <= hi, (name, stats)
    p50 = [simulate(profiles[n].config, 2000, np.random.default_rng(0)).latency_p50_ms for n in REQUIRED]
    assert p50 == sorted(p50)  # pc5 < 5g-edge < 4g < cloud


def _write(tmp_path, profile: dict) -> Path:
    base = {"description": "x", "latency": {"distribution": "constant", "latency_ms": 5.0},
            "loss": {"model": "bernoulli", "probability": 0.0}, "stated_p50_range_ms": [1, 10]}
    base.update(profile)
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump({"profiles": {"p": base}}))
    return path


@pytest.mark.parametrize(("profile", "key", "what"), [
    ({"latency": {"distribution": "constant", "latency_ms": -5.0}}, "profiles.p.latency.latency_ms", ">= 0|in \\["),
    ({"loss": {"model": "bernoulli", "probability": 1.5}}, "profiles.p.loss.probability", "in \\[0"),
    ({"loss": {"model": "gilbert_elliott", "p_good_to_bad": 0.1, "p_bad_to_good": -0.2}},
     "profiles.p.loss.p_bad_to_good", "in \\[0"),
    ({"latency": {"distribution": "weibull", "mean_ms": 1}}, "profiles.p.latency.distribution", "expected constant"),
    ({"latency": {"distribution": "constant", "latency_ms": 5.0, "jitter": 1}}, "profiles.p.latency", "unknown key"),
    ({"bandwidth": {"rate_bps": 0}}, "profiles.p.bandwidth.rate_bps", "expected a number"),
    ({"ordering": "random"}, "profiles.p.ordering", "fifo or reorder"),
    ({"latency": {"distribution": "empirical", "trace_csv": "missing.csv"}}, "missing.csv", "cannot read"),
])
def test_bad_profiles_name_file_and_key(tmp_path, profile, key, what):
    path = _write(tmp_path, profile)
    with pytest.raises(LinkConfigError, match=what) as info:
        load_profiles(path)
    assert str(path.parent) in str(info.value) and key in str(info.value)
    assert isinstance(info.value, ValueError)


def test_empirical_profile_reads_a_trace_next_to_the_file(tmp_path):
    (tmp_path / "trace.csv").write_text("delay_ms\n10\n20\n30\n")
    path = _write(tmp_path, {"latency": {"distribution": "empirical", "trace_csv": "trace.csv"}})
    assert load_profile("p", path).config.latency.nominal_ms == 20.0


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(LinkConfigError, match="unknown link profile 'warp'.*5g-edge"):
        load_profile("warp")


def test_link_stats_prints_quantiles_loss_and_bursts(capsys):
    assert main(["link", "stats", "4g", "--n", "3000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    for label in ("latency p50", "latency p90", "latency p99", "latency max", "loss ratio", "mean loss burst"):
        assert label in out


@pytest.mark.parametrize("argv", [
    ["link", "stats", "warp"],
    ["run", SCENARIO, "--link-profile", "warp"],
    ["sweep", SCENARIO, "--link-profile", "warp", "--latencies", "0"],
])
def test_unknown_profile_exits_2(argv, capsys):
    assert main(argv) == 2
    assert "unknown link profile 'warp'" in capsys.readouterr().err


def test_profile_then_overrides():
    from coop_drive.cli.main import build_parser
    from coop_drive.cli.run import scenario_from_args
    from coop_drive.link.distributions import ConstantLatency
    from coop_drive.link.loss import BernoulliLoss

    args = build_parser().parse_args(["run", SCENARIO, "--link-profile", "4g", "--latency-ms", "7"])
    sc = scenario_from_args(args, None)
    assert sc.link.profile == "4g" and sc.link.config.latency == ConstantLatency(7.0)
    assert sc.link.config.loss == load_profile("4g").config.loss  # loss still the profile's
    assert sc.link.config.rate_bps == load_profile("4g").config.rate_bps
    args = build_parser().parse_args(["run", SCENARIO, "--link-profile", "4g", "--loss", "0.2"])
    sc = scenario_from_args(args, None)
    assert sc.link.config.loss == BernoulliLoss(0.2) and sc.link.config.latency == load_profile("4g").config.latency


def test_scenario_file_may_name_a_profile(tmp_path):
    text = Path(SCENARIO).read_text().replace("../maps/", str(REPO / "maps") + "/")
    good = tmp_path / "good.yaml"
    good.write_text(text.replace("link:\n  latency_ms: 20.0\n  loss: 0.05", "link:\n  profile: cloud\n  loss: 0.0"))
    sc = load_scenario(good)
    assert sc.link.profile == "cloud" and sc.link.loss_probability == 0.0
    assert sc.link.config.latency == load_profile("cloud").config.latency
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("link:\n  latency_ms: 20.0\n  loss: 0.05", "link:\n  profile: warp"))
    assert main(["run", str(bad)]) == 2


def _run_profile(tmp_path, profile: str) -> dict:
    out = tmp_path / profile
    assert main(["run", SCENARIO, "--split", "edge", "--link-profile", profile, "--out", str(out)]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["link_profile"] == profile
    return json.loads((out / "metrics.json").read_text())


def test_run_with_profiles_measures_the_profile_latency(tmp_path):
    edge = _run_profile(tmp_path, "5g-edge")
    lo, hi = load_profile("5g-edge").stated_p50_range_ms
    assert lo <= edge["v2x_latency_p50_ms"] <= hi
    assert edge["v2x_latency_p99_ms"] >= edge["v2x_latency_p50_ms"]
    assert 0.95 <= edge["v2x_delivery_ratio"] <= 1.0
    assert edge["v2x_bytes_per_s"] > 0
    assert edge["aoi_p50_ms"] >= edge["v2x_latency_p50_ms"]  # the newest list is at least as old as its transit
    assert edge["aoi_p99_ms"] <= 1000.0
    cloud = _run_profile(tmp_path, "cloud")
    lo, hi = load_profile("cloud").stated_p50_range_ms
    assert lo <= cloud["v2x_latency_p50_ms"] <= hi
    assert cloud["v2x_latency_p50_ms"] > edge["v2x_latency_p50_ms"]
    # AoI is sampled every 50 ms planning cycle against 100 ms publishing: coarse, but ordered
    assert cloud["aoi_p50_ms"] >= edge["aoi_p50_ms"] and cloud["aoi_p99_ms"] > edge["aoi_p99_ms"]


def test_onboard_run_has_null_v2x_metrics(tmp_path):
    out = tmp_path / "onboard"
    assert main(["run", SCENARIO, "--split", "onboard", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("v2x_latency_p50_ms", "v2x_latency_p99_ms", "v2x_delivery_ratio", "v2x_bytes_per_s",
                "aoi_p50_ms", "aoi_p99_ms"):
        assert metrics[key] is None
