"""`coop-drive study NAME`: the commands that regenerate the documented result tables.

Register a study by appending a ``Study`` to ``STUDIES``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from coop_drive.cli.study_green_wave import (
    add_green_wave_arguments,
    run_green_wave_study,
    validate_green_wave_arguments,
)
from coop_drive.cli.study_perception import (
    add_perception_arguments,
    run_perception_study,
    validate_perception_arguments,
)
from coop_drive.cli.study_splits import add_splits_arguments, run_splits_study, validate_splits_arguments


@dataclass(frozen=True)
class Study:
    """One study subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    validate: Callable[[argparse.Namespace], str | None]
    run: Callable[[argparse.Namespace], int]


STUDIES: list[Study] = [
    Study("perception", "fused-picture quality over latency (docs/perception.md)", add_perception_arguments,
          validate_perception_arguments, run_perception_study),
    Study("splits", "level x split outcomes, optionally with a fault (docs/results.md)", add_splits_arguments,
          validate_splits_arguments, run_splits_study),
    Study("green-wave", "stops and fuel without SPaT, with SPaT, with GLOSA, and SUMO's glosa device "
          "(docs/results.md)", add_green_wave_arguments, validate_green_wave_arguments, run_green_wave_study),
]


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="study", required=True)
    for study in STUDIES:
        study_parser = sub.add_parser(study.name, help=study.help)
        study.add_arguments(study_parser)
        study_parser.set_defaults(study_spec=study)


def validate_study_arguments(args: argparse.Namespace) -> str | None:
    spec: Study = args.study_spec
    return spec.validate(args)


def run_study(args: argparse.Namespace) -> int:
    spec: Study = args.study_spec
    return spec.run(args)
