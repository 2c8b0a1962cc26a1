"""``ropa report PATH -o DIR``: run the DPO notebooks on a register and write them as HTML."""

from __future__ import annotations

import argparse
from pathlib import Path

from audit_lib.cli.common import CliExit, add_path, date_or_exit, load_or_exit
from audit_lib.report import CELL_TIMEOUT, DEFAULT_NOTEBOOKS, EXTRA, missing_modules


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="execute the notebooks on a register and write them as HTML",
        description="Validate the register in PATH, then execute every notebook (overview, data flows "
        "and transfers, audit findings, Article 30 export, breach and access requests) on it and "
        "write one self-contained HTML file per notebook into DIR, figures included, with the "
        "Article 30 workbooks notebook 04 writes. Exits 1 "
        "without running anything when the register is invalid, and 1 naming the notebook and "
        "cell when a notebook fails.",
    )
    add_path(p)
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="folder for the HTML files")
    p.add_argument("--notebooks", metavar="DIR", default=None,
                   help=f"folder of the notebooks to run (default: {DEFAULT_NOTEBOOKS}/ in the "
                        "current folder)")
    p.add_argument("--as-of", metavar="DATE", default=None,
                   help="judge transfers and review dates by the law of DATE (YYYY-MM-DD; default today)")
    p.add_argument("--timeout", type=int, default=CELL_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per cell (default {CELL_TIMEOUT})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if missing := missing_modules():
        raise CliExit(2, f"ropa report: executing notebooks needs the '{EXTRA}' extra ({', '.join(missing)} "
                         f"not installed): pip install 'audit_lib[{EXTRA}]' (in a checkout: "
                         f"pip install -e '.[{EXTRA}]'); nothing was written")
    from audit_lib.report import NotebookFailed, build_report, notebook_paths

    load_or_exit(args.path)
    folder = Path(args.notebooks) if args.notebooks else DEFAULT_NOTEBOOKS
    if not folder.is_dir():
        hint = "" if args.notebooks else (" in the current folder: run from the project folder "
                                          "or give --notebooks DIR")
        raise CliExit(1, f"ropa: notebooks folder {folder} not found{hint}")
    notebooks = notebook_paths(folder)
    if not notebooks:
        raise CliExit(1, f"ropa: no notebooks (01_*.ipynb ...) in {folder}")
    if args.as_of:
        date_or_exit(args.as_of, "ropa: --as-of {text!r} is not a date (YYYY-MM-DD)")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise CliExit(1, f"ropa: {out} exists and is not a folder")
    try:
        written = build_report(args.path, out, notebooks, timeout=args.timeout, as_of=args.as_of)
    except NotebookFailed as exc:
        raise CliExit(1, f"ropa: {exc}") from None
    for path in written:
        print(path)
    return 0
