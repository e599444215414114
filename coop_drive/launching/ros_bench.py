"""``coop-drive bench ros``: what the ROS 2 runtime costs against the in-process runtime.

1. Latency per hop: a message of a V2X frame's size goes to an echo node in another process and back, over
   DDS with the runtime's QoS; one hop = half the round trip (median, p99 over N messages).
2. Real-time factor: the same scenario in both runtimes (simulated time / wall time, start-up excluded for the
   ROS run), and their ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class HopLatency:
    qos: str
    count: int
    median_ms: float
    p99_ms: float


def measure_hop_latency(count: int, payload_bytes: int, best_effort: bool) -> HopLatency:
    """One-way latency [ms] of one DDS hop between two processes (half the echo round trip)."""
    import rclpy
    from rclpy.node import Node

    from coop_drive.bag.ros_messages import MessageFactory
    from coop_drive.bag.typestore import coop_drive_typestore
    from coop_drive.nodes.base import DATA_QOS, V2X_QOS, _msg_class

    echo = subprocess.Popen([sys.executable, "-m", "coop_drive.nodes.echo", "--ros-args", "-p",
                             f"best_effort:={'true' if best_effort else 'false'}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        node = Node("bench_ping", context=context)
        executor = rclpy.executors.SingleThreadedExecutor(context=context)
        executor.add_node(node)
        qos = V2X_QOS if best_effort else DATA_QOS
        cls = _msg_class("coop_drive_msgs/msg/V2XFrame")
        received: list[float] = []
        pub = node.create_publisher(cls, "/bench/ping", qos)
        node.create_subscription(cls, "/bench/pong", lambda _: received.append(time.perf_counter()), qos, raw=True)
        msgs = MessageFactory(coop_drive_typestore())
        data = msgs.serialize(msgs.v2x_frame(0, bytes(payload_bytes)))
        deadline = time.monotonic() + 30
        while not received:  # until the echo is up and matched both ways
            if time.monotonic() > deadline:
                raise RuntimeError("echo node did not answer within 30 s")
            pub.publish(data)
            executor.spin_once(timeout_sec=0.1)
        rtts: list[float] = []
        for _ in range(count):
            received.clear()
            sent = time.perf_counter()
            pub.publish(data)
            end = sent + 1.0
            while not received and time.perf_counter() < end:
                executor.spin_once(timeout_sec=0.01)
            if received:
                rtts.append(received[0] - sent)
        one_way_ms = np.asarray(rtts) * 1e3 / 2.0
        return HopLatency("best-effort" if best_effort else "reliable", len(rtts),
                          float(np.median(one_way_ms)), float(np.quantile(one_way_ms, 0.99)))
    finally:
        rclpy.shutdown(context=context)
        echo.terminate()
        echo.wait(10)


def measure_rtf(scenario: Path, split: str, launch_file: Path) -> dict[str, float]:
    """Wall and simulated time of one run in each runtime."""
    from coop_drive.cli.main import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        inproc, ros = Path(tmp) / "inprocess", Path(tmp) / "ros"
        with open(os.devnull, "w") as devnull:
            saved = sys.stdout
            sys.stdout = devnull
            try:
                if cli(["run", str(scenario), "--split", split, "--out", str(inproc)]) != 0:
                    raise RuntimeError("in-process run failed")
                started = time.perf_counter()
                if cli(["launch", str(launch_file), f"scenario:={scenario}", f"split:={split}", f"out:={ros}"]) != 0:
                    raise RuntimeError("ROS run failed")
                ros_total_s = time.perf_counter() - started
            finally:
                sys.stdout = saved
        a = json.loads((inproc / "metrics.json").read_text())
        b = json.loads((ros / "metrics.json").read_text())
    return {"sim_s": float(a["sim_time_s"]), "inprocess_wall_s": float(a["wall_time_s"]),
            "ros_wall_s": float(b["wall_time_s"]), "ros_total_wall_s": ros_total_s,
            "inprocess_rtf": float(a["sim_time_s"]) / float(a["wall_time_s"]),
            "ros_rtf": float(b["sim_time_s"]) / float(b["wall_time_s"])}


def format_report(hops: list[HopLatency], rtf: dict[str, float], split: str) -> str:
    lines = ["latency added per hop (one DDS hop between processes, V2X-frame-sized message):"]
    lines += [f"  {h.qos:<12} median {h.median_ms:.3f} ms   p99 {h.p99_ms:.3f} ms   (n={h.count})" for h in hops]
    lines += [f"real-time factor, split {split} (simulated s per wall s; ROS run: first step to last):",
              f"  in-process  {rtf['inprocess_rtf']:8.1f}x   ({rtf['sim_s']:.2f} s in {rtf['inprocess_wall_s']:.2f} s)",
              f"  ROS 2       {rtf['ros_rtf']:8.1f}x   ({rtf['sim_s']:.2f} s in {rtf['ros_wall_s']:.2f} s; "
              f"{rtf['ros_total_wall_s']:.1f} s with start-up)",
              f"  ratio       in-process is {rtf['inprocess_rtf'] / rtf['ros_rtf']:.1f}x faster"]
    return "\n".join(lines)
