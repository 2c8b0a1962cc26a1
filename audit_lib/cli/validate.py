"""``ropa validate PATH``: check a register and print a short summary."""

from __future__ import annotations

import argparse

from audit_lib.cli.common import add_path, exit_with_issues, load_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a register folder and print a summary",
        description="Load and validate the register in PATH. Prints counts of activities, "
        "recipients and countries and exits 0; on invalid input prints every problem as "
        "'file:line: record id: field: message' and exits 1.",
    )
    add_path(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # many registers: a folder of register folders runs each one (audit_lib/cli/many.py)
    from audit_lib.cli.many import run_each

    if (code := run_each(args, run)) is not None:
        return code
    register = load_or_exit(args.path)
    from audit_lib.analysis.tables import summary
    from audit_lib.audit.accepted import AcceptedError, read_acceptances

    try:
        accepted = read_acceptances(register.source_path)  # accepted.yaml: validated here too
    except AcceptedError as exc:
        raise exit_with_issues(exc.issues, 1, f"{args.path}: accepted.yaml is invalid") from None
    counts = summary(register)
    if accepted:
        counts["accepted risks"] = len(accepted)
    print(f"{register.organisation.name}: register is valid")
    for label, value in counts.items():
        print(f"  {label}: {value}")
    return 0
