"""``ropa transfers PATH``: list every restricted transfer of personal data (Chapter V), both ways."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from audit_lib.cli.common import TABLE_FORMATS, add_as_of, add_path, iso_date, load_or_exit, print_json

TABLE_COLUMNS = ["direction", "exporter", "importer", "country", "mechanism", "article", "status"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transfers",
        help="list transfers of personal data outside the EEA and their legal ground",
        description="Classify every flow of personal data from an exporter subject to the GDPR (or the "
        "UK GDPR, or the Swiss FADP, by where it is established) to an importer in a third country or an "
        "international organisation, as of a date: outbound from the controller, onward from a processor "
        "to its sub-processor, and inbound from a party named as a source (a merchant of record) when the "
        "controller itself is the importer. Ground: adequacy decision (Art 45), declared safeguard "
        "(Art 46), derogation (Art 49) or none. Status is 'compliant', 'safeguard to verify' or 'no "
        "lawful mechanism'.",
    )
    add_path(p)
    add_as_of(p, "judge by the law in force on this date (YYYY-MM-DD; default: today)")
    p.add_argument("--format", choices=TABLE_FORMATS, default="table",
                   help="table (default, for reading), json (list of objects) or csv")
    p.add_argument("--compare-as-of", type=iso_date, default=None, metavar="DATE",
                   help="list only the rows whose status, mechanism, article or decision differs between "
                   "DATE and --as-of, with the reference entry (decision adopted, renewed, expired, struck "
                   "down) that caused it")
    p.set_defaults(func=run)


def _table(transfers, day: dt.date) -> str:
    from audit_lib.analysis.transfers import TransferStatus, transfers_table

    if not transfers:
        return f"No transfers of personal data outside the EEA (as of {day.isoformat()})."
    frame = transfers_table(None, transfers=transfers)
    frame["country"] = frame["country"].fillna("?")
    columns = TABLE_COLUMNS + (["regime"] if set(frame["regime"]) != {"EU GDPR"} else [])
    shown = frame[columns].copy()
    shown.insert(0, "#", range(1, len(shown) + 1))
    lines = [shown.to_string(index=False), "", "Notes:"]
    lines += [f"{i}. {t.note}" + (f" [{', '.join(t.flags)}]" if t.flags else "")
              for i, t in enumerate(transfers, 1) if t.note or t.flags]
    counts = {s.value: sum(t.status is s for t in transfers) for s in TransferStatus}
    lines += ["", f"{len(transfers)} transfers as of {day.isoformat()}: "
              + ", ".join(f"{n} {s}" for s, n in counts.items())]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    # many registers: a folder of register folders runs each one (audit_lib/cli/many.py)
    from audit_lib.analysis.transfers import transfers_table
    from audit_lib.cli.many import run_each
    from audit_lib.reference.transfers import AS_OF

    if (code := run_each(args, run)) is not None:
        return code
    register = load_or_exit(args.path)
    day = args.as_of or dt.date.today()
    if day > AS_OF:
        print(f"ropa: note: reference data last checked on {AS_OF.isoformat()}; decisions adopted since "
              "are not known to it", file=sys.stderr)
    if args.compare_as_of:  # what the law changed between two dates (audit_lib/cli/diff.py)
        from audit_lib.cli.diff import print_law_changes

        return print_law_changes(args, register, day)
    from audit_lib.review import Review

    transfers = Review(register, day).transfers  # one graph, one classification
    if args.format == "json":
        print_json([t.as_dict() for t in transfers])
    elif args.format == "csv":
        from audit_lib.cli.common import write_data
        from audit_lib.io.csv_out import csv_text  # the one CSV writer: nothing a spreadsheet evaluates

        frame = transfers_table(register, transfers=transfers)
        write_data(csv_text([list(frame.columns), *frame.itertuples(index=False)], "\n"))
    else:
        print(_table(transfers, day))
    return 0
