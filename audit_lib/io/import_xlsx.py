"""Read a standard-layout workbook (as exported, maybe edited in Excel) back into register YAML.

The workbook is untrusted input. Its zip directory is checked first (size, uncompressed
size, compression ratio: zip bombs; macros), then each sheet the import needs is parsed once
by openpyxl's parser behind defusedxml, and every cell is typed or refused with its sheet
and cell (:func:`read_book`): no formula is evaluated, an error value, NaN, a date out of
range, a value under a blank heading or past column 200 is a problem, never dropped.
Records come from the machine-readable ``data.*`` sheets (one column per field); text
continued on the Overflow sheet is joined again. Each record is validated; the YAML is
written to a temporary folder, loaded with :func:`audit_lib.io.loader.load_register`, the
visible sheets are compared with what the records render (a row deleted there only is
refused), and only then is the folder swapped into place in one step (Art 30(3): the record
is kept in writing; no half-written register). A folder holding anything but register files
is never replaced (:func:`foreign_entries`).

Into the register folder the workbook was exported from, :func:`apply_edits` reads the edits
made to the visible sheets instead (Controller record, Recipients: found by heading text, not
cell address), shows them as a per-field diff and applies them to the YAML with
:mod:`audit_lib.io.yaml_edit`, keeping untouched records byte for byte; an edit it cannot map is
refused naming sheet, cell and reason. Into a new folder, :func:`human_edits` lists such edits
so the user is told, not silently ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import shutil
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ValidationError

from audit_lib.export.xlsx import FILLER
from audit_lib.io.atomic import atomic_folder
from audit_lib.io.cells import MARKER_RE, OVERFLOW_SHEET, escape_illegal
from audit_lib.io.datasheets import (
    DATA_TABLES,
    META_SHEET,
    PREFIX,
    DataTable,
    Digest,
    decode_cell,
    field_kinds,
)
from audit_lib.io.loader import RegisterError, load_register
from audit_lib.issues import Issue, Stage, declare
from audit_lib.model import Register, catalogue
from audit_lib.model.catalogue import kinds_in

MAX_FILE_BYTES = 256 * 2**20
MAX_UNCOMPRESSED_BYTES = 2 * 2**30
MAX_RATIO = 250
MAX_ROWS = 1_048_576
MAX_COLUMNS = 200
MAX_EXACT = 2**53
"""Numbers beyond it are not whole numbers a spreadsheet keeps exactly: refused, not rounded."""

FILES = {name: tuple(kind.kind for kind in kinds_in(name)) for name in catalogue.FILES}
"""Register file -> the data tables (record kinds) it holds, from the record catalogue."""


declare(
    "ROPA-I001",
    Stage.import_,
    "error",
    "Workbook cannot be imported",
    remedy="Fix the sheet and cell named (or export the workbook again), then import again.",
)
declare(
    "ROPA-I002",
    Stage.import_,
    "low",
    "Edit in a generated sheet not imported",
    remedy="Make the edit in a visible sheet the import reads, in the data.* sheets, or in the YAML.",
)

declare(
    "ROPA-I003",
    Stage.import_,
    "error",
    "Workbook cell cannot be read as a value",
    remedy="Type the value in the cell named (no formula, no error value such as #REF!, a real date or "
    "number), or move it under a column heading; then import again.",
)
declare(
    "ROPA-I004",
    Stage.import_,
    "error",
    "Record deleted on a visible sheet only",
    remedy="A row deleted on a visible sheet does not delete the record: delete it in the data.* sheet too, "
    "or import into the register's own folder, which applies the deletion as a diff.",
)
declare(
    "ROPA-I005",
    Stage.import_,
    "error",
    "Output folder holds files that are not the register's",
    remedy="Give the register's own folder (ropa/<org>/) or an empty one; --force replaces only register "
    "files and never deletes anything else.",
)

_WHERE = re.compile(r"^(?P<where>[^:\s][^:]*![A-Z]+\d+|[^:\s][^:]*![A-Z]+|data\.[a-z_]+): ")


def import_issue(text: str, code: str = "ROPA-I001", file: str = "") -> Issue:
    """An Issue for one problem line, its ``record`` the ``Sheet!Cell`` the line starts with."""
    m = _WHERE.match(text)
    return Issue.of(code, text, file=file, record=m.group("where") if m else "")


class WorkbookError(Exception):
    """The workbook cannot be imported; ``issues`` (Issue, code ROPA-I001) says where and why."""

    def __init__(self, issues: list[Issue | str]):
        self.issues = [i if isinstance(i, Issue) else import_issue(i) for i in issues]
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        """One line per problem: ``Sheet!Cell: what is wrong``."""
        return [i.message for i in self.issues]


@dataclass
class ImportResult:
    path: Path
    register: Register
    records: int
    data_edited: bool | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Safe opening
# --------------------------------------------------------------------------


def check_archive(path: Path) -> None:
    """Refuse files that are too big, not xlsx, or compressed suspiciously well (zip bombs).

    Only the zip directory is read here: nothing is decompressed before the sizes are known.
    """
    if not path.is_file():
        raise WorkbookError([f"{path}: file not found"])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise WorkbookError([f"{path}: {size / 2**20:.0f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit"])
    if not zipfile.is_zipfile(path):
        raise WorkbookError([f"{path}: not an .xlsx workbook (not a zip archive)"])
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise WorkbookError([f"{path}: not an .xlsx workbook (damaged zip archive: {exc})"]) from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if ratio > MAX_RATIO and info.file_size > 10 * 2**20:
            raise WorkbookError(
                [f"{path}: member {info.filename} expands {ratio:.0f}-fold: refusing a possible zip bomb"]
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(
            [f"{path}: {total / 2**30:.1f} GB uncompressed is over the "
             f"{MAX_UNCOMPRESSED_BYTES // 2**30} GB limit"]
        )
    names = [i.filename for i in infos]
    if "xl/workbook.xml" not in names:
        raise WorkbookError([f"{path}: not an .xlsx workbook (no xl/workbook.xml)"])
    if path.suffix.lower() in (".xlsm", ".xltm") or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise WorkbookError([f"{path}: a macro-enabled workbook is refused; save it as .xlsx without macros"])


def open_workbook(path: str | Path, *, data_only: bool = True) -> Any:
    """openpyxl workbook opened for untrusted input (read-only, no links, defusedxml)."""
    path = Path(path)
    check_archive(path)
    if not openpyxl.xml.DEFUSEDXML:
        raise WorkbookError(
            ["defusedxml is not installed: refusing to parse an untrusted workbook (pip install defusedxml)"]
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what openpyxl skips is found missing below, with its name
            return openpyxl.load_workbook(path, read_only=True, data_only=data_only, keep_links=False)
    except Exception as exc:
        damaged = _damaged_sheet(path)
        problem = damaged or f"{path}: cannot be read as a workbook ({type(exc).__name__}: {exc})"
        raise WorkbookError([problem]) from None


def _damaged_sheet(path: Path) -> str | None:
    """Which sheet's part stops openpyxl from opening the workbook (XML not well-formed, an entity)."""
    from defusedxml.ElementTree import fromstring, iterparse

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            sheets = [el for el in fromstring(zf.read("xl/workbook.xml")).iter() if local(el.tag) == "sheet"]
            tree = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            rels = {el.get("Id"): el.get("Target", "") for el in tree.iter()
                    if local(el.tag) == "Relationship"}
            for sheet in sheets:
                rid = next((v for k, v in sheet.attrib.items() if local(k) == "id"), None)
                target = rels.get(rid, "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if member not in names:
                    continue
                try:
                    with zf.open(member) as fh:
                        for _ in iterparse(fh):
                            pass
                except Exception as exc:
                    return (f"sheet {sheet.get('name')}: cannot be read: its part {member} is not "
                            "well-formed "
                            f"XML or holds a forbidden construct ({type(exc).__name__}: {exc})")
    except Exception:
        return None
    return None


# --------------------------------------------------------------------------
# Cells: one pass over each sheet read, every value typed or refused with its cell
# --------------------------------------------------------------------------

BOOLEAN_FORMULAS = {"=TRUE()": True, "=FALSE()": False}
"""How LibreOffice writes a typed yes/no into .xlsx: read as the value, not refused as a formula."""
MAX_CELL_PROBLEMS = 50
"""Cell problems listed per workbook before '... and N more'."""
_DATE_WARNING = re.compile(r"Cell (?P<cell>[A-Z]+\d+) is marked as a date")


def sheet_rows(ws: Any) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of an openpyxl sheet as openpyxl reads it (no checks; for tools)."""
    for r, values in enumerate(ws.iter_rows(values_only=True), 1):
        if r > MAX_ROWS:
            raise WorkbookError([f"{ws.title}: more than {MAX_ROWS} rows"])
        yield r, values


@dataclass
class Book:
    """The sheets of a workbook the import reads, each cell typed once (see :func:`read_book`)."""

    path: Path
    sheetnames: list[str]
    rows: dict[str, list[tuple[int, tuple]]]
    """Sheet -> (row number, values) of every row holding a value; a value is None, bool, int,
    float, str or datetime."""
    overflow: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def sheet(self, name: str) -> list[tuple[int, tuple]]:
        return self.rows.get(name, [])


def _needed(name: str) -> bool:
    return name.startswith(PREFIX) or name == OVERFLOW_SHEET or name in CHECKED_SHEETS


class _Cells:
    """Turns openpyxl's parsed cells into values, collecting every cell it must refuse."""

    def __init__(self) -> None:
        self.problems: list[Issue] = []
        self.count = 0

    def refuse(self, sheet: str, coord: str, message: str) -> None:
        self.count += 1
        if len(self.problems) < MAX_CELL_PROBLEMS:
            where = f"{sheet}!{coord}"
            self.problems.append(Issue.of("ROPA-I003", f"{where}: {message}", record=where))

    def row(self, sheet: str, r: int, cells: list[dict], dates: set[str]) -> tuple:
        values: list[Any] = []
        for cell in cells:
            c, value, kind = cell["column"], cell["value"], cell["data_type"]
            if value is None:
                continue
            if c > MAX_COLUMNS:
                self.refuse(sheet, f"{get_column_letter(c)}{r}", f"a value past column {MAX_COLUMNS} "
                            f"({get_column_letter(MAX_COLUMNS)}): no field is read there; move or delete it")
                continue
            if kind == "f":
                text = str(getattr(value, "text", value))
                if text in BOOLEAN_FORMULAS:
                    value = BOOLEAN_FORMULAS[text]
                else:
                    self.refuse(sheet, f"{get_column_letter(c)}{r}", f"a formula ({text[:40]}): type the "
                                "value instead; the import never evaluates formulas")
                    continue
            elif kind == "e":
                coord = f"{get_column_letter(c)}{r}"
                what = ("a date out of the range a workbook can hold" if coord in dates
                        else f"an error value ({value})")
                self.refuse(sheet, coord, f"{what}: type the value instead")
                continue
            elif kind == "unreadable":
                try:
                    number = float(value)
                except ValueError:
                    number = 0.0
                message = (f"{value} is not a number a register can hold" if not math.isfinite(number)
                           else f"{str(value)[:40]!r} cannot be read as a cell value")
                self.refuse(sheet, f"{get_column_letter(c)}{r}", message)
                continue
            elif isinstance(value, float) and (value != value or value in (math.inf, -math.inf)):
                self.refuse(sheet, f"{get_column_letter(c)}{r}",
                            f"{value} is not a number a register can hold")
                continue
            if c > len(values):
                values.extend([None] * (c - len(values)))
            values[c - 1] = value
        return tuple(values)


def _parser(src: Any, shared_strings: Any, wb: Any) -> Any:
    """openpyxl's sheet parser, formulas kept, a cell it cannot convert kept as its raw text."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict:
            try:
                return super().parse_cell(element)
            except Exception as exc:
                coord = element.get("r")
                if coord:
                    row, column = coordinate_to_tuple(coord)
                    self.col_counter = column
                else:
                    self.col_counter += 1
                    row, column = self.row_counter, self.col_counter
                raw = element.findtext(VALUE_TAG, "")
                return {"row": row, "column": column, "value": raw or str(exc), "data_type": "unreadable",
                        "style_id": 0}

    return Parser(src, shared_strings, data_only=False, epoch=wb.epoch, date_formats=wb._date_formats,
                  timedelta_formats=wb._timedelta_formats)


def _parse_sheet(reader: Any, title: str, member: str, cells: _Cells) -> list[tuple[int, tuple]]:
    out: list[tuple[int, tuple]] = []
    r = 0
    wb = reader.wb
    with warnings.catch_warnings(record=True) as caught, reader.archive.open(member) as src:
        warnings.simplefilter("always")
        parser = _parser(src, reader.shared_strings, wb)
        try:
            for r, row in parser.parse():
                if r > MAX_ROWS:
                    cells.refuse(title, f"A{r}", f"more than {MAX_ROWS} rows")
                    break
                dates = {m.group("cell") for w in caught if (m := _DATE_WARNING.match(str(w.message)))}
                caught.clear()
                values = cells.row(title, r, row, dates)
                if any(v is not None for v in values):
                    out.append((r, values))
        except Exception as exc:
            cells.refuse(title, f"A{r + 1}", f"sheet {title}: cannot be read from row {r + 1} on: its part "
                         f"{member} is not well-formed XML or holds a forbidden construct "
                         f"({type(exc).__name__}: {str(exc)[:120]})")
    return out


def _reader(path: Path) -> Any:
    """openpyxl's reader with the workbook, shared strings and styles read, no worksheet yet.

    (``load_workbook(read_only=True)`` parses every sheet once just to size it; the import
    parses each sheet it needs once, and no other.)
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    if not openpyxl.xml.DEFUSEDXML:
        raise WorkbookError(
            ["defusedxml is not installed: refusing to parse an untrusted workbook (pip install defusedxml)"]
        )
    reader = ExcelReader(path, read_only=True, keep_vba=False, data_only=False, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        return reader
    except Exception as exc:
        reader.archive.close()
        problem = (_damaged_sheet(path)
                   or f"{path}: cannot be read as a workbook ({type(exc).__name__}: {exc})")
        raise WorkbookError([problem]) from None


def read_book(path: str | Path, wanted: Callable[[str], bool] = _needed, *, overflow: bool = True) -> Book:
    """Read the sheets the import uses (data.*, Overflow and the checked visible sheets) in one pass.

    Every cell it cannot take as a typed value is refused with its sheet and cell (ROPA-I003):
    a formula (LibreOffice's =TRUE()/=FALSE() excepted), an error value (#REF!, #N/A ...), a
    date out of range, NaN or infinity, a value past column 200; a sheet listed in the workbook
    whose part is missing is refused too. Nothing is evaluated, nothing silently skipped.
    """
    path = Path(path)
    check_archive(path)
    reader = _reader(path)
    cells = _Cells()
    problems: list[Issue] = []
    names: list[str] = []
    rows: dict[str, list[tuple[int, tuple]]] = {}
    try:
        for sheet, rel in reader.parser.find_sheets():
            member = rel.target.lstrip("/")
            if member not in reader.valid_files:
                if wanted(sheet.name):
                    problems.append(import_issue(f"sheet {sheet.name} is listed in the workbook but its "
                                                 "content (its part in the .xlsx archive) is missing: "
                                                 "export again"))
                continue
            names.append(sheet.name)
            if wanted(sheet.name) and "chartsheet" not in rel.Type:
                rows[sheet.name] = _parse_sheet(reader, sheet.name, member, cells)
    except Exception as exc:  # the workbook's own parts, not a sheet
        problems.append(import_issue(f"{path}: cannot be read as a workbook ({type(exc).__name__}: {exc})"))
    finally:
        reader.archive.close()
    problems += cells.problems
    if cells.count > len(cells.problems):
        problems.append(import_issue(f"... and {cells.count - len(cells.problems)} more cell(s) refused"))
    if problems:
        raise WorkbookError(problems)
    book = Book(path, names, rows)
    if overflow:  # the export's Overflow sheet (other workbooks may have a sheet of that name)
        book.overflow = _overflow(book)
    return book


def _overflow(book: Book) -> dict[tuple[str, str], list[str]]:
    parts: dict[tuple[str, str], dict[int, str]] = {}
    problems = []
    for r, values in book.sheet(OVERFLOW_SHEET):
        if r == 1 or not values or values[0] is None:
            continue
        sheet, cell, part, text = (list(values) + [None] * 4)[:4]
        if not isinstance(part, int | float) or isinstance(part, bool) or part != int(part):
            problems.append(f"{OVERFLOW_SHEET}!C{r}: part number {part!r} is not a whole number")
            continue
        parts.setdefault((str(sheet), str(cell)), {})[int(part)] = "" if text is None else str(text)
    if problems:
        raise WorkbookError(problems)
    return {k: [v[i] for i in sorted(v)] for k, v in parts.items()}


def read_overflow(wb: Any) -> dict[tuple[str, str], list[str]]:
    """{(sheet, cell): [parts]} from the Overflow sheet of an openpyxl workbook (for tools)."""
    if OVERFLOW_SHEET not in wb.sheetnames:
        return {}
    book = Book(Path(), list(wb.sheetnames), {OVERFLOW_SHEET: list(sheet_rows(wb[OVERFLOW_SHEET]))})
    return _overflow(book)


def join_overflow(value: Any, sheet: str, coord: str, overflow: dict[tuple[str, str], list[str]]) -> Any:
    """The full text of a cell whose text was continued on the Overflow sheet."""
    if not isinstance(value, str) or not value.endswith("]"):
        return value
    m = MARKER_RE.search(value)
    if not m:
        return value
    ref_sheet, ref_cell, count = m.group(1).replace("''", "'"), m.group(2), int(m.group(3))
    parts = overflow.get((ref_sheet, ref_cell))
    if ref_sheet != sheet or ref_cell != coord or parts is None or len(parts) != count:
        raise WorkbookError(
            [
                f"{sheet}!{coord}: text continues on sheet {OVERFLOW_SHEET}, but its "
                f"{count} part(s) for {ref_sheet}!{ref_cell} are not all there"
            ]
        )
    return value[: m.start()] + "".join(parts)


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


def _table_records(book: Book, table: DataTable, issues: list[Issue | str],
                   digest: Digest) -> list[BaseModel]:
    if table.sheet not in book.sheetnames:
        if table.name == "organisation":
            issues.append(
                f"sheet {table.sheet} is missing: this is not a workbook written by "
                "`ropa export` (standard layout)"
            )
        else:  # the export writes every data sheet, even an empty one
            issues.append(
                f"sheet {table.sheet} is missing (renamed or deleted?): its records cannot be read; the "
                f"workbook's sheets are {', '.join(book.sheetnames)}"
            )
        return []
    kinds = dict(field_kinds(table.model))
    headers: list[str | None] = []
    records: list[BaseModel] = []
    columns: list[tuple[int, str, bool, str]] = []
    for r, values in book.sheet(table.sheet):
        if not headers:
            if r != 1:
                issues.append(f"{table.sheet}!A1: the heading row (field names) is missing")
                return []
            digest.add(table.sheet, values)
            headers = [None if v is None else str(v).strip() for v in values]
            for c, h in enumerate(headers, 1):
                if h is not None and h not in kinds:
                    issues.append(
                        f"{table.sheet}!{get_column_letter(c)}1: unknown column '{h}' (expected "
                        f"one of: {', '.join(kinds)})"
                    )
                elif h is not None:
                    columns.append((c - 1, h, kinds[h], get_column_letter(c)))
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        joined = list(values)
        for i, raw in enumerate(values):
            if isinstance(raw, str) and raw.endswith("]"):
                try:
                    coord = f"{get_column_letter(i + 1)}{r}"
                    joined[i] = join_overflow(raw, table.sheet, coord, book.overflow)
                except WorkbookError as exc:
                    issues.extend(exc.issues)
                    joined[i] = None
            if raw is not None and (i >= len(headers) or headers[i] is None):
                issues.append(import_issue(
                    f"{table.sheet}!{get_column_letter(i + 1)}{r}: a value in a column without a heading "
                    "(no field is read there): give the column a field name or move the value",
                    "ROPA-I003"))
        digest.add(table.sheet, joined)
        data: dict[str, Any] = {}
        cells: dict[str, str] = {}
        letters = {name: letter for _, name, _, letter in columns}
        for i, name, structured, letter in columns:
            raw = joined[i] if i < len(joined) else None
            if raw is None:
                continue
            coord = f"{letter}{r}"
            cells[name] = coord
            if isinstance(raw, float) and abs(raw) > MAX_EXACT:
                issues.append(import_issue(f"{table.sheet}!{coord}: {name}: the number {raw:g} is too large "
                                           "to be kept exactly: type it as text", "ROPA-I003"))
                continue
            try:
                value = decode_cell(raw, structured)
            except (ValueError, json.JSONDecodeError) as exc:
                issues.append(f"{table.sheet}!{coord}: {name}: not valid JSON ({exc})")
                continue
            except RecursionError:
                issues.append(f"{table.sheet}!{coord}: {name}: JSON nested too deeply to be a field value")
                continue
            if value is not None:
                data[name] = value
        try:
            records.append(table.model.model_validate(data))
        except ValidationError as exc:
            rid = data.get("id", f"row {r}")
            for err in exc.errors(include_url=False):
                loc = err["loc"]
                first = str(loc[0]) if loc else ""
                where = cells.get(first) or f"{letters.get(first, 'A')}{r}"
                path = ".".join(str(p) for p in loc)
                text = f"{table.sheet}!{where}: {rid}: {path or '-'}: {err['msg']}"
                issues.append(dataclasses.replace(import_issue(text), field=path))
    if not headers:
        issues.append(f"{table.sheet}!A1: the sheet is empty: not even its heading row (field names) "
                      "is there")
    if not table.many and len(records) > 1:
        issues.append(f"{table.sheet}: {len(records)} rows, but there can be only one {table.name} record")
    return records


@dataclass
class Records:
    """The records of a workbook, and whether the data sheets changed since the export."""

    tables: dict[str, list[BaseModel]]
    edited: bool | None  # None: the workbook carries no digest to tell


def _meta(book: Book) -> dict[str, Any]:
    return {str(v[0]): v[1] for r, v in book.sheet(META_SHEET) if r > 1 and v and len(v) > 1}


def read_records(path: str | Path | Book) -> Records:
    """The validated records of a standard workbook; WorkbookError lists every problem."""
    book = path if isinstance(path, Book) else read_book(path)
    issues: list[Issue | str] = []
    digest = Digest()
    tables = {t.name: _table_records(book, t, issues, digest) for t in DATA_TABLES}
    expected = _meta(book).get("records_sha256")
    if issues:
        raise WorkbookError(issues)
    return Records(tables, None if expected is None else expected != digest.hexdigest())


# --------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter when PyYAML has it
    """Multi-line text as literal blocks; everything else as PyYAML's safe dumper writes it."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _clean(value: Any) -> Any:
    """Plain YAML data: enum values, and bare keys for taxonomy references and recipient links."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        if set(value) == {"key"} or set(value) == {"recipient"}:
            return _clean(next(iter(value.values())))
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _dump(record: BaseModel) -> dict[str, Any]:
    """A record as YAML data, its own fields first and evidence, assumptions, notes last."""
    data = _clean(record.model_dump(mode="python", exclude_defaults=True))
    return {name: data[name] for name, _ in field_kinds(type(record)) if name in data}


def register_files(records: dict[str, list[BaseModel]]) -> dict[str, Any]:
    """{file name: YAML data} of the register files to write (empty ones left out)."""
    tables = {t.name: t for t in DATA_TABLES}
    out: dict[str, Any] = {}
    for fname, names in FILES.items():
        if len(names) == 1:
            t = tables[names[0]]
            recs = records.get(t.name, [])
            if t.many and recs:
                out[fname] = [_dump(r) for r in recs]
            elif not t.many and recs:
                out[fname] = _dump(recs[0])
            continue
        doc: dict[str, Any] = {}
        for name in names:
            t = tables[name]
            recs = records.get(name, [])
            if recs:
                doc[t.path[-1]] = [_dump(r) for r in recs] if t.many else _dump(recs[0])
        if doc:
            out[fname] = doc
    return out


def write_yaml(files: dict[str, Any], folder: Path, source: str, command: str = "ropa import-xlsx") -> None:
    """Write each register file's data in ``folder``, headed by where it was imported from."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    for name, data in files.items():
        text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        (folder / name).write_text(
            f"# Imported from {source} by `{command}` on {stamp}\n{text}", encoding="utf-8"
        )


# --------------------------------------------------------------------------
# Edits made to the generated sheets
# --------------------------------------------------------------------------

CHECKED_SHEETS = (
    "Controller record",
    "Processor record",
    "Recipients",
    "Commitments",
    "Security measures",
    "Systems",
    "Assumptions to confirm",
    "Taxonomy",
)
SKIPPED_COLUMNS = {"(e) Transfers \u2014 Art 30(1)(e)"}  # depends on the date and the reference data



def build_records(tables: dict[str, list[dict[str, Any]]],
                  problem: Callable[[str, dict[str, Any], dict[str, Any]], Issue],
                  ) -> tuple[dict[str, list[BaseModel]], list[Issue]]:
    """Validate an importer's rows per data table into records; every pydantic error becomes
    ``problem(table, row, error)`` (the importer's own code and wording), none is dropped."""
    from pydantic import ValidationError

    from audit_lib.io.datasheets import DATA_TABLES

    models = {t.name: t.model for t in DATA_TABLES}
    records: dict[str, list[BaseModel]] = {}
    errors: list[Issue] = []
    for name, rows in tables.items():
        for row in rows:
            try:
                records.setdefault(name, []).append(models[name].model_validate(row))
            except ValidationError as exc:
                errors.extend(problem(name, row, err) for err in exc.errors(include_url=False))
    return records, errors


KEPT_FILES = ("accepted.yaml", "accepted.yml", "README", "README.md", "README.txt", "README.rst")
"""Files of a register folder that no import writes (accepted risks, a read-me): an import that
replaces the folder (``--force``) copies them into the new one unchanged."""


def _register_entry(path: Path) -> bool:
    """Whether ``path`` (an entry of a register folder) is a file the loader reads as records."""
    from audit_lib.io.loader import _ALIASES, KINDS, SUFFIXES

    if path.name.startswith(".") or path.is_symlink():
        return False
    stem, suffix = (path.stem, path.suffix.lower()) if path.is_file() else (path.name, "")
    kind = KINDS.get(_ALIASES.get(stem, stem))
    if path.is_file():
        return suffix in SUFFIXES and kind is not None
    if not path.is_dir() or kind is None or not kind.many:
        return False
    return all(p.is_file() and not p.is_symlink() and not p.name.startswith(".")
               and p.suffix.lower() in SUFFIXES for p in path.iterdir())


def foreign_entries(folder: str | Path) -> list[str]:
    """Entries of ``folder`` that are neither register files nor kept files (:data:`KEPT_FILES`),
    sorted; a folder is shown with a trailing ``/``. An import never replaces a folder holding any."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()
                  if not (p.name in KEPT_FILES and p.is_file() and not p.is_symlink())
                  and not _register_entry(p))


def kept_files(folder: str | Path) -> list[str]:
    """The :data:`KEPT_FILES` of ``folder`` an import carries over into the folder it writes."""
    folder = Path(folder)
    return [n for n in KEPT_FILES if (folder / n).is_file() and not (folder / n).is_symlink()]


def refuse_foreign(folder: str | Path) -> Issue | None:
    """ROPA-I005 naming the first entries of ``folder`` no import may delete, or None."""
    foreign = foreign_entries(folder)
    if not foreign:
        return None
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    return Issue.of(
        "ROPA-I005",
        f"{folder} holds entries that are not register files ({shown}): refusing to replace it, "
        "--force or not (is it the folder of several registers? give the register's own folder, "
        "e.g. ropa/<org>/, or an empty one)",
        file=str(folder),
    )


def write_draft(files: dict[str, Any], out: str | Path, source: str, command: str,
                problem: Callable[[Issue], Issue], error: type[Exception],
                check: Callable[[Register], None] | None = None) -> Register:
    """Write an imported register's files into ``out`` atomically, replacing it only once the draft
    loads as a valid register and ``check(register)`` (if given) raised nothing; otherwise raise
    ``error`` with each load problem as ``problem(issue)`` (the importer's own code). A folder
    holding anything but register files is never replaced (ROPA-I005); its :data:`KEPT_FILES` are
    carried over. Every importer (xlsx, Fides, ICO/CNIL spreadsheets) ends here."""
    out = Path(out)
    refused = refuse_foreign(out)
    if refused is not None:
        raise error([refused])
    holder: dict[str, Register] = {}

    def _write(tmp: Path) -> None:
        write_yaml(files, tmp, source, command=command)
        try:
            holder["register"] = load_register(tmp)
        except RegisterError as exc:
            raise error([problem(i) for i in exc.issues]) from None
        if check is not None:
            check(holder["register"])
        for name in kept_files(out):
            shutil.copy2(out / name, tmp / name)
        refused = refuse_foreign(out)  # written meanwhile? still never deleted
        if refused is not None:
            raise error([refused])

    target = atomic_folder(out, _write)
    return holder["register"].model_copy(update={"source_path": str(target)})


def _norm(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _expected_sheets(register: Register) -> dict[str, Any]:
    """The checked visible sheets as the records render them (rows generated lazily)."""
    from audit_lib.export.context import ExportContext
    from audit_lib.export.workbook import standard_sheets

    # transfers and findings are not needed: the sheets and the column that show them are not checked
    ctx = ExportContext(register, None, dt.datetime.now(dt.timezone.utc), transfers=[], diagram=False)
    return {s.name: s for s in standard_sheets(ctx) if s.name in CHECKED_SHEETS}


def _header_row(rows: list[tuple[int, tuple]], headers: list[str]) -> int | None:
    n = len(headers)
    for r, values in rows:
        if [_norm(v) for v in values[:n]] + [""] * (n - len(values[:n])) == headers:
            return r
    return None


def _ids(rows: Iterator[tuple[int, Any]], column: int) -> dict[str, int]:
    """{record id: row} of a visible sheet's id column (its "(continued)" rows left out)."""
    from audit_lib.export.xlsx import CONTINUED

    out: dict[str, int] = {}
    for r, values in rows:
        value = values[column] if column < len(values) else None
        text = _norm(value)
        if text and text != FILLER and not text.startswith(CONTINUED):
            out.setdefault(text, r)
    return out


def human_edits(path: str | Path | Book, register: Register, limit: int = 20) -> list[str]:
    """Cells of the generated sheets that differ from what the records produce (edits not imported).

    A row deleted from a visible sheet with an id column (Controller record, Recipients) while the
    data.* sheet still holds the record is refused (WorkbookError, ROPA-I004): importing it anyway
    would silently undo the user's deletion.
    """
    from audit_lib.export.sheet import plain

    book = path if isinstance(path, Book) else read_book(path)
    found: list[str] = []
    deleted: list[Issue] = []
    total = 0
    for name, sheet in _expected_sheets(register).items():
        if name not in book.rows:
            continue
        got_rows = book.sheet(name)
        head = _header_row(got_rows, sheet.headers)
        if head is None:
            continue
        skip = {i for i, h in enumerate(sheet.headers) if h in SKIPPED_COLUMNS}
        want = {
            r: [escape_illegal(str(plain(v)))[0] if isinstance(plain(v), str) else plain(v) for v in row]
            for r, row in enumerate(sheet.rows, head + 1)
        }
        got = {r: values for r, values in got_rows if r > head}
        spec = next((s for s in EDIT_SHEETS if s.sheet == name), None)
        if spec is not None:
            id_col = [_short_header(h) for h in sheet.headers].index(spec.id_header)
            present = _ids(iter(got.items()), id_col)
            expected = _ids(iter(want.items()), id_col)
            gone = [rid for rid in expected if rid not in present]
            stale = [rid for rid in present if rid not in expected]  # ids renamed in data.* since the export
            for rid, r in expected.items():
                if rid in gone and len(gone) > len(stale):
                    where = f"{name}!{get_column_letter(id_col + 1)}{r}"
                    deleted.append(Issue.of(
                        "ROPA-I004",
                        f"{where}: the row of {spec.kind}[{rid}] was deleted from sheet '{name}', but "
                        f"data.{spec.kind} still holds the record, so it would be imported: delete its "
                        f"data.{spec.kind} row too, or import into the register's own folder to apply the "
                        "deletion", record=where))
        width = len(sheet.headers)
        for r in sorted(set(want) | set(got)):
            values = got.get(r, ())
            row = want.get(r)
            if row is None and values and values[0] == FILLER and not any(values[1:]):
                continue  # the row the writer adds to a sheet with no records
            row = row if row is not None else [None] * width
            values = tuple(values) + (None,) * (max(len(row), width) - len(values))
            row = list(row) + [None] * (len(values) - len(row))
            for c, (value, exp) in enumerate(zip(values, row, strict=False)):
                if c in skip or (value is None and exp in (None, "")):
                    continue
                coord = f"{get_column_letter(c + 1)}{r}"
                value = join_overflow(value, name, coord, book.overflow)
                if _norm(value) == _norm(exp):
                    continue
                total += 1
                if len(found) < limit:
                    found.append(
                        f"{name}!{coord}: the workbook shows {_shown(value)} where the records "
                        f"give {_shown(exp)}"
                    )
    if deleted:
        raise WorkbookError(deleted)
    if total > limit:
        found.append(f"... and {total - limit} more cell(s)")
    return found


def _shown(value: Any, n: int = 60) -> str:
    text = _norm(value)
    return repr(text if len(text) <= n else text[: n - 1] + "\u2026")


# --------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------


def import_xlsx(path: str | Path, out: str | Path, *, check_edits: bool = True) -> ImportResult:
    """Write the register held in workbook ``path`` as YAML files in folder ``out``.

    Everything is checked first (every cell, every record, the register as it loads, the
    visible sheets); only then is the folder replaced, in one step (:mod:`audit_lib.io.atomic`).
    """
    path = Path(path)
    book = read_book(path)
    records = read_records(book)
    files = register_files(records.tables)
    edits: list[str] = []

    def check(register: Register) -> None:
        if check_edits:
            edits.extend(human_edits(book, register))

    kept = kept_files(out)
    register = write_draft(
        files, out, path.name, "ropa import-xlsx",
        lambda i: Issue.of("ROPA-I001", i.message, file=Path(i.file).name, line=i.line,
                           record=i.record or "", field=i.field or ""),
        WorkbookError, check,
    )
    target = Path(register.source_path)
    result = ImportResult(
        target, register, sum(len(v) for v in records.tables.values()), data_edited=records.edited
    )
    if kept:
        result.notes.append(f"kept {', '.join(kept)} (not in the workbook) in {target}")
    if edits and records.edited:
        result.notes.append(
            "the data.* sheets were edited after the export, so the generated sheets are "
            "out of date (export again to refresh them); these cells differ, and any edit "
            "made to them was not imported:"
        )
        result.notes += edits
    elif edits:
        result.warnings.append(
            "cells of the visible sheets differ from the data.* sheets; a new folder is "
            "written from the data.* sheets only, so these edits were NOT imported (run "
            "`ropa import-xlsx FILE -o <the register folder>` to apply them as a diff):"
        )
        result.warnings += edits
    return result


# --------------------------------------------------------------------------
# Edits made to the visible sheets: a per-field diff, applied to the YAML
# --------------------------------------------------------------------------

declare(
    "ROPA-I010",
    Stage.import_,
    "error",
    "Workbook edit refused",
    remedy="Undo the edit in the workbook, or make it in the YAML; the message names sheet, cell and reason.",
)
declare(
    "ROPA-I011",
    Stage.import_,
    "info",
    "Workbook edit applied to the YAML",
    remedy="Review the diff; the YAML files are the register of record.",
)

WARN = "\u26a0"
KEY_RE = re.compile(r"\[([^\[\]]+)\]")


@dataclass(frozen=True)
class EditSheet:
    """A visible sheet the import reads edits from: its id column and the columns it maps to fields."""

    sheet: str
    kind: str  # register attribute and file stem: activities, recipients
    id_header: str
    name_header: str
    fields: dict[str, str]  # short header (text before " \u2014 ") -> field


EDIT_SHEETS = (
    EditSheet(
        "Controller record",
        "activities",
        "Activity id",
        "Activity",
        {
            "Activity": "name",
            "Description": "description",
            "(b) Purposes": "purposes",
            "Legal basis": "legal_basis",
            "(c) Data subjects": "data_subjects",
            "(c) Personal data": "data_categories",
            "(d) Recipients": "recipients",
            "(f) Erasure time limits": "retention",
            "Owner": "owner",
            "Notes": "notes",
        },
    ),
    EditSheet(
        "Recipients",
        "recipients",
        "Recipient id",
        "Name",
        {"Name": "name", "Category": "category", "Countries": "countries", "Role": "role", "Notes": "notes"},
    ),
)
TEXT_FIELDS = {"name", "description", "owner", "notes", "category"}
NOT_RECORDED = {"not recorded", "none", ""}


class EditRefused(ValueError):
    """An edited cell that cannot be mapped to one field value unambiguously."""


@dataclass
class Edit:
    """One field changed by the workbook: record, field, old -> new, and the cell it came from."""

    sheet: str
    cell: str
    kind: str
    record: str
    field: str
    old: Any
    new: Any
    action: str = "change"  # change, add (a new record), delete (a deleted row), confirm (assumption removed)

    def __str__(self) -> str:
        where = f"{self.kind}[{self.record}]"
        if self.action == "add":
            return f"{where}: new record ({self.sheet}!{self.cell})"
        if self.action == "delete":
            return f"{where}: deleted ({self.sheet} row removed)"
        if self.action == "confirm":
            return f"{where}.assumptions[{self.field}]: removed, confirmed in {self.sheet}!{self.cell}"
        return f"{where}.{self.field}: {_show(self.old)} \u2192 {_show(self.new)} ({self.sheet}!{self.cell})"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        if "period" in value:
            return " ".join(
                str(x)
                for x in (
                    value["period"],
                    value["trigger"] and f"from {value['trigger']}",
                    value["description"] and f": {value['description']}",
                )
                if x
            )
        if "key" in value:
            extra = value.get("description") or value.get("label")
            return f"{value['key']} ({extra})" if extra else value["key"]
        return str(value)
    return repr(value) if isinstance(value, str) else str(value)


def _short_header(header: Any) -> str:
    return str(header).split(" \u2014 ")[0].strip() if header is not None else ""


def _sheet_cells(
    headers: list[Any], rows: Iterator[tuple[int, tuple]], spec: EditSheet, sheet: str
) -> tuple[dict[str, dict[str, tuple[str, str]]], list[Issue], dict[str, int]]:
    """{record id: {short header: (text, cell)}} of a sheet, continuation rows (no id) joined."""
    cols = [_short_header(h) for h in headers]
    out: dict[str, dict[str, tuple[str, str]]] = {}
    issues: list[Issue] = []
    order: dict[str, int] = {}
    current: str | None = None
    id_col = cols.index(spec.id_header)
    for r, values in rows:
        values = tuple(values) + (None,) * (len(cols) - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values) or values[0] == FILLER:
            continue
        rid = values[id_col]
        if rid is None or not str(rid).strip():
            if current is None:
                issues.append(
                    Issue.of(
                        "ROPA-I010",
                        f"{sheet}!{get_column_letter(id_col + 1)}{r}: a row without "
                        f"{spec.id_header}: give the new record an id (letters, digits, _)",
                        record=f"{sheet}!{get_column_letter(id_col + 1)}{r}",
                    )
                )
                continue
            for c, v in enumerate(values):  # continuation row of the record above
                if v not in (None, "") and cols[c]:
                    text, cell = out[current].get(cols[c], ("", f"{get_column_letter(c + 1)}{r}"))
                    out[current][cols[c]] = (f"{text}\n{v}" if text else str(v), cell)
            continue
        current = str(rid).strip()
        if current in out:
            issues.append(
                Issue.of(
                    "ROPA-I010",
                    f"{sheet}!{get_column_letter(id_col + 1)}{r}: {spec.id_header} '{current}' appears twice",
                    record=f"{sheet}!{get_column_letter(id_col + 1)}{r}",
                )
            )
            continue
        order[current] = r
        out[current] = {
            cols[c]: (_norm_text(v), f"{get_column_letter(c + 1)}{r}")
            for c, v in enumerate(values)
            if cols[c]
        }
    return out, issues, order


def _norm_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines())


def _split(text: str) -> tuple[list[str], list[str]]:
    """(value lines, assumption lines) of a cell."""
    values, warns = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        (warns if line.startswith(WARN) else values).append(line)
    return values, warns


def _keys_in(line: str) -> list[str]:
    out = []
    for group in KEY_RE.findall(line):
        for bit in group.split(";"):
            out.append(bit.split(":")[0].strip())
    return out


def _parse(field: str, text: str, register: Register, vocabulary: dict[str, set[str]]) -> Any:
    """The field value a cell's text stands for (EditRefused when it cannot be read unambiguously)."""
    from audit_lib.io import lexicon
    from audit_lib.model.records import LegalBasis

    lines, _ = _split(text)
    if field in TEXT_FIELDS:
        return "\n".join(lines) or None
    if lines and lines[0].lower().rstrip(".") in NOT_RECORDED and len(lines) == 1:
        lines = []
    if field == "legal_basis":
        out = []
        for line in lines:
            hit = [
                b.value for b in LegalBasis if line.lower().startswith(b.label.lower()) or b.article in line
            ]
            if not hit:
                hit = [m.value for m in lexicon.legal_bases(line) if m.mapped]
            if len(set(hit)) != 1:
                raise EditRefused(
                    f"'{line}' names {'no' if not hit else 'more than one'} Art 6(1) legal basis "
                    "(write e.g. 'Consent' or 'Legitimate interests', one per line)"
                )
            out.append(hit[0])
        return list(dict.fromkeys(out))
    if field == "purposes":
        out = []
        for line in lines:
            keys = [k for k in _keys_in(line) if k in vocabulary["data_uses"]]
            if len(keys) != 1:
                raise EditRefused(
                    f"'{line}' does not end with one data use key in brackets, e.g. "
                    "'Send the newsletter [marketing.communications.email]'"
                )
            head = KEY_RE.sub("", line).strip()
            out.append({"key": keys[0], "description": head or None})
        return out
    if field in ("data_subjects", "data_categories"):
        out = []
        for line in lines:
            key = line.split(" (")[0].split(" [")[0].strip()
            if key not in vocabulary[field]:
                raise EditRefused(
                    f"'{line}' does not start with a {field.replace('_', ' ')[:-1]} key "
                    "of the taxonomy (e.g. 'user.contact.email (work email)')"
                )
            label = line[len(key) :].strip()
            label = re.sub(r"\s*\[(special category|criminal offence data)[^\]]*\]", "", label).strip()
            out.append(
                {"key": key, "label": label[1:-1] if label.startswith("(") and label.endswith(")") else None}
            )
        return out
    if field == "recipients":
        ids = {r.id for r in register.recipients}
        names = {r.name: r.id for r in register.recipients}
        out = []
        for line in lines:
            found = [k for k in _keys_in(line) if k in ids] or ([names[line]] if line in names else [])
            if len(found) != 1:
                raise EditRefused(
                    f"'{line}' names no recipient by its id in brackets (e.g. '[hosting]'); "
                    "a new recipient is added as a row of the Recipients sheet first"
                )
            out.append(found[0])
        return list(dict.fromkeys(out))
    if field == "retention":
        return [_retention_line(line) for line in lines]
    if field == "countries":
        out = []
        for line in lines:
            for item in [x.strip() for x in re.split(r",(?![^(]*\))", line) if x.strip()]:
                m = lexicon.country(item)
                if not m.mapped:
                    raise EditRefused(
                        f"'{item}' is not a country (an ISO 3166-1 code such as DE, or a name "
                        "pycountry knows)"
                    )
                out.append(m.value)
        return list(dict.fromkeys(out))
    if field == "role":
        from audit_lib.model.records import RecipientRole

        words_ = " ".join(lines).lower().replace("-", " ").replace("_", " ")
        hit = [r.value for r in RecipientRole if words_.startswith(r.value.replace("_", " "))]
        if len(hit) != 1:
            raise EditRefused(
                f"'{' '.join(lines)}' is not a recipient role (processor, sub-processor, "
                "joint controller, independent controller, public authority, internal)"
            )
        return hit[0]
    raise EditRefused(f"field {field} is not read from the workbook")


_RETENTION_RE = re.compile(
    r"^(?P<period>.+?)(?: from (?P<trigger>.+?))?(?:: (?P<description>.+?))?"
    r"(?: \(for (?P<categories>.+)\))?$"
)


def _retention_line(line: str) -> dict[str, Any]:
    """{period, trigger, description} of a line as the workbook shows a retention rule (Art 30(1)(f))."""
    from audit_lib.io import lexicon

    m = _RETENTION_RE.match(line)
    head = m.group("period").strip()
    iso = re.match(r"^P(?:\d+[YMWD])+\b", head)
    if iso:
        period = iso.group(0)
    elif head.lower() in ("period not stated", "not stated", "not_stated"):
        period = "not_stated"
    elif head.lower() == "indefinite":
        period = "indefinite"
    elif head.lower() == "period not recorded":
        period = None
    else:
        mapped, _ = lexicon.retention(head)
        if not mapped.mapped:
            raise EditRefused(
                f"'{line}' gives no period (write e.g. 'P6Y from the end of the contract' or '6 years')"
            )
        period = mapped.value
    return {
        "period": period,
        "trigger": m.group("trigger"),
        "description": m.group("description"),
        "categories": m.group("categories"),
    }


def _current(field: str, record: Any) -> Any:
    """A record's value of ``field`` in the shape :func:`_parse` returns."""
    value = getattr(record, field)
    if field == "legal_basis":
        return [b.value for b in value]
    if field == "purposes":
        return [{"key": p.key, "description": p.description} for p in value]
    if field in ("data_subjects", "data_categories"):
        return [{"key": r.key, "label": r.label} for r in value]
    if field == "recipients":
        return [link.recipient for link in value]
    if field == "retention":
        from audit_lib.export.text import taxonomy_text

        return [
            {
                "period": r.period,
                "trigger": r.trigger,
                "description": r.description,
                "categories": ", ".join(taxonomy_text(c, "data_categories") for c in r.data_categories)
                or None,
            }
            for r in value
        ]
    if field == "role":
        return value.value
    return value


def _yaml_value(field: str, new: Any, node: Any) -> Any:
    """The YAML value of field ``field`` for ``new``, keeping what the cell does not show."""
    from ruamel.yaml.comments import CommentedMap

    old = node.get(field) if node is not None else None
    if field == "legal_basis":
        return new[0] if len(new) == 1 and not isinstance(old, list) else list(new)
    if field == "purposes":
        by_key = {(p.get("key") if isinstance(p, dict) else p): p for p in old or []}
        out = []
        for p in new:
            item = by_key.get(p["key"])
            item = item if isinstance(item, CommentedMap) else CommentedMap({"key": p["key"]})
            if p["description"]:
                item["description"] = p["description"]
            else:
                item.pop("description", None)
            out.append(item)
        return out
    if field in ("data_subjects", "data_categories"):
        by_key = {(r.get("key") if isinstance(r, dict) else r): r for r in old or []}
        out = []
        for r in new:
            item = by_key.get(r["key"])
            if r["label"]:
                item = item if isinstance(item, dict) else CommentedMap({"key": r["key"]})
                item["label"] = r["label"]
            elif isinstance(item, dict):
                item.pop("label", None)
                item = item if len(item) > 1 else r["key"]
            else:
                item = r["key"]
            out.append(item)
        return out
    if field == "recipients":
        by_id = {(x.get("recipient") if isinstance(x, dict) else x): x for x in old or []}
        return [by_id.get(rid, rid) for rid in new]
    if field == "retention":
        out = []
        for i, rule in enumerate(new):
            item = old[i] if old and i < len(old) else CommentedMap()
            for name in ("period", "trigger", "description"):
                if rule[name] is None:
                    item.pop(name, None)
                else:
                    item[name] = rule[name]
            out.append(item)
        return out
    return new


@dataclass
class EditPlan:
    """Every edit found in the visible sheets, and every refusal (sheet, cell, reason)."""

    edits: list[Edit] = field(default_factory=list)
    refused: list[Issue] = field(default_factory=list)


def _workbook_baseline(book: Book, register: Register) -> list[str]:
    """Records that differ between the workbook's data sheets and the YAML (empty: same version)."""
    tables = read_records(book).tables
    differ = []
    for name, attr in (
        ("activities", "activities"),
        ("recipients", "recipients"),
        ("organisation", None),
        ("systems", "systems"),
        ("security", "security_measures"),
    ):
        mine = [register.organisation] if attr is None else list(getattr(register, attr))
        theirs = tables.get(name, [])
        a = {getattr(r, "id", name): r.model_dump() for r in mine}
        b = {getattr(r, "id", name): r.model_dump() for r in theirs}
        differ += [f"{name}[{k}]" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return differ


def _rendered(register: Register) -> dict[str, tuple[list[str], Iterator[tuple[int, tuple]]]]:
    from audit_lib.export.context import ExportContext
    from audit_lib.export.sheet import plain
    from audit_lib.export.workbook import standard_sheets

    ctx = ExportContext(register, None, dt.datetime.now(dt.timezone.utc), transfers=[], diagram=False)
    out = {}
    for s in standard_sheets(ctx):
        if s.name in {e.sheet for e in EDIT_SHEETS}:
            rows = [(i, tuple(plain(v) for v in row)) for i, row in enumerate(s.rows, 2)]
            out[s.name] = (list(s.headers), iter(rows))
    return out


def _workbook_sheets(book: Book, plan: EditPlan) -> dict[str, tuple[list[str], list[tuple[int, tuple]]]]:
    out = {}
    for spec in EDIT_SHEETS:
        if spec.sheet not in book.sheetnames:
            plan.refused.append(
                Issue.of(
                    "ROPA-I010",
                    f"sheet '{spec.sheet}' is missing (renamed or deleted?): "
                    f"the workbook's sheets are {', '.join(book.sheetnames)}",
                    record=spec.sheet,
                )
            )
            continue
        headers: list[str] | None = None
        rows = []
        for r, values in book.sheet(spec.sheet):
            if headers is None:
                if spec.id_header in [_short_header(v) for v in values]:
                    headers = [None if v is None else str(v) for v in values]
                continue
            joined = []
            for c, v in enumerate(values):
                try:
                    coord = f"{get_column_letter(c + 1)}{r}"
                    joined.append(join_overflow(v, spec.sheet, coord, book.overflow))
                except WorkbookError as exc:
                    plan.refused += exc.issues
                    joined.append(None)
            rows.append((r, tuple(joined)))
        if headers is None:
            plan.refused.append(
                Issue.of(
                    "ROPA-I010",
                    f"sheet '{spec.sheet}': no heading row with '{spec.id_header}'",
                    record=spec.sheet,
                )
            )
            continue
        out[spec.sheet] = (headers, rows)
    return out


def plan_edits(path: str | Path | Book, register: Register) -> EditPlan:
    """The per-field diff between the visible sheets of workbook ``path`` and ``register``."""
    from audit_lib.io.loader import _vocabulary

    book = path if isinstance(path, Book) else read_book(path)
    plan = EditPlan()
    vocabulary = _vocabulary(register.taxonomy, _NullCollector(), None)
    expected = _rendered(register)
    got = _workbook_sheets(book, plan)
    for spec in EDIT_SHEETS:
        if spec.sheet not in got:
            continue
        want, _, _ = _sheet_cells(*expected[spec.sheet], spec, spec.sheet)
        have, issues, rows = _sheet_cells(got[spec.sheet][0], iter(got[spec.sheet][1]), spec, spec.sheet)
        plan.refused += issues
        records = {r.id: r for r in getattr(register, spec.kind)}
        for rid in want:
            if rid not in have:
                plan.edits.append(Edit(spec.sheet, "", spec.kind, rid, "", rid, None, "delete"))
        for rid, cells in have.items():
            if rid not in want:
                _new_record(spec, rid, cells, rows[rid], register, vocabulary, plan)
                continue
            for header, (text, cell) in cells.items():
                expected_text = want[rid].get(header, ("", ""))[0]
                if text == expected_text:
                    continue
                where = f"{spec.sheet}!{cell}"
                name = spec.fields.get(header)
                if name is None:
                    skipped = {_short_header(h) for h in SKIPPED_COLUMNS}
                    if header in SKIPPED_COLUMNS or _short_header(header) in skipped:
                        continue
                    plan.refused.append(
                        Issue.of(
                            "ROPA-I010",
                            f"{where}: column '{header}' of {spec.kind}[{rid}] "
                            "is computed from other records or not read back: edit the YAML "
                            "(or the data.* sheet) instead",
                            record=where,
                        )
                    )
                    continue
                try:
                    new = _parse(name, text, register, vocabulary)
                except EditRefused as exc:
                    plan.refused.append(
                        Issue.of(
                            "ROPA-I010",
                            f"{where}: {spec.kind}[{rid}].{name}: {exc}",
                            record=where,
                            field=name,
                        )
                    )
                    continue
                old = _current(name, records[rid])
                if name == "retention" and (
                    len(new) != len(old)
                    or any(n["categories"] != o["categories"] for n, o in zip(new, old, strict=False))
                ):
                    plan.refused.append(
                        Issue.of(
                            "ROPA-I010",
                            f"{where}: {spec.kind}[{rid}].retention: rules "
                            "added, removed or re-scoped (the '(for ...)' part) are edited in "
                            "the YAML; change a period, its start or its note here",
                            record=where,
                            field=name,
                        )
                    )
                    continue
                if new != old:
                    plan.edits.append(Edit(spec.sheet, cell, spec.kind, rid, name, old, new))
                _, warns_now = _split(text)
                _, warns_then = _split(expected_text)
                if set(warns_now) - set(warns_then):
                    plan.refused.append(
                        Issue.of(
                            "ROPA-I010",
                            f"{where}: a '{WARN} Assumption' line was edited: "
                            "assumptions are edited in the YAML",
                            record=where,
                            field=name,
                        )
                    )
                elif len(warns_now) < len(warns_then) and records[rid].assumed(name):
                    plan.edits.append(Edit(spec.sheet, cell, spec.kind, rid, name, None, None, "confirm"))
    return plan


class _NullCollector:
    def add(self, *args: Any, **kwargs: Any) -> None:
        """Taxonomy problems are reported by the loader; here only the vocabulary is needed."""


def _new_record(
    spec: EditSheet,
    rid: str,
    cells: dict[str, tuple[str, str]],
    row: int,
    register: Register,
    vocabulary: dict[str, set[str]],
    plan: EditPlan,
) -> None:
    where = f"{spec.sheet}!{cells.get(spec.id_header, ('', f'A{row}'))[1]}"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", rid):
        plan.refused.append(
            Issue.of(
                "ROPA-I010", f"{where}: '{rid}' is not a usable id (letters, digits, _ . -)", record=where
            )
        )
        return
    record: dict[str, Any] = {"id": rid}
    for header, (text, cell) in cells.items():
        if header == spec.id_header or not text:
            continue
        name = spec.fields.get(header)
        if name is None:
            plan.refused.append(
                Issue.of(
                    "ROPA-I010",
                    f"{spec.sheet}!{cell}: new {spec.kind}[{rid}]: column "
                    f"'{header}' is not read for a new record: add it in the YAML",
                    record=f"{spec.sheet}!{cell}",
                )
            )
            continue
        try:
            record[name] = _parse(name, text, register, vocabulary)
        except EditRefused as exc:
            plan.refused.append(
                Issue.of(
                    "ROPA-I010",
                    f"{spec.sheet}!{cell}: new {spec.kind}[{rid}].{name}: {exc}",
                    record=f"{spec.sheet}!{cell}",
                    field=name,
                )
            )
            return
    if spec.kind == "activities" and "retention" in record:
        record["retention"] = [
            {k: v for k, v in r.items() if v and k != "categories"} for r in record["retention"]
        ]
    if isinstance(record.get("legal_basis"), list) and len(record["legal_basis"]) == 1:
        record["legal_basis"] = record["legal_basis"][0]
    for name in ("purposes", "data_subjects", "data_categories"):
        if name in record:
            record[name] = [
                {k: v for k, v in x.items() if v} if any(v for k, v in x.items() if k != "key") else x["key"]
                for x in record[name]
            ]
    plan.edits.append(
        Edit(spec.sheet, cells.get(spec.id_header, ("", ""))[1], spec.kind, rid, "", None, record, "add")
    )


@dataclass
class EditResult:
    """The diff applied (or, with ``dry_run``, only shown) and the register as it now loads."""

    path: Path
    edits: list[Edit]
    applied: bool
    register: Register | None = None
    files: list[str] = field(default_factory=list)


def apply_edits(path: str | Path, folder: str | Path, *, dry_run: bool = False) -> EditResult:
    """Apply the visible-sheet edits of workbook ``path`` to the register YAML in ``folder``.

    Refused edits (sheet, cell, reason) stop the whole import (WorkbookError), so no edit is
    silently dropped; untouched records keep their comments and layout (:mod:`audit_lib.io.yaml_edit`);
    the folder is replaced only once the edited register loads (Art 30(3)).
    """
    from audit_lib.io.yaml_edit import YamlList, set_value

    path, folder = Path(path), Path(folder)
    register = load_register(folder)
    book = read_book(path)
    differ = _workbook_baseline(book, register)
    if differ:
        shown = ", ".join(differ[:8]) + (f" and {len(differ) - 8} more" if len(differ) > 8 else "")
        raise WorkbookError(
            [
                Issue.of(
                    "ROPA-I010",
                    f"the workbook was exported from another version of the "
                    f"register ({shown} differ from the YAML): export it again and redo the "
                    "edits, or import it into an empty folder",
                    file=path.name,
                )
            ]
        )
    plan = plan_edits(book, register)
    if plan.refused:
        raise WorkbookError(plan.refused)
    if dry_run or not plan.edits:
        return EditResult(folder, plan.edits, False, register)
    files: dict[str, YamlList] = {}
    for e in plan.edits:
        name = f"{e.kind}.yaml"
        doc = files.setdefault(name, YamlList(folder / name))
        if e.action == "delete":
            doc.delete(e.record)
        elif e.action == "add":
            doc.append(e.new)
        elif e.action == "confirm":

            def confirm(node: Any, f: str = e.field) -> None:
                kept = [
                    a
                    for a in node.get("assumptions") or []
                    if str(a.get("field", "")).split(".")[0].split("[")[0] != f
                ]
                set_value(node, "assumptions", kept)

            doc.update(e.record, confirm)
        else:
            doc.update(e.record, lambda node, f=e.field, v=e.new: set_value(node, f, _yaml_value(f, v, node)))
    holder: dict[str, Register] = {}

    def _write(tmp: Path) -> None:
        for item in folder.iterdir():  # everything, subfolders too: the edits touch only their files
            if item.is_dir() and not item.is_symlink():
                shutil.copytree(item, tmp / item.name, symlinks=True)
            else:
                shutil.copy2(item, tmp / item.name, follow_symlinks=False)
        for name, doc in files.items():
            (tmp / name).write_text(doc.render(), encoding="utf-8")
        try:
            holder["register"] = load_register(tmp)
        except RegisterError as exc:
            raise WorkbookError(
                [
                    Issue.of(
                        "ROPA-I010",
                        f"after the edits the register does not load: {i.message}",
                        file=Path(i.file).name,
                        line=i.line,
                        record=i.record or "",
                        field=i.field or "",
                    )
                    for i in exc.issues
                ]
            ) from None
        _check_round_trip(plan.edits, holder["register"])

    target = atomic_folder(folder, _write)
    return EditResult(
        target,
        plan.edits,
        True,
        holder["register"].model_copy(update={"source_path": str(target)}),
        sorted(files),
    )


def _check_round_trip(edits: list[Edit], register: Register) -> None:
    """Each changed field, read back from the edited register, is what the cell said."""
    records = {kind: {r.id: r for r in getattr(register, kind)} for kind in ("activities", "recipients")}
    wrong = []
    for e in edits:
        if e.action != "change":
            continue
        now = _current(e.field, records[e.kind][e.record])
        if now != e.new:
            wrong.append(
                Issue.of(
                    "ROPA-I010",
                    f"{e.sheet}!{e.cell}: {e.kind}[{e.record}].{e.field} would read "
                    f"{_show(now)}, not {_show(e.new)}: edit it in the YAML",
                    record=f"{e.sheet}!{e.cell}",
                    field=e.field,
                )
            )
    if wrong:
        raise WorkbookError(wrong)
