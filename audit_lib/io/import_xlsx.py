"""Read a standard-layout workbook (as exported, maybe edited in Excel) back into register YAML.

The workbook is untrusted input. It is read with openpyxl in read-only mode, values
not formulas, without external links, with defusedxml guarding the XML parser, and
only after its size, its uncompressed size and its compression ratio are checked.
Records come from the machine-readable ``data.*`` sheets (one column per field);
text continued on the Overflow sheet is joined again. Each record is validated and
every problem is reported with its sheet and cell. The YAML is written to a temporary
folder, loaded with :func:`audit_lib.io.loader.load_register`, and only then moved into
place (Art 30(3): the record is kept in writing; no half-written register).

Edits made to the human sheets are not imported (they are generated from the
records); :func:`human_edits` finds them so the user is told, not silently ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterator
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
    DataTable,
    Digest,
    decode_cell,
    field_kinds,
)
from audit_lib.io.loader import RegisterError, load_register
from audit_lib.issues import Issue, Stage, declare
from audit_lib.model import Register

MAX_FILE_BYTES = 256 * 2**20
MAX_UNCOMPRESSED_BYTES = 2 * 2**30
MAX_RATIO = 250
MAX_ROWS = 1_048_576
MAX_COLUMNS = 200

FILES = {  # register file -> data tables it holds
    "organisation.yaml": ("organisation",),
    "activities.yaml": ("activities",),
    "recipients.yaml": ("recipients",),
    "security.yaml": ("security",),
    "systems.yaml": ("systems",),
    "processor_activities.yaml": ("processor_activities",),
    "commitments.yaml": ("rights", "breach_procedure", "children", "cookies", "other_commitments"),
    "taxonomy.yaml": ("taxonomy_categories", "taxonomy_uses", "taxonomy_subjects"),
}


declare("ROPA-I001", Stage.import_, "error", "Workbook cannot be imported",
        remedy="Fix the sheet and cell named (or export the workbook again), then import again.")
declare("ROPA-I002", Stage.import_, "low", "Edit in a generated sheet not imported",
        remedy="Make the edit in a visible sheet the import reads, in the data.* sheets, or in the YAML.")

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
    """Refuse files that are too big, not xlsx, or compressed suspiciously well (zip bombs)."""
    if not path.is_file():
        raise WorkbookError([f"{path}: file not found"])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise WorkbookError([f"{path}: {size / 2**20:.0f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit"])
    if not zipfile.is_zipfile(path):
        raise WorkbookError([f"{path}: not an .xlsx workbook (not a zip archive)"])
    with zipfile.ZipFile(path) as zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            ratio = info.file_size / info.compress_size if info.compress_size else 0
            if ratio > MAX_RATIO and info.file_size > 10 * 2**20:
                raise WorkbookError([f"{path}: member {info.filename} expands {ratio:.0f}-fold: "
                                     "refusing a possible zip bomb"])
        if total > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookError([f"{path}: {total / 2**30:.1f} GB uncompressed is over the "
                                 f"{MAX_UNCOMPRESSED_BYTES // 2**30} GB limit"])
        if "xl/workbook.xml" not in zf.namelist():
            raise WorkbookError([f"{path}: not an .xlsx workbook (no xl/workbook.xml)"])


def open_workbook(path: str | Path) -> Any:
    """openpyxl workbook opened for untrusted input (read-only, values, no links, defusedxml)."""
    path = Path(path)
    check_archive(path)
    if not openpyxl.xml.DEFUSEDXML:
        raise WorkbookError(["defusedxml is not installed: refusing to parse an untrusted workbook "
                             "(pip install defusedxml)"])
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise WorkbookError([f"{path}: cannot be read as a workbook ({type(exc).__name__}: {exc})"]) from None


# --------------------------------------------------------------------------
# Cells, with the Overflow sheet joined back
# --------------------------------------------------------------------------


def sheet_rows(ws: Any) -> Iterator[tuple[int, tuple]]:
    for r, values in enumerate(ws.iter_rows(values_only=True), 1):
        if r > MAX_ROWS:
            raise WorkbookError([f"{ws.title}: more than {MAX_ROWS} rows"])
        yield r, values


def read_overflow(wb: Any) -> dict[tuple[str, str], list[str]]:
    """{(sheet, cell): [parts]} from the Overflow sheet."""
    if OVERFLOW_SHEET not in wb.sheetnames:
        return {}
    parts: dict[tuple[str, str], dict[int, str]] = {}
    for r, values in sheet_rows(wb[OVERFLOW_SHEET]):
        if r == 1 or not values or values[0] is None:
            continue
        sheet, cell, part, text = (list(values) + [None] * 4)[:4]
        parts.setdefault((str(sheet), str(cell)), {})[int(part)] = "" if text is None else str(text)
    return {k: [v[i] for i in sorted(v)] for k, v in parts.items()}


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
        raise WorkbookError([f"{sheet}!{coord}: text continues on sheet {OVERFLOW_SHEET}, but its "
                             f"{count} part(s) for {ref_sheet}!{ref_cell} are not all there"])
    return value[: m.start()] + "".join(parts)


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


def _table_records(wb: Any, table: DataTable, overflow: dict, issues: list[str],
                   digest: Digest) -> list[BaseModel]:
    if table.sheet not in wb.sheetnames:
        if table.name == "organisation":
            issues.append(f"sheet {table.sheet} is missing: this is not a workbook written by "
                          "`ropa export` (standard layout)")
        return []
    ws = wb[table.sheet]
    kinds = dict(field_kinds(table.model))
    headers: list[str | None] = []
    records: list[BaseModel] = []
    for r, values in sheet_rows(ws):
        if r == 1:
            digest.add(table.sheet, values)
            headers = [None if v is None else str(v).strip() for v in values][:MAX_COLUMNS]
            for c, h in enumerate(headers, 1):
                if h is not None and h not in kinds:
                    issues.append(f"{table.sheet}!{get_column_letter(c)}1: unknown column '{h}' (expected "
                                  f"one of: {', '.join(kinds)})")
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        data: dict[str, Any] = {}
        cells: dict[str, str] = {}
        joined = []
        for c, raw in enumerate(values, 1):
            try:
                joined.append(join_overflow(raw, table.sheet, f"{get_column_letter(c)}{r}", overflow))
            except WorkbookError as exc:
                issues.extend(exc.issues)
                joined.append(None)
        digest.add(table.sheet, joined)
        for c, (name, raw) in enumerate(zip(headers, joined, strict=False), 1):
            if name not in kinds:
                continue
            coord = f"{get_column_letter(c)}{r}"
            cells[name] = coord
            try:
                value = decode_cell(raw, kinds[name])
            except (ValueError, json.JSONDecodeError) as exc:
                issues.append(f"{table.sheet}!{coord}: {name}: not valid JSON ({exc})")
                continue
            if value is not None:
                data[name] = value
        try:
            records.append(table.model.model_validate(data))
        except ValidationError as exc:
            rid = data.get("id", f"row {r}")
            for err in exc.errors(include_url=False):
                loc = err["loc"]
                where = cells.get(str(loc[0]), f"row {r}") if loc else f"row {r}"
                path = ".".join(str(p) for p in loc)
                issues.append(f"{table.sheet}!{where}: {rid}: {path or '-'}: {err['msg']}")
    if not table.many and len(records) > 1:
        issues.append(f"{table.sheet}: {len(records)} rows, but there can be only one {table.name} record")
    return records


@dataclass
class Records:
    """The records of a workbook, and whether the data sheets changed since the export."""

    tables: dict[str, list[BaseModel]]
    edited: bool | None  # None: the workbook carries no digest to tell


def _meta(wb: Any) -> dict[str, Any]:
    if META_SHEET not in wb.sheetnames:
        return {}
    return {str(v[0]): v[1] for r, v in sheet_rows(wb[META_SHEET]) if r > 1 and v and len(v) > 1}


def read_records(path: str | Path) -> Records:
    """The validated records of a standard workbook; WorkbookError lists every problem."""
    wb = open_workbook(path)
    issues: list[str] = []
    digest = Digest()
    try:
        overflow = read_overflow(wb)
        tables = {t.name: _table_records(wb, t, overflow, issues, digest) for t in DATA_TABLES}
        expected = _meta(wb).get("records_sha256")
    finally:
        wb.close()
    if issues:
        raise WorkbookError(issues)
    return Records(tables, None if expected is None else expected != digest.hexdigest())


# --------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
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
        (folder / name).write_text(f"# Imported from {source} by `{command}` on {stamp}\n{text}",
                                   encoding="utf-8")


# --------------------------------------------------------------------------
# Edits made to the generated sheets
# --------------------------------------------------------------------------

CHECKED_SHEETS = ("Controller record", "Processor record", "Recipients", "Commitments", "Security measures",
                  "Systems", "Assumptions to confirm", "Taxonomy")
SKIPPED_COLUMNS = {"(e) Transfers \u2014 Art 30(1)(e)"}  # depends on the date and the reference data


def _norm(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def human_edits(path: str | Path, register: Register, limit: int = 20) -> list[str]:
    """Cells of the generated sheets that differ from what the records produce (edits not imported)."""
    from audit_lib.export.context import ExportContext
    from audit_lib.export.sheet import plain
    from audit_lib.export.workbook import standard_sheets

    # transfers and findings are not needed: the sheets and the column that show them are not checked
    ctx = ExportContext(register, None, dt.datetime.now(dt.timezone.utc), transfers=[], diagram=False)
    expected = {s.name: s for s in standard_sheets(ctx) if s.name in CHECKED_SHEETS}
    wb = open_workbook(path)
    found: list[str] = []
    total = 0
    try:
        overflow = read_overflow(wb)
        for name, sheet in expected.items():
            if name not in wb.sheetnames:
                continue
            skip = {i for i, h in enumerate(sheet.headers) if h in SKIPPED_COLUMNS}
            want = iter(sheet.rows)
            header_seen = False
            for r, values in sheet_rows(wb[name]):
                if not header_seen:
                    header_seen = [_norm(v) for v in values[: len(sheet.headers)]] == sheet.headers
                    continue
                row = next(want, None)
                if row is None and values and values[0] == FILLER and not any(values[1:]):
                    continue  # the row the writer adds to a sheet with no records
                row = [escape_illegal(str(plain(v)))[0] if isinstance(plain(v), str) else plain(v)
                       for v in row] if row is not None else [None] * len(sheet.headers)
                values = tuple(values) + (None,) * (len(row) - len(values))
                for c, (got, exp) in enumerate(zip(values, row, strict=False)):
                    coord = f"{get_column_letter(c + 1)}{r}"
                    got = join_overflow(got, name, coord, overflow)
                    if c in skip or _norm(got) == _norm(exp):
                        continue
                    total += 1
                    if len(found) < limit:
                        found.append(f"{name}!{coord}: the workbook shows {_short(got)} where the records "
                                     f"give {_short(exp)}")
    finally:
        wb.close()
    if total > limit:
        found.append(f"... and {total - limit} more cell(s)")
    return found


def _short(value: Any, n: int = 60) -> str:
    text = _norm(value)
    return repr(text if len(text) <= n else text[: n - 1] + "\u2026")


# --------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------


def import_xlsx(path: str | Path, out: str | Path, *, check_edits: bool = True) -> ImportResult:
    """Write the register held in workbook ``path`` as YAML files in folder ``out``.

    The folder is replaced only once the new register has loaded without error.
    """
    path = Path(path)
    records = read_records(path)
    files = register_files(records.tables)
    holder: dict[str, Register] = {}

    def _write(tmp: Path) -> None:
        write_yaml(files, tmp, path.name)
        try:
            holder["register"] = load_register(tmp)
        except RegisterError as exc:
            raise WorkbookError([Issue.of("ROPA-I001", i.message, file=Path(i.file).name, line=i.line,
                                          record=i.record or "", field=i.field or "")
                                 for i in exc.issues]) from None

    target = atomic_folder(out, _write)
    register = holder["register"].model_copy(update={"source_path": str(target)})
    result = ImportResult(target, register, sum(len(v) for v in records.tables.values()),
                          data_edited=records.edited)
    edits = human_edits(path, register) if check_edits else []
    if edits and records.edited:
        result.notes.append("the data.* sheets were edited after the export, so the generated sheets are "
                            "out of date (export again to refresh them); these cells differ, and any edit "
                            "made to them was not imported:")
        result.notes += edits
    elif edits:
        result.warnings.append("cells of the generated sheets differ from the data.* sheets; import-xlsx "
                               "reads only the data.* sheets, so these edits were NOT imported (make them "
                               "in the data.* sheets, or in the YAML):")
        result.warnings += edits
    return result
