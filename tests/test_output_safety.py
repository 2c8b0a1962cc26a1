"""What ``ropa`` prints and writes leaks nothing and executes nothing (issue 18).

Escape sequences in echoed values, a closed pipe, a non-UTF-8 terminal, a full disk, a
pipe as output file, control characters in a diagram or GraphML: each is one clear message
or a well-formed file, never a traceback, a rewritten terminal line or a replaced device.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import audit_lib.io.loader  # noqa: F401  (declares the ROPA-V codes)
from audit_lib.cli import main
from audit_lib.cli.common import print_json
from audit_lib.io.loader import load_register
from audit_lib.issues import Issue

ROOT = Path(__file__).resolve().parent.parent
RAW_CONTROLS = [chr(c) for c in (*range(0x00, 0x0A), *range(0x0B, 0x20), *range(0x7F, 0xA0))] + [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def _raw_controls(text: str, newline_ok: bool = True) -> list[str]:
    return [c for c in RAW_CONTROLS + ([] if newline_ok else ["\n"]) if c in text]


def _ropa(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "audit_lib.cli", *args], stderr=subprocess.PIPE,
                          env=full_env, cwd=ROOT, timeout=300, **kw)


# -------------------------------------------------------------- terminal injection


def test_an_issue_line_shows_control_characters_and_caps_what_it_echoes():
    issue = Issue.of("ROPA-V001", "'x\x1b[2K\x1b[1A\x1b[32mOK register is valid' is not a key\nOK forged",
                     file="activities.yaml", line=3, record="orders\u202e", field="bogus\x9bkey" + "k" * 500)
    line = str(issue)
    assert _raw_controls(line, newline_ok=False) == []
    assert "\\x1b[2K" in line and "\\u202e" in line and "\\x9b" in line and "\\x0aOK forged" in line
    assert "k… (312 more characters): " in line  # the unknown key is capped, saying by how much
    assert line.startswith("activities.yaml:3: orders\\u202e: bogus\\x9bkey")


def test_an_invalid_key_cannot_erase_its_error_line_or_forge_success(register_copy, capsys):
    folder = register_copy()
    acts = folder / "activities.yaml"
    text = acts.read_text().replace("essential.service.payment_processing",
                                    '"essential.\\e[1A\\e[2K\\e[32mOK register is valid\\e[0m"', 1)
    acts.write_text(text.replace("- id: orders\n", '- id: orders\n  "note\\e]0;pwned\\a\\u202e": 1\n', 1))
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr()
    assert _raw_controls(out.err) == [] and _raw_controls(out.out) == []
    # the key is refused (a control character, or not a taxonomy key) and shown escaped either way
    assert "purposes[0].key" in out.err and "\\x1b" in out.err.split("purposes[0].key")[1]
    assert "note\\x1b]0;pwned\\x07\\u202e" in out.err  # the unknown key, shown
    assert "problems found; nothing was written" in out.err


def test_json_output_escapes_what_a_terminal_obeys_and_keeps_every_value(capsys):
    value = {"name": "evil\u202e\x1b[2K\x9b\x7f\u2028 für"}
    print_json(value)
    out = capsys.readouterr().out
    assert _raw_controls(out) == [] and "\u2028" not in out and "für" in out
    assert json.loads(out) == value


def test_csv_goes_to_a_file_as_written_and_to_a_terminal_escaped(register_copy):
    import pty

    folder = register_copy()
    path = folder / "recipients.yaml"
    path.write_text(path.read_text().replace("name: PayCo Ltd", 'name: "PayCo \\u202eLtd"', 1))
    done = _ropa("transfers", str(folder), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "PayCo \u202eLtd" in done.stdout.decode()  # data for a file or a pipe: as written
    primary, secondary = pty.openpty()
    done = _ropa("transfers", str(folder), "--format", "csv", stdout=secondary)
    os.close(secondary)
    shown = b""
    with contextlib.suppress(OSError):
        while chunk := os.read(primary, 65536):
            shown += chunk
    os.close(primary)
    assert "PayCo \\u202eLtd" in shown.decode() and "\u202e" not in shown.decode()


# -------------------------------------------------------------- pipes, encodings, full disks


def test_a_closed_pipe_ends_quietly_with_141():
    """``ropa audit ... | head``: no "internal error: BrokenPipeError", no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "audit_lib.cli", "audit", "ropa/mobikin"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert err == ""


def test_a_terminal_that_is_not_utf8_gets_escapes_not_a_crash(register_copy):
    folder = register_copy()
    acts = folder / "activities.yaml"
    acts.write_text(acts.read_text().replace("name: Order handling", "name: Bestellung für Kunden", 1))
    done = _ropa("audit", str(folder), env={"PYTHONIOENCODING": "ascii"})
    err = done.stderr.decode()
    assert "internal error" not in err and "Traceback" not in err
    assert done.returncode == 1  # findings at the --fail-on level, as on any terminal
    assert "Bestellung f\\xfcr Kunden" in done.stdout.decode("ascii")


def test_standard_output_on_a_full_disk_is_one_message():
    with open("/dev/full", "wb") as full:
        done = _ropa("validate", "ropa/mobikin", stdout=full)
    err = done.stderr.decode()
    assert done.returncode == 1
    assert err == ("ropa validate: cannot write to standard output: no space left on the device; "
                   "the output is incomplete\n")


def _small_files(limit: int):
    def cap() -> None:  # writes past `limit` bytes fail (EFBIG), as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return cap


def test_a_workbook_write_that_fails_mid_file_is_one_message_and_no_file(tmp_path):
    """Before: the message, then "Exception ignored in ZipFile.__del__" and a traceback at exit
    (the zip's close failing again at exit). A file-size limit half the workbook's size fails
    the write as a full disk does (EFBIG for ENOSPC)."""
    full = tmp_path / "full.xlsx"
    assert _ropa("export", "ropa/dearmob", "-o", str(full)).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    done = _ropa("export", "ropa/dearmob", "-o", str(out / "ropa.xlsx"),
                 preexec_fn=_small_files(full.stat().st_size // 2))
    err = done.stderr.decode()
    assert done.returncode == 1
    assert err == f"ropa export: cannot write {out / 'ropa.xlsx'}: File too large; nothing was written\n"
    assert list(out.iterdir()) == []  # no partial file, no temporary file


def test_a_pipe_as_output_file_is_written_not_replaced(tmp_path):
    """``-o`` naming a FIFO (or /dev/stdout, a device): a rename would replace it by a file."""
    fifo = tmp_path / "flows.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    done = _ropa("graph", "tests/data/minimal", "-o", str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert fifo.is_fifo()
    assert json.loads(got[0])["nodes"]


def test_an_os_error_the_command_did_not_expect_is_one_message(monkeypatch, capsys):
    import audit_lib.cli.validate as validate

    def denied(args):
        raise PermissionError(13, "Permission denied", "ropa/mobikin/activities.yaml")

    monkeypatch.setattr(validate, "run", denied)
    assert main(["validate", "ropa/mobikin"]) == 1
    err = capsys.readouterr().err
    assert err == "ropa validate: ropa/mobikin/activities.yaml: Permission denied; nothing was written\n"


# -------------------------------------------------------------- graph files are XML


def _with_names(register, **names):
    """The register with its first activity / organisation renamed, bypassing the loader's checks."""
    object.__setattr__(register.activities[0], "name", names.get("activity", register.activities[0].name))
    object.__setattr__(register.organisation, "name", names.get("organisation", register.organisation.name))
    return register


@pytest.mark.parametrize("suffix", [".svg", ".graphml"])
def test_graph_files_with_control_characters_are_well_formed_xml(tmp_path, monkeypatch, suffix):
    import audit_lib.cli.graph as graph

    register = _with_names(load_register(ROOT / "tests/data/minimal"), activity="bell\x07 <b>]]> -- x",
                           organisation="Shop\x1b[2K")
    monkeypatch.setattr(graph, "load_or_exit", lambda path: register)
    out = tmp_path / f"flows{suffix}"
    assert main(["graph", "tests/data/minimal", "-o", str(out)]) == 0
    tree = ET.parse(out)  # raised "not well-formed (invalid token)" before
    text = " ".join(t for t in tree.getroot().itertext()) + out.read_text(encoding="utf-8")
    assert "bell\\x07 " in text and "\x07" not in text
