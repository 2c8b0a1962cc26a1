"""The ``ropa`` command: a thin shell over audit_lib.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``; :data:`COMMANDS` lists them explicitly, in the order
``ropa --help`` shows them. Adding a command is adding a module and one line there.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from audit_lib.cli.common import (
    CliExit,
    OutputClosed,
    OutputFailed,
    VisibleStream,
    os_error_message,
    os_reason,
    silence_stdout,
)

DESCRIPTION = """\
Keep and audit a GDPR record of processing activities (Article 30).

A register is a folder of YAML files (organisation.yaml, activities.yaml,
recipients.yaml, security.yaml, ...). Every command takes that folder.
Exit codes: 0 success; 1 invalid register (validate, transfers, graph, export,
notice, report), findings at the --fail-on level (audit) or drift (crosscheck);
2 usage error, or an invalid register for audit and crosscheck."""


COMMANDS: tuple[str, ...] = (
    # Subcommand modules of audit_lib.cli, in help order. To add a command (diff, group,
    # import ...): add its module here, one line, and keep the list sorted by name.
    "audit",
    "crosscheck",
    "diff",
    "export",
    "graph",
    "group",
    "import_",
    "import_xlsx",
    "notice",
    "report",
    "transfers",
    "validate",
    # -- end of the command list --
)
"""The modules of the subcommands, each exposing ``register(subparsers)``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ropa", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on failure")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ropa``; return its exit code. Everything it prints shows control characters as
    escapes (:class:`VisibleStream`); every failure is one message, never a traceback."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(out), VisibleStream(err)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except CliExit as exc:
        if exc.message:
            print(exc.message, file=sys.stderr)
        return exc.code
    except (OutputClosed, BrokenPipeError):  # the reader of stdout stopped (| head): stop quietly
        silence_stdout()
        return 141  # 128 + SIGPIPE, as a command killed by the signal
    except OutputFailed as exc:  # e.g. stdout redirected to a full disk
        silence_stdout()
        print(f"ropa {args.command}: cannot write to standard output: {os_reason(exc.error)}; "
              "the output is incomplete", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for a user, unless asked
        if args.debug:
            raise
        if isinstance(exc, OSError):  # an unreadable input or unwritable output the command did not name
            print(os_error_message(args.command, exc), file=sys.stderr)
            return 1
        print(f"ropa: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
