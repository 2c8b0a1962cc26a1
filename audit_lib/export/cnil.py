"""``--layout cnil``: the CNIL's model register (registre de base), with French headings.

The CNIL model has a first page with the organisation's details (responsable du
traitement or its representative, DPO) and the list of activities, then one
"fiche de registre" per activity: objectives, categories of people and data,
sensitive data, retention per category, recipients split into internal services,
external organisations and processors (sous-traitants), transfers outside the EU and
security measures. Here the list is the "Registre" sheet and the fiches are the rows
of "Fiches de registre", in the model's order. Values stay in the register's own
words; only headings and yes/no are French.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit_lib.export.context import ExportContext
from audit_lib.export.render import measure_line, named, recipient_line, system_line, transfer_line
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.text import (
    contact_text,
    countries_text,
    date_text,
    dpia_text,
    legal_basis_text,
    lines,
    mechanism_text,
    purpose_text,
    retention_text,
    source_text,
    taxonomy_text,
)
from audit_lib.model import ProcessingActivity, RecipientRole, Register
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category

NON_RENSEIGNE = "Non renseign\u00e9"


def manque(detail: str = "") -> Mark:
    return Mark(f"{NON_RENSEIGNE} : {detail}" if detail else NON_RENSEIGNE, "missing")


FICHE_COLUMNS = [
    ("R\u00e9f\u00e9rence", 16, "", "id"),
    ("Nom de l'activit\u00e9", 26, "Art. 30(1)", "name"),
    ("Date de derni\u00e8re mise \u00e0 jour de la fiche", 14, "", "last_reviewed"),
    ("Responsable de l'activit\u00e9", 18, "", "owner"),
    ("Nom et coordonn\u00e9es du responsable conjoint du traitement", 28, "Art. 26",
     "destinataires de r\u00f4le joint_controller"),
    ("Nom du logiciel ou de l'application", 24, "", "systems"),
    ("Objectifs poursuivis (finalit\u00e9s)", 36, "Art. 30(1)(b)", "purposes"),
    ("Base l\u00e9gale (art. 6 RGPD)", 22, "Art. 6(1)", "legal_basis, legitimate_interest"),
    ("Cat\u00e9gories de personnes concern\u00e9es", 26, "Art. 30(1)(c)", "data_subjects"),
    ("Cat\u00e9gories de donn\u00e9es collect\u00e9es", 36, "Art. 30(1)(c)", "data_categories"),
    ("Des donn\u00e9es sensibles sont-elles trait\u00e9es ?", 24, "Art. 9, Art. 10",
     "cat\u00e9gories sensibles, special_category_condition, criminal_data_basis"),
    ("Source des donn\u00e9es", 24, "Art. 14", "sources"),
    ("Dur\u00e9es de conservation des cat\u00e9gories de donn\u00e9es", 32, "Art. 30(1)(f)", "retention"),
    ("Destinataires internes", 24, "Art. 30(1)(d)", "destinataires de r\u00f4le internal"),
    ("Organismes externes", 32, "Art. 30(1)(d)",
     "responsables ind\u00e9pendants ou conjoints, autorit\u00e9s publiques"),
    ("Sous-traitants", 32, "Art. 28, Art. 30(1)(d)", "processors et sub-processors"),
    ("Transferts des donn\u00e9es hors UE", 40, "Art. 30(1)(e), Art. 44-49",
     "transferts class\u00e9s (m\u00e9canisme, article, statut) et garanties d\u00e9clar\u00e9es"),
    ("Mesures de s\u00e9curit\u00e9", 40, "Art. 30(1)(g), Art. 32", "security_measures"),
    ("Analyse d'impact (AIPD)", 26, "Art. 35", "dpia"),
]

PROCESSOR_COLUMNS = [
    ("R\u00e9f\u00e9rence", 16, "", "id"),
    ("Nom du traitement", 26, "Art. 30(2)", "name"),
    ("Nom et coordonn\u00e9es du responsable de traitement pour le compte duquel les donn\u00e9es sont "
     "trait\u00e9es", 36, "Art. 30(2)(a)", "controller, controller_representative"),
    ("Cat\u00e9gories de traitements effectu\u00e9s", 36, "Art. 30(2)(b)", "categories_of_processing"),
    ("Cat\u00e9gories de donn\u00e9es", 30, "", "data_categories"),
    ("Sous-traitants ult\u00e9rieurs", 26, "Art. 28(2)", "sub_processors"),
    ("Transferts des donn\u00e9es hors UE", 36, "Art. 30(2)(c)", "transfer_countries, transfer_mechanisms"),
    ("Mesures de s\u00e9curit\u00e9", 40, "Art. 30(2)(d)", "security_measures"),
]


def _columns(spec: list[tuple[str, int, str, str]]) -> list[Column]:
    return [Column(h, w, a, f"Dans le registre : {g}.") for h, w, a, g in spec]


def _oui_non(value: bool) -> str:
    return "Oui" if value else "Non"


def _registre_preamble(register: Register) -> list[list[Any]]:
    org = register.organisation
    c = org.contact
    rep = contact_text(org.eu_representative, one_line=True) or (
        "Sans objet (\u00e9tabli dans l'UE)" if org.established_in_eu else NON_RENSEIGNE)
    dpo = contact_text(org.dpo, one_line=True) or NON_RENSEIGNE
    return [
        [f"Registre des activit\u00e9s de traitement de {org.name}"],
        ["Coordonn\u00e9es du responsable de l'organisme",
         lines(org.legal_entity or org.name, org.address, c.email if c else None,
               c.phone if c else None) or NON_RENSEIGNE],
        ["Repr\u00e9sentant (responsable situ\u00e9 hors de l'UE, art. 27)", rep],
        ["Nom et coordonn\u00e9es du d\u00e9l\u00e9gu\u00e9 \u00e0 la protection des donn\u00e9es", dpo],
        ["Activit\u00e9s de l'organisme impliquant le traitement de donn\u00e9es personnelles"],
    ]


def _registre_rows(register: Register) -> Iterator[list[Any]]:
    for i, act in enumerate(register.activities, 1):
        yield [f"Activit\u00e9 {i}", act.name, act.id, date_text(act.last_reviewed)]


def _by_role(ctx: ExportContext, act: ProcessingActivity, roles: set[RecipientRole]) -> str | None:
    reg = ctx.register
    out = [recipient_line(ctx, act, link) for link in act.recipients
           if reg.recipient(link.recipient).role in roles]
    return "\n".join(out) or None


def _fiche(ctx: ExportContext, act: ProcessingActivity) -> list[Any]:
    reg = ctx.register
    extra = ctx.extra
    sensitive = [c for c in act.data_categories if is_special_category(c.key) or is_criminal_data(c.key)]
    sensible = "Non"
    if sensitive or act.special_category_condition or act.criminal_data_basis:
        sensible = lines("Oui : " + ", ".join(taxonomy_text(c, "data_categories") for c in sensitive),
                         act.special_category_condition.article if act.special_category_condition else None,
                         f"Art. 10 : {act.criminal_data_basis}" if act.criminal_data_basis else None)
    if ctx.transfers is None:
        transferts: Any = Mark(ctx.transfers_error or "", "warning")
    else:
        found = ctx.transfers_of(act.id)
        transferts = ("Oui\n" + "\n".join(transfer_line(t) for t in found)) if found else "Non"
    base = lines(*(legal_basis_text(b) for b in act.legal_basis),
                 f"Int\u00e9r\u00eat l\u00e9gitime : {act.legitimate_interest}" if act.legitimate_interest
                 else None)
    joint = _by_role(ctx, act, {RecipientRole.joint_controller})
    return [
        act.id,
        act.name,
        date_text(act.last_reviewed),
        act.owner,
        joint or "Sans objet",
        "\n".join(system_line(reg, s) for s in act.systems) or None,
        "\n".join(purpose_text(p, extra["data_uses"]) for p in act.purposes) or manque(),
        base or manque(),
        "\n".join(taxonomy_text(s, "data_subjects", extra["data_subjects"]) for s in act.data_subjects)
        or manque(),
        "\n".join(taxonomy_text(c, "data_categories", extra["data_categories"]) for c in act.data_categories)
        or manque(),
        sensible,
        "\n".join(source_text(s, ctx.names) for s in act.sources) or None,
        "\n".join(retention_text(r, extra["data_categories"]) for r in act.retention) or manque(),
        _by_role(ctx, act, {RecipientRole.internal}) or "Aucun",
        _by_role(ctx, act, {RecipientRole.independent_controller, RecipientRole.joint_controller,
                            RecipientRole.public_authority}) or "Aucun",
        _by_role(ctx, act, {RecipientRole.processor, RecipientRole.sub_processor}) or "Aucun",
        transferts,
        "\n".join(measure_line(reg, m) for m in act.security_measures) or manque(),
        dpia_text(act.dpia) or NON_RENSEIGNE,
    ]


def _processor_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    for p in reg.processor_activities:
        yield [
            p.id, p.name,
            lines(contact_text(p.controller),
                  f"Repr\u00e9sentant : {contact_text(p.controller_representative, one_line=True)}"
                  if p.controller_representative else None),
            "\n".join(p.categories_of_processing),
            ", ".join(c.key for c in p.data_categories) or None,
            "\n".join(named(reg, s) for s in p.sub_processors) or "Aucun",
            lines(countries_text(p.transfer_countries), *(mechanism_text(m) for m in p.transfer_mechanisms))
            or "Non",
            "\n".join(measure_line(reg, m) for m in p.security_measures) or manque(),
        ]


def cnil_sheets(ctx: ExportContext) -> list[Sheet]:
    reg = ctx.register
    sheets = [
        Sheet("Registre", [Column("Activit\u00e9s", 14), Column("D\u00e9signation des activit\u00e9s", 40),
                           Column("R\u00e9f\u00e9rence", 20), Column("Date de mise \u00e0 jour", 16)],
              _registre_rows(reg), preamble=_registre_preamble(reg),
              description="Informations communes et liste des activit\u00e9s de traitement."),
        Sheet("Fiches de registre", _columns(FICHE_COLUMNS), (_fiche(ctx, a) for a in reg.activities),
              freeze_columns=2, description="Une fiche de registre par activit\u00e9 (art. 30(1) RGPD)."),
    ]
    if reg.processor_activities:
        sheets.append(Sheet("Sous-traitant", _columns(PROCESSOR_COLUMNS), _processor_rows(ctx),
                            freeze_columns=2,
                            description="Registre des cat\u00e9gories d'activit\u00e9s de traitement "
                                        "effectu\u00e9es pour le compte de tiers (art. 30(2) RGPD)."))
    notes = [[s.name, c.header, c.article or None, c.guide or None] for s in sheets for c in s.columns]
    notes.append(["Partout", NON_RENSEIGNE, "Art. 30", "Le registre ne contient pas cette information."])
    sheets.append(Sheet("Notes", [Column("Feuille", 18), Column("Colonne", 50), Column("Article", 20),
                                  Column("Origine dans le registre", 60)], notes,
                        description="Origine de chaque colonne dans le registre."))
    return sheets
