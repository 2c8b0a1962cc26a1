"""What an export computes once from the register: transfers, findings, the diagram.

Transfers (``audit_lib.flows``), findings (``audit_lib.audit``) and the diagram
(``audit_lib.plots``) come from other modules. If one of them fails, the export
still completes and the sheet concerned shows a visible message saying what went
wrong; nothing is left blank without saying why.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from audit_lib.model import ProcessingActivity, Recipient, Register
from audit_lib.reference.taxonomy import KINDS

EXPORT_CODE = "ROPA-X001"
"""Code of the finding the export adds for an Art 30 item it had to show as 'Not recorded'."""

DIAGRAM_MAX_PARTIES = 400
"""Above this many recipients + systems + activities the diagram is not drawn (unreadable, slow)."""


@dataclass
class Gap:
    """An Art 30 item the export shows as 'Not recorded'."""

    record: str
    field: str
    article: str
    message: str


@dataclass
class ExportContext:
    register: Register
    as_of: dt.date | None
    generated: dt.datetime
    transfers: list[Any] | None = None
    transfers_error: str | None = None
    findings: list[dict[str, str]] = field(default_factory=list)
    findings_error: str | None = None
    gaps: list[Gap] = field(default_factory=list)
    diagram: bool = True
    memo: dict[Any, Any] = field(default_factory=dict)
    _diagram: tuple[bytes | None, str | None] | None = None

    @property
    def names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.register.recipients}

    @property
    def extra(self) -> dict[str, dict[str, str]]:
        """The register's own taxonomy names per kind (fides_key -> name)."""
        tax = self.register.taxonomy
        return {kind: {t.fides_key: t.name for t in getattr(tax, kind)} for kind in KINDS}

    @cached_property
    def _transfers_by_activity(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = defaultdict(list)
        for t in self.transfers or []:
            for aid in dict.fromkeys(t.activities):
                out[aid].append(t)
        return out

    def transfers_of(self, activity_id: str) -> list[Any]:
        """The classified transfers serving an activity (Art 30(1)(e))."""
        return self._transfers_by_activity.get(activity_id, [])

    @cached_property
    def children(self) -> dict[str, list[Recipient]]:
        """Recipient id -> its direct sub-processors (Art 28(2))."""
        out: dict[str, list[Recipient]] = defaultdict(list)
        for r in self.register.recipients:
            if r.parent:
                out[r.parent].append(r)
        return out

    @cached_property
    def users(self) -> dict[tuple[str, str], list[ProcessingActivity]]:
        """(kind, id) -> the activities using a recipient, security measure or system."""
        out: dict[tuple[str, str], list[ProcessingActivity]] = defaultdict(list)
        for a in self.register.activities:
            for kind, ids in (("recipient", a.recipient_ids), ("measure", a.security_measures),
                              ("system", a.systems)):
                for i in dict.fromkeys(ids):
                    out[(kind, i)].append(a)
        return out

    def diagram_png(self) -> tuple[bytes | None, str | None]:
        """(PNG bytes, None) or (None, why there is no diagram)."""
        if self._diagram is None:
            self._diagram = _draw(self.register, self.as_of) if self.diagram else (
                None, "The diagram was not requested for this export.")
        return self._diagram


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _draw(register: Register, as_of: dt.date | None) -> tuple[bytes | None, str | None]:
    size = len(register.recipients) + len(register.systems) + len(register.activities)
    if size > DIAGRAM_MAX_PARTIES:
        return None, (f"The register has {size} activities, systems and recipients, too many for a "
                      f"readable diagram (limit {DIAGRAM_MAX_PARTIES}); the table below lists every flow.")
    try:
        from audit_lib.plots import flow_diagram

        fig = flow_diagram(register, as_of)
        width, height = fig.get_size_inches()
        dpi = max(40, min(120, int(4000 / max(width, height, 1))))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue(), None
    except Exception as exc:  # another module's failure must not stop the export
        return None, (f"The data-flow diagram could not be drawn ({_error(exc)}); "
                      "the table below lists every flow.")


def _transfers(register: Register, as_of: dt.date | None) -> tuple[list[Any] | None, str | None]:
    try:
        from audit_lib.analysis.transfers import classify_transfers
    except ImportError as exc:
        return None, f"Transfers not classified: audit_lib.flows is not available ({exc})."
    try:
        return list(classify_transfers(register, as_of)), None
    except Exception as exc:
        return None, f"Transfers could not be classified ({_error(exc)})."


def _findings(register: Register, as_of: dt.date | None) -> tuple[list[dict[str, str]], str | None]:
    try:
        from audit_lib.audit import audit
        from audit_lib.audit.core import finding_row
    except ImportError as exc:
        return [], f"Audit not run: audit_lib.audit is not available ({exc})."
    try:
        return [dict(finding_row(f), source="audit") for f in audit(register, as_of)], None
    except Exception as exc:
        return [], f"The audit could not run ({_error(exc)})."


def activity_gaps(activity: ProcessingActivity) -> list[tuple[str, str]]:
    """(field, Art 30(1) point) of the activity items that are not recorded at all."""
    out = []
    if not activity.purposes:
        out.append(("purposes", "b"))
    if not activity.data_subjects:
        out.append(("data_subjects", "c"))
    if not activity.data_categories:
        out.append(("data_categories", "c"))
    if not activity.retention or all(r.period in (None, "not_stated") and not r.description
                                     for r in activity.retention):
        out.append(("retention", "f"))
    if not activity.security_measures:
        out.append(("security_measures", "g"))
    return out


def organisation_gap(register: Register) -> bool:
    """True when the controller has no address and no contact detail (Art 30(1)(a))."""
    org = register.organisation
    c = org.contact
    return not (org.address or (c and (c.email or c.phone or c.address or c.url)))


def gaps(register: Register) -> list[Gap]:
    """Every Art 30 item the workbook shows as 'Not recorded'."""
    out = []
    if organisation_gap(register):
        out.append(Gap("organisation", "contact", "Art 30(1)(a)",
                       "controller contact details not recorded: shown as 'Not recorded'"))
    for a in register.activities:
        for name, point in activity_gaps(a):
            out.append(Gap(a.id, name, f"Art 30(1)({point})",
                           f"{a.name}: {name.replace('_', ' ')} not recorded: shown as 'Not recorded' "
                           "in the Controller record"))
    return out


def _gap_findings(found: list[Gap], existing: list[dict[str, str]]) -> list[dict[str, str]]:
    seen = {(f.get("record"), f.get("field")) for f in existing}
    try:
        from audit_lib.audit.core import ORGANISATION
    except ImportError:
        ORGANISATION = "organisation"  # noqa: N806
    out = []
    for g in found:
        record = ORGANISATION if g.record == "organisation" else g.record
        if (record, g.field) in seen:
            continue
        out.append({"code": EXPORT_CODE, "severity": "medium", "article": g.article, "record": record,
                    "field": g.field, "message": g.message,
                    "remedy": "Record the item in the register, or state why it does not apply.",
                    "source": "export"})
    return out


def build_context(register: Register, as_of: dt.date | str | None = None, *, diagram: bool = True,
                  generated: dt.datetime | None = None) -> ExportContext:
    """Compute transfers, findings and gaps once for all sheets of an export."""
    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    ctx = ExportContext(register, day, generated or dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                        diagram=diagram)
    ctx.transfers, ctx.transfers_error = _transfers(register, day)
    ctx.findings, ctx.findings_error = _findings(register, day)
    ctx.gaps = gaps(register)
    ctx.findings += _gap_findings(ctx.gaps, ctx.findings)
    return ctx
