"""The standard Article 30 workbook, and :func:`write_workbook` for every layout.

Sheets of the standard layout, in order: Cover (one page: headline counts and contents),
Controller (the Art 30(1)(a) identity block, stated once), Record cards (one A4 portrait
card per activity, every Art 30(1)(a)-(g) item a labelled block: the record for paper),
Controller record (the same columns as one wide filterable table, for the screen),
Processor record (Art 30(2), when the register has one), Recipients, Transfers, Findings
(exactly the audit's), Commitments, Security measures, Systems, Assumptions to confirm
(each assumption once), Taxonomy (when the register extends it), Data flows (table),
Data-flow diagram (the picture on its own page), Guide (every column, generated from the
column spec), then the hidden machine-readable ``data.*`` sheets ``ropa import-xlsx`` reads.
An empty value of a never-blank column shows what it means ("Not recorded", "none").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from audit_lib.analysis.tables import summary
from audit_lib.export import LAYOUTS
from audit_lib.export.context import ExportContext, build_context
from audit_lib.export.render import (
    BOOL_LABELS,
    consent_text,
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
    diagram_sheet,
    findings_sheet,
    recipients_sheet,
    security_sheet,
    systems_sheet,
    taxonomy_sheet,
    transfers_sheet,
)
from audit_lib.export.spec import SOURCED, findings_of, guide_rows, mark_findings, row_of, table, value_of
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
from audit_lib.export.xlsx import WriteReport, continued_rows, write_sheets
from audit_lib.io.datasheets import data_sheets
from audit_lib.model import ProcessingActivity, RecipientRole, Register
from audit_lib.review import Review

STANDARD_SHEETS = (
    "Cover", "Controller", "Record cards", "Controller record", "Processor record", "Recipients",
    "Transfers", "Findings", "Commitments", "Security measures", "Systems", "Assumptions to confirm",
    "Taxonomy", "Data flows", "Data-flow diagram", "Guide",
)
"""Every sheet the standard layout may hold, in order (Processor record and Taxonomy when present)."""


# --------------------------------------------------------------------------
# The controller's record (Art 30(1)): one column spec for the cards and the table
# --------------------------------------------------------------------------


def _joined(fn: Any, items: str) -> Any:
    """A cell function joining ``fn(ctx, activity, item)`` over ``activity.<items>``, one per line."""
    return lambda ctx, a: "\n".join(fn(ctx, a, x) for x in getattr(a, items))


def _controller_ref(ctx: ExportContext, act: ProcessingActivity) -> str:
    """Art 30(1)(a) for one activity: the controller by name (its block is on sheet Controller)."""
    reg = ctx.register
    joint = [named(reg, r.id) for r in reg.recipients_of(act) if r.role is RecipientRole.joint_controller]
    return lines(f"{reg.organisation.name} \u2014 name, contact details, DPO and representative on sheet "
                 "Controller",
                 f"Joint controller for this activity: {', '.join(joint)}" if joint else None)


def _condition(ctx: ExportContext, act: ProcessingActivity) -> str | None:
    cond = act.special_category_condition
    return f"{cond.article} ({words(cond.name)})" if cond else None


CONTROLLER_COLUMNS = [
    Column("Activity id", 16, "", "Stable identifier of the processing activity in the register.", "id"),
    Column("Activity", 26, "Art 30(1)", "Name of the processing activity.", "name"),
    Column("Description", 36, "", "What the activity does, in the register's words.", "description",
           None, "no description"),
    Column("Status", 10, "", "active, planned or retired.", "status", lambda ctx, a: a.status.value),
    Column("(a) Controller \u2014 Art 30(1)(a)", 34, "Art 30(1)(a)",
           "The controller (its name and contact details, joint controllers, representative and data "
           "protection officer stand once, on sheet Controller) and the joint controllers of this activity.",
           "", _controller_ref),
    Column("(b) Purposes \u2014 Art 30(1)(b)", 40, "Art 30(1)(b)",
           "The purposes of the processing (fideslang data use key in brackets).", "purposes",
           _joined(lambda ctx, a, p: purpose_text(p, ctx.extra["data_uses"]), "purposes"), NOT_RECORDED),
    Column("Legal basis \u2014 Art 6(1)", 24, "Art 6(1)", "The lawful basis of the processing.",
           "legal_basis",
           lambda ctx, a: lines(*(legal_basis_text(b) for b in a.legal_basis),
                                field_line("Law laying down the obligation (Art 6(3))",
                                           a.legal_obligation_law)), NOT_RECORDED),
    Column("Legitimate interest \u2014 Art 6(1)(f)", 30, "Art 6(1)(f)",
           "The legitimate interest pursued, where the basis is 6(1)(f).", "legitimate_interest", None,
           "none recorded"),
    Column("Legitimate interests assessment", 22, "Art 6(1)(f)", "Reference of the balancing test.",
           "legitimate_interest_assessment", None, "none recorded"),
    Column("Consent withdrawal \u2014 Art 7(3)", 26, "Art 7(3)",
           "How consent is withdrawn, and how it is collected for this activity (Art 4(11), 7(1)-(2)): "
           "mechanism, asked before use, per purpose, how each consent is recorded.",
           "consent_withdrawal", lambda ctx, a: lines(a.consent_withdrawal, consent_text(a.consent)),
           "none recorded"),
    Column("Special category condition \u2014 Art 9(2)", 22, "Art 9(2)",
           "Condition for special categories of data.", "special_category_condition", _condition,
           "none recorded"),
    Column("Criminal offence data \u2014 Art 10", 22, "Art 10", "Authority for criminal offence data.",
           "criminal_data_basis", None, "none recorded"),
    Column("(c) Data subjects \u2014 Art 30(1)(c)", 28, "Art 30(1)(c)",
           "Categories of data subjects (fideslang data subject keys).", "data_subjects",
           _joined(lambda ctx, a, s: taxonomy_text(s, "data_subjects", ctx.extra["data_subjects"]),
                   "data_subjects"), NOT_RECORDED),
    Column("(c) Personal data \u2014 Art 30(1)(c)", 40, "Art 30(1)(c)",
           "Categories of personal data (fideslang data category keys); special categories (Art 9) "
           "and criminal offence data (Art 10) are marked.", "data_categories",
           _joined(lambda ctx, a, c: taxonomy_text(c, "data_categories", ctx.extra["data_categories"]),
                   "data_categories"), NOT_RECORDED),
    Column("Sources of the data \u2014 Art 14(2)(f)", 28, "Art 14(2)(f)", "Where the data come from.",
           "sources", _joined(lambda ctx, a, s: source_text(s, ctx.names), "sources"), "none recorded"),
    Column("(d) Recipients \u2014 Art 30(1)(d)", 48, "Art 30(1)(d)",
           "Recipients the data are disclosed to, with role, countries, the categories disclosed "
           "when limited, and their sub-processors.", "recipients",
           _joined(recipient_line,
                   "recipients"), "None recorded (no disclosure outside the controller's staff)"),
    Column("(e) Transfers \u2014 Art 30(1)(e)", 48, "Art 30(1)(e)",
           "Transfers to third countries or international organisations, with the mechanism and "
           "article relied on (adequacy Art 45, safeguards Art 46, derogations Art 49) and status, "
           "from the transfer classification (sheet Transfers).", "", transfers_cell),
    Column("(f) Erasure time limits \u2014 Art 30(1)(f)", 36, "Art 30(1)(f)",
           "Envisaged time limits for erasure of the categories of data (ISO 8601 period, trigger).",
           "retention", _joined(lambda ctx, a, r: retention_text(r, ctx.extra["data_categories"]),
                                "retention"),
           NOT_RECORDED),
    Column("(g) Security measures \u2014 Art 30(1)(g)", 44, "Art 30(1)(g), Art 32",
           "General description of the technical and organisational security measures.", "security_measures",
           _joined(lambda ctx, a, m: measure_line(ctx.register, m), "security_measures"), NOT_RECORDED),
    Column("Systems", 24, "", "Systems holding the data.", "systems",
           _joined(lambda ctx, a, s: system_line(ctx.register, s), "systems"), "none recorded"),
    Column("Children's data \u2014 Art 8", 22, "Art 8", "Whether children's data are processed; age checks.",
           "children_data", lambda ctx, a: lines(field_line(BOOL_LABELS["children_data"], a.children_data),
                                                 field_line("Age verification", a.age_verification)),
           "not stated"),
    Column("Automated decision-making \u2014 Art 22", 26, "Art 22",
           "Automated decisions, including profiling.",
           "automated_decision_making", None, "none recorded"),
    Column("Provision required \u2014 Art 13(2)(e)", 26, "Art 13(2)(e)",
           "Whether providing the data is required, and why.", "provision_requirement", None, "not stated"),
    Column("DPIA \u2014 Art 35", 30, "Art 35", "DPIA reference or the WP248 screening.", "dpia",
           lambda ctx, a: dpia_text(a.dpia), "Not recorded: no DPIA reference or screening"),
    Column("Owner", 18, "Art 5(2)", "Who answers for the activity, and the department carrying it out.",
           "owner", lambda ctx, a: lines(a.owner, field_line("Department", a.department)), NOT_RECORDED),
    Column("Last reviewed", 12, "Art 24(1)", "Date the entry was last reviewed (YYYY-MM-DD).",
           "last_reviewed",
           lambda ctx, a: date_text(a.last_reviewed), NOT_RECORDED),
    *SOURCED,
]


def controller_sheet(ctx: ExportContext) -> Sheet:
    return table(ctx, "Controller record", CONTROLLER_COLUMNS, ctx.register.activities, freeze_columns=2,
                 print_columns=4,
                 description="The controller's record of processing activities (Art 30(1)) as one wide "
                             "table to filter and sort on screen, one row per activity, a column per point "
                             "(a) to (g) plus the related articles. On paper it prints as an index of "
                             "the activities (its first four columns): every item prints once, on sheet "
                             "Record cards.")


CARD_COLUMNS = [Column("Item", 26), Column("Record", 72)]
CARD_SKIP = {"Activity id", "Activity"}


def _card_rows(ctx: ExportContext, breaks: list[int]) -> Iterator[list[Any]]:
    """Each activity as a card: a title row, then each item of the spec as a labelled block whose
    list entries stand one per row (so a long list wraps across rows and pages, never clipped)."""
    n = 0
    for act in ctx.register.activities:
        if n:
            breaks.append(n + 1)
        n += 1
        yield [Mark(f"Activity ({act.status.value})", "title"), Mark(f"{act.name} [{act.id}]", "title")]
        for col, value in zip(CONTROLLER_COLUMNS, row_of(ctx, CONTROLLER_COLUMNS, act), strict=True):
            if col.header in CARD_SKIP:
                continue
            value = mark_findings(value, findings_of(ctx, col, act))
            kind = value.kind if isinstance(value, Mark) else None
            text = value.text if isinstance(value, Mark) else value
            parts = str(text).split("\n") if text not in (None, "") else ["\u2014"]
            for i, part in enumerate(parts):
                n += 1
                yield [Mark(col.header, "label") if i == 0 else None, Mark(part, kind) if kind else part]


def record_cards_sheet(ctx: ExportContext) -> Sheet:
    breaks: list[int] = []
    return Sheet("Record cards", CARD_COLUMNS, _card_rows(ctx, breaks), orientation="portrait",
                 page_breaks=breaks, freeze_columns=0, print_only=True,
                 description="The record of processing for paper: one A4 card per activity, every item of "
                             "Art 30(1)(a)-(g) a labelled block (the columns of sheet Controller record).")


def _processor_us(ctx: ExportContext) -> str:
    org = ctx.register.organisation
    return lines(f"Processor: {org.name}", contact_text(org.contact, one_line=True),
                 f"DPO: {contact_text(org.dpo, one_line=True)}" if org.dpo else None,
                 f"Representative: {contact_text(org.eu_representative, one_line=True)}"
                 if org.eu_representative else None)


PROCESSOR_COLUMNS = [
    Column("Processing id", 16, "", "Stable identifier of the processing on behalf of a controller.", "id"),
    Column("Processing", 26, "Art 30(2)", "Name of the processing carried out on behalf of a controller.",
           "name"),
    Column("(a) Processor and controller \u2014 Art 30(2)(a)", 44, "Art 30(2)(a)",
           "Name and contact details of the processor (us), its DPO and representative, and of the "
           "controller on whose behalf it acts and that controller's representative.", "controller",
           lambda ctx, p: lines(_processor_us(ctx),
                                f"Controller: {contact_text(p.controller, one_line=True)}",
                                f"Controller's representative: "
                                f"{contact_text(p.controller_representative, one_line=True)}"
                                if p.controller_representative else None)),
    Column("(b) Categories of processing \u2014 Art 30(2)(b)", 40, "Art 30(2)(b)",
           "The categories of processing carried out on behalf of the controller.",
           "categories_of_processing",
           lambda ctx, p: "\n".join(p.categories_of_processing), NOT_RECORDED),
    Column("Categories of personal data", 36, "Art 28(3)", "Categories of personal data processed.",
           "data_categories", lambda ctx, p: "\n".join(
               taxonomy_text(c, "data_categories", ctx.extra["data_categories"]) for c in p.data_categories),
           NOT_RECORDED),
    Column("Sub-processors \u2014 Art 28(2)", 36, "Art 28(2)", "Sub-processors engaged for this processing.",
           "sub_processors", lambda ctx, p: "\n".join(named(ctx.register, s) for s in p.sub_processors),
           "none recorded"),
    Column("(c) Transfers \u2014 Art 30(2)(c)", 40, "Art 30(2)(c)",
           "Third countries data are transferred to, and the safeguards (Art 46, Art 49(1) second "
           "subparagraph documentation).", "transfer_countries",
           lambda ctx, p: lines(countries_text(p.transfer_countries) if p.transfer_countries else None,
                                *(mechanism_text(m) for m in p.transfer_mechanisms)), "No transfer recorded"),
    Column("(d) Security measures \u2014 Art 30(2)(d)", 44, "Art 30(2)(d), Art 32",
           "General description of the technical and organisational security measures.", "security_measures",
           lambda ctx, p: "\n".join(measure_line(ctx.register,
                                                 m) for m in p.security_measures), NOT_RECORDED),
    Column("Last reviewed", 12, "Art 24(1)", "Date last reviewed.", "last_reviewed",
           lambda ctx, p: date_text(p.last_reviewed), NOT_RECORDED),
    *SOURCED,
]


def processor_sheet(ctx: ExportContext) -> Sheet:
    return table(ctx, "Processor record", PROCESSOR_COLUMNS, ctx.register.processor_activities,
                 freeze_columns=2,
                 description="The record of processing carried out as a processor (Art 30(2)).")


def guide_sheet(sheets: list[Sheet]) -> Sheet:
    rows = guide_rows(sheets)
    rows.append(["data.* (hidden)", "(sheets)", "Art 30(3)",
                 "Machine-readable copy of every record, one sheet per record type and a column per field "
                 "(lists as JSON). `ropa import-xlsx` reads these back into register YAML: to change the "
                 "register from Excel, unhide and edit these sheets (the sheets above are generated)."])
    rows.append(["Everywhere", NOT_RECORDED, "Art 30(1)",
                 "An item the register does not hold (the audit's findings on it are on sheet Findings)."])
    rows.append(["Everywhere", f"\u26a0 {ASSUMED}", "Art 5(2)",
                 "A value the register keeper inferred where the policy is silent; each assumption is "
                 "stated once, on sheet Assumptions to confirm."])
    rows.append(["Everywhere", "(continued)", "",
                 "A row whose text is longer than a printed row can hold continues on the rows below it, "
                 "marked \u201c(continued)\u201d; text longer than Excel's 32,767-character cell limit "
                 "continues on sheet Overflow."])
    return Sheet("Guide", [Column("Sheet", 18), Column("Column", 28), Column("Article", 14),
                           Column("What it shows", 66)], rows,
                 description="What each sheet and column shows and the article it implements.")


# --------------------------------------------------------------------------
# Controller identity (stated once) and the one-page cover
# --------------------------------------------------------------------------


def _org(label: str, field: str, cell: Any = None, blank: str | None = None) -> Column:
    return Column(label, 0, "", "", field, (lambda ctx, o: cell(ctx, o)) if cell else None, blank)


def _dpo(ctx: ExportContext, org: Any) -> Any:
    return contact_text(org.dpo) or ("none designated" if org.dpo_required is False else missing())


def _rep(ctx: ExportContext, org: Any) -> Any:
    return contact_text(org.eu_representative) or (
        "not needed (established in the EU)" if org.established_in_eu else missing())


def _policy(ctx: ExportContext, org: Any) -> str | None:
    src = org.policy_source
    if src is None:
        return None
    return lines(src.title, src.url, f"archived: {src.archived_url}" if src.archived_url else None,
                 f"last updated: {src.last_updated.isoformat()}" if src.last_updated else None)


ORGANISATION_ITEMS = [
    _org("Controller \u2014 Art 30(1)(a)", "name"),
    _org("Legal entity", "legal_entity", blank="as the name"),
    _org("Address", "address", blank=NOT_RECORDED),
    _org("Country", "country", lambda ctx, o: country_text(o.country) if o.country else None, NOT_RECORDED),
    _org("Contact", "contact", lambda ctx, o: contact_text(o.contact), NOT_RECORDED),
    _org("Website", "website", blank="none recorded"),
    _org("Data protection officer \u2014 Art 37-39", "dpo", _dpo),
    _org(f"{BOOL_LABELS['dpo_required']} \u2014 Art 37(1)", "dpo_required",
         lambda ctx, o: yes_no(o.dpo_required), "not stated"),
    _org("DPO assessment", "dpo_assessment", blank="none recorded"),
    _org("EU representative \u2014 Art 27", "eu_representative", _rep),
    _org("Joint controllers \u2014 Art 26", "joint_controllers",
         lambda ctx, o: "\n\n".join(contact_text(c) or "" for c in o.joint_controllers), "none recorded"),
    _org("Lead supervisory authority \u2014 Art 56", "lead_supervisory_authority", blank=NOT_RECORDED),
    _org(f"{BOOL_LABELS['established_in_eu']} \u2014 Art 3(1)", "established_in_eu",
         lambda ctx, o: yes_no(o.established_in_eu), "not stated"),
    _org(f"{BOOL_LABELS['offers_goods_or_services_in_eu']} \u2014 Art 3(2)(a)",
         "offers_goods_or_services_in_eu", lambda ctx, o: yes_no(o.offers_goods_or_services_in_eu),
         "not stated"),
    _org(f"{BOOL_LABELS['monitors_behaviour_in_eu']} \u2014 Art 3(2)(b)", "monitors_behaviour_in_eu",
         lambda ctx, o: yes_no(o.monitors_behaviour_in_eu), "not stated"),
    _org("Employees \u2014 Art 30(5)", "employees", blank="not stated"),
    _org("Register owner", "register_owner", blank=NOT_RECORDED),
    _org("Register version", "register_version", blank="not stated"),
    _org("Register last reviewed", "last_reviewed", lambda ctx, o: date_text(o.last_reviewed), NOT_RECORDED),
    _org("Policy the register is built from", "policy_source", _policy, "none recorded"),
    _org("Evidence (policy text)", "evidence", lambda ctx, o: evidence_text(o),
         "no policy sentence recorded"),
    _org("Notes", "notes", lambda ctx, o: notes_text(o)),
]


def organisation_sheet(ctx: ExportContext) -> Sheet:
    """Art 30(1)(a) stated once: the controller, its contact, DPO, representative, joint controllers."""
    org = ctx.register.organisation
    assumed = assumed_fields(org)
    rows = [[c.header, value_of(ctx, c, org, assumed)] for c in ORGANISATION_ITEMS]
    return Sheet("Controller", [Column("Item", 34, "", "What the line gives."),
                                Column("Value", 64, "Art 30(1)(a)", "The controller's own details.")],
                 rows, orientation="portrait",
                 description="Who the controller is (Art 30(1)(a), Art 27, Art 37): stated once, referred to "
                             "from every record.")


def cover_rows(ctx: ExportContext, contents: list[Sheet]) -> list[list[Any]]:
    """The one-page cover: provenance, headline counts (as the sheets show them), contents."""
    reg = ctx.register
    org = reg.organisation
    counts = summary(reg)
    rows: list[list[Any]] = [
        [Mark("Controller \u2014 Art 30(1)(a)", "label"), f"{org.name} (details on sheet Controller)"],
        [Mark("Generated", "label"), ctx.generated.strftime("%Y-%m-%d %H:%M:%S UTC")],
        [Mark("Transfers and findings as of", "label"),
         ctx.as_of.isoformat() if ctx.as_of else "the date generated"],
        [Mark("Register", "label"), lines(f"version {org.register_version}" if org.register_version else None,
                                          f"last reviewed {date_text(org.last_reviewed)}"
                                          if org.last_reviewed else None, reg.source_path) or None],
        [Mark("Source SHA-256", "label"), reg.source_hash],
        [Mark("Headline counts", "title"), None],
        ["Activities", counts.get("activities", len(reg.activities))],
        ["Recipients", counts.get("recipients", len(reg.recipients))],
    ]
    if ctx.transfers is None:
        rows.append(["Transfers", Mark(ctx.transfers_error or "not classified", "warning")])
    else:
        rows.append(["Transfers", len(ctx.transfers)])
        rows += [[f"Transfers: {status}", n] for status, n in ctx.transfer_counts.items()]
    if ctx.findings_error:
        rows.append(["Findings", Mark(ctx.findings_error, "warning")])
    else:
        rows += [[f"Findings: {sev}", n] for sev, n in ctx.finding_counts.items()]
    problem = ctx.diagram_png()[1] if ctx.diagram else None
    if problem and "too many" not in problem:
        rows.append(["Warning", Mark(problem, "warning")])
    rows.append([Mark("Contents", "title"), None])
    rows += [[s.name, s.description.split(":")[0].split(". ")[0]] for s in contents]
    return rows


def cover_sheet(ctx: ExportContext, contents: list[Sheet], title: str) -> Sheet:
    return Sheet("Cover", [Column("Item", 30), Column("Value", 66)], cover_rows(ctx, contents),
                 preamble=[[title], [ctx.register.organisation.name]], orientation="portrait",
                 description="The one-page cover: when and from what the workbook was generated, headline "
                             "counts and the contents.")


TITLE = "Record of processing activities \u2014 GDPR Article 30"


def standard_sheets(ctx: ExportContext) -> list[Sheet]:
    """Every sheet of the standard layout, in order (rows are generated lazily)."""
    human = [organisation_sheet(ctx), record_cards_sheet(ctx), controller_sheet(ctx)]
    if ctx.register.processor_activities:
        human.append(processor_sheet(ctx))
    human += [recipients_sheet(ctx), transfers_sheet(ctx), findings_sheet(ctx), commitments_sheet(ctx),
              security_sheet(ctx), systems_sheet(ctx), assumptions_sheet(ctx)]
    tax = taxonomy_sheet(ctx)
    if tax is not None:
        human.append(tax)
    human += [data_flows_sheet(ctx), diagram_sheet(ctx)]
    guide = guide_sheet(human)
    cover = cover_sheet(ctx, [*human, guide], TITLE)
    if ctx.printed:
        human = [continued_rows(s) for s in human]
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
                   generated: dt.datetime | None = None, review: Review | None = None,
                   extra_sheets: Sequence[Sheet] = ()) -> WriteReport:
    """Write the Art 30 workbook of ``register`` to ``path`` (atomically) in the given layout.

    ``review`` is the command's :class:`~audit_lib.review.Review` (built here when not given):
    the workbook renders its transfers and findings and judges nothing itself. ``extra_sheets``
    (e.g. "Changes since last review", :mod:`audit_lib.export.changes`) go before the Guide.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    ctx = build_context(register, as_of, diagram=diagram and layout == "standard", generated=generated,
                        review=review)
    title = f"{TITLE}: {register.organisation.name}"
    sheets = layout_sheets(ctx, layout)
    if extra_sheets:
        at = next((i for i, sh in enumerate(sheets) if sh.name == "Guide"), len(sheets))
        sheets[at:at] = list(extra_sheets)
    return write_sheets(sheets, path, title=title)
