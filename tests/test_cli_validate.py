"""`ropa validate`: counts and exit 0, or one located problem per line and exit 1, never a traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audit_lib.analysis.tables import summary
from audit_lib.cli import main

ISSUE_LINE = re.compile(
    r"^(?P<file>[^:]+\.ya?ml):(?P<line>\d+): (?P<record>\S+): (?P<field>\S+): (?P<msg>.+)$"
)


def ropa_script() -> str:
    """The real installed console script: next to the running interpreter, else on PATH."""
    candidate = Path(sys.executable).parent / "ropa"
    found = str(candidate) if candidate.exists() else shutil.which("ropa")
    if found is None:
        pytest.fail("the `ropa` console script is not installed (pip install -e .)")
    return found


def break_register(folder: Path) -> None:
    """Three mistakes in two files."""
    acts = folder / "activities.yaml"
    acts.write_text(acts.read_text().replace("    - payments\n", "    - paymnts\n")
                    .replace("legal_basis: consent", "legal_basis: consnt"))
    recs = folder / "recipients.yaml"
    recs.write_text(recs.read_text().replace("countries: [IE, US]", "countries: [IE, UK]"))


def test_valid_register_prints_counts_and_exits_0(minimal_path, minimal_register, capsys):
    assert main(["validate", str(minimal_path)]) == 0
    out, err = capsys.readouterr()
    assert minimal_register.organisation.name in out and "valid" in out
    for label, value in summary(minimal_register).items():
        assert f"{label}: {value}" in out
    assert err == ""


def test_invalid_register_prints_every_problem_one_per_line_and_exits_1(register_copy, capsys):
    folder = register_copy()
    break_register(folder)
    assert main(["validate", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "valid" not in out
    lines = err.strip().splitlines()
    problems = [ISSUE_LINE.match(line) for line in lines[:-1]]
    assert all(problems), lines
    assert {(Path(m["file"]).name, m["record"], m["field"]) for m in problems} == {
        ("activities.yaml", "orders", "recipients[0]"),
        ("activities.yaml", "newsletter", "legal_basis[0]"),
        ("recipients.yaml", "payments", "countries[1]"),
    }
    assert "GB" in err
    assert lines[-1].startswith("ropa: ") and "3 problems found" in lines[-1]


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_bad_paths_exit_1_with_a_message_not_a_traceback(tmp_path, minimal_path, capsys, make):
    path = {"missing": tmp_path / "nowhere", "empty": tmp_path,
            "file": minimal_path / "organisation.yaml"}[make]
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert str(path) in err
    assert {"missing": "not found", "empty": "empty folder", "file": "not a folder"}[make] in err


def test_alias_bomb_is_a_message(register_copy, capsys):
    folder = register_copy()
    (folder / "security.yaml").write_text('- &a {id: x, name: [*a, *a]}\n', encoding="utf-8")
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "anchors and aliases" in err and "Traceback" not in err


def test_help_explains_the_command_and_the_register(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Article 30" in out and "validate" in out and "Exit codes" in out


def test_validate_help_explains_output_and_exit_codes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "PATH" in out and "exits 1" in out and "file:line: record id: field: message" in out


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "usage: ropa" in capsys.readouterr().err


def test_real_console_script_exit_codes_and_output(minimal_path, register_copy):
    script = ropa_script()
    ok = subprocess.run([script, "validate", str(minimal_path)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "register is valid" in ok.stdout
    folder = register_copy()
    break_register(folder)
    bad = subprocess.run([script, "validate", str(folder)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr + bad.stdout
    assert sum(bool(ISSUE_LINE.match(line)) for line in bad.stderr.splitlines()) == 3
