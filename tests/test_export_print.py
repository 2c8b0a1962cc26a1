"""Printed workbook stays legible: row heights follow wrapped text, text too long for one row continues
on the rows below, wide sheets span readable A4 pages."""

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
    wrap_lines,
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
    header, one, five, long_, mark = (h[r] for r in range(1, 6))
    assert header is not None and header >= LINE_PT
    assert one == LINE_PT
    assert five >= 5 * LINE_PT > one
    assert long_ > 3 * LINE_PT
    assert mark >= 3 * LINE_PT
    assert all(v is None or v <= MAX_ROW_PT for v in h.values())  # Excel's limit, never more
    # 500 lines do not fit one row: they continue on rows marked (continued), none lost
    ws = openpyxl.load_workbook(out)["Notes"]
    huge = [r for r in ws.iter_rows(min_row=6, values_only=True)]
    assert huge[0][0] == "huge" and all(r[0] == "(continued) huge" for r in huge[1:])
    assert sum(str(r[1]).count("x") for r in huge) == 500
    assert len(huge) == -(-500 // (int(MAX_ROW_PT // LINE_PT) - 1))


def test_fast_and_openpyxl_paths_write_the_same_heights(tmp_path):
    rows = [["a", "x\ny"], ["b", "z " * 100], ["c", None]]
    write_sheets([_narrow_sheet(rows)], tmp_path / "fast.xlsx", fast=True)
    write_sheets([_narrow_sheet(rows)], tmp_path / "slow.xlsx", fast=False)
    assert _heights(tmp_path / "fast.xlsx", "Notes") == _heights(tmp_path / "slow.xlsx", "Notes")


def test_wrap_lines_keeps_every_character():
    text = "alpha beta\n" + "gamma " * 40 + "x" * 75
    lines = wrap_lines(text, 30)
    assert all(len(t) <= 30 for t, _ in lines)
    assert [t for t, _ in lines[-3:]] == ["x" * 30, "x" * 30, "x" * 15]  # a long word breaks inside
    assert "".join(t + sep for t, sep in lines)[:-1] == text


def test_narrow_sheet_fits_one_a4_page_wide(tmp_path):
    out = tmp_path / "narrow.xlsx"
    write_sheets([_narrow_sheet([["a", "b"]])], out)
    ws = openpyxl.load_workbook(out)["Notes"]
    assert int(ws.page_setup.paperSize) == A4
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.scale) >= 75 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_cols is None
    assert ws.print_title_rows == "$1:$1"


def test_print_layout_rule():
    a4 = 297 / 25.4 * 72 - MARGINS_PT  # printable width of a landscape page, points
    portrait = 210 / 25.4 * 72 - MARGINS_PT
    assert 11 * MIN_PRINT_SCALE >= 8  # 11 pt type never prints below 8 pt
    # fits A4 at >= 75 %: A4, one page wide
    narrow = print_layout([20] * 6)
    assert (int(narrow.paper), narrow.pages_wide, narrow.title_columns) == (A4, 1, 0)
    # too wide for one page at 75 %: several A4 pages wide, identifying columns repeated
    medium = print_layout([24] * 12, id_columns=2)
    assert sum(column_points(24) for _ in range(12)) * MIN_PRINT_SCALE > a4
    assert (int(medium.paper), medium.title_columns) == (A4, 2) and medium.pages_wide > 1
    assert medium.scale >= MIN_PRINT_SCALE
    widths = [16, 26] + [30] * 27
    wide = print_layout(widths, id_columns=2)
    assert int(wide.paper) == A4 and wide.title_columns == 2
    assert wide.pages_wide > 1 and wide.scale >= MIN_PRINT_SCALE
    # one page fewer would not keep the scale
    assert wide.pages_wide >= sum(column_points(w) for w in widths) * MIN_PRINT_SCALE / a4
    # a portrait sheet counts the narrower page
    card = print_layout([26, 72], orientation="portrait")
    assert card.pages_wide == 1 and card.scale >= MIN_PRINT_SCALE
    assert sum(column_points(w) for w in (26, 72)) * card.scale <= portrait + 1e-6


def test_minimal_register_prints_readably(tmp_path):
    register = load_register(Path(__file__).parent / "data" / "minimal")
    out = tmp_path / "m.xlsx"
    write_workbook(register, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Recipients"]
    letters = [openpyxl.utils.get_column_letter(i) for i in range(1, ws.max_column + 1)]
    widths = [ws.column_dimensions[c].width for c in letters]
    layout = print_layout(widths, 2)
    assert layout.pages_wide > 1 and int(ws.page_setup.scale) == int(layout.scale * 100) >= 75
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # the scale is kept, pages follow
    assert ws.print_title_cols == "$A:$B"  # Recipient id and Name on every page
    assert ws.print_title_rows == "$1:$1"
    # the wide Controller record prints as an index (its items print once, on the record cards)
    assert wb["Controller record"].print_area.startswith("'Controller record'!$A$1:$D$")
    for sheet in wb.worksheets:
        assert int(sheet.page_setup.paperSize) == A4, sheet.title
        heights = [sheet.row_dimensions[r].height for r in range(1, sheet.max_row + 1)]
        assert all(h is None or LINE_PT <= h <= MAX_ROW_PT for h in heights), sheet.title
        if sheet.sheet_state == "visible" and sheet.title != "Data-flow diagram":
            assert int(sheet.page_setup.scale) >= 75, sheet.title
    for name in ("Cover", "Controller", "Record cards"):
        assert wb[name].page_setup.orientation == "portrait", name
    # one record card per activity: a page break before every card but the first
    cards = wb["Record cards"]
    titles = [c.row for c in cards["B"] if c.value in {f"{a.name} [{a.id}]" for a in register.activities}]
    assert len(titles) == len(register.activities)
    assert [b.id + 1 for b in cards.row_breaks.brk] == titles[1:]
    wb.close()
