"""Write a list of :class:`Sheet` to a formatted .xlsx file, streaming (openpyxl write-only).

Every sheet gets: readable column widths, wrapped text (the workbook's default
cell style wraps, so body cells need no per-cell style), a bold header row that is
frozen and repeated on every printed page, a defined table whose own autofilter
lets the reader filter and sort, and landscape A4 printing fit to the page width.
Unsafe text is handled as described in :mod:`audit_lib.export.safety`.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from audit_lib.export.atomic import atomic_write
from audit_lib.export.safety import (
    ILLEGAL_XML_RE,
    OVERFLOW_SHEET,
    continued_marker,
    escape_illegal,
    formula_like,
    split_for_cell,
)
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.stream import RowStream

NOTES_SHEET = "Export notes"
FILLER = "None recorded"
"""First cell of the row written in a human sheet that has no rows (a table needs one)."""
WRAP = Alignment(wrap_text=True, vertical="top")
_RISKY_FIRST = frozenset("=+-@\t\r#")
_LONG = 16_383  # a Python string longer than this may exceed 32,767 UTF-16 units

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_TITLE_FONT = Font(bold=True, size=14)
_LABEL_FONT = Font(bold=True)
_MARKS = {
    "missing": (Font(bold=True, color="9C0006"), PatternFill("solid", fgColor="FFC7CE")),
    "assumed": (Font(italic=True, color="7F6000"), PatternFill("solid", fgColor="FFF2CC")),
    "warning": (Font(bold=True, color="833C0C"), PatternFill("solid", fgColor="FCE4D6")),
    "info": (Font(italic=True, color="595959"), None),
}


@dataclass
class WriteReport:
    """What was written: sheets and rows, and every visible change made to a value."""

    path: Path
    sheets: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    overflow_cells: int = 0


def _wrap_by_default(wb: Workbook) -> bool:
    """Make the workbook's default cell format wrap text and align top (no per-cell styles).

    Both the default cell format (Excel reads it) and the "Normal" cell style (LibreOffice
    reads that) get the alignment.
    """
    try:
        base = StyleArray()
        base.alignmentId = wb._alignments.add(WRAP)
        wb._cell_styles = IndexedList([base])
        wb._named_styles["Normal"].alignment = WRAP
    except (AttributeError, KeyError):  # a future openpyxl without these internals: style each cell instead
        return False
    return True


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")[:200]


def _table_name(sheet: str, used: set[str]) -> str:
    base = "T_" + (re.sub(r"\W", "_", sheet, flags=re.ASCII) or "sheet")
    name, i = base, 1
    while name.lower() in used:
        i += 1
        name = f"{base}_{i}"
    used.add(name.lower())
    return name


class _Writer:
    def __init__(self, report: WriteReport, title: str, fast: bool = True):
        self.fast = fast
        self.wb = Workbook(write_only=True)
        self.wrap_all = not _wrap_by_default(self.wb)
        self.report = report
        self.title = title
        self.overflow: list[tuple[str, str, list[str]]] = []
        self.tables: set[str] = set()

    # -- cells -------------------------------------------------------------

    def _styled(self, ws: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
                alignment: Alignment = WRAP) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula or an error value
            if formula_like(value):
                cell.quotePrefix = True
        cell.alignment = alignment
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    def _special(self, ws: Any, text: str, row: int, col: int, kind: str | None,
                 font: Font | None = None, fill: PatternFill | None = None) -> WriteOnlyCell:
        sheet = ws.title
        coord = f"{get_column_letter(col + 1)}{row}"
        text, n = escape_illegal(text)
        if n:
            self.report.notes.append((sheet, coord, f"{n} character(s) that XML cannot hold shown as "
                                                    "visible escapes (\\xNN)"))
        head, rest = split_for_cell(text)
        if rest:
            head += continued_marker(sheet, coord, len(rest))
            self.overflow.append((sheet, coord, rest))
            self.report.overflow_cells += 1
            self.report.notes.append((sheet, coord, f"text longer than Excel's 32,767-character cell "
                                                    f"limit continues on sheet {OVERFLOW_SHEET} "
                                                    f"({len(rest)} part(s))"))
        if kind:
            font, fill = _MARKS.get(kind, (None, None))
        return self._styled(ws, head, font=font, fill=fill)

    def _convert(self, ws: Any, values: list[Any], row: int) -> list[Any]:
        special = self._special
        wrap_all = self.wrap_all
        for c, v in enumerate(values):
            t = type(v)
            if t is str:
                if v and (v[0] in _RISKY_FIRST or len(v) > _LONG or ILLEGAL_XML_RE.search(v)):
                    values[c] = special(ws, v, row, c, None)
                elif wrap_all:
                    values[c] = self._styled(ws, v)
            elif v is None or t is int or t is float or t is bool:
                continue
            elif t is Mark:
                values[c] = special(ws, v.text, row, c, v.kind)
            else:
                text = v.isoformat() if hasattr(v, "isoformat") else str(v)
                values[c] = special(ws, text, row, c, None)
        return values

    # -- sheets ------------------------------------------------------------

    def _setup(self, ws: Any, sheet: Sheet, header_row: int, freeze_cols: int) -> None:
        for i, col in enumerate(sheet.columns, 1):
            dim = ws.column_dimensions[get_column_letter(i)]
            dim.width = col.width
            dim.alignment = WRAP  # LibreOffice gives unstyled cells their column's format
        ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        ws.print_options.gridLines = True
        ws.oddHeader.left.text = _header_footer_text(self.title)
        ws.oddHeader.right.text = "&A"
        ws.oddFooter.right.text = "Page &P of &N"
        if sheet.hidden:
            ws.sheet_state = "hidden"

    def write_sheet(self, sheet: Sheet) -> None:
        ws = self.wb.create_sheet(title=sheet.name)
        header_row = len(sheet.preamble) + (2 if sheet.preamble else 1)
        self._setup(ws, sheet, header_row, sheet.freeze_columns)
        stream = RowStream(ws, fast=self.fast)
        for i, values in enumerate(sheet.preamble, 1):
            values = self._convert(ws, list(values), i)
            if values and isinstance(values[0], str):
                values[0] = self._styled(ws, values[0], font=_TITLE_FONT if i == 1 else _LABEL_FONT)
            stream.append(i, values)
        stream.append(header_row, [self._styled(ws, h, font=_HEADER_FONT, fill=_HEADER_FILL,
                                                alignment=_HEADER_ALIGN) for h in sheet.headers])
        n = 0
        row = header_row
        ncols = len(sheet.columns)
        convert, append = self._convert, stream.append
        for values in sheet.rows:
            n += 1
            row += 1
            if len(values) != ncols:
                raise ValueError(f"sheet {sheet.name!r} row {n}: {len(values)} values for {ncols} columns")
            append(row, convert(ws, list(values), row))
        if n == 0 and sheet.kind == "human":
            n, row = 1, row + 1
            append(row, convert(ws, [Mark(FILLER, "info")] + [None] * (ncols - 1), row))
        if n:
            self._add_table(ws, sheet, header_row, row)
        if sheet.image_png:
            img = Image(io.BytesIO(sheet.image_png))
            scale = min(1.0, 1100 / max(img.width, 1))
            img.width, img.height = int(img.width * scale), int(img.height * scale)
            ws.add_image(img, sheet.image_anchor)
        self.report.sheets.append(sheet.name)
        self.report.rows[sheet.name] = n

    def _add_table(self, ws: Any, sheet: Sheet, header_row: int, last_row: int) -> None:
        ref = f"A{header_row}:{get_column_letter(len(sheet.columns))}{last_row}"
        table = Table(
            displayName=_table_name(sheet.name, self.tables),
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableColumns=[TableColumn(id=i, name=h) for i, h in enumerate(sheet.headers, 1)],
            tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True),
        )
        with warnings.catch_warnings():  # openpyxl warns in write-only mode; the columns are set above
            warnings.simplefilter("ignore", UserWarning)
            ws.add_table(table)

    def write_tail(self) -> None:
        """The Overflow and Export notes sheets, when anything needed them."""
        if self.overflow:
            rows = ([sheet, coord, i, part] for sheet, coord, parts in self.overflow
                    for i, part in enumerate(parts, 1))
            self.write_sheet(Sheet(
                name=OVERFLOW_SHEET,
                columns=[Column("Sheet", 20), Column("Cell", 10), Column("Part", 8), Column("Text", 120)],
                rows=rows,
                description="Continuation of cell text longer than Excel's 32,767-character limit.",
            ))
        if self.report.notes:
            self.write_sheet(Sheet(
                name=NOTES_SHEET,
                columns=[Column("Sheet", 24), Column("Cell", 10), Column("Note", 100)],
                rows=([s, c, n] for s, c, n in list(self.report.notes)),
                description="Every value the export had to show differently, and how.",
            ))


def write_sheets(sheets: Iterable[Sheet], path: str | Path, *, title: str = "",
                 fast: bool = True) -> WriteReport:
    """Write the sheets to ``path`` atomically; return what was written and every note made.

    ``fast=False`` writes every cell through openpyxl (the same file, slower).
    """
    report = WriteReport(Path(path))

    def _write(tmp: Path) -> None:
        writer = _Writer(report, title, fast)
        writer.wb.properties.title = title or None
        writer.wb.properties.creator = "ropa (audit_lib)"
        try:
            for sheet in sheets:
                writer.write_sheet(sheet)
            writer.write_tail()
            writer.wb.save(tmp)
        except BaseException:
            _discard(writer.wb)
            raise

    atomic_write(path, _write)
    return report


def _discard(wb: Workbook) -> None:
    """Close the half-written sheet streams of a failed export and delete their temporary files."""
    for ws in wb._sheets:
        rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
        for close in (getattr(rows, "close", None), getattr(writer, "close", None),
                      getattr(writer, "cleanup", None)):
            if close is not None:
                with contextlib.suppress(Exception):  # best effort, after the real error
                    close()
