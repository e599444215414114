"""`coop-drive v2x sizes`: the UPER-encoded size of a typical message of each type (coop_drive/v2x/examples.py)."""

from __future__ import annotations

import argparse

from coop_drive.units import s_to_ns
from coop_drive.v2x.asn1_codec import encode_message, message_type_of
from coop_drive.v2x.examples import TIME_S, typical_messages
from coop_drive.v2x.frame import V2XFrame, encode_frame

SOURCE_ID = "mec"  # the frame envelope's source id in the "framed" column


def add_v2x_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="v2x_command", required=True)
    sub.add_parser("sizes", help="UPER-encoded size of a typical message of each type")


def validate_v2x_arguments(args: argparse.Namespace) -> str | None:
    return None


def format_sizes() -> str:
    """A markdown table: message, UPER payload bytes, bytes with the V2X frame envelope."""
    lines = ["| message | UPER payload [bytes] | framed [bytes] |", "|---|---:|---:|"]
    for name, message in typical_messages().items():
        payload = encode_message(message)
        frame = encode_frame(V2XFrame(message_type_of(message), SOURCE_ID, 0, s_to_ns(TIME_S), payload))
        lines.append(f"| {name} | {len(payload)} | {len(frame)} |")
    return "\n".join(lines)


def run_v2x_command(args: argparse.Namespace) -> int:
    print(format_sizes())
    return 0
