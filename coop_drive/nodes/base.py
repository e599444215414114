"""What every coop_drive node shares: QoS profiles, the step handshake, scenario parameters, CDR codec.

Messages are built and read with ``rosbags`` (``coop_drive.bag.ros_messages``) and go through rclpy as
serialized CDR (``publish(bytes)``, ``raw=True`` subscriptions): byte-identical to what a bag holds.

Two modes (parameter ``mode``):

- ``lockstep`` (the default): the cycle of a node is its step. Subscription callbacks only store
  (``StepInputs``); when the inputs of a step are complete the node runs ``on_step`` once and reports the step.
  A wall-clock watchdog timer handles what cannot arrive (a message lost on a best-effort topic, an upstream
  node that died). The run is reproducible: the same frames, commands and metrics as in-process.
- ``realtime`` (free-running, what a deployed MEC on another host runs): no step reports. The simulator bridge
  steps the world on a wall-clock timer at real time; every other node runs ``on_step`` on a timer against
  /clock (at each step's clock tick) with whatever arrived since its previous tick; the link relays delay
  frames in wall time. Only the bridge's final status (the run's end) travels on the status topic.

Nodes run on ``use_sim_time``: the bridge's /clock.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import rclpy
from rcl_interfaces.msg import ParameterDescriptor  # type: ignore[import-untyped]
from rclpy.clock import Clock, ClockType
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from coop_drive.bag.ros_messages import T_CLOCK, MessageFactory, stamp_ns
from coop_drive.bag.typestore import coop_drive_typestore
from coop_drive.nodes.stepping import (
    LOCKSTEP,
    MODES,
    REALTIME,
    FreeRunInputs,
    ProgressWatch,
    StartHandshake,
    StepInputs,
    StepReport,
)
from coop_drive.nodes.topology import BRIDGE
from coop_drive.scenario import Scenario, Split, load_scenario
from coop_drive.units import s_to_ns
from coop_drive.v2x.asn1_codec import specification

# Data topics: nothing may be lost; a late-joining reader (the recorder) still gets the start of the run.
DATA_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1000, reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.TRANSIENT_LOCAL)
# V2X-like topics: best effort (reliable QoS stalls for up to ~0.9 s under loss: head-of-line blocking).
V2X_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.BEST_EFFORT,
                     durability=DurabilityPolicy.VOLATILE)
STATUS_TOPIC = "/sim/step_status"
STARTUP_GRACE_S = 15.0  # a node waits this much longer than the bridge for the first step: the bridge reports
# header.frame_id of the beacons (StepStatus) a node sends while waiting for the first step: HELLO while it has
# not yet heard each of its upstream nodes, READY once it has (coop_drive/nodes/stepping.py)
HELLO, READY = "hello", "ready"


class InputsPending(RuntimeError):
    """A step came before an input the node cannot start without (the route, the signal plans). In lockstep
    it is an error (the input was published with the first step); in realtime the tick is skipped and its
    messages wait for the next one."""


def _msg_class(msgtype: str) -> Any:
    """The rclpy message class of 'pkg/msg/Name'."""
    pkg, _, name = msgtype.split("/")
    module = __import__(f"{pkg}.msg", fromlist=[name])
    return getattr(module, name)


class SteppedNode(Node):
    """A node that takes part in synchronous stepping. Subclasses declare inputs and implement ``on_step``."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, parameter_overrides=[Parameter("use_sim_time", Parameter.Type.BOOL, True)],
                         **kwargs)
        self.msgs = MessageFactory(coop_drive_typestore())
        self.declare_parameter("upstream", [""], ParameterDescriptor(
            description="fully qualified names of the nodes whose step reports this node waits for; "
                        "empty: derived from the split"))
        self.declare_parameter("best_effort_wait_s", 0.5, ParameterDescriptor(
            description="wall time [s] to wait for messages counted on a best-effort topic before giving them up"))
        self.declare_parameter("step_timeout_s", 20.0, ParameterDescriptor(
            description="wall time [s] without progress after which the node gives up (an upstream node died)"))
        self.declare_parameter("startup_timeout_s", 60.0, ParameterDescriptor(
            description="wall time [s] the bridge waits for every node before the first step; the other nodes "
                        "give up STARTUP_GRACE_S later if no step has come (the bridge is gone)"))
        self.declare_parameter("mode", LOCKSTEP, ParameterDescriptor(
            description="lockstep (synchronous stepping, reproducible) | realtime (free-running on /clock)"))
        self.mode = str(self.get_parameter("mode").value)
        if self.mode not in MODES:
            raise ValueError(f"{self.get_fully_qualified_name()}: parameter 'mode' must be one of "
                             f"{' | '.join(MODES)}, got {self.mode!r}")
        self.declare_parameter("real_time_factor", 1.0, ParameterDescriptor(
            description="realtime mode: simulated seconds per wall-clock second (the bridge's stepping, the "
                        "link relays' delays)"))
        self.real_time_factor = float(self.get_parameter("real_time_factor").value)
        if not self.real_time_factor > 0:
            raise ValueError(f"{self.get_fully_qualified_name()}: parameter 'real_time_factor' must be > 0, "
                             f"got {self.real_time_factor}")
        self.startup_timeout_s = float(self.get_parameter("startup_timeout_s").value)
        self.best_effort_wait_s = float(self.get_parameter("best_effort_wait_s").value)
        self.step_timeout_s = float(self.get_parameter("step_timeout_s").value)
        self._upstream: list[str] = []
        self._topics: list[str] = []
        self._best_effort: set[str] = set()
        self._inputs: StepInputs | None = None
        self._buffered: FreeRunInputs | None = None  # realtime: what arrived since the last tick
        self._scenario: Scenario | None = None
        self._outputs: dict[str, tuple[Any, str]] = {}
        self._counts: dict[str, int] = {}
        self._incomplete_since: float | None = None
        self._progress = ProgressWatch(self.step_timeout_s)
        self.finished = False
        self.exit_code = 0
        self._status_pub = self.create_publisher(_msg_class("coop_drive_msgs/msg/StepStatus"), STATUS_TOPIC, DATA_QOS)
        self.create_subscription(_msg_class("coop_drive_msgs/msg/StepStatus"), STATUS_TOPIC, self._on_status,
                                 DATA_QOS, raw=True)
        self._created_s = time.monotonic()
        self._waiting_logged = False
        self._handshake = StartHandshake([])
        wall = Clock(clock_type=ClockType.STEADY_TIME)
        self._hello_timer = self.create_timer(0.2, self._hello, clock=wall)
        self.create_timer(0.05, self._watchdog, clock=wall)

    def declare_parameter(self, name: str, value: Any = None, descriptor: Any = None,
                          ignore_override: bool = False) -> Any:
        """A number parameter also takes an integer (launch files type ``2`` as an integer, ``2.0`` as a
        float); the nodes read them with float()."""
        if isinstance(value, float):
            descriptor = descriptor if descriptor is not None else ParameterDescriptor()
            descriptor.dynamic_typing = True
        return super().declare_parameter(name, value, descriptor, ignore_override)

    # --- wiring ------------------------------------------------------------------------------
    def add_input(self, topic: str, msgtype: str, best_effort: bool = False) -> str:
        """Subscribe (raw) to a step input; returns the resolved topic name."""
        resolved = str(self.resolve_topic_name(topic))
        self.create_subscription(_msg_class(msgtype), topic, lambda data: self._on_data(resolved, data),
                                 V2X_QOS if best_effort else DATA_QOS, raw=True)
        self._topics.append(resolved)
        if best_effort:
            self._best_effort.add(resolved)
        return resolved

    def begin(self, upstream_default: Sequence[str], lagged: Mapping[str, int] | None = None,
              clock_driven: bool = True) -> None:
        """Start taking part in stepping, after every add_input: wait for these nodes' reports (``lagged``:
        upstream nodes whose report of step t feeds this node's step t + lag [ns]). In realtime mode the node
        steps at each step's /clock tick instead (``clock_driven``) or on its own (the bridge's wall timer, the
        relays' arrivals: ``on_message``)."""
        upstream = [u for u in self.get_parameter("upstream").value if u]
        self._upstream = upstream or list(upstream_default)
        self._handshake = StartHandshake(self._upstream)
        if self.mode == LOCKSTEP:
            self._inputs = StepInputs(self._upstream, self._topics, lagged)
            return
        self._buffered = FreeRunInputs(self._topics, s_to_ns(self.load_scenario().step_s))
        specification()  # compiled now, not in the first step: a free-running node must keep up from the start
        if clock_driven:
            self.create_subscription(_msg_class(T_CLOCK), "/clock", self._on_clock, DATA_QOS, raw=True)

    def add_output(self, topic: str, msgtype: str, best_effort: bool = False) -> str:
        pub = self.create_publisher(_msg_class(msgtype), topic, V2X_QOS if best_effort else DATA_QOS)
        self._outputs[pub.topic_name] = (pub, msgtype)
        self._counts[pub.topic_name] = 0
        return str(pub.topic_name)

    def publish(self, topic: str, msg: Any) -> None:
        """Publish a rosbags message on an output (resolved name) and count it for this step's report."""
        pub, _ = self._outputs[topic]
        pub.publish(self.msgs.serialize(msg))
        self._counts[topic] += 1

    def report_step(self, stamp: int, final: bool = False) -> None:
        """Publish this step's StepStatus (counts of every output) and reset the counts. In realtime mode only
        the final one is published (no step reports)."""
        if self.mode == REALTIME and not final:
            self._counts = dict.fromkeys(self._counts, 0)
            self._progress.progressed(time.monotonic())
            return
        status = self.msgs.step_status(stamp, self.get_fully_qualified_name(), self._counts, final)
        self._status_pub.publish(self.msgs.serialize(status))
        self._counts = dict.fromkeys(self._counts, 0)
        self._progress.progressed(time.monotonic())

    def flush(self, timeout_s: float) -> None:
        """Wait (at most timeout_s in all) until reliable subscribers have acknowledged every message."""
        end = time.monotonic() + timeout_s
        for pub in [self._status_pub, *(p for p, _ in self._outputs.values())]:
            remaining = max(end - time.monotonic(), 0.0)
            try:
                pub.wait_for_all_acked(Duration(nanoseconds=int(remaining * 1e9)))
            except Exception:  # the context is already shut down (Ctrl-C): nothing more to deliver
                return

    # --- callbacks: store, then run what is complete -----------------------------------------
    def _hello(self) -> None:
        """A beacon every 0.2 s until the run starts: READY once every upstream node has been heard, else HELLO."""
        if self._progress.started:
            self._hello_timer.cancel()
            return
        begun = self._inputs is not None or self._buffered is not None
        ready = begun and self._handshake.ready
        if not ready and not self._waiting_logged and time.monotonic() - self._created_s > 10.0:
            self._waiting_logged = True
            self.get_logger().info(f"not heard from {', '.join(self._handshake.missing()) or 'itself'} yet")
        status = self.msgs.step_status(0, self.get_fully_qualified_name(), {})
        status.header.frame_id = READY if ready else HELLO
        self._status_pub.publish(self.msgs.serialize(status))

    def _on_status(self, data: bytes) -> None:
        msg = self.msgs.deserialize(data, "coop_drive_msgs/msg/StepStatus")
        if msg.header.frame_id in (HELLO, READY):  # before the first step: the only statuses there are
            self._handshake.heard(str(msg.node))
            self.on_beacon(str(msg.node), msg.header.frame_id == READY)
            return
        if self._buffered is not None:  # realtime: the bridge's final status ends the run
            if bool(msg.final) and str(msg.node) == BRIDGE and not self.finished:
                self._end_free_run(stamp_ns(msg.header.stamp))
            return
        self._progress.start(time.monotonic())
        report = StepReport(msg.node, stamp_ns(msg.header.stamp),
                            {str(t): int(c) for t, c in zip(msg.topics, msg.counts, strict=True)}, bool(msg.final))
        self.on_report(report)
        if self._inputs is not None:
            self._inputs.add_report(report)
            self._advance()

    def _on_data(self, topic: str, data: bytes) -> None:
        if self._inputs is not None:
            self._inputs.add_message(topic, bytes(data))
            self._advance()
        elif self._buffered is not None and not self.finished:
            if not self.on_message(topic, bytes(data)):
                self._buffered.add(topic, bytes(data))

    # --- realtime ------------------------------------------------------------------------------
    def _on_clock(self, data: bytes) -> None:
        """A /clock message: at each step's tick, the step with what arrived since the previous tick."""
        buffered = self._buffered
        if buffered is None or self.finished:
            return
        now_ns = stamp_ns(self.msgs.deserialize(data, T_CLOCK).clock)
        if not buffered.due(now_ns):
            return
        self._progress.start(time.monotonic())
        messages = buffered.take()
        try:
            self.on_step(now_ns, messages)
        except InputsPending:
            buffered.put_back(messages)  # the route or plans have not arrived yet: wait for them
            return
        buffered.ticked(now_ns)
        self._progress.progressed(time.monotonic())

    def _end_free_run(self, stamp: int) -> None:
        assert self._buffered is not None
        try:
            self.on_final(stamp, self._buffered.take())
        except InputsPending:
            pass  # the run ended before this node could start: nothing to finish
        self.report_step(stamp, final=True)
        self.finished = True

    def _advance(self, allow_missing: bool = False) -> None:
        inputs = self._inputs
        while inputs is not None and not self.finished and inputs.next_stamp_ns() is not None:
            if not inputs.ready() and not allow_missing:
                if self._incomplete_since is None:
                    self._incomplete_since = time.monotonic()
                return
            final = inputs.is_final()
            missing = inputs.missing()
            stamp, messages = inputs.take(allow_missing=True)
            if missing:
                self.get_logger().warning(f"step {stamp / 1e9:.3f} s: gave up waiting for {missing} (best effort)")
            self._incomplete_since = None
            allow_missing = False
            self._progress.progressed(time.monotonic())
            if final:
                self.on_final(stamp, messages)
                self.report_step(stamp, final=True)
                self.finished = True
                return
            self.on_step(stamp, messages)

    def _watchdog(self) -> None:
        if self.finished or (self._inputs is None and self._buffered is None):
            return
        now = time.monotonic()
        if not self._progress.started and now - self._created_s > self.startup_timeout_s + STARTUP_GRACE_S:
            self.get_logger().error(f"no first step within {self.startup_timeout_s + STARTUP_GRACE_S:.0f} s "
                                    "(the bridge never started the run, or is gone); giving up")
            self.exit_code = 1
            self.finished = True
            return
        if self._inputs is None:  # realtime: the clock has stopped (the bridge is gone)
            if self._progress.stalled(now):
                self.get_logger().error(f"no clock tick for {self.step_timeout_s:.1f} s; the simulator bridge "
                                        "has probably died; giving up")
                self.exit_code, self.finished = 1, True
            return
        if self._incomplete_since is not None and now - self._incomplete_since > self.best_effort_wait_s:
            missing = self._inputs.missing()
            if missing and all(t in self._best_effort for t in missing):
                self._advance(allow_missing=True)
                return
        if self._progress.stalled(now):
            waiting = self._inputs.missing() or "step reports of " + ", ".join(self._inputs.unreported())
            self.get_logger().error(f"no progress for {self.step_timeout_s:.1f} s (waiting for {waiting}); "
                                    "an upstream node has probably died; giving up")
            self.exit_code = 1
            self.finished = True

    # --- for subclasses ----------------------------------------------------------------------
    def on_beacon(self, node: str, ready: bool) -> None:
        """A node's beacon before the first step; ``ready``: it has heard each of its upstream nodes."""

    def on_report(self, report: StepReport) -> None:
        """Every StepStatus of every node (the recorder and the bridge listen to all)."""

    def on_step(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        raise NotImplementedError

    def on_message(self, topic: str, data: bytes) -> bool:
        """Realtime mode: a message as it arrives; True if the node took it (else it waits for the next tick)."""
        return False

    def on_final(self, stamp: int, messages: Mapping[str, list[bytes]]) -> None:
        """The run ended at ``stamp``; the default does nothing."""

    # --- scenario parameters -----------------------------------------------------------------
    def declare_scenario_parameters(self) -> None:
        d = ParameterDescriptor
        self.declare_parameter("scenario", "", d(description="scenario YAML file (required)"))
        self.declare_parameter("split", "", d(description="onboard | edge; empty: the scenario file's"))
        self.declare_parameter("seed", -1, d(description="random seed; < 0: the scenario file's"))
        self.declare_parameter("latency_ms", -1.0, d(description="link latency [ms]; < 0: the scenario file's"))
        self.declare_parameter("loss", -1.0, d(description="link loss probability; < 0: the scenario file's"))
        self.declare_parameter("link_profile", "", d(description="named link profile; empty: the file's link"))
        self.declare_parameter("fault", "", d(description="faults, KIND@SECONDS separated by commas (e.g. "
                                                          "mec-silent@8); empty: the scenario file's"))

    def declare_source_id(self) -> str:
        """The V2X source id of a MEC node's frames (parameter ``source_id``)."""
        self.declare_parameter("source_id", "mec", ParameterDescriptor(description="V2X source id of the frames"))
        return str(self.get_parameter("source_id").value)

    def load_scenario(self) -> Scenario:
        """The scenario of the parameters (loaded once)."""
        if self._scenario is None:
            self._scenario = self._load_scenario()
        return self._scenario

    def _load_scenario(self) -> Scenario:
        from coop_drive.link.profiles import load_profile
        from coop_drive.scenario.model import Fault, LinkSpec

        path = str(self.get_parameter("scenario").value)
        if not path:
            raise ValueError(f"{self.get_fully_qualified_name()}: parameter 'scenario' is required")
        split = str(self.get_parameter("split").value)
        seed = int(self.get_parameter("seed").value)
        latency_ms = float(self.get_parameter("latency_ms").value)
        loss = float(self.get_parameter("loss").value)
        profile = str(self.get_parameter("link_profile").value)
        link = LinkSpec(load_profile(profile).config, profile) if profile else None
        fault = str(self.get_parameter("fault").value)
        faults = tuple(Fault.parse(f.strip()) for f in fault.split(",")) if fault.strip() else None
        return load_scenario(Path(path)).with_overrides(
            split=Split(split) if split else None, seed=seed if seed >= 0 else None,
            latency_ms=latency_ms if latency_ms >= 0 else None, loss_probability=loss if loss >= 0 else None,
            link=link, faults=faults)


def spin_until_finished(node: SteppedNode) -> int:
    """Spin a node (single-threaded) until it has finished its run or ROS shuts down; its exit status.

    Before returning, waits until every reliable subscriber has acknowledged what the node published: a
    node that exits right after its last report must not take that report with it. SIGINT or SIGTERM (the
    launch shutting the stack down, or Ctrl-C) is a requested shutdown: the node stops and exits 0.
    """
    try:
        while rclpy.ok() and not node.finished:
            rclpy.spin_once(node, timeout_sec=0.1)
        if rclpy.ok():
            node.flush(timeout_s=5.0)
    except (KeyboardInterrupt, ExternalShutdownException):
        _hold_signals()
        # the context may be shut down already: /rosout is gone, so say it on stderr
        print(f"[{node.get_fully_qualified_name()}] shutdown requested (SIGINT/SIGTERM): stopping", file=sys.stderr,
              flush=True)
        return 0
    return node.exit_code


def _hold_signals() -> None:
    """Further SIGINT/SIGTERM while the node tears down must not kill it half-way (a bag left open)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def run_node(factory: Any, args: Sequence[str] | None) -> int:
    """main() of a node: init, build, spin until finished, shut down. Exit 0 when the run finished or a
    shutdown was requested by a signal; the node's own status otherwise."""
    rclpy.init(args=list(args) if args is not None else None)
    node = None
    try:
        node = factory()
        return spin_until_finished(node)
    except (KeyboardInterrupt, ExternalShutdownException):  # a signal while the node was being built
        _hold_signals()
        return 0
    finally:
        _hold_signals()
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
