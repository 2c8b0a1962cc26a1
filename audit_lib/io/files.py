"""Find and open the files of a register folder, refusing anything that is not plain register text.

A register arrives through pull requests, so a file in it may be hostile: a symlink to
``/etc/shadow`` or ``/dev/zero``, a named pipe that blocks a reader forever, a folder the
user cannot read (whose files would otherwise be skipped in silence). Every register file
is listed by :func:`walk` and opened by :func:`read_file`, the one place these checks live;
each refusal is a :class:`FileRefused` whose message names what is wrong with the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class FileRefused(Exception):
    """A register file (or folder) that is not read; ``message`` says why, in a user's words."""

    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def size_text(n: int) -> str:
    """A byte count as '64.0 MB', '3.2 KB' or '12 bytes'."""
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    return f"{n / 2**10:.1f} KB" if n >= 2**10 else f"{n} bytes"


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def _not_regular(path: Path, mode: int) -> FileRefused:
    return FileRefused(path, f"is {_kind(mode)}, not a regular file: a register file must be plain "
                             "YAML text")


def _os_message(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied (give the user read access, or remove it)"
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop: it points back to itself"
    if exc.errno == errno.ENOENT:
        return "vanished while the register was read"
    return f"cannot be read: {exc.strerror or exc}"


def resolve_inside(path: Path, folder: Path) -> Path:
    """The real path of ``path``, a symbolic link or not; refuse a broken link, a loop or a target
    outside ``folder`` (a pull request must not be able to make the tool read /etc/shadow)."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise FileRefused(path, f"is a broken symbolic link (to {os.readlink(path)!r}, which does not "
                                "exist)") from None
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            raise FileRefused(path, "is a symbolic link loop: it points back to itself") from None
        raise FileRefused(path, _os_message(exc)) from None
    root = Path(os.path.realpath(folder))
    if real != root and root not in real.parents:
        raise FileRefused(path, f"is a symbolic link to {str(real)!r}, outside the register folder: "
                                "a register file must live in the register folder")
    return real


def read_file(path: Path, folder: Path, limit: int) -> bytes:
    """The bytes of register file ``path`` in register ``folder``, at most ``limit`` of them.

    Refuses (:class:`FileRefused`) a symbolic link that is broken, loops or leaves ``folder``;
    anything but a regular file (FIFO, device, socket, folder), checked again with fstat on
    the open file (opened with O_NOFOLLOW and O_NONBLOCK, so a pipe cannot block); a file
    that cannot be read; and one over ``limit`` bytes, by its size and by reading at most
    ``limit + 1`` bytes (a size can lie: /proc files, devices).
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise FileRefused(path, _os_message(exc)) from None
    target = path
    if stat.S_ISLNK(mode):
        target = resolve_inside(path, folder)
        try:
            mode = os.stat(target).st_mode
        except OSError as exc:
            raise FileRefused(path, _os_message(exc)) from None
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    flags = os.O_RDONLY
    for name in ("O_NONBLOCK", "O_NOFOLLOW", "O_CLOEXEC"):
        flags |= getattr(os, name, 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise FileRefused(path, _os_message(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        if info.st_size > limit:
            raise FileRefused(path, _too_big(info.st_size, limit))
        chunks = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, max(info.st_size + 1 - total, 1 << 16)))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise FileRefused(path, _os_message(exc)) from None
    finally:
        os.close(fd)
    if total > limit:
        raise FileRefused(path, _too_big(total, limit, more=True))
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_big(size: int, limit: int, more: bool = False) -> str:
    return (f"file is {'over ' if more else ''}{size_text(size)}, over the {size_text(limit)} limit for one "
            "register file: split it (e.g. activities/ folder of files)")


def walk(folder: Path) -> tuple[list[Path], list[FileRefused]]:
    """Every file under ``folder`` (sorted, hidden names skipped) and the folders that cannot be read.

    A folder the user cannot read is a refusal, never skipped in silence. A symbolic link to
    a folder is followed only inside ``folder`` (once: links cannot make it loop); a link to
    a file is listed as it is, for :func:`read_file` to check.
    """
    files: list[Path] = []
    refused: list[FileRefused] = []
    seen: set[str] = set()

    def visit(path: Path) -> None:
        try:
            real = os.path.realpath(path)
            if real in seen:
                return
            seen.add(real)
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            refused.append(FileRefused(path, "folder " + _os_message(exc) + ": its files would be skipped"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = path / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError as exc:
                refused.append(FileRefused(child, _os_message(exc)))
                continue
            if is_dir:
                visit(child)
            elif is_link and os.path.isdir(child):
                try:
                    resolve_inside(child, folder)
                except FileRefused as exc:
                    refused.append(exc)
                    continue
                visit(child)
            else:
                files.append(child)

    visit(folder)
    return files, refused
