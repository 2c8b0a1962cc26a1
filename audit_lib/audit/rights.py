"""Data subjects' rights: which are offered (Art 15-22) and how fast they are answered (Art 12(3))."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule
from audit_lib.model import DataSubjectRight, LegalBasis

R = DataSubjectRight
ONE_MONTH_DAYS = 31
"""Art 12(3): 'within one month of receipt of the request' (counted as at most 31 days)."""
ANSWERED = (R.access, R.rectification, R.erasure, R.restriction, R.portability, R.objection)
"""The rights Art 12(3)'s deadline applies to (requests under Art 15 to 22) that the register records."""
RIGHTS = "commitments.rights"


def expected_rights(ctx: AuditContext) -> dict[DataSubjectRight, str]:
    """The Art 15-21 rights people have given the register's activities, with the reason."""
    out = {R.access: "Art 15", R.rectification: "Art 16", R.erasure: "Art 17", R.restriction: "Art 18"}
    bases = {b for a in ctx.activities for b in a.legal_basis}
    if bases & {LegalBasis.consent, LegalBasis.contract}:
        out[R.portability] = "Art 20: consent or contract"
    marketing = any(p.key.startswith("marketing") for a in ctx.activities for p in a.purposes)
    if bases & {LegalBasis.legitimate_interests, LegalBasis.public_task} or marketing:
        out[R.objection] = "Art 21: legitimate interests or direct marketing"
    return out


@rule("ROPA-U001", "medium", "Art 12(1)-(2), 15-21", "Data-subject rights not offered",
      "Offer every right that applies (access, rectification, erasure, restriction, portability, "
      "objection), say how to exercise it (commitments.rights: right, how) and facilitate it (Art 12(2)).")
def rights_offered(ctx: AuditContext) -> Iterator[Hit]:
    """A right that applies to the register's activities (access, rectification, erasure and
    restriction always; portability where they rely on consent or contract; objection where they
    rely on legitimate interests or do direct marketing) is not among the commitments, or is offered
    only in part (offered_in_full: false). Withdrawal of consent is checked by ROPA-L004."""
    offered = {c.right for c in ctx.register.commitments.rights if c.offered_in_full is not False}
    partial = {c.right for c in ctx.register.commitments.rights if c.offered_in_full is False} - offered
    missing = [f"{r.value} ({why}{', only in part' if r in partial else ''})"
               for r, why in expected_rights(ctx).items() if r not in offered]
    if missing and ctx.personal_activities:
        yield Hit(RIGHTS, "right", f"{ctx.organisation.name}: not offered: {', '.join(missing)}")


@rule("ROPA-U002", "medium", "Art 12(3)", "Rights not answered within one month",
      "Commit to answer every request without undue delay and within one month of receipt, extendable "
      "by two months for complex or numerous requests with notice to the person (response_days: 30).")
def response_time(ctx: AuditContext) -> Iterator[Hit]:
    """A recorded right under Art 15-21 has no response time in days, or one longer than a month
    ('a reasonable timeframe' is not the Art 12(3) deadline)."""
    late = []
    for c in ctx.register.commitments.rights:
        if c.right in ANSWERED and (c.response_days is None or c.response_days > ONE_MONTH_DAYS):
            said = c.response_time or "not stated"
            if c.response_days is not None:
                said = f"{c.response_days} days"
            late.append(f"{c.right.value} ({said})")
    if late:
        yield Hit(RIGHTS, "response_days", f"{ctx.organisation.name}: no commitment to answer within one "
                  f"month for {', '.join(dict.fromkeys(late))}")
