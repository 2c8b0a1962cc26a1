"""The ``ropa`` command: a thin shell over audit_lib.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``; the parser picks them up by discovery, so adding a
command is adding a module.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from audit_lib.cli.common import CliExit

DESCRIPTION = """\
Keep and audit a GDPR record of processing activities (Article 30).

A register is a folder of YAML files (organisation.yaml, activities.yaml,
recipients.yaml, security.yaml, ...). Every command takes that folder.
Exit codes: 0 success; 1 invalid register (validate, transfers, graph, export,
notice, report), findings at the --fail-on level (audit) or drift (crosscheck);
2 usage error, or an invalid register for audit and crosscheck."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ropa", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on failure")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.name not in {"common", "__main__"}
    )
    for name in modules:
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliExit as exc:
        if exc.message:
            print(exc.message, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for a user, unless asked
        if args.debug:
            raise
        print(f"ropa: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
