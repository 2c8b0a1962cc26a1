"""Storage limitation: envisaged time limits for erasure (Art 5(1)(e), Art 30(1)(f)).

:data:`PURPOSE_MAXIMA` and :data:`CATEGORY_MAXIMA` are guideline ceilings from
supervisory-authority guidance (each entry names its source). A period longer
than the ceiling is not unlawful by itself, but it needs a recorded reason,
so ROPA-R003 asks for one at low severity.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from audit_lib.audit.core import AuditContext, Hit, period_days, rule
from audit_lib.model import ProcessingActivity, Retention

# prefix of a fideslang data use -> (ISO 8601 ceiling, source)
PURPOSE_MAXIMA: dict[str, tuple[str, str]] = {
    "marketing": ("P3Y", "CNIL, commercial prospecting: 3 years from collection or the last contact"),
    "analytics": ("P25M", "CNIL, audience measurement (Délibération 2020-091): data kept at most 25 months"),
    "employment.recruitment": ("P2Y", "CNIL, recruitment: 2 years after the last contact with the candidate"),
    "essential.service.payment_processing": (
        "P10Y", "accounting records: 10 years (e.g. FR Code de commerce L123-22, DE HGB §257)"),
}
# prefix of a fideslang data category -> (ISO 8601 ceiling, source)
CATEGORY_MAXIMA: dict[str, tuple[str, str]] = {
    "user.financial.credit_card": (
        "P13M", "CNIL Délibération 2018-303: card number and expiry kept as evidence for a disputed "
        "payment at most 13 months after the debit (15 months for deferred-debit cards)"),
    "user.device.cookie_id": ("P13M", "CNIL cookie guidelines (Délibération 2020-091): trackers "
                                      "live at most 13 months"),
}


def _days(period: str) -> int:
    return period_days(period) or 0


@lru_cache(maxsize=4096)
def _ceiling(key: str, table: str) -> tuple[str, str] | None:
    """The entry of the longest prefix of ``key`` in the ``table`` named ('purpose' or 'category')."""
    entries = PURPOSE_MAXIMA if table == "purpose" else CATEGORY_MAXIMA
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        entry = entries.get(".".join(parts[:n]))
        if entry:
            return entry
    return None


@lru_cache(maxsize=4096)
def _purposes_ceiling(keys: tuple[str, ...]) -> tuple[str, str] | None:
    """The longest ceiling of an activity's purposes, when every purpose has one (else None)."""
    caps = [_ceiling(key, "purpose") for key in keys]
    if not caps or not all(caps):
        return None
    return max(caps, key=lambda c: _days(c[0]))


def _covered(key: str, rule_keys: set[str]) -> bool:
    return key in rule_keys or any(key.startswith(k + ".") for k in rule_keys)


def _rule_text(activity: ProcessingActivity, r: Retention) -> str:
    shown = {c.key: str(c) for c in activity.data_categories}
    if not r.data_categories:
        return "all its data"
    return ", ".join(shown.get(c.key, str(c)) for c in r.data_categories)


def _in_scope(ctx: AuditContext) -> list[ProcessingActivity]:
    """Activities in force with personal data (an activity whose data is all anonymised is skipped)."""
    return ctx.categorised


@rule("ROPA-R001", "medium", "Art 30(1)(f), 5(1)(e)", "Retention period not stated",
      "State how long the data is kept and what starts the clock (period as an ISO 8601 duration, "
      "trigger), or the criteria used to decide it.",
      group="{n} activities keep personal data with no stated retention limit")
def retention_missing(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force with personal data has no retention rule, or a rule whose period is
    'not_stated' or empty with no trigger or description to say when the data goes. Activities
    whose only data is anonymised are skipped."""
    for a in _in_scope(ctx):
        if not a.retention:
            yield Hit(a.id, "retention", f"{a.name}: no retention period recorded", detail=a.id)
            continue
        for i, r in enumerate(a.retention):
            vague = r.period is None and not (r.trigger or r.description)
            if r.period == "not_stated" or vague:
                yield Hit(a.id, f"retention[{i}]", f"{a.name}: {_rule_text(a, r)} kept with no "
                          "stated retention limit", detail=a.id)


@rule("ROPA-R002", "medium", "Art 5(1)(e)", "Data kept indefinitely",
      "Set a time limit (or periodic review criteria) after which the data is erased or anonymised.",
      group="{n} activities keep data indefinitely")
def retention_indefinite(ctx: AuditContext) -> Iterator[Hit]:
    """A retention rule of an activity in force says 'indefinite'."""
    for a in _in_scope(ctx):
        for i, r in enumerate(a.retention):
            if r.period == "indefinite":
                yield Hit(a.id, f"retention[{i}].period", f"{a.name}: {_rule_text(a, r)} kept indefinitely",
                          detail=a.id)


@rule("ROPA-R003", "low", "Art 5(1)(e)", "Retention longer than the purpose needs",
      "Shorten the period to what the purpose needs, or record the legal obligation or reason that "
      "requires keeping it longer in the retention rule's description and confirm it.")
def retention_too_long(ctx: AuditContext) -> Iterator[Hit]:
    """A stated retention period exceeds the guideline ceiling for its data category (e.g. card
    data kept as payment evidence: 13 months) or for every purpose of the activity (e.g.
    marketing: 3 years). Ceilings and their sources are in audit_lib.audit.retention."""
    for a in _in_scope(ctx):
        longest_purpose = _purposes_ceiling(tuple(p.key for p in a.purposes))
        capped = {c.key: cap for c in a.data_categories if (cap := _ceiling(c.key, "category"))}
        if not (capped or longest_purpose):
            continue
        for i, r in enumerate(a.retention):
            days = period_days(r.period)
            if not days:
                continue
            keys = [c.key for c in r.data_categories if c.key in capped] if r.data_categories else capped
            for key in keys:
                cap = capped[key]
                if days > _days(cap[0]):
                    shown = next(str(c) for c in a.data_categories if c.key == key)
                    yield Hit(a.id, f"retention[{i}].period", f"{a.name}: {shown} kept "
                              f"{r.period}, longer than {cap[0]} ({cap[1]})")
            if longest_purpose and days > _days(longest_purpose[0]):
                yield Hit(a.id, f"retention[{i}].period", f"{a.name}: {_rule_text(a, r)} kept {r.period}, "
                          f"longer than its purposes need ({longest_purpose[0]}: {longest_purpose[1]})")


@rule("ROPA-R004", "medium", "Art 30(1)(f)", "Data categories without a retention rule",
      "Add a retention rule for these categories (or drop the data_categories limit of an existing "
      "rule so it covers them).",
      group="{n} activities collect data categories no retention rule covers")
def retention_uncovered(ctx: AuditContext) -> Iterator[Hit]:
    """An activity's retention rules are each limited to some data categories, and some personal
    data categories it collects are covered by none of them."""
    for a in _in_scope(ctx):
        if not a.retention or any(not r.data_categories for r in a.retention):
            continue
        rule_keys = {c.key for r in a.retention for c in r.data_categories}
        missing = [str(c) for key, c in ctx.facts[a.id].personal.items() if not _covered(key, rule_keys)]
        if missing:
            yield Hit(a.id, "retention", f"{a.name}: no retention rule for {', '.join(missing)}")
