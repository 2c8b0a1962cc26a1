"""What changed between two versions of a register: records, transfers, findings.

The record of processing is kept up to date (Art 30(1), Art 5(2) accountability), and a
reviewer or the supervisory authority asks what changed since the last review. The diff walks
both registers through the record catalogue (:mod:`audit_lib.model.catalogue`) and reports, per
record, whether it was added or removed, or which fields changed (old -> new, in words), each
with the Art 30 point the field serves. Both versions are then judged on the same date (one
:class:`audit_lib.review.Review` each), so the transfer rows whose classification changed and
the findings opened and closed are those the edits caused, not the passing of time; what the
*law* changed on a fixed register is :mod:`audit_lib.analysis.law_changes`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from audit_lib.model.catalogue import CATALOGUE, RecordKind
from audit_lib.review import Review

if TYPE_CHECKING:
    from audit_lib.analysis.transfers import Transfer
    from audit_lib.issues import Issue
    from audit_lib.model import Register

ART30_KIND = {
    "organisation": "Art 30(1)(a)",
    "activities": "Art 30(1)",
    "recipients": "Art 30(1)(d)",
    "security": "Art 30(1)(g), Art 32",
    "systems": "Art 30(1)(e), Art 30(1)(g)",
    "processor_activities": "Art 30(2)",
    "rights": "Arts 12-22",
    "breach_procedure": "Art 33-34",
    "children": "Art 8",
    "cookies": "ePrivacy Art 5(3)",
    "other_commitments": "Art 5(2)",
}
"""The Art 30 point (or other article) a kind of record serves when no field says better."""

ART30_FIELD = {
    ("organisation", "dpo"): "Art 30(1)(a), Art 37",
    ("organisation", "eu_representative"): "Art 30(1)(a), Art 27",
    ("organisation", "joint_controllers"): "Art 30(1)(a), Art 26",
    ("organisation", "last_reviewed"): "Art 5(2) (record kept up to date)",
    ("organisation", "register_version"): "Art 5(2) (record kept up to date)",
    ("organisation", "register_owner"): "Art 5(2), Art 24",
    ("activities", "name"): "Art 30(1)(b)",
    ("activities", "description"): "Art 30(1)(b)",
    ("activities", "purposes"): "Art 30(1)(b)",
    ("activities", "legal_basis"): "Art 6(1)",
    ("activities", "legitimate_interest"): "Art 6(1)(f)",
    ("activities", "special_category_condition"): "Art 9(2)",
    ("activities", "criminal_data_basis"): "Art 10",
    ("activities", "data_subjects"): "Art 30(1)(c)",
    ("activities", "data_categories"): "Art 30(1)(c)",
    ("activities", "sources"): "Art 14(2)(f)",
    ("activities", "recipients"): "Art 30(1)(d)",
    ("activities", "systems"): "Art 30(1)(e), Art 30(1)(g)",
    ("activities", "retention"): "Art 30(1)(f)",
    ("activities", "security_measures"): "Art 30(1)(g)",
    ("activities", "dpia"): "Art 35",
    ("activities", "last_reviewed"): "Art 5(2) (record kept up to date)",
    ("recipients", "countries"): "Art 30(1)(e)",
    ("recipients", "transfer_mechanisms"): "Art 30(1)(e), Art 46",
    ("recipients", "dpf_certified"): "Art 30(1)(e), Art 45",
    ("recipients", "dpa"): "Art 28(3)",
    ("recipients", "joint_controller_arrangement"): "Art 26",
    ("recipients", "sub_processor_authorisation"): "Art 28(2)",
    ("systems", "countries"): "Art 30(1)(e)",
}
"""The Art 30 point a field serves, where it differs from its record kind's."""

_EVIDENCE = {"evidence", "assumptions", "notes"}


def article_of(kind: str, name: str) -> str:
    """The Art 30 point (or other article) field ``name`` of a ``kind`` record serves."""
    if name in _EVIDENCE:
        return "Art 5(2) (evidence)"
    return ART30_FIELD.get((kind, name), ART30_KIND.get(kind, "Art 30"))


# --------------------------------------------------------------------------
# Values in words
# --------------------------------------------------------------------------


def words(value: Any) -> str:
    """A field value as a reader would say it: ``not recorded``, ``yes``, ``US, IE``, ``key: value``."""
    if value is None or value == [] or value == {}:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(words(v) for v in value)
    if isinstance(value, dict):
        shown = [f"{k}: {words(v)}" for k, v in value.items() if v not in (None, [], {}, False)]
        return "(" + ", ".join(shown) + ")" if len(shown) > 1 else (shown[0] if shown else "not recorded")
    return " ".join(str(value).split())


def _list_delta(old: list, new: list) -> str:
    key = lambda v: json.dumps(v, sort_keys=True)  # noqa: E731
    olds, news = {key(v): v for v in old}, {key(v): v for v in new}
    parts = []
    added = [v for k, v in news.items() if k not in olds]
    removed = [v for k, v in olds.items() if k not in news]
    if added:
        parts.append("added " + "; ".join(words(v) for v in added))
    if removed:
        parts.append("removed " + "; ".join(words(v) for v in removed))
    return ", ".join(parts) if parts else "reordered"


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass
class FieldChange:
    """One field of one record whose value differs between the two versions."""

    field: str
    article: str
    old: Any
    new: Any
    text: str
    """The change in words: ``US -> US, GB (added GB)``."""
    description: str = ""
    """The model's description of the field, when it has one."""
    change: str = "changed"
    """``added`` (was not recorded), ``removed`` (no longer recorded) or ``changed``."""


@dataclass
class RecordChange:
    """A record added, removed or changed (with the fields that changed)."""

    kind: str
    label: str
    record: str
    """Canonical record path: ``activities[newsletter]``, ``organisation``."""
    change: str  # added, removed, changed
    name: str
    article: str
    fields: list[FieldChange] = field(default_factory=list)


def _dump(record: Any) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude_none=False)


def _name(record: Any) -> str:
    return str(getattr(record, "name", None) or getattr(record, "title", None) or "")


def _field_changes(kind: RecordKind, old: Any, new: Any) -> list[FieldChange]:
    a, b = _dump(old), _dump(new)
    out = []
    for name, info in kind.model.model_fields.items():
        before, after = a.get(name), b.get(name)
        if before == after:
            continue
        text = f"{words(before)} \u2192 {words(after)}"
        if isinstance(before, list) and isinstance(after, list):
            text += f" ({_list_delta(before, after)})"
        change = "added" if _empty(before) else "removed" if _empty(after) else "changed"
        out.append(FieldChange(field=name, article=article_of(kind.kind, name), old=before, new=after,
                               text=text, description=info.description or "", change=change))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def _keyed(kind: RecordKind, register: Register) -> dict[str, Any]:
    return {kind.path(r, i): r for i, r in enumerate(kind.records(register))}


def record_changes(old: Register, new: Register) -> list[RecordChange]:
    """Every record added, removed or changed from ``old`` to ``new``, in catalogue order."""
    changes: list[RecordChange] = []
    for kind in CATALOGUE:
        before, after = _keyed(kind, old), _keyed(kind, new)
        article = ART30_KIND.get(kind.kind, "Art 30")
        for path, rec in after.items():
            if path not in before:
                changes.append(RecordChange(kind.kind, kind.label, path, "added", _name(rec), article))
            else:
                fields = _field_changes(kind, before[path], rec)
                if fields:
                    changes.append(RecordChange(kind.kind, kind.label, path, "changed", _name(rec), article,
                                                fields))
        for path, rec in before.items():
            if path not in after:
                changes.append(RecordChange(kind.kind, kind.label, path, "removed", _name(rec), article))
    return changes


# --------------------------------------------------------------------------
# Transfers and findings
# --------------------------------------------------------------------------

TRANSFER_FIELDS = ("mechanism", "article", "status", "decision")
"""What a transfer row's classification is made of; a change in any of them is reported."""


@dataclass
class TransferChange:
    """A transfer row (exporter, importer, country) that appeared, disappeared or was reclassified."""

    exporter: str
    importer: str
    importer_name: str
    country: str | None
    change: str  # added, removed, changed
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    importer_role: str = ""
    onward: bool = False
    changed: list[str] = field(default_factory=list)
    """Which of :data:`TRANSFER_FIELDS` differ (all of them for an added or removed row)."""
    causes: list[dict[str, Any]] = field(default_factory=list)
    """For a change the law made: the reference entries that caused it (see law_changes)."""

    def text(self) -> str:
        """The change in words: ``status: no lawful mechanism -> compliant``."""
        if self.change == "added":
            return "now a transfer: " + _verdict(self.new)
        if self.change == "removed":
            return "no longer a transfer (was " + _verdict(self.old) + ")"
        return "; ".join(f"{k}: {words(self.old[k])} \u2192 {words(self.new[k])}" for k in self.changed)


def _verdict(row: dict[str, Any] | None) -> str:
    row = row or {}
    return f"{row.get('status')}, {row.get('mechanism')} ({row.get('article')})"


def transfer_key(t: Transfer) -> tuple[str, str, str]:
    """The identity of a transfer row across versions and dates: exporter, importer, country."""
    return (t.exporter, t.importer, t.country or "")


def transfer_changes(old: list[Transfer], new: list[Transfer]) -> list[TransferChange]:
    """Rows added, removed, or whose mechanism, article, status or decision changed."""
    before = {transfer_key(t): t for t in old}
    after = {transfer_key(t): t for t in new}
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        va = {k: getattr(a, k) for k in TRANSFER_FIELDS} if a else None
        vb = {k: getattr(b, k) for k in TRANSFER_FIELDS} if b else None
        if va == vb:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        changed = [k for k in TRANSFER_FIELDS if (va or {}).get(k) != (vb or {}).get(k)]
        either = b or a
        out.append(TransferChange(exporter=key[0], importer=key[1], importer_name=either.importer_name,
                                  country=key[2] or None, change=change, old=va, new=vb,
                                  importer_role=either.importer_role, onward=either.onward, changed=changed))
    return out


def finding_key(f: Issue) -> tuple[str, str, str]:
    """The identity of a finding across versions: code, record, field.

    A finding grouped over several records (``Issue.records``) has one identity per record:
    see :func:`per_record`."""
    return (f.code, f.record or "", f.field or "")


def per_record(f: Issue) -> list[Issue]:
    """``f`` once per record it covers (each with ``record`` and ``records`` that one record), so
    a grouped finding opens or closes record by record: the processor added without a data
    processing agreement is opened even when the finding already named two others."""
    if len(f.records) <= 1:
        return [f]
    return [replace(f, record=r, records=(r,)) for r in f.records]


def finding_keys(findings: list[Issue]) -> set[tuple[str, str, str]]:
    """The per-record identities (:func:`finding_key` of :func:`per_record`) of ``findings``."""
    return {finding_key(one) for f in findings for one in per_record(f)}


def finding_changes(old: list[Issue], new: list[Issue]) -> tuple[list[Issue], list[Issue]]:
    """(opened, closed): per record, findings only in ``new``, and findings only in ``old``."""
    a, b = finding_keys(old), finding_keys(new)
    opened = [one for f in new for one in per_record(f) if finding_key(one) not in a]
    closed = [one for f in old for one in per_record(f) if finding_key(one) not in b]
    return opened, closed


# --------------------------------------------------------------------------
# The diff
# --------------------------------------------------------------------------


@dataclass
class RegisterDiff:
    """Everything that changed from one version of a register to another, judged on ``as_of``."""

    old_label: str
    new_label: str
    as_of: dt.date
    records: list[RecordChange]
    transfers: list[TransferChange]
    opened: list[Issue]
    closed: list[Issue]

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not (self.records or self.transfers or self.opened or self.closed)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: old, new, as_of, records, transfers, findings_opened, findings_closed."""
        from audit_lib.audit.core import finding_row

        return {
            "old": self.old_label, "new": self.new_label, "as_of": self.as_of.isoformat(),
            "records": [asdict(r) for r in self.records],
            "transfers": [dict(asdict(t), text=t.text()) for t in self.transfers],
            "findings_opened": [finding_row(f) for f in self.opened],
            "findings_closed": [finding_row(f) for f in self.closed],
        }


def diff_reviews(old: Review, new: Review, old_label: str = "old", new_label: str = "new") -> RegisterDiff:
    """The diff of two reviews (normally of two versions on the same date)."""
    opened, closed = finding_changes(old.findings, new.findings)
    return RegisterDiff(old_label, new_label, new.as_of, record_changes(old.register, new.register),
                        transfer_changes(old.transfers, new.transfers), opened, closed)


def diff_registers(old: Register, new: Register, as_of: dt.date | str | None = None,
                   old_label: str = "old", new_label: str = "new") -> RegisterDiff:
    """What changed from ``old`` to ``new``: records field by field, and, both judged as of
    ``as_of`` (default today), the transfer rows reclassified and the findings opened and closed."""
    return diff_reviews(Review(old, as_of), Review(new, as_of), old_label, new_label)
