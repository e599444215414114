"""Contract of `coop_drive.link.stats`: periodic traffic through a fresh link, delivered-latency quantiles, loss
ratio and loss bursts, with hand-computed timings."""

import numpy as np
import pytest

from coop_drive.link.channel import LinkConfig
from coop_drive.link.distributions import ConstantLatency
from coop_drive.link.loss import BernoulliLoss
from coop_drive.link.stats import LinkStats, loss_bursts, simulate


def test_loss_ratio():
    assert LinkStats(4, 3, None, None, None, None, None).loss_ratio == 0.25
    assert LinkStats(4, 0, None, None, None, None, None).loss_ratio == 1.0
    assert LinkStats(0, 0, None, None, None, None, None).loss_ratio == 0.0  # nothing sent: nothing lost


def test_loss_bursts_runs_at_the_start_middle_and_end():
    assert loss_bursts([]) == []
    assert loss_bursts([True]) == [1]
    assert loss_bursts([False, True, True]) == [2]
    assert loss_bursts([True, False, False, True, True, True, False, True]) == [1, 3, 1]


def test_constant_lossless_link():
    stats = simulate(LinkConfig.simple(20.0, 0.0), 5, np.random.default_rng(0))
    assert stats == LinkStats(5, 5, 20.0, 20.0, 20.0, 20.0, None)
    assert stats.loss_ratio == 0.0


def test_default_traffic_is_300_byte_frames_at_10_hz():
    # 300 B at 24 kbit/s take 100 ms on air, exactly the 100 ms period: every frame waits for nothing
    cfg = LinkConfig(ConstantLatency(0.0), rate_bps=24_000.0)
    assert simulate(cfg, 3, np.random.default_rng(0)) == LinkStats(3, 3, 100.0, 100.0, 100.0, 100.0, None)


def test_queueing_latency_quantiles():
    cfg = LinkConfig(ConstantLatency(0.0), rate_bps=24_000.0)
    # 20 Hz: frame i sent at 50 i ms, through at 100 (i + 1) ms: latencies 100, 150, 200 ms;
    # linear quantiles over 3 values: p50 = 150, p90 at index 1.8 = 190, p99 at index 1.98 = 199, max 200
    s = simulate(cfg, 3, np.random.default_rng(0), rate_hz=20.0)
    assert (s.latency_p50_ms, s.latency_p90_ms, s.latency_p99_ms, s.latency_max_ms) == pytest.approx(
        (150.0, 190.0, 199.0, 200.0)
    )
    # 10 Hz, 600 B frames: 200 ms on air each, frame i through at 200 (i + 1) ms: latencies 200, 300, 400 ms
    s = simulate(cfg, 3, np.random.default_rng(0), frame_bytes=600)
    assert (s.latency_p50_ms, s.latency_max_ms) == pytest.approx((300.0, 400.0))


def test_period_is_rounded_to_the_nearest_ns():
    # 1.5 Hz: period 666_666_666.67 ns -> 666_666_667 ns; 300 B at 2400 bit/s take 1 s on air, back to back:
    # frame 0: sent 0, through 1 s; frame 1: sent 0.666666667 s, through 2 s; frame 2: sent 1.333333334 s, through 3 s
    cfg = LinkConfig(ConstantLatency(0.0), rate_bps=2400.0)
    s = simulate(cfg, 3, np.random.default_rng(0), rate_hz=1.5)
    assert s.latency_max_ms == pytest.approx(3000.0 - 1333.333334, abs=1e-9)
    assert s.latency_p50_ms == pytest.approx(2000.0 - 666.666667, abs=1e-9)


def test_everything_lost():
    stats = simulate(LinkConfig.simple(5.0, 1.0), 7, np.random.default_rng(0))
    assert stats == LinkStats(7, 0, None, None, None, None, 7.0)
    assert stats.loss_ratio == 1.0


def test_bernoulli_bursts_are_geometric():
    # independent losses with p = 0.5: a burst continues with probability 0.5, mean length 1 / (1 - 0.5) = 2
    stats = simulate(LinkConfig(ConstantLatency(1.0), BernoulliLoss(0.5)), 10_000, np.random.default_rng(4))
    assert stats.mean_loss_burst_frames == pytest.approx(2.0, rel=0.07)
    assert stats.loss_ratio == pytest.approx(0.5, abs=0.02)
