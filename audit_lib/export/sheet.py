"""Layout-independent description of a workbook sheet: columns, rows, preamble, image.

Every layout (standard, ICO, CNIL) builds a list of :class:`Sheet`; the same list
feeds the xlsx writer, the csv/json exports and the benchmark baseline, so all of
them carry exactly the same cell values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column: its header, width in characters, and what the Guide sheet says about it."""

    header: str
    width: int = 24
    article: str = ""
    guide: str = ""


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
    preamble: list[list[Any]] = field(default_factory=list)
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

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def plain(value: Any) -> Any:
    """The text a cell shows for a value (Mark -> its text)."""
    return value.text if isinstance(value, Mark) else value
