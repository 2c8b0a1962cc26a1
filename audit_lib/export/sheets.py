"""The standard workbook's sheets after the Art 30 records, each a column spec and its records:
recipients, transfers, findings, commitments, security measures, systems, assumptions, taxonomy,
data flows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit_lib.analysis.tables import categories_of
from audit_lib.export.context import ExportContext
from audit_lib.export.render import BOOL_LABELS, ROLE_ARTICLES, consent_text, missing, named
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.spec import SOURCED, table, value_of
from audit_lib.export.text import (
    ASSUMED,
    authorisation_text,
    contact_text,
    contract_text,
    countries_text,
    country_text,
    field_line,
    lines,
    mechanism_text,
    sourced_parts,
    taxonomy_text,
    words,
    yes_no,
)
from audit_lib.model import RecipientRole, Sourced
from audit_lib.model.catalogue import CATALOGUE


def _text(value: Any) -> str:
    """An enum's value or the text itself (transfer status and mechanism may be either)."""
    return str(getattr(value, "value", value))


def _ids(items: list[Any]) -> str | None:
    return "\n".join(f"{x.name} [{x.id}]" for x in items) or None


def _users(kind: str) -> Any:
    return lambda ctx, r: _ids(ctx.users.get((kind, r.id), []))


def _dpa(ctx: ExportContext, r: Any) -> Any:
    needs = r.role in (RecipientRole.processor, RecipientRole.sub_processor)
    return contract_text(r.dpa) or (missing() if needs else "not needed (not a processor)")


RECIPIENT_COLUMNS = [
    Column("Recipient id", 16, "", "Stable identifier of the recipient.", "id"),
    Column("Name", 26, "Art 30(1)(d)", "Legal entity name (or the category, for a placeholder).", "name"),
    Column("Role", 22, "Art 4(7)-(10), 26, 28", "Processor, sub-processor, joint or independent controller, "
           "public authority, internal; for a public authority, the law it is disclosed under (Art 48).",
           "role", lambda ctx, r: lines(ROLE_ARTICLES[r.role],
                                        field_line("Disclosed under (Art 48)", r.disclosure_basis))),
    Column("Category", 20, "", "What the recipient does (e.g. payment processing, hosting).", "category"),
    Column("Sub-processor of", 22, "Art 28(2)", "For a sub-processor: the processor that engaged it.",
           "parent", lambda ctx, r: named(ctx.register,
                                          r.parent) if r.parent else None, "not a sub-processor"),
    Column("Its sub-processors", 24, "Art 28(2)", "Sub-processors this recipient engages.", "",
           lambda ctx, r: _ids(ctx.children.get(r.id, [])), "none recorded"),
    Column("Countries", 22, "Art 30(1)(e)", "Countries where it stores or accesses the data (ISO 3166-1).",
           "countries", lambda ctx, r: lines(
               countries_text(r.countries),
               field_line("Established in (when it exports)", countries_text([r.established])
                          if r.established else None),
               field_line("International organisation (Art 4(26))", r.international_organisation),
               field_line("Sector", r.sector)) or None, "Not recorded"),
    Column("Address and contact", 28, "", "Postal address and contact details.", "contact",
           lambda ctx, r: lines(r.address, contact_text(r.contact)), "Not recorded"),
    Column("DPA / contract \u2014 Art 28(3)", 22, "Art 28(3)", "The data processing agreement: reference, "
           "date, link.", "dpa", _dpa),
    Column("Joint controller arrangement \u2014 Art 26", 22, "Art 26", "The Art 26 arrangement.",
           "joint_controller_arrangement", lambda ctx, r: contract_text(r.joint_controller_arrangement)),
    Column("Sub-processor authorisation \u2014 Art 28(2)", 22, "Art 28(2)",
           "General or specific authorisation by the controller.", "sub_processor_authorisation",
           lambda ctx, r: authorisation_text(r.sub_processor_authorisation)),
    Column(BOOL_LABELS["dpf_certified"], 10, "Art 45", "Certified under the EU-US Data Privacy Framework.",
           "dpf_certified", lambda ctx, r: yes_no(r.dpf_certified), "not stated"),
    Column("Transfer mechanisms \u2014 Art 46, 49", 40, "Art 46, 47, 49",
           "Transfer tools declared (adequacy is computed, see Transfers).", "transfer_mechanisms",
           lambda ctx, r: "\n".join(mechanism_text(m) for m in r.transfer_mechanisms), "none declared"),
    Column(BOOL_LABELS["placeholder"], 14, "Art 30(1)(d)",
           "yes when the policy names only a category of recipient, not the entity.", "placeholder",
           lambda ctx, r: "yes: the policy names only a category of recipient" if r.placeholder else "no"),
    Column("Privacy policy", 24, "", "The recipient's privacy policy.", "privacy_policy_url"),
    Column("Used by activities", 26, "Art 30(1)(d)", "Activities that disclose data to this recipient.", "",
           _users("recipient"), "no activity"),
    *SOURCED,
]


def recipients_sheet(ctx: ExportContext) -> Sheet:
    return table(ctx, "Recipients", RECIPIENT_COLUMNS, ctx.register.recipients, freeze_columns=2,
                 description="Every party personal data are disclosed to (Art 30(1)(d)).")


TRANSFER_COLUMNS = [
    Column("Exporter", 24, "Art 44", "Who sends the data: the controller, or a processor (onward transfer).",
           "exporter", lambda ctx, t: f"{t.exporter_name} [{t.exporter}]"),
    Column("Importer", 26, "Art 44", "Who receives the data in the third country.", "importer",
           lambda ctx, t: f"{t.importer_name} [{t.importer}]"),
    Column("Importer role", 14, "", "Role of the importer.", "importer_role",
           lambda ctx, t: words(t.importer_role or "") or None),
    Column("Country", 18, "Art 30(1)(e)", "The third country.", "country",
           lambda ctx, t: country_text(t.country) if t.country else None, "Not recorded: country"),
    Column("Data categories", 32, "Art 30(1)(c)", "Categories of personal data transferred.",
           "data_categories",
           lambda ctx, t: "\n".join(t.data_categories)),
    Column("Activities", 24, "Art 30(1)", "Processing activities the transfer serves.", "activities",
           lambda ctx, t: "\n".join(t.activities)),
    Column("Mechanism", 14, "Chapter V", "adequacy, dpf, scc, bcr, code_of_conduct, certification, "
           "ad_hoc_clauses, derogation or none.", "mechanism", lambda ctx, t: _text(t.mechanism)),
    Column("Article", 20, "Art 45-49", "The article the transfer relies on.", "article"),
    Column("Decision", 18, "Art 45", "Adequacy decision relied on, when any.", "decision", None, "none"),
    Column("Status", 16, "", "compliant, safeguard to verify, or no lawful mechanism (from the "
           "transfer classification).", "status", lambda ctx, t: _status(t)),
    Column("Onward", 8, "Art 44", "yes for an onward transfer (processor to sub-processor).", "onward",
           lambda ctx, t: yes_no(t.onward)),
    Column("Note", 44, "", "Why the transfer is classified so, and contradictions found in the declarations.",
           "note", lambda ctx, t: lines(t.note, ", ".join(t.flags or []) or None)),
]


def _status(t: Any) -> Any:
    status = _text(t.status)
    if status == "compliant":
        return status
    return Mark(status, "missing" if status == "no lawful mechanism" else "warning")


def _message_rows(columns: list[Column], message: Mark) -> list[list[Any]]:
    return [[message] + [None] * (len(columns) - 1)]


def transfers_sheet(ctx: ExportContext) -> Sheet:
    description = ("Every flow of personal data to a party outside the EEA, classified (Chapter V, "
                   f"Art 44-49), as of {ctx.as_of.isoformat() if ctx.as_of else 'the date generated'}.")
    if ctx.transfers is None or not ctx.transfers:
        message = Mark(ctx.transfers_error or "Transfers not classified.",
                       "warning") if ctx.transfers is None \
            else Mark("No transfer of personal data to a third country or international organisation.",
                      "info")
        return Sheet("Transfers", TRANSFER_COLUMNS, _message_rows(TRANSFER_COLUMNS, message),
                     freeze_columns=2, description=description)
    return table(ctx, "Transfers", TRANSFER_COLUMNS, ctx.transfers, freeze_columns=2, description=description)


def _severity(ctx: ExportContext, f: Any) -> Any:
    sev = _text(f.severity)
    return Mark(sev, "missing") if sev == "high" else sev


FINDING_COLUMNS = [
    Column("Severity", 9, "", "high, medium, low, info.", "severity", _severity),
    Column("Code", 11, "", "Stable rule code (see docs/audit-rules.md).", "code"),
    Column("Article", 14, "", "Article the finding concerns.", "article"),
    Column("Record", 16, "", "Record id concerned; a grouped finding lists every record it covers "
           "(the audit's 'records').", "record", lambda ctx, f: _records(f)),
    Column("Field", 13, "", "Field concerned.", "field"),
    Column("Finding", 42, "", "What is wrong.", "message"),
    Column("Remedy", 30, "", "How to fix it.", "remedy"),
    Column("Status", 14, "", "open, accepted (an accepted risk in force covers the finding) or acceptance "
           "lapsed; with the acceptance written for it: who accepted it, until when, why.", "status",
           lambda ctx, f: _status(f)),
]


def _records(f: Any) -> str | None:
    return ", ".join(getattr(f, "records", ()) or ((f.record,) if f.record else ())) or None


def _acceptance(f: Any) -> str | None:
    a = getattr(f, "acceptance", None)
    if a is None:
        return None
    return "; ".join(p for p in (
        f"accepted by {a.owner}" + (f" on {a.accepted_on.isoformat()}" if a.accepted_on else ""),
        f"until {a.expires.isoformat()}", a.justification) if p)


def _status(f: Any) -> Any:
    status = str(getattr(f, "status", "open"))
    text = lines(status, _acceptance(f))
    return Mark(text, "warning") if status == "acceptance lapsed" else text


def findings_sheet(ctx: ExportContext) -> Sheet:
    description = "The audit's findings (exactly what `ropa audit` reports), most severe first."
    if ctx.findings_error or not ctx.findings:
        message = Mark(ctx.findings_error, "warning") if ctx.findings_error else Mark("No finding.", "info")
        return Sheet("Findings", FINDING_COLUMNS, _message_rows(FINDING_COLUMNS, message),
                     description=description)
    return table(ctx, "Findings", FINDING_COLUMNS, ctx.findings, description=description)


COMMITMENT_COLUMNS = [
    Column("Area", 20, "", "Data subject rights, breach procedure, children, cookies, other."),
    Column("Item", 24, "", "The right, tracker or topic."),
    Column("Article", 18, "", "The article the commitment implements."),
    Column("Commitment", 60, "", "What the organisation commits to, field by field."),
    *SOURCED,
]


def _commitment(area: str, item: str, article: str | None, text: str | None, record: Any) -> list[Any]:
    return [area, item, article, text, record]


def _commitment_items(ctx: ExportContext) -> Iterator[list[Any]]:
    """(area, item, article, commitment text, record) for every organisation-wide commitment."""
    reg = ctx.register
    com = reg.commitments
    for r in com.rights:
        yield _commitment("Data subject rights", words(r.right.value).capitalize(), r.right.article,
                          lines(field_line("How", r.how), field_line("Response time", r.response_time),
                                field_line("Answered within (days, Art 12(3))", r.response_days),
                                field_line(BOOL_LABELS["offered_in_full"], r.offered_in_full),
                                field_line("Limitations", r.limitations)), r)
    if com.breach_procedure:
        b = com.breach_procedure
        hours = f"{b.notify_authority_within_hours} hours" if b.notify_authority_within_hours is not None \
            else None
        yield _commitment("Personal data breach", "Breach procedure", "Art 33, Art 34", lines(
            field_line("Decided by", b.decided_by),
            field_line("Supervisory authority notified within (Art 33(1))", hours),
            field_line("Notification of the authority (Art 33)", b.authority_notification),
            field_line("Communication to data subjects (Art 34)", b.data_subject_notification),
            field_line("Exceptions", b.exceptions),
            field_line("Exempt from notification (Art 33(1))",
                       ", ".join(words(g.value) for g in b.exception_grounds)),
            field_line("Breach log (Art 33(5))", b.breach_log),
            field_line("Internal sanctions", b.internal_sanctions)), b)
    if com.children:
        c = com.children
        yield _commitment("Children", "Children's data policy", "Art 8", lines(
            field_line("Minimum age", c.minimum_age),
            field_line(BOOL_LABELS["directed_at_children"], c.directed_at_children),
            field_line("Age verification", c.age_verification),
            field_line("On discovering a child's data", c.on_discovery)), c)
    for k in com.cookies:
        yield _commitment("Cookies and trackers", f"{k.name} [{k.id}]", "ePrivacy Directive Art 5(3)", lines(
            field_line("Provider", named(reg, k.provider) if k.provider else None),
            field_line("Purpose", k.purpose), field_line("Type", words(k.type)),
            field_line(BOOL_LABELS["consent_required"], k.consent_required),
            field_line("Consent mechanism", k.consent_mechanism), consent_text(k.consent),
            field_line("Stores", ", ".join(taxonomy_text(c, "data_categories", ctx.extra["data_categories"])
                                           for c in k.data_categories)),
            field_line("Duration", k.duration)), k)
    if com.consent:
        yield _commitment("Consent", "How consent is collected", "Art 4(11), Art 7",
                          consent_text(com.consent), com.consent)
    for o in com.other:
        yield _commitment("Other commitments", o.topic, None, o.statement, o)


def commitments_sheet(ctx: ExportContext) -> Sheet:
    description = ("Organisation-wide commitments of the privacy policy: how each right is answered, the "
                   "breach procedure, children, cookies, other statements.")
    rows = [head + [value_of(ctx, c, record, {}) for c in SOURCED]
            for *head, record in _commitment_items(ctx)]
    if not rows:
        rows = _message_rows(COMMITMENT_COLUMNS, Mark(
            "None recorded: the register records no organisation-wide commitments (rights, breach "
            "procedure, children, cookies).", "warning"))
    return Sheet("Commitments", COMMITMENT_COLUMNS, rows, description=description)


def _measure_users(ctx: ExportContext, m: Any) -> str | None:
    users = [f"{a.name} [{a.id}]" for a in ctx.users.get(("measure", m.id), [])]
    users += [f"{p.name} [{p.id}] (processor)" for p in ctx.register.processor_activities
              if m.id in p.security_measures]
    return "\n".join(users) or None


SECURITY_COLUMNS = [
    Column("Measure id", 16, "", "Stable identifier of the measure.", "id"),
    Column("Measure", 26, "Art 32(1)", "Name of the technical or organisational measure.", "name"),
    Column("Type", 14, "Art 32(1)", "technical, organisational or physical.", "type"),
    Column("Description", 60, "Art 30(1)(g)", "What the measure is.", "description", None, "Not recorded"),
    Column("Operated by", 24, "Art 28(3)(c)", "Recipients that operate it, when not the controller.",
           "applies_to", lambda ctx, m: "\n".join(named(ctx.register, r) for r in m.applies_to),
           "the controller"),
    Column("Used by activities", 30, "Art 30(1)(g)", "Activities protected by the measure.", "",
           _measure_users, "no activity"),
    *SOURCED,
]


def security_sheet(ctx: ExportContext) -> Sheet:
    return table(ctx, "Security measures", SECURITY_COLUMNS, ctx.register.security_measures, freeze_columns=2,
                 description="Technical and organisational security measures (Art 32, Art 30(1)(g)).")


SYSTEM_COLUMNS = [
    Column("System id", 16, "", "Stable identifier of the system.", "id"),
    Column("System", 26, "", "Name of the system holding personal data.", "name"),
    Column("Description", 50, "", "What the system is.", "description", None, "Not recorded"),
    Column("Hosted by", 26, "Art 28", "Recipient hosting it, if any.", "hosted_by",
           lambda ctx, s: named(ctx.register, s.hosted_by) if s.hosted_by else None, "the controller"),
    Column("Countries", 24, "Art 30(1)(e)", "Where the system is.", "countries",
           lambda ctx, s: countries_text(s.countries), "Not recorded"),
    Column("Used by activities", 30, "", "Activities whose data it holds.", "", _users("system"),
           "no activity"),
    *SOURCED,
]


def systems_sheet(ctx: ExportContext) -> Sheet:
    return table(ctx, "Systems", SYSTEM_COLUMNS, ctx.register.systems, freeze_columns=2,
                 description="Systems holding personal data.")


ASSUMPTION_COLUMNS = [
    Column("Status", 14, "Art 5(2)", "To confirm, or confirmed."),
    Column("Record", 36, "", "The record the assumption belongs to (kind, name, id)."),
    Column("Field", 26, "", "The field the assumption fills in (path inside the record)."),
    Column("Assumption", 70, "", "What was assumed, and why."),
]


def _record_name(record: Any, path: str) -> str:
    name = getattr(record, "name", None) or getattr(record, "topic", None)
    return f"{name} [{path}]" if name else path


def _assumption_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    n = 0
    for kind in CATALOGUE:
        if not issubclass(kind.model, Sourced):  # only sourced records carry assumptions
            continue
        for index, record in enumerate(kind.records(ctx.register)):
            yield from _assumptions_of(kind.label, record, kind.path(record, index))
            n += sum(len(rec.assumptions) for _, rec in sourced_parts(record))
    if n == 0:
        yield [Mark("None", "info"), None, None, "The register records no assumption."]


def _assumptions_of(label: str, record: Any, path: str) -> Iterator[list[Any]]:
    for where, rec in sourced_parts(record):
        for a in rec.assumptions:
            status = Mark(ASSUMED, "assumed") if a.to_confirm else "Confirmed"
            field = f"{where}.{a.field}" if where else a.field
            yield [status, f"{label}: {_record_name(record, path)}", field, a.statement]


def assumptions_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Assumptions to confirm", ASSUMPTION_COLUMNS, _assumption_rows(ctx),
                 description="Every assumption, listed once: what the register keeper inferred where the "
                             "source is silent, to confirm before the record is relied on. The cells an "
                             "assumption fills are marked \u201c\u26a0 Assumption to confirm\u201d.")


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


DIAGRAM_SHEET = "Data-flow diagram"


def diagram_sheet(ctx: ExportContext) -> Sheet:
    """The data-flow picture alone, printed on one page of its own."""
    png, why = ctx.diagram_png()
    message = Mark(why, "warning") if why else (
        "Data subjects, activities, systems, recipients and sub-processors; every flow is a row of sheet "
        "Data flows, every transfer a row of sheet Transfers.")
    return Sheet(DIAGRAM_SHEET, [Column("Data-flow diagram", 120)], [[message]], image_png=png,
                 image_anchor="A3", fit_page=True, print_only=True,
                 description="The data-flow diagram as a picture, on a page of its own.")


def data_flows_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Data flows", FLOW_COLUMNS, _flow_rows(ctx),
                 description="Every flow of personal data as a table row (the picture is on sheet "
                             f"{DIAGRAM_SHEET}).")
