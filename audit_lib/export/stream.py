"""Stream the rows of a write-only worksheet, writing plain cells' XML directly.

openpyxl's write-only mode builds an XML element object per cell and serialises it;
for a 10,000-activity register that is most of the export's time. Plain cells (text
already checked by :mod:`audit_lib.io.cells`, numbers, true/false) are written
here as the same ``<c>`` markup openpyxl writes (inline strings, escaped, with
``xml:space="preserve"`` when needed); styled cells still go through openpyxl. When
the XML writer in use is not the standard-library one this relies on (lxml
installed), every row goes through openpyxl's own writer instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openpyxl.cell._writer import write_cell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter

_LETTERS = [""] + [get_column_letter(i) for i in range(1, 16385)]


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


class RowStream:
    """Rows for one write-only worksheet: ``append(row_number, values)``; closed by ``ws.close()``."""

    def __init__(self, ws: Any, fast: bool = True):
        ws._get_writer()  # writes everything before <sheetData> (columns, panes, ...)
        self.ws = ws
        self.xf = ws._writer.xf.send(True)
        self.raw = getattr(self.xf, "_file", None) if fast else None
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
        if raw is None:
            if height:
                ws.row_dimensions[row].height = height
            ws._writer.write_row(self.xf, ws._values_to_row(values, row), row)
            ws.row_dimensions.pop(row, None)
            return
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
                write_cell(self.xf, ws, v, v.has_style)
        out.append("</row>")
        raw("".join(out))
