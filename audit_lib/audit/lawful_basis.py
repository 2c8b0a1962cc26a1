"""Lawfulness: Art 6(1) bases, legitimate interests (6(1)(f)), consent (Art 7), the law behind a legal
obligation (Art 6(3)) and disclosures to authorities outside the EEA (Art 48)."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule
from audit_lib.model import DataSubjectRight, LegalBasis, RecipientRole


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
      "its reference in legitimate_interest_assessment.",
      group="{n} activities rely on legitimate interests without a balancing-test reference")
def balancing_test(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on legitimate interests with no reference to the balancing test (LIA)."""
    for a in ctx.relying_on(LegalBasis.legitimate_interests):
        if not a.legitimate_interest_assessment:
            yield Hit(a.id, "legitimate_interest_assessment",
                      f"{a.name}: legitimate interests relied on without a balancing-test reference")


@rule("ROPA-L003", "low", "Art 13(1)(d)", "Legitimate interest not stated",
      "Write down the interest pursued (legitimate_interest); the notice must tell people what it is.",
      group="{n} activities rely on legitimate interests without saying which")
def interest_stated(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on legitimate interests without saying which interest."""
    for a in ctx.relying_on(LegalBasis.legitimate_interests):
        if not a.legitimate_interest:
            yield Hit(a.id, "legitimate_interest", f"{a.name}: the legitimate interest pursued is not stated")


@rule("ROPA-L004", "medium", "Art 7(3)", "Consent without a withdrawal route",
      "Say how consent is withdrawn, as easily as it was given (consent_withdrawal on the activity, or "
      "a withdraw_consent right in commitments).",
      group="{n} activities rely on consent without a withdrawal route")
def withdrawal(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on consent, and neither it (consent_withdrawal) nor the organisation's
    commitments (a withdraw_consent right) say that and how consent is withdrawn."""
    org_route = any(c.right is DataSubjectRight.withdraw_consent for c in ctx.register.commitments.rights)
    if org_route:
        return
    for a in ctx.relying_on(LegalBasis.consent):
        if not a.consent_withdrawal:
            yield Hit(a.id, "consent_withdrawal", f"{a.name}: consent relied on without a withdrawal route")


@rule("ROPA-L005", "medium", "Art 6(1)(c), 6(3)", "Legal obligation without the law named",
      "Name the Union or member-state law that lays down the obligation (legal_obligation_law: act and "
      "article); a third country's law, or a general duty to 'comply with the law', is not a basis.",
      group="{n} activities rely on a legal obligation without naming the law that imposes it")
def obligation_law(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on a legal obligation (Art 6(1)(c)) without naming the Union or
    member-state law laying it down, which Art 6(3) requires."""
    for a in ctx.relying_on(LegalBasis.legal_obligation):
        if not a.legal_obligation_law:
            yield Hit(a.id, "legal_obligation_law", f"{a.name}: legal obligation relied on, no law named",
                      detail=a.id)


@rule("ROPA-L006", "medium", "Art 48, 6(3)", "Disclosure to authorities without a recorded legal ground",
      "Disclose to a third country's court or authority only under an international agreement such as a "
      "mutual legal assistance treaty (Art 48) or another Chapter V ground; record it (disclosure_basis), "
      "and for EU authorities the Union or member-state law requiring it.",
      group="{n} public authorities receive data with no recorded law or international agreement")
def authority_disclosures(ctx: AuditContext) -> Iterator[Hit]:
    """A public authority outside the EEA, or in a country the register does not state, receives
    data with no law or international agreement recorded (disclosure_basis): a third country's
    demand is not by itself a ground for disclosure (Art 48)."""
    for r in ctx.register.recipients:
        if r.role is not RecipientRole.public_authority or r.disclosure_basis:
            continue
        outside = [c for c in r.countries if not ctx.is_eea(c)]
        if r.countries and not outside:
            continue
        where = f"in {', '.join(outside)}" if outside else "in countries not recorded"
        yield Hit(r.id, "disclosure_basis", f"{r.name} ({where}): no law or international agreement "
                  "recorded for disclosures", detail=f"{r.id} ({where})")
