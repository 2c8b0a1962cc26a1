"""The organisation: representative (Art 27), DPO (Art 37), breach procedure (Art 33), reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from audit_lib.audit.core import ORGANISATION, AuditContext, Hit, listing, rule
from audit_lib.model import DpiaCriterion
from audit_lib.model.records import BreachException

BREACH_HOURS = 72
BREACH = "commitments.breach_procedure"
MONITORING_WORDS = ("profil", "targeted", "tracking")
"""Purpose keys that mean regular and systematic monitoring: WP29 Guidelines on DPOs (WP243 rev.01,
endorsed by the EDPB on 25 May 2018) count all forms of tracking and profiling on the internet,
including for behavioural advertising (as restated by the Icelandic authority, Persónuvernd, on
'reglulegt og kerfisbundið eftirlit'); whether it is on a large scale is for the DPO to assess."""


def outside_eu(ctx: AuditContext) -> bool:
    """True when the controller is not established in the Union (EEA), as far as the register says."""
    org = ctx.organisation
    if org.established_in_eu is not None:
        return not org.established_in_eu
    return bool(org.country) and not ctx.is_eea(org.country)


def year_before(day: dt.date) -> dt.date:
    """The same calendar day twelve months earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@rule("ROPA-O001", "high", "Art 27", "No EU representative",
      "Designate in writing a representative established in a member state where the people whose "
      "data you process are (Art 27(1), (3)), record it in eu_representative and name it in the notice.")
def eu_representative(ctx: AuditContext) -> Iterator[Hit]:
    """The controller is not established in the EU, offers goods or services to people in the EU
    or monitors their behaviour there (Art 3(2)), and has no EU representative. (The Art 27(2)
    exemption for occasional, low-risk processing is for the DPO to claim and document.)"""
    org = ctx.organisation
    targets = org.offers_goods_or_services_in_eu or org.monitors_behaviour_in_eu
    if outside_eu(ctx) and targets and org.eu_representative is None:
        why = "offers goods or services" if org.offers_goods_or_services_in_eu else "monitors behaviour"
        where = f" in {org.country}" if org.country else ""
        yield Hit(ORGANISATION, "eu_representative", f"{org.name} is established outside the EU{where}, "
                  f"{why} in the EU, and has no EU representative")


@rule("ROPA-O002", "low", "Art 3(2)", "Territorial scope not stated",
      "Record whether the organisation offers goods or services to people in the EU "
      "(offers_goods_or_services_in_eu) or monitors their behaviour (monitors_behaviour_in_eu).")
def territorial_scope(ctx: AuditContext) -> Iterator[Hit]:
    """A controller established outside the EU does not say whether it targets or monitors
    people in the EU, so nobody can tell whether Art 27 applies."""
    org = ctx.organisation
    silent = org.offers_goods_or_services_in_eu is None and org.monitors_behaviour_in_eu is None
    if outside_eu(ctx) and silent:
        yield Hit(ORGANISATION, "offers_goods_or_services_in_eu",
                  f"{org.name} is established outside the EU and the register does not say whether it "
                  "offers goods or services to, or monitors, people in the EU")


@rule("ROPA-O003", "high", "Art 37(1)", "DPO required but none designated",
      "Designate a data protection officer, record their contact details (dpo) and communicate them to "
      "the supervisory authority (Art 37(7)).")
def dpo_missing(ctx: AuditContext) -> Iterator[Hit]:
    """The register says a DPO is required (dpo_required: true) and none is recorded."""
    org = ctx.organisation
    if org.dpo_required is True and org.dpo is None:
        yield Hit(ORGANISATION, "dpo", f"{org.name}: a DPO is required but none is recorded")


def dpo_indicators(ctx: AuditContext) -> list[str]:
    """What in the register points to Art 37(1)(b) or (c): monitoring of people in the EU, tracking
    or profiling purposes, third-party marketing trackers, special-category or criminal data
    (worked out once per audit: ROPA-O004 and ROPA-O011 both ask)."""
    cached = ctx.__dict__.get("_dpo_indicators")
    if cached is not None:
        return cached
    org = ctx.organisation
    found: list[str] = []
    if org.monitors_behaviour_in_eu:
        found.append("it monitors the behaviour of people in the EU")
    monitoring = [a.id for a in ctx.activities
                  if any(w in p.key for p in a.purposes for w in MONITORING_WORDS)
                  or (a.dpia and DpiaCriterion.systematic_monitoring in a.dpia.criteria_met)]
    if monitoring:
        found.append(f"tracking or profiling in {listing(monitoring)}")
    trackers = [c.id for c in ctx.register.commitments.cookies if c.provider and c.type == "marketing"]
    if trackers:
        found.append(f"third-party marketing trackers ({listing(trackers)})")
    sensitive = [a.id for a in ctx.activities if ctx.facts[a.id].special or ctx.facts[a.id].criminal]
    if sensitive:
        found.append(f"special-category or criminal data in {listing(sensitive)}")
    ctx.__dict__["_dpo_indicators"] = found
    return found


def _dpo_open(ctx: AuditContext) -> bool:
    """No DPO, and no conclusion that none is needed (an assessment text without dpo_required is open)."""
    org = ctx.organisation
    return org.dpo is None and org.dpo_required is None


@rule("ROPA-O004", "low", "Art 37(1), 5(2)", "DPO need not assessed",
      "Record whether a DPO is required (dpo_required: true or false) and why (dpo_assessment: core "
      "activities, scale, special categories).")
def dpo_assessment(ctx: AuditContext) -> Iterator[Hit]:
    """No DPO is recorded and the register does not conclude whether one is required (dpo_required
    is not set, whatever the assessment text says), and nothing in the register points to
    monitoring or sensitive data (that is ROPA-O011)."""
    org = ctx.organisation
    if _dpo_open(ctx) and not dpo_indicators(ctx):
        yield Hit(ORGANISATION, "dpo_required", f"{org.name}: no DPO recorded and no conclusion on "
                  "whether one is required")


@rule("ROPA-O011", "medium", "Art 37(1)(b)-(c); WP243 rev.01", "DPO likely required, not assessed",
      "Assess, and record, whether the core activities involve regular and systematic monitoring of people "
      "on a large scale or special-category data at scale (WP243 rev.01); designate a DPO "
      "(Art 37(1)) or record dpo_required: false with the reasons.")
def dpo_from_facts(ctx: AuditContext) -> Iterator[Hit]:
    """No DPO is recorded, the register does not conclude whether one is required, and its own
    facts point to Art 37(1)(b) or (c): monitoring of people in the EU, tracking or profiling
    purposes, third-party marketing trackers, or special-category or criminal data."""
    org = ctx.organisation
    found = _dpo_open(ctx) and dpo_indicators(ctx)
    if found:
        said = " (the assessment is open)" if org.dpo_assessment else ""
        yield Hit(ORGANISATION, "dpo_required", f"{org.name}: no DPO and no conclusion on whether one is "
                  f"required{said}, although the register shows {'; '.join(found)}")


@rule("ROPA-O005", "high", "Art 33, 34, 24(1)", "No breach-notification procedure",
      "Record the breach procedure (commitments.breach_procedure): who decides, notification of the "
      "supervisory authority within 72 hours (Art 33) and of the people affected (Art 34).")
def breach_procedure(ctx: AuditContext) -> Iterator[Hit]:
    """The register records no personal-data breach procedure."""
    if ctx.register.commitments.breach_procedure is None:
        yield Hit(ORGANISATION, "commitments.breach_procedure",
                  f"{ctx.organisation.name}: no breach-notification procedure recorded")


@rule("ROPA-O006", "medium", "Art 33(1)", "Breach notification not within 72 hours",
      "Commit to notify the supervisory authority without undue delay and within 72 hours "
      "(notify_authority_within_hours: 72 or less).")
def breach_72_hours(ctx: AuditContext) -> Iterator[Hit]:
    """The breach procedure does not commit to notifying the authority within 72 hours (the
    hours are missing, or more than 72)."""
    proc = ctx.register.commitments.breach_procedure
    if proc is None:
        return
    hours = proc.notify_authority_within_hours
    if hours is None:
        yield Hit(ORGANISATION, "commitments.breach_procedure.notify_authority_within_hours",
                  "the breach procedure does not say within how many hours the authority is notified")
    elif hours > BREACH_HOURS:
        yield Hit(ORGANISATION, "commitments.breach_procedure.notify_authority_within_hours",
                  f"the breach procedure notifies the authority within {hours} hours, more than 72")


@rule("ROPA-O007", "low", "Art 5(2), 24(1)", "Register not reviewed in the last 12 months",
      "Review the register with the activity owners and update last_reviewed in organisation.yaml.")
def register_review(ctx: AuditContext) -> Iterator[Hit]:
    """The organisation's last_reviewed date is missing or more than 12 months before the audit date."""
    last = ctx.organisation.last_reviewed
    if last is None:
        yield Hit(ORGANISATION, "last_reviewed", "the register has no review date")
    elif last < year_before(ctx.as_of):
        yield Hit(ORGANISATION, "last_reviewed", f"the register was last reviewed on {last}, more than "
                  f"12 months before {ctx.as_of}")


@rule("ROPA-O008", "low", "Art 5(2), 24(1)", "Activity not reviewed in the last 12 months",
      "Review the activity with its owner and update its last_reviewed date.",
      group="{n} activities were last reviewed more than 12 months ago")
def activity_review(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force (or a processor activity) was last reviewed more than 12 months
    before the audit date. One without a date of its own counts as reviewed with the register
    (ROPA-O007)."""
    cutoff = year_before(ctx.as_of)
    records = [*ctx.activities, *ctx.register.processor_activities]
    for a in records:
        if a.last_reviewed is not None and a.last_reviewed < cutoff:
            yield Hit(a.id, "last_reviewed", f"{a.name}: last reviewed on {a.last_reviewed}, more than "
                      f"12 months before {ctx.as_of}")


@rule("ROPA-O009", "medium", "Art 33(5), 24(1)", "Breach procedure incomplete",
      "Complete the breach procedure: who assesses a breach and decides on notification (decided_by), "
      "the register documenting every breach, its effects and the remedial action (breach_log, Art "
      "33(5)), and when the people affected are told (data_subject_notification, Art 34).")
def breach_content(ctx: AuditContext) -> Iterator[Hit]:
    """The breach procedure does not say who decides on notification, where every breach is
    documented (Art 33(5): notified or not), or how the people affected are told (Art 34)."""
    proc = ctx.register.commitments.breach_procedure
    if proc is None:
        return
    gaps = [what for what, ok in (("who decides on notification", proc.decided_by),
                                  ("the Art 33(5) breach log", proc.breach_log),
                                  ("how the people affected are told", proc.data_subject_notification))
            if not ok]
    if gaps:
        field = "decided_by" if not proc.decided_by else "breach_log" if not proc.breach_log \
            else "data_subject_notification"
        yield Hit(ORGANISATION, f"{BREACH}.{field}",
                  f"the breach procedure does not record {'; '.join(gaps)}")


_EXCEPTION_TEXT = {
    BreachException.high_risk: "breaches with a high risk (the ones that must also be told to the people "
                               "affected, Art 34(1))",
    BreachException.encrypted: "breaches of encrypted data (encryption can spare informing people, "
                               "Art 34(3)(a), not the authority, unless the breach is unlikely to "
                               "result in a risk)",
    BreachException.anonymised: "breaches of 'anonymised' data (not exempt unless truly anonymous)",
    BreachException.other: "other breaches",
}


@rule("ROPA-O010", "high", "Art 33(1), 34", "Breach exceptions wider than Art 33(1)",
      "Notify the supervisory authority of every breach unless it is unlikely to result in a risk to "
      "people's rights and freedoms (Art 33(1)); correct the exceptions (exception_grounds: "
      "[unlikely_to_result_in_risk]) and the notice.")
def breach_exceptions(ctx: AuditContext) -> Iterator[Hit]:
    """The breach procedure exempts from notification breaches that Art 33(1) requires to be
    notified: the only exception is a breach unlikely to result in a risk."""
    proc = ctx.register.commitments.breach_procedure
    if proc is None:
        return
    allowed = BreachException.unlikely_to_result_in_risk
    wide = [_EXCEPTION_TEXT[g] for g in proc.exception_grounds if g is not allowed]
    if wide:
        yield Hit(ORGANISATION, f"{BREACH}.exception_grounds", "the breach procedure does not notify the "
                  f"authority of {'; '.join(wide)}")
