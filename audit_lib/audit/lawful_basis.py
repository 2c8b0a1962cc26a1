"""Lawfulness: Art 6(1) bases, legitimate interests (6(1)(f)) and consent (Art 7)."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule
from audit_lib.model import DataSubjectRight, LegalBasis


@rule("ROPA-L001", "high", "Art 6(1)", "No legal basis",
      "Record the Art 6(1) basis the activity relies on (consent, contract, legal_obligation, "
      "vital_interests, public_task or legitimate_interests).")
def legal_basis(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force with personal data records no Art 6(1) legal basis."""
    for a in ctx.personal_activities:
        if not a.legal_basis:
            yield Hit(a.id, "legal_basis", f"{a.name}: no legal basis recorded")


@rule("ROPA-L002", "medium", "Art 6(1)(f), 5(2)", "Legitimate interests without a balancing test",
      "Carry out and file a legitimate interests assessment (purpose, necessity, balancing) and record "
      "its reference in legitimate_interest_assessment.")
def balancing_test(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on legitimate interests with no reference to the balancing test (LIA)."""
    for a in ctx.activities:
        if LegalBasis.legitimate_interests in a.legal_basis and not a.legitimate_interest_assessment:
            yield Hit(a.id, "legitimate_interest_assessment",
                      f"{a.name}: legitimate interests relied on without a balancing-test reference")


@rule("ROPA-L003", "low", "Art 13(1)(d)", "Legitimate interest not stated",
      "Write down the interest pursued (legitimate_interest); the notice must tell people what it is.")
def interest_stated(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on legitimate interests without saying which interest."""
    for a in ctx.activities:
        if LegalBasis.legitimate_interests in a.legal_basis and not a.legitimate_interest:
            yield Hit(a.id, "legitimate_interest", f"{a.name}: the legitimate interest pursued is not stated")


@rule("ROPA-L004", "medium", "Art 7(3)", "Consent without a withdrawal route",
      "Say how consent is withdrawn, as easily as it was given (consent_withdrawal on the activity, or "
      "a withdraw_consent right in commitments).")
def withdrawal(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on consent, and neither it (consent_withdrawal) nor the organisation's
    commitments (a withdraw_consent right) say that and how consent is withdrawn."""
    org_route = any(c.right is DataSubjectRight.withdraw_consent for c in ctx.register.commitments.rights)
    if org_route:
        return
    for a in ctx.activities:
        if LegalBasis.consent in a.legal_basis and not a.consent_withdrawal:
            yield Hit(a.id, "consent_withdrawal", f"{a.name}: consent relied on without a withdrawal route")
