"""``ropa transfers PATH``: list every transfer of personal data outside the EEA (Chapter V)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from audit_lib.analysis.transfers import classify_transfers, transfers_table
from audit_lib.cli.common import TABLE_FORMATS, add_as_of, add_path, load_or_exit, print_json
from audit_lib.reference.transfers import AS_OF

TABLE_COLUMNS = ["exporter", "importer", "country", "mechanism", "article", "status"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transfers",
        help="list transfers of personal data outside the EEA and their legal ground",
        description="Classify every flow of personal data to a party outside the EEA (including onward "
        "transfers from a processor to its sub-processor) as of a date: adequacy decision (Art 45), "
        "declared safeguard (Art 46), derogation (Art 49) or none. Status is 'compliant', 'safeguard to "
        "verify' or 'no lawful mechanism'.",
    )
    add_path(p)
    add_as_of(p, "judge by the law in force on this date (YYYY-MM-DD; default: today)")
    p.add_argument("--format", choices=TABLE_FORMATS, default="table",
                   help="table (default, for reading), json (list of objects) or csv")
    p.set_defaults(func=run)


def _table(transfers, day: dt.date) -> str:
    if not transfers:
        return f"No transfers of personal data outside the EEA (as of {day.isoformat()})."
    frame = transfers_table(None, transfers=transfers)
    frame["country"] = frame["country"].fillna("?")
    shown = frame[TABLE_COLUMNS].copy()
    shown.insert(0, "#", range(1, len(shown) + 1))
    lines = [shown.to_string(index=False), "", "Notes:"]
    lines += [f"{i}. {t.note}" + (f" [{', '.join(t.flags)}]" if t.flags else "")
              for i, t in enumerate(transfers, 1) if t.note or t.flags]
    counts = {s: sum(t.status == s for t in transfers)
              for s in ("compliant", "safeguard to verify", "no lawful mechanism")}
    lines += ["", f"{len(transfers)} transfers as of {day.isoformat()}: "
              + ", ".join(f"{n} {s}" for s, n in counts.items())]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    register = load_or_exit(args.path)
    day = args.as_of or dt.date.today()
    if day > AS_OF:
        print(f"ropa: note: reference data last checked on {AS_OF.isoformat()}; decisions adopted since "
              "are not known to it", file=sys.stderr)
    transfers = classify_transfers(register, day)
    if args.format == "json":
        print_json([t.as_dict() for t in transfers])
    elif args.format == "csv":
        from audit_lib.export.flat import csv_rows  # the one CSV writer: formula-like text stays text

        frame = transfers_table(register, transfers=transfers)
        sys.stdout.write(csv_rows([list(frame.columns), *frame.itertuples(index=False)], "\n"))
    else:
        print(_table(transfers, day))
    return 0
