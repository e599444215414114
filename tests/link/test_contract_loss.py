"""Contract of the loss models (docs/link.md, "Loss models"): parameter checks, the Gilbert–Elliott state machine
one transition per frame, its long-run loss and mean burst, and convergence of the loss ratio to the set value."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.link.errors import LinkConfigError
from coop_drive.link.loss import BernoulliLoss, GilbertElliottLoss
from coop_drive.link.stats import loss_bursts


class ScriptedUniforms:
    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def _lost(process, rng, n: int) -> list[bool]:
    return [process.lost(rng) for _ in range(n)]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: BernoulliLoss(1.5), "loss probability must be in [0, 1], got 1.5"),
        (lambda: BernoulliLoss(-0.1), "loss probability must be in [0, 1], got -0.1"),
        (lambda: BernoulliLoss(float("nan")), "loss probability must be in [0, 1], got nan"),
        (lambda: GilbertElliottLoss(1.1, 0.5), "loss p_good_to_bad must be in [0, 1], got 1.1"),
        (lambda: GilbertElliottLoss(0.1, -0.5), "loss p_bad_to_good must be in [0, 1], got -0.5"),
        (lambda: GilbertElliottLoss(0.1, 0.5, loss_good=2.0), "loss loss_good must be in [0, 1], got 2.0"),
        (lambda: GilbertElliottLoss(0.1, 0.5, loss_bad=-1.0), "loss loss_bad must be in [0, 1], got -1.0"),
        (lambda: GilbertElliottLoss(0.0, 0.0), "loss: p_good_to_bad and p_bad_to_good cannot both be 0"),
    ],
)
def test_bad_loss_parameters_are_named(make, message):
    with pytest.raises(LinkConfigError, match=f"^{re.escape(message)}$"):
        make()


def test_probabilities_at_0_and_1_are_accepted():
    assert BernoulliLoss(0.0).mean_loss == 0.0 and BernoulliLoss(1.0).mean_loss == 1.0
    assert BernoulliLoss().probability == 0.0  # lossless by default
    ge = GilbertElliottLoss(0.0, 1.0, 0.0, 1.0)
    assert ge.p_bad_stationary == 0.0 and ge.mean_loss == 0.0
    assert GilbertElliottLoss(1.0, 0.0).mean_loss == 1.0


def test_gilbert_elliott_defaults_and_long_run_loss():
    ge = GilbertElliottLoss(0.1, 0.3)
    assert (ge.loss_good, ge.loss_bad) == (0.0, 1.0)
    assert ge.p_bad_stationary == pytest.approx(0.25)  # 0.1 / (0.1 + 0.3)
    assert ge.mean_loss == pytest.approx(0.25)
    # 0.25 * 0.9 + 0.75 * 0.1 = 0.225 + 0.075 = 0.3
    assert GilbertElliottLoss(0.1, 0.3, loss_good=0.1, loss_bad=0.9).mean_loss == pytest.approx(0.3)
    # 0.25 * 0.5 + 0.75 * 0.02 = 0.125 + 0.015 = 0.14
    assert GilbertElliottLoss(0.1, 0.3, loss_good=0.02, loss_bad=0.5).mean_loss == pytest.approx(0.14)


def test_bernoulli_loses_a_frame_when_the_draw_is_below_the_probability():
    process = BernoulliLoss(0.3).process()
    assert _lost(process, ScriptedUniforms(0.0, 0.2999, 0.3, 0.95), 4) == [True, True, False, False]
    never, always = BernoulliLoss(0.0).process(), BernoulliLoss(1.0).process()
    assert _lost(never, ScriptedUniforms(0.0, 0.5), 2) == [False, False]
    assert _lost(always, ScriptedUniforms(0.0, 0.999999), 2) == [True, True]


def test_gilbert_elliott_state_machine_one_transition_per_frame():
    # stationary P(bad) = 0.2 / (0.2 + 0.6) = 0.25; per frame: a state draw, then a loss draw in that state
    process = GilbertElliottLoss(0.2, 0.6, loss_good=0.1, loss_bad=0.9).process()
    draws = ScriptedUniforms(
        0.2499,
        0.8999,  # first state from the stationary distribution: bad; 0.8999 < 0.9: lost
        0.6,
        0.9,  # bad stays bad unless the draw is below p_bad_to_good; 0.9 is not below 0.9: delivered
        0.5999,
        0.0999,  # bad -> good; 0.0999 < 0.1: lost
        0.2,
        0.1,  # good stays good unless the draw is below p_good_to_bad; delivered
        0.1999,
        0.5,  # good -> bad; lost
    )
    assert _lost(process, draws, 5) == [True, False, True, False, True]
    assert draws.values == []


def test_gilbert_elliott_first_state_at_the_stationary_boundary_is_good():
    process = GilbertElliottLoss(0.2, 0.6).process()  # P(bad) = 0.25, good loses nothing
    assert _lost(process, ScriptedUniforms(0.25, 0.0), 1) == [False]


def test_gilbert_elliott_absorbing_states():
    stuck_bad = GilbertElliottLoss(1.0, 0.0).process()  # never leaves bad (p_bad_to_good = 0)
    assert _lost(stuck_bad, ScriptedUniforms(0.999, 0.5, 0.0, 0.5, 0.0, 0.999), 3) == [True, True, True]
    stuck_good = GilbertElliottLoss(0.0, 1.0).process()  # never enters bad (p_good_to_bad = 0)
    assert _lost(stuck_good, ScriptedUniforms(0.0, 0.0, 0.0, 0.0), 2) == [False, False]


def test_gilbert_elliott_mean_burst_and_long_run_loss():
    # loss_good 0, loss_bad 1: bursts are the bad sojourns, geometric with mean 1 / p_bad_to_good = 1 / 0.4 = 2.5;
    # long-run loss 0.05 / (0.05 + 0.4) = 0.1111
    process = GilbertElliottLoss(0.05, 0.4).process()
    lost = _lost(process, np.random.default_rng(8), 20_000)
    assert float(np.mean(loss_bursts(lost))) == pytest.approx(2.5, rel=0.08)
    assert float(np.mean(lost)) == pytest.approx(0.05 / 0.45, rel=0.12)


@settings(max_examples=10, deadline=None)
@given(p=st.floats(0.0, 1.0))
def test_bernoulli_loss_ratio_converges(p):
    n = 2500
    ratio = float(np.mean(_lost(BernoulliLoss(p).process(), np.random.default_rng(3), n)))
    assert abs(ratio - p) <= 5 * math.sqrt(p * (1 - p) / n) + 1e-12


@settings(max_examples=10, deadline=None)
@given(g2b=st.floats(0.05, 1.0), b2g=st.floats(0.05, 1.0), lg=st.floats(0.0, 1.0), lb=st.floats(0.0, 1.0))
def test_gilbert_elliott_loss_ratio_converges_to_the_stationary_loss(g2b, b2g, lg, lb):
    n = 2500
    ratio = float(np.mean(_lost(GilbertElliottLoss(g2b, b2g, lg, lb).process(), np.random.default_rng(3), n)))
    pb = g2b / (g2b + b2g)
    expected = pb * lb + (1 - pb) * lg
    # the state is correlated from frame to frame: variance of the mean up to (1 + |lam|) / (1 - |lam|) times the
    # independent one, lam = 1 - g2b - b2g the chain's second eigenvalue (|lam| <= 0.9 here)
    lam = abs(1.0 - g2b - b2g)
    sigma = math.sqrt((pb * (1 - pb) * (lb - lg) ** 2 * (1 + lam) / (1 - lam) + 0.25) / n)
    assert abs(ratio - expected) <= 5 * sigma
