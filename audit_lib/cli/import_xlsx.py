"""``ropa import-xlsx FILE.xlsx -o ropa/<org>/``: read an exported workbook back into register YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audit_lib.cli.common import CliExit, exit_with_issues, plural
from audit_lib.io.import_xlsx import WorkbookError, import_xlsx


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
    p.add_argument("-o", "--output", metavar="FOLDER", required=True,
                   help="register folder to write, e.g. ropa/myorg/")
    p.add_argument("--force", action="store_true", help="replace the folder if it already holds files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise CliExit(1, f"ropa import-xlsx: {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise CliExit(1, f"ropa import-xlsx: {out} is not empty; use --force to replace it")
    if not out.parent.is_dir():
        raise CliExit(1, f"ropa import-xlsx: folder {out.parent} does not exist")
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
