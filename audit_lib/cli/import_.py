"""``ropa import fides|xlsx|ods SOURCE... -o ropa/<org>/``: bring a register kept elsewhere.

``fides``: Fides manifests (files or folders) -> a draft register (:mod:`audit_lib.io.fides`).
``xlsx`` / ``ods``: a register kept in the ICO's or the CNIL's spreadsheet template
(:mod:`audit_lib.io.spreadsheet`). Every mapping, warning and assumption is printed; nothing is
written unless the draft loads as a valid register. (A workbook written by ``ropa export`` comes
back with ``ropa import-xlsx``.)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from audit_lib.cli.common import CliExit, plural, recover_output_folder, refuse_import_target
from audit_lib.issues import Issue, Severity


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="turn Fides manifests, or an ICO/CNIL spreadsheet register, into register YAML",
        description="Write a draft register (organisation.yaml, activities.yaml, recipients.yaml, ...) in "
        "the output folder from Fides manifests (fides FILE_OR_DIR...) or from a register kept in the "
        "ICO's or the CNIL's spreadsheet template (xlsx FILE / ods FILE, headings in English or French). "
        "Every value mapped is shown; what the source does not say becomes an assumption to confirm. "
        "Nothing is written unless the result loads as a valid register. Exit codes: 0 imported, "
        "1 source not importable or output folder not empty, 2 usage error.",
    )
    p.add_argument("kind", choices=("fides", "xlsx", "ods"), help="what the source is")
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="Fides files or folders; one .xlsx or .ods")
    p.add_argument("-o", "--output", metavar="FOLDER", required=True, help="register folder to write")
    p.add_argument("--force", action="store_true",
                   help="replace the register files of the folder (accepted.yaml and README are kept; a "
                   "folder holding anything else is never replaced)")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="print warnings and assumptions, not each mapping"
    )
    p.set_defaults(func=run)


def _print(issues: list[Issue], quiet: bool) -> None:
    for i in issues:
        if quiet and i.severity is Severity.info and i.code != "ROPA-I023":
            continue
        where = " ".join(x for x in (i.file, i.record, i.field) if x)
        print(f"{i.code} {i.severity.value}: {where}: {i.message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from audit_lib.io.fides import FidesError, import_fides
    from audit_lib.io.spreadsheet import SpreadsheetError, import_spreadsheet

    out = Path(args.output)
    recover_output_folder(out, "import")
    refuse_import_target(out, "import", args.force)
    if args.kind != "fides" and len(args.sources) != 1:
        raise CliExit(2, f"ropa import {args.kind}: give one spreadsheet")
    if (
        args.kind != "fides"
        and Path(args.sources[0]).suffix.lower() != f".{args.kind}"
        and Path(args.sources[0]).suffix.lower() in (".xlsx", ".ods")
    ):
        raise CliExit(2, f"ropa import {args.kind}: {args.sources[0]} is not an .{args.kind} file")
    try:
        if args.kind == "fides":
            result = import_fides(args.sources, out)
            detail = ", ".join(f"{k}: {n}" for k, n in result.counts.items())
            issues = result.issues
        else:
            result = import_spreadsheet(args.sources[0], out)
            detail = f"{result.shape}; activities: {len(result.register.activities)}"
            issues = result.issues
    except (FidesError, SpreadsheetError) as exc:
        _print(exc.issues, False)
        raise CliExit(
            1, f"ropa import {args.kind}: {plural(len(exc.issues), 'problem')}; nothing was written"
        ) from None
    except OSError as exc:
        raise CliExit(1, f"ropa import {args.kind}: {exc.strerror or exc}; nothing was written") from None
    _print(issues, args.quiet)
    counts = Counter(i.code for i in issues)
    summary = ", ".join(f"{n} x {code}" for code, n in sorted(counts.items()))
    print(
        f"wrote {result.path} ({detail}); it loads as a valid register. {summary or 'no warnings'}. "
        "Confirm the assumptions (ropa audit lists them).",
        file=sys.stderr,
    )
    return 0
