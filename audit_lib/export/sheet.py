"""Layout-independent description of a workbook sheet: columns, rows, preamble, image.

Every layout (standard, ICO, CNIL) builds a list of :class:`Sheet`; the same list
feeds the xlsx writer, the csv/json exports and the benchmark baseline, so all of
them carry exactly the same cell values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

Cell = Callable[[Any, Any], Any]
"""A cell function: ``(context, record) -> value`` (text, a :class:`Mark`, a number, or None)."""


@dataclass(frozen=True)
class Column:
    """One column of the spec: header, width, article, guide text, field and cell function side by side.

    ``cell(ctx, record)`` computes the value; ``field`` names the model field shown (its
    assumptions to confirm are marked on the cell); ``blank`` is what an empty cell shows
    instead (the Guide then says the column is never blank).
    """

    header: str
    width: int = 24
    article: str = ""
    guide: str = ""
    field: str = ""
    cell: Cell | None = _field(default=None, compare=False)
    blank: str | None = None


@dataclass(frozen=True)
class Mark:
    """A cell value with a visible status: ``missing`` (Not recorded), ``assumed`` or ``warning``."""

    text: str
    kind: str = "missing"

    def __str__(self) -> str:
        return self.text


@dataclass
class Sheet:
    """A sheet to write: a header row and data rows, optionally preceded by preamble rows.

    ``kind`` is ``human`` (what a reader sees) or ``data`` (machine-readable, read back by
    ``ropa import-xlsx``). ``rows`` may be a generator so large sheets stream.
    """

    name: str
    columns: list[Column]
    rows: Iterable[list[Any]]
    title: str = ""
    preamble: list[list[Any]] = _field(default_factory=list)
    kind: str = "human"
    hidden: bool = False
    image_png: bytes | None = None
    image_anchor: str = "A1"
    freeze_columns: int = 0
    description: str = ""
    orientation: str = "landscape"
    """Printed page orientation: ``landscape`` or ``portrait`` (a record card, a CNIL fiche)."""
    page_header: str | None = None
    """Left page header when printed (default: the workbook title)."""
    page_footer: str | None = None
    """Right page footer when printed, with &P / &N page fields (default: 'Page &P of &N')."""
    min_print_scale: float | None = None
    """Smallest print scale (default ``xlsx.MIN_PRINT_SCALE``); 0.8 prints 10 pt page headers at 8 pt."""
    """How the sheet prints on A4: ``landscape`` (wide tables) or ``portrait`` (cover, record cards)."""
    page_breaks: list[int] = _field(default_factory=list)
    """Data rows (1-based, counted from the first row after the header) that start a new printed page."""
    fit_page: bool = False
    """Print the whole sheet on one page (the diagram)."""
    print_columns: int = 0
    """When set, only the first ``print_columns`` columns print (a wide table whose full content
    prints elsewhere, e.g. on the record cards): the printed page is an index, the screen has all."""
    print_only: bool = False
    """A view for paper only (record cards, the diagram): left out of the csv and json exports,
    which carry the same values in the table sheets."""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def plain(value: Any) -> Any:
    """The text a cell shows for a value (Mark -> its text)."""
    return value.text if isinstance(value, Mark) else value
