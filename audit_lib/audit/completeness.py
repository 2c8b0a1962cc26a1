"""Art 30(1)(a)-(g) and Art 30(2): is every item of the record there?"""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import ORGANISATION, AuditContext, Hit, period_days, rule
from audit_lib.model import Contact, RecipientRole


def _reachable(contact: Contact | None) -> bool:
    """A contact someone can actually use: an email, phone, postal address or web form."""
    return bool(contact and (contact.email or contact.phone or contact.address or contact.url))


def _named(what: str, name: str | None) -> str:
    return f"{what} {name}" if name else what


@rule("ROPA-A001", "medium", "Art 30(1)(a), 13(1)(a)", "Controller identity incomplete",
      "Record the controller's legal entity (registered name and form, as in the company register), its "
      "postal address and a privacy contact (email or phone) in organisation.yaml, and give them in the "
      "notice.")
def controller_identity(ctx: AuditContext) -> Iterator[Hit]:
    """The controller is not identified as Art 30(1)(a) and 13(1)(a) require: no legal entity
    (a brand name is not a controller's identity), no postal address, or no usable contact."""
    org = ctx.organisation
    gaps = [what for what, ok in (("legal entity", org.legal_entity), ("postal address", org.address),
                                  ("contact details", org.address or _reachable(org.contact))) if not ok]
    if gaps:
        field = "legal_entity" if not org.legal_entity else "address" if not org.address else "contact"
        yield Hit(ORGANISATION, field, f"{org.name}: no {', no '.join(gaps)} recorded; a brand name does "
                  "not identify the controller")


@rule("ROPA-A002", "medium", "Art 30(1)(b)", "Purposes missing",
      "State what the activity is for: add purposes (fideslang data use key and a description).",
      group="{n} activities have no purpose recorded")
def purposes(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force has no purpose of processing."""
    for a in ctx.activities:
        if not a.purposes:
            cats = ", ".join(a.data_category_keys) or "no data categories"
            yield Hit(a.id, "purposes", f"{a.name}: no purpose recorded (collects {cats})")


@rule("ROPA-A003", "medium", "Art 30(1)(c)", "Categories of data subjects missing",
      "Name whose data it is: add data_subjects (fideslang data subject keys, e.g. customer, visitor).",
      group="{n} activities name no category of data subjects")
def data_subjects(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force names no category of data subjects."""
    for a in ctx.activities:
        if not a.data_subjects:
            yield Hit(a.id, "data_subjects", f"{a.name}: no category of data subjects recorded")


@rule("ROPA-A004", "medium", "Art 30(1)(c)", "Categories of personal data missing",
      "List the data processed: add data_categories (fideslang keys, with a label in the policy's words).",
      group="{n} activities name no category of personal data")
def data_categories(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force names no category of personal data (and is not only about
    anonymous users)."""
    for a in ctx.personal_activities:
        if not a.data_categories:
            yield Hit(a.id, "data_categories", f"{a.name}: no category of personal data recorded")


@rule("ROPA-A005", "low", "Art 30(1)(d)", "Recipients not stated",
      "List the recipients; if only staff see the data, link an internal recipient (role: internal), "
      "so the record says so rather than staying silent.",
      group="{n} activities name no recipient, not even an internal one")
def recipients_not_stated(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force with personal data names no recipient at all, not even an internal
    one, and says nothing about it: no assumption on its recipients, no note mentioning
    recipients, and not a zero retention period (data never kept is disclosed to nobody)."""
    for a in ctx.activities:
        if a.recipients or ctx.facts[a.id].anonymised_only:
            continue
        stated = any(x.field == "recipients" for x in a.assumptions) or "recipient" in (a.notes or "").lower()
        if stated or (bool(a.retention) and all(period_days(r.period) == 0 for r in a.retention)):
            continue
        yield Hit(a.id, "recipients", f"{a.name}: no recipient recorded, not even an internal one")


@rule("ROPA-A006", "medium", "Art 30(1)(d)", "Host of a system not listed as recipient",
      "Add the hosting provider to the activity's recipients (it receives the data by hosting it).",
      group="{n} activities use a system whose host is not among their recipients")
def system_hosts(ctx: AuditContext) -> Iterator[Hit]:
    """An activity uses a system hosted by a recipient that is not among the activity's
    recipients: the host receives the data."""
    hosts = {s.id: s.hosted_by for s in ctx.register.systems if s.hosted_by in ctx.recipients}
    for a in ctx.activities:
        hosted = [(sid, hosts[sid]) for sid in a.systems if sid in hosts]
        if not hosted:
            continue
        listed = set(a.recipient_ids)
        for sid, host in hosted:
            if host not in listed:
                yield Hit(a.id, "recipients", f"{a.name}: system {sid} is hosted by "
                          f"{ctx.recipients[host].name} ({host}), which is not listed as a recipient",
                          detail=f"{a.id} ({host})")


@rule("ROPA-A007", "medium", "Art 30(1)(g)", "Security measures missing",
      "Link the technical and organisational measures (security.yaml ids) that protect this data.",
      group="{n} activities link no security measure")
def security_measures(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force with personal data links no security measure (Art 32(1))."""
    for a in ctx.personal_activities:
        if not a.security_measures:
            yield Hit(a.id, "security_measures", f"{a.name}: no security measure recorded")


@rule("ROPA-A008", "medium", "Art 30(1)(e)", "Recipient country not recorded",
      "Record the countries where the recipient stores or accesses the data; where one is outside the "
      "EEA, record the transfer tool (adequacy is computed, SCCs/BCR/derogation are declared).",
      group="{n} identified recipients have no country recorded")
def recipient_countries(ctx: AuditContext) -> Iterator[Hit]:
    """An identified recipient (not internal) has no country recorded, directly or through a
    system it hosts, so no one can tell whether the data it receives leaves the EEA. Placeholders
    are left to ROPA-H003 (identify the party, then its country) and public authorities to
    ROPA-L006 (on what law data is disclosed to them)."""
    hosted = {s.hosted_by for s in ctx.register.systems if s.hosted_by and s.countries}
    for r in ctx.register.recipients:
        if r.countries or r.role in (RecipientRole.internal, RecipientRole.public_authority) \
                or r.id in hosted or r.placeholder:
            continue
        gap = "" if r.transfer_mechanisms else "; no transfer safeguard is declared either"
        used = " it receives" if ctx.in_force_users(r.id) else ""
        yield Hit(r.id, "countries", f"{r.name}: no country recorded, so nobody can tell whether the data"
                  f"{used} leaves the EEA{gap}", detail=r.id)


@rule("ROPA-A009", "low", "Art 30(1)(a)", "Joint controller contact details missing",
      "Record the joint controller's address or privacy contact (contact: email, address).")
def joint_controller_contact(ctx: AuditContext) -> Iterator[Hit]:
    """A joint controller (a recipient with role joint_controller, or one listed in
    organisation.joint_controllers) has no contact details."""
    for r in ctx.register.recipients:
        if r.role is RecipientRole.joint_controller and not (r.address or _reachable(r.contact)):
            yield Hit(r.id, "contact", f"joint controller {r.name}: no contact details recorded")
    for i, c in enumerate(ctx.organisation.joint_controllers):
        if not _reachable(c):
            yield Hit(ORGANISATION, f"joint_controllers[{i}]",
                      f"joint controller {c.name or '#' + str(i + 1)}: no contact details recorded")


@rule("ROPA-A010", "low", "Art 30(1)(a)", "DPO or representative without contact details",
      "Add an email, phone or address for the DPO (Art 37(7)) and the EU representative.")
def dpo_representative_contact(ctx: AuditContext) -> Iterator[Hit]:
    """A DPO or EU representative is recorded but cannot be reached: no email, phone,
    address or URL."""
    org = ctx.organisation
    for name, contact in (("dpo", org.dpo), ("eu_representative", org.eu_representative)):
        if contact is not None and not _reachable(contact):
            who = _named("DPO" if name == "dpo" else "EU representative", contact.name)
            yield Hit(ORGANISATION, name, f"{who} has no contact details")


@rule("ROPA-A011", "medium", "Art 30(2)(a)", "Processor record: controller contact missing",
      "Record the contact details of the controller you process for (email or address).")
def processor_controller_contact(ctx: AuditContext) -> Iterator[Hit]:
    """A processor activity (Art 30(2) record) does not say how to reach the controller it acts for."""
    for p in ctx.register.processor_activities:
        if not _reachable(p.controller):
            yield Hit(p.id, "controller", f"{p.name}: {_named('controller', p.controller.name)} has no "
                      "contact details")


@rule("ROPA-A012", "medium", "Art 30(2)(d)", "Processor record: security measures missing",
      "Link the security measures applied to the processing you carry out for the controller.")
def processor_security(ctx: AuditContext) -> Iterator[Hit]:
    """A processor activity (Art 30(2) record) links no security measure."""
    for p in ctx.register.processor_activities:
        if not p.security_measures:
            yield Hit(p.id, "security_measures", f"{p.name}: no security measure recorded")
