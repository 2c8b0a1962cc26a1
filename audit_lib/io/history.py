"""A register folder as it stood at a git revision or on a date, read without touching the work tree.

The register is versioned text in git (Art 5(2) accountability: the controller can show what
its record said when). :func:`register_at` resolves a revision (``v1.2``, ``HEAD~3``, a commit)
or a date (``2026-06-01``: the last commit on or before that day), copies the folder's files
at that commit into a temporary folder with ``git ls-tree``/``git show`` and loads them with
:func:`audit_lib.io.loader.load_register`. The work tree and the index are never written.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audit_lib.io.loader import load_register
from audit_lib.model import Register


class HistoryError(ValueError):
    """The folder is not in a git repository, or the revision or date names no commit."""


@dataclass(frozen=True)
class Revision:
    """The commit a revision or date resolved to."""

    commit: str
    date: dt.date
    subject: str
    asked: str
    """What the user asked for (``v1.2``, ``2026-06-01``)."""

    def __str__(self) -> str:
        return f"{self.asked} ({self.commit[:10]}, {self.date.isoformat()}: {self.subject})"


def _git(cwd: Path, *args: str, binary: bool = False) -> str | bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise HistoryError("git is not installed: cannot read the register's history") from None
    if done.returncode != 0:
        raise HistoryError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done.stdout if binary else done.stdout.decode("utf-8")


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _in_repository(folder: str | Path) -> Path:
    """``folder`` as a Path, checked to be a folder inside a git work tree."""
    folder = Path(folder)
    if not folder.is_dir():
        raise HistoryError(f"{folder}: not a folder")
    try:
        _git(folder, "rev-parse", "--show-toplevel")
    except HistoryError:
        raise HistoryError(f"{folder}: not inside a git repository, so --since cannot read its history; "
                           "give two folders instead") from None
    return folder


def resolve(folder: str | Path, since: str) -> Revision:
    """The commit ``since`` names in the repository holding ``folder``: a revision, or a date
    YYYY-MM-DD meaning the last commit made on or before that day."""
    folder = _in_repository(folder)
    if _is_date(since):
        commit = str(_git(folder, "rev-list", "-1", f"--before={since} 23:59:59", "HEAD")).strip()
        if not commit:
            raise HistoryError(f"{folder}: no commit on or before {since}")
    else:
        try:
            commit = str(_git(folder, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}")).strip()
        except HistoryError:
            raise HistoryError(f"{folder}: '{since}' is neither a git revision of this repository "
                               "nor a date written YYYY-MM-DD") from None
    line = str(_git(folder, "show", "-s", "--format=%cs%x00%s", commit)).strip()
    day, _, subject = line.partition("\x00")
    return Revision(commit=commit, date=dt.date.fromisoformat(day), subject=subject, asked=since)


def first_revision(folder: str | Path) -> Revision:
    """The first commit that holds ``folder`` (its earliest version under git)."""
    folder = _in_repository(folder)
    commits = str(_git(folder, "log", "--format=%H", "--reverse", "--", ".")).split()
    if not commits:
        raise HistoryError(f"{folder}: no commit holds this folder")
    found = resolve(folder, commits[0])
    return Revision(found.commit, found.date, found.subject, f"first version ({found.date.isoformat()})")


def export_folder(folder: str | Path, revision: Revision, target: Path) -> list[Path]:
    """Write the files of ``folder`` as they were at ``revision`` into ``target``; return them."""
    folder = Path(folder)
    prefix = str(_git(folder, "rev-parse", "--show-prefix")).strip()
    listing = _git(folder, "ls-tree", "-r", "--full-name", "--name-only", "-z", revision.commit, "--", ".")
    names = [n for n in str(listing).split("\x00") if n]
    if not names:
        raise HistoryError(f"{folder}: the folder did not exist at {revision}")
    written = []
    for name in names:
        relative = name[len(prefix):] if prefix and name.startswith(prefix) else name
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(_git(folder, "show", f"{revision.commit}:{name}", binary=True))
        written.append(out)
    return written


def register_at(folder: str | Path, since: str | Revision) -> tuple[Register, Revision]:
    """The register in ``folder`` as it stood at ``since`` (revision, date or Revision), and the commit.

    Raises :class:`HistoryError` when git cannot answer, and the loader's
    :class:`~audit_lib.io.loader.RegisterError` when the old version does not validate.
    """
    revision = since if isinstance(since, Revision) else resolve(folder, since)
    with tempfile.TemporaryDirectory(prefix="ropa-history-") as tmp:
        target = Path(tmp) / Path(folder).resolve().name
        export_folder(folder, revision, target)
        return load_register(target), revision
