"""Cell safety (no formulas, nothing cut or dropped) and atomic writing of every export format."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from visibility import invisible_fields

from audit_lib.export import write_csv, write_json, write_workbook
from audit_lib.export.sheet import Column, Sheet
from audit_lib.export.xlsx import write_sheets
from audit_lib.io.cells import MAX_CELL_CHARS, excel_len, split_text
from audit_lib.io.import_xlsx import import_xlsx
from audit_lib.io.loader import load_register
from audit_lib.model import Register

INJECTED = {
    "name": "=1+2",
    "description": "+SUM(A1:A3)",
    "owner": "-2+3",
    "notes": "#N/A",
    "legitimate_interest": "@SUM(1,1)",
    "consent_withdrawal": '=HYPERLINK("http://evil.test","click")',
}


def _same(a: Register, b: Register) -> bool:
    skip = {"source_path", "source_hash"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


def _with_activity(register: Register, **changes) -> Register:
    """The register with its first activity changed (validated again, like a loaded register)."""
    data = register.model_dump()
    data["activities"][0].update(changes)
    return Register.model_validate(data)


def _all_cells(path: Path):
    wb = openpyxl.load_workbook(path)  # formulas as formulas: nothing here may be one
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                yield from row
    finally:
        wb.close()


# --------------------------------------------------------------------------
# Formula injection
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    register = _with_activity(load_register(Path(__file__).parent / "data" / "minimal"), **INJECTED)
    out = tmp_path_factory.mktemp("inj") / "ropa.xlsx"
    write_workbook(register, out, diagram=False)
    return register, out


def test_formula_like_values_are_text_cells(injected):
    _, out = injected
    seen = {}
    for cell in _all_cells(out):
        if cell.value in INJECTED.values():
            seen[cell.value] = cell
            assert cell.data_type == "s", f"{cell.coordinate}: {cell.value!r} stored as {cell.data_type}"
            assert cell.quotePrefix, f"{cell.coordinate}: no quote prefix, an edit would make it a formula"
    assert set(seen) >= {"=1+2", "+SUM(A1:A3)", "-2+3", "#N/A"}


def test_no_formula_element_in_any_sheet(injected):
    _, out = injected
    with zipfile.ZipFile(out) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            xml = zf.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
            assert 't="e"' not in xml, f"{name}: an error value cell"


def test_pandas_reads_literal_text(injected):
    _, out = injected
    # keep_default_na=False: pandas itself would read the text "#N/A" as missing
    ctrl = pd.read_excel(out, sheet_name="Controller record", engine="openpyxl", keep_default_na=False)
    row = ctrl[ctrl["Activity id"] == "orders"].iloc[0]
    assert row["Activity"] == "=1+2"
    assert row["Owner"] == "-2+3"
    assert row["Notes"] == "#N/A"


def test_injected_values_round_trip(injected, tmp_path):
    register, out = injected
    result = import_xlsx(out, tmp_path / "back")
    assert result.register.activities[0].name == "=1+2"
    assert _same(result.register, register)


def test_leading_tab_and_cr_stay_text(tmp_path):
    out = tmp_path / "t.xlsx"
    write_sheets([Sheet("S", [Column("A"), Column("B")], [["\t=1+2", "\r@x"]])], out)
    wb = openpyxl.load_workbook(out)
    a, b = wb["S"]["A2"], wb["S"]["B2"]
    assert (a.value, a.data_type, a.quotePrefix) == ("\t=1+2", "s", True)
    # XML parsers read a carriage return as a line feed; the value stays text all the same
    assert (b.value.lstrip("\r\n"), b.data_type, b.quotePrefix) == ("@x", "s", True)


def test_csv_prefixes_formula_like_values_json_keeps_them(injected, tmp_path):
    register, _ = injected
    write_csv(register, tmp_path / "out.zip")
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        text = zf.read("03_controller_record.csv").decode("utf-8-sig")
    assert "'=1+2" in text and "'-2+3" in text and "'#N/A" in text
    assert not re.search(r"(^|,)=1\+2", text, re.MULTILINE)
    write_json(register, tmp_path / "out.json")
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert doc["register"]["activities"][0]["name"] == "=1+2"
    controller = next(s for s in doc["sheets"] if s["name"] == "Controller record")
    assert controller["rows"][0]["Activity"] == "=1+2"


# --------------------------------------------------------------------------
# Characters XML cannot hold, and text over Excel's cell limit
# --------------------------------------------------------------------------


def test_control_characters_shown_as_escapes_and_noted(minimal_register, tmp_path):
    """A register refuses control characters; one built in code without validation still exports
    them as visible escapes, never as raw characters (which break the XML of the workbook)."""
    with pytest.raises(ValueError, match="description"):
        _with_activity(minimal_register, description="bell\x07here \x1b[0m end")
    first = minimal_register.activities[0].model_copy(update={"description": "bell\x07here \x1b[0m end"})
    register = minimal_register.model_copy(update={"activities": [first, *minimal_register.activities[1:]]})
    out = tmp_path / "ctl.xlsx"
    report = write_workbook(register, out, diagram=False)
    wb = openpyxl.load_workbook(out, read_only=True)
    ctrl = list(wb["Controller record"].iter_rows(values_only=True))
    notes = list(wb["Export notes"].iter_rows(values_only=True))
    wb.close()
    assert ctrl[1][2] == "bell\\x07here \\x1b[0m end"
    assert ("Controller record", "C2") in {(n[0], n[1]) for n in notes[1:]}
    assert any("\\xNN" in n[2] for n in notes[1:])
    assert report.notes


def test_long_text_continues_on_rows_and_round_trips(minimal_register, tmp_path):
    long_description = "".join(f"sentence {i} of a very long description. " for i in range(3000)) + "END"
    long_evidence = "\U0001f600" * 20000 + "tail"  # astral characters count twice in Excel
    register = _with_activity(minimal_register, description=long_description,
                              evidence=[long_evidence, "short"])
    assert len(long_description) > MAX_CELL_CHARS
    out = tmp_path / "long.xlsx"
    report = write_workbook(register, out, diagram=False)
    assert report.overflow_cells >= 2  # the machine-readable copy continues on the hidden Overflow sheet
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["Controller record"].iter_rows(min_row=2, values_only=True))
    assert wb["Overflow"].sheet_state == "hidden"
    wb.close()
    # on the printed sheet the description continues on the rows below, each marked (continued)
    mine = [r for r in rows if r[0] and str(r[0]).endswith(register.activities[0].id)]
    assert mine[0][0] == register.activities[0].id and len(mine) > 10
    assert all(r[0] == f"(continued) {register.activities[0].id}" for r in mine[1:])
    shown = " ".join(r[2] for r in mine if r[2])
    assert " ".join(shown.split()) == " ".join(long_description.split())
    assert all(excel_len(r[2]) <= MAX_CELL_CHARS for r in mine if r[2])
    assert invisible_fields(register, out) == []
    back = import_xlsx(out, tmp_path / "back").register
    assert back.activities[0].description == long_description
    assert back.activities[0].evidence[0] == long_evidence
    assert _same(back, register)


def test_split_text_respects_utf16_limit():
    text = "a" + "\U0001f600" * 50 + "b" * 7
    parts = split_text(text, 10)
    assert "".join(parts) == text
    assert all(excel_len(p) <= 10 for p in parts)
    assert all(not ("\ud800" <= p[-1] <= "\udbff") for p in parts)


# --------------------------------------------------------------------------
# Atomic writing
# --------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failed_workbook_keeps_good_file(minimal_register, tmp_path, monkeypatch, error):
    import audit_lib.export.xlsx as xlsx

    out = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, out, diagram=False)
    good = out.read_bytes()

    def fail(*args, **kwargs):
        raise error("disk on fire")

    monkeypatch.setattr(xlsx._Writer, "_add_table", fail)
    with pytest.raises(error):
        write_workbook(minimal_register, out, diagram=False)
    assert out.read_bytes() == good
    assert _leftovers(tmp_path) == []
    with pytest.raises(error):
        write_workbook(minimal_register, tmp_path / "new.xlsx", diagram=False)
    assert not (tmp_path / "new.xlsx").exists()
    assert _leftovers(tmp_path) == []


def test_failed_save_step_leaves_nothing(minimal_register, tmp_path, monkeypatch):
    from openpyxl import Workbook

    def fail(self, filename):  # the writer got part of the way (into a file, or the zip in memory)
        filename.write(b"PK half a zip") if hasattr(filename, "write") else Path(filename).write_bytes(b"PK")
        raise OSError("no space left on device")

    monkeypatch.setattr(Workbook, "save", fail)
    with pytest.raises(OSError):
        write_workbook(minimal_register, tmp_path / "x.xlsx", diagram=False)
    assert list(tmp_path.iterdir()) == []


def test_failed_json_and_csv_keep_good_output(minimal_register, tmp_path, monkeypatch):
    import audit_lib.export.flat as flat

    write_json(minimal_register, tmp_path / "r.json")
    write_csv(minimal_register, tmp_path / "csv")
    write_csv(minimal_register, tmp_path / "r.zip")
    good_json = (tmp_path / "r.json").read_bytes()
    good_zip = (tmp_path / "r.zip").read_bytes()
    good_csv = {p.name: p.read_bytes() for p in (tmp_path / "csv").iterdir()}
    calls = {"n": 0}
    real = flat._csv_bytes

    def fail_later(rows):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("boom")
        return real(rows)

    monkeypatch.setattr(flat, "_csv_bytes", fail_later)
    monkeypatch.setattr(flat.json, "dump", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    for call in (lambda: write_json(minimal_register, tmp_path / "r.json"),
                 lambda: write_csv(minimal_register, tmp_path / "csv"),
                 lambda: write_csv(minimal_register, tmp_path / "r.zip")):
        calls["n"] = 0
        with pytest.raises(RuntimeError):
            call()
    assert (tmp_path / "r.json").read_bytes() == good_json
    assert (tmp_path / "r.zip").read_bytes() == good_zip
    assert {p.name: p.read_bytes() for p in (tmp_path / "csv").iterdir()} == good_csv
    assert _leftovers(tmp_path) == []


def test_fast_row_writer_matches_openpyxl(tmp_path):
    """Plain cells written directly read back exactly as when openpyxl writes every cell."""
    from audit_lib.export.sheet import Mark

    rows = [["a & b < c > d", "  leading", "trailing  ", "line\nbreak", "\u00e9t\u00e9 \U0001f600", ""],
            [1, 2.5, True, False, None, 10**15],
            ["=1+2", "\t tab", Mark("Not recorded", "missing"), '"quoted"', "]]>", "&amp;"]]
    out = {}
    for fast in (True, False):
        path = tmp_path / f"{fast}.xlsx"
        write_sheets([Sheet("S", [Column(c) for c in "ABCDEF"], [list(r) for r in rows],
                            preamble=[["Title"]])], path, fast=fast)
        wb = openpyxl.load_workbook(path)
        out[fast] = [[(c.value, c.data_type, c.quotePrefix, c.font.b, c.alignment.wrap_text) for c in r]
                     for r in wb["S"].iter_rows()]
        wb.close()
    assert out[True] == out[False]
    values = [[c[0] for c in r] for r in out[True]]
    assert values[3][:4] == ["a & b < c > d", "  leading", "trailing  ", "line\nbreak"]
    assert values[4][:3] == [1, 2.5, True] and values[4][5] == 10**15


def test_transfers_csv_guards_formula_like_text_like_the_export(minimal_path, tmp_path, capsys):
    import csv as csvlib

    from audit_lib.cli import main

    folder = tmp_path / "reg"
    shutil.copytree(minimal_path, folder)
    recipients = folder / "recipients.yaml"
    recipients.write_text(recipients.read_text(encoding="utf-8").replace(
        "Mail Sender Inc.", "'=HYPERLINK(\"http://evil.test\",\"Mail\")'"), encoding="utf-8")
    assert main(["transfers", str(folder), "--format", "csv", "--as-of", "2026-06-01"]) == 0
    out = capsys.readouterr().out
    rows = list(csvlib.reader(io.StringIO(out)))
    cells = [c for r in rows for c in r]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)  # kept, and kept as text
    assert not any(c.startswith("=") for c in cells)
