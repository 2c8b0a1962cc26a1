"""A cache of loaded registers, keyed by the exact bytes of every register file.

Loading a 10,000-activity register parses and validates some 20 MB of YAML; reloading an
unchanged one needs neither. An entry is the outcome of one load (the Register, or the
issues of its RegisterError) stored under a key that hashes everything the outcome
depends on: each register file's name and bytes, the folder as given, the loader's file
limit, the package's and its libraries' versions and the bytes of the code and reference
data that read and judge the register. Any byte changing, a file added or removed, or a
new version is a miss.

Kept outside the register (``$ROPA_CACHE_DIR``, else ``$XDG_CACHE_HOME/ropa``, else
``~/.cache/ropa``; ``ROPA_NO_CACHE=1`` turns it off), in a folder created 0700. An entry
is a pickle, so only a file owned by the user in a folder only the user can write is
read; it is written atomically, and an entry that cannot be read or does not match its
key is ignored: the register is then loaded in full.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

FORMAT = 1
"""Bumped when the layout of an entry changes."""
_PACKAGE = Path(__file__).resolve().parent.parent
_CODE = ("io/cache.py", "io/files.py", "io/loader.py", "io/yaml_reader.py", "issues.py")
_CODE_FOLDERS = ("model", "reference")
_LIBRARIES = ("audit_lib", "pydantic", "pydantic_core", "PyYAML", "fideslang", "pycountry", "networkx")


def enabled() -> bool:
    """False when ``ROPA_NO_CACHE`` is set to anything but '' or '0'."""
    return os.environ.get("ROPA_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    """Where entries live: ROPA_CACHE_DIR, else XDG_CACHE_HOME/ropa, else ~/.cache/ropa."""
    if os.environ.get("ROPA_CACHE_DIR"):
        return Path(os.environ["ROPA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ropa"


_fingerprint: str | None = None


def fingerprint() -> str:
    """Hash of what a load's outcome depends on besides the register: versions, code, reference data."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
        for name in _LIBRARIES:
            try:
                digest.update(f"{name}={metadata.version(name)}\0".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name}=?\0".encode())
        paths = [_PACKAGE / p for p in _CODE]
        for folder in _CODE_FOLDERS:
            paths.extend(sorted(p for p in (_PACKAGE / folder).rglob("*") if p.suffix in (".py", ".yaml")))
        for path in paths:
            digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        _fingerprint = digest.hexdigest()
    return _fingerprint


def key(folder: Path, files: list[tuple[str, bytes]], *extra: Any) -> str:
    """The key of a load of ``folder`` whose files are (relative name, bytes), in that order."""
    digest = hashlib.sha256(f"{fingerprint()}\0{folder}\0{extra!r}\0{len(files)}\0".encode())
    for name, data in files:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _entry(folder: Path) -> Path:
    """One entry per register folder: a newer load replaces it."""
    return cache_dir() / (hashlib.sha256(str(folder).encode()).hexdigest()[:32] + ".pickle")


def _private_dir(path: Path, create: bool) -> bool:
    """True when ``path`` is a folder owned by the user that nobody else can write (created 0700)."""
    if create:
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return False
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def get(folder: Path, entry_key: str) -> tuple[str, Any] | None:
    """The outcome stored for ``entry_key`` (``("register", Register)`` or ``("issues", [Issue])``), or None.

    None, never an exception, for a missing, foreign (not owned by the user, or in a folder
    others can write), truncated, corrupt or outdated entry.
    """
    path = _entry(folder)
    if not _private_dir(path.parent, create=False):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            stored = pickle.load(fh)  # noqa: S301  (a file of our own, in a folder only we can write)
    except Exception:  # noqa: BLE001  (a bad entry is a miss, whatever is wrong with it)
        return None
    finally:
        os.close(fd)
    if not (isinstance(stored, tuple) and len(stored) == 3 and stored[0] == entry_key
            and stored[1] in ("register", "issues")):
        return None
    return stored[1], stored[2]


def put(folder: Path, entry_key: str, kind: str, value: Any) -> None:
    """Store an outcome atomically (write a temporary file, then rename); any failure is ignored."""
    directory = cache_dir()
    if not _private_dir(directory, create=True):
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".entry-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((entry_key, kind, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, _entry(folder))
        tmp = None
    except Exception:  # noqa: BLE001  (a cache that cannot be written only costs time)
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
