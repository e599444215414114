"""Output directories that are complete or absent: written under a temporary name, renamed at the end."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MARKER = "metrics.json"  # a directory holding this was written by coop-drive and may be replaced


class OutputDirError(ValueError):
    """The output directory cannot be used."""


def check_output_dir(out: Path) -> str | None:
    """An error message if ``out`` must not be written, else None."""
    if out.exists() and not out.is_dir():
        return f"--out {out}: exists and is not a directory"
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        return f"--out {out}: directory is not empty and was not written by coop-drive; refusing to replace it"
    return None


@contextmanager
def atomic_output_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``out``; on success it replaces ``out``, on error it is removed."""
    message = check_output_dir(out)
    if message:
        raise OutputDirError(message)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = out.with_name(f".{out.name}.old.{os.getpid()}")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)
