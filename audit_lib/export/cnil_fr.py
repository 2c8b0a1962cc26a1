"""French wording of the ``--layout cnil`` workbook: dates, durations, countries, roles, statuses.

Every word the CNIL layout generates (as opposed to the register's own text, which stays in
the register's words) comes from here, so the workbook reads in French throughout. The
judgements themselves (a transfer's mechanism and status, what is not recorded) are made
elsewhere (``audit_lib.analysis.transfers``, the register); this module only names them.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
import textwrap
from functools import cache

import pycountry

from audit_lib.model import DpiaCriterion, LegalBasis, RecipientRole, SourceType

NON_RENSEIGNE = "Non renseign\u00e9"
DUREE_NON_PRECISEE = "dur\u00e9e non pr\u00e9cis\u00e9e"
SANS_MECANISME = "aucun m\u00e9canisme de transfert licite"

MOIS = ("janvier", "f\u00e9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\u00fbt", "septembre",
        "octobre", "novembre", "d\u00e9cembre")


def date_fr(value: dt.date | None) -> str | None:
    """'1er juin 2026', '15 mars 2025' (French long date)."""
    if value is None:
        return None
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MOIS[value.month - 1]} {value.year}"


def datetime_fr(value: dt.datetime) -> str:
    return f"{date_fr(value.date())} \u00e0 {value.strftime('%H:%M')} UTC"


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_UNITS = (("an", "ans"), ("mois", "mois"), ("semaine", "semaines"), ("jour", "jours"))


def duree_fr(period: str | None) -> str:
    """'P10Y' -> '10 ans'; 'not_stated' or nothing -> 'durée non précisée'."""
    if period in (None, "not_stated"):
        return DUREE_NON_PRECISEE
    if period == "indefinite":
        return "dur\u00e9e ind\u00e9finie"
    m = _DURATION.match(period)
    if not m:
        return period
    parts = [f"{int(n)} {one if int(n) == 1 else many}"
             for n, (one, many) in zip(m.groups(), _UNITS, strict=True) if n]
    return " et ".join(parts) or period


@cache
def _fr() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:  # pycountry without its translations: English names, still correct
        return gettext.NullTranslations()


@cache
def pays_fr(code: str | None) -> str:
    """'US' -> 'États-Unis (US)' (pycountry's French ISO 3166 names)."""
    if not code:
        return "pays non renseign\u00e9"
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    return f"{_fr().gettext(country.name)} ({code.upper()})"


def liste_pays(codes: list[str]) -> str:
    return ", ".join(pays_fr(c) for c in codes)


ROLES = {
    RecipientRole.internal: "Service interne",
    RecipientRole.processor: "Sous-traitant (art. 28)",
    RecipientRole.sub_processor: "Sous-traitant ult\u00e9rieur (art. 28(2) et 28(4))",
    RecipientRole.joint_controller: "Responsable conjoint (art. 26)",
    RecipientRole.independent_controller: "Responsable de traitement distinct (art. 4(7))",
    RecipientRole.public_authority: "Autorit\u00e9 publique (art. 4(9))",
}

BASES = {
    LegalBasis.consent: "Consentement (art. 6(1)(a))",
    LegalBasis.contract: "Ex\u00e9cution d'un contrat (art. 6(1)(b))",
    LegalBasis.legal_obligation: "Obligation l\u00e9gale (art. 6(1)(c))",
    LegalBasis.vital_interests: "Int\u00e9r\u00eats vitaux (art. 6(1)(d))",
    LegalBasis.public_task: "Mission d'int\u00e9r\u00eat public (art. 6(1)(e))",
    LegalBasis.legitimate_interests: "Int\u00e9r\u00eat l\u00e9gitime (art. 6(1)(f))",
}

SOURCES = {
    SourceType.data_subject: "Collect\u00e9es aupr\u00e8s de la personne concern\u00e9e",
    SourceType.observed: "Observ\u00e9es (navigation, utilisation)",
    SourceType.third_party: "Obtenues d'un tiers",
    SourceType.public_source: "Source accessible au public",
}

CRITERES_AIPD = {  # the nine criteria of the EDPB-endorsed WP248 rev.01 guidelines
    DpiaCriterion.evaluation_or_scoring: "\u00e9valuation ou notation",
    DpiaCriterion.automated_decision_legal_effect: "d\u00e9cision automatis\u00e9e avec effet juridique",
    DpiaCriterion.systematic_monitoring: "surveillance syst\u00e9matique",
    DpiaCriterion.sensitive_or_highly_personal_data: "donn\u00e9es sensibles ou \u00e0 caract\u00e8re "
                                                     "hautement personnel",
    DpiaCriterion.large_scale: "traitement \u00e0 grande \u00e9chelle",
    DpiaCriterion.matching_or_combining_datasets: "croisement ou combinaison de donn\u00e9es",
    DpiaCriterion.vulnerable_data_subjects: "personnes vuln\u00e9rables",
    DpiaCriterion.innovative_technology: "usage innovant",
    DpiaCriterion.prevents_exercising_right: "exclusion du b\u00e9n\u00e9fice d'un droit ou d'un contrat",
}

TYPES_MESURE = {"technical": "technique", "organisational": "organisationnelle", "physical": "physique"}

MECANISMES = {
    "adequacy": "d\u00e9cision d'ad\u00e9quation",
    "dpf": ("d\u00e9cision d'ad\u00e9quation relative au cadre de protection des donn\u00e9es "
            "UE\u2013\u00c9tats-Unis, organisme certifi\u00e9"),
    "scc": "clauses contractuelles types",
    "bcr": "r\u00e8gles d'entreprise contraignantes",
    "code_of_conduct": "code de conduite approuv\u00e9",
    "certification": "m\u00e9canisme de certification approuv\u00e9",
    "ad_hoc_clauses": "clauses contractuelles ad hoc",
    "derogation": "d\u00e9rogation (art. 49)",
    "idta": "accord de transfert international de donn\u00e9es de l'ICO (UK GDPR)",
    "uk_addendum": "avenant de l'ICO aux clauses contractuelles types (UK GDPR)",
    "none": SANS_MECANISME,
}

REGIMES = {
    "EU GDPR": "RGPD",
    "UK GDPR": "RGPD britannique (UK GDPR)",
    "Swiss FADP": "loi f\u00e9d\u00e9rale suisse sur la protection des donn\u00e9es (LPD)",
}

STATUTS = {
    "compliant": "conforme",
    "safeguard to verify": "garantie \u00e0 v\u00e9rifier",
    "no lawful mechanism": SANS_MECANISME,
}


def mecanisme_fr(name: str) -> str:
    return MECANISMES.get(name, name)


def statut_fr(status: str) -> str:
    return STATUTS.get(status, status)


def regime_fr(regime: str) -> str:
    """'UK GDPR' -> 'RGPD britannique (UK GDPR)': the rules the exporter of a transfer is subject to."""
    return REGIMES.get(regime, regime)


def article_fr(text: str | None) -> str:
    """'Art 46(2)(c) (SCC 2021/914 module 2)' -> 'art. 46(2)(c) (CCT 2021/914 module 2)'."""
    if not text:
        return ""
    text = re.sub(r"\bArts? (?=\d)", "art. ", text)
    text = text.replace("(EU)", "(UE)").replace("SCC", "CCT")
    return re.sub(r"\bDecision\b", "D\u00e9cision", text)


# The CNIL's categories of personal data (the model register's list), matched on fideslang keys.
CATEGORIES_CNIL = (
    ("\u00c9tat civil, identit\u00e9, donn\u00e9es d'identification, images",
     ("user.name", "user.contact", "user.unique_id", "user.government_id", "user.account",
      "user.demographic", "user.content.self_image")),
    ("Vie professionnelle", ("user.workplace", "user.job_title", "user.professional")),
    ("Informations d'ordre \u00e9conomique et financier", ("user.financial", "user.payment")),
    ("Donn\u00e9es de connexion", ("user.device", "user.authorization", "user.telemetry")),
    ("Donn\u00e9es de localisation", ("user.location",)),
    ("Internet", ("user.behavior", "user.browsing", "user.cookie")),
    ("Vie personnelle", ("user.content", "user.social", "user.privacy_preferences", "user.behavior")),
)
AUTRES_DONNEES = "Autres cat\u00e9gories de donn\u00e9es"


def categorie_cnil(key: str) -> str:
    """The CNIL model's category for a fideslang data category key."""
    for name, prefixes in CATEGORIES_CNIL:
        if any(key == p or key.startswith(p + ".") for p in prefixes):
            return name
    return AUTRES_DONNEES


# The CNIL model's fixed list of security measures; a register measure goes under the first
# heading whose words its name contains, else under "Autres mesures".
MESURES_CNIL = (
    ("Contr\u00f4le d'acc\u00e8s des utilisateurs", ("access", "acc\u00e8s", "need to know", "authenticat",
                                                    "password")),
    ("Mesures de tra\u00e7abilit\u00e9", ("audit log", "logging", "journalis", "traceab")),
    ("Mesures de protection des logiciels", ("firewall", "antivirus", "anti-virus", "patch", "malware")),
    ("Sauvegarde des donn\u00e9es", ("backup", "sauvegarde")),
    ("Chiffrement des donn\u00e9es", ("encrypt", "chiffr", "ssl", "tls")),
    ("Contr\u00f4le des sous-traitants", ("processor", "sous-traitant", "vendor")),
)
AUTRES_MESURES = "Autres mesures"


def rubrique_mesure(name: str) -> str:
    low = name.lower()
    for heading, words in MESURES_CNIL:
        if any(w in low for w in words):
            return heading
    return AUTRES_MESURES


def oui_non(value: bool | None) -> str:
    return NON_RENSEIGNE if value is None else ("Oui" if value else "Non")


def wrap_lines(text: str, width: int) -> list[str]:
    """The lines a cell of ``width`` characters shows (explicit breaks kept, long words cut)."""
    out: list[str] = []
    for para in text.split("\n"):
        out += textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False) or [""]
    return out
