"""Append numbered rows to an openpyxl write-only worksheet, each with an optional height.

:class:`RowStream` uses only openpyxl's documented write-only API: ``ws.append`` of plain
values and :class:`~openpyxl.cell.WriteOnlyCell` objects, and the worksheet's
``row_dimensions``, set before the row is appended (openpyxl: "styles for rows and columns
must be applied before writing cells"). It works with every XML writer openpyxl supports.

:class:`RawRowStream` writes the same rows about twice as fast: openpyxl builds and
serialises an XML element object per cell, which is most of a large export's time, so plain
cells (text already checked by :mod:`audit_lib.io.cells`, numbers, true/false) are written
as the same ``<c>`` markup openpyxl writes (inline strings, escaped, ``xml:space="preserve"``
when needed); styled cells still go through openpyxl. It relies on internals of openpyxl 3.1
and et_xmlfile 2.x, so :func:`row_stream` uses it only where :func:`raw_supported` finds
exactly those; anywhere else (et_xmlfile 1.x, lxml, another openpyxl) it falls back to
:class:`RowStream`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from typing import Any

from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter

_LETTERS = [""] + [get_column_letter(i) for i in range(1, 16385)]
_RAW_OPENPYXL = ("3.1.",)
"""openpyxl versions whose write-only internals :class:`RawRowStream` was written and tested against."""
_RAW_ET_XMLFILE = ("2.",)
"""et_xmlfile versions whose writer takes text through ``_IncrementalFileWriter._file``."""


@functools.cache
def _raw_libraries() -> bool:
    """openpyxl 3.1 without lxml, and an et_xmlfile 2.x writer that takes text through ``_file``
    (checked by writing with it: et_xmlfile 1.x holds the binary file there instead)."""
    try:
        import et_xmlfile
        import openpyxl
        from openpyxl.worksheet._write_only import WriteOnlyWorksheet
        from openpyxl.xml.functions import xmlfile
    except ImportError:
        return False
    if not (openpyxl.__version__.startswith(_RAW_OPENPYXL) and not openpyxl.LXML
            and getattr(et_xmlfile, "__version__", "").startswith(_RAW_ET_XMLFILE)
            and all(callable(getattr(WriteOnlyWorksheet, name, None)) for name in ("_get_writer", "close"))):
        return False
    out = io.BytesIO()
    try:
        with xmlfile(out) as xf, xf.element("a"):
            write = getattr(xf, "_file", None)
            if not callable(write):
                return False
            write('<b t="&amp;"/>')
    except Exception:  # any other writer: not the one this was written for
        return False
    return out.getvalue().endswith(b'<a><b t="&amp;"/></a>')


def raw_supported(ws: Any) -> bool:
    """Whether :class:`RawRowStream` can write ``ws``: the libraries :func:`_raw_libraries` checks,
    and the worksheet an openpyxl write-only sheet with no rows written yet."""
    if not _raw_libraries():
        return False
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    fresh = getattr(ws, "_writer", 0) is None and getattr(ws, "_rows", 0) is None
    return type(ws) is WriteOnlyWorksheet and fresh


def row_stream(ws: Any, fast: bool = True) -> RowStream | RawRowStream:
    """The row writer for ``ws``: :class:`RawRowStream` when ``fast`` and supported, else
    :class:`RowStream`."""
    return RawRowStream(ws) if fast and raw_supported(ws) else RowStream(ws)


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


class RowStream:
    """Rows for one write-only worksheet, in order: ``append(row_number, values, height)``.

    A row number past the next one leaves the rows between empty; the sheet is closed
    when the workbook is saved.
    """

    def __init__(self, ws: Any):
        self.ws = ws
        self.written = 0
        """The last row number written."""

    def append(self, row: int, values: list[Any], height: float | None = None) -> None:
        """Write row ``row``; ``height`` (points) sets an explicit row height (``customHeight``)."""
        ws = self.ws
        if row <= self.written:
            raise ValueError(f"sheet {ws.title!r}: row {row} after row {self.written}")
        while self.written + 1 < row:
            ws.append(())
            self.written += 1
        if height:
            ws.row_dimensions[row].height = height
            ws.append(values)
            del ws.row_dimensions[row]  # written: memory stays flat however many rows
        else:
            ws.append(values)
        self.written = row


class RawRowStream:
    """The same rows as :class:`RowStream`, plain cells written as XML text (see :func:`raw_supported`)."""

    def __init__(self, ws: Any):
        from openpyxl.cell._writer import write_cell

        self._write_cell = write_cell
        ws._get_writer()  # writes everything before <sheetData> (columns, panes, ...)
        self.ws = ws
        self.xf = ws._writer.xf.send(True)
        self.raw = self.xf._file
        self._gen = self._run()
        next(self._gen)
        ws._rows = self._gen  # openpyxl closes it when the sheet is saved

    def _run(self) -> Iterator[None]:
        with self.xf.element("sheetData"):
            try:
                while True:
                    row, values, height = yield
                    self._write(row, values, height)
            except GeneratorExit:
                pass
        self.ws._writer.xf.send(None)

    def append(self, row: int, values: list[Any], height: float | None = None) -> None:
        """Write one row; ``height`` (points) sets an explicit row height (``customHeight``)."""
        self._gen.send((row, values, height))

    def _write(self, row: int, values: list[Any], height: float | None = None) -> None:
        ws, raw = self.ws, self.raw
        r = str(row)
        out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        for col, v in enumerate(values, 1):
            t = type(v)
            if t is str:
                if not v:  # as openpyxl writes an empty string
                    out.append(f'<c r="{_LETTERS[col]}{r}" t="inlineStr"/>')
                    continue
                space = ' xml:space="preserve"' if v != v.strip() else ""
                out.append(f'<c r="{_LETTERS[col]}{r}" t="inlineStr"><is><t{space}>{_escape(v)}</t></is></c>')
            elif v is None:
                continue
            elif t is bool:
                out.append(f'<c r="{_LETTERS[col]}{r}" t="b"><v>{int(v)}</v></c>')
            elif t is int or t is float:
                out.append(f'<c r="{_LETTERS[col]}{r}" t="n"><v>{safe_string(v)}</v></c>')
            else:  # a styled openpyxl cell
                raw("".join(out))
                out = []
                v.row, v.column = row, col
                self._write_cell(self.xf, ws, v, v.has_style)
        out.append("</row>")
        raw("".join(out))
