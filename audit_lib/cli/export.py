"""``ropa export PATH -o FILE.xlsx [--layout standard|ico|cnil] [--format xlsx|csv|json] [--as-of DATE]``."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from audit_lib.cli.common import CliExit, add_path, date_or_exit, load_or_exit, refuse_folder
from audit_lib.export import FORMATS, LAYOUTS, format_for

if TYPE_CHECKING:
    from audit_lib.model import Register
    from audit_lib.review import Review


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write the Article 30 workbook (xlsx), or the same records as csv or json",
        description="Write the record of processing activities of the register in PATH. "
        "xlsx (default): the Article 30 workbook a supervisory authority reads, in the standard "
        "layout (cover, controller record with a column per Art 30(1) point, processor record, "
        "recipients, transfers, findings, commitments, security measures, systems, assumptions, "
        "data-flow diagram, guide), or the column set of the UK ICO's or the CNIL's model register. "
        "csv: one file per sheet, in a folder or a .zip. json: one document. The output is written "
        "atomically: on failure nothing is left behind and an existing file is kept. "
        "Exit codes: 0 written, 1 invalid register or output not writable, 2 usage error.",
    )
    add_path(p)
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="file to write (.xlsx, .json; a folder or .zip for csv)")
    p.add_argument("--layout", choices=LAYOUTS, default="standard",
                   help="standard (default), ico (UK ICO template columns) or cnil (CNIL model, French)")
    p.add_argument("--format", dest="fmt", choices=(*FORMATS, "fides"), default=None,
                   help="xlsx, csv, json or fides (a Fides manifest, YAML; default: from the output name, "
                   "else xlsx)")
    p.add_argument("--as-of", metavar="DATE", default=None,
                   help="classify transfers and run the audit as of this date (YYYY-MM-DD; default today)")
    p.add_argument("--no-diagram", action="store_true", help="leave the data-flow image out (faster)")
    p.add_argument("--since", nargs="?", const="", default=None, metavar="REV|DATE",
                   help="add a 'Changes since last review' sheet: the register's edits since a git "
                   "revision or date (bare --since: the register's last_reviewed date, or its first "
                   "version) and the transfer rows the law changed since then (xlsx only)")
    p.set_defaults(func=run)


def _make_parents(folder: Path) -> list[Path]:
    """Create the output's missing folders (e.g. build/); return those created, outermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliExit(1, f"ropa export: cannot create folder {folder}: {exc.strerror or exc}") from None
    return missing


def run(args: argparse.Namespace) -> int:
    from audit_lib.export.flat import write_csv, write_json
    from audit_lib.export.workbook import write_workbook
    from audit_lib.review import Review

    as_of = date_or_exit(args.as_of, "ropa export: --as-of must be a date written YYYY-MM-DD, got '{text}'")
    out = Path(args.output)
    fmt = args.fmt or ("fides" if out.suffix.lower() in (".yml", ".yaml") else format_for(out))  # issue 15
    if out.parent.exists() and not out.parent.is_dir():
        raise CliExit(1, f"ropa export: cannot write {out}: {out.parent} is not a folder")
    if fmt == "csv" and out.suffix.lower() == ".csv":
        raise CliExit(2, "ropa export: csv writes one file per sheet: give a folder or a .zip as -o")
    if fmt != "csv":
        refuse_folder(out, "export")
    register = load_or_exit(args.path)
    review = Review(register, as_of)  # one graph, one classification, one audit for the whole export
    if fmt == "fides":  # --- Fides manifest (import/export engineer, issue 15) ---
        return _run_fides(register, out, as_of, review)
    created = _make_parents(out.parent)
    try:
        if fmt == "xlsx":
            report = write_workbook(register, out, args.layout, as_of, diagram=not args.no_diagram,
                                    review=review, extra_sheets=_changes(args, register, as_of, review))
            detail = f"{len(report.sheets)} sheets"
            if report.notes:
                detail += f"; {len(report.notes)} value(s) shown differently, see sheet Export notes"
        elif fmt == "csv":
            write_csv(register, out, args.layout, as_of, review=review)
            detail = "one csv file per sheet"
        else:
            write_json(register, out, args.layout, as_of, review=review)
            detail = "one json document"
    except BaseException as exc:
        for folder in reversed(created):  # leave no trace of a failed export
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, OSError):
            raise CliExit(1, f"ropa export: cannot write {out}: {exc.strerror or exc}; nothing was written") \
                from None
        raise
    print(f"wrote {out} ({args.layout} layout, {fmt}: {detail})", file=sys.stderr)
    return 0


def _changes(args: argparse.Namespace, register: Register, as_of: dt.date | None, review: Review) -> list:
    """The "Changes since last review" sheet when ``--since`` was given (issue 16), else none."""
    if args.since is None:
        return []
    from audit_lib.export.changes import changes_since
    from audit_lib.io.history import HistoryError

    try:
        return [changes_since(args.path, register, args.since or None, as_of,
                              fallback=not args.since, review=review).sheet()]
    except HistoryError as exc:
        raise CliExit(1, f"ropa export: {exc}; nothing was written") from None


def _run_fides(register: Register, out: Path, as_of: dt.date | None,
               review: Review) -> int:  # Fides branch (issue 15)
    """Write the Fides manifest and list what Fides cannot hold (counted, never silently lost)."""
    from audit_lib.export.fides import write_fides

    if not out.parent.is_dir():
        raise CliExit(1, f"ropa export: folder {out.parent} does not exist; nothing was written")
    try:
        report = write_fides(register, out, as_of, review=review)
    except OSError as exc:
        raise CliExit(1, f"ropa export: cannot write {out}: {exc.strerror or exc}; nothing was written") \
            from None
    print(f"wrote {out} (Fides manifest: {report.systems} systems, {report.declarations} privacy "
          f"declarations; validated with fideslang)", file=sys.stderr)
    if report.lost:
        print(f"not in the manifest (Fides has no field for them): {sum(report.lost.values())} value(s):",
              file=sys.stderr)
        for line in report.lost_lines():
            print(f"  {line}", file=sys.stderr)
    return 0
