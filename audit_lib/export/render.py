"""Register-aware cell renderers shared by the layouts: Marks, recipients, transfers, measures."""

from __future__ import annotations

from typing import Any

from audit_lib.analysis.transfers import Transfer
from audit_lib.export.context import ExportContext
from audit_lib.export.sheet import Mark
from audit_lib.export.text import (
    ASSUMED,
    NOT_RECORDED,
    assumptions_text,
    contact_text,
    countries_text,
    country_text,
    field_line,
    lines,
    yes_no,
)
from audit_lib.model import ProcessingActivity, RecipientRole, Register

ROLE_ARTICLES = {
    RecipientRole.processor: "processor (Art 28)",
    RecipientRole.sub_processor: "sub-processor (Art 28(2), 28(4))",
    RecipientRole.joint_controller: "joint controller (Art 26)",
    RecipientRole.independent_controller: "independent controller (Art 4(7))",
    RecipientRole.public_authority: "public authority (Art 4(9))",
    RecipientRole.internal: "internal (the controller's own staff)",
}

# Labels of true/false fields, shared with the visibility check (a yes/no is only
# meaningful next to what it answers).
BOOL_LABELS = {
    "established_in_eu": "Established in the EU",
    "offers_goods_or_services_in_eu": "Offers goods or services in the EU",
    "monitors_behaviour_in_eu": "Monitors behaviour in the EU",
    "dpo_required": "DPO required",
    "dpf_certified": "DPF certified",
    "placeholder": "Placeholder",
    "children_data": "Children's data",
    "required": "DPIA required",
    "directed_at_children": "Directed at children",
    "consent_required": "Consent required",
    "prior": "Consent asked before use (prior)",
    "granular": "Consent per purpose (granular)",
    "offered_in_full": "Offered in full",
    "to_confirm": ASSUMED,
}

# --------------------------------------------------------------------------
# Small shared renderers
# --------------------------------------------------------------------------


def consent_text(consent: Any) -> str | None:
    """How consent is collected (Art 4(11), 7(1)-(2)): mechanism, prior, granular, how it is recorded."""
    if consent is None:
        return None
    return lines(field_line("Consent collected by", consent.mechanism),
                 field_line(BOOL_LABELS["prior"], yes_no(consent.prior)),
                 field_line(BOOL_LABELS["granular"], yes_no(consent.granular)),
                 field_line("Consent record (Art 7(1))", consent.record)) or None


def missing(detail: str = "") -> Mark:
    return Mark(f"{NOT_RECORDED}: {detail}" if detail else NOT_RECORDED, "missing")


def mark_assumed(value: Any, field: str, assumed: dict[str, list[str]]) -> Any:
    """Add the assumption to a cell whose field is an assumption to confirm, marked visibly."""
    if field not in assumed:
        return value
    note = f"\u26a0 {ASSUMED} (stated on sheet Assumptions to confirm)"
    if isinstance(value, Mark):
        return Mark(f"{value.text}\n{note}", value.kind)
    return Mark(f"{value}\n{note}" if value else note, "assumed")


def named(register: Register, recipient_id: str) -> str:
    try:
        return f"{register.recipient(recipient_id).name} [{recipient_id}]"
    except KeyError:
        return recipient_id


def controller_text(register: Register) -> str:
    """Art 30(1)(a): controller, contact, DPO, EU representative, joint controllers."""
    org = register.organisation
    name = f"{org.name} ({org.legal_entity})" if org.legal_entity and org.legal_entity != org.name \
        else org.name
    if org.dpo:
        dpo = contact_text(org.dpo, one_line=True)
    else:
        dpo = "none designated" if org.dpo_required is False else "not recorded"
    if org.eu_representative:
        rep = contact_text(org.eu_representative, one_line=True)
    elif org.established_in_eu:
        rep = "not needed (established in the EU)"
    else:
        rep = "not recorded"
    joint = "; ".join(contact_text(c, one_line=True) or "" for c in org.joint_controllers)
    return lines(
        name,
        ", ".join(p for p in (org.address, country_text(org.country) if org.country else None) if p),
        f"Contact: {contact_text(org.contact, one_line=True)}" if org.contact else None,
        f"DPO (Art 37): {dpo}",
        f"EU representative (Art 27): {rep}",
        f"Joint controllers (Art 26): {joint}" if joint else None,
    )


def _recipient_parts(ctx: ExportContext, recipient_id: str) -> tuple[str, str]:
    """(head, sub-processors) text of a recipient, computed once per export."""
    key = ("recipient", recipient_id)
    if key not in ctx.memo:
        register = ctx.register
        r = register.recipient(recipient_id)
        bits = [ROLE_ARTICLES[r.role]]
        if r.category:
            bits.append(r.category)
        if r.parent:
            bits.append(f"sub-processor of {named(register, r.parent)}")
        if r.countries:
            bits.append(countries_text(r.countries))
        subs = ctx.children.get(r.id, [])
        tail = " \u2014 its sub-processors: " + ", ".join(f"{s.name} [{s.id}]" for s in subs) if subs else ""
        ctx.memo[key] = (f"{r.name} [{r.id}]: " + "; ".join(bits), tail)
    return ctx.memo[key]


def recipient_line(ctx: ExportContext, activity: ProcessingActivity, link: Any) -> str:
    """A recipient of an activity: name, role, countries, what is disclosed, sub-processors."""
    try:
        head, tail = _recipient_parts(ctx, link.recipient)
    except KeyError:
        return link.recipient
    text = head
    if link.data_categories:
        text += " \u2014 only " + ", ".join(c.key if not c.label else f"{c.key} ({c.label})"
                                            for c in link.data_categories)
    if link.purpose:
        text += f" \u2014 purpose: {link.purpose}"
    return text + tail


def transfer_line(t: Transfer) -> str:
    """One transfer for an Art 30(1)(e) cell: where, who, which way, on what ground."""
    if t.importer_kind == "international_organisation":
        where = t.country_name
    else:
        where = country_text(t.country) if t.country else "country not recorded"
    via = f" (onward, from {t.exporter_name})" if t.onward else ""
    if t.controller_is_importer:
        via = f" (inbound: {t.exporter_name} [{t.exporter}] exports, the controller imports)"
    regime = f" [{t.regime}]" if t.regime != "EU GDPR" else ""
    text = (f"{where} \u2192 {t.importer_name} [{t.importer}]{via}: "
            f"{t.mechanism}, {t.article} \u2014 {t.status}{regime}")
    return text + (f" ({t.decision})" if t.decision else "")


def transfers_cell(ctx: ExportContext, activity: ProcessingActivity) -> Any:
    """Art 30(1)(e) for one activity, from the transfer classification."""
    if ctx.transfers is None:
        countries = sorted({c for r in ctx.register.recipients_of(activity) for c in r.countries})
        return Mark(f"{ctx.transfers_error} Recipient countries: {countries_text(countries) or 'none'}.",
                    "warning")
    found = ctx.transfers_of(activity.id)
    if found:
        return "\n".join(transfer_line(t) for t in found)
    if not activity.recipients:
        return "No transfer (no recipient)"
    return "No transfer to a third country or international organisation"


def _line(find: Any, key: str, describe: Any) -> str:
    """``describe(record)`` of the record ``find(key)`` returns, or the key itself when there is none."""
    try:
        record = find(key)
    except KeyError:
        return key
    return describe(record)


def _measure(register: Register, m: Any) -> str:
    text = f"{m.name} [{m.id}] ({m.type})"
    if m.description:
        text += f": {m.description}"
    if m.applies_to:
        text += " \u2014 operated by " + ", ".join(named(register, r) for r in m.applies_to)
    return text


def measure_line(register: Register, measure_id: str) -> str:
    """A security measure: name, id, type, description, who operates it (Art 30(1)(g))."""
    return _line(register.security_measure, measure_id, lambda m: _measure(register, m))


def users_text(ctx: ExportContext, kind: str, key: str) -> str | None:
    """The activities using a recipient, security measure or system, one per line."""
    return "\n".join(f"{a.name} [{a.id}]" for a in ctx.users.get((kind, key), [])) or None


def system_line(register: Register, system_id: str) -> str:
    """A system: name, id and countries."""
    return _line(register.system, system_id, lambda s: f"{s.name} [{s.id}]" + (
        f" ({countries_text(s.countries)})" if s.countries else ""))


def assumption_cell(record: Any) -> Any:
    text = assumptions_text(record)
    if not text:
        return None
    return Mark(text, "assumed") if ASSUMED in text else text
