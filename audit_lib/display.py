"""Small display helpers for the notebooks: show a figure, stable text for checked cells, what a
workbook holds. They render what the library computed; no judgement is made here."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def show(fig: Any) -> None:
    """Display a matplotlib Figure as a PNG image in Jupyter (and in the HTML report).

    Works whether or not pyplot was imported: registers IPython's PNG formatter
    for Figures (what the inline backend does) and closes the figure in pyplot,
    if pyplot tracks it, so it is not shown twice.
    """
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    if shell is not None:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)
    display(fig)


def counts_text(counts: Mapping[str, Any]) -> str:
    """``label: value`` lines, in the given order: stable plain text for checked cells."""
    return "\n".join(f"{label}: {value}" for label, value in counts.items())


def value_counts_text(series: pd.Series, label: str = "") -> str:
    """Counts of the values of a column as stable text (sorted by value, not by count)."""
    counts = series.fillna("(none)").astype(str).value_counts().sort_index()
    head = [f"{label}:"] if label else []
    return "\n".join(head + [f"  {value}: {n}" for value, n in counts.items()])


def workbook_contents(path: str | Path) -> pd.DataFrame:
    """What an .xlsx workbook holds, read back from the file: per sheet, its data rows (rows of
    its tables below their header row, or used rows below row 1 when it has no table), columns,
    and the number of images."""
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    book = load_workbook(path)
    rows = []
    for ws in book.worksheets:
        tables = [range_boundaries(t.ref) for t in ws.tables.values()]
        data_rows = sum(max_row - min_row for _, min_row, _, max_row in tables) if tables \
            else max((ws.max_row or 1) - 1, 0)
        rows.append({"sheet": ws.title, "rows": data_rows, "columns": ws.max_column or 0,
                     "images": len(getattr(ws, "_images", []))})
    book.close()
    return pd.DataFrame(rows, columns=["sheet", "rows", "columns", "images"])


def record_fields(record: Any) -> pd.Series:
    """The filled-in fields of a register record (evidence and assumptions aside), for display."""
    if record is None:
        return pd.Series(dtype=object, name="not recorded")
    data = record.model_dump(mode="json", exclude_none=True, exclude={"evidence", "assumptions"})
    return pd.Series({k: v for k, v in data.items() if v not in ("", [], {})}, dtype=object,
                     name=type(record).__name__)


_CHECKOUT = Path(__file__).resolve().parent.parent
"""The repository root when the package runs from a checkout (where the notebooks live)."""


def resolve_register(path: str | Path, here: str | Path | None = None) -> Path:
    """The register folder ``path`` names, wherever the notebook runs from.

    A relative path is tried against the working folder, ``here`` (the notebook
    folder) and, in a checkout, its ``notebooks/`` folder and root, so ``"../ropa/mobikin"``
    works from ``notebooks/`` (JupyterLab, nbval) and from the repository root.
    Returns ``path`` unchanged when nothing matches, so the loader reports it.
    """
    given = Path(path).expanduser()
    if given.is_absolute():
        return given
    bases = [Path.cwd(), Path(here) if here else None, _CHECKOUT / "notebooks", _CHECKOUT]
    for base in bases:
        if base is not None and (base / given).is_dir():
            return (base / given).resolve()
    stripped = Path(*[p for p in given.parts if p != ".."]) if given.parts else given
    for base in (Path.cwd(), _CHECKOUT):
        if (base / stripped).is_dir():
            return (base / stripped).resolve()
    return given




def open_register(path: str | Path):
    """Load the register a notebook's ``REGISTER`` parameter names, wherever the notebook runs from."""
    from audit_lib.io.loader import load_register

    return load_register(resolve_register(path))
