"""Check that every value a DPO recorded is visible on a human sheet of an exported workbook.

Walks the Register (every record, nested records included) and looks for each
non-empty value in the text of the workbook's human sheets (the machine-readable
``data.*`` sheets do not count). Text is compared case-insensitively with whitespace
collapsed; a true/false value counts as visible when the label of its field is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from audit_lib.export.render import BOOL_LABELS
from audit_lib.export.xlsx import CONTINUED
from audit_lib.io.cells import OVERFLOW_SHEET, escape_illegal
from audit_lib.io.datasheets import PREFIX
from audit_lib.io.import_xlsx import join_overflow, open_workbook, read_overflow, sheet_rows
from audit_lib.model import Register

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def workbook_text(path: str | Path, *, data_sheets: bool = False) -> str:
    """All cell text of the workbook's human sheets (Overflow parts joined), normalised."""
    from openpyxl.utils import get_column_letter

    wb = open_workbook(path)
    out: list[str] = []
    try:
        overflow = read_overflow(wb)
        for name in wb.sheetnames:
            if (name.startswith(PREFIX) or name == OVERFLOW_SHEET) and not data_sheets:
                continue
            rows: list[list[Any]] = []
            for r, values in sheet_rows(wb[name]):
                cells = [join_overflow(v, name, f"{get_column_letter(c)}{r}", overflow)
                         for c, v in enumerate(values, 1)]
                if rows and cells and isinstance(cells[0], str) and cells[0].startswith(CONTINUED):
                    _continue(rows[-1], cells)  # the text of a long row, carried on below it
                else:
                    rows.append(cells)
            out += [_norm(v if isinstance(v, str) else str(v)) for row in rows for v in row if v is not None]
    finally:
        wb.close()
    return "\n".join(out)


def _continue(row: list[Any], cells: list[Any]) -> None:
    """Append a continuation row's texts to the row they continue (the identifying cells repeat)."""
    row += [None] * (len(cells) - len(row))
    for c, v in enumerate(cells):
        if v is None:
            continue
        if isinstance(v, str) and v.startswith(CONTINUED):
            v = v[len(CONTINUED):].lstrip()
            if v == row[c]:
                continue
        row[c] = v if row[c] is None else f"{row[c]}{v}"


def leaf_values(obj: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, field name, value) of every non-empty scalar in a record, nested ones included."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _leaf(getattr(obj, name), f"{path}.{name}" if path else name, name)
    else:
        yield from _leaf(obj, path, path)


def _leaf(value: Any, path: str, name: str) -> Iterator[tuple[str, str, Any]]:
    if value is None or value == "" or value == []:
        return
    if isinstance(value, BaseModel):
        yield from leaf_values(value, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaf(item, f"{path}[{i}]", name)
    else:
        yield path, name, value


def shown_as(name: str, value: Any) -> list[str]:
    """The texts any of which shows the value in a workbook."""
    if isinstance(value, bool):
        return [BOOL_LABELS.get(name, name.replace("_", " "))]
    if isinstance(value, Enum):
        out = [value.value, value.value.replace("_", " "), value.value.replace("_", "-")]
        article = getattr(value, "article", None)
        return out + ([article] if isinstance(article, str) else [])
    if isinstance(value, dt.date):
        return [value.isoformat()]
    text = escape_illegal(str(value))[0]
    if _TOKEN.fullmatch(text):  # a code such as not_stated may be shown in words
        return [text, text.replace("_", " ")]
    return [text]


def register_records(register: Register) -> Iterator[tuple[str, Any]]:
    """(label, record) of every record of the register, and the register's own source fields."""
    yield "organisation", register.organisation
    for kind in ("activities", "recipients", "security_measures", "systems", "processor_activities"):
        for rec in getattr(register, kind):
            yield f"{kind}[{rec.id}]", rec
    yield "commitments", register.commitments
    yield "taxonomy", register.taxonomy
    yield "register", {"source_path": register.source_path, "source_hash": register.source_hash}


def invisible_fields(register: Register, path: str | Path) -> list[str]:
    """'record.field = value' for each recorded value that no human sheet of the workbook shows."""
    text = workbook_text(path)
    missing = []
    for label, record in register_records(register):
        leaves = ((k, k, v) for k, v in record.items() if v) if isinstance(record, dict) \
            else leaf_values(record)
        for field_path, name, value in leaves:
            if not any(_norm(t) in text for t in shown_as(name, value)):
                missing.append(f"{label}.{field_path} = {value!r}")
    return missing
