"""``ropa import-xlsx`` on hostile workbooks: each refused with a clear message, nothing replaced.

Every workbook is built here from a fresh export of the minimal register, damaged at the zip,
XML, sheet or cell level the way a broken tool, an attacker or a hurried edit would. For each:
exit 1 or 2, a message naming the sheet and cell (or the file, for archive damage), no
traceback, no "internal error", and the target register folder (replaced with ``--force``)
byte for byte unchanged, with nothing left beside it.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from test_export import MINIMAL

from audit_lib.cli import main
from audit_lib.export import write_workbook
from audit_lib.io.loader import load_register


class Base:
    """The exported workbook as zip members, and where the data sheets' parts and cells are."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as zf:
            self.members = {i.filename: zf.read(i) for i in zf.infolist()}
        wb = openpyxl.load_workbook(path, read_only=True)
        self.part = {ws.title: ws._worksheet_path.lstrip("/") for ws in wb.worksheets}
        rows = list(wb["data.activities"].iter_rows(values_only=True))
        wb.close()
        self.headers = list(rows[0])
        self.orders = next(r for r, v in enumerate(rows, 1) if v[0] == "orders")

    def coord(self, field: str) -> str:
        """The cell of ``field`` on the row of activity 'orders' in data.activities."""
        return f"{openpyxl.utils.get_column_letter(self.headers.index(field) + 1)}{self.orders}"


def _zip(members: dict[str, bytes], out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def member_changed(name: str | Callable[[Base], str], change: Callable[[bytes], bytes | None]):
    """A workbook whose member ``name`` (a part name, or a function of the base) is changed
    (``change`` returning None: removed)."""

    def make(base: Base, out: Path) -> Path:
        member = name(base) if callable(name) else name
        members = dict(base.members)
        data = change(members[member])
        if data is None:
            del members[member]
        else:
            members[member] = data
        return _zip(members, out)

    return make


def sheet_xml(sheet: str, change: Callable[[bytes], bytes | None]):
    return member_changed(lambda base: base.part[sheet], change)


def cell(field: str, xml: str, sheet: str = "data.activities"):
    """The cell of ``field`` (activity 'orders') replaced by ``xml`` (``{r}`` is its reference)."""

    def make(base: Base, out: Path) -> Path:
        ref = base.coord(field)

        def change(data: bytes) -> bytes:
            new = xml.replace("{r}", ref).encode()
            data, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)'.encode(), new, data, count=1, flags=re.S)
            if n == 0:  # the field is blank for this record: add the cell to its row
                data, n = re.subn(rf'(<row r="{base.orders}"[^>]*>)'.encode(),
                                  rb"\1" + xml.replace("{r}", ref).encode(), data, count=1)
            assert n == 1
            return data

        return sheet_xml(sheet, change)(base, out)

    return make


def added(name: str, data: bytes) -> Callable[[Base, Path], Path]:
    def make(base: Base, out: Path) -> Path:
        return _zip({**base.members, name: data}, out)

    return make


def raw(data: bytes) -> Callable[[Base, Path], Path]:
    def make(base: Base, out: Path) -> Path:
        out.write_bytes(data)
        return out

    return make


def whole(change: Callable[[bytes], bytes], suffix: str = ".xlsx") -> Callable[[Base, Path], Path]:
    def make(base: Base, out: Path) -> Path:
        out = out.with_suffix(suffix)
        out.write_bytes(change(base.path.read_bytes()))
        return out

    return make


def edited(change: Callable[[openpyxl.Workbook], None]) -> Callable[[Base, Path], Path]:
    """A workbook opened and saved by openpyxl after ``change`` (as a spreadsheet program would)."""

    def make(base: Base, out: Path) -> Path:
        wb = openpyxl.load_workbook(base.path)
        change(wb)
        wb.save(out)
        return out

    return make


def unlisted(sheet: str):
    pattern = rf'<sheet name="{re.escape(sheet)}"[^>]*/>'.encode()
    return member_changed("xl/workbook.xml", lambda d: re.sub(pattern, b"", d))


def _inline(text: str) -> str:
    return '<c r="{r}" t="inlineStr"><is><t>' + text + "</t></is></c>"


def _zip_bomb(base: Base, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in base.members.items():
            zf.writestr(name, data)
        zf.writestr("xl/media/image99.png", b"\0" * (64 * 2**20))
    return out


def _external_link(base: Base, out: Path) -> Path:
    members = dict(base.members)
    members["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        b'r:id="rId1">'
        b"<sheetNames><sheetName val=\"S\"/></sheetNames></externalBook></externalLink>")
    members["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
        b'Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        b'Target="http://attacker.example/owner.xlsx" TargetMode="External"/></Relationships>')
    return _zip(members, out)


def _external(base: Base, out: Path) -> Path:
    tmp = out.with_name("ext-" + out.name)
    _external_link(base, tmp)
    src = Base(tmp)
    return cell("owner", '<c r="{r}" t="str"><f>[1]S!A1</f><v>Head of Sales</v></c>')(src, out)


DATA_SHEETS = ("data.organisation", "data.activities", "data.recipients", "data.security", "data.systems",
               "data.processor_activities", "data.rights", "data.breach_procedure", "data.children",
               "data.consent", "data.cookies", "data.other_commitments", "data.taxonomy_categories",
               "data.taxonomy_uses", "data.taxonomy_subjects")
ERRORS = ("#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")

HOSTILE: dict[str, tuple[Callable[[Base, Path], Path], str]] = {
    # the archive
    "empty file": (raw(b""), "not a zip archive"),
    "random bytes": (raw(bytes(range(256)) * 40), "not a zip archive"),
    "truncated zip": (whole(lambda d: d[: len(d) // 2]), "not a zip archive"),
    "zip without workbook.xml": (member_changed("xl/workbook.xml", lambda d: None), "no xl/workbook.xml"),
    "zip bomb": (_zip_bomb, "zip bomb"),
    "macro-enabled name": (whole(lambda d: d, ".xlsm"), "macro-enabled workbook is refused"),
    "vbaProject.bin inside": (added("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0"), "macro"),
    "workbook.xml not XML": (member_changed("xl/workbook.xml", lambda d: d[:200]),
                             "cannot be read as a workbook"),
    "XXE entity in workbook.xml": (member_changed("xl/workbook.xml", lambda d: (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + d)),
        "cannot be read as a workbook"),
    "rels missing": (member_changed("xl/_rels/workbook.xml.rels", lambda d: None),
                     "cannot be read as a workbook"),
    # sheets and their parts
    **{f"part of {s} missing": (sheet_xml(s, lambda d: None), f"sheet {s} is listed") for s in DATA_SHEETS},
    "part of data.meta damaged": (sheet_xml("data.meta", lambda d: d[: len(d) // 2]),
                                  "sheet data.meta: cannot"),
    "part of data.activities not XML": (sheet_xml("data.activities", lambda d: d[: len(d) // 3]),
                                        "sheet data.activities: cannot be read"),
    "billion laughs in a sheet": (sheet_xml("data.activities", lambda d: (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        + d.replace(b"<t>orders</t>", b"<t>&lol2;</t>"))), "sheet data.activities: cannot be read"),
    **{f"{s} deleted": (unlisted(s), f"sheet {s} is missing") for s in DATA_SHEETS[1:6]},
    "data.recipients renamed": (edited(lambda wb: setattr(wb["data.recipients"], "title", "recipients (2)")),
                                "sheet data.recipients is missing"),
    "heading row of data.activities cleared": (sheet_xml("data.activities", lambda d: re.sub(
        rb'<row r="1".*?</row>', b"", d, count=1, flags=re.S)), "data.activities!A1"),
    "unknown heading": (sheet_xml("data.activities", lambda d: d.replace(
        b"<t>owner</t>", b"<t>responsible</t>", 1)), "unknown column 'responsible'"),
    # cells
    "formula without a cached value": (cell("owner", '<c r="{r}"><f>"Head of "&amp;"Sales"</f></c>'),
                                       "a formula"),
    "formula with a cached value": (cell("owner", '<c r="{r}" t="str"><f>B2</f><v>Head of Sales</v></c>'),
                                    "a formula"),
    "shared formula": (cell("owner", '<c r="{r}" t="str"><f t="shared" si="0"/><v>Head of Sales</v></c>'),
                       "a formula"),
    "array formula": (cell("owner", '<c r="{r}"><f t="array" ref="{r}">UPPER(B2)</f><v>X</v></c>'),
                      "a formula"),
    **{f"error value {e}": (cell("owner", '<c r="{r}" t="e"><v>' + e + '</v></c>'), f"an error value ({e})")
       for e in ERRORS},
    "NaN": (cell("owner", '<c r="{r}" t="n"><v>NaN</v></c>'), "NaN is not a number"),
    "inf": (cell("owner", '<c r="{r}" t="n"><v>inf</v></c>'), "inf is not a number"),
    "-INF": (cell("owner", '<c r="{r}" t="n"><v>-INF</v></c>'), "-INF is not a number"),
    "1e999 (overflows to inf)": (cell("owner", '<c r="{r}" t="n"><v>1e999</v></c>'), "inf is not a number"),
    "1e308 where text is expected": (cell("owner", '<c r="{r}" t="n"><v>1e308</v></c>'), "owner"),
    "date out of range": (cell("owner", '<c r="{r}" t="d"><v>99999-99-99T00:00:00</v></c>'),
                          "cannot be read as a cell value"),
    "date serial out of range": (edited(lambda wb: _date_cell(wb)), "a date out of the range"),
    "boolean not 0 or 1": (cell("owner", '<c r="{r}" t="b"><v>yes</v></c>'),
                           "cannot be read as a cell value"),
    "shared string index out of range": (cell("owner", '<c r="{r}" t="s"><v>99999</v></c>'),
                                         "cannot be read as a cell value"),
    "number where a JSON list is expected": (cell("purposes", '<c r="{r}" t="n"><v>3</v></c>'),
                                             "purposes: not valid JSON"),
    "JSON nested 100000 deep": (cell("purposes", _inline("[" * 100_000 + "]" * 100_000)), "purposes"),
    "JSON of the wrong shape": (cell("purposes", _inline('{"a": 1}')), "purposes"),
    "very long text where a legal basis is expected": (cell("legal_basis", _inline("consent " * 20_000)),
                                                       "legal_basis"),
    "control character escapes": (cell("legal_basis", _inline("consent_x0007__x0000_")), "legal_basis"),
    "control character in the XML": (cell("owner", _inline("Head\x01 of Sales")),
                                     "sheet data.activities: cannot be read"),
    "value past column 200": (sheet_xml("data.activities", lambda d: d.replace(
        b"</row>", b'<c r="GT2" t="inlineStr"><is><t>lost?</t></is></c></row>', 2)), "past column 200"),
    "value under a blank heading": (sheet_xml("data.activities", lambda d: re.sub(
        rb'(<row r="2".*?)</row>', rb'\1<c r="GR2" t="inlineStr"><is><t>lost?</t></is></c></row>', d, count=1,
        flags=re.S)), "column without a heading"),
    "huge dimension and a far cell": (sheet_xml("data.activities", lambda d: re.sub(
        rb"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', d, count=1).replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')),
        "XFD1048576"),
    "row past the sheet limit": (sheet_xml("data.activities", lambda d: d.replace(
        b"</sheetData>", b'<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>'
        b"</sheetData>")), "more than 1048576 rows"),
    "cell reference that is not one": (cell("owner", '<c r="Q" t="inlineStr"><is><t>x</t></is></c>'),
                                       "data.activities"),
    "merged id cells (value only in the first)": (edited(lambda wb: _merge_ids(wb)), "data.activities!A"),
    "hidden row holding a bad value": (edited(lambda wb: _hidden_bad_row(wb)), "data.activities!F"),
    "external link formula": (_external, "a formula"),
    "organisation twice": (edited(lambda wb: wb["data.organisation"].append(
        [c.value for c in wb["data.organisation"][2]])), "there can be only one organisation"),
    "overflow part number not a number": (
        edited(lambda wb: _overflow_row(wb, ["data.activities", "C2", "x", "t"])), "Overflow!C"),
    "overflow parts missing": (cell("description", _inline(
        "Start [\u2026 continued on sheet Overflow, 'data.activities'!{r}, 3 parts]")), "are not all there"),
    "row deleted on Controller record": (edited(lambda wb: _delete_last_activity(wb)), "Controller record!A"),
    "broken reference": (cell("security_measures", _inline('["vault"]')), "unknown security measure id"),
    "id cleared": (cell("id", '<c r="{r}"/>'), "id: Field required"),
}


def _date_cell(wb: openpyxl.Workbook) -> None:
    ws = wb["data.activities"]
    c = ws.cell(2, [x.value for x in ws[1]].index("owner") + 1)
    c.value = 10**9
    c.number_format = "yyyy-mm-dd"


def _overflow_row(wb: openpyxl.Workbook, row: list) -> None:
    ws = wb.create_sheet("Overflow")
    ws.append(["sheet", "cell", "part", "text"])
    ws.append(row)


def _merge_ids(wb: openpyxl.Workbook) -> None:
    ws = wb["data.activities"]
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)


def _hidden_bad_row(wb: openpyxl.Workbook) -> None:
    ws = wb["data.activities"]
    ws.cell(3, [x.value for x in ws[1]].index("legal_basis") + 1).value = "because"
    ws.row_dimensions[3].hidden = True


def _delete_last_activity(wb: openpyxl.Workbook) -> None:
    ws = wb["Controller record"]
    last = max(c.row for c in ws["A"]
               if c.value not in (None, "Activity id") and "continued" not in str(c.value))
    ws.delete_rows(last)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    path = tmp_path_factory.mktemp("base") / "ropa.xlsx"
    write_workbook(load_register(MINIMAL), path, diagram=False)
    return Base(path)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_workbook_is_refused_and_the_register_is_kept(name, base, tmp_path, capsys):
    make, expected = HOSTILE[name]
    book = make(base, tmp_path / "hostile.xlsx")
    target = tmp_path / "register"
    shutil.copytree(MINIMAL, target)
    before = _tree(target)
    code = main(["import-xlsx", str(book), "-o", str(target), "--force"])
    err = capsys.readouterr().err
    assert code in (1, 2), err
    assert "Traceback" not in err and "internal error" not in err.lower(), err
    assert expected in err, err
    assert "nothing was written" in err
    assert _tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({book.name, "register", *(
        p.name for p in tmp_path.iterdir() if p.name.startswith("ext-"))})
