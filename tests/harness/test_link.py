"""The duplex link: each direction its own random stream; deliveries in (due time, send order)."""

import pytest

from coop_drive.harness.link import Direction, DuplexLink
from coop_drive.link.channel import LinkConfig

MS = 1_000_000


def test_frames_arrive_after_the_latency_in_send_order():
    link = DuplexLink(LinkConfig.simple(20.0, 0.0), seed=1)
    a = link.send(Direction.DOWN, 0, b"a")
    b = link.send(Direction.UP, 0, b"b")
    c = link.send(Direction.DOWN, 5 * MS, b"c")
    assert a is not None and b is not None and c is not None
    assert (a.due_ns, b.due_ns, c.due_ns) == (20 * MS, 20 * MS, 25 * MS)
    assert link.next_due_ns() == 20 * MS
    assert link.due(19 * MS) == []
    assert [d.frame for d in link.due(20 * MS)] == [b"a", b"b"]  # one due time: send order
    assert [(d.direction, d.sent_ns) for d in link.due(30 * MS)] == [(Direction.DOWN, 5 * MS)]
    assert link.due(10**12) == [] and link.next_due_ns() is None


def test_a_frame_sent_with_no_delay_is_due_at_once():
    link = DuplexLink(LinkConfig.simple(0.0, 0.0), seed=1)
    sent = link.send(Direction.DOWN, 7 * MS, b"x", generation_ns=3 * MS)
    assert sent is not None and sent.due_ns == 7 * MS and sent.generation_ns == 3 * MS
    assert [d.frame for d in link.due(7 * MS)] == [b"x"]


def test_lost_frames_are_not_delivered():
    link = DuplexLink(LinkConfig.simple(10.0, 1.0), seed=1)
    assert link.send(Direction.UP, 0, b"gone") is None
    assert link.due(10**12) == []


def test_each_direction_draws_from_its_own_stream():
    def downlink_fates(with_uplink: bool) -> list[int | None]:
        link = DuplexLink(LinkConfig.simple(10.0, 0.5), seed=3)
        fates = []
        for k in range(200):
            if with_uplink:
                link.send(Direction.UP, k * MS, b"up")
            sent = link.send(Direction.DOWN, k * MS, b"down")
            fates.append(None if sent is None else sent.due_ns)
        return fates

    alone, mixed = downlink_fates(False), downlink_fates(True)
    assert alone == mixed
    assert 60 < sum(f is None for f in alone) < 140  # half lost, give or take


@pytest.mark.parametrize("seed", [1, 2])
def test_same_seed_same_deliveries(seed):
    def run() -> list[tuple[int, bytes]]:
        link = DuplexLink(LinkConfig.simple(15.0, 0.3), seed=seed)
        for k in range(50):
            link.send(Direction.DOWN, k * MS, bytes([k]))
        return [(d.due_ns, d.frame) for d in link.due(10**12)]

    assert run() == run()
