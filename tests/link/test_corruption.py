import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from coop_drive.link.channel import LinkConfig, LinkDirection
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.profiles import load_profile
from coop_drive.scenario import ScenarioError, load_scenario

FRAME = bytes(range(40))
REPO = Path(__file__).resolve().parents[2]


def write_scenario(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((REPO / "scenarios" / "occluded_intersection.yaml").read_text())
    data["map"] = str(REPO / "maps" / "urban_intersection.xodr")
    mutate(data)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _link(p: float, seed: int = 1) -> LinkDirection:
    return LinkDirection("down", LinkConfig(corruption_probability=p), np.random.default_rng(seed))


def test_a_corrupted_frame_differs_in_exactly_one_byte():
    link = _link(1.0)
    for i in range(100):
        sent = link.send(i * 100_000_000, FRAME)
        assert sent is not None
        _, data = sent
        assert len(data) == len(FRAME)
        assert sum(a != b for a, b in zip(data, FRAME, strict=True)) == 1
    assert link.counters.frames_corrupted == 100


def test_without_corruption_send_is_transmit_with_the_same_draws():
    config = LinkConfig.simple(20.0, 0.3)
    a = LinkDirection("down", config, np.random.default_rng(4))
    b = LinkDirection("down", config, np.random.default_rng(4))
    for i in range(300):
        due = a.transmit(i * 1_000_000, FRAME)
        sent = b.send(i * 1_000_000, FRAME)
        assert (None if sent is None else sent[0]) == due
        assert sent is None or sent[1] == FRAME
    assert b.counters.frames_corrupted == 0


def test_corruption_rate_within_binomial_tolerance():
    p, n = 0.1, 5000
    link = _link(p, seed=9)
    corrupted = 0
    for i in range(n):
        sent = link.send(i * 1_000_000, FRAME)
        assert sent is not None
        corrupted += sent[1] != FRAME
    assert corrupted == link.counters.frames_corrupted
    assert abs(corrupted - n * p) < 4 * math.sqrt(n * p * (1 - p))


def test_same_seed_same_corruption():
    def frames(seed: int) -> list[bytes]:
        link = _link(0.5, seed)
        return [sent[1] for i in range(50) if (sent := link.send(i, FRAME)) is not None]
    assert frames(3) == frames(3)
    assert frames(3) != frames(4)


def test_corruption_probability_outside_0_1_is_an_error():
    with pytest.raises(LinkConfigError, match="corruption_probability must be in \\[0, 1\\], got 1.5"):
        LinkConfig(corruption_probability=1.5)


def test_profile_key(tmp_path):
    base = {"description": "x", "latency": {"distribution": "constant", "latency_ms": 5.0},
            "loss": {"model": "bernoulli", "probability": 0.0}, "stated_p50_range_ms": [1, 10]}
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump({"profiles": {"p": {**base, "corruption_probability": 0.25}}}))
    assert load_profile("p", path).config.corruption_probability == 0.25
    path.write_text(yaml.safe_dump({"profiles": {"p": {**base, "corruption_probability": 2}}}))
    with pytest.raises(LinkConfigError, match="profiles.p.corruption_probability"):
        load_profile("p", path)


def test_scenario_link_key(tmp_path):
    def corrupt(p):
        def mutate(data):
            data["link"]["corruption_probability"] = p
        return mutate
    scenario = load_scenario(write_scenario(tmp_path, corrupt(0.2)))
    assert scenario.link.config.corruption_probability == 0.2
    assert scenario.link.loss_probability == 0.05  # the rest of the link as before
    with pytest.raises(ScenarioError, match="link.corruption_probability"):
        load_scenario(write_scenario(tmp_path, corrupt(-0.1)))
