"""Supervisor contract: degraded exactly when the newest V2X information is older than max_age_s."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.planning.supervisor import Supervisor, SupervisorState


@pytest.mark.parametrize("max_age", [0.0, -0.5])
def test_a_non_positive_limit_is_rejected_and_named(max_age):
    with pytest.raises(ValueError, match=rf"^max_age_s must be > 0, got {max_age}$"):
        Supervisor(uses_v2x=True, max_age_s=max_age, start_s=0.0)


def test_a_tiny_positive_limit_is_accepted():
    assert Supervisor(uses_v2x=True, max_age_s=1e-6, start_s=0.0).max_age_s == 1e-6


def test_without_v2x_never_degraded_and_no_age():
    sup = Supervisor(uses_v2x=False, max_age_s=0.5, start_s=0.0)
    assert sup.update(100.0, None) == SupervisorState(False, None, None)
    assert sup.update(100.0, 1.0) == SupervisorState(False, None, None)
    assert sup.first_degraded_s is None


def test_age_exactly_at_the_limit_is_not_degraded():
    # newest generated at 1.0 s, limit 0.5 s: at 1.5 s the age is exactly 0.5 s
    sup = Supervisor(uses_v2x=True, max_age_s=0.5, start_s=0.0)
    state = sup.update(1.5, 1.0)
    assert state == SupervisorState(False, 0.5, None)


def test_age_just_below_and_just_above_the_limit():
    sup = Supervisor(uses_v2x=True, max_age_s=0.5, start_s=0.0)
    assert not sup.update(1.25, 1.0).degraded  # age 0.25
    above = sup.update(1.5 + 1e-9, 1.0)
    assert above.degraded
    assert above.age_s == pytest.approx(0.5 + 1e-9, abs=1e-12)
    # degradation began when the limit was crossed: generation 1.0 + limit 0.5
    assert above.degraded_since_s == 1.5


def test_nothing_received_counts_from_the_start():
    # start at 10 s, limit 2 s: nothing yet at 12 s is still fine (age exactly 2 s), at 12.25 s it is not
    sup = Supervisor(uses_v2x=True, max_age_s=2.0, start_s=10.0)
    assert sup.update(11.0, None) == SupervisorState(False, 1.0, None)
    assert sup.update(12.0, None) == SupervisorState(False, 2.0, None)
    assert sup.update(12.25, None) == SupervisorState(True, 2.25, 12.0)
    assert sup.first_degraded_s == 12.0


def test_degraded_since_stays_at_the_crossing_while_degraded():
    sup = Supervisor(uses_v2x=True, max_age_s=1.0, start_s=0.0)
    assert sup.update(3.0, 1.5).degraded_since_s == 2.5  # 1.5 + 1.0
    # a newer but still stale message does not move the start of the degradation
    state = sup.update(5.0, 3.5)
    assert state == SupervisorState(True, 1.5, 2.5)


def test_recovery_then_a_second_degradation_keeps_the_first_time():
    sup = Supervisor(uses_v2x=True, max_age_s=1.0, start_s=0.0)
    assert sup.update(2.5, 1.0).degraded_since_s == 2.0
    recovered = sup.update(3.0, 2.75)
    assert recovered == SupervisorState(False, 0.25, None)
    second = sup.update(5.0, 3.0)
    assert second == SupervisorState(True, 2.0, 4.0)  # new episode: 3.0 + 1.0
    assert sup.first_degraded_s == 2.0  # the first episode's start is kept


def test_first_degraded_is_none_until_degradation():
    sup = Supervisor(uses_v2x=True, max_age_s=1.0, start_s=0.0)
    sup.update(0.5, None)
    sup.update(1.5, 1.0)
    assert sup.first_degraded_s is None


@settings(max_examples=60, deadline=None)
@given(
    generation=st.floats(0.0, 1000.0, allow_nan=False),
    age=st.floats(0.0, 100.0, allow_nan=False),
    max_age=st.floats(0.01, 50.0, allow_nan=False),
)
def test_degraded_iff_older_than_the_limit(generation, age, max_age):
    sup = Supervisor(uses_v2x=True, max_age_s=max_age, start_s=0.0)
    now = generation + age
    state = sup.update(now, generation)
    assert state.age_s == now - generation
    assert state.degraded == (now - generation > max_age)
    if state.degraded:
        assert state.degraded_since_s == generation + max_age
        assert state.degraded_since_s <= now
        assert sup.first_degraded_s == state.degraded_since_s
    else:
        assert state.degraded_since_s is None
