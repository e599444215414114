import pytest

from coop_drive.harness.scheduler import EventScheduler


def test_events_run_in_time_priority_insertion_order():
    sched = EventScheduler()
    log: list[tuple[int, str]] = []
    sched.at(20, 1, lambda t: log.append((t, "b")))
    sched.at(10, 5, lambda t: log.append((t, "c")))
    sched.at(20, 0, lambda t: log.append((t, "a")))
    sched.at(20, 1, lambda t: log.append((t, "b2")))
    sched.run_until(100)
    assert log == [(10, "c"), (20, "a"), (20, "b"), (20, "b2")]


def test_periodic_events_and_stop():
    sched = EventScheduler()
    ticks: list[int] = []
    sched.every(0, 50_000_000, 0, ticks.append)
    sched.run_until(200_000_000)
    assert ticks == [0, 50_000_000, 100_000_000, 150_000_000, 200_000_000]
    sched2 = EventScheduler()
    seen: list[int] = []
    sched2.every(0, 10, 0, seen.append)
    sched2.run_until(1000, stop=lambda: len(seen) >= 3)
    assert seen == [0, 10, 20]


def test_scheduling_in_the_past_is_an_error():
    sched = EventScheduler()
    sched.at(10, 0, lambda t: None)
    sched.run_until(10)
    with pytest.raises(ValueError, match="before now"):
        sched.at(5, 0, lambda t: None)
