"""Output directories that are complete or absent: written under a temporary name, renamed at the end.

coop-drive marks each directory it writes with a manifest (``MANIFEST``: every file it wrote, relative paths).
It replaces an existing ``--out`` only when that directory holds exactly the files its manifest lists: a
directory it did not write, or one where anyone has since put, removed or renamed a file, is refused. The
temporary sibling is removed on any exit, an exception, Ctrl-C or SIGTERM (``cli/main.py`` turns SIGTERM into
an exception), so nothing is left half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MANIFEST = ".coop-drive-manifest.json"


class OutputDirError(ValueError):
    """The output directory cannot be used."""


def files_under(directory: Path) -> list[str]:
    """Every file (and symbolic link) under ``directory``, as sorted POSIX paths relative to it."""
    out = []
    for root, dirs, files in os.walk(directory):
        base = Path(root)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            out.append((base / name).relative_to(directory).as_posix())
    return sorted(out)


def _written_by_coop_drive(out: Path) -> bool:
    """Whether ``out`` holds exactly the files its manifest lists (and the manifest)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return isinstance(listed, list) and sorted([*listed, MANIFEST]) == files_under(out)


def check_output_dir(out: Path) -> str | None:
    """An error message if ``out`` must not be written, else None."""
    for parent in [out, *out.parents]:
        if parent.exists() or parent.is_symlink():
            break
    if parent != out and not parent.is_dir():
        return f"--out {out}: {parent} is not a directory"
    if parent != out and not os.access(parent, os.W_OK | os.X_OK):
        return f"--out {out}: {parent} is not writable"
    if out.exists() and not out.is_dir():
        return f"--out {out}: exists and is not a directory"
    if out.is_dir() and any(out.iterdir()) and not _written_by_coop_drive(out):
        return (f"--out {out}: directory is not empty and its files are not exactly those coop-drive wrote there "
                f"(no {MANIFEST}, or files added or removed since); refusing to replace it")
    if out.is_dir() and not os.access(out.parent, os.W_OK | os.X_OK):
        return f"--out {out}: {out.parent} is not writable"
    return None


@contextmanager
def atomic_output_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``out``; on success it replaces ``out``, on any exit before that
    (an exception, KeyboardInterrupt, SystemExit) it is removed."""
    message = check_output_dir(out)
    if message:
        raise OutputDirError(message)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise OutputDirError(f"--out {out}: cannot create it: {exc.strerror or exc}") from exc
    try:
        yield tmp
        (tmp / MANIFEST).write_text(json.dumps({"files": files_under(tmp)}, indent=1) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap(tmp, out)


def _swap(tmp: Path, out: Path) -> None:
    """``tmp`` becomes ``out``; an earlier ``out`` (checked to be coop-drive's own) is removed."""
    if not out.exists():
        tmp.rename(out)
        return
    message = check_output_dir(out)  # checked again: someone may have put files there during the run
    if message:
        raise OutputDirError(f"{message}; the results are kept in {tmp}")
    old = out.with_name(f".{out.name}.old.{os.getpid()}")
    out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
