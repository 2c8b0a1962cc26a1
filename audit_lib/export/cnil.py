"""``--layout cnil``: the CNIL's "registre simplifié" (2019), in French throughout.

The CNIL model has a first page with the organisation (responsable du traitement or its
representative, DPO) and the list of activities, then one vertical "fiche" per activity:
actors, main purpose and sub-purposes, categories of personal data each with its retention
period, categories of people, recipients by type, transfers outside the EU one row per
importer, and security measures under the model's fixed headings. Here the first page is
the "Registre" sheet and the fiches follow one another on "Fiches de registre" (A4 portrait,
three columns: heading, item, detail). Values stay in the register's own words; every word
the layout generates is French (:mod:`audit_lib.export.cnil_fr`). Transfer mechanisms and
statuses come from the classification computed once for the export (``ctx.transfers``).
Text too long for one row continues on the next rows, marked "(suite)", so nothing is clipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit_lib.export.cnil_fr import (
    AUTRES_MESURES,
    BASES,
    CRITERES_AIPD,
    DUREE_NON_PRECISEE,
    MESURES_CNIL,
    NON_RENSEIGNE,
    ROLES,
    SOURCES,
    TYPES_MESURE,
    article_fr,
    categorie_cnil,
    date_fr,
    datetime_fr,
    duree_fr,
    liste_pays,
    mecanisme_fr,
    oui_non,
    pays_fr,
    regime_fr,
    rubrique_mesure,
    statut_fr,
    wrap_lines,
)
from audit_lib.export.context import ExportContext
from audit_lib.export.sheet import Column, Mark, Sheet
from audit_lib.export.text import assumed_fields, lines
from audit_lib.model import Contact, ProcessingActivity, Register, Retention
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category
from audit_lib.reference.transfers import EU_GDPR

FICHES = "Fiches de registre"
SUITE = " (suite)"
MAX_LINES = 20
"""Most wrapped lines one printed row carries (300 pt, under Excel's 409 pt row limit)."""
FOOTER = "Page &P sur &N"
PRINT_SCALE = 0.8
"""Smallest print scale of every sheet: 11 pt text prints at 8.8 pt, the 10 pt page header at 8 pt."""
HYPOTHESE = "\u26a0 Hypoth\u00e8se \u00e0 confirmer (voir le registre)"
"""Short marker of a value the register keeper assumed where the policy is silent (Art 5(2))."""

FICHE_COLUMNS = [
    ("Rubrique", 28, "Art. 30(1)", "intitul\u00e9 de la rubrique du mod\u00e8le de la CNIL"),
    ("\u00c9l\u00e9ment", 32, "Art. 30(1)(a)-(g)", "valeur du registre, dans ses propres termes"),
    ("Pr\u00e9cision", 32, "Art. 30(1)(a)-(g)",
     "coordonn\u00e9es, dur\u00e9e de conservation, pays, garantie et statut du transfert"),
]

PROCESSOR_COLUMNS = [
    ("R\u00e9f\u00e9rence", 14, "", "id"),
    ("Nom du traitement", 22, "Art. 30(2)", "name"),
    ("Nom et coordonn\u00e9es du responsable de traitement pour le compte duquel les donn\u00e9es sont "
     "trait\u00e9es", 30, "Art. 30(2)(a)", "controller, controller_representative"),
    ("Cat\u00e9gories de traitements effectu\u00e9s", 28, "Art. 30(2)(b)", "categories_of_processing"),
    ("Cat\u00e9gories de donn\u00e9es", 24, "", "data_categories"),
    ("Sous-traitants ult\u00e9rieurs", 22, "Art. 28(2)", "sub_processors"),
    ("Transferts des donn\u00e9es hors UE", 26, "Art. 30(2)(c)", "transfer_countries, transfer_mechanisms"),
    ("Mesures de s\u00e9curit\u00e9", 30, "Art. 30(2)(d)", "security_measures"),
]


def manque(detail: str = "") -> Mark:
    """'Non renseigné' (the register does not hold the item), shown as missing."""
    return Mark(f"{NON_RENSEIGNE} : {detail}" if detail else NON_RENSEIGNE, "missing")


def _columns(spec: list[tuple[str, int, str, str]]) -> list[Column]:
    return [Column(h, w, a, f"Dans le registre : {g}.") for h, w, a, g in spec]


def _page_header(register: Register) -> str:
    return f"Registre des activit\u00e9s de traitement \u2014 {register.organisation.name}"


def coordonnees(contact: Contact | None) -> str | None:
    """Name (role), address, country, email, phone, url on one line, countries in French."""
    if contact is None:
        return None
    head = contact.name
    if contact.role:
        head = f"{head} ({contact.role})" if head else contact.role
    parts = [head, contact.address, pays_fr(contact.country) if contact.country else None,
             contact.email, contact.phone, contact.url]
    return ", ".join(p for p in parts if p) or None


def hypothese(value: Any, assumed: bool) -> Any:
    """The value with the French assumption marker, shown as assumed, when ``assumed``."""
    if not assumed:
        return value
    if isinstance(value, Mark):
        return Mark(f"{value.text}\n{HYPOTHESE}", value.kind)
    return Mark(f"{value}\n{HYPOTHESE}" if value else HYPOTHESE, "assumed")


def _nom(ctx: ExportContext, kind: str, ref: Any) -> str:
    """A taxonomy reference in the register's words: its label, the register's own name, else the key."""
    name = ref.label or ctx.extra[kind].get(ref.key)
    return f"{name} [{ref.key}]" if name else ref.key


# --------------------------------------------------------------------------
# Continuation: a row whose text cannot fit one printed row goes on over the next rows
# --------------------------------------------------------------------------


MARK_CHARS_PER_WIDTH = 0.95
"""Characters per unit of column width at which a marked (bold or italic) cell is broken into lines:
its lines are written out so the row's height counts them, the wider type never wrapping further."""


def _broken(value: Any, width: int) -> Any:
    if isinstance(value, Mark):
        return Mark("\n".join(wrap_lines(value.text, int(width * MARK_CHARS_PER_WIDTH))), value.kind)
    return value


def _split(row: list[Any], widths: list[int]) -> Iterator[list[Any]]:
    """The row, or the row split into rows of at most MAX_LINES lines, the label marked (suite)."""
    row = [_broken(v, w) for v, w in zip(row, widths, strict=True)]
    cells = []
    for value, width in zip(row, widths, strict=True):
        text = value.text if isinstance(value, Mark) else value
        if isinstance(text, str):
            cells.append((wrap_lines(text, width), value.kind if isinstance(value, Mark) else None))
        else:
            cells.append((None, None))
    if all(c is None or len(c) <= MAX_LINES for c, _ in cells):
        yield row
        return
    label = str(row[0] or "")
    part = 0
    while any(c and len(c) > part * MAX_LINES for c, _ in cells):
        out: list[Any] = []
        for i, ((chunk, kind), value) in enumerate(zip(cells, row, strict=True)):
            if chunk is None:
                out.append(value if part == 0 else None)
                continue
            text = "\n".join(chunk[part * MAX_LINES:(part + 1) * MAX_LINES]) or None
            if i == 0 and part:
                text = (label.split("\n")[0][:widths[0] - len(SUITE)] + SUITE)
            out.append(Mark(text, kind) if kind and text else text)
        yield out
        part += 1


def _fitted(rows: Iterator[list[Any]], widths: list[int]) -> Iterator[list[Any]]:
    for row in rows:
        yield from _split(row, widths)


# --------------------------------------------------------------------------
# Registre: the organisation and the list of activities
# --------------------------------------------------------------------------


def _registre_preamble(ctx: ExportContext) -> list[list[Any]]:
    org = ctx.register.organisation
    c = org.contact
    rep = coordonnees(org.eu_representative) or (
        "Sans objet (organisme \u00e9tabli dans l'UE)" if org.established_in_eu else manque())
    if org.dpo:
        dpo: Any = coordonnees(org.dpo)
    else:
        dpo = "Aucun DPO d\u00e9sign\u00e9" if org.dpo_required is False else manque()
    return [
        [f"Registre des activit\u00e9s de traitement de {org.name}"],
        ["Coordonn\u00e9es du responsable de l'organisme",
         lines(org.legal_entity or org.name, org.address, pays_fr(org.country) if org.country else None,
               c.email if c else None, c.phone if c else None) or manque()],
        ["Repr\u00e9sentant (responsable situ\u00e9 hors de l'UE, art. 27)", rep],
        ["Nom et coordonn\u00e9es du d\u00e9l\u00e9gu\u00e9 \u00e0 la protection des donn\u00e9es", dpo],
        ["\u00c9dit\u00e9 le", datetime_fr(ctx.generated)],
        ["Transferts \u00e9valu\u00e9s \u00e0 la date du",
         date_fr(ctx.as_of) if ctx.as_of else "jour de l'\u00e9dition"],
        ["Activit\u00e9s de l'organisme impliquant le traitement de donn\u00e9es personnelles"],
    ]


def _registre_rows(register: Register) -> Iterator[list[Any]]:
    for i, act in enumerate(register.activities, 1):
        yield [f"Activit\u00e9 {i}", act.name, act.id, date_fr(act.last_reviewed) or NON_RENSEIGNE]
    if not register.activities:
        yield ["\u2014", "Aucune activit\u00e9 enregistr\u00e9e", None, None]


# --------------------------------------------------------------------------
# One fiche per activity
# --------------------------------------------------------------------------


REGISTRE_REF = "Coordonn\u00e9es : feuille Registre"
"""The organisation's contact details stand once, on the Registre sheet; each fiche refers to them."""


def _acteurs(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    reg = ctx.register
    org = reg.organisation
    yield ["ACTEURS", None, None]
    yield ["Responsable du traitement", org.legal_entity or org.name, REGISTRE_REF]
    if org.dpo:
        yield ["D\u00e9l\u00e9gu\u00e9 \u00e0 la protection des donn\u00e9es", org.dpo.name or org.dpo.role
               or REGISTRE_REF, REGISTRE_REF]
    else:
        yield ["D\u00e9l\u00e9gu\u00e9 \u00e0 la protection des donn\u00e9es",
               "Aucun DPO d\u00e9sign\u00e9" if org.dpo_required is False else manque(), None]
    if org.eu_representative:
        yield ["Repr\u00e9sentant (art. 27)", org.eu_representative.name or org.eu_representative.role
               or REGISTRE_REF, REGISTRE_REF]
    else:
        yield ["Repr\u00e9sentant (art. 27)",
               "Sans objet (organisme \u00e9tabli dans l'UE)" if org.established_in_eu else manque(), None]
    joint = [r for r in reg.recipients_of(act) if r.role.value == "joint_controller"]
    for r in joint:
        yield ["Responsable conjoint (art. 26)", f"{r.name} [{r.id}]", coordonnees(r.contact)]
    if not joint:
        yield ["Responsable conjoint (art. 26)", "Aucun", None]
    assumed = assumed_fields(act)
    yield ["Service charg\u00e9 du traitement",
           hypothese(act.department or manque(), "department" in assumed or "owner" in assumed),
           f"Responsable de l'activit\u00e9 : {act.owner}" if act.owner else None]


def _finalites(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    assumed = assumed_fields(act)
    yield ["FINALIT\u00c9(S) DU\nTRAITEMENT EFFECTU\u00c9", None, None]
    if not act.purposes:
        yield ["Finalit\u00e9 principale", manque(), None]
    for i, p in enumerate(act.purposes):
        label = "Finalit\u00e9 principale" if i == 0 else f"Sous-finalit\u00e9 {i}"
        text = p.description or p.label or ctx.extra["data_uses"].get(p.key) or p.key
        yield [label, hypothese(text, i == 0 and "purposes" in assumed), p.key]
    basis = "\n".join(BASES[b] for b in act.legal_basis) or manque()
    yield ["Base l\u00e9gale (art. 6)", hypothese(basis, "legal_basis" in assumed),
           f"Int\u00e9r\u00eat l\u00e9gitime poursuivi : {act.legitimate_interest}"
           if act.legitimate_interest else None]
    if act.description:
        yield ["Description", act.description, None]


def _durees(act: ProcessingActivity) -> tuple[dict[str, list[Retention]], list[Retention]]:
    """Retention rules by category key they name, and the rules naming no category (all)."""
    by_key: dict[str, list[Retention]] = {}
    general = []
    for r in act.retention:
        if r.data_categories:
            for c in r.data_categories:
                by_key.setdefault(c.key, []).append(r)
        else:
            general.append(r)
    return by_key, general


def _duree(rule: Retention) -> str:
    text = duree_fr(rule.period)
    if rule.trigger:
        text += f" \u00e0 compter de : {rule.trigger}"
    if rule.description:
        text += f" ({rule.description})"
    return text


def _donnees(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    assumed = assumed_fields(act)
    yield ["CAT\u00c9GORIES DE DONN\u00c9ES\nPERSONNELLES\nCONCERN\u00c9ES", "Description",
           "Dur\u00e9e de conservation (d\u00e9lai d'effacement)"]
    by_key, general = _durees(act)
    if not act.data_categories:
        yield ["Donn\u00e9es", manque(), None]
    for c in act.data_categories:
        rules = by_key.get(c.key, []) + general
        text = "\n".join(_duree(r) for r in rules)
        if not text or all(r.period in (None, "not_stated") and not r.description for r in rules):
            duree: Any = Mark(text or DUREE_NON_PRECISEE, "missing")
        else:
            duree = text
        to_confirm = "retention" in assumed or any(a.to_confirm for r in rules for a in r.assumptions)
        duree = hypothese(duree, to_confirm)
        yield [categorie_cnil(c.key), _nom(ctx, "data_categories", c), duree]
    sensitive = [c for c in act.data_categories if is_special_category(c.key) or is_criminal_data(c.key)]
    detail = lines(
        ", ".join(_nom(ctx, "data_categories", c) for c in sensitive) or None,
        f"Condition (art. 9(2)) : {article_fr(act.special_category_condition.article)}"
        if act.special_category_condition else None,
        f"Condamnations et infractions (art. 10) : {act.criminal_data_basis}" if act.criminal_data_basis
        else None)
    yield ["Des donn\u00e9es sensibles sont-elles trait\u00e9es ?",
           "Oui" if sensitive or act.special_category_condition or act.criminal_data_basis else "Non",
           detail or None]
    sources = "\n".join(lines(SOURCES[s.type], s.description,
                              f"Tiers : {ctx.names.get(s.party, s.party)} [{s.party}]" if s.party else None)
                        for s in act.sources)
    yield ["Source des donn\u00e9es (art. 14)", sources or NON_RENSEIGNE, None]


def _personnes(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    yield ["CAT\u00c9GORIES DE PERSONNES\nCONCERN\u00c9ES", None, None]
    if not act.data_subjects:
        yield ["Personnes concern\u00e9es", manque(), None]
    for s in act.data_subjects:
        yield ["Personnes concern\u00e9es", _nom(ctx, "data_subjects", s), None]


def _destinataires(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    reg = ctx.register
    yield ["DESTINATAIRES", "Destinataire", "Pr\u00e9cision"]
    if not act.recipients:
        yield ["Destinataires", "Aucun destinataire enregistr\u00e9", None]
    for link in act.recipients:
        try:
            r = reg.recipient(link.recipient)
        except KeyError:
            yield ["Destinataire", link.recipient, manque()]
            continue
        only = ", ".join(_nom(ctx, "data_categories", c) for c in link.data_categories)
        detail = lines(r.category, liste_pays(r.countries) if r.countries else None,
                       f"Seulement : {only}" if only else None,
                       f"Objet : {link.purpose}" if link.purpose else None)
        yield [ROLES[r.role], f"{r.name} [{r.id}]", detail or None]
        for sub in ctx.children.get(r.id, []):
            yield [ROLES[sub.role], f"{sub.name} [{sub.id}]",
                   lines(f"Pour le compte de {r.name}", liste_pays(sub.countries) if sub.countries else None)]


def _transferts(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    yield ["TRANSFERTS DE DONN\u00c9ES\nHORS UE", "Destinataire (importateur)", "Pays, garantie et statut"]
    if ctx.transfers is None:
        yield ["Transferts", Mark("Les transferts n'ont pas pu \u00eatre class\u00e9s lors de cette "
                                  "\u00e9dition ; voir le registre.", "warning"), None]
        return
    found = ctx.transfers_of(act.id)
    if not found:
        yield ["Transferts", "Aucun transfert hors de l'Union europ\u00e9enne", None]
    for t in found:
        via = f"\nTransfert ult\u00e9rieur depuis {t.exporter_name}" if t.onward else ""
        importer = f"{t.importer_name} [{t.importer}]"
        if t.controller_is_importer:  # inbound: a source party exports, the controller imports
            importer = f"{t.importer_name} (responsable du traitement, importateur)"
            via = f"\nTransfert entrant : {t.exporter_name} [{t.exporter}] exporte vers le responsable"
        if t.regime != EU_GDPR:
            via += f"\nR\u00e9gime de l'exportateur : {regime_fr(t.regime)}"
        where = t.country_name if t.importer_kind == "international_organisation" else pays_fr(t.country)
        decision = f" ({article_fr(t.decision)})" if t.decision else ""
        detail = (f"{where} \u2014 {mecanisme_fr(t.mechanism)}, "
                  f"{article_fr(t.article)}{decision}\nStatut : {statut_fr(t.status)}{via}")
        value: Any = Mark(detail, "warning") if t.status != "compliant" else detail
        yield ["Transfert", importer, value]


def _mesures(ctx: ExportContext, act: ProcessingActivity) -> Iterator[list[Any]]:
    reg = ctx.register
    yield ["MESURES DE S\u00c9CURIT\u00c9", "Mesure", "Description"]
    if not act.security_measures:
        yield ["Mesures", manque(), None]
        return
    placed: dict[str, list[Any]] = {h: [] for h, _ in MESURES_CNIL}
    placed[AUTRES_MESURES] = []
    for mid in act.security_measures:
        try:
            m = reg.security_measure(mid)
        except KeyError:
            placed[AUTRES_MESURES].append((mid, None))
            continue
        operated = (" ; mise en \u0153uvre par " + ", ".join(ctx.names.get(r, r) for r in m.applies_to)
                    if m.applies_to else "")
        placed[rubrique_mesure(m.name)].append(
            (f"{m.name} [{m.id}]", f"Mesure {TYPES_MESURE.get(m.type, m.type)}{operated}"
             + (f"\n{m.description}" if m.description else "")))
    for heading, items in placed.items():
        if not items:
            yield [heading, "Aucune mesure enregistr\u00e9e sous cette rubrique", None]
        for name, detail in items:
            yield [heading, name, detail]


def _aipd(act: ProcessingActivity) -> list[Any]:
    d = act.dpia
    if d is None:
        return ["Analyse d'impact (AIPD, art. 35)", NON_RENSEIGNE, None]
    detail = lines(f"R\u00e9f\u00e9rence : {d.reference}" if d.reference else None,
                   f"Date : {date_fr(d.date)}" if d.date else None,
                   "Crit\u00e8res : " + ", ".join(CRITERES_AIPD[c] for c in d.criteria_met)
                   if d.criteria_met else None,
                   d.screening_notes)
    return ["Analyse d'impact (AIPD, art. 35)", f"AIPD requise : {oui_non(d.required)}", detail or None]


def _fiche(ctx: ExportContext, number: int, act: ProcessingActivity) -> Iterator[list[Any]]:
    yield [f"FICHE {number} \u2014 {act.name}", f"R\u00e9f\u00e9rence : {act.id}",
           "Derni\u00e8re mise \u00e0 jour : " + (date_fr(act.last_reviewed) or "non renseign\u00e9e")]
    yield from _acteurs(ctx, act)
    yield from _finalites(ctx, act)
    yield from _donnees(ctx, act)
    yield from _personnes(ctx, act)
    yield from _destinataires(ctx, act)
    yield from _transferts(ctx, act)
    yield from _mesures(ctx, act)
    yield _aipd(act)


def fiche_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    """Every fiche, one after the other, a blank row between two fiches, long text continued."""
    widths = [w for _, w, _, _ in FICHE_COLUMNS]

    def rows() -> Iterator[list[Any]]:
        for i, act in enumerate(ctx.register.activities, 1):
            if i > 1:
                yield [None, None, None]
            yield from _fiche(ctx, i, act)
        if not ctx.register.activities:
            yield ["\u2014", "Aucune activit\u00e9 enregistr\u00e9e", None]

    return _fitted(rows(), widths)


# --------------------------------------------------------------------------
# Processor record (Art 30(2))
# --------------------------------------------------------------------------


def _mecanisme_declare(m: Any) -> str:
    head = mecanisme_fr(m.type.value)
    bits = [liste_pays(m.countries) if m.countries else None,
            f"r\u00e9f\u00e9rence : {m.reference}" if m.reference else None,
            f"date : {date_fr(m.date)}" if m.date else None]
    return "; ".join([head] + [b for b in bits if b])


def _processor_rows(ctx: ExportContext) -> Iterator[list[Any]]:
    reg = ctx.register
    for p in reg.processor_activities:
        measures = []
        for mid in p.security_measures:
            try:
                measures.append(f"{reg.security_measure(mid).name} [{mid}]")
            except KeyError:
                measures.append(mid)
        yield [
            p.id, p.name,
            lines(coordonnees(p.controller),
                  f"Repr\u00e9sentant : {coordonnees(p.controller_representative)}"
                  if p.controller_representative else None) or manque(),
            "\n".join(p.categories_of_processing),
            ", ".join(_nom(ctx, "data_categories", c) for c in p.data_categories) or NON_RENSEIGNE,
            "\n".join(f"{ctx.names.get(s, s)} [{s}]" for s in p.sub_processors) or "Aucun",
            lines(liste_pays(p.transfer_countries) if p.transfer_countries else None,
                  *(_mecanisme_declare(m) for m in p.transfer_mechanisms)) or "Non",
            "\n".join(measures) or manque(),
        ]


# --------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------


def cnil_sheets(ctx: ExportContext) -> list[Sheet]:
    reg = ctx.register
    page = {"page_header": _page_header(reg), "page_footer": FOOTER, "min_print_scale": PRINT_SCALE}
    sheets = [
        Sheet("Registre", [Column("Activit\u00e9s", 14), Column("D\u00e9signation des activit\u00e9s", 40),
                           Column("R\u00e9f\u00e9rence", 20), Column("Date de mise \u00e0 jour", 16)],
              _registre_rows(reg), preamble=_registre_preamble(ctx), orientation="portrait", **page,
              description="Informations communes et liste des activit\u00e9s de traitement."),
        Sheet(FICHES, _columns(FICHE_COLUMNS), fiche_rows(ctx), orientation="portrait", **page,
              description="Une fiche de registre par activit\u00e9 (art. 30(1) RGPD), dans l'ordre du "
                          "registre simplifi\u00e9 de la CNIL."),
    ]
    if reg.processor_activities:
        sheets.append(Sheet("Sous-traitant", _columns(PROCESSOR_COLUMNS), _processor_rows(ctx),
                            freeze_columns=2, **page,
                            description="Registre des cat\u00e9gories d'activit\u00e9s de traitement "
                                        "effectu\u00e9es pour le compte de tiers (art. 30(2) RGPD)."))
    notes = [[s.name, c.header, c.article or None, c.guide or None] for s in sheets for c in s.columns]
    notes.append(["Partout", NON_RENSEIGNE, "Art. 30", "Le registre ne contient pas cette information."])
    notes.append(["Partout", SUITE.strip(), "", "Le texte trop long pour une ligne imprim\u00e9e se "
                                               "poursuit sur la ligne suivante."])
    sheets.append(Sheet("Notes", [Column("Feuille", 18), Column("Colonne", 40), Column("Article", 16),
                                  Column("Origine dans le registre", 50)], notes,
                        **page, description="Origine de chaque colonne dans le registre."))
    return sheets
