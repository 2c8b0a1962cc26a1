"""Atomic output: write beside the target under a name the tool recognises, then swap it in.

Every writer of the library (workbook, csv/json exports, imported register, data-flow
graph and diagram, privacy notice, HTML report) goes through here, so a failing write
leaves no partial file and never overwrites a good one (DESIGN.md, "Errors": never a
half-written output). The new file gets the mode of the file it replaces, or the usual
umask permissions when there was none.

Temporary entries are named ``.NAME.ropa-part-PID-RANDOM`` (and, for the fallback folder
swap, ``.NAME.ropa-old-PID-RANDOM``), beside the target ``NAME``. A process killed while
writing (``kill -9``, power loss) cannot remove its own; the next write to the same target
removes those whose writer process is gone, and never anything else.

What a crash can leave at the target path:

* a file (:func:`atomic_write`): always the old file or the complete new one
  (``os.replace`` is atomic on POSIX and on Windows for files on one volume);
* a folder (:func:`atomic_folder`): on Linux (glibc 2.28+, a file system supporting
  ``renameat2(RENAME_EXCHANGE)``: ext4, xfs, btrfs, tmpfs ...) and on macOS
  (``renamex_np(RENAME_SWAP)`` on APFS) the old folder and the new one are exchanged in one
  step, so the target path always holds one of them. Elsewhere (Windows, other file
  systems) the swap takes two renames; a crash between them leaves the target absent and
  the old folder complete as ``.NAME.ropa-old-PID-RANDOM``. :func:`recover_folder`, called
  by the next write to that target, renames it back and says so. Whether a dead writer's
  process id was reused is checked on POSIX only; elsewhere stale entries are left in place.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

PART, OLD = "part", "old"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def temp_name(target: Path, kind: str = PART) -> Path:
    """A fresh temporary path beside ``target``: ``.NAME.ropa-part-PID-RANDOM``."""
    return target.parent / f".{target.name}.ropa-{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _own_re(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.ropa-(?P<kind>{PART}|{OLD})-(?P<pid>\d+)-[0-9a-f]{{8}}")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (True when it cannot be told: nothing is removed then)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or not permitted to ask
        return True
    return True


def stale_entries(target: str | Path) -> list[Path]:
    """Temporary entries of ``target`` left by writers that are gone (oldest kind first: old, part)."""
    target = Path(target)
    pattern = _own_re(target)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    found = []
    for name in names:
        m = pattern.fullmatch(name)
        if m and not _alive(int(m.group("pid"))):
            found.append((m.group("kind") != OLD, name))
    return [target.parent / name for _, name in sorted(found)]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def recover_folder(target: str | Path) -> str | None:
    """Undo what a writer of ``target`` killed mid-write left behind; say what was done, if anything.

    A folder swap interrupted between its two renames (platforms without an atomic exchange)
    leaves no folder at ``target`` and the old one beside it: it is renamed back. Every other
    temporary entry of ``target`` whose writer is gone is removed.
    """
    target = Path(target)
    message = None
    for entry in stale_entries(target):
        kind = _own_re(target).fullmatch(entry.name).group("kind")
        if kind == OLD and not os.path.lexists(target) and entry.is_dir():
            os.rename(entry, target)
            message = (f"{target} was missing after an interrupted write (the writer was killed between "
                       f"two renames); its previous content was restored from {entry.name}")
            continue
        _remove(entry)
    return message


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
    for entry in stale_entries(target):
        _remove(entry)
    tmp = temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)

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


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc() if os.name == "posix" else None
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


def exchange(a: str | Path, b: str | Path) -> bool:
    """Swap two existing paths in one atomic step; False when the platform or file system cannot."""
    if _LIBC is None:
        return False
    fa, fb = os.fsencode(str(a)), os.fsencode(str(b))
    if sys.platform.startswith("linux") and hasattr(_LIBC, "renameat2"):
        result = _LIBC.renameat2(_AT_FDCWD, fa, _AT_FDCWD, fb, _RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(_LIBC, "renamex_np"):
        result = _LIBC.renamex_np(fa, fb, _RENAME_SWAP)
    else:
        return False
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, target: Path) -> None:
    """Put complete folder ``tmp`` at ``target``, the old folder (if any) removed afterwards."""
    if not target.exists():
        os.replace(tmp, target)
        return
    if exchange(tmp, target):  # tmp now holds the old folder, under our own temporary name
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = temp_name(target, OLD)
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def atomic_folder(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Fill a temporary folder next to ``path`` with ``write(tmp)``, then swap it into place.

    An existing folder at ``path`` is replaced only after the new one is complete; see the
    module docstring for what a crash can leave, per platform.
    """
    target = Path(path)
    recover_folder(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder")
    tmp = temp_name(target)
    os.mkdir(tmp, 0o700)
    try:
        write(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
