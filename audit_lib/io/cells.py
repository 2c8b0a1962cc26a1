"""Cell text safety: nothing executable, nothing silently cut, nothing silently dropped.

* A value beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or equal
  to an Excel error literal (``#N/A``...), is stored as a text cell (never a formula or
  an error) with the "quote prefix" style, so it also stays text when a person edits
  the cell in Excel or LibreOffice. The value itself is not altered.
* Characters XML 1.0 cannot hold (C0 controls other than tab/newline/CR, U+FFFE,
  U+FFFF, lone surrogates) are replaced by a visible escape such as ``\\x07``, and the
  replacement is listed on the workbook's "Export notes" sheet.
* Text over Excel's 32,767-character cell limit continues on the "Overflow" sheet; the
  cell ends with a marker naming where, and ``ropa import-xlsx`` joins the parts again.
"""

from __future__ import annotations

import re

from openpyxl.cell.cell import ERROR_CODES

MAX_CELL_CHARS = 32_767
"""Excel's limit on the characters in one cell (counted in UTF-16 code units)."""

ILLEGAL_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
OVERFLOW_SHEET = "Overflow"
MARKER_RE = re.compile(r" \[\u2026 continued on sheet Overflow, '(.+)'!([A-Z]+[0-9]+), ([0-9]+) parts?\]\Z")
_MARKER_ROOM = 80


def excel_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units: an emoji counts two)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def formula_like(text: str) -> bool:
    """True when a spreadsheet could take this text for a formula or an error value."""
    return text.startswith(FORMULA_START) or text in ERROR_CODES


def escape_illegal(text: str) -> tuple[str, int]:
    """Replace characters XML cannot hold by a visible escape; return (text, how many)."""
    count = 0

    def _sub(match: re.Match) -> str:
        nonlocal count
        count += 1
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return ILLEGAL_XML_RE.sub(_sub, text), count


def split_text(text: str, limit: int = MAX_CELL_CHARS) -> list[str]:
    """Cut text into pieces of at most ``limit`` UTF-16 units, never inside a surrogate pair."""
    parts: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        # shrink until the piece fits in UTF-16 units (only matters for astral characters)
        while excel_len(text[start:end]) > limit:
            end -= max(1, (excel_len(text[start:end]) - limit) // 2)
        parts.append(text[start:end])
        start = end
    return parts


def cell_ref(sheet: str, coordinate: str) -> str:
    """Excel-style reference 'Sheet name'!B7."""
    return "'" + sheet.replace("'", "''") + "'!" + coordinate


def continued_marker(sheet: str, coordinate: str, parts: int) -> str:
    """The visible note that ends a cell whose text continues on the Overflow sheet."""
    ref = cell_ref(sheet, coordinate)
    return f" [\u2026 continued on sheet Overflow, {ref}, {parts} part{'s' if parts != 1 else ''}]"


def split_for_cell(text: str) -> tuple[str, list[str]]:
    """(text that fits in the cell, leaving room for the marker; the remaining pieces)."""
    if excel_len(text) <= MAX_CELL_CHARS:
        return text, []
    head = split_text(text, MAX_CELL_CHARS - _MARKER_ROOM)[0]
    return head, split_text(text[len(head):])
