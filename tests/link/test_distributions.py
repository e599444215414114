"""Seeded statistical tests: what the link delivers follows what was configured."""

import numpy as np
import pytest
from scipy import stats

from coop_drive.link.channel import LinkConfig, LinkDirection
from coop_drive.link.distributions import (
    ConstantLatency,
    EmpiricalLatency,
    GammaLatency,
    LognormalLatency,
    NormalLatency,
    load_trace_csv,
)
from coop_drive.link.errors import LinkConfigError

N = 4000


def _delivered_latencies_ms(config: LinkConfig, seed: int = 5) -> np.ndarray:
    """Latency of every delivered frame, frames 100 ms apart (no bandwidth cap, reordering allowed, so the
    delivered delay is exactly the configured one)."""
    link = LinkDirection("down", config, np.random.default_rng(seed))
    out = []
    for i in range(N):
        send_ns = i * 100_000_000
        due = link.transmit(send_ns, b"x" * 300)
        if due is not None:
            out.append((due - send_ns) / 1e6)
    return np.asarray(out)


TRACE_MS = tuple(float(v) for v in np.random.default_rng(0).gamma(3.0, 4.0, size=200) + 8.0)


@pytest.mark.parametrize("dist", [
    NormalLatency(mean_ms=20.0, std_ms=5.0),
    NormalLatency(mean_ms=2.0, std_ms=4.0),  # heavily truncated at 0
    LognormalLatency(mean_ms=30.0, std_ms=15.0, offset_ms=30.0),
    GammaLatency(mean_ms=15.0, std_ms=8.0, offset_ms=15.0),
    EmpiricalLatency(TRACE_MS, "generated"),
], ids=["normal", "normal-truncated", "lognormal", "gamma", "empirical"])
def test_delivered_latency_matches_the_distribution_ks(dist):
    config = LinkConfig(latency=dist, fifo=False)
    delivered = _delivered_latencies_ms(config)
    assert len(delivered) == N
    result = stats.kstest(delivered, dist.cdf_ms)
    assert result.pvalue > 0.01, result
    assert delivered.min() >= 0.0


def test_ks_catches_a_wrong_distribution():
    """The test above has power: gamma samples do not pass as the lognormal of the same mean and std."""
    delivered = _delivered_latencies_ms(LinkConfig(latency=GammaLatency(15.0, 8.0, 15.0), fifo=False))
    assert stats.kstest(delivered, LognormalLatency(15.0, 8.0, 15.0).cdf_ms).pvalue < 0.01


def test_constant_latency_is_exact():
    delivered = _delivered_latencies_ms(LinkConfig(latency=ConstantLatency(23.7)))
    assert set(delivered.tolist()) == {23.7}


def test_empirical_trace_from_csv_with_and_without_header(tmp_path):
    with_header = tmp_path / "a.csv"
    with_header.write_text("delay_ms\n10.5\n12\n\n11.25\n")
    without = tmp_path / "b.csv"
    without.write_text("10.5\n12\n11.25\n")
    assert load_trace_csv(with_header).values_ms == load_trace_csv(without).values_ms == (10.5, 11.25, 12.0)


@pytest.mark.parametrize(("text", "where", "what"), [
    ("delay_ms\n10\nabc\n", ":3:", "expected a delay in ms"),
    ("10\n-4\n", ":2:", ">= 0"),
    ("10,11\n12,13\n", ":1:", "one column"),
    ("delay_ms\n10\n", "", "at least 2 delays"),
])
def test_malformed_trace_names_file_and_line(tmp_path, text, where, what):
    path = tmp_path / "trace.csv"
    path.write_text(text)
    with pytest.raises(LinkConfigError, match=what) as info:
        load_trace_csv(path)
    assert f"{path}{where}" in str(info.value)


def test_missing_trace_is_a_clear_error(tmp_path):
    with pytest.raises(LinkConfigError, match="cannot read"):
        load_trace_csv(tmp_path / "absent.csv")


@pytest.mark.parametrize("make", [
    lambda: ConstantLatency(-1.0),
    lambda: NormalLatency(10.0, 0.0),
    lambda: LognormalLatency(-5.0, 1.0),
    lambda: GammaLatency(5.0, 1.0, offset_ms=-1.0),
    lambda: EmpiricalLatency((1.0,)),
    lambda: EmpiricalLatency((1.0, float("nan"))),
])
def test_bad_distribution_parameters_raise(make):
    with pytest.raises(LinkConfigError):
        make()
