"""Many registers at once: ``ropa validate|audit|transfers FOLDER`` on a folder of register folders.

A group of companies keeps one register per entity (``ropa/mobikin``, ``ropa/dearmob``). A
register folder is one holding ``organisation.yaml``; given a folder without one, the command
runs on every register folder below it, prints each organisation's result under a heading, a
total at the end, and exits with the worst exit code of any register (so one broken register
fails the whole run, and is named). With ``--format json`` the output is one JSON list (one
object per register: register, exit_code, result); with ``--format csv`` one table whose first
column names the register; the per-register problems and the total go to standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

from audit_lib.cli.common import CliExit, plural, print_json

MARKER = "organisation.yaml"
"""The file that makes a folder a register folder."""


def is_register(path: str | Path) -> bool:
    """True when ``path`` is a register folder (it holds organisation.yaml)."""
    return (Path(path) / MARKER).is_file()


def registers_under(path: str | Path) -> list[Path]:
    """The register folders at or below ``path``, sorted; ``[path]`` itself when it is one.

    Hidden folders (``.git``) are not searched; a register folder's own sub-folders are not
    searched either (a register does not contain another).
    """
    root = Path(path)
    if is_register(root) or not root.is_dir():
        return [root]
    found: list[Path] = []
    for child in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if is_register(child):
            found.append(child)
        else:
            found += [p for p in registers_under(child) if is_register(p)]
    return found


def run_each(args: argparse.Namespace, run: Callable[[argparse.Namespace], int | None]) -> int | None:
    """Run ``run`` on every register below ``args.path`` when it is a folder of registers.

    Returns None when ``args.path`` is a single register, not a folder, or a folder with no
    register below it: the caller then loads it as one register (and the loader names what is
    missing). Otherwise returns the worst exit code, after a per-register heading and a
    total line naming the registers that failed.
    """
    path = getattr(args, "path", None)
    if not path or is_register(path) or not Path(path).is_dir():
        return None
    folders = registers_under(path)
    if not folders:  # not a group: load it as one register, so the loader says what is missing
        return None
    command = getattr(args, "command", None) or "ropa"
    fmt = getattr(args, "format", "table")
    failed: list[tuple[Path, int]] = []
    results: list[tuple[Path, int, str]] = []
    for i, folder in enumerate(folders):
        if fmt == "table":
            print(("\n" if i else "") + f"== {folder}", flush=True)
        code, out = _run_one(args, run, folder, capture=fmt != "table")
        results.append((folder, code, out))
        if code:
            failed.append((folder, code))
    passed = len(folders) - len(failed)
    total = f"ropa {command}: {plural(len(folders), 'register')} under {path}: {passed} passed"
    if failed:
        total += f", {len(failed)} failed: " + ", ".join(str(f) for f, _ in failed)
    if fmt == "json":
        print_json([{"register": str(f), "exit_code": c, "result": json.loads(o) if o.strip() else None}
                    for f, c, o in results])
    elif fmt == "csv":
        from audit_lib.cli.common import write_data

        write_data(_csv_with_register(results))
    else:
        print()
    print(total, file=sys.stderr if failed or fmt != "table" else sys.stdout)
    return max((code for _, code in failed), default=0)


def _run_one(args: argparse.Namespace, run: Callable[[argparse.Namespace], int | None], folder: Path,
             capture: bool) -> tuple[int, str]:
    """Run ``run`` on one register; return its exit code and, when ``capture``, its standard output."""
    one = copy.copy(args)
    one.path = str(folder)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer) if capture else contextlib.nullcontext():
        try:
            code = int(run(one) or 0)
        except CliExit as exc:
            if exc.message:
                print(exc.message, file=sys.stderr)
            code = exc.code
    sys.stdout.flush()
    return code, buffer.getvalue()


def _csv_with_register(results: list[tuple[Path, int, str]]) -> str:
    """The csv outputs of every register as one table, a first column ``register`` naming each."""
    from audit_lib.io.csv_out import csv_text  # the one CSV writer; a guarded cell is not guarded twice

    table: list[list] = []
    for folder, _, text in results:
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            continue
        if not table:
            table.append(["register", *rows[0]])
        table += [[str(folder), *row] for row in rows[1:]]
    return csv_text(table, "\n")
