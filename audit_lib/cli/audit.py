"""``ropa audit PATH [--as-of DATE] [--fail-on LEVEL] [--format table|json|csv] [--accepted FILE]
[--assumptions]``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap
from pathlib import Path

from audit_lib.cli.common import (
    TABLE_FORMATS,
    CliExit,
    add_as_of,
    add_path,
    exit_with_issues,
    load_or_exit,
    plural,
    print_json,
)

LEVELS = ("high", "medium", "low", "info")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="list the gaps a DPO has to close (findings), with article and remedy",
        description="Audit the register in PATH against the GDPR rules in docs/audit-rules.md "
        "(completeness of the Art 30 record, transfers outside the EEA, processors, special "
        "categories, retention, lawful basis, DPIA, representative, DPO, breach procedure, "
        "reviews, cookies and consent, rights) and print every finding, most severe first, one per "
        "rule and problem with the records it covers. Risks the DPO accepted in PATH/accepted.yaml "
        "(code, records, justification, owner, expires) are shown as accepted and do not fail "
        "--fail-on until they expire. Exit codes: 0 when no open finding reaches the --fail-on "
        "level, 1 when one does, 2 on invalid input (an invalid register or accepted.yaml is printed "
        "one problem per line, as by 'ropa validate').",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  ropa audit ropa/mobikin\n  ropa audit ropa/dearmob --fail-on medium "
        "--format json\n  ropa audit ropa/mobikin --assumptions\n  ropa audit --list-rules",
    )
    add_path(p, nargs="?")
    add_as_of(p, "audit date YYYY-MM-DD for review ages and the transfer rules in force (default: today)")
    p.add_argument("--fail-on", choices=LEVELS, default="high", metavar="LEVEL",
                   help="exit 1 when an open (not accepted) finding of this severity or worse exists: "
                   "high (default, for a CI gate), medium, low or info")
    p.add_argument("--format", choices=TABLE_FORMATS, default="table",
                   help="table (default, for people), json (a list of objects with keys code, "
                   "severity, article, record, field, message, remedy, records, status, acceptance) "
                   "or csv (same columns)")
    p.add_argument("--accepted", metavar="FILE", default=None,
                   help="accepted risks to apply (default: PATH/accepted.yaml when present)")
    p.add_argument("--assumptions", action="store_true",
                   help="print the assumptions still to confirm (record, field, statement) instead of "
                   "the findings, and exit 0")
    p.add_argument("--list-rules", action="store_true",
                   help="print the rule catalogue (code, severity, article, title) and exit")
    p.set_defaults(func=run)


def _table(findings, org_name: str, as_of: dt.date) -> str:
    from audit_lib.audit import counts

    n = counts(findings)
    accepted = sum(f.accepted for f in findings)
    head = (f"{org_name}: audit as of {as_of}: {plural(len(findings), 'finding')} "
            f"({', '.join(f'{v} {k}' for k, v in n.items())})"
            + (f", {accepted} accepted" if accepted else ""))
    lines = [head]
    wrap = textwrap.TextWrapper(width=100, initial_indent="    ", subsequent_indent="    ")
    for f in findings:
        mark = {"accepted": "  ACCEPTED", "acceptance lapsed": "  ACCEPTANCE LAPSED"}.get(f.status, "")
        lines += ["", f"{f.severity.value.upper():<6}  {f.code}  [{f.article}]  {f.record} / {f.field}{mark}",
                  wrap.fill(f.message)]
        if any(r.rsplit(".", 1)[-1] not in f.message for r in f.records):  # the message names only some
            lines.append(wrap.fill(f"Records ({len(f.records)}): {', '.join(f.records)}"))
        if f.acceptance is not None:
            said = f.acceptance.describe()
            lines.append(wrap.fill(f"Was {said}" if not f.accepted else said[0].upper() + said[1:]))
        lines.append(wrap.fill("Fix: " + f.remedy))
    return "\n".join(lines) + "\n"


def _assumptions(register, fmt: str) -> str:
    from audit_lib.audit import assumptions, assumptions_table
    from audit_lib.io.csv_out import csv_text

    items = assumptions(register)
    if fmt == "json":
        return ""
    if fmt == "csv":
        table = assumptions_table(register)
        return csv_text([list(table.columns), *table.itertuples(index=False)], "\n")
    wrap = textwrap.TextWrapper(width=100, initial_indent="    ", subsequent_indent="    ")
    records = list(dict.fromkeys(x.record for x in items))
    lines = [f"{register.organisation.name}: {plural(len(items), 'assumption')} to confirm in "
             f"{plural(len(records), 'record')}"]
    last = None
    for x in items:
        if x.record != last:
            lines += ["", f"{x.record}  ({x.what})"]
            last = x.record
        lines.append(wrap.fill(f"{x.field}: {x.statement}"))
    return "\n".join(lines) + "\n"


def _csv(findings) -> str:
    from audit_lib.audit import FIELDS
    from audit_lib.audit.core import finding_row
    from audit_lib.io.csv_out import csv_text

    return csv_text([FIELDS, *(finding_row(f).values() for f in findings)], "\n")


def _rules() -> str:
    from audit_lib.audit import RULES

    return "".join(f"{r.code}  {r.severity.value:<6}  {r.article:<24}  {r.title}\n" for r in RULES.values())


def _acceptances(args: argparse.Namespace, register):
    from audit_lib.audit.accepted import AcceptedError, load_acceptances, read_acceptances

    try:
        if args.accepted:
            if not Path(args.accepted).is_file():
                raise CliExit(2, f"ropa audit: {args.accepted}: no such file")
            return load_acceptances(args.accepted)
        return read_acceptances(register.source_path)
    except AcceptedError as exc:
        raise exit_with_issues(exc.issues, 2, f"ropa audit: {plural(len(exc.issues), 'problem')} in the "
                               "accepted risks; nothing was audited") from None


def run(args: argparse.Namespace) -> int:
    from audit_lib.audit import assumptions, audit, blocking
    from audit_lib.audit.core import finding_row
    from audit_lib.cli.common import write_data
    from audit_lib.review import review

    if args.list_rules:
        sys.stdout.write(_rules())
        return 0
    if not args.path:
        raise CliExit(2, "ropa audit: give the register folder PATH (e.g. ropa/mobikin)")
    # many registers: a folder of register folders runs each one (audit_lib/cli/many.py)
    from audit_lib.cli.many import run_each

    if (code := run_each(args, run)) is not None:
        return code
    register = load_or_exit(args.path, code=2)
    if args.assumptions:
        if args.format == "json":
            from dataclasses import asdict

            print_json([asdict(x) for x in assumptions(register)])
        elif args.format == "csv":
            write_data(_assumptions(register, args.format))
        else:
            sys.stdout.write(_assumptions(register, args.format))
        return 0
    as_of = args.as_of or dt.date.today()
    accepted = _acceptances(args, register)
    findings = audit(register, as_of=as_of, review=review(register, as_of), accepted=accepted)
    if args.format == "json":
        print_json([finding_row(f) for f in findings])
    elif args.format == "csv":
        write_data(_csv(findings))
    else:
        sys.stdout.write(_table(findings, register.organisation.name, as_of))
    failing = blocking(findings, args.fail_on)
    if failing:
        print(f"ropa audit: {plural(len(failing), 'open finding')} at or above '{args.fail_on}'",
              file=sys.stderr)
        return 1
    return 0
