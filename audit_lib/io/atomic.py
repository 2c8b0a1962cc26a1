"""Atomic output: write to a temporary file in the target's folder, then rename over it.

Every writer of the library (workbook, csv/json exports, imported register, data-flow
graph and diagram, privacy notice, HTML report) goes through here, so a failing write
leaves no partial file and never overwrites a good one (DESIGN.md, "Errors": never a
half-written output). The new file gets the mode of the file it replaces, or the usual
umask permissions when there was none.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path next to ``path``, then rename it to ``path``.

    An existing device or pipe (``/dev/stdout``) is written directly: a rename would replace
    it. An OSError (a full disk, ENOSPC, at write, flush, close or fsync) names ``path``.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; give a file name")
    if target.exists() and not target.is_file():
        _naming(write, target, target)
        return target
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)

    def write_synced(path: Path) -> None:
        write(path)
        _fsync(path)

    try:
        _naming(write_synced, tmp, target)
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    return target


def _naming(write: Callable[[Path], None], path: Path, target: Path) -> None:
    """``write(path)``; an OSError it raises (ENOSPC at write, flush, close or fsync) names
    ``target``, not the temporary file, nor nothing."""
    try:
        write(path)
    except OSError as exc:
        if exc.errno is None or exc.filename == str(target):
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc  # same class, by errno


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, with ``\\n`` line ends on every platform."""

    def _write(tmp: Path) -> None:
        with open(tmp, "w", encoding=encoding, newline="\n") as fh:
            fh.write(text)

    return atomic_write(path, _write)


def atomic_folder(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Fill a temporary folder next to ``path`` with ``write(tmp)``, then swap it into place.

    An existing folder at ``path`` is replaced only after the new one is complete.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        write(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.rmdir(old)
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
