"""Contract of the named link profiles (docs/link.md, "Profiles" and "Using profiles"): the shipped figures, every
key of a profile, its defaults, and errors naming the file and the key path."""

import re
import sys
from pathlib import Path

import pytest
import yaml

from coop_drive.link import profiles as profiles_module
from coop_drive.link.channel import LinkConfig
from coop_drive.link.distributions import (
    ConstantLatency,
    EmpiricalLatency,
    GammaLatency,
    LognormalLatency,
    NormalLatency,
)
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.loss import BernoulliLoss, GilbertElliottLoss
from coop_drive.link.profiles import LinkProfile, default_profiles_path, load_profile, load_profiles
from coop_drive.link.stats import simulate
from coop_drive.rng import stream

REPO = Path(__file__).resolve().parents[2]
BASE = {
    "description": "x",
    "latency": {"distribution": "constant", "latency_ms": 5.0},
    "loss": {"model": "bernoulli", "probability": 0.0},
    "stated_p50_range_ms": [1, 10],
}


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _profile(tmp_path: Path, drop=(), **changes) -> LinkProfile:
    body = {k: v for k, v in {**BASE, **changes}.items() if k not in drop}
    return load_profile("p", _write(tmp_path, {"profiles": {"p": body}}))


def _error(tmp_path: Path, data) -> str:
    path = _write(tmp_path, data)
    with pytest.raises(LinkConfigError) as info:
        load_profiles(path)
    assert isinstance(info.value, ValueError)
    text = str(info.value)
    assert text.startswith(f"{path}: "), text
    return text[len(f"{path}: ") :]


def _profile_error(tmp_path: Path, drop=(), **changes) -> str:
    body = {k: v for k, v in {**BASE, **changes}.items() if k not in drop}
    return _error(tmp_path, {"profiles": {"p": body}})


# --- the shipped profiles --------------------------------------------------------------------------------------------


def test_shipped_profiles_are_the_documented_settings():
    profiles = load_profiles()
    assert sorted(profiles) == ["4g", "5g-edge", "cloud", "pc5"]
    expected = {
        "pc5": (
            LinkConfig(GammaLatency(2.0, 0.8, 2.0), GilbertElliottLoss(0.001, 0.5, 0.0, 1.0), 5e6, 20_000),
            (3, 10),
        ),
        "5g-edge": (LinkConfig(LognormalLatency(5.0, 3.0, 4.0), BernoulliLoss(0.001), 5e7, 250_000), (5, 15)),
        "4g": (LinkConfig(GammaLatency(15.0, 8.0, 15.0), GilbertElliottLoss(0.005, 0.3), 1e7, 100_000), (20, 40)),
        "cloud": (
            LinkConfig(LognormalLatency(30.0, 15.0, 30.0), GilbertElliottLoss(0.005, 0.4), 2e7, 250_000),
            (40, 90),
        ),
    }
    for name, (config, p50_range) in expected.items():
        profile = profiles[name]
        assert profile.name == name
        assert profile.config == config, name
        assert profile.stated_p50_range_ms == p50_range
        assert profile.description
    # 4g: long-run loss 0.005 / (0.005 + 0.3) = 1.6 %, mean burst 1 / 0.3 = 3.3 frames
    assert profiles["4g"].config.loss.mean_loss == pytest.approx(0.0164, abs=1e-4)


@pytest.mark.parametrize(
    ("name", "p50", "p90", "p99", "max_ms", "loss_pct", "burst"),
    [
        ("pc5", 4.37, 5.55, 6.81, 9.31, 0.10, 2.0),
        ("5g-edge", 8.28, 12.65, 19.99, 45.95, 0.08, 1.0),
        ("4g", 28.75, 40.99, 55.01, 81.54, 1.40, 3.3),
        ("cloud", 56.78, 79.01, 112.70, 160.04, 0.99, 2.4),
    ],
)
def test_link_stats_reproduce_the_documented_table(name, p50, p90, p99, max_ms, loss_pct, burst):
    """`coop-drive link stats NAME`: 10 000 frames of 300 bytes at 10 Hz, seed 0, figures rounded as printed."""
    s = simulate(load_profile(name).config, 10_000, stream(0, "link/stats"), 10.0, 300)
    got = (s.latency_p50_ms, s.latency_p90_ms, s.latency_p99_ms, s.latency_max_ms)
    assert got == pytest.approx((p50, p90, p99, max_ms), abs=0.0051)
    assert 100 * s.loss_ratio == pytest.approx(loss_pct, abs=0.0051)
    assert s.mean_loss_burst_frames == pytest.approx(burst, abs=0.051)


def test_profile_file_is_found_in_the_source_tree_else_in_the_share_directory(tmp_path, monkeypatch):
    source = REPO / "config" / "link_profiles.yaml"
    assert default_profiles_path() == source
    share = tmp_path / "share" / "coop_drive" / "config" / "link_profiles.yaml"
    share.parent.mkdir(parents=True)
    share.write_text("profiles: {}\n")
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    original_is_file = Path.is_file
    monkeypatch.setattr(profiles_module.Path, "is_file", lambda self: self != source and original_is_file(self))
    assert default_profiles_path() == share
    share.unlink()  # neither exists: the source-tree path, for the error message
    assert default_profiles_path() == source


# --- every key of a profile ---------------------------------------------------------------------------------------


def test_minimal_profile_and_its_defaults(tmp_path):
    profile = _profile(tmp_path, drop=("description",), stated_p50_range_ms=[0, 0])
    assert profile == LinkProfile("p", "", LinkConfig(ConstantLatency(5.0), BernoulliLoss(0.0)), (0.0, 0.0))
    assert isinstance(profile.stated_p50_range_ms[0], float)


def test_full_profile(tmp_path):
    profile = _profile(
        tmp_path,
        description="full",
        bandwidth={"rate_bps": 1, "queue_limit_bytes": 1},
        ordering="reorder",
        outages_s=[[0, 1], [2.5, 3]],
        corruption_probability=1,
        stated_p50_range_ms=[2.5, 2.5],
    )
    config = LinkConfig(ConstantLatency(5.0), BernoulliLoss(0.0), 1.0, 1, False, ((0.0, 1.0), (2.5, 3.0)), 1.0)
    assert profile == LinkProfile("p", "full", config, (2.5, 2.5))
    assert isinstance(profile.config.queue_limit_bytes, int)
    assert _profile(tmp_path, ordering="fifo").config.fifo is True
    assert _profile(tmp_path, bandwidth={"rate_bps": 2e6}).config.queue_limit_bytes is None  # unbounded queue


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        ({"distribution": "constant", "latency_ms": 0}, ConstantLatency(0.0)),
        ({"distribution": "normal", "mean_ms": 0, "std_ms": 2}, NormalLatency(0.0, 2.0)),
        ({"distribution": "lognormal", "mean_ms": 5, "std_ms": 3}, LognormalLatency(5.0, 3.0, 0.0)),
        ({"distribution": "lognormal", "mean_ms": 5, "std_ms": 3, "offset_ms": 4}, LognormalLatency(5.0, 3.0, 4.0)),
        ({"distribution": "gamma", "mean_ms": 2, "std_ms": 0.8}, GammaLatency(2.0, 0.8, 0.0)),
        ({"distribution": "gamma", "mean_ms": 2, "std_ms": 0.8, "offset_ms": 2}, GammaLatency(2.0, 0.8, 2.0)),
    ],
)
def test_latency_distributions(tmp_path, latency, expected):
    assert _profile(tmp_path, latency=latency).config.latency == expected


def test_empirical_trace_relative_to_the_file_or_absolute(tmp_path):
    (tmp_path / "trace.csv").write_text("delay_ms\n30\n10\n20\n")
    relative = _profile(tmp_path, latency={"distribution": "empirical", "trace_csv": "trace.csv"})
    assert relative.config.latency == EmpiricalLatency((10.0, 20.0, 30.0), str(tmp_path / "trace.csv"))
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "lab.csv").write_text("1\n2\n")
    absolute = _profile(tmp_path, latency={"distribution": "empirical", "trace_csv": str(other / "lab.csv")})
    assert absolute.config.latency.values_ms == (1.0, 2.0)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ({"model": "bernoulli", "probability": 1}, BernoulliLoss(1.0)),
        (
            {"model": "gilbert_elliott", "p_good_to_bad": 0.01, "p_bad_to_good": 0.5},
            GilbertElliottLoss(0.01, 0.5, 0.0, 1.0),
        ),
        (
            {"model": "gilbert_elliott", "p_good_to_bad": 0, "p_bad_to_good": 1, "loss_good": 0.25, "loss_bad": 0.75},
            GilbertElliottLoss(0.0, 1.0, 0.25, 0.75),
        ),
    ],
)
def test_loss_models(tmp_path, loss, expected):
    assert _profile(tmp_path, loss=loss).config.loss == expected


# --- errors -------------------------------------------------------------------------------------------------------

E = "profiles.p."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"latency": {"distribution": "constant", "latency_ms": -5.0}},
            E + "latency.latency_ms: expected a number in [0.0, inf], got -5.0",
        ),
        (
            {"latency": {"distribution": "constant", "latency_ms": True}},
            E + "latency.latency_ms: expected a finite number, got True",
        ),
        (
            {"latency": {"distribution": "constant", "latency_ms": "5"}},
            E + "latency.latency_ms: expected a finite number, got '5'",
        ),
        (
            {"latency": {"distribution": "constant", "latency_ms": float("inf")}},
            E + "latency.latency_ms: expected a finite number, got inf",
        ),
        ({"latency": {"distribution": "constant"}}, E + "latency.latency_ms: required key is missing"),
        (
            {"latency": {"distribution": "constant", "latency_ms": 5.0, "jitter": 1, "a": 2}},
            "profiles.p.latency: unknown key(s) a, jitter",
        ),
        (
            {"latency": {"distribution": "weibull"}},
            E + "latency.distribution: expected constant, normal, lognormal, gamma or empirical, got 'weibull'",
        ),
        ({"latency": {"distribution": 3}}, E + "latency.distribution: expected a string, got 3"),
        ({"latency": {"latency_ms": 5.0}}, E + "latency.distribution: required key is missing"),
        (
            {"latency": {"distribution": "normal", "mean_ms": 5, "std_ms": 0}},
            E + "latency.std_ms: expected a number in [1e-09, inf], got 0",
        ),
        (
            {"latency": {"distribution": "normal", "mean_ms": -1, "std_ms": 1}},
            E + "latency.mean_ms: expected a number in [0.0, inf], got -1",
        ),
        (
            {"latency": {"distribution": "lognormal", "mean_ms": 0, "std_ms": 1}},
            E + "latency.mean_ms: expected a number in [1e-09, inf], got 0",
        ),
        (
            {"latency": {"distribution": "gamma", "mean_ms": 1, "std_ms": 0}},
            E + "latency.std_ms: expected a number in [1e-09, inf], got 0",
        ),
        (
            {"latency": {"distribution": "gamma", "mean_ms": 1, "std_ms": 1, "offset_ms": -2}},
            E + "latency.offset_ms: expected a number in [0.0, inf], got -2",
        ),
        ({"latency": 5}, E + "latency: expected a mapping, got 5"),
        (
            {"loss": {"model": "bernoulli", "probability": 1.5}},
            E + "loss.probability: expected a number in [0.0, 1.0], got 1.5",
        ),
        ({"loss": {"model": "bernoulli"}}, E + "loss.probability: required key is missing"),
        ({"loss": {"model": "markov"}}, E + "loss.model: expected bernoulli or gilbert_elliott, got 'markov'"),
        ({"loss": {"model": "bernoulli", "probability": 0, "burst": 2}}, "profiles.p.loss: unknown key(s) burst"),
        (
            {"loss": {"model": "gilbert_elliott", "p_good_to_bad": 0, "p_bad_to_good": 0}},
            "profiles.p.loss: loss: p_good_to_bad and p_bad_to_good cannot both be 0",
        ),
        ({"bandwidth": {"rate_bps": 0.5}}, E + "bandwidth.rate_bps: expected a number in [1.0, inf], got 0.5"),
        ({"bandwidth": {"queue_limit_bytes": 100}}, E + "bandwidth.rate_bps: required key is missing"),
        (
            {"bandwidth": {"rate_bps": 1e6, "queue_limit_bytes": 0}},
            E + "bandwidth.queue_limit_bytes: expected a number in [1.0, inf], got 0",
        ),
        ({"bandwidth": {"rate_bps": 1e6, "burst": 3}}, "profiles.p.bandwidth: unknown key(s) burst"),
        ({"ordering": "random"}, E + "ordering: expected fifo or reorder, got 'random'"),
        ({"outages_s": [[1, 2, 3]]}, E + "outages_s: expected a list of [start_s, end_s] pairs, got [[1, 2, 3]]"),
        ({"outages_s": [1, 2]}, E + "outages_s: expected a list of [start_s, end_s] pairs, got [1, 2]"),
        ({"outages_s": [[1, "a"]]}, E + "outages_s: expected a list of [start_s, end_s] pairs, got [[1, 'a']]"),
        ({"outages_s": {"a": 1}}, E + "outages_s: expected a list of [start_s, end_s] pairs, got {'a': 1}"),
        ({"outages_s": [[0, 1], [5, 2]]}, "profiles.p: outage [5.0, 2.0) must satisfy 0 <= start_s < end_s"),
        ({"corruption_probability": 2}, E + "corruption_probability: expected a number in [0.0, 1.0], got 2"),
        ({"corruption_probability": -0.5}, E + "corruption_probability: expected a number in [0.0, 1.0], got -0.5"),
        (
            {"stated_p50_range_ms": [10, 1]},
            E + "stated_p50_range_ms: expected [low, high] with 0 <= low <= high, got [10, 1]",
        ),
        (
            {"stated_p50_range_ms": [-1, 1]},
            E + "stated_p50_range_ms: expected [low, high] with 0 <= low <= high, got [-1, 1]",
        ),
        (
            {"stated_p50_range_ms": [1, 2, 3]},
            E + "stated_p50_range_ms: expected [low, high] with 0 <= low <= high, got [1, 2, 3]",
        ),
        (
            {"stated_p50_range_ms": [1, "2"]},
            E + "stated_p50_range_ms: expected [low, high] with 0 <= low <= high, got [1, '2']",
        ),
        (
            {"stated_p50_range_ms": "1-2"},
            E + "stated_p50_range_ms: expected [low, high] with 0 <= low <= high, got '1-2'",
        ),
        ({"description": 7}, E + "description: expected a string, got 7"),
        ({"jitter_ms": 1, "colour": "red"}, "profiles.p: unknown key(s) colour, jitter_ms"),
    ],
)
def test_profile_errors_name_the_key_path(tmp_path, changes, message):
    assert _profile_error(tmp_path, **changes) == message


GE_PARAMETER_ERRORS = [
    (
        {"loss": {"model": "gilbert_elliott", "p_good_to_bad": 0.1, "p_bad_to_good": -0.2}},
        E + "loss.p_bad_to_good: expected a number in [0.0, 1.0], got -0.2",
    ),
    (
        {"loss": {"model": "gilbert_elliott", "p_good_to_bad": 1.2, "p_bad_to_good": 0.2}},
        E + "loss.p_good_to_bad: expected a number in [0.0, 1.0], got 1.2",
    ),
    (
        {"loss": {"model": "gilbert_elliott", "p_good_to_bad": 0.1, "p_bad_to_good": 0.2, "loss_good": 2}},
        E + "loss.loss_good: expected a number in [0.0, 1.0], got 2",
    ),
    (
        {"loss": {"model": "gilbert_elliott", "p_good_to_bad": 0.1, "p_bad_to_good": 0.2, "loss_bad": -1}},
        E + "loss.loss_bad: expected a number in [0.0, 1.0], got -1",
    ),
]


@pytest.mark.parametrize(("changes", "message"), GE_PARAMETER_ERRORS)
def test_gilbert_elliott_parameter_errors_name_the_key_path_once(tmp_path, changes, message):
    assert _profile_error(tmp_path, **changes) == message


@pytest.mark.parametrize(("changes", "message"), GE_PARAMETER_ERRORS)
def test_gilbert_elliott_parameter_errors_name_the_key(tmp_path, changes, message):
    assert _profile_error(tmp_path, **changes).endswith(message)


@pytest.mark.parametrize("key", ["latency", "loss", "stated_p50_range_ms"])
def test_required_profile_keys(tmp_path, key):
    assert _profile_error(tmp_path, drop=(key,)) == f"profiles.p.{key}: required key is missing"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "<top level>: expected a mapping, got [1, 2]"),
        (None, "<top level>: expected a mapping, got None"),
        ({"other": 1}, "profiles: required key is missing"),
        ({"profiles": {}}, "profiles: expected a non-empty mapping, got {}"),
        ({"profiles": [1]}, "profiles: expected a non-empty mapping, got [1]"),
        ({"profiles": {"p": BASE}, "version": 2}, "<top level>: unknown key(s) version"),
        ({"profiles": {"p": 3}}, "profiles.p: expected a mapping, got 3"),
    ],
)
def test_file_level_errors(tmp_path, data, message):
    assert _error(tmp_path, data) == message


def test_unreadable_profile_file(tmp_path):
    missing = tmp_path / "absent.yaml"
    with pytest.raises(LinkConfigError, match=f"^{re.escape(str(missing))}: cannot read the link profiles: "):
        load_profiles(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("profiles: [unclosed\n")
    with pytest.raises(LinkConfigError, match=f"^{re.escape(str(broken))}: cannot read the link profiles: "):
        load_profiles(broken)


def test_unknown_profile_lists_the_known_ones_sorted(tmp_path):
    path = _write(tmp_path, {"profiles": {"zeta": BASE, "alpha": BASE, "mid": BASE}})
    assert sorted(load_profiles(path)) == ["alpha", "mid", "zeta"]
    assert load_profile("mid", path).name == "mid"
    with pytest.raises(
        LinkConfigError, match="^" + re.escape(f"{path}: unknown link profile 'warp' (known: alpha, mid, zeta)") + "$"
    ):
        load_profile("warp", path)
    with pytest.raises(
        LinkConfigError,
        match="^"
        + re.escape(f"{default_profiles_path()}: unknown link profile 'x' (known: 4g, 5g-edge, cloud, pc5)")
        + "$",
    ):
        load_profile("x")
