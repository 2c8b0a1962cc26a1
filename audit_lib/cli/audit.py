"""``ropa audit PATH [--as-of DATE] [--fail-on LEVEL] [--format table|json|csv]``."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import textwrap

from audit_lib.cli.common import TABLE_FORMATS, CliExit, add_as_of, add_path, load_or_exit, plural, print_json

LEVELS = ("high", "medium", "low", "info")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="list the gaps a DPO has to close (findings), with article and remedy",
        description="Audit the register in PATH against the GDPR rules in docs/audit-rules.md "
        "(completeness of the Art 30 record, transfers outside the EEA, processors, special "
        "categories, retention, lawful basis, DPIA, representative, DPO, breach procedure, "
        "reviews) and print every finding, most severe first. Exit codes: 0 when no finding "
        "reaches the --fail-on level, 1 when one does, 2 on invalid input (an invalid register "
        "is printed one problem per line, as by 'ropa validate').",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  ropa audit ropa/mobikin\n  ropa audit ropa/dearmob --fail-on medium "
        "--format json\n  ropa audit --list-rules",
    )
    add_path(p, nargs="?")
    add_as_of(p, "audit date YYYY-MM-DD for review ages and the transfer rules in force (default: today)")
    p.add_argument("--fail-on", choices=LEVELS, default="high", metavar="LEVEL",
                   help="exit 1 when a finding of this severity or worse exists: high (default, "
                   "for a CI gate), medium, low or info")
    p.add_argument("--format", choices=TABLE_FORMATS, default="table",
                   help="table (default, for people), json (a list of objects with keys code, "
                   "severity, article, record, field, message, remedy) or csv (same columns)")
    p.add_argument("--list-rules", action="store_true",
                   help="print the rule catalogue (code, severity, article, title) and exit")
    p.set_defaults(func=run)


def _table(findings, org_name: str, as_of: dt.date) -> str:
    from audit_lib.audit import counts

    n = counts(findings)
    head = (f"{org_name}: audit as of {as_of}: {plural(len(findings), 'finding')} "
            f"({', '.join(f'{v} {k}' for k, v in n.items())})")
    lines = [head]
    wrap = textwrap.TextWrapper(width=100, initial_indent="    ", subsequent_indent="    ")
    for f in findings:
        lines += ["", f"{f.severity.value.upper():<6}  {f.code}  [{f.article}]  {f.record} / {f.field}",
                  wrap.fill(f.message), wrap.fill("Fix: " + f.remedy)]
    return "\n".join(lines) + "\n"


def _csv(findings) -> str:
    from audit_lib.audit import FIELDS
    from audit_lib.audit.core import finding_row
    from audit_lib.io.cells import csv_text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for f in findings:
        writer.writerow([csv_text(v) for v in finding_row(f).values()])
    return buffer.getvalue()


def _rules() -> str:
    from audit_lib.audit import RULES

    return "".join(f"{r.code}  {r.severity.value:<6}  {r.article:<24}  {r.title}\n" for r in RULES.values())


def run(args: argparse.Namespace) -> int:
    from audit_lib.audit import at_or_above, audit
    from audit_lib.audit.core import finding_row

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
    as_of = args.as_of or dt.date.today()
    findings = audit(register, as_of=as_of)
    if args.format == "json":
        print_json([finding_row(f) for f in findings])
    elif args.format == "csv":
        sys.stdout.write(_csv(findings))
    else:
        sys.stdout.write(_table(findings, register.organisation.name, as_of))
    blocking = at_or_above(findings, args.fail_on)
    if blocking:
        print(f"ropa audit: {plural(len(blocking), 'finding')} at or above '{args.fail_on}'", file=sys.stderr)
        return 1
    return 0
