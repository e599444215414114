"""The one error type of the map service: a .xodr that is malformed or uses what we do not support."""

from __future__ import annotations

from pathlib import Path


class XodrError(Exception):
    """``<file>: <element>: <reason>`` — the file, the offending element (tag and id) and why."""

    def __init__(self, path: Path | str, element: str, reason: str) -> None:
        self.path = Path(path)
        self.element = element
        self.reason = reason
        super().__init__(f"{path}: {element}: {reason}")
