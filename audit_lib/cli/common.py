"""Helpers shared by the ``ropa`` subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit_lib.io.visible import echo, visible

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


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(data: Any) -> str:
    """``data`` as indented JSON, non-ASCII text kept as is, except the characters a terminal
    obeys (DEL, C1, bidi overrides; json already escapes C0), written as ``\\uXXXX``: same value."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def print_json(data: Any) -> None:
    """Write ``data`` to standard output as indented JSON (:func:`json_text`)."""
    write_data(json_text(data))


def write_data(text: str) -> None:
    """Write machine-readable output (csv, json) to standard output unchanged.

    Under :func:`main`'s :class:`VisibleStream` it reaches a file or pipe as is (UTF-8) and a
    terminal with its control characters shown; any other stream gets it as is.
    """
    getattr(sys.stdout, "write_data", sys.stdout.write)(text)


class OutputClosed(Exception):
    """Standard output was closed by its reader (``ropa audit ... | head``): stop quietly."""


class OutputFailed(Exception):
    """Writing to standard output or error failed (a full disk, ENOSPC): not an OSError, so no
    command takes it for a failure to write its output file."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _stream_errors(write: Any) -> Any:
    """Call ``write`` and turn an OSError of the stream into OutputClosed / OutputFailed."""
    try:
        return write()
    except BrokenPipeError:
        raise OutputClosed() from None
    except OSError as exc:
        raise OutputFailed(exc) from None


class VisibleStream:
    """A text stream for people: what is written reaches it with every control character
    shown as an escape (:func:`audit_lib.io.visible.visible`), text its encoding cannot hold
    written as ``\\u`` escapes rather than failing (a non-UTF-8 terminal, ``LANG=C``)."""

    def __init__(self, stream: Any):
        self.stream = stream

    def _write(self, text: str) -> int:
        def write() -> int:
            try:
                return self.stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self.stream, "encoding", None) or "ascii"
                return self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        return _stream_errors(write)

    def write(self, text: str) -> int:
        return self._write(visible(text))

    def write_data(self, text: str) -> int:
        """``text`` unchanged to a file or pipe (UTF-8 whatever the locale); shown visibly on a terminal."""
        if self.isatty():
            return self.write(text)
        buffer = getattr(self.stream, "buffer", None)
        if buffer is None:
            return self._write(text)
        _stream_errors(lambda: (self.stream.flush(), buffer.write(text.encode("utf-8"))))
        return len(text)

    def isatty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def flush(self) -> None:
        _stream_errors(self.stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def silence_stdout() -> None:
    """After the reader closed standard output: point it at the null device, so the flush at
    exit neither fails nor prints "Exception ignored ... BrokenPipeError"."""
    try:
        fd = sys.__stdout__.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def os_reason(exc: OSError) -> str:
    """Why a read or write failed, in words (``Permission denied``, ``no space left on the device``)."""
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc) or type(exc).__name__


def os_error_message(command: str, exc: OSError) -> str:
    """One line for a failed read or write: the command, the file, the reason; nothing written."""
    name = exc.filename if exc.filename is not None else ""
    where = f"{echo(name)}: " if name != "" else ""
    return f"ropa {command}: {where}{os_reason(exc)}; nothing was written"


def refuse_folder(out: Path, command: str) -> None:
    """Exit 1 when the output file name ``out`` names an existing folder."""
    if out.is_dir():
        raise CliExit(1, f"ropa {command}: cannot write {out}: it is a folder; give a file name")


def recover_output_folder(out: Path, command: str) -> None:
    """Before an import writes register folder ``out``: put back a folder an interrupted swap left
    aside (said on stderr), and exit 1 when ``out`` is a file."""
    from audit_lib.io.atomic import recover_folder

    restored = recover_folder(out)
    if restored:
        print(f"note: {restored}", file=sys.stderr)
    if out.exists() and not out.is_dir():
        raise CliExit(1, f"ropa {command}: {out} exists and is not a folder")


def refuse_import_target(out: Path, command: str, force: bool) -> None:
    """Exit 1 unless an import may write register folder ``out``: never a folder holding anything
    but register files, a non-empty one only with ``--force``, and its parent must exist."""
    from audit_lib.io.import_xlsx import refuse_foreign

    refused = refuse_foreign(out)
    if refused is not None:
        raise CliExit(1, f"ropa {command}: {refused.message}; nothing was written")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise CliExit(1, f"ropa {command}: {out} is not empty; use --force to replace its register files")
    if not out.parent.is_dir():
        raise CliExit(1, f"ropa {command}: folder {out.parent} does not exist")
