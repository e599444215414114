import math

import numpy as np
import pytest

from coop_drive.link.channel import LinkDirection
from coop_drive.units import ms_to_ns


def test_delivery_is_send_time_plus_latency_exactly():
    link = LinkDirection.constant("down", 23.7, 0.0, np.random.default_rng(1))
    send_times = [0, 1, 49_999_999, 100_000_000, 123_456_789]
    due = [link.transmit(t, b"x" * 10) for t in send_times]
    assert due == [t + 23_700_000 for t in send_times]
    assert link.counters.frames_delivered == 5
    assert link.counters.bytes_sent == 50


def test_loss_rate_within_binomial_tolerance():
    p, n = 0.2, 20_000
    link = LinkDirection.constant("down", 10.0, p, np.random.default_rng(7))
    lost = sum(link.transmit(i * ms_to_ns(100), b"frame") is None for i in range(n))
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(lost - n * p) < 4 * sigma, (lost, n * p, sigma)


def test_same_seed_same_drops():
    def drops(seed: int) -> list[bool]:
        link = LinkDirection.constant("down", 5.0, 0.3, np.random.default_rng(seed))
        return [link.transmit(i, b"") is None for i in range(200)]

    assert drops(3) == drops(3)
    assert drops(3) != drops(4)


@pytest.mark.parametrize(("latency", "loss"), [(-1.0, 0.0), (1.0, -0.1), (1.0, 1.5)])
def test_bad_parameters_rejected(latency, loss):
    with pytest.raises(ValueError, match="link down"):
        LinkDirection.constant("down", latency, loss, np.random.default_rng(0))
