"""``ropa import-xlsx FILE.xlsx -o ropa/<org>/``: read an exported workbook back into register YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audit_lib.cli.common import (
    CliExit,
    exit_with_issues,
    plural,
    recover_output_folder,
    refuse_import_target,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-xlsx",
        help="read a standard-layout workbook back into register YAML files",
        description="Read a workbook written by `ropa export` (standard layout), possibly edited in "
        "Excel or LibreOffice, and write its records as register YAML files (organisation.yaml, "
        "activities.yaml, ...) in the output folder. Records are read from the data.* sheets; "
        "edits found in the generated sheets are reported, not imported. The workbook is treated "
        "as untrusted: read-only, values only, no external links, size limits. Nothing is written "
        "unless the result loads as a valid register. Exit codes: 0 imported (warnings on stderr), "
        "1 workbook not importable or output folder not empty, 2 usage error.",
    )
    p.add_argument("workbook", metavar="FILE.xlsx", help="workbook written by `ropa export`")
    p.add_argument(
        "-o", "--output", metavar="FOLDER", required=True, help="register folder to write, e.g. ropa/myorg/"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace the register files of the folder with the data.* sheets' records (accepted.yaml and "
        "README are kept; a folder holding anything else is never replaced)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="show the diff of the visible-sheet edits; write nothing"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit_lib.io.import_xlsx import WorkbookError, import_xlsx

    out = Path(args.output)
    recover_output_folder(out, "import-xlsx")
    if (out / "organisation.yaml").is_file() and not args.force:
        return _run_edits(args, out)
    if args.dry_run:
        raise CliExit(
            2, "ropa import-xlsx: --dry-run shows the edits against a register: give its folder as -o"
        )
    refuse_import_target(out, "import-xlsx", args.force)
    try:
        result = import_xlsx(args.workbook, out)
    except WorkbookError as exc:
        problems = plural(len(exc.issues), "problem")
        message = f"ropa import-xlsx: {args.workbook}: {problems}; nothing was written"
        raise exit_with_issues([str(i) if i.file else i.message for i in exc.issues], 1, message) from None
    except OSError as exc:
        raise CliExit(1, f"ropa import-xlsx: {exc.strerror or exc}; nothing was written") from None
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {result.path}: {result.records} records; it loads as a valid register", file=sys.stderr)
    return 0


def _run_edits(args: argparse.Namespace, out: Path) -> int:
    """Apply (or with --dry-run show) the visible-sheet edits to the register in ``out``."""
    from audit_lib.io.import_xlsx import WorkbookError, apply_edits
    from audit_lib.io.loader import RegisterError

    try:
        result = apply_edits(args.workbook, out, dry_run=args.dry_run)
    except WorkbookError as exc:
        problems = plural(len(exc.issues), "problem")
        message = f"ropa import-xlsx: {args.workbook}: {problems}; no edit was applied, nothing was written"
        raise exit_with_issues([i.message for i in exc.issues], 1, message) from None
    except RegisterError as exc:
        raise exit_with_issues(
            exc.issues, 1, f"ropa import-xlsx: {out} is not a valid register; nothing was written"
        ) from None
    except OSError as exc:
        raise CliExit(1, f"ropa import-xlsx: {exc.strerror or exc}; nothing was written") from None
    for edit in result.edits:
        print(edit)
    if not result.edits:
        print(f"no edit found in the visible sheets of {args.workbook}", file=sys.stderr)
    elif result.applied:
        print(
            f"applied {plural(len(result.edits), 'edit')} to {', '.join(result.files)} in {result.path}; it "
            "loads as a valid register",
            file=sys.stderr,
        )
    else:
        print(f"dry run: {plural(len(result.edits), 'edit')} found; nothing was written", file=sys.stderr)
    return 0
