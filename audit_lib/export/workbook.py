"""The standard Article 30 workbook, and :func:`write_workbook` for every layout.

Sheets of the standard layout, in order: Cover, Controller record (Art 30(1), one row
per activity, a column per point (a)-(g)), Processor record (Art 30(2), when the
register has one), Recipients, Transfers, Findings, Commitments, Security measures,
Systems, Assumptions to confirm, Taxonomy (when the register extends it), Data flows
(diagram and the table of flows), Guide (every column and its article), then the
hidden machine-readable ``data.*`` sheets that ``ropa import-xlsx`` reads back.
Every value a DPO recorded appears on a human sheet; an Art 30 item that is missing
shows "Not recorded" and is listed as a finding.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audit_lib.analysis.tables import summary
from audit_lib.export.context import ExportContext, activity_gaps, build_context, organisation_gap
from audit_lib.export.render import (
    BOOL_LABELS,
    assumption_cell,
    controller_text,
    mark_assumed,
    measure_line,
    missing,
    named,
    recipient_line,
    system_line,
    transfers_cell,
)
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.sheets import (
    assumptions_sheet,
    commitments_sheet,
    data_flows_sheet,
    findings_sheet,
    recipients_sheet,
    security_sheet,
    systems_sheet,
    taxonomy_sheet,
    transfers_sheet,
)
from audit_lib.export.text import (
    ASSUMED,
    NOT_RECORDED,
    assumed_fields,
    contact_text,
    countries_text,
    country_text,
    date_text,
    dpia_text,
    evidence_text,
    field_line,
    legal_basis_text,
    lines,
    mechanism_text,
    notes_text,
    purpose_text,
    retention_text,
    source_text,
    taxonomy_text,
    words,
    yes_no,
)
from audit_lib.export.xlsx import WriteReport, write_sheets
from audit_lib.io.datasheets import data_sheets
from audit_lib.model import ProcessingActivity, ProcessorActivity, RecipientRole, Register

LAYOUTS = ("standard", "ico", "cnil")

STANDARD_SHEETS = (
    "Cover", "Controller record", "Processor record", "Recipients", "Transfers", "Findings",
    "Commitments", "Security measures", "Systems", "Assumptions to confirm", "Taxonomy",
    "Data flows", "Guide",
)


# --------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------

CONTROLLER_COLUMNS = [
    Column("Activity id", 16, "", "Stable identifier of the processing activity in the register."),
    Column("Activity", 26, "Art 30(1)", "Name of the processing activity."),
    Column("Description", 36, "", "What the activity does, in the register's words."),
    Column("Status", 10, "", "active, planned or retired."),
    Column("(a) Controller \u2014 Art 30(1)(a)", 40, "Art 30(1)(a)",
           "Name and contact details of the controller, joint controllers, the controller's "
           "representative and the data protection officer."),
    Column("(b) Purposes \u2014 Art 30(1)(b)", 40, "Art 30(1)(b)",
           "The purposes of the processing (fideslang data use key in brackets)."),
    Column("Legal basis \u2014 Art 6(1)", 24, "Art 6(1)", "The lawful basis of the processing."),
    Column("Legitimate interest \u2014 Art 6(1)(f)", 30, "Art 6(1)(f)",
           "The legitimate interest pursued, where the basis is 6(1)(f)."),
    Column("Legitimate interests assessment", 22, "Art 6(1)(f)", "Reference of the balancing test."),
    Column("Consent withdrawal \u2014 Art 7(3)", 26, "Art 7(3)", "How consent is withdrawn."),
    Column("Special category condition \u2014 Art 9(2)", 22, "Art 9(2)",
           "Condition for special categories of data."),
    Column("Criminal offence data \u2014 Art 10", 22, "Art 10", "Authority for criminal offence data."),
    Column("(c) Data subjects \u2014 Art 30(1)(c)", 28, "Art 30(1)(c)",
           "Categories of data subjects (fideslang data subject keys)."),
    Column("(c) Personal data \u2014 Art 30(1)(c)", 40, "Art 30(1)(c)",
           "Categories of personal data (fideslang data category keys); special categories (Art 9) "
           "and criminal offence data (Art 10) are marked."),
    Column("Sources of the data \u2014 Art 14(2)(f)", 28, "Art 14(2)(f)", "Where the data come from."),
    Column("(d) Recipients \u2014 Art 30(1)(d)", 48, "Art 30(1)(d)",
           "Recipients the data are disclosed to, with role, countries, the categories disclosed "
           "when limited, and their sub-processors."),
    Column("(e) Transfers \u2014 Art 30(1)(e)", 48, "Art 30(1)(e)",
           "Transfers to third countries or international organisations, with the mechanism and "
           "article relied on (adequacy Art 45, safeguards Art 46, derogations Art 49) and status."),
    Column("(f) Erasure time limits \u2014 Art 30(1)(f)", 36, "Art 30(1)(f)",
           "Envisaged time limits for erasure of the categories of data (ISO 8601 period, trigger)."),
    Column("(g) Security measures \u2014 Art 30(1)(g)", 44, "Art 30(1)(g), Art 32",
           "General description of the technical and organisational security measures."),
    Column("Systems", 24, "", "Systems holding the data."),
    Column("Children's data \u2014 Art 8", 22, "Art 8", "Whether children's data are processed; age checks."),
    Column("Automated decision-making \u2014 Art 22", 26, "Art 22",
           "Automated decisions, including profiling."),
    Column("Provision required \u2014 Art 13(2)(e)", 26, "Art 13(2)(e)",
           "Whether providing the data is required, and why."),
    Column("DPIA \u2014 Art 35", 30, "Art 35", "DPIA reference or the WP248 screening."),
    Column("Owner", 18, "Art 5(2)", "Who answers for the activity."),
    Column("Last reviewed", 12, "Art 24(1)", "Date the entry was last reviewed (YYYY-MM-DD)."),
    Column("Evidence (policy text)", 60, "Art 5(2)",
           "The sentence(s) of the published policy the entry is based on, in quotes."),
    Column("Assumptions to confirm", 40, "Art 5(2)",
           "What the register keeper inferred where the policy is silent, to confirm."),
    Column("Notes", 30, "", "Free notes."),
]


def _controller_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    extra = ctx.extra
    names = ctx.names
    a_text: Any = controller_text(reg)
    if organisation_gap(reg):
        a_text = Mark(f"{NOT_RECORDED}: no address or contact details for the controller\n{a_text}",
                      "missing")
    for act in reg.activities:
        assumed = assumed_fields(act)
        gaps = {name for name, _ in activity_gaps(act)}

        def item(field: str, text: str | None, detail: str = "", *, _gaps=gaps, _assumed=assumed) -> Any:
            value: Any = text
            if field in _gaps:
                value = missing(detail or (text or ""))
            return mark_assumed(value, field, _assumed)

        joint = [named(reg, r.id) for r in reg.recipients_of(act) if r.role is RecipientRole.joint_controller]
        a_cell = a_text
        if joint:
            extra_line = f"\nJoint controller for this activity: {', '.join(joint)}"
            a_cell = Mark(a_text.text + extra_line, a_text.kind) if isinstance(a_text, Mark) \
                else a_text + extra_line
        yield [
            act.id,
            act.name,
            mark_assumed(act.description, "description", assumed),
            act.status.value,
            a_cell,
            item("purposes", "\n".join(purpose_text(p, extra["data_uses"]) for p in act.purposes)),
            mark_assumed("\n".join(legal_basis_text(b) for b in act.legal_basis) or missing(),
                         "legal_basis", assumed),
            mark_assumed(act.legitimate_interest, "legitimate_interest", assumed),
            mark_assumed(act.legitimate_interest_assessment, "legitimate_interest_assessment", assumed),
            mark_assumed(act.consent_withdrawal, "consent_withdrawal", assumed),
            mark_assumed(_condition(act), "special_category_condition", assumed),
            mark_assumed(act.criminal_data_basis, "criminal_data_basis", assumed),
            item("data_subjects", "\n".join(taxonomy_text(s, "data_subjects", extra["data_subjects"])
                                            for s in act.data_subjects)),
            item("data_categories", "\n".join(taxonomy_text(c, "data_categories", extra["data_categories"])
                                              for c in act.data_categories)),
            mark_assumed("\n".join(source_text(s, names) for s in act.sources) or None, "sources", assumed),
            mark_assumed("\n".join(recipient_line(ctx, act, link) for link in act.recipients)
                         or "None recorded (no disclosure outside the controller's staff)",
                         "recipients", assumed),
            transfers_cell(ctx, act),
            item("retention", "\n".join(retention_text(r, extra["data_categories"]) for r in act.retention)),
            item("security_measures", "\n".join(measure_line(reg, m) for m in act.security_measures)),
            mark_assumed("\n".join(system_line(reg, s) for s in act.systems) or None, "systems", assumed),
            mark_assumed(lines(field_line(BOOL_LABELS["children_data"], act.children_data),
                               field_line("Age verification", act.age_verification)) or None,
                         "children_data", assumed),
            mark_assumed(act.automated_decision_making, "automated_decision_making", assumed),
            mark_assumed(act.provision_requirement, "provision_requirement", assumed),
            mark_assumed(dpia_text(act.dpia), "dpia", assumed),
            mark_assumed(act.owner, "owner", assumed),
            date_text(act.last_reviewed),
            evidence_text(act),
            assumption_cell(act),
            notes_text(act),
        ]


def _condition(act: ProcessingActivity) -> str | None:
    cond = act.special_category_condition
    return f"{cond.article} ({words(cond.name)})" if cond else None


def controller_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Controller record", CONTROLLER_COLUMNS, _controller_rows(ctx), freeze_columns=2,
                 description="The controller's record of processing activities (Art 30(1)), one row "
                             "per activity, a column per point (a) to (g) plus the related articles.")


PROCESSOR_COLUMNS = [
    Column("Processing id", 16, "", "Stable identifier of the processing on behalf of a controller."),
    Column("Processing", 26, "Art 30(2)", "Name of the processing carried out on behalf of a controller."),
    Column("(a) Processor and controller \u2014 Art 30(2)(a)", 44, "Art 30(2)(a)",
           "Name and contact details of the processor (us), its DPO and representative, and of the "
           "controller on whose behalf it acts and that controller's representative."),
    Column("(b) Categories of processing \u2014 Art 30(2)(b)", 40, "Art 30(2)(b)",
           "The categories of processing carried out on behalf of the controller."),
    Column("Categories of personal data", 36, "Art 28(3)", "Categories of personal data processed."),
    Column("Sub-processors \u2014 Art 28(2)", 36, "Art 28(2)", "Sub-processors engaged for this processing."),
    Column("(c) Transfers \u2014 Art 30(2)(c)", 40, "Art 30(2)(c)",
           "Third countries data are transferred to, and the safeguards (Art 46, Art 49(1) second "
           "subparagraph documentation)."),
    Column("(d) Security measures \u2014 Art 30(2)(d)", 44, "Art 30(2)(d), Art 32",
           "General description of the technical and organisational security measures."),
    Column("Last reviewed", 12, "Art 24(1)", "Date last reviewed."),
    Column("Evidence (policy text)", 60, "Art 5(2)", "Policy sentence(s) the entry is based on."),
    Column("Assumptions to confirm", 40, "Art 5(2)", "Assumptions made where the source is silent."),
    Column("Notes", 30, "", "Free notes."),
]


def _processor_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    org = reg.organisation
    extra = ctx.extra["data_categories"]
    us = lines(f"Processor: {org.name}", contact_text(org.contact, one_line=True),
               f"DPO: {contact_text(org.dpo, one_line=True)}" if org.dpo else None,
               f"Representative: {contact_text(org.eu_representative, one_line=True)}"
               if org.eu_representative else None)
    for p in reg.processor_activities:
        p: ProcessorActivity
        assumed = assumed_fields(p)
        transfer = lines(countries_text(p.transfer_countries) if p.transfer_countries else None,
                         *(mechanism_text(m) for m in p.transfer_mechanisms))
        yield [
            p.id,
            p.name,
            lines(us, f"Controller: {contact_text(p.controller, one_line=True)}",
                  f"Controller's representative: {contact_text(p.controller_representative, one_line=True)}"
                  if p.controller_representative else None),
            mark_assumed("\n".join(p.categories_of_processing), "categories_of_processing", assumed),
            mark_assumed("\n".join(taxonomy_text(c, "data_categories", extra) for c in p.data_categories)
                         or None, "data_categories", assumed),
            mark_assumed("\n".join(named(reg, s) for s in p.sub_processors) or None, "sub_processors",
                         assumed),
            mark_assumed(transfer or "No transfer recorded", "transfer_countries", assumed),
            mark_assumed("\n".join(measure_line(reg, m) for m in p.security_measures) or missing(),
                         "security_measures", assumed),
            date_text(p.last_reviewed),
            evidence_text(p),
            assumption_cell(p),
            notes_text(p),
        ]


def processor_sheet(ctx: ExportContext) -> Sheet:
    return Sheet("Processor record", PROCESSOR_COLUMNS, _processor_rows(ctx), freeze_columns=2,
                 description="The record of processing carried out as a processor (Art 30(2)).")


def guide_sheet(sheets: list[Sheet]) -> Sheet:
    rows = []
    for sheet in sheets:
        rows.append([sheet.name, "(sheet)", None, sheet.description])
        for col in sheet.columns:
            rows.append([sheet.name, col.header, col.article or None, col.guide or None])
    rows.append(["data.* (hidden)", "(sheets)", "Art 30(3)",
                 "Machine-readable copy of every record, one sheet per record type and a column per field "
                 "(lists as JSON). `ropa import-xlsx` reads these back into register YAML: to change the "
                 "register from Excel, unhide and edit these sheets (the sheets above are generated)."])
    rows.append(["Everywhere", NOT_RECORDED, "Art 30(1)",
                 "An Art 30 item the register does not hold; each is also listed on Findings."])
    rows.append(["Everywhere", ASSUMED, "Art 5(2)",
                 "A value the register keeper inferred where the policy is silent; listed on "
                 "Assumptions to confirm."])
    rows.append(["Everywhere", "[\u2026 continued on sheet Overflow ...]", "",
                 "Text longer than Excel's 32,767-character cell limit continues on sheet Overflow; "
                 "control characters XML cannot hold are shown as \\xNN (see Export notes)."])
    return Sheet("Guide", [Column("Sheet", 20), Column("Column", 36), Column("Article", 18),
                           Column("What it shows", 90)], rows,
                 description="What each sheet and column shows and the article it implements.")


def cover_rows(ctx: ExportContext, sheet_names: list[str]) -> list[list[Any]]:
    reg = ctx.register
    org = reg.organisation
    counts = summary(reg)
    src = org.policy_source
    policy = lines(src.title, src.url, f"archived: {src.archived_url}" if src.archived_url else None,
                   f"last updated: {src.last_updated.isoformat()}" if src.last_updated else None) \
        if src else None
    assumed = assumed_fields(org)
    org_rows: list[tuple[str, str, Any]] = [  # (label, organisation field, value)
        ("Controller \u2014 Art 30(1)(a)", "name", org.name),
        ("Legal entity", "legal_entity", org.legal_entity),
        ("Address", "address", org.address),
        ("Country", "country", country_text(org.country) if org.country else None),
        ("Contact", "contact", contact_text(org.contact) or (missing() if organisation_gap(reg) else None)),
        ("Website", "website", org.website),
        ("Data protection officer \u2014 Art 37-39", "dpo", contact_text(org.dpo) or (
            "none designated" if org.dpo_required is False else missing())),
        (f"{BOOL_LABELS['dpo_required']} \u2014 Art 37(1)", "dpo_required", yes_no(org.dpo_required)),
        ("DPO assessment", "dpo_assessment", org.dpo_assessment),
        ("EU representative \u2014 Art 27", "eu_representative", contact_text(org.eu_representative) or (
            "not needed (established in the EU)" if org.established_in_eu else missing())),
        ("Joint controllers \u2014 Art 26", "joint_controllers",
         "\n\n".join(contact_text(c) or "" for c in org.joint_controllers) or None),
        ("Lead supervisory authority \u2014 Art 56", "lead_supervisory_authority",
         org.lead_supervisory_authority),
        (f"{BOOL_LABELS['established_in_eu']} \u2014 Art 3(1)", "established_in_eu",
         yes_no(org.established_in_eu)),
        (f"{BOOL_LABELS['offers_goods_or_services_in_eu']} \u2014 Art 3(2)(a)",
         "offers_goods_or_services_in_eu", yes_no(org.offers_goods_or_services_in_eu)),
        (f"{BOOL_LABELS['monitors_behaviour_in_eu']} \u2014 Art 3(2)(b)", "monitors_behaviour_in_eu",
         yes_no(org.monitors_behaviour_in_eu)),
        ("Employees \u2014 Art 30(5)", "employees", org.employees),
        ("Register owner", "register_owner", org.register_owner),
        ("Register version", "register_version", org.register_version),
        ("Register last reviewed", "last_reviewed", date_text(org.last_reviewed)),
        ("Policy the register is built from", "policy_source", policy),
        ("Evidence (policy text)", "evidence", evidence_text(org)),
        (ASSUMED, "assumptions", assumption_cell(org)),
        ("Notes", "notes", notes_text(org)),
    ]
    rows: list[list[Any]] = [[label, mark_assumed(value, name, assumed)] for label, name, value in org_rows]
    rows += [
        ["Generated", ctx.generated.strftime("%Y-%m-%d %H:%M:%S UTC")],
        ["Transfers and findings as of", ctx.as_of.isoformat() if ctx.as_of else "the date generated"],
        ["Source register", reg.source_path],
        ["Source SHA-256", reg.source_hash],
    ]
    rows += [[f"Number of {label}", value] for label, value in counts.items()]
    if ctx.transfers is not None:
        by_status = Counter(t.status for t in ctx.transfers)
        rows.append(["Number of transfers", len(ctx.transfers)])
        rows += [[f"Transfers: {status}", n] for status, n in sorted(by_status.items())]
    by_sev = Counter(f.get("severity") for f in ctx.findings)
    rows += [[f"Findings: {sev}", by_sev.get(sev, 0)] for sev in ("high", "medium", "low", "info")]
    rows.append(["Items shown as Not recorded", len(ctx.gaps)])
    for problem in (ctx.transfers_error, ctx.findings_error, ctx.diagram_png()[1] if ctx.diagram else None):
        if problem and "too many" not in problem:
            rows.append(["Warning", Mark(problem, "warning")])
    rows.append(["Sheets", "\n".join(sheet_names)])
    return rows


def cover_sheet(ctx: ExportContext, sheet_names: list[str], title: str) -> Sheet:
    return Sheet("Cover", [Column("Item", 36), Column("Value", 90)], cover_rows(ctx, sheet_names),
                 preamble=[[title], [ctx.register.organisation.name]],
                 description="Who the controller is, when and from what the workbook was generated, counts.")


TITLE = "Record of processing activities \u2014 GDPR Article 30"


def standard_sheets(ctx: ExportContext) -> list[Sheet]:
    """Every sheet of the standard layout, in order (rows are generated lazily)."""
    human = [controller_sheet(ctx)]
    if ctx.register.processor_activities:
        human.append(processor_sheet(ctx))
    human += [recipients_sheet(ctx), transfers_sheet(ctx), findings_sheet(ctx), commitments_sheet(ctx),
              security_sheet(ctx), systems_sheet(ctx), assumptions_sheet(ctx)]
    tax = taxonomy_sheet(ctx)
    if tax is not None:
        human.append(tax)
    human.append(data_flows_sheet(ctx))
    names = ["Cover"] + [s.name for s in human] + ["Guide"]
    cover = cover_sheet(ctx, names, TITLE)
    guide = guide_sheet([cover] + human)
    return [cover, *human, guide, *data_sheets(ctx.register)]


def layout_sheets(ctx: ExportContext, layout: str = "standard") -> list[Sheet]:
    """The sheets of a layout: ``standard``, ``ico`` or ``cnil``."""
    if layout == "standard":
        return standard_sheets(ctx)
    if layout == "ico":
        from audit_lib.export.ico import ico_sheets

        return ico_sheets(ctx)
    if layout == "cnil":
        from audit_lib.export.cnil import cnil_sheets

        return cnil_sheets(ctx)
    raise ValueError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")


def write_workbook(register: Register, path: str | Path, layout: str = "standard",
                   as_of: dt.date | str | None = None, *, diagram: bool = True,
                   generated: dt.datetime | None = None) -> WriteReport:
    """Write the Art 30 workbook of ``register`` to ``path`` (atomically) in the given layout."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    ctx = build_context(register, as_of, diagram=diagram and layout == "standard", generated=generated)
    title = f"{TITLE}: {register.organisation.name}"
    return write_sheets(layout_sheets(ctx, layout), path, title=title)
