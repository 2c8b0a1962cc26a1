"""The standard workbook's sheets after the Art 30 records: recipients, transfers, findings,
commitments, security measures, systems, assumptions, taxonomy, data flows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit_lib.analysis.tables import categories_of
from audit_lib.export.context import ExportContext
from audit_lib.export.render import (
    BOOL_LABELS,
    ROLE_ARTICLES,
    assumption_cell,
    mark_assumed,
    missing,
    named,
    users_text,
)
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.text import (
    ASSUMED,
    assumed_fields,
    authorisation_text,
    contact_text,
    contract_text,
    countries_text,
    country_text,
    evidence_text,
    field_line,
    lines,
    mechanism_text,
    notes_text,
    sourced_parts,
    words,
    yes_no,
)
from audit_lib.model import Recipient, RecipientRole, Register

RECIPIENT_COLUMNS = [
    Column("Recipient id", 16, "", "Stable identifier of the recipient."),
    Column("Name", 26, "Art 30(1)(d)", "Legal entity name (or the category, for a placeholder)."),
    Column("Role", 22, "Art 4(7)-(10), 26, 28", "Processor, sub-processor, joint or independent controller, "
                                                "public authority, internal."),
    Column("Category", 20, "", "What the recipient does (e.g. payment processing, hosting)."),
    Column("Sub-processor of", 22, "Art 28(2)", "For a sub-processor: the processor that engaged it."),
    Column("Its sub-processors", 24, "Art 28(2)", "Sub-processors this recipient engages."),
    Column("Countries", 22, "Art 30(1)(e)", "Countries where it stores or accesses the data (ISO 3166-1)."),
    Column("Address", 24, "", "Postal address."),
    Column("Contact", 26, "", "Contact details."),
    Column("DPA / contract \u2014 Art 28(3)", 22, "Art 28(3)", "The data processing agreement: reference, "
                                                            "date, link."),
    Column("Joint controller arrangement \u2014 Art 26", 22, "Art 26", "The Art 26 arrangement."),
    Column("Sub-processor authorisation \u2014 Art 28(2)", 22, "Art 28(2)",
           "General or specific authorisation by the controller."),
    Column(BOOL_LABELS["dpf_certified"], 10, "Art 45", "Certified under the EU-US Data Privacy Framework."),
    Column("Transfer mechanisms \u2014 Art 46, 49", 44, "Art 46, 47, 49",
           "Transfer tools declared (adequacy is computed, see Transfers)."),
    Column(BOOL_LABELS["placeholder"], 16, "Art 30(1)(d)",
           "yes when the policy names only a category of recipient, not the entity."),
    Column("Privacy policy", 24, "", "The recipient's privacy policy."),
    Column("Used by activities", 26, "Art 30(1)(d)", "Activities that disclose data to this recipient."),
    Column("Evidence (policy text)", 60, "Art 5(2)", "Policy sentence(s) the entry is based on."),
    Column("Assumptions to confirm", 40, "Art 5(2)", "Assumptions made where the source is silent."),
    Column("Notes", 30, "", "Free notes."),
]


def _recipient_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    for r in reg.recipients:
        r: Recipient
        assumed = assumed_fields(r)
        needs_dpa = r.role in (RecipientRole.processor, RecipientRole.sub_processor)
        dpa: Any = contract_text(r.dpa) or (missing() if needs_dpa else None)
        subs = ctx.children.get(r.id, [])
        yield [
            r.id,
            r.name,
            mark_assumed(ROLE_ARTICLES[r.role], "role", assumed),
            mark_assumed(r.category, "category", assumed),
            named(reg, r.parent) if r.parent else None,
            "\n".join(f"{s.name} [{s.id}]" for s in subs) or None,
            mark_assumed(countries_text(r.countries) or missing(), "countries", assumed),
            mark_assumed(r.address, "address", assumed),
            mark_assumed(contact_text(r.contact), "contact", assumed),
            mark_assumed(dpa, "dpa", assumed),
            mark_assumed(contract_text(r.joint_controller_arrangement), "joint_controller_arrangement",
                         assumed),
            mark_assumed(authorisation_text(r.sub_processor_authorisation), "sub_processor_authorisation",
                         assumed),
            mark_assumed(yes_no(r.dpf_certified), "dpf_certified", assumed),
            mark_assumed("\n".join(mechanism_text(m) for m in r.transfer_mechanisms) or None,
                         "transfer_mechanisms", assumed),
            "yes: the policy names only a category of recipient" if r.placeholder else "no",
            r.privacy_policy_url,
            users_text(ctx, "recipient", r.id),
            evidence_text(r),
            assumption_cell(r),
            notes_text(r),
        ]


def recipients_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Recipients", RECIPIENT_COLUMNS, _recipient_rows(ctx), freeze_columns=2,
                 description="Every party personal data are disclosed to (Art 30(1)(d)).")


TRANSFER_COLUMNS = [
    Column("Exporter", 24, "Art 44", "Who sends the data: the controller, or a processor (onward transfer)."),
    Column("Importer", 26, "Art 44", "Who receives the data in the third country."),
    Column("Importer role", 16, "", "Role of the importer."),
    Column("Country", 20, "Art 30(1)(e)", "The third country."),
    Column("Data categories", 36, "Art 30(1)(c)", "Categories of personal data transferred."),
    Column("Activities", 26, "Art 30(1)", "Processing activities the transfer serves."),
    Column("Mechanism", 16, "Chapter V", "adequacy, dpf, scc, bcr, code_of_conduct, certification, "
                                         "ad_hoc_clauses, derogation or none."),
    Column("Article", 22, "Art 45-49", "The article the transfer relies on."),
    Column("Decision", 24, "Art 45", "Adequacy decision relied on, when any."),
    Column("Status", 18, "", "compliant, safeguard to verify, or no lawful mechanism."),
    Column("Onward", 9, "Art 44", "yes for an onward transfer (processor to sub-processor)."),
    Column("Flags", 18, "", "Contradictions found in the declarations."),
    Column("Note", 50, "", "Why the transfer is classified so."),
    Column("As of", 11, "", "Date the classification applies to (reference data in force then)."),
]


def _transfer_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    if ctx.transfers is None:
        yield [Mark(ctx.transfers_error or "Transfers not classified.", "warning")] + [None] * 13
        return
    if not ctx.transfers:
        yield [Mark("No transfer of personal data to a third country or international organisation.",
                    "info")] + [None] * 13
        return
    for t in ctx.transfers:
        if t.importer_kind == "international_organisation":
            where = f"{t.country_name} (international organisation)"
        else:
            where = country_text(t.country) if t.country else missing("country")
        yield [
            f"{t.exporter_name} [{t.exporter}]",
            f"{t.importer_name} [{t.importer}]",
            words(t.importer_role) or None,
            where,
            "\n".join(t.data_categories) or None,
            "\n".join(t.activities) or None,
            t.mechanism,
            t.article,
            t.decision,
            Mark(t.status, "missing") if t.status == "no lawful mechanism" else (
                Mark(t.status, "warning") if t.status != "compliant" else t.status),
            yes_no(t.onward),
            ", ".join(t.flags) or None,
            t.note or None,
            t.as_of or (ctx.as_of.isoformat() if ctx.as_of else None),
        ]


def transfers_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Transfers", TRANSFER_COLUMNS, _transfer_rows(ctx), freeze_columns=2,
                 description="Every flow of personal data to a party outside the EEA, classified "
                             "(Chapter V, Art 44-49).")


FINDING_COLUMNS = [
    Column("Severity", 10, "", "high, medium, low, info."),
    Column("Code", 11, "", "Stable rule code (ROPA-X001: an Art 30 item this workbook shows as "
                           "Not recorded)."),
    Column("Article", 18, "", "Article the finding concerns."),
    Column("Record", 18, "", "Record id concerned."),
    Column("Field", 18, "", "Field concerned."),
    Column("Finding", 60, "", "What is wrong."),
    Column("Remedy", 50, "", "How to fix it."),
    Column("Source", 9, "", "audit (ropa audit rules) or export (this workbook)."),
]


def _finding_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    if ctx.findings_error:
        yield [Mark("warning", "warning"), None, None, None, None,
               Mark(ctx.findings_error, "warning"), None, "export"]
    for f in ctx.findings:
        sev = f.get("severity", "")
        yield [Mark(sev, "missing") if sev == "high" else sev, f.get("code"), f.get("article"),
               f.get("record"), f.get("field"), f.get("message"), f.get("remedy"), f.get("source")]
    if not ctx.findings and not ctx.findings_error:
        yield [Mark("none", "info"), None, None, None, None, "No finding.", None, "audit"]


def findings_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Findings", FINDING_COLUMNS, _finding_rows(ctx), freeze_columns=0,
                 description="The audit's findings, most severe first, and the items this workbook had "
                             "to show as Not recorded.")


COMMITMENT_COLUMNS = [
    Column("Area", 22, "", "Data subject rights, breach procedure, children, cookies, other."),
    Column("Item", 26, "", "The right, tracker or topic."),
    Column("Article", 20, "", "The article the commitment implements."),
    Column("Commitment", 60, "", "What the organisation commits to, field by field."),
    Column("Evidence (policy text)", 60, "Art 5(2)", "Policy sentence(s) the commitment is based on."),
    Column("Assumptions to confirm", 40, "Art 5(2)", "Assumptions made where the source is silent."),
    Column("Notes", 30, "", "Free notes."),
]


def _commitment_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    com = reg.commitments
    n = 0
    for r in com.rights:
        n += 1
        yield ["Data subject rights", words(r.right.value).capitalize(), r.right.article,
               lines(field_line("How", r.how), field_line("Response time", r.response_time),
                     field_line("Limitations", r.limitations)) or None,
               evidence_text(r), assumption_cell(r), notes_text(r)]
    if com.breach_procedure:
        b = com.breach_procedure
        n += 1
        hours = f"{b.notify_authority_within_hours} hours" if b.notify_authority_within_hours is not None \
            else None
        yield ["Personal data breach", "Breach procedure", "Art 33, Art 34",
               lines(field_line("Decided by", b.decided_by),
                     field_line("Supervisory authority notified within (Art 33(1))", hours),
                     field_line("Notification of the authority (Art 33)", b.authority_notification),
                     field_line("Communication to data subjects (Art 34)", b.data_subject_notification),
                     field_line("Exceptions", b.exceptions),
                     field_line("Internal sanctions", b.internal_sanctions)) or None,
               evidence_text(b), assumption_cell(b), notes_text(b)]
    if com.children:
        c = com.children
        n += 1
        yield ["Children", "Children's data policy", "Art 8",
               lines(field_line("Minimum age", c.minimum_age),
                     field_line(BOOL_LABELS["directed_at_children"], c.directed_at_children),
                     field_line("Age verification", c.age_verification),
                     field_line("On discovering a child's data", c.on_discovery)) or None,
               evidence_text(c), assumption_cell(c), notes_text(c)]
    for k in com.cookies:
        n += 1
        yield ["Cookies and trackers", f"{k.name} [{k.id}]", "ePrivacy Directive Art 5(3)",
               lines(field_line("Provider", named(reg, k.provider) if k.provider else None),
                     field_line("Purpose", k.purpose), field_line("Type", words(k.type)),
                     field_line(BOOL_LABELS["consent_required"], k.consent_required),
                     field_line("Consent mechanism", k.consent_mechanism),
                     field_line("Duration", k.duration)),
               evidence_text(k), assumption_cell(k), notes_text(k)]
    for o in com.other:
        n += 1
        yield ["Other commitments", o.topic, None, o.statement, evidence_text(o), assumption_cell(o),
               notes_text(o)]
    if n == 0:
        yield ["Commitments", Mark("None recorded", "warning"), None,
               "The register records no organisation-wide commitments (rights, breach procedure, "
               "children, cookies).", None, None, None]


def commitments_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Commitments", COMMITMENT_COLUMNS, _commitment_rows(ctx),
                 description="Organisation-wide commitments of the privacy policy: how each right is "
                             "answered, the breach procedure, children, cookies, other statements.")


SECURITY_COLUMNS = [
    Column("Measure id", 16, "", "Stable identifier of the measure."),
    Column("Measure", 26, "Art 32(1)", "Name of the technical or organisational measure."),
    Column("Type", 14, "Art 32(1)", "technical, organisational or physical."),
    Column("Description", 60, "Art 30(1)(g)", "What the measure is."),
    Column("Operated by", 24, "Art 28(3)(c)", "Recipients that operate it, when not the controller."),
    Column("Used by activities", 30, "Art 30(1)(g)", "Activities protected by the measure."),
    Column("Evidence (policy text)", 60, "Art 5(2)", "Policy sentence(s) the entry is based on."),
    Column("Assumptions to confirm", 40, "Art 5(2)", "Assumptions made where the source is silent."),
    Column("Notes", 30, "", "Free notes."),
]


def _security_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    for m in reg.security_measures:
        assumed = assumed_fields(m)
        users = [f"{a.name} [{a.id}]" for a in ctx.users.get(("measure", m.id), [])]
        users += [f"{p.name} [{p.id}] (processor)" for p in reg.processor_activities
                  if m.id in p.security_measures]
        yield [m.id, m.name, mark_assumed(m.type, "type", assumed),
               mark_assumed(m.description or missing("description"), "description", assumed),
               mark_assumed("\n".join(named(reg, r) for r in m.applies_to) or None, "applies_to", assumed),
               "\n".join(users) or None, evidence_text(m), assumption_cell(m), notes_text(m)]


def security_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Security measures", SECURITY_COLUMNS, _security_rows(ctx), freeze_columns=2,
                 description="Technical and organisational security measures (Art 32, Art 30(1)(g)).")


SYSTEM_COLUMNS = [
    Column("System id", 16, "", "Stable identifier of the system."),
    Column("System", 26, "", "Name of the system holding personal data."),
    Column("Description", 50, "", "What the system is."),
    Column("Hosted by", 26, "Art 28", "Recipient hosting it, if any."),
    Column("Countries", 24, "Art 30(1)(e)", "Where the system is."),
    Column("Used by activities", 30, "", "Activities whose data it holds."),
    Column("Evidence (policy text)", 60, "Art 5(2)", "Policy sentence(s) the entry is based on."),
    Column("Assumptions to confirm", 40, "Art 5(2)", "Assumptions made where the source is silent."),
    Column("Notes", 30, "", "Free notes."),
]


def _system_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    for s in reg.systems:
        assumed = assumed_fields(s)
        users = [f"{a.name} [{a.id}]" for a in ctx.users.get(("system", s.id), [])]
        yield [s.id, s.name, mark_assumed(s.description, "description", assumed),
               mark_assumed(named(reg, s.hosted_by) if s.hosted_by else None, "hosted_by", assumed),
               mark_assumed(countries_text(s.countries) or None, "countries", assumed),
               "\n".join(users) or None, evidence_text(s), assumption_cell(s), notes_text(s)]


def systems_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Systems", SYSTEM_COLUMNS, _system_rows(ctx), freeze_columns=2,
                 description="Systems holding personal data.")


ASSUMPTION_COLUMNS = [
    Column("Status", 16, "Art 5(2)", "To confirm, or confirmed."),
    Column("Record type", 16, "", "Kind of record."),
    Column("Record id", 18, "", "Record the assumption belongs to."),
    Column("Record", 26, "", "Name of the record."),
    Column("Field", 26, "", "The field the assumption fills in (path inside the record)."),
    Column("Assumption", 70, "", "What was assumed, and why."),
]


def all_records(register: Register) -> Iterator[tuple[str, str, str, Any]]:
    """(record type, id, name, record) of every top-level record of a register."""
    org = register.organisation
    yield "organisation", "organisation", org.name, org
    for a in register.activities:
        yield "activity", a.id, a.name, a
    for r in register.recipients:
        yield "recipient", r.id, r.name, r
    for m in register.security_measures:
        yield "security measure", m.id, m.name, m
    for s in register.systems:
        yield "system", s.id, s.name, s
    for p in register.processor_activities:
        yield "processor activity", p.id, p.name, p
    com = register.commitments
    for r in com.rights:
        yield "right", r.right.value, words(r.right.value), r
    if com.breach_procedure:
        yield "breach procedure", "breach_procedure", "Breach procedure", com.breach_procedure
    if com.children:
        yield "children policy", "children", "Children's data policy", com.children
    for k in com.cookies:
        yield "cookie", k.id, k.name, k
    for o in com.other:
        yield "commitment", o.topic, o.topic, o


def _assumption_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    n = 0
    for kind, rid, name, record in all_records(ctx.register):
        for path, rec in sourced_parts(record):
            for a in rec.assumptions:
                n += 1
                where = f"{path}.{a.field}" if path else a.field
                status = Mark(ASSUMED, "assumed") if a.to_confirm else "Confirmed"
                yield [status, kind, rid, name, where, a.statement]
    if n == 0:
        yield [Mark("None", "info"), None, None, None, None, "The register records no assumption."]


def assumptions_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Assumptions to confirm", ASSUMPTION_COLUMNS, _assumption_rows(ctx),
                 description="What the register keeper inferred where the source is silent: each to be "
                             "confirmed before the record is relied on.")


TAXONOMY_COLUMNS = [
    Column("Kind", 18, "", "data category, data use (purpose) or data subject."),
    Column("Key", 36, "", "The register's own key (child of a fideslang key)."),
    Column("Name", 26, "", "Name of the key."),
    Column("Parent key", 30, "", "The fideslang key it extends."),
    Column("Description", 50, "", "What it covers."),
]


def taxonomy_sheet(ctx: ExportContext) -> Sheet | None:
    tax = ctx.register.taxonomy
    rows = [[words(kind), t.fides_key, t.name, t.parent_key, t.description]
            for kind in ("data_categories", "data_uses", "data_subjects") for t in getattr(tax, kind)]
    if not rows:
        return None
    return Sheet("Taxonomy", TAXONOMY_COLUMNS, rows,
                 description="The register's extensions of the fideslang taxonomy.")


FLOW_COLUMNS = [
    Column("From", 26, "", "Who discloses the data."),
    Column("To", 28, "Art 30(1)(d)", "Who receives them."),
    Column("Role", 22, "", "Role of the receiver."),
    Column("Countries", 22, "Art 30(1)(e)", "Countries of the receiver."),
    Column("Data categories", 36, "Art 30(1)(c)", "Categories of personal data that flow."),
    Column("Activity", 28, "Art 30(1)", "The processing activity (or 'onward' for a sub-processor)."),
]


def _flow_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    org = reg.organisation.name
    for act in reg.activities:
        for link in act.recipients:
            try:
                r = reg.recipient(link.recipient)
            except KeyError:
                continue
            yield [org, f"{r.name} [{r.id}]", words(r.role.value), countries_text(r.countries) or None,
                   ", ".join(categories_of(act, r.id)) or None, f"{act.name} [{act.id}]"]
    for r in reg.recipients:
        if r.parent:
            yield [named(reg, r.parent), f"{r.name} [{r.id}]", words(r.role.value),
                   countries_text(r.countries) or None, "what the processor receives",
                   "onward (sub-processor)"]


def data_flows_sheet(ctx: ExportContext) -> Sheet:
    png, why = ctx.diagram_png()
    message = Mark(why, "warning") if why else "The diagram (right of the table) shows data subjects, " \
        "activities, systems, recipients and sub-processors, coloured by where their countries stand."
    return Sheet(
        "Data flows", FLOW_COLUMNS, _flow_rows(ctx),
        preamble=[["Data flows"], [message]],
        image_png=png, image_anchor="H1",
        description="The data-flow diagram as an image, and every flow as a table row.",
    )
