"""Contract of the latency distributions (docs/link.md, "Latency distributions"): parameters, moments, CDFs,
inverse-CDF sampling of measured traces and the errors of malformed traces."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.link.distributions import (
    ConstantLatency,
    EmpiricalLatency,
    GammaLatency,
    LognormalLatency,
    NormalLatency,
    load_trace_csv,
)
from coop_drive.link.errors import LinkConfigError


class ScriptedUniforms:
    """A generator whose uniform draws are given in advance (the quantile each sample is taken at)."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def _samples(dist, n: int = 20_000, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([dist.sample_ms(rng) for _ in range(n)])


# --- parameter checks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ConstantLatency(-1.0), "latency latency_ms must be a finite number >= 0.0, got -1.0"),
        (lambda: ConstantLatency(float("nan")), "latency latency_ms must be a finite number >= 0.0, got nan"),
        (lambda: ConstantLatency(float("inf")), "latency latency_ms must be a finite number >= 0.0, got inf"),
        (lambda: NormalLatency(-0.5, 1.0), "latency mean_ms must be a finite number >= 0.0, got -0.5"),
        (lambda: NormalLatency(10.0, 0.0), "latency std_ms must be a finite number > 0.0, got 0.0"),
        (lambda: NormalLatency(10.0, -2.0), "latency std_ms must be a finite number > 0.0, got -2.0"),
        (lambda: LognormalLatency(0.0, 1.0), "latency mean_ms must be a finite number > 0.0, got 0.0"),
        (lambda: LognormalLatency(5.0, 0.0), "latency std_ms must be a finite number > 0.0, got 0.0"),
        (lambda: LognormalLatency(5.0, 1.0, -1.0), "latency offset_ms must be a finite number >= 0.0, got -1.0"),
        (lambda: GammaLatency(0.0, 1.0), "latency mean_ms must be a finite number > 0.0, got 0.0"),
        (lambda: GammaLatency(5.0, 0.0), "latency std_ms must be a finite number > 0.0, got 0.0"),
        (lambda: GammaLatency(5.0, 1.0, -0.25), "latency offset_ms must be a finite number >= 0.0, got -0.25"),
    ],
)
def test_bad_parameters_are_named_with_the_rule_they_break(make, message):
    with pytest.raises(LinkConfigError, match=f"^{re.escape(message)}$"):
        make()


def test_parameters_exactly_at_their_lower_bound_are_accepted():
    assert ConstantLatency(0.0).latency_ms == 0.0  # >= 0
    assert ConstantLatency(0.5).latency_ms == 0.5
    assert NormalLatency(0.0, 1e-9).mean_ms == 0.0  # mean >= 0, std only > 0
    assert NormalLatency(0.5, 0.5).std_ms == 0.5
    assert LognormalLatency(0.5, 0.5, 0.0).offset_ms == 0.0  # offset >= 0
    assert GammaLatency(0.5, 0.5, 0.0).offset_ms == 0.0
    assert LognormalLatency(2.0, 1.0).offset_ms == 0.0  # the offset defaults to 0
    assert GammaLatency(2.0, 1.0).offset_ms == 0.0


# --- constant -----------------------------------------------------------------------------------------------------


def test_constant_latency_samples_cdf_and_nominal():
    dist = ConstantLatency(23.7)
    rng = np.random.default_rng(0)
    assert [dist.sample_ms(rng) for _ in range(3)] == [23.7, 23.7, 23.7]
    # a step at 23.7: the frame takes exactly 23.7 ms, so P(delay <= 23.7) = 1 and P(delay <= 23.69) = 0
    assert dist.cdf_ms(np.array([0.0, 23.69, 23.7, 50.0])).tolist() == [0.0, 0.0, 1.0, 1.0]
    assert dist.nominal_ms == 23.7


# --- normal -------------------------------------------------------------------------------------------------------


def test_normal_cdf_is_the_normal_truncated_at_zero():
    # N(10, 5) truncated at 0: F(10) = (Phi(0) - Phi(-2)) / (1 - Phi(-2)) = (0.5 - 0.0227501) / 0.9772499 = 0.488360
    assert float(NormalLatency(10.0, 5.0).cdf_ms(10.0)) == pytest.approx(0.488360, abs=1e-6)
    # N(0, 1) truncated at 0 is the half-normal: F(x) = 2 Phi(x) - 1, F(1) = 0.682689; F(0) = 0
    half = NormalLatency(0.0, 1.0)
    assert float(half.cdf_ms(1.0)) == pytest.approx(0.682689, abs=1e-6)
    assert float(half.cdf_ms(0.0)) == 0.0
    assert NormalLatency(12.5, 3.0).nominal_ms == 12.5


def test_normal_sample_moments_and_truncation():
    wide = _samples(NormalLatency(20.0, 5.0))  # 4 sigma above 0: practically untruncated
    assert wide.mean() == pytest.approx(20.0, abs=0.15)  # standard error 5 / sqrt(20000) = 0.035
    assert wide.std() == pytest.approx(5.0, rel=0.03)
    half = _samples(NormalLatency(0.0, 1.0))  # half-normal: mean sqrt(2/pi) = 0.79788, std sqrt(1 - 2/pi) = 0.60281
    assert half.min() >= 0.0
    assert half.mean() == pytest.approx(0.79788, abs=0.02)
    assert half.std() == pytest.approx(0.60281, rel=0.03)
    small = _samples(NormalLatency(0.5, 0.1), n=2000)  # every draw in [0, 1): none is redrawn
    assert small.max() < 1.0 and small.mean() == pytest.approx(0.5, abs=0.01)


def test_a_normal_draw_of_exactly_zero_is_kept():
    """Only negative draws are redrawn. With the smallest positive std every standard-normal draw below 0.5 in
    magnitude rounds the delay to exactly 0 ms, which must be returned as it is."""
    dist = NormalLatency(0.0, 5e-324)
    values = _samples(dist, n=200)
    assert (values == 0.0).sum() > 50  # P(|z| < 0.5) = 0.38
    assert values.min() >= 0.0


# --- lognormal ----------------------------------------------------------------------------------------------------


def test_lognormal_cdf_has_the_configured_median_and_mean():
    # random part mean m = 30, std s = 15: sigma^2 = ln(1 + (s/m)^2) = ln 1.25, median = m / sqrt(1.25) = 26.8328
    dist = LognormalLatency(30.0, 15.0, 30.0)
    assert float(dist.cdf_ms(30.0 + 30.0 / math.sqrt(1.25))) == pytest.approx(0.5, abs=1e-9)
    # at the mean: F = Phi(sigma / 2) = Phi(0.236178) = 0.593358
    assert float(dist.cdf_ms(60.0)) == pytest.approx(0.593358, abs=1e-6)
    assert float(dist.cdf_ms(30.0)) == 0.0  # nothing below the offset
    assert dist.nominal_ms == 60.0


def test_lognormal_sample_moments():
    values = _samples(LognormalLatency(30.0, 15.0, 30.0))
    assert values.min() >= 30.0
    assert values.mean() == pytest.approx(60.0, abs=0.5)  # offset + mean; standard error 0.11
    assert values.std() == pytest.approx(15.0, rel=0.05)
    assert float(np.median(values)) == pytest.approx(30.0 + 26.8328, abs=0.5)


# --- gamma --------------------------------------------------------------------------------------------------------


def test_gamma_cdf_shape_and_scale_from_mean_and_std():
    # mean = std = 2: shape (2/2)^2 = 1, scale 2^2/2 = 2, an exponential: F(offset + 2) = 1 - e^-1 = 0.632121
    exp = GammaLatency(2.0, 2.0, 1.0)
    assert float(exp.cdf_ms(3.0)) == pytest.approx(1.0 - math.exp(-1.0), abs=1e-9)
    assert float(exp.cdf_ms(1.0)) == 0.0
    # mean 4, std 2: shape (4/2)^2 = 4, scale 2^2/4 = 1, Erlang-4: F(offset + 4) = 1 - e^-4 (1 + 4 + 8 + 32/3)
    erlang = GammaLatency(4.0, 2.0, 4.0)
    assert float(erlang.cdf_ms(8.0)) == pytest.approx(1.0 - math.exp(-4.0) * (1 + 4 + 8 + 32 / 3), abs=1e-9)
    assert erlang.nominal_ms == 8.0


def test_gamma_sample_moments():
    values = _samples(GammaLatency(15.0, 8.0, 15.0))
    assert values.min() >= 15.0
    assert values.mean() == pytest.approx(30.0, abs=0.3)  # offset + mean; standard error 0.06
    assert values.std() == pytest.approx(8.0, rel=0.03)


# --- empirical ----------------------------------------------------------------------------------------------------


def test_empirical_inverse_cdf_sampling_interpolates_linearly():
    dist = EmpiricalLatency((40.0, 10.0, 20.0))  # sorted: 10 | 20 | 40 at quantiles 0 | 0.5 | 1
    assert dist.values_ms == (10.0, 20.0, 40.0)
    quantiles = (0.0, 0.25, 0.5, 0.75, 0.999, 1.0)
    got = [dist.sample_ms(ScriptedUniforms(u)) for u in quantiles]
    # 0 -> 10; 0.25 -> halfway 10..20 = 15; 0.5 -> 20; 0.75 -> halfway 20..40 = 30; 0.999 -> 20 + 0.998*20; 1 -> 40
    assert got == pytest.approx([10.0, 15.0, 20.0, 30.0, 39.96, 40.0])


def test_empirical_cdf_is_piecewise_linear_between_the_sorted_values():
    dist = EmpiricalLatency((40.0, 10.0, 20.0))
    x = np.array([0.0, 9.99, 10.0, 15.0, 20.0, 30.0, 40.0, 1000.0])
    assert dist.cdf_ms(x).tolist() == pytest.approx([0.0, 0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    assert dist.nominal_ms == pytest.approx(70.0 / 3.0)  # mean of the measurements


def test_empirical_two_values_and_a_zero_delay_are_enough():
    dist = EmpiricalLatency((0.0, 0.5))
    assert dist.values_ms == (0.0, 0.5)
    assert dist.sample_ms(ScriptedUniforms(0.5)) == 0.25


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((), "<inline>: an empirical trace needs at least 2 delays, got 0"),
        ((3.0,), "<inline>: an empirical trace needs at least 2 delays, got 1"),
        ((1.0, -1.0), "<inline>: delays must be finite and >= 0 ms, got -1.0"),
        ((1.0, -0.5), "<inline>: delays must be finite and >= 0 ms, got -0.5"),
        ((1.0, float("inf")), "<inline>: delays must be finite and >= 0 ms, got inf"),
    ],
)
def test_bad_empirical_values_name_the_source(values, message):
    with pytest.raises(LinkConfigError, match=f"^{re.escape(message)}$"):
        EmpiricalLatency(values)
    with pytest.raises(LinkConfigError, match=f"^{re.escape(message.replace('<inline>', 'lab.csv'))}$"):
        EmpiricalLatency(values, "lab.csv")


@settings(max_examples=60, deadline=None)
@given(
    tenths=st.lists(st.integers(0, 10_000), min_size=2, max_size=20, unique=True),
    u=st.floats(0.0, 1.0, exclude_max=True),
)
def test_empirical_sample_is_the_inverse_of_its_cdf(tenths, u):
    values = [t / 10 for t in tenths]  # distinct measurements, 0.1 ms apart at least
    dist = EmpiricalLatency(tuple(values))
    x = dist.sample_ms(ScriptedUniforms(u))
    assert min(values) <= x <= max(values)
    assert float(dist.cdf_ms(x)) == pytest.approx(u, abs=1e-6)


# --- delay traces ---------------------------------------------------------------------------------------------------


def test_trace_with_header_blank_and_padded_lines(tmp_path):
    path = tmp_path / "trace.csv"
    path.write_text("delay_ms\n 12.5 \n\n   \n0\n7\n")
    dist = load_trace_csv(path)
    assert dist.values_ms == (0.0, 7.0, 12.5)
    assert dist.source == str(path)


def test_trace_of_exactly_two_delays_without_header(tmp_path):
    path = tmp_path / "trace.csv"
    path.write_text("3\n1\n")
    assert load_trace_csv(path).values_ms == (1.0, 3.0)


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        ("delay_ms\n10\nabc\n", ":3: expected a delay in ms, got 'abc'"),
        ("\nabc\n10\n20\n", ":2: expected a delay in ms, got 'abc'"),  # only line 1 may be a header
        ("10\nabc\n20\n", ":2: expected a delay in ms, got 'abc'"),
        ("delay_ms\nlatency\n10\n20\n", ":2: expected a delay in ms, got 'latency'"),
        ("10\n-4\n", ":2: delays must be finite and >= 0 ms, got '-4'"),
        ("10\n\n-0.5\n", ":3: delays must be finite and >= 0 ms, got '-0.5'"),
        ("10\nnan\n", ":2: delays must be finite and >= 0 ms, got 'nan'"),
        ("10\ninf\n", ":2: delays must be finite and >= 0 ms, got 'inf'"),
        ("10,11\n12,13\n", ":1: expected one column (delay in ms), got 2"),
        ("10\n11,12,13\n", ":2: expected one column (delay in ms), got 3"),
        ("delay_ms\n10\n", ": an empirical trace needs at least 2 delays, got 1"),
        ("delay_ms\n\n", ": an empirical trace needs at least 2 delays, got 0"),
    ],
)
def test_malformed_trace_names_file_line_and_problem(tmp_path, text, suffix):
    path = tmp_path / "trace.csv"
    path.write_text(text)
    with pytest.raises(LinkConfigError, match=f"^{re.escape(str(path) + suffix)}$"):
        load_trace_csv(path)


def test_unreadable_trace_names_the_file(tmp_path):
    missing = tmp_path / "absent.csv"
    with pytest.raises(LinkConfigError, match=f"^{re.escape(str(missing))}: cannot read the delay trace: "):
        load_trace_csv(missing)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\n")
    with pytest.raises(LinkConfigError, match=f"^{re.escape(str(binary))}: cannot read the delay trace: "):
        load_trace_csv(binary)
