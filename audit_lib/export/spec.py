"""The column spec at work: one list of :class:`Column` per sheet, turned into rows and the Guide.

Each sheet of the standard layout is a list of columns (header, width, article, guide
text, field and cell function side by side) and the records it lists; :func:`table`
makes the :class:`Sheet` the xlsx, csv and json writers share, and :func:`guide_rows`
makes the Guide sheet from the same columns, so a header and its explanation cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from audit_lib.export.context import ExportContext
from audit_lib.export.render import mark_assumed
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.text import NOT_RECORDED, assumed_fields, evidence_text, notes_text
from audit_lib.model import Sourced


def blank_value(text: str) -> Any:
    """What an empty never-blank cell shows: 'Not recorded' marked as missing, else the text."""
    return Mark(text, "missing") if text.startswith(NOT_RECORDED) else Mark(text, "info")


def value_of(ctx: ExportContext, column: Column, record: Any, assumed: dict[str, list[str]]) -> Any:
    """The cell of ``record`` in ``column``: its cell function (or field), blank text, assumption mark."""
    value = column.cell(ctx, record) if column.cell else getattr(record, column.field, None)
    if (value is None or value == "") and column.blank is not None:
        value = blank_value(column.blank)
    if column.field and column.field in assumed:
        value = mark_assumed(value, column.field, assumed)
    return value


def findings_of(ctx: ExportContext, column: Column, record: Any) -> list[Any]:
    """The audit's findings on the field a column shows for a record (none for a computed column)."""
    rid = getattr(record, "id", None)
    return ctx.findings_at(rid, column.field) if column.field and isinstance(rid, str) else []


def mark_findings(value: Any, findings: list[Any]) -> Any:
    """A cell the audit found something on: its codes, referring to the Findings sheet (the
    finding itself is stated once, there); marked like a missing item when one is high or medium."""
    if not findings:
        return value
    serious = any(str(getattr(f.severity, "value", f.severity)) in ("high", "medium") for f in findings)
    note = "\u25b2 finding " + ", ".join(dict.fromkeys(f.code for f in findings)) + " (sheet Findings)"
    text = value.text if isinstance(value, Mark) else ("" if value is None else str(value))
    kind = "missing" if serious else (value.kind if isinstance(value, Mark) else "warning")
    return Mark(f"{text}\n{note}" if text else note, kind)


def row_of(ctx: ExportContext, columns: list[Column], record: Any) -> list[Any]:
    """One record as a row of cells, column by column."""
    assumed = assumed_fields(record) if isinstance(record, Sourced) else {}
    return [value_of(ctx, c, record, assumed) for c in columns]


def table(ctx: ExportContext, name: str, columns: list[Column], records: Iterable[Any],
          **sheet: Any) -> Sheet:
    """A sheet listing ``records``, one row each, in the columns of the spec (rows built lazily)."""
    return Sheet(name, columns, (row_of(ctx, columns, r) for r in records), **sheet)


EVIDENCE = Column("Evidence (policy text)", 60, "Art 5(2)",
                  "The sentence(s) of the published policy the entry is based on, in quotes.",
                  cell=lambda ctx, r: evidence_text(r), blank="no policy sentence recorded")
NOTES = Column("Notes", 30, "", "Free notes of the register keeper.", cell=lambda ctx, r: notes_text(r))
SOURCED = [EVIDENCE, NOTES]
"""The columns every record sheet ends with (its assumptions are marked on the cells they fill and
listed once, on the Assumptions to confirm sheet)."""


def guide_rows(sheets: Iterable[Sheet]) -> list[list[Any]]:
    """(sheet, column, article, what it shows) for every sheet and column, from the spec itself."""
    rows: list[list[Any]] = []
    for sheet in sheets:
        rows.append([sheet.name, "(sheet)", None, sheet.description or None])
        for col in sheet.columns:
            text = col.guide or None
            if col.blank is not None:
                text = f"{col.guide} Never blank: an empty value shows \u201c{col.blank}\u201d.".strip()
            rows.append([sheet.name, col.header, col.article or None, text])
    return rows
