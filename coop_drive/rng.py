"""Seeded random streams: one independent, reproducible generator per named component."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator determined by (seed, name) only, so adding a component never shifts another's draws."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
