"""ePrivacy and consent: trackers (ePrivacy Directive Art 5(3)), electronic marketing (Art 13),
what counts as consent (GDPR Art 4(11), 7; EDPB Guidelines 05/2020 on consent; CJEU C-673/17
Planet49) and tracking plugins run with their provider as joint controller (CJEU C-40/17 Fashion ID).

How consent is collected is recorded in ``consent`` (mechanism, prior, granular, record) on a
cookie or an activity, or once for the whole site in ``commitments.consent``.
"""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule
from audit_lib.model import CookieUse, LegalBasis, ProcessingActivity, RecipientRole
from audit_lib.model.records import ConsentCollection, ConsentMechanism

NOT_CONSENT = (ConsentMechanism.continued_use, ConsentMechanism.browser_settings,
               ConsentMechanism.pre_ticked_box)
"""Mechanisms that do not give consent: no clear affirmative act (Art 4(11), Recital 32). Sources:
CJEU C-673/17 Planet49, judgment of 1 October 2019 (a pre-ticked checkbox is not valid consent to
cookies); EDPB Guidelines 05/2020 on consent, 4 May 2020, section 3.4 (scrolling, swiping or similar
user activity is never a clear affirmative act; Recital 32: silence or inactivity is not consent).
Browser settings as consent: to verify against the authority's own guidance (e.g. CNIL
Délibération 2020-091), not quoted here."""

EXEMPT_TYPES = ("strictly_necessary", "none")
"""Cookie types that need no consent (Art 5(3) second sentence: strictly necessary), or no cookie."""

ELECTRONIC_MARKETING = "marketing.communications"
"""fideslang data use of marketing by email, SMS or other electronic messages (ePrivacy Art 13)."""


def consent_of(ctx: AuditContext, record: CookieUse | ProcessingActivity) -> ConsentCollection | None:
    """How consent is collected for a cookie or activity: its own ``consent`` or the site-wide one."""
    return record.consent or ctx.register.commitments.consent


def _how(consent: ConsentCollection | None) -> str:
    return consent.mechanism.value.replace("_", " ") if consent else "not stated"


def needs_consent(cookie: CookieUse) -> bool:
    """True for a tracker that is not strictly necessary (or that the register says needs consent)."""
    if cookie.consent_required is not None:
        return cookie.consent_required
    return cookie.type not in EXEMPT_TYPES


def relies_on_consent(activity: ProcessingActivity) -> bool:
    return LegalBasis.consent in activity.legal_basis


def invalid_consent(ctx: AuditContext, activity: ProcessingActivity) -> bool:
    """True when an activity relies on 'consent' collected in a way that gives none (ROPA-C002).

    An activity with no valid basis recorded relies on whatever consent the organisation collects
    (its own ``consent`` or the site-wide one): when that is continued use or browser settings,
    it too relies on 'consent' that is not consent.
    """
    consent = consent_of(ctx, activity)
    relies = relies_on_consent(activity) or not activity.legal_basis
    return relies and consent is not None and consent.mechanism in NOT_CONSENT


def electronic_marketing(activity: ProcessingActivity) -> bool:
    return any(p.key.startswith(ELECTRONIC_MARKETING) for p in activity.purposes)


def _marketing_gap(ctx: AuditContext, activity: ProcessingActivity) -> str | None:
    """Why electronic marketing lacks an opt-in or soft opt-in (ROPA-C005), or None."""
    if not electronic_marketing(activity) or invalid_consent(ctx, activity):
        return None
    consent = consent_of(ctx, activity)
    if consent is None or consent.mechanism in (ConsentMechanism.none, ConsentMechanism.not_stated):
        return "no opt-in is recorded"
    if consent.mechanism is ConsentMechanism.soft_opt_in:
        others = [s.label or s.key for s in activity.data_subjects if s.key != "customer"]
        if others:
            return f"soft opt-in used for {', '.join(others)}, who are not customers (Art 13(2))"
    return None


@rule("ROPA-C001", "high", "ePrivacy Art 5(3); GDPR Art 4(11), 7; C-673/17",
      "Trackers set without prior consent",
      "Ask for consent before setting any tracker that is not strictly necessary: a banner with 'accept' "
      "and 'reject' equally prominent, no tracker before the choice, one choice per purpose; record it "
      "(consent: {mechanism: opt_in, prior: true, granular: true, record: ...}).",
      group="{n} cookies or trackers that are not strictly necessary are set without prior opt-in consent")
def trackers_without_consent(ctx: AuditContext) -> Iterator[Hit]:
    """A cookie or similar tracker that is not strictly necessary (preferences, analytics, marketing)
    is set without prior opt-in consent: no consent mechanism, or one that is not consent (browser
    settings, continued use, pre-ticked box), or consent asked only after the tracker is set."""
    for c in ctx.register.commitments.cookies:
        if not needs_consent(c):
            continue
        consent = consent_of(ctx, c)
        if consent and consent.mechanism is ConsentMechanism.opt_in and consent.prior is not False:
            continue
        how = _how(consent) if not (consent and consent.mechanism is ConsentMechanism.opt_in) \
            else "asked after the tracker is set"
        yield Hit(f"commitments.cookies.{c.id}", "consent.mechanism",
                  f"{c.name}: {c.type} tracker set without prior opt-in consent (consent: {how})",
                  detail=f"{c.id} ({how})")


@rule("ROPA-C002", "high", "Art 4(11), 6(1)(a), 7; EDPB Guidelines 05/2020; C-673/17",
      "'Consent' by continued use, browser settings or pre-ticked box",
      "Ask for consent by a clear affirmative act (an unticked box, an 'I agree' button for this purpose), "
      "separate from the terms, or rely on another Art 6(1) basis that fits; record how consent is "
      "collected (consent.mechanism: opt_in).",
      group="{n} activities rely on 'consent' taken from continued use, browser settings or a pre-ticked "
      "box, which is not consent")
def consent_by_use(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on consent, and the register says consent is taken from using the site,
    from browser settings or from a pre-ticked box: none is a freely given, specific, informed and
    unambiguous indication by a clear affirmative act (Art 4(11)), so the activity has no basis."""
    for a in ctx.activities:
        if invalid_consent(ctx, a):
            how = _how(consent_of(ctx, a))
            yield Hit(a.id, "consent.mechanism", f"{a.name}: relies on consent collected by {how}, which "
                      "is not consent", detail=f"{a.id} ({how})")


@rule("ROPA-C003", "medium", "Art 7(1)-(2)", "Consent not shown to be specific and recorded",
      "Record how consent is collected (consent.mechanism), that each purpose is asked separately "
      "(granular: true) and where each consent is kept to demonstrate it (record).",
      group="{n} consent-based activities do not show how consent is collected, per purpose, and recorded")
def consent_record(ctx: AuditContext) -> Iterator[Hit]:
    """An activity relies on consent, collected by a valid mechanism or one the register does not
    state, and the register does not show how consent is asked, that it is asked per purpose, or
    how it is recorded so the controller can demonstrate it (Art 7(1)). Activities already reported
    by ROPA-C002 or ROPA-C005 are left to them."""
    for a in ctx.activities:
        if not relies_on_consent(a) or invalid_consent(ctx, a) or _marketing_gap(ctx, a):
            continue
        consent = consent_of(ctx, a)
        gaps = []
        if consent is None or consent.mechanism in (ConsentMechanism.none, ConsentMechanism.not_stated):
            gaps.append("how consent is asked")
        if consent is None or consent.granular is False:
            gaps.append("consent per purpose" if consent else "granularity")
        if consent is None or not consent.record:
            gaps.append("a record of consent")
        if gaps:
            yield Hit(a.id, "consent", f"{a.name}: consent relied on, not stated: {', '.join(gaps)}",
                      detail=f"{a.id} (no {gaps[0]})")


@rule("ROPA-C004", "medium", "Art 26; C-40/17 Fashion ID", "Tracking plugin without an Art 26 arrangement",
      "Agree an Art 26 arrangement with the plugin's provider for the collection and transmission of "
      "visitors' data (record joint_controller_arrangement), make its essence available, or remove the "
      "plugin.",
      group="{n} providers of plugins or trackers on the site are joint controllers without an Art 26 "
      "arrangement")
def plugin_joint_controllers(ctx: AuditContext) -> Iterator[Hit]:
    """A cookie or plugin on the site is set by a recipient recorded as joint controller (the site
    operator decides, with the provider, on the collection and transmission of visitors' data:
    Fashion ID), and no Art 26 arrangement is recorded. Such joint controllers are reported here,
    not again by ROPA-P003."""
    for rid, cookies in plugin_providers(ctx).items():
        r = ctx.recipients[rid]
        yield Hit(rid, "joint_controller_arrangement", f"{r.name} collects visitors' data through "
                  f"{', '.join(cookies)} as joint controller, with no Art 26 arrangement recorded",
                  detail=rid)


def plugin_providers(ctx: AuditContext) -> dict[str, list[str]]:
    """Joint controllers without an arrangement that set a cookie or plugin: id -> cookie names."""
    out: dict[str, list[str]] = {}
    for c in ctx.register.commitments.cookies:
        r = ctx.recipients.get(c.provider or "")
        joint = r is not None and r.role is RecipientRole.joint_controller
        if joint and r.joint_controller_arrangement is None:
            out.setdefault(r.id, []).append(c.name)
    return out


@rule("ROPA-C005", "high", "ePrivacy Art 13(1)-(2)", "Electronic marketing without opt-in or soft opt-in",
      "Send marketing emails or SMS only to people who opted in, or to existing customers for similar "
      "products with an opt-out offered at collection and in every message (soft opt-in, Art 13(2)); "
      "record it (consent.mechanism).",
      group="{n} activities send electronic marketing without an opt-in or a valid soft opt-in")
def marketing_opt_in(ctx: AuditContext) -> Iterator[Hit]:
    """An activity sends marketing by email, SMS or other electronic message (a
    marketing.communications purpose) with no opt-in recorded, or on a soft opt-in for people who
    are not customers (e.g. contest participants). Activities whose 'consent' is no consent are
    left to ROPA-C002."""
    for a in ctx.activities:
        gap = _marketing_gap(ctx, a)
        if gap:
            yield Hit(a.id, "consent.mechanism", f"{a.name}: electronic marketing, {gap}", detail=a.id)
