"""What an export renders: the register and its :class:`~audit_lib.review.Review`.

The export judges nothing. Transfers, findings and the data-flow graph come from one
:class:`~audit_lib.review.Review` (one graph, one classification, one audit per command);
the sheets render them. If a stage fails, the export still completes and the sheet
concerned shows a visible message saying what went wrong; nothing is left blank without
saying why.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from audit_lib.model import ProcessingActivity, Recipient, Register
from audit_lib.reference.taxonomy import KINDS
from audit_lib.review import Review

if TYPE_CHECKING:
    from audit_lib.analysis.transfers import Transfer
    from audit_lib.issues import Issue

DIAGRAM_MAX_PARTIES = 400
"""Above this many recipients + systems + activities the diagram is not drawn (unreadable, slow)."""

SEVERITIES = ("high", "medium", "low", "info")


@dataclass
class ExportContext:
    """The register, its review (transfers and findings computed once) and export options."""

    register: Register
    as_of: dt.date | None
    generated: dt.datetime
    transfers: list[Transfer] | None = None
    transfers_error: str | None = None
    findings: list[Issue] = field(default_factory=list)
    findings_error: str | None = None
    diagram: bool = True
    memo: dict[Any, Any] = field(default_factory=dict)
    review: Review | None = None
    printed: bool = True
    """True for the workbook: rows too tall to print are split into continuation rows (csv/json: False)."""
    _diagram: tuple[bytes | None, str | None] | None = None

    @cached_property
    def names(self) -> dict[str, str]:
        """Recipient id -> name (built once: every card and row looks names up)."""
        return {r.id: r.name for r in self.register.recipients}

    @cached_property
    def extra(self) -> dict[str, dict[str, str]]:
        """The register's own taxonomy names per kind (fides_key -> name)."""
        tax = self.register.taxonomy
        return {kind: {t.fides_key: t.name for t in getattr(tax, kind)} for kind in KINDS}

    @cached_property
    def _transfers_by_activity(self) -> dict[str, list[Transfer]]:
        out: dict[str, list[Transfer]] = defaultdict(list)
        for t in self.transfers or []:
            for aid in dict.fromkeys(t.activities):
                out[aid].append(t)
        return out

    def transfers_of(self, activity_id: str) -> list[Transfer]:
        """The classified transfers serving an activity (Art 30(1)(e))."""
        return self._transfers_by_activity.get(activity_id, [])

    @cached_property
    def _findings_at(self) -> dict[tuple[str, str], list[Issue]]:
        out: dict[tuple[str, str], list[Issue]] = defaultdict(list)
        for f in self.findings:  # a grouped finding is on each of its records
            name = f.field or ""
            root = re.split(r"[.\[]", name, maxsplit=1)[0]  # retention[0] and consent.mechanism are on
            for record in dict.fromkeys(getattr(f, "records", ()) or (f.record or "",)):  # their column
                for key in dict.fromkeys((name, root)):
                    out[(record, key)].append(f)
        return out

    def findings_at(self, record: str, field_name: str) -> list[Issue]:
        """The audit's findings on one field of one record (the export adds none)."""
        return self._findings_at.get((record, field_name), [])

    @cached_property
    def finding_counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (what the Findings sheet lists)."""
        found = Counter(getattr(f.severity, "value", f.severity) for f in self.findings)
        return {s: found.get(s, 0) for s in SEVERITIES}

    @cached_property
    def transfer_counts(self) -> dict[str, int]:
        """Transfers per status, in order of first appearance (what the Transfers sheet lists)."""
        return dict(Counter(str(getattr(t.status, "value", t.status)) for t in self.transfers or []))

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
            self._diagram = _draw(self) if self.diagram else (
                None, "The diagram was not requested for this export.")
        return self._diagram


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _draw(ctx: ExportContext) -> tuple[bytes | None, str | None]:
    register = ctx.register
    size = len(register.recipients) + len(register.systems) + len(register.activities)
    if size > DIAGRAM_MAX_PARTIES:
        return None, (f"The register has {size} activities, systems and recipients, too many for a "
                      f"readable diagram (limit {DIAGRAM_MAX_PARTIES}); the table lists every flow.")
    try:
        from audit_lib.plots import flow_diagram

        # the diagram draws the review's graph and transfers when it can take them
        shared = {"review": ctx.review} if ctx.review is not None and \
            "review" in inspect.signature(flow_diagram).parameters else {}
        fig = flow_diagram(register, ctx.as_of, **shared)
        width, height = fig.get_size_inches()
        dpi = max(40, min(120, int(4000 / max(width, height, 1))))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue(), None
    except Exception as exc:  # another module's failure must not stop the export
        return None, (f"The data-flow diagram could not be drawn ({_error(exc)}); "
                      "the table lists every flow.")


def build_context(register: Register, as_of: dt.date | str | None = None, *, diagram: bool = True,
                  generated: dt.datetime | None = None, review: Review | None = None,
                  printed: bool = True) -> ExportContext:
    """The context of one export: the ``review`` given (or one built here) and the export options."""
    rv = review if review is not None else Review(register, as_of)
    now = generated or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    ctx = ExportContext(register, rv.as_of, now,
                        diagram=diagram, review=rv, printed=printed)
    try:
        ctx.transfers = list(rv.transfers)
    except Exception as exc:  # the sheets say so; the export still completes
        ctx.transfers_error = f"Transfers could not be classified ({_error(exc)})."
    try:
        ctx.findings = list(rv.findings)
    except Exception as exc:
        ctx.findings_error = f"The audit could not run ({_error(exc)})."
    return ctx
