"""Helpers shared by the ``ropa`` subcommands."""

from __future__ import annotations

import sys
from pathlib import Path

from audit_lib.load import RegisterError, load_register
from audit_lib.model import Register


class CliExit(Exception):
    """Stop the command with an exit code and an optional message for stderr."""

    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message


def load_or_exit(path: str | Path, code: int = 1) -> Register:
    """Load a register, or print every problem (one per line) to stderr and exit ``code``."""
    try:
        return load_register(path)
    except RegisterError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        n = len(exc.issues)
        raise CliExit(code, f"ropa: {path}: {n} problem{'s' if n != 1 else ''} found; "
                            "nothing was written") from None
