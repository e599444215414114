"""The error every invalid link setting raises."""

from __future__ import annotations


class LinkConfigError(ValueError):
    """A link setting, profile file or delay trace is invalid; the message names the file/key or parameter."""
