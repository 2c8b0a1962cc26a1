"""``ropa group FOLDER``: parties and third countries shared by the registers of a group."""

from __future__ import annotations

import argparse
import datetime as dt

from audit_lib.cli.common import TABLE_FORMATS, CliExit, add_as_of, load_or_exit, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "group",
        help="parties and countries shared across the registers of a group of companies",
        description="Load every register folder below FOLDER (a folder holding organisation.yaml) and "
        "list the named parties that two or more organisations disclose data to, with each one's role, "
        "countries and transfer mechanism and status, then the third countries data goes to per "
        "organisation. Exit 1 when a register is invalid (nothing is printed then).",
    )
    p.add_argument("path", metavar="FOLDER", help="folder of register folders, e.g. ropa/")
    add_as_of(p, "classify transfers by the law in force on this date (default: today)")
    p.add_argument("--all", action="store_true", help="list every named party, not only shared ones")
    p.add_argument("--format", choices=TABLE_FORMATS, default="table",
                   help="table (default), json (object with keys parties and countries) or csv (parties)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit_lib.analysis.group import group_countries, group_parties, reviews_of
    from audit_lib.cli.many import registers_under

    folders = registers_under(args.path)
    if not folders:
        raise CliExit(1, f"ropa group: {args.path}: no register folder (a folder with organisation.yaml)")
    registers = [load_or_exit(f) for f in folders]
    reviews = reviews_of(registers, args.as_of or dt.date.today())
    parties = group_parties(reviews, shared_only=not args.all)
    countries = group_countries(reviews)
    if args.format == "json":
        print_json({"organisations": [r.organisation.name for r in registers],
                    "parties": parties.to_dict("records"), "countries": countries.to_dict("records")})
    elif args.format == "csv":
        from audit_lib.cli.common import write_data
        from audit_lib.io.csv_out import csv_text  # the one CSV writer: nothing a spreadsheet evaluates

        write_data(csv_text([list(parties.columns), *parties.itertuples(index=False)], "\n"))
    else:
        names = ", ".join(r.organisation.name for r in registers)
        print(f"{len(registers)} registers: {names}\n")
        print(("Parties shared by two or more organisations" if not args.all else "Named parties") + ":")
        print(parties.to_string(index=False) if len(parties) else "  none")
        print("\nThird countries receiving data (transfers, Chapter V):")
        print(countries.to_string(index=False) if len(countries) else "  none")
    return 0
