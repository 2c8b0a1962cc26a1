"""Write a list of :class:`Sheet` to a formatted .xlsx file, streaming (openpyxl write-only).

Rows go through :func:`audit_lib.export.stream.row_stream`: openpyxl's documented write-only
API, or where openpyxl 3.1 and et_xmlfile 2.x are found, a raw writer of plain cells about twice
as fast. Formatted cells take named styles. The two steps outside openpyxl's public API (that
raw writer and :func:`_wrap_by_default`) check what they rely on and fall back otherwise;
``fast=False`` uses neither.

Every sheet gets: readable column widths, wrapped text (the workbook's default
cell style wraps, so body cells need no per-cell style), a bold header row that is
frozen and repeated on every printed page, a defined table whose own autofilter
lets the reader filter and sort, explicit row heights from the wrapped text (see
:func:`row_height`), and landscape printing that stays legible (see :func:`print_layout`).
Unsafe text is handled as described in :mod:`audit_lib.io.cells`.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import DEFAULT_FONT, Alignment, Font, NamedStyle, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.stream import row_stream
from audit_lib.io.atomic import atomic_write
from audit_lib.io.cells import (
    ILLEGAL_XML_RE,
    OVERFLOW_SHEET,
    continued_marker,
    escape_illegal,
    formula_like,
    split_for_cell,
)

NOTES_SHEET = "Export notes"
FILLER = "None recorded"
"""First cell of the row written in a human sheet that has no rows (a table needs one)."""
WRAP = Alignment(wrap_text=True, vertical="top")
_RISKY_FIRST = frozenset("=+-@\t\r#")
_LONG = 16_383  # a Python string longer than this may exceed 32,767 UTF-16 units

_FONT = "Calibri"  # the workbook's default font; a font with no name prints in a serif fallback
_HEADER_FONT = Font(name=_FONT, sz=11, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_TITLE_FONT = Font(name=_FONT, bold=True, size=14)
_LABEL_FONT = Font(name=_FONT, sz=11, bold=True)
# Row heights: LibreOffice and Excel do not grow a row for wrapped text on their own when
# opening a written file, so each row gets the height its longest wrapped cell needs.
LINE_PT = 15.0
"""Height of one line of the default 11 pt font, in points (Excel's default row height)."""
MAX_ROW_PT = 409.0
"""Excel's largest row height, in points."""
CHARS_PER_WIDTH = 1.1
"""Characters of body text per unit of column width (widths count the default font's digits)."""
_HEADER_CHARS_PER_WIDTH = 1.0  # bold header text is wider
_TITLE_LINE_PT, _TITLE_CHARS_PER_WIDTH = 20.0, 0.8  # the 14 pt bold title line

# Printing: A4, margins 0.4 inch left and right, never below MIN_PRINT_SCALE.
MIN_PRINT_SCALE = 0.75
"""The smallest print scale: 11 pt type prints at 8.25 pt, the least a reader can read. A sheet too
wide for one A4 page at this scale spans several pages wide, each repeating the identifying columns."""
_PAPER_PT = {"landscape": 297 / 25.4 * 72, "portrait": 210 / 25.4 * 72}
_SIDE_MARGINS_PT = 2 * 0.4 * 72

_MARKS = {
    "missing": (Font(name=_FONT, sz=11, bold=True, color="9C0006"), PatternFill("solid", fgColor="FFC7CE")),
    "assumed": (Font(name=_FONT, sz=11, italic=True, color="7F6000"), PatternFill("solid", fgColor="FFF2CC")),
    "warning": (Font(name=_FONT, sz=11, bold=True, color="833C0C"), PatternFill("solid", fgColor="FCE4D6")),
    "info": (Font(name=_FONT, sz=11, italic=True, color="595959"), None),
    "title": (Font(name=_FONT, sz=12, bold=True, color="1F4E78"), PatternFill("solid", fgColor="DDEBF7")),
    "label": (_LABEL_FONT, None),
}
_STYLES: dict[str, tuple[Font | None, PatternFill | None, Alignment]] = {
    **{kind: (font, fill, WRAP) for kind, (font, fill) in _MARKS.items()},
    "text": (None, None, WRAP),  # text kept as text (a leading "=", an escape, an overflow marker)
    "header": (_HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN),
    "heading": (_TITLE_FONT, None, WRAP),  # the first preamble row
}
"""Every cell format the writer uses besides the default one: font, fill, alignment."""
MAX_PRINT_ROWS = 1_048_576
CONTINUED = "(continued)"
"""Marks the rows that carry on a row whose text is longer than one printed row can hold."""


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
    reads that) get the alignment. openpyxl has no public call for this: the style tables of
    openpyxl 3.1 are checked by type first, and with any other shape False is returned and
    the caller styles each cell instead (the same visible cells, slower).
    """
    cell_styles, alignments = getattr(wb, "_cell_styles", None), getattr(wb, "_alignments", None)
    try:
        normal = wb._named_styles["Normal"]
    except (AttributeError, KeyError, TypeError):
        return False
    if not (isinstance(cell_styles, IndexedList) and len(cell_styles) == 1
            and isinstance(cell_styles[0], StyleArray) and isinstance(alignments, IndexedList)
            and isinstance(normal, NamedStyle)):
        return False
    base = StyleArray()
    base.alignmentId = alignments.add(WRAP)
    wb._cell_styles = IndexedList([base])
    normal.alignment = WRAP
    return True


def _paragraph_lines(text: str, chars_per_line: float) -> int:
    """Lines one paragraph wraps to, breaking between words (a longer word breaks inside)."""
    if len(text) <= chars_per_line:
        return 1
    lines, used = 1, 0
    for word in text.split(" "):
        k = len(word)
        if used == 0:
            used = k
        elif used + 1 + k <= chars_per_line:
            used += 1 + k
        else:
            lines, used = lines + 1, k
        if used > chars_per_line:
            extra = math.ceil(used / chars_per_line) - 1
            lines, used = lines + extra, used - extra * chars_per_line
    return lines


def text_lines(text: str, chars_per_line: float) -> int:
    """Lines a wrapped cell needs: each explicit line word-wrapped at ``chars_per_line``
    (about ``ceil(len / chars_per_line)`` for prose)."""
    if len(text) <= chars_per_line and "\n" not in text:
        return 1
    return sum(_paragraph_lines(p, chars_per_line) for p in text.split("\n"))


def _cell_text(value: Any) -> str | None:
    t = type(value)
    if t is str:
        return value
    if t is Mark:
        return value.text
    if value is None or t is int or t is float or t is bool:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def row_height(values: Iterable[Any], chars_per_line: list[float], line_pt: float = LINE_PT, *,
               cap: bool = True) -> float:
    """Points a row needs so no wrapped cell is clipped: the most lines of any of its cells times
    ``line_pt``, capped at Excel's 409 points unless ``cap`` is False (a longer row is written as
    continuation rows, see :func:`split_row`).

    ``chars_per_line[i]`` is how many characters fit on one line of column ``i``.
    """
    lines = 1
    for value, cpl in zip(values, chars_per_line, strict=False):  # a preamble row may be shorter
        text = value if type(value) is str else _cell_text(value)
        if text and (len(text) > cpl or "\n" in text):
            n = text_lines(text, cpl)
            if n > lines:
                lines = n
    return min(MAX_ROW_PT, lines * line_pt) if cap else lines * line_pt


def column_points(width: float) -> float:
    """Printed width in points of a column ``width`` characters wide, as LibreOffice prints it
    (measured: 7.0 pt per unit at 100 %; Excel prints narrower, so the layout is safe in both)."""
    return width * 7.0


@dataclass(frozen=True)
class PrintLayout:
    """How a sheet prints: paper, pages wide, the first columns repeated on each page, scale."""

    paper: int
    pages_wide: int = 1
    title_columns: int = 0
    scale: float = 1.0


def _pages_wide(points: list[float], title: int, capacity: float) -> int:
    """Pages a row of columns needs (whole columns per page, ``title`` columns repeated on each)."""
    repeat = sum(points[:title])
    pages, used = 1, 0.0
    for w in points:
        if used and used + w > capacity:
            pages, used = pages + 1, repeat
        used += w
    return pages


def print_layout(widths: list[float], id_columns: int = 0, orientation: str = "landscape",
                 min_scale: float = MIN_PRINT_SCALE) -> PrintLayout:
    """Legible A4 printing for columns of these widths (Art 30(4): the record is made available to
    the supervisory authority, on paper too).

    A sheet that fits one page width at 75 % scale or more prints one page wide. A wider sheet
    spans as many pages wide as keep 75 %, each page repeating the identifying first
    ``id_columns`` columns (at least one) so every printed row can be told apart.
    """
    points = [column_points(w) for w in widths]
    total = sum(points) or 1.0
    paper = Worksheet.PAPERSIZE_A4
    usable = _PAPER_PT[orientation] - _SIDE_MARGINS_PT
    if usable / total >= min_scale:
        return PrintLayout(paper, 1, 0, min(1.0, usable / total))
    title = max(1, min(id_columns, len(points)))
    capacity = usable / min_scale
    while title > 1 and sum(points[:title]) > capacity / 3:  # repeated columns take at most a third
        title -= 1
    pages = _pages_wide(points, title, capacity)
    lo, hi = min_scale, 1.0  # the largest scale at which the same number of pages holds it
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _pages_wide(points, title, usable / mid) <= pages else (lo, mid)
    return PrintLayout(paper, pages, title, lo)


def wrap_lines(text: str, chars_per_line: float) -> list[tuple[str, str]]:
    """The printed lines of a wrapped cell, each with what follows it in the text: ``"\\n"`` (a line
    break), ``" "`` (a space the wrap replaced) or ``""`` (a word too long for a line, broken inside);
    the same breaking as :func:`text_lines`, so ``"".join(line + sep)`` gives the text back."""
    out: list[tuple[str, str]] = []
    width = max(1, int(chars_per_line))
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            while len(word) > width:  # a word longer than the line breaks inside
                if line:
                    out.append((line, " "))
                    line = ""
                out.append((word[:width], ""))
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= chars_per_line:
                line += " " + word
            else:
                out.append((line, " "))
                line = word
        out.append((line, "\n"))
    return out


def continued_rows(sheet: Sheet) -> Sheet:
    """The sheet with every row too tall to print split into continuation rows (as the writer
    prints it), so that a reader of the rows (``ropa import-xlsx``'s edit check) sees what is printed."""
    cpl = [max(1.0, c.width * CHARS_PER_WIDTH) for c in sheet.columns]
    ids = max(1, sheet.freeze_columns)
    rows = (part for values in sheet.rows for part in split_row(values, cpl, ids))
    return replace(sheet, rows=rows)


def _join(chunk: list[tuple[str, str]], last: bool) -> str:
    """The text of some wrapped lines; a chunk that is not the last keeps its trailing separator, so
    that the continuation rows' texts put end to end give the cell's text back."""
    text = "".join(t + sep for t, sep in chunk)
    return text[:-1] if last and text.endswith("\n") else text


def split_row(values: list[Any], chars_per_line: list[float], id_columns: int = 1,
              line_pt: float = LINE_PT, max_pt: float = MAX_ROW_PT) -> list[list[Any]]:
    """A row whose wrapped text needs more than ``max_pt`` as several rows that each fit: the text
    of every long cell continues in the same column of the rows below, whose identifying first
    ``id_columns`` cells say "(continued)" (nothing is clipped when printed)."""
    if row_height(values, chars_per_line, line_pt, cap=False) <= max_pt:
        return [values]
    per_row = max(1, int(max_pt // line_pt) - 1)
    wrapped: list[list[tuple[str, bool]] | None] = []
    for value, cpl in zip(values, chars_per_line, strict=False):
        text = _cell_text(value)
        wrapped.append(wrap_lines(text, cpl) if text else None)
    pieces = max(math.ceil(len(w) / per_row) for w in wrapped if w)
    rows: list[list[Any]] = []
    for k in range(pieces):
        row: list[Any] = []
        for c, value in enumerate(values):
            w = wrapped[c] if c < len(wrapped) else None
            if w is None or len(w) <= per_row:
                if k == 0:
                    row.append(value)
                elif c < id_columns:
                    text = _cell_text(value)
                    row.append(Mark(f"{CONTINUED} {text}" if text else CONTINUED, "info"))
                else:
                    row.append(None)
                continue
            chunk = w[k * per_row:(k + 1) * per_row]
            text = _join(chunk, (k + 1) * per_row >= len(w)) if chunk else None
            if text and k and c < id_columns:
                text = f"{CONTINUED} {text}"
            kind = value.kind if isinstance(value, Mark) else ("info" if k and c < id_columns else None)
            row.append(Mark(text, kind) if text and kind else text)
        rows.append(row)
    return rows


def _needs_care(text: str) -> bool:
    """Text that cannot go in a cell as it is: formula-like, too long, or holding characters XML cannot."""
    return bool(text) and (text[0] in _RISKY_FIRST or len(text) > _LONG
                           or ILLEGAL_XML_RE.search(text) is not None)


def _style_name(key: str) -> str:
    """The named cell style of format ``key`` (shown in the spreadsheet's list of cell styles)."""
    return f"ropa {key}"


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
        self.wrap_all = not (fast and _wrap_by_default(self.wb))
        self.named = not self.wrap_all
        if self.named:  # one named style per format: a cell takes it without hashing fonts and fills
            for key, (font, fill, alignment) in _STYLES.items():
                self.wb.add_named_style(NamedStyle(_style_name(key), font=font or DEFAULT_FONT,
                                                   fill=fill or PatternFill(), alignment=alignment))
        self.report = report
        self.title = title
        self.overflow: list[tuple[str, str, list[str]]] = []
        self.tables: set[str] = set()

    # -- cells -------------------------------------------------------------

    def _styled(self, ws: Any, value: Any, style: str = "text") -> WriteOnlyCell:
        """A cell of ``value`` in one of the formats of ``_STYLES``; text is never a formula."""
        cell = WriteOnlyCell(ws, value)
        if self.named:
            cell.style = _style_name(style)
        else:
            font, fill, alignment = _STYLES[style]
            cell.alignment = alignment
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula or an error value
            if formula_like(value):
                cell.quotePrefix = True
        return cell

    def _special(self, ws: Any, text: str, row: int, col: int, kind: str | None) -> WriteOnlyCell:
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
        return self._styled(ws, head, kind if kind in _MARKS else "text")

    def _convert(self, ws: Any, values: list[Any], row: int) -> list[Any]:
        special = self._special
        wrap_all = self.wrap_all
        for c, v in enumerate(values):
            t = type(v)
            if t is str:
                if _needs_care(v):
                    values[c] = special(ws, v, row, c, None)
                elif wrap_all:
                    values[c] = self._styled(ws, v)
            elif v is None:
                continue
            elif t is int or t is float or t is bool:
                if wrap_all:  # top-aligned like every other cell
                    values[c] = self._styled(ws, v)
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
        printed = sheet.columns[:sheet.print_columns] if sheet.print_columns else sheet.columns
        layout = print_layout([c.width for c in printed], freeze_cols, sheet.orientation,
                              sheet.min_print_scale or MIN_PRINT_SCALE)
        if layout.title_columns:
            ws.print_title_cols = f"A:{get_column_letter(layout.title_columns)}"
        if sheet.print_columns:
            ws.print_area = f"A1:{get_column_letter(sheet.print_columns)}{MAX_PRINT_ROWS}"
        ws.page_setup.orientation = sheet.orientation
        ws.page_setup.paperSize = layout.paper
        if sheet.fit_page:  # one page (the diagram)
            ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        else:  # an explicit scale: the spreadsheet cannot shrink the type below it to fit pages
            ws.page_setup.scale = int(layout.scale * 100)
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        ws.print_options.gridLines = True
        ws.oddHeader.left.text = _header_footer_text(sheet.page_header or self.title)
        ws.oddHeader.right.text = "&A"
        ws.oddFooter.right.text = sheet.page_footer or "Page &P of &N"
        if sheet.hidden:
            ws.sheet_state = "hidden"

    def write_sheet(self, sheet: Sheet) -> None:
        ws = self.wb.create_sheet(title=sheet.name)
        header_row = len(sheet.preamble) + (2 if sheet.preamble else 1)
        self._setup(ws, sheet, header_row, sheet.freeze_columns)
        stream = row_stream(ws, self.fast)
        widths = [c.width for c in sheet.columns]
        cpl = [max(1.0, w * CHARS_PER_WIDTH) for w in widths]
        bold_cpl = [max(1.0, w * _HEADER_CHARS_PER_WIDTH * 0.95) for w in widths]
        for i, values in enumerate(sheet.preamble, 1):
            if i == 1:
                height = row_height(values, [max(1.0, w * _TITLE_CHARS_PER_WIDTH) for w in widths],
                                    _TITLE_LINE_PT)
            else:
                height = row_height(values, cpl)
            first = values[0] if values else None
            values = self._convert(ws, list(values), i)
            if type(first) is str and not _needs_care(first):
                values[0] = self._styled(ws, first, "heading" if i == 1 else "label")
            stream.append(i, values, height)
        stream.append(header_row, [self._styled(ws, h, "header") for h in sheet.headers],
                      row_height(sheet.headers, [max(1.0, w * _HEADER_CHARS_PER_WIDTH) for w in widths]))
        n = 0
        row = header_row
        ncols = len(sheet.columns)
        convert, append = self._convert, stream.append
        sized = sheet.kind != "data"  # hidden machine-readable sheets are never printed
        ids = max(1, sheet.freeze_columns)
        starts: list[int] = []  # sheet row of each data row (continuation rows shift them)
        for values in sheet.rows:
            n += 1
            starts.append(row + 1)
            if len(values) != ncols:
                raise ValueError(f"sheet {sheet.name!r} row {n}: {len(values)} values for {ncols} columns")
            if not sized:
                row += 1
                append(row, convert(ws, list(values), row), None)
                continue
            bold = any(type(v) is Mark and v.kind in ("title", "missing", "warning") for v in values)
            height = row_height(values, bold_cpl if bold else cpl, cap=False)  # bold text is wider
            if height <= MAX_ROW_PT:
                row += 1
                append(row, convert(ws, list(values), row), height)
                continue
            for part in split_row(values, cpl, ids):
                row += 1
                append(row, convert(ws, list(part), row), row_height(part, cpl))
        if n == 0 and sheet.kind == "human":
            n, row = 1, row + 1
            append(row, convert(ws, [Mark(FILLER, "info")] + [None] * (ncols - 1), row), LINE_PT)
        # filled while the rows were generated; set once: RowBreak.append re-checks the whole list
        # (quadratic in the number of record cards)
        breaks = [Break(id=starts[k - 1] - 1) for k in sheet.page_breaks if 1 < k <= len(starts)]
        if breaks:
            ws.row_breaks.brk = (*ws.row_breaks.brk, *breaks)
        if n and not sheet.fit_page:
            self._add_table(ws, sheet, header_row, row)
        if sheet.image_png:
            img = Image(io.BytesIO(sheet.image_png))
            # one A4 landscape page below the caption: about 1,000 x 640 pixels at 96 dpi
            scale = min(1.0, 1000 / max(img.width, 1), 640 / max(img.height, 1))
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
                rows=rows, kind="data", hidden=True,  # printed cells continue on rows instead
                description="Continuation of cell text longer than Excel's 32,767-character limit "
                            "(the machine-readable data.* sheets; ropa import-xlsx joins the parts).",
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

    ``fast=False`` gives every cell its own format instead of relying on :func:`_wrap_by_default`
    and named styles (the same visible cells, slower: the fallback for an openpyxl without
    the style tables that function checks).
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
            # zip in memory, then one plain write: a full disk fails that write (ENOSPC), never
            # the zip's close again at exit ("Exception ignored in ZipFile.__del__")
            data = io.BytesIO()
            writer.wb.save(data)
            tmp.write_bytes(data.getbuffer())
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
