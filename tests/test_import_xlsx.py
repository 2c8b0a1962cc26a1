"""``ropa import-xlsx``: a standard workbook back into register YAML, same Register; untrusted input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_export import MINIMAL, SAMPLES, make_rich_register

import audit_lib.io.import_xlsx as imp
from audit_lib.cli import main
from audit_lib.export import write_workbook
from audit_lib.io.import_xlsx import WorkbookError, import_xlsx
from audit_lib.io.loader import load_register
from audit_lib.model import Register


def _dump(register: Register) -> dict:
    return register.model_dump(exclude={"source_path", "source_hash"})


def _round_trip(source: Path, tmp_path: Path) -> tuple[Register, Register]:
    register = load_register(source)
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(register, xlsx, diagram=False)
    result = import_xlsx(xlsx, tmp_path / "imported")
    assert result.warnings == [] and result.notes == []
    assert result.data_edited is False
    return register, load_register(tmp_path / "imported")


@pytest.mark.parametrize("name", ["minimal", "rich", "mobikin", "dearmob"])
def test_round_trip_gives_the_same_register(name, tmp_path):
    source = {"minimal": MINIMAL, **SAMPLES}.get(name) or make_rich_register(tmp_path)
    before, after = _round_trip(source, tmp_path)
    assert _dump(after) == _dump(before)
    assert len(after.activities) == len(before.activities) > 0


def test_yaml_is_readable(tmp_path):
    _round_trip(MINIMAL, tmp_path)
    text = (tmp_path / "imported" / "activities.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Imported from ropa.xlsx")
    assert "- id: orders\n  name: Order handling\n" in text
    assert "  - user.name\n" in text  # bare taxonomy keys, as a person writes them
    recipients = (tmp_path / "imported" / "recipients.yaml").read_text(encoding="utf-8")
    assert "- NO\n" not in recipients and "'NO'" in recipients  # Norway survives YAML


def _edit(path: Path, sheet: str, column: str, row_id: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[headers.index("id")].value == row_id:
            row[headers.index(column)].value = value
    wb.save(path)


def test_edit_in_data_sheet_is_imported(minimal_register, tmp_path):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    _edit(xlsx, "data.activities", "owner", "orders", "Head of Finance")
    _edit(xlsx, "data.activities", "data_subjects", "newsletter", json.dumps(["customer"]))
    result = import_xlsx(xlsx, tmp_path / "out")
    assert result.register.activity("orders").owner == "Head of Finance"
    assert [s.key for s in result.register.activity("newsletter").data_subjects] == ["customer"]
    assert result.data_edited is True
    assert result.warnings == []  # the generated sheets are merely out of date: a note says so
    assert "out of date" in result.notes[0]
    assert any("Head of Sales" in n for n in result.notes[1:])


def test_edit_in_generated_sheet_is_reported_not_lost(minimal_register, tmp_path):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Controller record"]
    col = [c.value for c in ws[1]].index("Owner") + 1
    ws.cell(row=2, column=col).value = "Someone else"
    wb.save(xlsx)
    result = import_xlsx(xlsx, tmp_path / "out")
    assert result.register.activity("orders").owner == "Head of Sales"
    assert result.data_edited is False
    assert "NOT imported" in result.warnings[0]
    assert any("Controller record!" in w and "Someone else" in w for w in result.warnings)


def test_invalid_cells_are_reported_with_sheet_and_cell(minimal_register, tmp_path):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    _edit(xlsx, "data.activities", "purposes", "orders", "[not json")
    _edit(xlsx, "data.activities", "legal_basis", "newsletter", json.dumps(["because"]))
    with pytest.raises(WorkbookError) as err:
        import_xlsx(xlsx, tmp_path / "out")
    text = "\n".join(err.value.lines)
    assert "data.activities!" in text and "purposes: not valid JSON" in text
    assert "newsletter: legal_basis.0" in text
    assert not (tmp_path / "out").exists()


def test_broken_reference_writes_nothing(minimal_register, tmp_path):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    _edit(xlsx, "data.activities", "security_measures", "orders", json.dumps(["tls", "vault"]))
    target = tmp_path / "out"
    target.mkdir()
    (target / "organisation.yaml").write_text("name: Keep me\n")
    with pytest.raises(WorkbookError, match="unknown security measure id 'vault'"):
        import_xlsx(xlsx, target)
    assert [p.name for p in target.iterdir()] == ["organisation.yaml"]
    assert (target / "organisation.yaml").read_text() == "name: Keep me\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_missing_overflow_part_is_an_error(minimal_register, tmp_path):
    data = minimal_register.model_dump()
    data["activities"][0]["description"] = "x" * 40_000
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(Register.model_validate(data), xlsx, diagram=False)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Overflow"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "data.activities":
            row[3].value = None
            row[0].value = None
    wb.save(xlsx)
    with pytest.raises(WorkbookError, match="are not all there"):
        import_xlsx(xlsx, tmp_path / "out")


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_text("hello")
    with pytest.raises(WorkbookError, match="not a zip archive"):
        import_xlsx(bad, tmp_path / "out")
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hi"
    wb.save(other)
    with pytest.raises(WorkbookError, match="not a workbook written by `ropa export`"):
        import_xlsx(other, tmp_path / "out")


def test_size_limits(minimal_register, tmp_path, monkeypatch):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    monkeypatch.setattr(imp, "MAX_FILE_BYTES", 1000)
    with pytest.raises(WorkbookError, match="over the"):
        import_xlsx(xlsx, tmp_path / "out")
    monkeypatch.setattr(imp, "MAX_FILE_BYTES", 2**30)
    monkeypatch.setattr(imp, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(WorkbookError, match="uncompressed"):
        import_xlsx(xlsx, tmp_path / "out")


def test_zip_bomb_refused(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (64 * 2**20))
    with pytest.raises(WorkbookError, match="zip bomb"):
        import_xlsx(bomb, tmp_path / "out")


def test_external_entities_are_not_resolved(minimal_register, tmp_path):
    """defusedxml refuses a DOCTYPE with entities (billion laughs, XXE) instead of expanding it."""
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                        + data.split(b"?>", 1)[-1])
            dst.writestr(item, data)
    with pytest.raises(WorkbookError, match="cannot be read"):
        import_xlsx(evil, tmp_path / "out")


def test_cli_import(minimal_register, tmp_path, capsys):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    out = tmp_path / "org"
    assert main(["import-xlsx", str(xlsx), "-o", str(out)]) == 0
    assert "loads as a valid register" in capsys.readouterr().err
    assert main(["import-xlsx", str(xlsx), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["import-xlsx", str(xlsx), "-o", str(out), "--force"]) == 0
    assert main(["validate", str(out)]) == 0


def test_cli_import_bad_workbook(tmp_path, capsys):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert main(["import-xlsx", str(bad), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "Traceback" not in err


def test_register_with_only_an_organisation(tmp_path):
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "organisation.yaml").write_text('name: "=Evil & Co"\n', encoding="utf-8")
    before, after = _round_trip(folder, tmp_path)
    assert after.organisation.name == "=Evil & Co" and after.activities == []
    assert _dump(after) == _dump(before)
