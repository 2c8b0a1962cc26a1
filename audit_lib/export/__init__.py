"""Export a register: the Article 30 workbook (standard, ICO and CNIL layouts), csv and json.

``write_workbook(register, path, layout="standard", as_of=None, review=None)`` writes the .xlsx,
rendering one :class:`~audit_lib.review.Review` (transfers, findings, graph computed once);
``write_csv`` and ``write_json`` write the same sheets for other tools;
``export(register, path, layout, fmt, as_of)`` picks one by format.
``audit_lib.io.import_xlsx.import_xlsx`` reads a standard workbook back into YAML.
Every output is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit_lib.export.flat import write_csv, write_json
    from audit_lib.export.workbook import write_workbook
    from audit_lib.model import Register
    from audit_lib.review import Review

FORMATS = ("xlsx", "csv", "json")
"""The formats ``export`` writes (``ropa export --format`` adds fides)."""

LAYOUTS = ("standard", "ico", "cnil")
"""The workbook layouts: standard, the UK ICO's template, the CNIL's registre simplifié."""

_LAZY = {"write_csv": "audit_lib.export.flat", "write_json": "audit_lib.export.flat",
         "write_workbook": "audit_lib.export.workbook"}
"""The writers, imported on first use (openpyxl is not imported by ``ropa validate`` or ``--help``)."""

__all__ = ["FORMATS", "LAYOUTS", "export", "format_for", "write_csv", "write_json", "write_workbook"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def format_for(path: str | Path) -> str:
    """The format a file name asks for: .json -> json, .csv/.zip or a folder -> csv, else xlsx."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".zip") or p.is_dir() or str(path).endswith(("/", "\\")):
        return "csv"
    return "xlsx"


def export(register: Register, path: str | Path, layout: str = "standard", fmt: str | None = None,
           as_of: dt.date | str | None = None, *, review: Review | None = None) -> Path:
    """Write ``register`` to ``path`` in format ``fmt`` (default: from the file name), rendering
    ``review`` (one graph, classification and audit; built here when not given)."""
    from audit_lib.export.flat import write_csv, write_json
    from audit_lib.export.workbook import write_workbook
    from audit_lib.review import Review

    fmt = fmt or format_for(path)
    review = review if review is not None else Review(register, as_of)
    if fmt == "xlsx":
        return write_workbook(register, path, layout, as_of, review=review).path
    if fmt == "csv":
        if Path(path).suffix.lower() == ".csv":
            raise ValueError("the csv export writes one file per sheet: give a folder or a .zip file name")
        return write_csv(register, path, layout, as_of, review=review)
    if fmt == "json":
        return write_json(register, path, layout, as_of, review=review)
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
