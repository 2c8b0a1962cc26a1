"""The organisation: representative (Art 27), DPO (Art 37), breach procedure (Art 33), reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from audit_lib.audit.core import ORGANISATION, AuditContext, Hit, rule

BREACH_HOURS = 72


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


@rule("ROPA-O004", "low", "Art 37(1), 5(2)", "DPO need not assessed",
      "Record whether a DPO is required (dpo_required) and why (dpo_assessment: core activities, "
      "scale, special categories).")
def dpo_assessment(ctx: AuditContext) -> Iterator[Hit]:
    """No DPO is recorded and the register does not say whether one is required or why not."""
    org = ctx.organisation
    if org.dpo is None and org.dpo_required is None and not org.dpo_assessment:
        yield Hit(ORGANISATION, "dpo_required", f"{org.name}: no DPO recorded and no assessment of "
                  "whether one is required")


@rule("ROPA-O005", "medium", "Art 33, 34", "No breach-notification procedure",
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
      "Review the activity with its owner and update its last_reviewed date.")
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
