"""Shared helpers for the red-team tests: hostile copies of a sample register, the real
``ropa`` command in a subprocess, and the user-visible contract every run must keep.

The contract (issue 18): a non-zero exit on bad input (never 3, the "internal error" code),
stderr naming the offending file (and record / field where there is one), no Python
traceback or warning, no "internal error", no raw control character on either stream, no
partial output, the user's files unchanged, and no hang.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEARMOB = ROOT / "ropa" / "dearmob"
TIMEOUT = 60
"""Seconds a command may take before the run counts as a hang (a failure)."""

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
"""A raw C0/C1 control character (ESC included) or DEL; tab, newline and CR-LF are text."""

PY_WARNING_RE = re.compile(r"\.py:\d+: \w*Warning")
"""A Python warning printed with its source line: internals leaking to the user."""


@dataclass
class Run:
    """One finished ``ropa`` run."""

    args: Sequence[str]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"ropa {' '.join(map(str, self.args))} -> exit {self.code}\n--- stderr:\n{self.err[-3000:]}"


def copy_register(tmp_path: Path, name: str = "reg", source: Path = DEARMOB) -> Path:
    """A writable copy of a sample register (default DearMob) in ``tmp_path/name``."""
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a register file (``count`` times, 0 for all); ``old`` must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}: the sample register changed"
    path.write_text(text.replace(old, new, count or -1), encoding="utf-8")


def ropa_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a subprocess run: this checkout first on the path, no colours."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("MPLBACKEND", "Agg")
    env.pop("PYTHONWARNINGS", None)
    env.update(extra or {})
    return env


def ropa(*args: object, timeout: float = TIMEOUT, preexec_fn: Callable[[], None] | None = None,
         env: dict[str, str] | None = None, code: str | None = None, stdout: object = None,
         cwd: Path | None = None) -> Run:
    """Run ``python -m audit_lib.cli ARGS`` (or ``python -c CODE ARGS``); a hang fails the test."""
    argv = [sys.executable, *(["-c", code] if code else ["-m", "audit_lib.cli"]), *map(str, args)]
    try:
        proc = subprocess.run(
            argv, stdin=subprocess.DEVNULL, stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=timeout, preexec_fn=preexec_fn, env=ropa_env(env),
            cwd=cwd or ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ropa {' '.join(map(str, args))} hung: no answer after {timeout} s")
    out = proc.stdout.decode("utf-8", "replace") if isinstance(proc.stdout, bytes) else ""
    return Run(list(map(str, args)), proc.returncode, out, proc.stderr.decode("utf-8", "replace"))


def assert_clean(run: Run) -> None:
    """No traceback, no internal error, no Python warning, no raw control character, never exit 3."""
    both = run.out + run.err
    assert "Traceback" not in both, run
    assert "internal error" not in both.lower(), run
    assert not PY_WARNING_RE.search(run.err), run
    bad = CONTROL_RE.search(both)
    assert bad is None, f"raw control character {bad.group()!r} in the output of {run}"
    assert run.code != 3, run


def assert_refused(run: Run, *names: str, code: int | None = 1) -> None:
    """A clean refusal: exit ``code`` (any non-zero when None) and every one of ``names``
    (file, record id, field) on stderr."""
    assert_clean(run)
    assert (run.code != 0) if code is None else (run.code == code), run
    for name in names:
        assert name in run.err, f"{name!r} not named on stderr by {run}"


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder`` (hidden ones included): file bytes, link targets, folders."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            found[rel] = "dir"
        else:
            try:
                found[rel] = path.read_bytes()
            except OSError as exc:  # a FIFO, an unreadable file: its kind is enough
                found[rel] = ("unreadable", exc.errno)
    return found


# --------------------------------------------------------------------------
# Running without root's power to read everything
# --------------------------------------------------------------------------

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def unprivileged() -> Callable[[], None] | None:
    """A ``preexec_fn`` making permission bits bind, or None when they already do.

    Tests often run as root (containers, CI), and root reads a ``chmod 000`` file. Dropping
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the capability bounding set before exec
    leaves the child uid 0 (it still reads the interpreter and the checkout, which root owns)
    but without the power to bypass file modes, so an unreadable file is unreadable to it.
    """
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE to test unreadable files")

    return drop


def memory_limit(limit: int = 4 * 2**30) -> Callable[[], None]:
    """A ``preexec_fn`` capping the child's address space: a runaway read fails, not the machine."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


# --------------------------------------------------------------------------
# A full filesystem: every write under FULL_DIR fails with ENOSPC
# --------------------------------------------------------------------------

ENOSPC_BOOTSTRAP = f"""
import builtins, io, os, sys
_open, _root = io.open, os.path.realpath(os.environ["FULL_DIR"]) + os.sep

class _Full:
    def __init__(self, fh):
        self._fh = fh
    def write(self, data):
        raise OSError({errno.ENOSPC}, "No space left on device")
    writelines = write
    def __getattr__(self, name):
        return getattr(self._fh, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self._fh.close()

def _full_open(file, mode="r", *args, **kwargs):
    fh = _open(file, mode, *args, **kwargs)
    if isinstance(file, (str, bytes, os.PathLike)) and any(m in mode for m in "wax+"):
        if os.path.realpath(os.fsdecode(file)).startswith(_root):
            return _Full(fh)
    return fh

builtins.open = io.open = _full_open
from audit_lib.cli import main
sys.argv[0] = "ropa"
sys.exit(main(sys.argv[1:]))
"""
"""``python -c`` code running ``ropa`` with every file opened for writing under $FULL_DIR full."""
