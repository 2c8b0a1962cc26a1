"""Draft a privacy notice (Art 13, Art 14) from the register alone, listing what it leaves open.

:func:`draft_notice` turns a :class:`Register` into a markdown notice with one section per
item of Art 13(1)-(2) (plus the Art 27 representative, the Art 14(2)(f) source of the data,
cookies and children), and a closing "Gaps to close before publishing" section: one line per
thing the notice needs and the register does not say, and per assumption still to confirm.

The notice names every recipient, every data category (its register label, and its taxonomy
name) and every purpose, so that a policy cross-check of the notice against its own register
finds nothing missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from audit_lib.analysis.transfers import classify_transfers
from audit_lib.io.atomic import atomic_write_text
from audit_lib.model import (
    ActivityStatus,
    Contact,
    DataCategoryRef,
    DataSubjectRight,
    LegalBasis,
    ProcessingActivity,
    Recipient,
    RecipientLink,
    RecipientRole,
    Register,
    Retention,
    SourceType,
    SpecialCategoryCondition,
)
from audit_lib.reference.countries import country_name
from audit_lib.reference.taxonomy import is_special_category, label

# --------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One section of the notice: a stable key, its heading, the article it answers, its text."""

    key: str
    title: str
    article: str
    body: str
    gaps: list[str] = field(default_factory=list)
    to_confirm: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.article})" if self.article else self.title


@dataclass(frozen=True)
class Notice:
    """A drafted privacy notice: markdown ``text``, its ``sections``, the ``gaps`` the register
    leaves (missing items) and the statements ``to_confirm`` (they rest on recorded assumptions)."""

    text: str
    gaps: list[str]
    sections: list[Section]
    to_confirm: list[str] = field(default_factory=list)
    lang: str = "en"

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


class UnknownLanguage(ValueError):
    """No notice text exists for the requested language."""


class _ToConfirm(str):
    """A gap line that is an assumption to confirm rather than a missing item."""


# --------------------------------------------------------------------------
# Wording (one table per language; only English so far)
# --------------------------------------------------------------------------

EN: dict[str, object] = {
    "title": "Privacy notice: {name}",
    "draft": (
        "> Draft generated from the record of processing activities{version}. Check every "
        "statement, then close the gaps listed at the end before publishing."
    ),
    "headings": {
        "controller": ("Who we are and how to contact us", "Art 13(1)(a)"),
        "dpo": ("Data protection officer", "Art 13(1)(b)"),
        "representative": ("Our representative in the EU", "Art 27, Art 13(1)(a)"),
        "purposes": ("What we use your data for, and on what legal basis", "Art 13(1)(c)"),
        "legitimate_interests": ("Our legitimate interests", "Art 13(1)(d)"),
        "recipients": ("Who receives your data", "Art 13(1)(e)"),
        "transfers": ("Transfers outside the European Economic Area", "Art 13(1)(f)"),
        "retention": ("How long we keep your data", "Art 13(2)(a)"),
        "rights": ("Your rights", "Art 13(2)(b)-(c)"),
        "complaint": ("Complaints to a supervisory authority", "Art 13(2)(d)"),
        "provision": ("Whether you have to give us your data", "Art 13(2)(e)"),
        "automated_decisions": ("Automated decisions and profiling", "Art 13(2)(f)"),
        "sources": ("Where your data comes from", "Art 14(2)(f)"),
        "cookies": ("Cookies and similar technologies", "ePrivacy Directive Art 5(3)"),
        "children": ("Children", "Art 8"),
        "security": ("How we protect your data", "Art 32"),
        "breach": ("If your data is breached", "Art 34"),
        "gaps": ("Gaps to close before publishing", ""),
        "confirm": ("Assumptions to confirm", ""),
    },
    "confirm_intro": "What the notice says from these fields rests on assumptions the register marks "
    "as to be confirmed (see each record's assumptions):",
    "unknown_country": "country not recorded",
    "no_gaps": "None: the register answers every item of the notice.",
    "basis": {
        LegalBasis.consent: "your consent",
        LegalBasis.contract: "performance of a contract with you, or steps you ask for before one",
        LegalBasis.legal_obligation: "compliance with a legal obligation we are subject to",
        LegalBasis.vital_interests: "protection of your vital interests or those of another person",
        LegalBasis.public_task: "a task in the public interest or in the exercise of official authority",
        LegalBasis.legitimate_interests: "our legitimate interests or those of a third party",
    },
    "role": {
        RecipientRole.processor: "service provider processing data on our behalf (processor)",
        RecipientRole.sub_processor: "sub-processor engaged by {parent}",
        RecipientRole.joint_controller: "joint controller with us (Art 26)",
        RecipientRole.independent_controller: "receives data as a separate controller, under its own "
        "privacy policy",
        RecipientRole.public_authority: "public authority",
        RecipientRole.internal: "within our organisation or group",
    },
    "source": {
        SourceType.data_subject: "from you",
        SourceType.observed: "collected automatically when you use our services",
        SourceType.third_party: "from a third party",
        SourceType.public_source: "from publicly accessible sources",
    },
    "mechanism": {
        "adequacy": "an adequacy decision: the European Commission has decided that this country ensures "
        "an adequate level of protection",
        "dpf": "the recipient is certified under the EU-US Data Privacy Framework, covered by an adequacy "
        "decision",
        "scc": "standard contractual clauses adopted by the European Commission",
        "bcr": "binding corporate rules",
        "code_of_conduct": "an approved code of conduct",
        "certification": "an approved certification mechanism",
        "ad_hoc_clauses": "contractual clauses authorised by a supervisory authority",
        "derogation": "a derogation for specific situations",
        "none": "no safeguard recorded",
    },
    "rights": {
        DataSubjectRight.information: "to be told how we collect and use your personal data (this notice)",
        DataSubjectRight.access: "to access your personal data and receive a copy of it",
        DataSubjectRight.rectification: "to have inaccurate data corrected and incomplete data completed",
        DataSubjectRight.erasure: "to have your data erased, in the cases the law provides",
        DataSubjectRight.restriction: "to have the processing of your data restricted",
        DataSubjectRight.portability: "to receive the data you gave us in a structured, commonly used, "
        "machine-readable format and to have it sent to another controller, where we process it by "
        "automated means on the basis of your consent or a contract",
        DataSubjectRight.objection: "to object to processing based on our legitimate interests or a "
        "public task, on grounds relating to your situation, and at any time to direct marketing",
        DataSubjectRight.automated_decisions: "not to be subject to a decision based solely on "
        "automated processing which produces legal or similarly significant effects for you",
        DataSubjectRight.withdraw_consent: "to withdraw your consent at any time, without affecting "
        "the lawfulness of processing based on consent before its withdrawal",
        DataSubjectRight.complaint: "to lodge a complaint with a supervisory authority",
        DataSubjectRight.post_mortem_instructions: "to give instructions about the storage, erasure and "
        "disclosure of your data after your death",
    },
    "right_name": {
        DataSubjectRight.information: "Information",
        DataSubjectRight.access: "Access",
        DataSubjectRight.rectification: "Rectification",
        DataSubjectRight.erasure: "Erasure",
        DataSubjectRight.restriction: "Restriction",
        DataSubjectRight.portability: "Data portability",
        DataSubjectRight.objection: "Objection",
        DataSubjectRight.automated_decisions: "Automated decisions",
        DataSubjectRight.withdraw_consent: "Withdrawal of consent",
        DataSubjectRight.complaint: "Complaint",
        DataSubjectRight.post_mortem_instructions: "Instructions for after your death",
    },
}

LANGUAGES: dict[str, dict[str, object]] = {"en": EN}

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_NONE_WORDS = {"none", "no", "n/a", "not used", "false", "never"}


# --------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------


def _md(value: object) -> str:
    """Register text as one markdown line: whitespace collapsed, raw HTML neutralised."""
    return " ".join(str(value).split()).replace("<", "&lt;")


def _sentence(value: object) -> str:
    text = _md(value)
    return text if not text or text[-1] in ".!?" else text + "."


def _join(items: Iterable[str], sep: str = "; ") -> str:
    """Join the non-empty items once each, in order."""
    return sep.join(dict.fromkeys(i for i in items if i))


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def duration_text(period: str) -> str:
    """'P10Y' -> '10 years', 'P1Y6M' -> '1 year and 6 months' (Art 13(2)(a) in words)."""
    match = _DURATION.match(period or "")
    if not match:
        return period
    units = ("year", "month", "week", "day")
    counts = [(int(n), unit) for n, unit in zip(match.groups(), units, strict=True) if n]
    if counts and not any(n for n, _ in counts):
        return "not stored"
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in counts if n]
    return " and ".join(parts) or period


def category_name(register: Register, ref: DataCategoryRef) -> str:
    """A data category as the reader sees it: its register label, then its taxonomy name."""
    extra = {t.fides_key: t.name for t in register.taxonomy.data_categories}
    name = label("data_categories", ref.key, extra)
    if ref.label and ref.label.lower() != name.lower():
        return f"{_md(ref.label)} ({_md(name)})"
    return _md(ref.label or name)


def purpose_names(register: Register, activity: ProcessingActivity) -> list[str]:
    """Each purpose as its description, label or taxonomy name (Art 13(1)(c))."""
    extra = {t.fides_key: t.name for t in register.taxonomy.data_uses}
    return [_md(p.description or p.label or label("data_uses", p.key, extra)) for p in activity.purposes]


def _subject_name(register: Register, ref) -> str:
    extra = {t.fides_key: t.name for t in register.taxonomy.data_subjects}
    return _md(ref.label or label("data_subjects", ref.key, extra))


def _contact_lines(contact: Contact | None) -> list[str]:
    if contact is None:
        return []
    lines = []
    for word, value in (("Name", contact.name), ("Role", contact.role), ("Address", contact.address),
                        ("Country", country_name(contact.country) if contact.country else None),
                        ("Email", contact.email), ("Phone", contact.phone), ("Web", contact.url)):
        if value:
            lines.append(f"- {word}: {_md(value)}")
    return lines


def _controller_lines(contact: Contact | None) -> list[str]:
    return [line.replace("- Name:", "- Contact:", 1) for line in _contact_lines(contact)]


def _has_contact(contact: Contact | None) -> bool:
    return bool(contact and (contact.email or contact.phone or contact.address or contact.url))


def _how_to_reach(register: Register) -> str:
    org = register.organisation
    contact = org.contact
    for value in (contact and contact.email, contact and contact.url, org.website,
                  contact and contact.address, org.address):
        if value:
            return _md(value)
    return "the contact details above"


def _is_none(text: str | None) -> bool:
    return bool(text) and text.strip().lower().rstrip(".") in _NONE_WORDS


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------


class _Draft:
    """Builds the sections of one notice; ``gaps`` of each section are collected as it goes."""

    def __init__(self, register: Register, words: dict):
        self.r = register
        self.w = words
        self.activities = [a for a in register.activities if a.status is not ActivityStatus.retired]
        self.links: dict[str, list[tuple[ProcessingActivity, RecipientLink]]] = {}
        for act in self.activities:
            for link in act.recipients:
                self.links.setdefault(link.recipient, []).append((act, link))

    def section(self, key: str, lines: list[str], gaps: list[str] | None = None) -> Section:
        title, article = self.w["headings"][key]
        gaps = list(dict.fromkeys(gaps or []))
        missing = [g for g in gaps if not isinstance(g, _ToConfirm)]
        confirm = [str(g) for g in gaps if isinstance(g, _ToConfirm)]
        return Section(key, title, article, "\n".join(lines).strip(), missing, confirm)

    def name(self, recipient_id: str) -> str:
        return _md(self.r.recipient(recipient_id).name)

    # -- Art 13(1)(a)-(b), Art 27 ------------------------------------------------------

    def controller(self) -> Section:
        org = self.r.organisation
        entity = org.legal_entity or org.name
        lines = [f"{_md(entity)} is the controller responsible for your personal data."]
        if org.legal_entity and org.legal_entity != org.name:
            lines[0] = f"{_md(org.legal_entity)} (\"{_md(org.name)}\") is the controller responsible " \
                       "for your personal data."
        details = []
        if org.address or org.country:
            where = _join([_md(org.address) if org.address else "",
                           country_name(org.country) if org.country else ""])
            details.append(f"- Address: {where.replace('; ', ', ')}")
        shown = {_md(org.name), _md(org.legal_entity or ""), _md(org.website or "")}
        details += [line for line in _controller_lines(org.contact)
                    if not line.startswith("- Country") and line.split(": ", 1)[1] not in shown]
        if org.website:
            details.append(f"- Website: {_md(org.website)}")
        lines += ["", *details] if details else []
        for jc in org.joint_controllers:
            details = [line for line in _contact_lines(jc) if not line.startswith("- Name:")]
            lines += ["", f"We decide jointly with {_md(jc.name or str(jc))} how and why some of your data "
                          "is processed (joint controllers, Art 26):", "", *details]
        gaps = []
        if not org.legal_entity:
            gaps.append("legal entity of the controller not recorded (organisation.legal_entity): the notice "
                        "must identify the controller (Art 13(1)(a))")
        if not (_has_contact(org.contact) or org.address):
            gaps.append("no contact details recorded for the controller (organisation.contact, address)")
        gaps += self.assumed(org, "organisation", ("name", "legal_entity", "country", "address", "contact",
                                                    "website", "joint_controllers"))
        return self.section("controller", lines, gaps)

    def dpo(self) -> Section:
        org = self.r.organisation
        confirm = self.assumed(org, "organisation", ("dpo", "dpo_required", "dpo_assessment"))
        if _has_contact(org.dpo) or (org.dpo and org.dpo.name):
            lines = ["You can contact our data protection officer:", "", *_contact_lines(org.dpo)]
            gaps = [] if _has_contact(org.dpo) else ["no contact details recorded for the DPO "
                                                     "(organisation.dpo) (Art 13(1)(b))"]
            return self.section("dpo", lines, gaps + confirm)
        if org.dpo_required is False:
            why = f" {_sentence(org.dpo_assessment)}" if org.dpo_assessment else ""
            return self.section("dpo", [f"We have not appointed a data protection officer, as the law "
                                        f"does not require one for our processing (Art 37).{why}"], confirm)
        return self.section("dpo", [f"Questions about how we use your data: contact us at "
                                    f"{_how_to_reach(self.r)}."],
                            ["no DPO named (organisation.dpo), and no record that none is required "
                             "(dpo_required: false with dpo_assessment) (Art 37, Art 13(1)(b))", *confirm])

    def representative(self) -> Section:
        org = self.r.organisation
        rep = org.eu_representative
        confirm = self.assumed(org, "organisation", ("eu_representative", "established_in_eu",
                                                     "offers_goods_or_services_in_eu",
                                                     "monitors_behaviour_in_eu"))
        if rep is not None:
            lines = ["Our representative in the European Union (Art 27), whom you can also contact "
                     "about our processing of your data:", "", *_contact_lines(rep)]
            return self.section("representative", lines, confirm)
        if org.established_in_eu:
            return self.section("representative", ["We are established in the European Union, so we "
                                                   "have no separate representative (Art 27)."], confirm)
        targets_eu = org.offers_goods_or_services_in_eu or org.monitors_behaviour_in_eu
        if org.established_in_eu is False and targets_eu is False:
            return self.section("representative", ["We are not established in the European Union and "
                                                   "do not offer goods or services to, or monitor, "
                                                   "people there; Art 27 does not apply."], confirm)
        if org.established_in_eu is None:
            gap = ("no EU representative named, and establishment in the EU not recorded "
                   "(organisation.established_in_eu) (Art 27)")
        else:
            gap = ("no EU representative named (organisation.eu_representative), although the "
                   "controller is not established in the EU (Art 27)")
        return self.section("representative", ["We have not named a representative in the European "
                                               "Union."], [gap, *confirm])

    # -- Art 13(1)(c)-(d) ----------------------------------------------------------------

    def purposes(self) -> Section:
        lines, gaps = [], []
        for act in self.activities:
            lines += [f"### {_md(act.name)}", ""]
            if act.description:
                lines += [_sentence(act.description), ""]
            names = purpose_names(self.r, act)
            if names:
                lines.append(f"- Purposes: {_join(names)}")
            else:
                gaps.append(f"no purpose recorded for activity {act.id} (Art 13(1)(c))")
            bases = [f"{self.w['basis'][b]} ({b.article})" for b in act.legal_basis]
            if bases:
                lines.append(f"- Legal basis: {_join(bases)}")
            else:
                gaps.append(f"no legal basis recorded for activity {act.id} (Art 6(1), Art 13(1)(c))")
            if act.special_category_condition:
                cond = act.special_category_condition
                lines.append(f"- Special categories of data: {_condition(cond)} ({cond.article})")
            elif any(is_special_category(c.key) for c in act.data_categories):
                gaps.append(f"no Art 9(2) condition recorded for activity {act.id}, which processes "
                            "special categories of data")
            if act.criminal_data_basis:
                lines.append(f"- Criminal convictions and offences data: {_md(act.criminal_data_basis)} "
                             "(Art 10)")
            if act.data_subjects:
                people = _join(_subject_name(self.r, s) for s in act.data_subjects)
                lines.append(f"- People concerned: {people}")
            if act.data_categories:
                data = _join(category_name(self.r, c) for c in act.data_categories)
                lines.append(f"- Personal data: {data}")
            else:
                gaps.append(f"no categories of personal data recorded for activity {act.id}")
            lines.append("")
            gaps += self.assumed(act, f"activity {act.id}", ("purposes", "legal_basis", "data_categories",
                                                            "data_subjects", "special_category_condition"))
        if not self.activities:
            gaps.append("no processing activity recorded")
        return self.section("purposes", lines, gaps)

    def legitimate_interests(self) -> Section:
        lines, gaps = [], []
        for act in self.activities:
            if LegalBasis.legitimate_interests not in act.legal_basis:
                continue
            if act.legitimate_interest:
                lines.append(f"- {_md(act.name)}: {_sentence(act.legitimate_interest)}")
            else:
                gaps.append(f"legitimate interest not described for activity {act.id} (Art 13(1)(d))")
                lines.append(f"- {_md(act.name)}: our legitimate interests.")
            gaps += self.assumed(act, f"activity {act.id}", ("legitimate_interest",))
        if not lines:
            lines = ["We do not rely on legitimate interests (Art 6(1)(f)) for any of the processing above."]
        else:
            lines = ["Where we rely on legitimate interests (Art 6(1)(f)), these are the interests:", "",
                     *lines, "", "You can object to this processing at any time (see Your rights)."]
        return self.section("legitimate_interests", lines, gaps)

    # -- Art 13(1)(e)-(f) ----------------------------------------------------------------

    def recipients(self) -> Section:
        lines, gaps = [], []
        if not self.r.recipients:
            lines.append("We do not disclose your personal data to anyone outside our organisation.")
        categories = [rec.id for rec in self.r.recipients if rec.placeholder]
        if categories:
            gaps.append("recipients named only as a category, not a company: name them, or confirm the "
                        "category is specific enough (Art 13(1)(e)): " + ", ".join(categories))
        for rec in self.r.recipients:
            lines.append(f"- **{_md(rec.name)}**: {self.role_text(rec)}" + self.recipient_detail(rec))
            if rec.role is RecipientRole.joint_controller and rec.joint_controller_arrangement is None:
                gaps.append(f"joint controller {rec.id}: no arrangement recorded, whose essence must be "
                            "made available (Art 26(2))")
            if rec.id not in self.links and not self.via(rec):
                gaps.append(f"recipient {rec.id} is not linked to any processing activity")
            gaps += self.assumed(rec, f"recipient {rec.id}", ("name", "role", "countries"))
        return self.section("recipients", lines, gaps)

    def role_text(self, rec: Recipient) -> str:
        parent = self.name(rec.parent) if rec.parent else ""
        text = self.w["role"][rec.role].format(parent=parent)
        if rec.category:
            text = f"{_md(rec.category)}; {text}"
        if rec.placeholder:
            text += " (category of recipient)"
        return text

    def uses_of(self, rec: Recipient) -> list[tuple[str, list[str]]]:
        """('activity: why', data category names) for each activity disclosing to ``rec``."""
        uses = []
        for act, link in self.links.get(rec.id, []):
            cats = link.data_categories or act.data_categories
            why = f" ({_md(link.purpose)})" if link.purpose else ""
            uses.append((_md(act.name) + why, [self.taxonomy_name(c) for c in cats]))
        return uses

    def taxonomy_name(self, ref: DataCategoryRef) -> str:
        extra = {t.fides_key: t.name for t in self.r.taxonomy.data_categories}
        return _md(label("data_categories", ref.key, extra))

    def via(self, rec: Recipient) -> list[str]:
        """Names of the processors up the chain through which a sub-processor receives data."""
        chain, seen = [], {rec.id}
        parent = rec.parent
        while parent and parent not in seen:
            seen.add(parent)
            chain.append(self.name(parent))
            if parent in self.links:
                return chain
            parent = self.r.recipient(parent).parent
        return []

    def recipient_detail(self, rec: Recipient) -> str:
        parts = []
        if rec.countries:
            parts.append(f"located in {', '.join(country_name(c) for c in rec.countries)}")
        uses = self.uses_of(rec)
        if uses:
            parts.append("for " + _join(u for u, _ in uses))
            parts.append("data: " + _join((c for _, cats in uses for c in cats), ", "))
        elif self.via(rec):
            parts.append(f"handles data we give to {self.via(rec)[-1]}")
        if rec.privacy_policy_url:
            parts.append(f"its privacy policy: {_md(rec.privacy_policy_url)}")
        if not parts:
            return "."
        return f". {_first_upper('. '.join(_first_upper(p) for p in parts))}."

    def transfers(self) -> Section:
        rows, gaps, unknown = [], [], []
        for t in classify_transfers(self.r):
            how = self.w["mechanism"].get(t.mechanism, t.mechanism)
            cite = _join([t.decision or "", t.article or ""]).replace("; ", ", ")
            cite = f", {_md(cite)}" if cite else ""
            via = f" (onward transfer by {_md(t.exporter_name)})" if t.onward else ""
            where = _md(t.country_name) if t.country else self.w["unknown_country"]
            rows.append(f"- {_md(t.importer_name)}, {where}{via}: {how}{cite}.")
            if not t.country:
                unknown.append(t.importer)
            elif t.status == "no lawful mechanism":
                gaps.append(f"transfer to {t.importer} in {t.country} has no safeguard recorded (Art 46, "
                            "Art 49, Art 13(1)(f))")
            elif t.status != "compliant":
                gaps.append(f"transfer to {t.importer} in {t.country}: {t.status}"
                            + (f": {_md(t.note)}" if t.note else ""))
        if unknown:
            gaps.insert(0, "country not recorded, so the notice cannot say whether their data leaves the "
                           "EEA (recipient countries, Art 13(1)(f)): " + ", ".join(dict.fromkeys(unknown)))
        if not rows:
            return self.section("transfers", ["We do not transfer your personal data to countries outside "
                                              "the European Economic Area."], gaps)
        lines = ["Some recipients are in countries outside the European Economic Area. Each transfer "
                 "relies on:", "", *dict.fromkeys(rows), "",
                 f"You can obtain a copy of the safeguards by contacting us at {_how_to_reach(self.r)}."]
        org = self.r.organisation
        if org.country and org.established_in_eu is False:
            lines = [f"We are established in {country_name(org.country)}, outside the European Union; "
                     "the data you give us is processed there.", "", *lines]
        return self.section("transfers", lines, gaps)

    # -- Art 13(2) -----------------------------------------------------------------------

    def retention(self) -> Section:
        lines, gaps = [], []
        for act in self.activities:
            rules = [_retention_sentence(self.r, rule) for rule in act.retention]
            lines.append(f"- {_md(act.name)}: {_join(rules) or 'Period not yet set'}.")
            gaps += _retention_gaps(self.r, act)
            gaps += self.assumed(act, f"activity {act.id}", ("retention",))
            for rule in act.retention:
                gaps += self.assumed(rule, f"activity {act.id}", prefix="retention.")
        return self.section("retention", lines, gaps)

    def rights(self) -> Section:
        recorded = {c.right: c for c in self.r.commitments.rights}
        wanted = [DataSubjectRight.access, DataSubjectRight.rectification, DataSubjectRight.erasure,
                  DataSubjectRight.restriction, DataSubjectRight.portability, DataSubjectRight.objection]
        if any(LegalBasis.consent in a.legal_basis or a.special_category_condition
               is SpecialCategoryCondition.explicit_consent for a in self.activities):
            wanted.append(DataSubjectRight.withdraw_consent)
        if any(a.automated_decision_making and not _is_none(a.automated_decision_making)
               for a in self.activities):
            wanted.append(DataSubjectRight.automated_decisions)
        wanted += [r for r in recorded if r not in wanted and r is not DataSubjectRight.complaint]
        lines = ["You have the right:", ""]
        gaps, unrecorded = [], []
        reach = _how_to_reach(self.r)
        for right in wanted:
            text = f"- **{self.w['right_name'][right]}** ({right.article}): {self.w['rights'][right]}."
            commitment = recorded.get(right)
            if commitment is None or not commitment.how:
                text += f" Contact us at {reach}."
                unrecorded.append(right.value)
            if commitment is not None:
                text += _commitment_text(commitment)
                gaps += self.assumed(commitment, f"right {right.value}", ("how", "response_time"))
            lines.append(text)
        if unrecorded:
            gaps.insert(0, "how these rights are exercised and answered is not recorded "
                           "(commitments.rights): " + ", ".join(unrecorded))
        for act in self.activities:
            if LegalBasis.consent in act.legal_basis and act.consent_withdrawal:
                how = _sentence(act.consent_withdrawal)
                lines.append(f"- To withdraw consent for {_md(act.name)}: {how}")
        return self.section("rights", lines, gaps)

    def complaint(self) -> Section:
        org = self.r.organisation
        lines = ["You can lodge a complaint with a supervisory authority, in particular in the EU "
                 "member state where you live, where you work or where you think the law was "
                 "infringed (Art 77)."]
        if org.lead_supervisory_authority:
            lines.append(f"Our lead supervisory authority is {_md(org.lead_supervisory_authority)}.")
        rights = self.r.commitments.rights
        complaint = next((c for c in rights if c.right is DataSubjectRight.complaint), None)
        if complaint is not None and (complaint.how or complaint.response_time):
            lines.append(_commitment_text(complaint).strip())
        gaps = self.assumed(org, "organisation", ("lead_supervisory_authority",))
        if org.established_in_eu and not org.lead_supervisory_authority:
            gaps.append("no lead supervisory authority recorded (organisation.lead_supervisory_authority)")
        return self.section("complaint", lines, gaps)

    def provision(self) -> Section:
        lines, gaps, missing = [], [], []
        for act in self.activities:
            if act.provision_requirement:
                lines.append(f"- {_md(act.name)}: {_sentence(act.provision_requirement)}")
            elif any(s.type is SourceType.data_subject for s in act.sources):
                missing.append(act.id)
            gaps += self.assumed(act, f"activity {act.id}", ("provision_requirement",))
        if missing:
            gaps.insert(0, "whether providing the data is required, and what happens if it is not, is not "
                           "recorded for data collected from the person (provision_requirement, "
                           "Art 13(2)(e)): " + ", ".join(missing))
        if not lines:
            lines = ["Not yet stated."]
        return self.section("provision", lines, gaps)

    def automated_decisions(self) -> Section:
        lines, gaps, none_said = [], [], []
        missing = [a.id for a in self.activities if not a.automated_decision_making]
        if missing:
            gaps.append("whether there is automated decision-making, including profiling, is not recorded "
                        "(automated_decision_making: 'none' or a description, Art 13(2)(f), Art 22): "
                        + ", ".join(missing))
        for act in self.activities:
            text = act.automated_decision_making
            if not text:
                continue
            elif _is_none(text):
                none_said.append(act)
            else:
                lines.append(f"- {_md(act.name)}: {_sentence(text)}")
        if lines:
            lines = ["We make decisions based solely on automated processing, including profiling, "
                     "in the following cases:", "", *lines]
        elif none_said and not gaps:
            lines = ["We do not make decisions based solely on automated processing, including "
                     "profiling, that produce legal or similarly significant effects for you."]
        else:
            lines = ["Not yet stated."]
        return self.section("automated_decisions", lines, gaps)

    def sources(self) -> Section:
        lines, gaps = [], []
        missing = [a.id for a in self.activities if not a.sources]
        if missing:
            gaps.append("source of the personal data not recorded (sources, Art 14(2)(f)): "
                        + ", ".join(missing))
        for act in self.activities:
            if not act.sources:
                continue
            parts = []
            for src in act.sources:
                text = self.w["source"][src.type]
                if src.party:
                    text += f" ({self.name(src.party)})"
                if src.description:
                    text += f": {_md(src.description)}"
                parts.append(text)
                if src.type in (SourceType.third_party, SourceType.public_source) and not (
                        src.party or src.description):
                    gaps.append(f"activity {act.id}: the third-party or public source is not identified "
                                "(Art 14(2)(f))")
            lines.append(f"- {_md(act.name)}: {_join(parts)}.")
            gaps += self.assumed(act, f"activity {act.id}", ("sources",))
            for src in act.sources:
                gaps += self.assumed(src, f"activity {act.id}", prefix="sources.")
        return self.section("sources", lines or ["Not yet stated."], gaps)

    # -- Other topics the register records ------------------------------------------------

    def cookies(self) -> Section:
        cookies = self.r.commitments.cookies
        gaps = []
        if not cookies:
            return self.section("cookies", ["Not yet stated."], [
                "no cookies or similar trackers recorded (commitments.cookies): record them, or record "
                "that there are none (type: none) (ePrivacy Art 5(3))"])
        lines = ["| Name | Set by | Purpose | Type | Consent | Duration |", "|---|---|---|---|---|---|"]
        for c in cookies:
            by = self.name(c.provider) if c.provider else "us"
            if c.consent_required is None:
                consent = "not stated"
                gaps.append(f"cookie {c.id}: whether consent is asked is not recorded (ePrivacy Art 5(3))")
            else:
                consent = "required" if c.consent_required else "not required"
            if c.consent_mechanism:
                consent += f": {_md(c.consent_mechanism)}"
            cells = [_md(c.name), by, _md(c.purpose), c.type.replace("_", " "), consent,
                     _md(c.duration) if c.duration else ""]
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
            gaps += self.assumed(c, f"cookie {c.id}", ("consent_required", "type", "purpose"))
        return self.section("cookies", lines, gaps)

    def children(self) -> Section:
        policy = self.r.commitments.children
        lines, gaps = [], []
        if policy is None:
            gaps.append("children policy not recorded (commitments.children) (Art 8)")
        else:
            if policy.directed_at_children is False:
                lines.append("Our services are not directed at children.")
            elif policy.directed_at_children:
                lines.append("Some of our services are directed at children.")
            if policy.minimum_age is not None:
                lines.append(f"We do not knowingly collect personal data from children under "
                             f"{policy.minimum_age}.")
            if policy.age_verification:
                lines.append(f"Age check: {_sentence(policy.age_verification)}")
            if policy.on_discovery:
                lines.append(f"If we find we hold a child's data: {_sentence(policy.on_discovery)}")
            gaps += self.assumed(policy, "children policy", ("minimum_age", "on_discovery"))
        for act in self.activities:
            if act.children_data:
                check = f" Age check: {_sentence(act.age_verification)}" if act.age_verification else ""
                lines.append(f"- {_md(act.name)} processes children's data.{check}")
        return self.section("children", lines or ["Not yet stated."], gaps)

    def security(self) -> Section:
        """Measure names only: descriptions are working notes for the record (Art 30(1)(g))."""
        return self.section("security", [f"- {_md(m.name)}" for m in self.r.security_measures])

    def breach(self) -> Section:
        proc = self.r.commitments.breach_procedure
        if proc is None or not proc.data_subject_notification:
            return self.section("breach", [])
        return self.section("breach", [_sentence(proc.data_subject_notification)])

    def assumed(self, record, who: str, fields: Iterable[str] | None = None, prefix: str = "") -> list[str]:
        """'record: field' for each assumption to confirm on a field the notice states (Art 5(1)(a)).

        Only the record and field are named, not the assumption's wording: that is in the register
        (and the workbook), and free text here would read as part of the notice to a policy check.
        """
        wanted = set(fields) if fields is not None else None
        return [_ToConfirm(f"{who}\t{prefix}{a.field}") for a in record.assumptions
                if a.to_confirm and (wanted is None or a.field.split(".")[0].split("[")[0] in wanted)]


def _condition(cond: SpecialCategoryCondition) -> str:
    return cond.name.replace("_", " ")


def _commitment_text(commitment) -> str:
    text = ""
    if commitment.how:
        text += f" How: {_sentence(commitment.how)}"
    if commitment.response_time and _DURATION.match(commitment.response_time):
        text += f" We answer within {duration_text(commitment.response_time)}."
    elif commitment.response_time:
        text += f" Response time: {_sentence(commitment.response_time)}"
    if commitment.limitations:
        text += f" Limits: {_sentence(commitment.limitations)}"
    return text


def _recorded(rule: Retention) -> bool:
    """A rule gives the period, or in words the criteria that set it (Art 13(2)(a)). A period the
    register marks 'not_stated' is a gap whatever else the rule says; a start event alone is too."""
    if rule.period == "not_stated":
        return False
    return bool(rule.period or rule.description)


_EVENT_WORDS = {"until", "till", "while", "as", "from", "after", "at", "on", "upon", "during", "for", "when"}


def _retention_sentence(register: Register, rule: Retention) -> str:
    trigger = _md(rule.trigger).rstrip(".") if rule.trigger else ""
    if trigger and trigger.split()[0].lower() not in _EVENT_WORDS:
        trigger = f"from {trigger}"
    if rule.period == "not_stated" or not _recorded(rule):
        text, trigger = "period not yet set", trigger.replace("from ", "counted from ", 1)
        text += "," if trigger else ""
    elif rule.period == "indefinite":
        text = "kept without a fixed time limit"
    elif rule.period and rule.period != "not_stated":
        text = duration_text(rule.period)
        if text == "not stored" and trigger:
            text, trigger = "deleted", trigger.replace("from ", "at ", 1)
    else:
        text = ""
    text = f"{text} {trigger}".strip()
    if rule.description:
        description = _md(rule.description).rstrip(".")
        text = f"{text} ({description})" if text else description
    if rule.data_categories:
        text += " for " + ", ".join(category_name(register, c) for c in rule.data_categories)
    return _first_upper(text.strip())


def _retention_gaps(register: Register, act: ProcessingActivity) -> list[str]:
    """Art 13(2)(a): each category of data needs a period or the criteria used to set it."""
    recorded = [r for r in act.retention if _recorded(r)]
    if not recorded:
        return [f"retention not recorded for activity {act.id} (Art 13(2)(a))"]
    gaps = []
    if any(r.period == "indefinite" and not r.description for r in recorded):
        gaps.append(f"retention is 'indefinite' for activity {act.id}: give the period or the criteria "
                    "that set it (Art 13(2)(a))")
    if not any(not r.data_categories for r in recorded):
        covered = {c.key for r in recorded for c in r.data_categories}
        missing = [c for c in act.data_categories if c.key not in covered]
        if missing:
            names = ", ".join(category_name(register, c) for c in missing)
            gaps.append(f"retention not recorded for {names} in activity {act.id} (Art 13(2)(a))")
    return gaps


# --------------------------------------------------------------------------
# The notice
# --------------------------------------------------------------------------

SECTION_ORDER = (
    "controller", "dpo", "representative", "purposes", "legitimate_interests", "recipients",
    "transfers", "retention", "rights", "complaint", "provision", "automated_decisions", "sources",
    "cookies", "children", "security", "breach",
)
OPTIONAL = {"security", "breach"}
"""Sections left out when the register records nothing for them (they are not Art 13 items)."""


def draft_notice(register: Register, lang: str = "en") -> Notice:
    """Draft an Art 13/14 privacy notice from ``register``, listing every gap it leaves."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"no privacy notice wording for language '{lang}' yet "
                              f"(available: {', '.join(sorted(LANGUAGES))})")
    words = LANGUAGES[lang]
    draft = _Draft(register, words)
    sections = [getattr(draft, key)() for key in SECTION_ORDER]
    sections = [s for s in sections if s.body or s.key not in OPTIONAL]
    gaps = list(dict.fromkeys(g for s in sections for g in s.gaps))
    grouped: dict[str, list[str]] = {}
    for s in sections:
        for item in s.to_confirm:
            who, _, what = item.partition("\t")
            grouped.setdefault(who, [])
            if what not in grouped[who]:
                grouped[who].append(what)
    to_confirm = [f"{who}: {', '.join(fields)}" for who, fields in grouped.items()]

    org = register.organisation
    version = _join([f"version {org.register_version}" if org.register_version else "",
                     f"last reviewed {org.last_reviewed}" if org.last_reviewed else ""])
    lines = [f"# {words['title'].format(name=_md(org.name))}", "",
             words["draft"].format(version=f" ({version.replace(';', ',')})" if version else ""), ""]
    for s in sections:
        lines += [f"## {s.heading}", "", s.body, ""]
    title, _ = words["headings"]["gaps"]
    lines += [f"## {title}", ""]
    for s in sections:
        if s.gaps:
            lines += [f"### {s.title}", "", *[f"- [ ] {g}" for g in s.gaps], ""]
    if not gaps:
        lines += [words["no_gaps"], ""]
    if to_confirm:
        confirm_title, _ = words["headings"]["confirm"]
        lines += [f"### {confirm_title}", "", words["confirm_intro"], "",
                  *[f"- [ ] {c}" for c in to_confirm], ""]
    return Notice("\n".join(lines).rstrip() + "\n", gaps, sections, to_confirm, lang)


def write_notice(notice: Notice, path: str | Path) -> Path:
    """Write the notice to ``path`` atomically (temp file, then rename): never a partial file."""
    return atomic_write_text(path, notice.text)
