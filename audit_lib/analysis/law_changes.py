"""What the law changed: the same register classified on two dates (Chapter V).

A register can stand still while the law moves: an adequacy decision is adopted (Brazil,
26 Jan 2026), renewed (UK, Dec 2025) or struck down (Privacy Shield, CJEU C-311/18), a
transitional regime ends (the UK bridge on 27 Jun 2021, the repealed SCC on 27 Dec 2022).
:func:`law_changes` builds one :class:`audit_lib.review.Review` per date, compares the
transfer rows (:func:`audit_lib.analysis.diff.transfer_changes`) and, for each row that
changed, names the dated reference entries that changed between the two dates for that
row's country or mechanism. The reference data is read only through the accessors of
:mod:`audit_lib.reference.transfers`, so new entries there are picked up as they are added.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from audit_lib.analysis.diff import TransferChange, transfer_changes
from audit_lib.model import Register
from audit_lib.reference import transfers as ref
from audit_lib.reference.transfers import as_date
from audit_lib.review import Review

_ONE_DAY = dt.timedelta(days=1)
_JUDGMENT = re.compile(r"CELEX:6\d{4}CJ|curia\.europa\.eu")
"""A source that is a judgment of the Court of Justice (CELEX sector 6), not a decision."""
_CONTROLLER_ROLES = {"independent_controller", "joint_controller", "public_authority"}


@dataclass(frozen=True)
class Cause:
    """A dated reference entry that changed between two dates: what happened, when, and its source."""

    entry: str
    """The decision or instrument, as the reference data names it: ``(EU) 2026/179``."""
    event: str  # adopted, renewed, expired, struck down, started, ended
    date: dt.date
    source: str
    text: str

    def as_dict(self) -> dict[str, Any]:
        return dict(asdict(self), date=self.date.isoformat())


def _between(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    """True when ``day`` falls after ``start`` and on or before ``end`` (the later judgement)."""
    return day is not None and start < day <= end


def _adequacy_events(country: str, start: dt.date, end: dt.date) -> list[Cause]:
    history = ref.adequacy_history(country)
    causes = []
    for i, d in enumerate(history):
        earlier = history[:i]
        if _between(d.since, start, end):
            renewed = any(e.until is not None and e.until >= d.since - _ONE_DAY * 7 for e in earlier)
            event = "renewed" if renewed else "adopted"
            causes.append(Cause(d.decision, event, d.since, d.source,
                                f"adequacy decision {d.decision} for {d.name} {event}, applies from "
                                f"{d.since.isoformat()}"))
        ended = d.until + _ONE_DAY if d.until else None
        if _between(ended, start, end):
            later = [e for e in history[i + 1:] if e.covers(ended)]
            struck = _JUDGMENT.search(d.source) is not None or "invalid" in d.note.lower()
            event = "struck down" if struck and not later else "expired"
            text = f"adequacy decision {d.decision} for {d.name} {event}: last day {d.until.isoformat()}"
            if later:
                text += f", continued by {later[-1].decision}"
            if struck and d.note:
                text += f" ({d.note})"
            causes.append(Cause(d.decision, event, ended, d.source, text))
    return causes


def _free_flow_events(country: str, start: dt.date, end: dt.date) -> list[Cause]:
    before, after = ref.free_flow(country, start), ref.free_flow(country, end)
    if before == after:
        return []
    causes = []
    if before is not None:
        last = before.until or end
        causes.append(Cause(f"{before.name} {before.status}", "ended", last + _ONE_DAY, before.source,
                            f"{before.name}: {before.status} period ended on {last.isoformat()} "
                            f"(not a transfer until then){': ' + before.note if before.note else ''}"))
    if after is not None:
        causes.append(Cause(f"{after.name} {after.status}", "started", after.since, after.source,
                            f"{after.name}: {after.status} from {after.since.isoformat()}, not a transfer"))
    return causes


def _scc_events(change: TransferChange, start: dt.date, end: dt.date) -> list[Cause]:
    rows = [r for r in (change.old, change.new) if r]
    if not any(r.get("mechanism") == "scc" for r in rows):
        return []
    scc = ref.scc_decision()
    causes = []
    since = ref.as_date(scc.get("since"))
    if _between(since, start, end):
        causes.append(Cause(str(scc["decision"]), "started", since, str(scc.get("source", "")),
                            f"SCC Decision {scc['decision']} applies from {since.isoformat()}"))
    importer = "controller" if change.importer_role in _CONTROLLER_ROLES else "processor"
    roles = ("processor" if change.onward else "controller", importer)
    previous = list(scc.get("previous", []))
    previous = [p for p in previous if (p.get("exporter"), p.get("importer")) == roles] or previous
    for old in previous:
        until = ref.as_date(old["until"]) if old.get("until") else None
        ended = until + _ONE_DAY if until else None
        if _between(ended, start, end):
            causes.append(Cause(str(old["decision"]), "expired", ended, str(scc.get("source", "")),
                                f"SCC {old['decision']} ({old.get('exporter')} to {old.get('importer')}) "
                                f"stopped providing safeguards after {until.isoformat()} "
                                f"(Decision {scc['decision']} Art 4)"))
    return causes


def causes_of(change: TransferChange, start: dt.date, end: dt.date) -> list[Cause]:
    """The reference entries that changed between ``start`` and ``end`` for this row's country or
    mechanism, oldest first; empty when none is found (the row then says so)."""
    found: list[Cause] = []
    if change.country:
        found += _free_flow_events(change.country, start, end)
        found += _adequacy_events(change.country, start, end)
    found += _scc_events(change, start, end)
    return sorted(found, key=lambda c: (c.date, c.entry))


@dataclass
class LawChanges:
    """The rows the law changed between two dates for one register."""

    organisation: str
    before: dt.date
    after: dt.date
    rows: list[TransferChange]

    def as_dict(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "before": self.before.isoformat(),
                "after": self.after.isoformat(),
                "rows": [dict(asdict(r), text=r.text()) for r in self.rows]}


def law_changes(register: Register, before: dt.date | str, after: dt.date | str | None = None, *,
                review: Review | None = None) -> LawChanges:
    """Every transfer row whose status, mechanism, article or decision differs between the
    register judged on ``before`` and on ``after`` (default today), each with its causes;
    ``review`` (the command's, of ``register``) is reused for the date it was made on."""
    a, b = as_date(before), as_date(after)
    reviews = {r.as_of: r for r in [review] if r is not None}
    start, end = min(a, b), max(a, b)
    for day in (a, b):
        if day not in reviews:
            reviews[day] = Review(register, day)
    rows = transfer_changes(reviews[a].transfers, reviews[b].transfers)
    for row in rows:
        row.causes = [c.as_dict() for c in causes_of(row, start, end)]
    return LawChanges(register.organisation.name, a, b, rows)


LAW_COLUMNS = ["exporter", "importer", "country", "change", "what changed", "caused by"]


def law_table(changes: LawChanges):
    """The changed rows as a DataFrame (columns :data:`LAW_COLUMNS`), causes as entry and event."""
    import pandas as pd

    rows = [[t.exporter, t.importer, t.country or "not recorded", t.change, t.text(),
             "; ".join(f"{c['entry']} {c['event']} {c['date']}" for c in t.causes) or "not found"]
            for t in changes.rows]
    return pd.DataFrame(rows, columns=LAW_COLUMNS)


def rows_by_cause(changes: LawChanges) -> dict[str, int]:
    """How many changed rows each reference entry caused (``not found`` for rows with none)."""
    counts: dict[str, int] = {}
    for row in changes.rows:
        for entry in {c["entry"] for c in row.causes} or {"cause not found"}:
            counts[entry] = counts.get(entry, 0) + 1
    return counts


def chart(changes: LawChanges, diff: Any = None):
    """A horizontal bar chart: changed transfer rows per reference entry (and, given a
    :class:`~audit_lib.analysis.diff.RegisterDiff`, the register's own changes per kind)."""
    from matplotlib.figure import Figure

    bars = {f"law: {k}": v for k, v in sorted(rows_by_cause(changes).items())}
    if diff is not None:
        for r in diff.records:
            key = f"register: {r.label} {r.change}"
            bars[key] = bars.get(key, 0) + 1
        if diff.transfers:
            bars["register: transfer rows reclassified"] = len(diff.transfers)
    fig = Figure(figsize=(8, 0.45 * max(len(bars), 2) + 1.2))
    ax = fig.subplots()
    labels = list(bars)[::-1]
    ax.barh(labels, [bars[k] for k in labels], color=["#1f77b4" if k.startswith("law") else "#ff7f0e"
                                                      for k in labels])
    ax.set_xlabel("changes")
    period = f"{changes.before.isoformat()} \u2192 {changes.after.isoformat()}"
    ax.set_title(f"{changes.organisation}: changes {period}")
    if not bars:
        ax.text(0.5, 0.5, "no change", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    return fig
