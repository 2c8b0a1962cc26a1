"""The "Changes since last review" sheet of the Article 30 workbook.

Keeping the record up to date (Art 30(1), Art 5(2)) means being able to show what changed
since the last review: the register's own edits (:mod:`audit_lib.analysis.diff`) and the rows
the law changed over the same period (:mod:`audit_lib.analysis.law_changes`). This module only
renders those as a :class:`~audit_lib.export.sheet.Sheet`; :func:`changes_since` computes them
for a register folder under git, by default since its ``last_reviewed`` date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit_lib.analysis.diff import RegisterDiff, diff_reviews, words
from audit_lib.analysis.law_changes import LawChanges, law_changes
from audit_lib.export.sheet import Column, Mark, Sheet, plain
from audit_lib.model import Register
from audit_lib.reference.transfers import as_date
from audit_lib.review import Review

SHEET_NAME = "Changes since last review"

CHANGE_COLUMNS = [
    Column("Change", 18, "", "record added, removed or changed; transfer reclassified; finding opened "
                             "or closed; law changed (a reference entry changed a transfer on a fixed "
                             "register)."),
    Column("Record", 30, "Art 30",
           "The record (canonical path) or transfer (exporter \u2192 importer, country)."),
    Column("Field", 22, "", "The field that changed, or the finding's code."),
    Column("Article", 22, "Art 30",
           "The Art 30 point (or other article) the field, finding or transfer serves."),
    Column("Before", 40, "", "The value at the last review."),
    Column("After", 40, "", "The value now."),
    Column("Why / reference", 50, "",
           "For a law change: the decision adopted, renewed, expired or struck down, with its source; "
           "for a finding: its message."),
]


def _diff_rows(d: RegisterDiff) -> Iterator[list[Any]]:
    for r in d.records:
        if not r.fields:
            yield [f"record {r.change}", r.record, None, r.article, None, r.name or None, r.label]
        for f in r.fields:
            yield ["record changed", r.record, f.field, f.article, words(f.old), words(f.new),
                   f.description or None]
    for t in d.transfers:
        where = f"{t.exporter} \u2192 {t.importer}, {t.country or 'country not recorded'}"
        yield ["transfer " + t.change, where, ", ".join(t.changed), "Art 30(1)(e), Chapter V",
               _verdict(t.old), _verdict(t.new), t.text()]
    for label, items in (("finding opened", d.opened), ("finding closed", d.closed)):
        for f in items:
            yield [label, f.record, f.code, f.article, None, None, f"{f.severity.value}: {f.message}"]


def _verdict(row: dict[str, Any] | None) -> str | None:
    if not row:
        return None
    return f"{row['status']}: {row['mechanism']} ({row['article']})" + (
        f", {row['decision']}" if row.get("decision") else "")


def _law_rows(lc: LawChanges) -> Iterator[list[Any]]:
    for t in lc.rows:
        where = f"{t.exporter} \u2192 {t.importer}, {t.country or 'country not recorded'}"
        why = "; ".join(f"{c['text']} ({c['source']})" for c in t.causes) or Mark(
            "no reference entry found for this change", "warning")
        yield ["law changed", where, ", ".join(t.changed), "Chapter V", _verdict(t.old), _verdict(t.new), why]


def changes_sheet(diff: RegisterDiff, law: LawChanges | None = None) -> Sheet:
    """The "Changes since last review" sheet: the diff's rows, then the rows the law changed."""
    rows = [*_diff_rows(diff), *(_law_rows(law) if law else [])]
    if not rows:
        rows = [[Mark(f"No change since {diff.old_label}.", "info")] + [None] * (len(CHANGE_COLUMNS) - 1)]
    period = f"{diff.old_label} \u2192 {diff.new_label}, judged as of {diff.as_of.isoformat()}"
    if law:
        period += f"; law compared {law.before.isoformat()} \u2192 {law.after.isoformat()}"
    return Sheet(SHEET_NAME, CHANGE_COLUMNS, rows, title=f"{SHEET_NAME}: {period}", freeze_columns=2,
                 description="What changed in the register and in the law since the last review "
                             "(Art 30(1), Art 5(2)).")


@dataclass
class ReviewChanges:
    """What changed since the last review: the register's diff (None when its history cannot be
    read), the rows the law changed over the same period, and a note saying what was compared."""

    diff: RegisterDiff | None
    law: LawChanges
    note: str

    def sheet(self) -> Sheet:
        """The "Changes since last review" sheet (law changes only when the diff is unavailable)."""
        if self.diff is None:
            rows = list(_law_rows(self.law)) or [[Mark("No change the law made.", "info")] + [None] * 6]
            rows.insert(0, [Mark(self.note, "warning")] + [None] * 6)
            return Sheet(SHEET_NAME, CHANGE_COLUMNS, rows, title=f"{SHEET_NAME}: {self.note}",
                         freeze_columns=2)
        return changes_sheet(self.diff, self.law)

    def table(self):
        """The sheet's rows as a DataFrame (cell text as shown), for a notebook."""
        import pandas as pd

        sheet = self.sheet()
        return pd.DataFrame([[plain(v) for v in row] for row in sheet.rows], columns=sheet.headers)


def changes_since(folder: str | Path, register: Register, since: str | None = None,
                  as_of: dt.date | str | None = None, *, fallback: bool = False,
                  review: Review | None = None) -> ReviewChanges:
    """The register's changes since ``since`` (a git revision or date; default its organisation's
    ``last_reviewed``) and the law's changes from that date to ``as_of`` (default today).

    Raises :class:`audit_lib.io.history.HistoryError` when the history cannot be read, unless
    ``fallback``: then, with no commit on or before the last review, the folder's first version
    is compared; when there is no history at all, only the law's changes are returned, with a note.
    ``review`` is the command's review of ``register`` on ``as_of``, reused rather than rebuilt.
    """
    from audit_lib.io.history import HistoryError, first_revision, register_at, resolve

    day = as_date(as_of)
    now = review if review is not None and review.as_of == day else Review(register, day)
    asked = since or (register.organisation.last_reviewed.isoformat()
                      if register.organisation.last_reviewed else None)
    start = _start_day(asked)
    try:
        if asked is None:
            raise HistoryError(f"{folder}: organisation.last_reviewed is not recorded: give --since REV|DATE")
        try:
            revision = resolve(folder, asked)
        except HistoryError:
            if not (fallback and start is not None):
                raise
            revision = first_revision(folder)
        old, revision = register_at(folder, revision)
    except HistoryError as exc:
        if not fallback:
            raise
        law = law_changes(register, start or day, day, review=now)
        return ReviewChanges(None, law, f"register history not compared: {exc}")
    diff = diff_reviews(Review(old, day), now, str(revision), "now")
    law = law_changes(register, start or revision.date, day, review=now)
    return ReviewChanges(diff, law, f"compared with {revision}; law from {law.before.isoformat()}")


def _start_day(asked: str | None) -> dt.date | None:
    """The day a date-like ``since`` names (the law is compared from it), else None."""
    try:
        return dt.date.fromisoformat(asked) if asked else None
    except ValueError:
        return None
