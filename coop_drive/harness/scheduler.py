"""Discrete-event scheduler on simulation time: integer nanoseconds, a priority per event kind, FIFO among
equals. Identical inputs give an identical event order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

Handler = Callable[[int], None]


@dataclass(order=True)
class _Event:
    time_ns: int
    priority: int
    sequence: int
    handler: Handler = field(compare=False)


class EventScheduler:
    """Runs handlers in (time, priority, insertion order)."""

    def __init__(self) -> None:
        self._queue: list[_Event] = []
        self._counter = itertools.count()
        self.now_ns = 0

    def at(self, time_ns: int, priority: int, handler: Handler) -> None:
        """Schedule handler(time_ns). Scheduling in the past is a programming error."""
        if time_ns < self.now_ns:
            raise ValueError(f"cannot schedule at {time_ns} ns, before now ({self.now_ns} ns)")
        heapq.heappush(self._queue, _Event(time_ns, priority, next(self._counter), handler))

    def every(self, start_ns: int, period_ns: int, priority: int, handler: Handler) -> None:
        """Schedule handler at start_ns, start_ns + period_ns, ... while the scheduler runs."""
        if period_ns <= 0:
            raise ValueError(f"period must be > 0 ns, got {period_ns}")

        def fire(time_ns: int) -> None:
            handler(time_ns)
            self.at(time_ns + period_ns, priority, fire)

        self.at(start_ns, priority, fire)

    def run_until(self, end_ns: int, stop: Callable[[], bool] = lambda: False) -> None:
        """Process events with time <= end_ns, in order, until stop() is true after an event."""
        while self._queue and self._queue[0].time_ns <= end_ns:
            event = heapq.heappop(self._queue)
            self.now_ns = event.time_ns
            event.handler(event.time_ns)
            if stop():
                return
