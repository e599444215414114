"""Synchronous stepping, ROS-free: which inputs of a simulation step a node holds, and when it holds all
(and, for the free-running mode, what a node holds between two clock ticks: ``FreeRunInputs``).

Every node of the ROS 2 runtime ends each step by publishing a ``StepStatus``: the step's time and, per
topic, how many messages it published during the step. A downstream node buffers its inputs per topic
(first in, first out: one writer's messages on one topic arrive in order) and runs the step once every
upstream node has reported the step and, for each of its input topics, it holds as many messages as the
upstream nodes counted. Nothing depends on the order in which DDS delivers different topics, so a ROS run is
reproducible (as CARLA's synchronous mode makes a CARLA run reproducible).

An upstream node can be *lagged*: its report of step t counts as its input to step t + lag (the uplink relay
runs after the vehicle's step t, and what it delivers is what the MEC planner uses from step t + step on;
waiting for the same step would close a cycle). Before such a node's first report, its input is empty.

On a best-effort topic a message lost by DDS never arrives; ``take(..., allow_missing=True)`` then gives what
is there, and ``missing`` says what was not.

Before the first step every node sends a beacon on the step-status topic every 0.2 s ("hello"), and marks it
"ready" once it has heard a beacon (or any status) of each of its upstream nodes (``StartHandshake``); the bridge
starts the run when every node is ready. Hearing the bridge is not enough: DDS matches endpoints pair by pair,
and a pair that has not met (seen on a loaded host: a node's reports never reached one other node) would stall
the first step for good. Beacons travel the very path the step reports take, so "ready" means that path works.
Beacons are sent whether or not the node is ready, so the loop of the uplink (MEC planner -> link -> vehicle ->
uplink relay -> MEC planner) cannot deadlock.

``ProgressWatch`` decides when a node stops waiting: only after the run has started (the first step report)
and nothing has moved for a while. Start-up itself can take long on a loaded host (the bridge waits for every
node); that time must not count against the first step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

LOCKSTEP, REALTIME = "lockstep", "realtime"  # the ROS runtime's modes (parameter and launch argument ``mode``)
MODES = (LOCKSTEP, REALTIME)


@dataclass(frozen=True)
class StepReport:
    """One upstream node's StepStatus."""

    node: str
    stamp_ns: int
    counts: Mapping[str, int]
    final: bool = False


class StepInputs:
    """Inputs of one node, grouped into steps by its upstream nodes' step reports."""

    def __init__(self, upstream: Iterable[str], topics: Iterable[str], lagged: Mapping[str, int] | None = None) -> None:
        self.upstream = tuple(upstream)
        self.topics = tuple(topics)
        self.lagged = dict(lagged or {})  # upstream node -> lag [ns]
        self._buffers: dict[str, deque[bytes]] = {t: deque() for t in self.topics}
        self._reports: dict[str, deque[StepReport]] = {n: deque() for n in self.upstream}
        self._reported: set[str] = set()
        self.messages_missing = 0  # counted but never received (best-effort losses), over the whole run

    def add_message(self, topic: str, data: bytes) -> None:
        self._buffers[topic].append(data)

    def add_report(self, report: StepReport) -> None:
        """Reports of nodes that are not upstream are ignored."""
        queue = self._reports.get(report.node)
        if queue is not None:
            if report.node in self.lagged:
                report = replace(report, stamp_ns=report.stamp_ns + self.lagged[report.node])
            self._reported.add(report.node)
            queue.append(report)

    def _seed_lagged(self) -> None:
        """A lagged node that has not reported yet has nothing for the first step the others report."""
        punctual = [q for n, q in self._reports.items() if n not in self.lagged]
        if not punctual or any(not q for q in punctual):
            return
        first = min(q[0].stamp_ns for q in punctual)
        for node in self.lagged:
            if node not in self._reported and node in self._reports:
                self._reports[node].append(StepReport(node, first, {}))
                self._reported.add(node)

    def _final_punctual(self) -> bool:
        return any(q and q[0].final for n, q in self._reports.items() if n not in self.lagged)

    def _queues(self) -> list[deque[StepReport]]:
        """The report queues that take part in the next step: at the final step, the lagged ones do not (their
        report of that step would come after it)."""
        if self._final_punctual():
            return [q for n, q in self._reports.items() if n not in self.lagged]
        return list(self._reports.values())

    def next_stamp_ns(self) -> int | None:
        """Time of the oldest step reported by every upstream node, or None."""
        if self.lagged:
            self._seed_lagged()
        queues = self._queues()
        if not self.upstream or any(not q for q in queues):
            return None
        return min(q[0].stamp_ns for q in queues)

    def _expected(self) -> dict[str, int]:
        expected = dict.fromkeys(self.topics, 0)
        for queue in self._queues():
            for topic, count in queue[0].counts.items():
                if topic in expected:
                    expected[topic] += count
        return expected

    def missing(self) -> dict[str, int]:
        """Per topic, how many messages of the next step are still missing (empty when complete)."""
        if self.next_stamp_ns() is None:
            return {}
        return {t: n - len(self._buffers[t]) for t, n in self._expected().items() if len(self._buffers[t]) < n}

    def unreported(self) -> list[str]:
        """Upstream nodes with no report pending for the next step (those the node is waiting for)."""
        if self.lagged:
            self._seed_lagged()
        return [n for n, q in self._reports.items() if not q and not (n in self.lagged and self._final_punctual())]

    def ready(self) -> bool:
        return self.next_stamp_ns() is not None and not self.missing()

    def is_final(self) -> bool:
        """True when an upstream node's next report is its last."""
        return any(q and q[0].final for q in self._reports.values())

    def take(self, allow_missing: bool = False) -> tuple[int, dict[str, list[bytes]]]:
        """Remove and return (step time [ns], messages per topic) of the next step."""
        stamp = self.next_stamp_ns()
        if stamp is None:
            raise RuntimeError("no step reported by every upstream node yet")
        missing = self.missing()
        if missing and not allow_missing:
            raise RuntimeError(f"step {stamp} ns incomplete: missing {missing}")
        out: dict[str, list[bytes]] = {}
        for topic, count in self._expected().items():
            buf = self._buffers[topic]
            out[topic] = [buf.popleft() for _ in range(min(count, len(buf)))]
        self.messages_missing += sum(missing.values())
        for queue in self._queues():
            if queue[0].stamp_ns != stamp:
                raise RuntimeError(f"upstream nodes disagree on the next step: {queue[0].stamp_ns} vs {stamp} ns")
            queue.popleft()
        return stamp, out


class ProgressWatch:
    """Wall time [s] since the last progress of a run, counted from its first step report on."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._last_s: float | None = None  # None until the run has started

    @property
    def started(self) -> bool:
        return self._last_s is not None

    def start(self, now_s: float) -> None:
        """The first step report arrived (later calls do nothing): the clock starts now, not at node start-up."""
        if self._last_s is None:
            self._last_s = now_s

    def progressed(self, now_s: float) -> None:
        """A step ran or was reported (before the start, too: it starts the clock)."""
        self._last_s = now_s

    def stalled(self, now_s: float) -> bool:
        return self._last_s is not None and now_s - self._last_s > self.timeout_s


class Periodic:
    """Instants of a periodic publication, from the first step's time on, handed out step by step."""

    def __init__(self, period_ns: int) -> None:
        if period_ns <= 0:
            raise ValueError(f"period must be positive, got {period_ns} ns")
        self.period_ns = period_ns
        self.next_ns: int | None = None

    def due_before(self, end_ns: int, first_ns: int) -> Iterator[int]:
        """The instants before ``end_ns`` not handed out yet; the first is ``first_ns`` (the first step's time)."""
        if self.next_ns is None:
            self.next_ns = first_ns
        while self.next_ns < end_ns:
            due = self.next_ns
            self.next_ns += self.period_ns
            yield due


class StartHandshake:
    """Which upstream nodes a node has heard from before the first step."""

    def __init__(self, upstream: Iterable[str]) -> None:
        self.upstream = tuple(upstream)
        self._heard: set[str] = set()

    def heard(self, node: str) -> None:
        self._heard.add(node)

    def missing(self) -> list[str]:
        return [n for n in self.upstream if n not in self._heard]

    @property
    def ready(self) -> bool:
        return not self.missing()


class FreeRunInputs:
    """Inputs of a free-running (realtime) node: what arrived on each topic since its previous tick, and when
    the next tick is due (one per step of simulation time, at the first clock at or after it)."""

    def __init__(self, topics: Iterable[str], step_ns: int) -> None:
        if step_ns <= 0:
            raise ValueError(f"step must be positive, got {step_ns} ns")
        self.topics = tuple(topics)
        self.step_ns = step_ns
        self.next_tick_ns: int | None = None
        self._buffers: dict[str, list[bytes]] = {t: [] for t in self.topics}

    def add(self, topic: str, data: bytes) -> None:
        self._buffers[topic].append(data)

    def due(self, now_ns: int) -> bool:
        """Whether the clock at ``now_ns`` is a tick (the first clock is)."""
        return self.next_tick_ns is None or now_ns >= self.next_tick_ns

    def ticked(self, now_ns: int) -> None:
        """The tick at ``now_ns`` ran; the next is one step later."""
        self.next_tick_ns = now_ns + self.step_ns

    def take(self) -> dict[str, list[bytes]]:
        """Everything buffered, per topic (every topic present), in arrival order; the buffers are emptied."""
        out, self._buffers = self._buffers, {t: [] for t in self.topics}
        return out

    def put_back(self, messages: Mapping[str, list[bytes]]) -> None:
        """Messages taken by a tick that could not run go back before anything that arrived since."""
        for topic, items in messages.items():
            self._buffers[topic] = [*items, *self._buffers[topic]]
