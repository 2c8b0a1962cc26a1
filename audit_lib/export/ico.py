"""``--layout ico``: the column set of the UK ICO's controller documentation template.

The ICO publishes an .xlsx template for controllers: a contact block (controller, DPO,
representative: name, address, email, telephone) above one row per processing
activity with 30 columns under group headings (the Art 30 record first, then lawful
basis, privacy notice, consent, access requests, DPIA, breaches and the DPA 2018
Schedule 1 columns). "Business function" holds the activity's department
(``ProcessingActivity.department``), not its name; the activity's name heads "Purpose of
processing". How each right is exercised and the breach procedure are the same for every
activity: they stand once on the "Procedures" sheet, and each row lists the rights that
apply and refers to it. A processor sheet follows the ICO processor template when the
register has an Art 30(2) record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit_lib.export.context import ExportContext
from audit_lib.export.render import measure_line, missing, named, recipient_line, system_line, transfer_line
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.text import (
    contact_text,
    contract_text,
    countries_text,
    dpia_text,
    field_line,
    legal_basis_text,
    lines,
    mechanism_text,
    purpose_text,
    retention_text,
    source_text,
    taxonomy_text,
    words,
    yes_no,
)
from audit_lib.model import DataSubjectRight, LegalBasis, ProcessingActivity, RecipientRole, Register
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category

ICO_COLUMNS = [
    ("Business function", 24, "Art 30(1)", "department (the business function carrying out the activity), "
     "and the activity's owner"),
    ("Purpose of processing", 36, "Art 30(1)(b)", "the activity's name and id, then its purposes"),
    ("Name and contact details of joint controller (if applicable)", 30, "Art 30(1)(a), Art 26",
     "recipients of the activity whose role is joint_controller, with their Art 26 arrangement"),
    ("Categories of individuals", 26, "Art 30(1)(c)", "data_subjects"),
    ("Categories of personal data", 36, "Art 30(1)(c)", "data_categories"),
    ("Categories of recipients", 40, "Art 30(1)(d)", "recipients, with role and countries"),
    ("Link to contract with processor", 30, "Art 28(3)", "the DPA reference of each processor recipient"),
    ("Names of third countries or international organisations that personal data are transferred to "
     "(if applicable)", 30, "Art 30(1)(e)", "the countries of the classified transfers"),
    ("Safeguards for exceptional transfers of personal data to third countries or international "
     "organisations (if applicable)", 40, "Art 30(1)(e), Art 46, Art 49",
     "mechanism, article and status of each transfer, and declared transfer tools"),
    ("Retention schedule (if possible)", 32, "Art 30(1)(f)", "retention"),
    ("General description of technical and organisational security measures (if possible)", 40,
     "Art 30(1)(g), Art 32", "security_measures with their descriptions"),
    ("Article 6 lawful basis for processing personal data", 24, "Art 6(1)", "legal_basis"),
    ("Article 9 condition for processing special category data", 24, "Art 9(2), Art 10",
     "special_category_condition and criminal_data_basis"),
    ("Legitimate interests for the processing (if applicable)", 30, "Art 6(1)(f)", "legitimate_interest"),
    ("Link to record of legitimate interests assessment (if applicable)", 22, "Art 6(1)(f)",
     "legitimate_interest_assessment"),
    ("Rights available to individuals", 30, "Art 12-22, 77",
     "the rights that apply under the activity's lawful basis; how each is exercised (commitments.rights) "
     "stands once on the Procedures sheet"),
    ("Existence of automated decision-making, including profiling (if applicable)", 26, "Art 22",
     "automated_decision_making"),
    ("The source of the personal data (if applicable)", 26, "Art 14(2)(f)", "sources"),
    ("Link to record of consent", 26, "Art 7(1)", "for consent-based activities: how consent is given "
                                                 "and withdrawn (consent_withdrawal)"),
    ("Location of personal data", 26, "Art 30(1)(e)", "systems and recipients with their countries"),
    ("Data Protection Impact Assessment required?", 16, "Art 35", "dpia.required and WP248 criteria"),
    ("Data Protection Impact Assessment progress", 22, "Art 35", "dpia reference, date and screening"),
    ("Link to Data Protection Impact Assessment", 20, "Art 35", "dpia.reference"),
    ("Has a personal data breach occurred?", 20, "Art 33(5)",
     "the register records the breach procedure, not incidents"),
    ("Link to record of personal data breach", 24, "Art 33, Art 34",
     "a reference to the breach procedure (commitments.breach_procedure) on the Procedures sheet"),
    ("Data Protection Act 2018 Schedule 1 Condition for processing", 24, "DPA 2018 Sch 1",
     "UK only: not held by the register; shown as Not recorded where special category or criminal "
     "offence data are processed"),
    ("GDPR Article 6 lawful basis for processing", 24, "Art 6(1)",
     "legal_basis (repeated as in the template)"),
    ("Link to retention and erasure policy document", 26, "DPA 2018 Sch 1 Part 4", "retention descriptions"),
    ("Is personal data retained and erased in accordance with the policy document?", 22,
     "DPA 2018 Sch 1 Part 4", "not held by the register"),
    ("Reasons for not adhering to policy document (if applicable)", 22, "DPA 2018 Sch 1 Part 4",
     "not held by the register"),
]

PROCESSOR_COLUMNS = [
    ("Name and contact details of controller", 36, "Art 30(2)(a)", "controller"),
    ("Name and contact details of controller's representative (if applicable)", 30, "Art 30(2)(a)",
     "controller_representative"),
    ("Categories of processing", 36, "Art 30(2)(b)", "categories_of_processing and data_categories"),
    ("Names of third countries or international organisations that personal data are transferred to "
     "(if applicable)", 30, "Art 30(2)(c)", "transfer_countries"),
    ("Safeguards for exceptional transfers of personal data to third countries or international "
     "organisations (if applicable)", 40, "Art 30(2)(c), Art 49", "transfer_mechanisms"),
    ("General description of technical and organisational security measures (if possible)", 40,
     "Art 30(2)(d)", "security_measures"),
]

NOT_APPLICABLE = "Not applicable"
PROCEDURES = "Procedures"
PRINT_SCALE = 0.85
"""Smallest print scale of every sheet, with a margin over 0.8 (10 pt page header at 8 pt): LibreOffice
fits the columns to the pages a little tighter than the writer computes."""

GROUPS = [
    (0, "Article 30 record of processing activities"),
    (11, "Lawful basis"),
    (15, "Privacy notice"),
    (18, "Consent"),
    (19, "Access requests"),
    (20, "Data Protection Impact Assessments"),
    (23, "Personal data breaches"),
    (25, "Data Protection Act 2018 \u2014 special category or criminal conviction and offence data"),
]
"""(first column, heading) of the ICO template's group headings above the column headings."""


def _columns(spec: list[tuple[str, int, str, str]]) -> list[Column]:
    return [Column(h, w, a, f"From the register: {g}.") for h, w, a, g in spec]


def _contact_parts(contact: Any, address: str | None = None) -> list[Any]:
    """Name, address, email, telephone (the template's contact block)."""
    if contact is None:
        return [missing(), None, None, None]
    return [contact.name or missing(), contact.address or address, contact.email, contact.phone]


def _contact_block(register: Register) -> list[list[Any]]:
    org = register.organisation
    c = org.contact
    controller = [org.name, org.address or (c.address if c else None) or missing(), c.email if c else None,
                  c.phone if c else None]
    rep: list[Any] = _contact_parts(org.eu_representative) if org.eu_representative else (
        [NOT_APPLICABLE + " (established in the EU)"] if org.established_in_eu else [missing()])
    dpo: list[Any] = _contact_parts(org.dpo) if org.dpo else (
        ["None designated"] if org.dpo_required is False else [missing()])
    return [
        [f"Documentation of processing activities \u2014 {org.name}"],
        ["", "Name", "Address", "Email", "Telephone"],
        ["Controller", *controller],
        ["Data Protection Officer", *dpo],
        ["Representative", *rep],
    ]


def _group_row() -> list[Any]:
    row: list[Any] = [None] * len(ICO_COLUMNS)
    for col, heading in GROUPS:
        row[col] = heading
    return row


def applicable_rights(activity: ProcessingActivity) -> list[DataSubjectRight]:
    """Rights that apply to an activity given its lawful basis (Art 17(3), 20(1), 21(1)-(2), 7(3))."""
    bases = set(activity.legal_basis)
    rights = [DataSubjectRight.information, DataSubjectRight.access, DataSubjectRight.rectification,
              DataSubjectRight.erasure, DataSubjectRight.restriction]
    if bases & {LegalBasis.consent, LegalBasis.contract}:
        rights.append(DataSubjectRight.portability)
    marketing = any(p.key.startswith("marketing") for p in activity.purposes)
    if bases & {LegalBasis.legitimate_interests, LegalBasis.public_task} or marketing:
        rights.append(DataSubjectRight.objection)
    rights.append(DataSubjectRight.automated_decisions)
    if LegalBasis.consent in bases:
        rights.append(DataSubjectRight.withdraw_consent)
    rights += [DataSubjectRight.complaint, DataSubjectRight.post_mortem_instructions]
    return rights


def rights_text(register: Register, activity: ProcessingActivity) -> Any:
    """'Rights available to individuals': the rights that apply, how each is exercised referenced."""
    if not register.commitments.rights:
        return missing("the register records no commitment on data subject rights")
    names = [f"{words(r.value).capitalize()} ({r.article})" for r in applicable_rights(activity)
             if r is not DataSubjectRight.post_mortem_instructions]
    return "\n".join(names) + f"\nHow each is exercised: sheet {PROCEDURES}."


def procedure_rows(register: Register) -> list[list[Any]]:
    """How each right is exercised (every commitment) and the breach procedure, once for all activities."""
    commitments = register.commitments.rights
    used = list(dict.fromkeys([r for a in register.activities for r in applicable_rights(a)]
                              + [c.right for c in commitments]))
    area = "Rights available to individuals"
    rows: list[list[Any]] = []
    for right in used:
        found = [c for c in commitments if c.right is right]
        if not found and right is not DataSubjectRight.post_mortem_instructions:
            rows.append([area, words(right.value).capitalize(), right.article,
                         missing("how this right is exercised")])
        for c in found:
            details = "; ".join(p.rstrip(".") for p in (c.how, field_line("response time", c.response_time),
                                                        field_line("limitations", c.limitations)) if p)
            rows.append([area, words(right.value).capitalize(), right.article, details or "recorded"])
    rows.append(["Personal data breaches", "Breach procedure", "Art 33, Art 34", breach_text(register)])
    return rows


def breach_text(register: Register) -> Any:
    b = register.commitments.breach_procedure
    if b is None:
        return missing("no breach procedure in the register")
    hours = None if b.notify_authority_within_hours is None else f"{b.notify_authority_within_hours} hours"
    return lines(
        "Procedure (no incident is recorded in the register):",
        field_line("Decided by", b.decided_by),
        field_line("Authority notified within (Art 33(1))", hours),
        field_line("Notification of the authority", b.authority_notification),
        field_line("Communication to individuals (Art 34)", b.data_subject_notification),
        field_line("Exceptions", b.exceptions),
        field_line("Internal sanctions", b.internal_sanctions),
    )


def _special(activity: ProcessingActivity) -> bool:
    return any(is_special_category(c.key) or is_criminal_data(c.key) for c in activity.data_categories)


def _activity_row(ctx: ExportContext, act: ProcessingActivity, breach: Any) -> list[Any]:
    reg = ctx.register
    extra = ctx.extra
    recipients = reg.recipients_of(act)
    joint = [lines(f"{r.name} [{r.id}]", contact_text(r.contact, one_line=True),
                   field_line("Art 26 arrangement", contract_text(r.joint_controller_arrangement)))
             for r in recipients if r.role is RecipientRole.joint_controller]
    processors = [f"{r.name} [{r.id}]: {contract_text(r.dpa) or 'Not recorded'}" for r in recipients
                  if r.role in (RecipientRole.processor, RecipientRole.sub_processor)]
    for r in recipients:
        processors += [f"{s.name} [{s.id}] (sub-processor): {contract_text(s.dpa) or 'Not recorded'}"
                       for s in ctx.children.get(r.id, [])]
    if ctx.transfers is None:
        countries: Any = Mark(ctx.transfers_error or "", "warning")
        safeguards: Any = countries
    else:
        found = ctx.transfers_of(act.id)
        countries = "\n".join(sorted({countries_text([t.country]) if t.country else "country not recorded"
                                      for t in found})) or "None"
        safeguards = "\n".join(transfer_line(t) for t in found) or NOT_APPLICABLE
        declared = [f"{r.name}: {mechanism_text(m)}" for r in recipients for m in r.transfer_mechanisms]
        if declared:
            safeguards = lines(safeguards, "Declared:", *declared)
    basis = "\n".join(legal_basis_text(b) for b in act.legal_basis) or missing()
    condition = lines(f"{act.special_category_condition.article}" if act.special_category_condition else None,
                      field_line("Art 10", act.criminal_data_basis))
    consent = (lines("Consent (Art 6(1)(a))", field_line("Withdrawal", act.consent_withdrawal))
               if LegalBasis.consent in act.legal_basis else NOT_APPLICABLE)
    location = lines(*(system_line(reg, s) for s in act.systems),
                     *(f"{r.name}: {countries_text(r.countries)}" for r in recipients if r.countries))
    dpia = act.dpia
    special = _special(act)
    sch1: Any = missing("UK DPA 2018 Schedule 1 condition") if special else NOT_APPLICABLE
    policy = "\n".join(r.description for r in act.retention if r.description) or None
    purposes = "\n".join(purpose_text(p, extra["data_uses"]) for p in act.purposes)
    return [
        lines(act.department, field_line("Owner", act.owner)) or missing("department (business function)"),
        lines(f"{act.name} [{act.id}]", purposes) if purposes else Mark(f"{act.name} [{act.id}]\n"
                                                                          f"{missing().text}", "missing"),
        "\n\n".join(joint) or NOT_APPLICABLE,
        "\n".join(taxonomy_text(s, "data_subjects", extra["data_subjects"]) for s in act.data_subjects)
        or missing(),
        "\n".join(taxonomy_text(c, "data_categories", extra["data_categories"]) for c in act.data_categories)
        or missing(),
        "\n".join(recipient_line(ctx, act, link) for link in act.recipients) or "None",
        "\n".join(processors) or NOT_APPLICABLE,
        countries,
        safeguards,
        "\n".join(retention_text(r, extra["data_categories"]) for r in act.retention) or missing(),
        "\n".join(measure_line(reg, m) for m in act.security_measures) or missing(),
        basis,
        condition or (missing() if special else NOT_APPLICABLE),
        act.legitimate_interest or (missing() if LegalBasis.legitimate_interests in act.legal_basis
                                    else NOT_APPLICABLE),
        act.legitimate_interest_assessment or NOT_APPLICABLE,
        rights_text(reg, act),
        act.automated_decision_making or "Not recorded (none stated)",
        "\n".join(source_text(s, ctx.names) for s in act.sources) or None,
        consent,
        location or None,
        (yes_no(dpia.required) or "Not assessed") if dpia else "Not recorded",
        dpia_text(dpia) or "Not recorded",
        (dpia.reference if dpia else None) or NOT_APPLICABLE,
        "Not recorded in the register (it holds the procedure, not incidents)",
        breach,
        sch1,
        basis,
        (policy or missing()) if special else (policy or NOT_APPLICABLE),
        missing() if special else NOT_APPLICABLE,
        missing() if special else NOT_APPLICABLE,
    ]


def _rows(ctx: ExportContext) -> Iterator[list[Any]]:
    breach = (f"Procedure on sheet {PROCEDURES}" if ctx.register.commitments.breach_procedure
              else missing("no breach procedure in the register"))
    for act in ctx.register.activities:
        yield _activity_row(ctx, act, breach)


def _processor_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    for p in reg.processor_activities:
        yield [
            contact_text(p.controller) or missing(),
            contact_text(p.controller_representative) or NOT_APPLICABLE,
            lines(f"{p.name} [{p.id}]", *p.categories_of_processing,
                  field_line("Data", ", ".join(c.key for c in p.data_categories)),
                  field_line("Sub-processors", ", ".join(named(reg, s) for s in p.sub_processors))),
            countries_text(p.transfer_countries) or NOT_APPLICABLE,
            "\n".join(mechanism_text(m) for m in p.transfer_mechanisms) or NOT_APPLICABLE,
            "\n".join(measure_line(reg, m) for m in p.security_measures) or missing(),
        ]


def ico_sheets(ctx: ExportContext) -> list[Sheet]:
    sheets = [Sheet("Controller", _columns(ICO_COLUMNS), _rows(ctx),
                    preamble=[*_contact_block(ctx.register), _group_row()], freeze_columns=2,
                    min_print_scale=PRINT_SCALE,
                    description="ICO controller documentation template: one row per processing activity."),
              Sheet(PROCEDURES, [Column("Area", 22), Column("Item", 22), Column("Article", 14),
                                 Column("How it is done", 70)], procedure_rows(ctx.register),
                    min_print_scale=PRINT_SCALE,
                    description="How each right is exercised and the breach procedure, once for every "
                                "activity (referenced from the Controller sheet).")]
    if ctx.register.processor_activities:
        sheets.append(Sheet("Processor", _columns(PROCESSOR_COLUMNS), _processor_rows(ctx),
                            preamble=_contact_block(ctx.register), min_print_scale=PRINT_SCALE,
                            description="ICO processor documentation template (Art 30(2))."))
    notes = [[s.name, c.header, c.article, c.guide] for s in sheets for c in s.columns]
    notes.append(["Everywhere", "Not recorded", "Art 30", "The register does not hold this item."])
    sheets.append(Sheet("Notes", [Column("Sheet", 14), Column("Column", 50), Column("Article", 20),
                                  Column("Where the value comes from", 70)], notes,
                        min_print_scale=PRINT_SCALE,
                        description="Where each column of the ICO layout comes from in the register."))
    return sheets
