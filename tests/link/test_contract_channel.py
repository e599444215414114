"""Contract of one link direction (docs/link.md, "What a frame goes through"): configuration checks, outages,
latency, FIFO ordering, bandwidth queueing with tail drop, channel loss and corruption, with exact timings."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.link.channel import LinkConfig, LinkCounters, LinkDirection
from coop_drive.link.distributions import ConstantLatency, EmpiricalLatency, GammaLatency, NormalLatency
from coop_drive.link.errors import LinkConfigError
from coop_drive.link.loss import BernoulliLoss, GilbertElliottLoss

S = 1_000_000_000  # ns per s
MS = 1_000_000  # ns per ms


class ScriptedRng:
    """A generator whose uniform draws are given in advance; integer draws come from a seeded generator."""

    def __init__(self, *uniforms: float) -> None:
        self.uniforms = list(uniforms)
        self._real = np.random.default_rng(0)

    def random(self) -> float:
        return self.uniforms.pop(0)

    def integers(self, *args):
        return self._real.integers(*args)


class ScriptedLatency:
    """A latency distribution returning the given delays [ms] in turn."""

    def __init__(self, *delays_ms: float) -> None:
        self.delays_ms = list(delays_ms)

    def sample_ms(self, rng) -> float:
        return self.delays_ms.pop(0)

    def cdf_ms(self, x_ms):
        raise NotImplementedError

    @property
    def nominal_ms(self) -> float:
        return 0.0


def _link(config: LinkConfig, rng=None) -> LinkDirection:
    return LinkDirection("down", config, np.random.default_rng(0) if rng is None else rng)


# --- configuration ------------------------------------------------------------------------------------------------


def test_default_config_is_a_lossless_uncapped_fifo_20_ms_link():
    cfg = LinkConfig()
    assert cfg == LinkConfig(ConstantLatency(20.0), BernoulliLoss(0.0), None, None, True, (), 0.0)
    link = _link(cfg)
    assert [link.transmit(t, b"x" * 100_000) for t in (0, 1, 2)] == [20 * MS, 20 * MS + 1, 20 * MS + 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"corruption_probability": -0.1}, "corruption_probability must be in [0, 1], got -0.1"),
        ({"corruption_probability": 1.01}, "corruption_probability must be in [0, 1], got 1.01"),
        ({"rate_bps": 0.0}, "bandwidth rate_bps must be > 0, got 0.0"),
        ({"rate_bps": -5.0}, "bandwidth rate_bps must be > 0, got -5.0"),
        ({"rate_bps": float("inf")}, "bandwidth rate_bps must be > 0, got inf"),
        ({"rate_bps": float("nan")}, "bandwidth rate_bps must be > 0, got nan"),
        ({"queue_limit_bytes": 0}, "bandwidth queue_limit_bytes must be > 0, got 0"),
        ({"queue_limit_bytes": -1}, "bandwidth queue_limit_bytes must be > 0, got -1"),
        ({"outages_s": ((5.0, 2.0),)}, "outage [5.0, 2.0) must satisfy 0 <= start_s < end_s"),
        ({"outages_s": ((2.0, 2.0),)}, "outage [2.0, 2.0) must satisfy 0 <= start_s < end_s"),
        ({"outages_s": ((-1.0, 2.0),)}, "outage [-1.0, 2.0) must satisfy 0 <= start_s < end_s"),
        ({"outages_s": ((1.0, float("inf")),)}, "outage [1.0, inf) must satisfy 0 <= start_s < end_s"),
        ({"outages_s": ((float("nan"), 1.0),)}, "outage [nan, 1.0) must satisfy 0 <= start_s < end_s"),
        ({"outages_s": ((0.0, 1.0), (3.0, 3.0))}, "outage [3.0, 3.0) must satisfy 0 <= start_s < end_s"),
    ],
)
def test_bad_config_names_the_setting(kwargs, message):
    with pytest.raises(LinkConfigError, match=f"^{re.escape(message)}$"):
        LinkConfig(**kwargs)


def test_config_values_at_their_bounds_are_accepted():
    assert LinkConfig(corruption_probability=0.0).corruption_probability == 0.0
    assert LinkConfig(corruption_probability=1.0).corruption_probability == 1.0
    assert LinkConfig(rate_bps=1e-6).rate_bps == 1e-6
    assert LinkConfig(queue_limit_bytes=1).queue_limit_bytes == 1
    assert LinkConfig(outages_s=((0.0, 1e-9),)).outages_s == ((0.0, 1e-9),)


def test_simple_and_overrides():
    assert LinkConfig.simple(7.5, 0.25) == LinkConfig(ConstantLatency(7.5), BernoulliLoss(0.25))
    base = LinkConfig(
        GammaLatency(15.0, 8.0, 15.0), GilbertElliottLoss(0.005, 0.3), 1e7, 100_000, False, ((1.0, 2.0),), 0.5
    )
    assert base.with_overrides() == base
    only_latency = base.with_overrides(latency_ms=7.0)
    assert only_latency.latency == ConstantLatency(7.0) and only_latency.loss == base.loss
    only_loss = base.with_overrides(loss_probability=0.2)
    assert only_loss.loss == BernoulliLoss(0.2) and only_loss.latency == base.latency
    both = base.with_overrides(latency_ms=0.0, loss_probability=0.0)
    assert both == LinkConfig(ConstantLatency(0.0), BernoulliLoss(0.0), 1e7, 100_000, False, ((1.0, 2.0),), 0.5)


def test_constant_link_errors_name_the_link():
    with pytest.raises(LinkConfigError, match=re.escape("link up: latency latency_ms must be a finite number >= 0.0")):
        LinkDirection.constant("up", -1.0, 0.0, np.random.default_rng(0))
    with pytest.raises(LinkConfigError, match="^" + re.escape("link up: loss probability must be in [0, 1], got 1.5")):
        LinkDirection.constant("up", 1.0, 1.5, np.random.default_rng(0))
    link = LinkDirection.constant("up", 4.0, 0.0, np.random.default_rng(0))
    assert link.name == "up" and link.config == LinkConfig.simple(4.0, 0.0)
    assert link.counters == LinkCounters()


# --- outages ------------------------------------------------------------------------------------------------------


def test_outage_is_half_open():
    link = _link(LinkConfig(outages_s=((1.0, 2.5), (4.1, 4.2))))
    assert [link.in_outage(t) for t in (0, S - 1, S, 2_499_999_999, 2_500_000_000)] == [False, False, True, True, False]
    assert [link.in_outage(t) for t in (4_099_999_999, 4_100_000_000, 4_199_999_999, 4_200_000_000)] == [
        False,
        True,
        True,
        False,
    ]


def test_outage_drops_at_sending_and_at_delivery():
    # latency 500 ms, outage [1.0 s, 1.5 s)
    link = _link(LinkConfig(ConstantLatency(500.0), outages_s=((1.0, 1.5),)))
    sends = [499_999_999, 500 * MS, 999_999_999, S, 1_499_999_999, 1_500 * MS]
    # due 0.999999999 s (before) | 1.0 s (inside) | 1.499999999 s (inside) | sent inside | sent inside | 2.0 s
    assert [link.transmit(t, b"abc") for t in sends] == [999_999_999, None, None, None, None, 2 * S]
    c = link.counters
    assert (c.frames_sent, c.frames_delivered, c.frames_outage_dropped, c.frames_lost) == (6, 2, 4, 0)
    assert (c.bytes_sent, c.bytes_delivered) == (18, 6)


# --- latency and ordering ---------------------------------------------------------------------------------------------


def test_fifo_holds_a_frame_behind_the_one_sent_before_it():
    fifo = _link(LinkConfig(ScriptedLatency(30.0, 11.0, 52.0, 0.0)))
    assert [fifo.transmit(t * MS, b"x") for t in (0, 1, 2, 3)] == [30 * MS, 30 * MS, 54 * MS, 54 * MS]
    reorder = _link(LinkConfig(ScriptedLatency(30.0, 11.0, 52.0, 0.0), fifo=False))
    assert [reorder.transmit(t * MS, b"x") for t in (0, 1, 2, 3)] == [30 * MS, 12 * MS, 54 * MS, 3 * MS]


def test_fifo_keeps_order_behind_a_lost_frame():
    # the first frame is lost on the channel, yet the one sent after it does not reach the radio before it would have
    link = _link(LinkConfig(ScriptedLatency(30.0, 5.0), BernoulliLoss(0.5)), ScriptedRng(0.1, 0.9))
    assert [link.transmit(t * MS, b"x") for t in (0, 1)] == [None, 30 * MS]


def test_zero_delay_at_time_zero_arrives_at_time_zero():
    assert _link(LinkConfig(ConstantLatency(0.0))).transmit(0, b"x") == 0
    capped = _link(LinkConfig(ConstantLatency(0.0), rate_bps=8.0))
    assert capped.transmit(0, b"") == 0  # no bits, no serialisation time, an idle link
    assert capped.transmit(0, b"x") == S  # 8 bits at 8 bit/s


# --- bandwidth ------------------------------------------------------------------------------------------------------


def test_serialisation_time_is_bits_over_rate_rounded_up_to_the_ns():
    # 1 byte at 3 bit/s: 8/3 s = 2.666666666667 s -> 2_666_666_667 ns
    assert _link(LinkConfig(ConstantLatency(0.0), rate_bps=3.0)).transmit(0, b"x") == 2_666_666_667
    # 1500 bytes at 10 Mbit/s: 12_000 bits / 1e7 = 1.2 ms, after 5 ms of latency
    assert _link(LinkConfig(ConstantLatency(5.0), rate_bps=1e7)).transmit(0, b"x" * 1500) == 6_200_000


def test_frames_are_served_back_to_back_and_an_idle_link_starts_at_arrival():
    link = _link(LinkConfig(ConstantLatency(10.0), rate_bps=8000.0))  # 1 byte per ms, no queue limit
    assert link.transmit(0, b"x" * 100) == 110 * MS  # arrives 10 ms, 100 ms on air
    assert link.transmit(0, b"x" * 50) == 160 * MS  # queued behind it
    assert link.transmit(0, b"x" * 1000) == 1160 * MS  # unbounded queue: nothing dropped
    assert link.transmit(5 * S, b"x" * 10) == 5 * S + 20 * MS  # link idle again: starts at its arrival


def test_tail_drop_when_queued_plus_new_exceeds_the_limit():
    link = _link(LinkConfig(ConstantLatency(0.0), rate_bps=8000.0, queue_limit_bytes=2000))  # 1000 B = 1 s
    assert link.transmit(0, b"x" * 1000) == S
    assert link.transmit(0, b"x" * 1000) == 2 * S  # 1000 + 1000 = 2000: exactly the limit, accepted
    assert link.transmit(0, b"x") is None  # 2001 > 2000
    assert link.transmit(S - 1, b"x" * 1000) is None  # the first is still in transmission
    assert link.transmit(S, b"x" * 1000) == 3 * S  # the first is through at 1 s: 1000 + 1000 again
    assert link.counters.frames_queue_dropped == 2
    assert link.counters.frames_delivered == 3


def test_a_lost_frame_still_used_its_air_time():
    link = _link(LinkConfig(ConstantLatency(0.0), BernoulliLoss(0.5), rate_bps=8000.0), ScriptedRng(0.4, 0.6))
    assert link.transmit(0, b"x" * 1000) is None  # lost, but 1 s on air
    assert link.transmit(0, b"x" * 1000) == 2 * S
    assert link.counters.frames_lost == 1


def test_a_frame_due_inside_an_outage_still_used_its_air_time():
    link = _link(LinkConfig(ConstantLatency(0.0), rate_bps=8000.0, outages_s=((0.5, 1.5),)))
    assert link.transmit(0, b"x" * 1000) is None  # due 1 s, inside the outage
    assert link.transmit(0, b"x" * 1000) == 2 * S


# --- channel loss and corruption ----------------------------------------------------------------------------------


def test_bernoulli_draw_below_probability_loses():
    link = _link(LinkConfig(ConstantLatency(1.0), BernoulliLoss(0.25)), ScriptedRng(0.2499, 0.25, 0.0, 0.99))
    assert [link.transmit(0, b"x") is None for _ in range(4)] == [True, False, True, False]
    assert link.counters.frames_lost == 2


def test_corruption_draw_below_probability_flips_one_byte():
    # per frame: one loss draw, one corruption draw (and then the position and the value of the flip)
    link = _link(LinkConfig(ConstantLatency(1.0), corruption_probability=0.25), ScriptedRng(0.9, 0.25, 0.9, 0.2499))
    first = link.send(0, b"abcd")
    second = link.send(0, b"abcd")
    assert first == (MS, b"abcd")
    assert second is not None and second[0] == MS and second[1] != b"abcd"
    assert link.counters.frames_corrupted == 1


def test_an_empty_frame_cannot_be_corrupted():
    link = _link(LinkConfig(corruption_probability=1.0))
    assert link.send(0, b"") == (20 * MS, b"")
    assert link.counters.frames_corrupted == 0


def test_send_returns_none_for_a_dropped_frame():
    link = _link(LinkConfig(loss=BernoulliLoss(1.0), corruption_probability=1.0))
    assert link.send(0, b"abc") is None
    assert link.counters.frames_corrupted == 0


def test_corruption_flips_any_position_by_any_non_zero_value():
    link = _link(LinkConfig(corruption_probability=1.0), np.random.default_rng(21))
    frame = bytes(range(16))
    positions, flips = set(), set()
    for i in range(3000):
        sent = link.send(i, frame)
        assert sent is not None
        diff = [(k, a ^ b) for k, (a, b) in enumerate(zip(sent[1], frame, strict=True)) if a != b]
        assert len(diff) == 1
        positions.add(diff[0][0])
        flips.add(diff[0][1])
    assert positions == set(range(16))
    assert flips == set(range(1, 256))


# --- properties over any traffic --------------------------------------------------------------------------------------

LATENCIES = st.sampled_from(
    [
        ConstantLatency(0.0),
        ConstantLatency(12.5),
        NormalLatency(20.0, 15.0),
        GammaLatency(5.0, 3.0, 2.0),
        EmpiricalLatency((1.0, 3.0, 40.0)),
    ]
)


@settings(max_examples=50, deadline=None)
@given(
    latency=LATENCIES,
    rate_bps=st.one_of(st.none(), st.floats(1e3, 1e8)),
    queue=st.one_of(st.none(), st.integers(1, 20_000)),
    fifo=st.booleans(),
    loss=st.floats(0.0, 1.0),
    traffic=st.lists(st.tuples(st.integers(0, 50 * MS), st.integers(0, 3000)), min_size=1, max_size=25),
    seed=st.integers(0, 2**32 - 1),
)
def test_delivery_never_before_sending_and_never_faster_than_the_rate(
    latency, rate_bps, queue, fifo, loss, traffic, seed
):
    cfg = LinkConfig(latency, BernoulliLoss(loss), rate_bps, queue, fifo)
    link = LinkDirection("down", cfg, np.random.default_rng(seed))
    t, delivered = 0, []
    for gap_ns, size in traffic:
        t += gap_ns
        due = link.transmit(t, bytes(size))
        if due is not None:
            assert due >= t
            delivered.append((due, size))
    dues = [d for d, _ in delivered]
    if fifo:
        assert dues == sorted(dues)
    if rate_bps is not None:  # the radio serves frames in the order they were handed in, one after another
        for (prev, _), (due, size) in zip(delivered, delivered[1:], strict=False):
            assert due - prev >= size * 8 * S / rate_bps - 1
    c = link.counters
    assert c.frames_sent == len(traffic) == c.frames_delivered + c.frames_lost + c.frames_queue_dropped
    assert c.frames_delivered == len(delivered) and c.bytes_delivered == sum(s for _, s in delivered)
    assert c.bytes_sent == sum(s for _, s in traffic)
    if queue is None:
        assert c.frames_queue_dropped == 0
