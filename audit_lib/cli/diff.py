"""``ropa diff OLD NEW`` / ``ropa diff PATH --since REV|DATE``: what changed in the register.

Also renders :mod:`audit_lib.analysis.law_changes` for ``ropa transfers PATH --compare-as-of DATE``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from audit_lib.cli.common import CliExit, add_as_of, load_or_exit, plural, print_json

if TYPE_CHECKING:
    from audit_lib.analysis.diff import RegisterDiff, TransferChange
    from audit_lib.analysis.law_changes import LawChanges
    from audit_lib.model import Register

FORMATS = ("table", "json", "markdown")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="what changed between two versions of a register (records, transfers, findings)",
        description="Compare two versions of a register: two folders OLD NEW, or one folder and "
        "--since REV|DATE read from its git history (the work tree is not touched). Lists per record "
        "the fields added, removed or changed (old -> new, with the Art 30 point each serves), the "
        "transfer rows whose classification changed and the findings opened and closed, both versions "
        "judged on the same date. Exit 0, or 1 when a version is invalid or the history cannot be read.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  ropa diff old/mobikin ropa/mobikin\n  ropa diff ropa/mobikin --since v1.2\n"
        "  ropa diff ropa/mobikin --since 2026-06-01 --format markdown",
    )
    p.add_argument("old", metavar="OLD", help="the earlier register folder (or the folder, with --since)")
    p.add_argument("new", metavar="NEW", nargs="?", help="the later register folder")
    p.add_argument("--since", metavar="REV|DATE",
                   help="compare OLD with itself as of a git revision (tag, commit) or the last commit "
                   "on or before a date YYYY-MM-DD")
    add_as_of(p, "judge transfers and findings of both versions on this date (default: today)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default, for people), json (for tools) or markdown (a pull-request comment)")
    p.set_defaults(func=run)


def versions(old: str, new: str | None, since: str | None) -> tuple[Register, Register, str, str]:
    """The two registers to compare and their labels, from folders or git history (exit 1/2)."""
    from audit_lib.io.history import HistoryError, register_at
    from audit_lib.io.loader import RegisterError

    if since and new:
        raise CliExit(2, "ropa diff: give either two folders OLD NEW or one folder with --since, not both")
    if not since and not new:
        raise CliExit(2, "ropa diff: give two folders OLD NEW, or one folder with --since REV|DATE")
    if new:
        return load_or_exit(old), load_or_exit(new), old, new
    try:
        before, revision = register_at(old, since)
    except HistoryError as exc:
        raise CliExit(1, f"ropa diff: {exc}") from None
    except RegisterError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        raise CliExit(1, f"ropa diff: {old} at {since}: the old version is not a valid register "
                         f"({plural(len(exc.issues), 'problem')})") from None
    return before, load_or_exit(old), f"{old} at {revision}", f"{old} (work tree)"


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def _transfer_line(t: TransferChange) -> str:
    where = f"{t.exporter} \u2192 {t.importer} ({t.importer_name}), {t.country or 'country not recorded'}"
    return f"{where}: {t.text()}"


def diff_text(d: RegisterDiff, markdown: bool = False) -> str:
    """The diff for people (``markdown=False``) or as a pull-request comment."""
    h1, h2, bullet = ("## ", "### ", "- ") if markdown else ("", "", "  ")
    code = (lambda s: f"`{s}`") if markdown else (lambda s: s)
    lines = [f"{h1}Changes from {d.old_label} to {d.new_label} (judged as of {d.as_of.isoformat()})"]
    if d.empty:
        return "\n".join([*lines, "", "No change."]) + "\n"
    lines += ["", f"{h2}Records ({len(d.records)})"]
    for r in d.records:
        name = f" {r.name}" if r.name else ""
        lines.append(f"{'- ' if markdown else ''}{r.change.upper()} {r.label} {code(r.record)}{name}"
                     + ("" if r.fields else f" [{r.article}]"))
        for f in r.fields:
            lines.append(f"{'  - ' if markdown else '    '}{code(f.field)} [{f.article}]: {f.text}")
    if not d.records:
        lines.append(f"{bullet}none")
    lines += ["", f"{h2}Transfers reclassified ({len(d.transfers)})"]
    lines += [f"{bullet}{_transfer_line(t)}" for t in d.transfers] or [f"{bullet}none"]
    for title, items in (("Findings opened", d.opened), ("Findings closed", d.closed)):
        lines += ["", f"{h2}{title} ({len(items)})"]
        lines += [f"{bullet}{f.severity.value.upper()} {code(f.code)} [{f.article}] {f.record} / {f.field}: "
                  f"{f.message}" for f in items] or [f"{bullet}none"]
    return "\n".join(lines) + "\n"


def law_changes_text(lc: LawChanges) -> str:
    """The rows the law changed, each with the reference entries that caused it."""
    head = (f"{lc.organisation}: transfers as of {lc.before.isoformat()} compared with "
            f"{lc.after.isoformat()}: {plural(len(lc.rows), 'row')} changed")
    lines = [head]
    for t in lc.rows:
        lines += ["", "  " + _transfer_line(t)]
        lines += [f"    because: {c['text']} [{c['source']}]" for c in t.causes]
        if not t.causes:
            lines.append("    because: no reference entry changed for this country or mechanism "
                         "between the dates (check the register's own dates, e.g. clauses)")
    return "\n".join(lines) + "\n"


def law_changes_rows(lc: LawChanges) -> list[dict]:
    """Flat rows (one per changed transfer) for csv."""
    return [{"exporter": t.exporter, "importer": t.importer, "country": t.country or "", "change": t.change,
             "text": t.text(), "causes": "; ".join(c["entry"] for c in t.causes)} for t in lc.rows]


def print_law_changes(args: argparse.Namespace, register: Register, day: dt.date) -> int:
    """``ropa transfers PATH --compare-as-of DATE``: print the rows the law changed from DATE to day."""
    from audit_lib.analysis.law_changes import law_changes

    lc = law_changes(register, args.compare_as_of, day)
    if args.format == "json":
        print_json(lc.as_dict())
    elif args.format == "csv":
        from audit_lib.cli.common import write_data
        from audit_lib.io.csv_out import csv_text  # the one CSV writer: nothing a spreadsheet evaluates

        columns = ["exporter", "importer", "country", "change", "text", "causes"]
        rows = [[row[c] for c in columns] for row in law_changes_rows(lc)]
        write_data(csv_text([columns, *rows], "\n"))
    else:
        sys.stdout.write(law_changes_text(lc))
    return 0


def run(args: argparse.Namespace) -> int:
    from audit_lib.analysis.diff import diff_registers

    old, new, old_label, new_label = versions(args.old, args.new, args.since)
    d = diff_registers(old, new, args.as_of or dt.date.today(), old_label, new_label)
    if args.format == "json":
        print_json(d.as_dict())
    else:
        sys.stdout.write(diff_text(d, markdown=args.format == "markdown"))
    return 0
