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


# --------------------------------------------------------------------------
# Nothing is lost: the folder, a deletion, a sheet, a cell (issue 18)
# --------------------------------------------------------------------------


def _exported(tmp_path: Path) -> Path:
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(load_register(MINIMAL), xlsx, diagram=False)
    return xlsx


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_force_never_replaces_a_folder_holding_other_registers(tmp_path, capsys):
    import shutil

    xlsx = _exported(tmp_path)
    group = tmp_path / "ropa"
    shutil.copytree(MINIMAL, group / "shop")
    shutil.copytree(MINIMAL, group / "other")
    (group / "notes.txt").write_text("mine", encoding="utf-8")
    before = _tree(group)
    assert main(["import-xlsx", str(xlsx), "-o", str(group), "--force"]) == 1  # -o ropa/ for ropa/neworg
    err = capsys.readouterr().err
    assert "not register files (notes.txt, other/, shop/)" in err and "nothing was written" in err
    assert _tree(group) == before
    with pytest.raises(WorkbookError, match="refusing to replace it"):  # the library refuses too
        import_xlsx(xlsx, group)
    assert _tree(group) == before and sorted(p.name for p in tmp_path.iterdir()) == ["ropa", "ropa.xlsx"]


def test_force_replaces_register_files_and_keeps_accepted_risks_and_readme(tmp_path, capsys):
    import shutil

    xlsx = _exported(tmp_path)
    folder = tmp_path / "shop"
    shutil.copytree(MINIMAL, folder / "activities")  # a register split into list files ...
    for p in (folder / "activities").iterdir():
        if p.name != "activities.yaml":
            p.rename(folder / p.name)
    (folder / "accepted.yaml").write_text("[]\n", encoding="utf-8")
    (folder / "README.md").write_text("# Our register\n", encoding="utf-8")
    assert main(["import-xlsx", str(xlsx), "-o", str(folder), "--force"]) == 0
    err = capsys.readouterr().err
    assert "kept accepted.yaml, README.md" in err
    assert (folder / "README.md").read_text(encoding="utf-8") == "# Our register\n"
    assert (folder / "accepted.yaml").read_text(encoding="utf-8") == "[]\n"
    assert not (folder / "activities").exists() and (folder / "activities.yaml").is_file()


def test_a_problem_in_the_visible_sheets_is_found_before_the_folder_is_replaced(tmp_path, capsys):
    import shutil

    xlsx = _exported(tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Controller record"]
    col = [c.value for c in ws[1]].index("Owner") + 1
    marker = " [\u2026 continued on sheet Overflow, 'Controller record'!X2, 2 parts]"
    ws.cell(2, col).value = "Head of Sales" + marker
    wb.save(xlsx)
    folder = tmp_path / "shop"
    shutil.copytree(MINIMAL, folder)
    (folder / "organisation.yaml").write_text("name: Keep me\n", encoding="utf-8")
    before = _tree(folder)
    assert main(["import-xlsx", str(xlsx), "-o", str(folder), "--force"]) == 1
    err = capsys.readouterr().err
    assert "are not all there" in err and "nothing was written" in err
    assert _tree(folder) == before


def test_a_row_deleted_on_the_controller_record_sheet_is_not_silently_imported(tmp_path):
    xlsx = _exported(tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Controller record"]
    ids = [c.value for c in ws["A"]]
    last = max(i for i, v in enumerate(ids, 1)
               if v not in (None, "Activity id") and "continued" not in str(v))
    deleted = ids[last - 1]
    ws.delete_rows(last)  # the last activity: no other cell moves
    wb.save(xlsx)
    with pytest.raises(WorkbookError) as err:
        import_xlsx(xlsx, tmp_path / "out")
    issue = err.value.issues[0]
    assert issue.code == "ROPA-I004" and issue.record.startswith("Controller record!A")
    assert f"activities[{deleted}] was deleted from sheet 'Controller record'" in issue.message
    assert not (tmp_path / "out").exists()


def _drop(xlsx: Path, out: Path, member_of: str | None = None, sheets: tuple[str, ...] = ()) -> Path:
    """A copy of the workbook without the zip member of sheet ``member_of``, or without ``sheets``."""
    if sheets:
        wb = openpyxl.load_workbook(xlsx)
        for name in sheets:
            del wb[name]
        wb.save(out)
        return out
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    member = next(ws._worksheet_path for ws in wb.worksheets if ws.title == member_of)
    wb.close()
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != member:
                dst.writestr(item, src.read(item))
    return out


def test_a_deleted_data_sheet_or_a_missing_zip_member_is_a_problem(tmp_path):
    xlsx = _exported(tmp_path)
    no_systems = _drop(xlsx, tmp_path / "a.xlsx", sheets=("data.systems", "data.meta"))
    with pytest.raises(WorkbookError, match=r"sheet data.systems is missing \(renamed or deleted\?\)"):
        import_xlsx(no_systems, tmp_path / "out")
    no_member = _drop(xlsx, tmp_path / "b.xlsx", member_of="data.activities")
    with pytest.raises(WorkbookError, match="sheet data.activities is listed in the workbook but its"):
        import_xlsx(no_member, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def patch_cell(xlsx: Path, sheet: str, coord: str, cell_xml: str) -> None:
    """Replace the XML of cell ``coord`` of ``sheet`` (it must exist) by ``cell_xml``, as a hostile
    or foreign writer could store it (``<c r="B2" t="n"><v>NaN</v></c>``)."""
    import re

    wb = openpyxl.load_workbook(xlsx, read_only=True)
    member = next(ws._worksheet_path for ws in wb.worksheets if ws.title == sheet)
    wb.close()
    with zipfile.ZipFile(xlsx) as src:
        items = [(item, src.read(item)) for item in src.infolist()]
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as dst:
        for item, data in items:
            if item.filename == member:
                data, n = re.subn(rf'<c r="{coord}"[^>]*?(?:/>|>.*?</c>)'.encode(), cell_xml.encode(), data,
                                  count=1, flags=re.S)
                assert n == 1, f"no cell {coord} in {sheet}"
            dst.writestr(item, data)


def _set_cell(xlsx: Path, sheet: str, row_id: str, column: str | int, value: Any,
              fmt: str | None = None) -> str:
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    r = next(c.row for c in ws["A"] if c.value == row_id)
    col = headers.index(column) + 1 if isinstance(column, str) else column
    cell = ws.cell(r, col)
    cell.value = value
    if fmt:
        cell.number_format = fmt
    wb.save(xlsx)
    return cell.coordinate


@pytest.mark.parametrize(
    "column, value, fmt, reason",
    [
        ("owner", "#REF!", None, "an error value (#REF!)"),
        ("retention", "<v>NaN</v>", None, "NaN is not a number"),
        ("retention", "<v>-inf</v>", None, "-inf is not a number"),
        ("owner", 10**9, "yyyy-mm-dd", "a date out of the range"),
        ("blank", "Head of Sales", None, "a value in a column without a heading"),
        (201, "Head of Sales", None, "a value past column 200"),
    ],
)
def test_a_cell_the_import_cannot_read_is_a_problem_naming_sheet_and_cell(tmp_path, column, value, fmt,
                                                                         reason):
    xlsx = _exported(tmp_path)
    if column == "blank":
        wb = openpyxl.load_workbook(xlsx, read_only=True)
        column = len(next(wb["data.activities"].iter_rows(max_row=1, values_only=True))) + 2
        wb.close()
    raw = isinstance(value, str) and value.startswith("<v>")
    cell = _set_cell(xlsx, "data.activities", "orders", column, 0 if raw else value, fmt)
    if raw:
        patch_cell(xlsx, "data.activities", cell, f'<c r="{cell}" t="n">{value}</c>')
    with pytest.raises(WorkbookError) as err:
        import_xlsx(xlsx, tmp_path / "out")
    assert any(i.record == f"data.activities!{cell}" and reason in i.message for i in err.value.issues), \
        err.value.lines
    assert not (tmp_path / "out").exists()
