"""Helpers shared by the ``ropa`` subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the library is imported where used, so `ropa --help` imports none of it
    from audit_lib.model import Register

TABLE_FORMATS = ("table", "json", "csv")
"""``--format`` choices of the commands that print records: table for people, json, csv."""


class CliExit(Exception):
    """Stop the command with an exit code and an optional message for stderr."""

    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message


def plural(n: int, word: str) -> str:
    """``"1 gap"``, ``"2 gaps"``."""
    return f"{n} {word}{'s' if n != 1 else ''}"


def exit_with_issues(issues: Iterable[Any], code: int, message: str) -> CliExit:
    """Print every issue to stderr, one per line; return the CliExit to raise with ``message``."""
    for issue in issues:
        print(issue, file=sys.stderr)
    return CliExit(code, message)


def load_or_exit(path: str | Path, code: int = 1) -> Register:
    """Load a register, or print every problem (one per line) to stderr and exit ``code``."""
    from audit_lib.io.loader import RegisterError, load_register

    try:
        return load_register(path)
    except RegisterError as exc:
        raise exit_with_issues(exc.issues, code, f"ropa: {path}: {plural(len(exc.issues), 'problem')} "
                                                 "found; nothing was written") from None


def iso_date(text: str) -> dt.date:
    """argparse type: a date written YYYY-MM-DD (parsed by :func:`audit_lib.reference.transfers.as_date`)."""
    from audit_lib.reference.transfers import as_date

    try:
        return as_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def date_or_exit(text: str | None, message: str) -> dt.date | None:
    """``text`` as a date (None stays None), or exit 2 with ``message`` (``{text}`` filled in).

    The CLI's dates are parsed here, at the edge, by the one parser
    :func:`audit_lib.reference.transfers.as_date`; the library receives dates.
    """
    if text is None:
        return None
    from audit_lib.reference.transfers import as_date

    try:
        return as_date(text)
    except ValueError:
        raise CliExit(2, message.format(text=text)) from None


def add_path(p: argparse.ArgumentParser, **kwargs: Any) -> None:
    """The positional register folder argument PATH."""
    p.add_argument("path", metavar="PATH", help="register folder, e.g. ropa/mobikin", **kwargs)


def add_as_of(p: argparse.ArgumentParser, help: str) -> None:
    """``--as-of DATE``, checked by argparse (exit 2 with the usage on a malformed date)."""
    p.add_argument("--as-of", type=iso_date, default=None, metavar="DATE", help=help)


def print_json(data: Any) -> None:
    """Write ``data`` to standard output as indented JSON, non-ASCII text kept as is."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def refuse_folder(out: Path, command: str) -> None:
    """Exit 1 when the output file name ``out`` names an existing folder."""
    if out.is_dir():
        raise CliExit(1, f"ropa {command}: cannot write {out}: it is a folder; give a file name")
