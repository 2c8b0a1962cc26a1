"""``ropa import-xlsx``: a standard workbook back into register YAML, same Register; untrusted input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

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
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    + data.split(b"?>", 1)[-1]
                )
            dst.writestr(item, data)
    with pytest.raises(WorkbookError, match="cannot be read"):
        import_xlsx(evil, tmp_path / "out")


def test_cli_import(minimal_register, tmp_path, capsys):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    out = tmp_path / "org"
    assert main(["import-xlsx", str(xlsx), "-o", str(out)]) == 0
    assert "loads as a valid register" in capsys.readouterr().err
    assert main(["import-xlsx", str(xlsx), "-o", str(out)]) == 0  # the register's own folder: edit mode
    assert "no edit found" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x", encoding="utf-8")
    assert main(["import-xlsx", str(xlsx), "-o", str(tmp_path / "other")]) == 1
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


# --------------------------------------------------------------------------
# Edits to the visible sheets come back as a per-field diff applied to the YAML
# --------------------------------------------------------------------------

COMMENTED = {
    "activities.yaml": "# Activities of the minimal shop (a comment the import must keep)\n",
    "recipients.yaml": "# Recipients (kept)\n",
}


def _commented_register(tmp_path: Path) -> Path:
    """The minimal register, each file headed by a comment and with a comment inside a record."""
    import shutil

    folder = tmp_path / "org"
    shutil.copytree(MINIMAL, folder)
    for name, head in COMMENTED.items():
        text = (folder / name).read_text(encoding="utf-8")
        text = text.replace("  owner: Head of Sales\n", "  owner: Head of Sales  # ask Sales each year\n")
        (folder / name).write_text(head + text, encoding="utf-8")
    return folder


class Book:
    """The exported workbook, edited with openpyxl by heading text (never by cell address)."""

    def __init__(self, folder: Path, path: Path):
        write_workbook(load_register(folder), path, diagram=False)
        self.path = path
        self.wb = openpyxl.load_workbook(path)

    def _find(self, sheet: str, rid: str) -> tuple[Any, dict[str, int], int]:
        ws = self.wb[sheet]
        for row in ws.iter_rows():
            heads = {str(c.value).split(" \u2014 ")[0]: c.column for c in row if c.value is not None}
            if "Activity id" in heads or "Recipient id" in heads:
                id_col = heads.get("Activity id") or heads.get("Recipient id")
                for r in range(row[0].row + 1, ws.max_row + 1):
                    if ws.cell(r, id_col).value == rid:
                        return ws, heads, r
                return ws, heads, ws.max_row + 1
        raise AssertionError(f"no heading row in {sheet}")

    def get(self, sheet: str, rid: str, header: str) -> Any:
        ws, heads, r = self._find(sheet, rid)
        return ws.cell(r, heads[header]).value

    def set(self, sheet: str, rid: str, header: str, value: Any) -> str:
        ws, heads, r = self._find(sheet, rid)
        ws.cell(r, heads[header]).value = value
        return ws.cell(r, heads[header]).coordinate

    def delete(self, sheet: str, rid: str) -> None:
        ws, _, r = self._find(sheet, rid)
        ws.delete_rows(r)

    def save(self) -> Path:
        self.wb.save(self.path)
        return self.path


def _untouched_text(text: str, rid: str) -> str:
    """The file text without record ``rid`` (to compare what must not change)."""
    out, skip = [], False
    for line in text.splitlines(True):
        if line.startswith("- "):
            skip = line.strip() == f"- id: {rid}"
        if not skip:
            out.append(line)
    return "".join(out)


@pytest.mark.parametrize(
    "header, value, field, expected",
    [
        (
            "(b) Purposes",
            "Take payment and send the parcel [essential.service.payment_processing]",
            "purposes",
            [
                {
                    "key": "essential.service.payment_processing",
                    "description": "Take payment and send the parcel",
                }
            ],
        ),
        ("Legal basis", "Legitimate interests (Art 6(1)(f))", "legal_basis", ["legitimate_interests"]),
        (
            "(f) Erasure time limits",
            "P6Y from the end of the financial year of the order: commercial and tax records",
            "retention",
            [
                {
                    "period": "P6Y",
                    "trigger": "the end of the financial year of the order",
                    "description": "commercial and tax records",
                    "categories": None,
                }
            ],
        ),
    ],
)
def test_one_field_edit_becomes_a_diff_and_keeps_other_records(tmp_path, header, value, field, expected):
    folder = _commented_register(tmp_path)
    before = (folder / "activities.yaml").read_text(encoding="utf-8")
    book = Book(folder, tmp_path / "ropa.xlsx")
    cell = book.set("Controller record", "orders", header, value)
    result = imp.apply_edits(book.save(), folder)
    changed = [e for e in result.edits if e.action == "change"]
    assert [(e.record, e.field, e.cell) for e in changed] == [("orders", field, cell)]
    assert changed[0].new == expected and changed[0].old != expected
    assert f"activities[orders].{field}:" in str(changed[0]) and "\u2192" in str(changed[0])
    after = (folder / "activities.yaml").read_text(encoding="utf-8")
    assert after.startswith(COMMENTED["activities.yaml"])
    assert _untouched_text(after, "orders") == _untouched_text(before, "orders")  # byte for byte
    assert "# ask Sales each year" in after  # the comment inside the edited record
    assert (
        imp._current(
            field,
            load_register(folder).activity("orders")
            if hasattr(Register, "activity")
            else next(a for a in load_register(folder).activities if a.id == "orders"),
        )
        == expected
    )


def test_recipient_country_new_link_new_row_and_deleted_row(tmp_path):
    folder = _commented_register(tmp_path)
    recipients_before = (folder / "recipients.yaml").read_text(encoding="utf-8")
    book = Book(folder, tmp_path / "ropa.xlsx")
    book.set("Recipients", "shipping", "Countries", "NO (Norway), Germany")
    links = book.get("Controller record", "newsletter", "(d) Recipients")
    book.set("Controller record", "newsletter", "(d) Recipients", f"{links}\n[payments]")
    book.delete("Controller record", "orders")
    book.set("Controller record", "support", "Activity id", "support")
    for header, value in (
        ("Activity", "Customer support"),
        ("Legal basis", "Contract"),
        ("(b) Purposes", "Answer questions [essential.service.operations.support]"),
        ("(c) Data subjects", "customer"),
        ("(c) Personal data", "user.contact.email (email)"),
        ("(f) Erasure time limits", "2 years from the last message"),
    ):
        book.set("Controller record", "support", header, value)
    result = imp.apply_edits(book.save(), folder)
    summary = {(e.kind, e.record, e.field or e.action) for e in result.edits}
    assert ("recipients", "shipping", "countries") in summary
    assert ("activities", "newsletter", "recipients") in summary
    assert ("activities", "orders", "delete") in summary and ("activities", "support", "add") in summary
    reg = load_register(folder)
    assert next(r for r in reg.recipients if r.id == "shipping").countries == ["NO", "DE"]
    assert [
        link.recipient for link in next(a for a in reg.activities if a.id == "newsletter").recipients
    ] == ["mailer", "payments"]
    assert "orders" not in {a.id for a in reg.activities}
    support = next(a for a in reg.activities if a.id == "support")
    assert support.retention[0].period == "P2Y" and support.data_categories[0].label == "email"
    text = (folder / "recipients.yaml").read_text(encoding="utf-8")
    assert _untouched_text(text, "shipping") == _untouched_text(recipients_before, "shipping")
    assert "countries: [NO, DE]" in text or 'countries: ["NO", DE]' in text or "- NO" in text


@pytest.mark.parametrize(
    "sheet, rid, header, value, reason",
    [
        ("Controller record", "orders", "Legal basis", "Because we can", "names no Art 6(1) legal basis"),
        ("Controller record", "orders", "(b) Purposes", "Something new", "data use key in brackets"),
        ("Controller record", "orders", "(d) Recipients", "Some new courier", "names no recipient"),
        ("Recipients", "shipping", "Countries", "Narnia", "is not a country"),
        ("Recipients", "payments", "Used by activities", "everything", "computed from other records"),
    ],
)
def test_ambiguous_edit_refused_naming_sheet_cell_and_reason(tmp_path, sheet, rid, header, value, reason):
    folder = _commented_register(tmp_path)
    before = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    book = Book(folder, tmp_path / "ropa.xlsx")
    cell = book.set(sheet, rid, header, value)
    with pytest.raises(WorkbookError) as err:
        imp.apply_edits(book.save(), folder)
    text = "\n".join(err.value.lines)
    assert f"{sheet}!{cell}" in text and reason in text
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} == before


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path, capsys):
    folder = _commented_register(tmp_path)
    before = (folder / "activities.yaml").read_text(encoding="utf-8")
    book = Book(folder, tmp_path / "ropa.xlsx")
    book.set("Controller record", "newsletter", "Legal basis", "Legitimate interests")
    assert main(["import-xlsx", str(book.save()), "-o", str(folder), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "activities[newsletter].legal_basis: ['consent'] \u2192 ['legitimate_interests']" in out.out
    assert "dry run" in out.err and (folder / "activities.yaml").read_text(encoding="utf-8") == before
    assert main(["import-xlsx", str(book.path), "-o", str(folder)]) == 0
    assert "applied 1 edit" in capsys.readouterr().err
    assert "legal_basis: legitimate_interests" in (folder / "activities.yaml").read_text(encoding="utf-8")


def test_workbook_of_another_version_is_refused(tmp_path):
    folder = _commented_register(tmp_path)
    book = Book(folder, tmp_path / "ropa.xlsx")
    book.set("Controller record", "orders", "Owner", "Someone else")
    book.save()
    text = (folder / "activities.yaml").read_text(encoding="utf-8").replace("name: Newsletter", "name: News")
    (folder / "activities.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(WorkbookError, match=r"another version of the register \(activities\[newsletter\]"):
        imp.apply_edits(book.path, folder)


def test_renamed_sheet_is_refused(tmp_path):
    folder = _commented_register(tmp_path)
    book = Book(folder, tmp_path / "ropa.xlsx")
    book.wb["Recipients"].title = "Empfänger"
    with pytest.raises(WorkbookError, match="sheet 'Recipients' is missing"):
        imp.apply_edits(book.save(), folder)


def test_formula_macro_and_renamed_data_sheet_are_refused(minimal_register, tmp_path):
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(minimal_register, xlsx, diagram=False)
    wb = openpyxl.load_workbook(xlsx)
    wb["Controller record"]["B2"] = '=HYPERLINK("http://x")'
    wb.save(tmp_path / "formula.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    wb["data.recipients"].title = "recipients (2)"
    wb.save(tmp_path / "renamed.xlsx")
    with pytest.raises(WorkbookError, match=r"Controller record!B2: a formula"):
        import_xlsx(tmp_path / "formula.xlsx", tmp_path / "out")
    with pytest.raises(WorkbookError, match=r"sheet data.recipients is missing \(renamed or deleted\?\)"):
        import_xlsx(tmp_path / "renamed.xlsx", tmp_path / "out")
    (tmp_path / "ropa.xlsm").write_bytes(xlsx.read_bytes())
    with pytest.raises(WorkbookError, match="macro-enabled workbook is refused"):
        import_xlsx(tmp_path / "ropa.xlsm", tmp_path / "out")
    assert not (tmp_path / "out").exists()
