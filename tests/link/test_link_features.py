"""Loss models, bandwidth, ordering and outages of one link direction (seeded)."""

import math

import numpy as np
import pytest

from coop_drive.link.channel import LinkConfig, LinkDirection
from coop_drive.link.distributions import ConstantLatency, NormalLatency
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.loss import BernoulliLoss, GilbertElliottLoss
from coop_drive.link.stats import loss_bursts, simulate
from coop_drive.units import NS_PER_S


def _send(config: LinkConfig, n: int, period_ns: int, size: int = 300, seed: int = 3) -> list[tuple[int, int | None]]:
    link = LinkDirection("down", config, np.random.default_rng(seed))
    return [(i * period_ns, link.transmit(i * period_ns, b"x" * size)) for i in range(n)]


def test_bernoulli_loss_within_binomial_tolerance():
    p, n = 0.1, 20_000
    stats = simulate(LinkConfig(ConstantLatency(5.0), BernoulliLoss(p)), n, np.random.default_rng(1))
    lost = n - stats.frames_delivered
    assert abs(lost - n * p) < 4 * math.sqrt(n * p * (1 - p))


def test_gilbert_elliott_mean_burst_length():
    p_bg = 0.25  # mean burst 4 frames
    loss = GilbertElliottLoss(p_good_to_bad=0.02, p_bad_to_good=p_bg, loss_good=0.0, loss_bad=1.0)
    stats = simulate(LinkConfig(ConstantLatency(5.0), loss), 100_000, np.random.default_rng(2))
    assert stats.mean_loss_burst_frames == pytest.approx(1.0 / p_bg, rel=0.10)
    assert stats.loss_ratio == pytest.approx(loss.mean_loss, rel=0.15)


def test_loss_bursts():
    assert loss_bursts([True, True, False, True, False, False, True, True, True]) == [2, 1, 3]
    assert loss_bursts([False, False]) == []


@pytest.mark.parametrize("fifo", [True, False])
def test_bandwidth_cap_holds_in_every_one_second_window(fifo):
    rate_bps, size = 200_000.0, 1000  # 25 kB/s; offered 50 frames/s * 1 kB = 50 kB/s: saturated
    config = LinkConfig(NormalLatency(20.0, 5.0), rate_bps=rate_bps, queue_limit_bytes=10_000, fifo=fifo)
    sent = _send(config, 2000, NS_PER_S // 50, size)
    due = sorted(d for _, d in sent if d is not None)
    assert len(due) < len(sent)  # the queue did overflow
    assert len(due) * size > 0.9 * rate_bps / 8 * 2000 / 50  # and the link was used near its cap
    cap_bytes = rate_bps / 8.0
    frame_ns = size * 8 * NS_PER_S / rate_bps
    j = 0
    for i, start in enumerate(due):  # the 1 s windows starting at each delivery (the worst case)
        while j < len(due) and due[j] < start + NS_PER_S:
            j += 1
        # bits: a frame's bits arrive during the frame time that ends at its delivery
        bits_bytes = sum(min(d, start + NS_PER_S) - max(d - frame_ns, start) for d in due[i:j]) / frame_ns * size
        assert bits_bytes <= cap_bytes + 1e-6, (start, bits_bytes)
    for i, start in enumerate(due):  # whole frames counted at their delivery: never above the cap either,
        k = i + 1  # for windows (start, start + 1 s] that open at a delivery
        while k < len(due) and due[k] <= start + NS_PER_S:
            k += 1
        assert (k - i - 1) * size <= cap_bytes, (start, k - i - 1)


def test_queue_drop_when_full_and_serialisation_time():
    config = LinkConfig(ConstantLatency(0.0), rate_bps=8000.0, queue_limit_bytes=2500)  # 1 kB/s, 1000 B = 1 s
    link = LinkDirection("down", config, np.random.default_rng(0))
    assert [link.transmit(0, b"x" * 1000) for _ in range(3)] == [NS_PER_S, 2 * NS_PER_S, None]
    assert link.counters.frames_queue_dropped == 1
    assert link.transmit(NS_PER_S, b"x" * 1000) == 3 * NS_PER_S  # the first left the queue at 1 s


def test_fifo_order_kept_when_configured():
    sent = _send(LinkConfig(NormalLatency(50.0, 30.0), fifo=True), 5000, 10_000_000)
    due = [d for _, d in sent if d is not None]
    assert due == sorted(due)


def test_reordering_happens_when_allowed():
    sent = _send(LinkConfig(NormalLatency(50.0, 30.0), fifo=False), 5000, 10_000_000)
    due = [d for _, d in sent if d is not None]
    assert due != sorted(due)


def test_nothing_delivered_inside_an_outage_and_nothing_sent_inside_arrives():
    outages = ((2.0, 3.5), (10.0, 10.2))
    sent = _send(LinkConfig(NormalLatency(80.0, 40.0), fifo=False, outages_s=outages), 200, 50_000_000)
    for send_ns, due in sent:
        inside_send = any(a * NS_PER_S <= send_ns < b * NS_PER_S for a, b in outages)
        if inside_send:
            assert due is None
        if due is not None:
            assert not any(a * NS_PER_S <= due < b * NS_PER_S for a, b in outages)
    assert any(d is not None for _, d in sent)


def test_same_seed_same_outcome():
    config = LinkConfig(NormalLatency(30.0, 10.0), GilbertElliottLoss(0.05, 0.3), rate_bps=1e6)
    assert _send(config, 500, 10_000_000, seed=9) == _send(config, 500, 10_000_000, seed=9)
    assert _send(config, 500, 10_000_000, seed=9) != _send(config, 500, 10_000_000, seed=10)


@pytest.mark.parametrize("make", [
    lambda: BernoulliLoss(1.5),
    lambda: BernoulliLoss(-0.1),
    lambda: GilbertElliottLoss(0.1, 1.2),
    lambda: GilbertElliottLoss(0.0, 0.0),
    lambda: LinkConfig(rate_bps=0.0),
    lambda: LinkConfig(queue_limit_bytes=0),
    lambda: LinkConfig(outages_s=((5.0, 2.0),)),
])
def test_bad_link_parameters_raise(make):
    with pytest.raises(LinkConfigError):
        make()
