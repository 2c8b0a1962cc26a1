"""audit_lib.cli.common: the pieces every ``ropa`` subcommand shares (dates, plurals, output checks)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest

from audit_lib.cli.common import (
    CliExit,
    add_as_of,
    add_path,
    date_or_exit,
    exit_with_issues,
    iso_date,
    load_or_exit,
    plural,
    print_json,
    refuse_folder,
)


def test_plural():
    assert [plural(n, "gap") for n in (0, 1, 2)] == ["0 gaps", "1 gap", "2 gaps"]


def test_iso_date_is_an_argparse_type_with_a_plain_message():
    parser = argparse.ArgumentParser(prog="ropa x")
    add_path(parser)
    add_as_of(parser, "the day")
    args = parser.parse_args(["ropa/mobikin", "--as-of", "2025-03-01"])
    assert (args.path, args.as_of) == ("ropa/mobikin", dt.date(2025, 3, 1))
    assert parser.parse_args(["p"]).as_of is None
    with pytest.raises(argparse.ArgumentTypeError, match="'2025-13-01' is not a date written YYYY-MM-DD"):
        iso_date("2025-13-01")


def test_date_or_exit_names_the_bad_text_and_exits_2():
    assert date_or_exit(None, "unused") is None
    assert date_or_exit("2024-02-29", "unused") == dt.date(2024, 2, 29)
    with pytest.raises(CliExit) as err:
        date_or_exit("29/02/2024", "ropa x: --as-of {text!r} is not a date")
    assert (err.value.code, err.value.message) == (2, "ropa x: --as-of '29/02/2024' is not a date")


def test_refuse_folder(tmp_path):
    refuse_folder(tmp_path / "out.md", "notice")  # a file name: fine
    with pytest.raises(CliExit) as err:
        refuse_folder(tmp_path, "notice")
    assert err.value.code == 1
    assert err.value.message == f"ropa notice: cannot write {tmp_path}: it is a folder; give a file name"


def test_issues_go_to_stderr_one_per_line(capsys):
    exc = exit_with_issues(["a.yaml:1: first", "b.yaml:2: second"], 1, "ropa: 2 problems")
    assert (exc.code, exc.message) == (1, "ropa: 2 problems")
    assert capsys.readouterr().err == "a.yaml:1: first\nb.yaml:2: second\n"


def test_load_or_exit_counts_the_problems(register_copy, capsys):
    folder = register_copy()
    (folder / "activities.yaml").write_text("- id: [\n")
    with pytest.raises(CliExit) as err:
        load_or_exit(folder, code=2)
    assert err.value.code == 2
    assert err.value.message == f"ropa: {folder}: 1 problem found; nothing was written"
    assert "activities.yaml:2" in capsys.readouterr().err


def test_print_json_keeps_non_ascii(capsys):
    print_json([{"who": "Berliner Beauftragte für Datenschutz"}])
    out = capsys.readouterr().out
    assert "für" in out and out.endswith("\n")
    assert json.loads(out) == [{"who": "Berliner Beauftragte für Datenschutz"}]


def test_the_command_list_names_every_subcommand_module():
    """An explicit list, so a new command module that is not added to it is noticed here."""
    import pkgutil

    import audit_lib.cli as cli

    modules = {m.name for m in pkgutil.iter_modules(cli.__path__)}
    with_register = {name for name in modules - {"common", "__main__"}
                     if hasattr(__import__(f"audit_lib.cli.{name}", fromlist=["register"]), "register")}
    assert set(cli.COMMANDS) == with_register
    assert list(cli.COMMANDS) == sorted(cli.COMMANDS)
