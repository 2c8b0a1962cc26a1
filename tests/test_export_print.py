"""Printed workbook stays legible: row heights follow wrapped text, wide sheets span readable pages."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from audit_lib.export import write_workbook
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.xlsx import (
    LINE_PT,
    MAX_ROW_PT,
    MIN_PRINT_SCALE,
    column_points,
    print_layout,
    write_sheets,
)
from audit_lib.io.loader import load_register

A4, A3 = 9, 8
MARGINS_PT = 2 * 0.4 * 72  # left and right


def _heights(path: Path, sheet: str) -> dict[int, float | None]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    heights = {r: ws.row_dimensions[r].height for r in range(1, ws.max_row + 1)}
    wb.close()
    return heights


def _narrow_sheet(rows: list[list]) -> Sheet:
    return Sheet("Notes", [Column("Id", 10), Column("Text", 30)], rows)


@pytest.mark.parametrize("fast", [True, False])
def test_row_height_grows_with_wrapped_text(tmp_path, fast):
    out = tmp_path / "rows.xlsx"
    rows = [
        ["one", "a single short line"],
        ["five", "l1\nl2\nl3\nl4\nl5"],
        ["long", "word " * 60],  # 300 characters in a 30-wide column: several wrapped lines
        ["mark", Mark("Not recorded\nsecond line\nthird line", "missing")],
        ["huge", "x\n" * 500],
    ]
    write_sheets([_narrow_sheet(rows)], out, fast=fast)
    h = _heights(out, "Notes")
    header, one, five, long_, mark, huge = (h[r] for r in range(1, 7))
    assert header is not None and header >= LINE_PT
    assert one == LINE_PT
    assert five >= 5 * LINE_PT > one
    assert long_ > 3 * LINE_PT
    assert mark >= 3 * LINE_PT
    assert huge == MAX_ROW_PT  # Excel's limit, never more
    assert all(v is None or v <= MAX_ROW_PT for v in h.values())


def test_fast_and_openpyxl_paths_write_the_same_heights(tmp_path):
    rows = [["a", "x\ny"], ["b", "z " * 100], ["c", None]]
    write_sheets([_narrow_sheet(rows)], tmp_path / "fast.xlsx", fast=True)
    write_sheets([_narrow_sheet(rows)], tmp_path / "slow.xlsx", fast=False)
    assert _heights(tmp_path / "fast.xlsx", "Notes") == _heights(tmp_path / "slow.xlsx", "Notes")


def test_narrow_sheet_fits_one_a4_page_wide(tmp_path):
    out = tmp_path / "narrow.xlsx"
    write_sheets([_narrow_sheet([["a", "b"]])], out)
    ws = openpyxl.load_workbook(out)["Notes"]
    assert int(ws.page_setup.paperSize) == A4
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_cols is None
    assert ws.print_title_rows == "$1:$1"


def test_print_layout_rule():
    a4 = 297 / 25.4 * 72 - MARGINS_PT  # printable width of a landscape page, points
    a3 = 420 / 25.4 * 72 - MARGINS_PT
    # fits A4 at >= 60 %: A4, one page wide
    narrow = print_layout([20] * 6)
    assert (int(narrow.paper), narrow.pages_wide, narrow.title_columns) == (A4, 1, 0)
    # too wide for A4 at 60 % but fits A3 at 60 %: A3, one page wide
    medium = print_layout([24] * 12, id_columns=2)
    assert sum(column_points(24) for _ in range(12)) * MIN_PRINT_SCALE > a4
    assert (int(medium.paper), medium.pages_wide, medium.title_columns) == (A3, 1, 0)
    assert medium.scale >= MIN_PRINT_SCALE
    # much wider: several A3 pages wide, identifying columns repeated, each page still >= 60 %
    widths = [16, 26] + [30] * 27
    wide = print_layout(widths, id_columns=2)
    assert int(wide.paper) == A3 and wide.title_columns == 2
    assert wide.pages_wide > 1 and wide.scale >= MIN_PRINT_SCALE
    one_page_scale = a3 / sum(column_points(w) for w in widths)
    assert one_page_scale < MIN_PRINT_SCALE < wide.scale
    # one page fewer would not keep the scale
    assert wide.pages_wide >= sum(column_points(w) for w in widths) * MIN_PRINT_SCALE / a3


def test_mobikin_like_register_prints_readably(tmp_path):
    register = load_register(Path(__file__).parent / "data" / "minimal")
    out = tmp_path / "m.xlsx"
    write_workbook(register, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Controller record"]
    letters = [openpyxl.utils.get_column_letter(i) for i in range(1, ws.max_column + 1)]
    widths = [ws.column_dimensions[c].width for c in letters]
    layout = print_layout(widths, 2)
    assert int(ws.page_setup.paperSize) == A3
    assert ws.page_setup.fitToWidth == layout.pages_wide > 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_cols == "$A:$B"  # Activity id and Activity on every page
    assert ws.print_title_rows == "$1:$1"
    for sheet in wb.worksheets:
        heights = [sheet.row_dimensions[r].height for r in range(1, sheet.max_row + 1)]
        assert all(h is None or LINE_PT <= h <= MAX_ROW_PT for h in heights), sheet.title
        if sheet.sheet_state == "visible" and sheet.page_setup.fitToWidth == 1:
            assert not sheet.print_title_cols, sheet.title
    # the Cover's sheet list has one line per sheet and a row tall enough for all of them
    cover = wb["Cover"]
    sheets_row = next(r for r in cover.iter_rows() if r[0].value == "Sheets")
    lines = str(sheets_row[1].value).count("\n") + 1
    assert cover.row_dimensions[sheets_row[0].row].height >= min(MAX_ROW_PT, lines * LINE_PT)
    wb.close()
