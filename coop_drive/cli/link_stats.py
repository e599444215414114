"""`coop-drive link stats PROFILE`: what a named link profile does to 10 Hz, 300-byte frames."""

from __future__ import annotations

import argparse
from pathlib import Path

from coop_drive.link.profiles import load_profile
from coop_drive.link.stats import LinkStats, simulate
from coop_drive.rng import stream

RATE_HZ = 10.0
FRAME_BYTES = 300


def add_link_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="link_command", required=True)
    stats = sub.add_parser("stats", help="delivered-latency quantiles, loss and loss bursts of a profile")
    stats.add_argument("profile", help="profile name (config/link_profiles.yaml)")
    stats.add_argument("--n", type=int, default=10_000, help="frames to send at 10 Hz, 300 bytes (default 10000)")
    stats.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    stats.add_argument("--profiles", type=Path, default=None, help="profile file (default config/link_profiles.yaml)")


def validate_link_arguments(args: argparse.Namespace) -> str | None:
    if args.n < 1:
        return f"--n must be >= 1, got {args.n}"
    if args.seed < 0:
        return f"--seed must be >= 0, got {args.seed}"
    return None


def link_stats(args: argparse.Namespace) -> str:
    """Simulate the profile and format the result (LinkConfigError for a bad profile)."""
    profile = load_profile(args.profile, args.profiles)
    stats = simulate(profile.config, args.n, stream(args.seed, "link/stats"), RATE_HZ, FRAME_BYTES)
    return format_stats(args.profile, stats, profile.stated_p50_range_ms)


def format_stats(name: str, s: LinkStats, stated_p50_range_ms: tuple[float, float]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f} ms"

    lo, hi = stated_p50_range_ms
    burst = "-" if s.mean_loss_burst_frames is None else f"{s.mean_loss_burst_frames:.2f} frames"
    return "\n".join([
        f"link profile {name}: {s.frames_sent} frames of {FRAME_BYTES} bytes at {RATE_HZ:g} Hz",
        f"  latency p50       {ms(s.latency_p50_ms)}  (stated range {lo:g}-{hi:g} ms)",
        f"  latency p90       {ms(s.latency_p90_ms)}",
        f"  latency p99       {ms(s.latency_p99_ms)}",
        f"  latency max       {ms(s.latency_max_ms)}",
        f"  loss ratio        {s.loss_ratio:.4f} ({s.frames_sent - s.frames_delivered} lost)",
        f"  mean loss burst   {burst}",
    ])
