"""Draft a privacy notice (Art 13, Art 14) from the register alone, and the DPO's list of what it leaves open.

:func:`draft_notice` turns a :class:`Register` into two markdown texts. ``Notice.text`` is what a
data subject reads, one section per item of Art 13(1)-(2) (plus the Art 27 representative, the
Art 14(2)(f) source of the data, cookies and children), in the organisation's voice: it states
only what the register records as fact (Art 5(1)(a), Art 12(1)). A field the register marks as an
assumption to confirm is not stated, except data categories, purposes and recipient names, which
a reader must not be kept unaware of and which are worded "which may include" (or given by the
policy's own word for the recipient); the register keeper's remarks are left out
(:mod:`audit_lib.notice.voice`). ``Notice.dpo_text``, headed "For the DPO — not part of the
notice", lists the gaps to close before publishing, what was withheld and the remarks left out.

The notice names every recipient, every data category (its register label, and its taxonomy
name) and every purpose, so that a policy cross-check of the notice against its own register
finds nothing missing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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
from audit_lib.notice.voice import public_name, reader_text
from audit_lib.reference.countries import country_name
from audit_lib.reference.taxonomy import is_special_category, label
from audit_lib.review import Review

# --------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One section of the notice: a stable key, its heading, the article it answers, its text (empty
    when the register lets it state nothing), and what the DPO must see about it."""

    key: str
    title: str
    article: str
    body: str
    gaps: list[str] = field(default_factory=list)
    to_confirm: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.article})" if self.article else self.title


@dataclass(frozen=True)
class Notice:
    """A drafted privacy notice, in two parts that are never mixed.

    ``text`` is what a data subject reads: in the organisation's voice, stating only what the
    register records as fact. ``dpo_text`` is the DPO's list, marked as not part of the notice:
    the ``gaps`` the register leaves, what was ``withheld`` (assumptions to confirm, not stated),
    what is named only as "may include" (``to_confirm``) and the register ``remarks`` left out.
    """

    text: str
    gaps: list[str]
    sections: list[Section]
    to_confirm: list[str] = field(default_factory=list)
    lang: str = "en"
    withheld: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    dpo_text: str = ""

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


class UnknownLanguage(ValueError):
    """No notice text exists for the requested language."""


# --------------------------------------------------------------------------
# Wording (one table per language; only English so far)
# --------------------------------------------------------------------------

EN: dict[str, object] = {
    "title": "Privacy notice: {name}",
    "dpo_title": "For the DPO — not part of the notice: {name}",
    "draft": (
        "> The privacy notice was drafted from the record of processing activities{version}. It "
        "states only what the register records as fact: nothing marked as an assumption to confirm, "
        "and none of the register keeper's remarks. Check every statement, then close the gaps below "
        "before publishing."
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
        "withheld": ("Not stated in the notice: assumptions to confirm", ""),
        "confirm": ("Named with care (\"may include\"): assumptions to confirm", ""),
        "remarks": ("Register remarks left out of the notice", ""),
        "empty": ("Sections left out of the notice", ""),
    },
    "withheld_intro": "The register marks these fields as assumptions to confirm (see each record's "
    "assumptions), so the notice does not state them. Confirm each, or correct it, to have it stated:",
    "confirm_intro": "The notice names these because a reader must not be left unaware of them, "
    "worded as what the processing \"may include\"; they rest on assumptions to confirm:",
    "remarks_intro": "Clauses of register text that read as the register keeper's notes, not the "
    "organisation's statements (audit_lib.notice.voice): reword them in the register if the reader "
    "should see them.",
    "empty_intro": "The register lets the notice state nothing for these items yet (see the gaps above):",
    "recipient": "recipient",
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


_MD_SYNTAX = re.compile(r"([\\`*\[\]])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def _md(value: object) -> str:
    """Register text as one markdown line that renders as written: whitespace collapsed, raw
    HTML and entities neutralised (``&lt;``, ``&amp;``), link, code and emphasis syntax
    backslash-escaped (no ``[x](javascript:...)`` link from a name), control characters
    shown as escapes (:func:`audit_lib.io.visible.visible`)."""
    from audit_lib.io.visible import visible

    text = visible(" ".join(str(value).split()), multiline=False)
    return _MD_SYNTAX.sub(r"\\\1", _ENTITY.sub("&amp;", text)).replace("<", "&lt;")


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


def _is_none(text: str | None) -> bool:
    return bool(text) and text.strip().lower().rstrip(".") in _NONE_WORDS


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------


class _Draft:
    """Builds the sections of one notice, collecting for each what the DPO must see.

    A section's ``gaps`` are items the register does not answer; ``withheld`` are statements left
    out because their field is an assumption to confirm (nothing assumed is stated as fact);
    ``to_confirm`` are assumed fields still named in careful words ("may include") because a
    reader must not be kept unaware of them; ``remarks`` are the register keeper's notes removed
    from register text (:func:`audit_lib.notice.voice.reader_text`).
    """

    def __init__(self, register: Register, words: dict, review: Review):
        self.r = register
        self.review = review
        self.w = words
        self.org_name = register.organisation.name
        self.activities = [a for a in register.activities if a.status is not ActivityStatus.retired]
        self.links: dict[str, list[tuple[ProcessingActivity, RecipientLink]]] = {}
        self.assumed_links = {rid for a in self.activities if a.assumed("recipients")
                              for rid in a.recipient_ids}
        for act in self.activities:
            if act.assumed("recipients"):
                continue  # an assumed disclosure is not told as a fact
            for link in act.recipients:
                self.links.setdefault(link.recipient, []).append((act, link))
        self._withheld: list[str] = []
        self._hedged: list[str] = []
        self._remarks: list[str] = []

    def section(self, key: str, lines: list[str], gaps: list[str] | None = None) -> Section:
        title, article = self.w["headings"][key]
        gaps = list(dict.fromkeys(gaps or []))
        section = Section(key, title, article, "\n".join(lines).strip(), gaps,
                          list(dict.fromkeys(self._hedged)), list(dict.fromkeys(self._withheld)),
                          list(dict.fromkeys(self._remarks)))
        self._withheld, self._hedged, self._remarks = [], [], []
        return section

    def known(self, record, field: str, who: str, prefix: str = "") -> bool:
        """True when the notice may state ``field`` of ``record``; else it is noted as withheld."""
        if record.assumed(field):
            self._withheld.append(f"{who}\t{prefix}{field}")
            return False
        return True

    def hedged(self, record, field: str, who: str) -> bool:
        """True when ``field`` is an assumption: the notice names it only as 'may include'."""
        if record.assumed(field):
            self._hedged.append(f"{who}\t{field}")
            return True
        return False

    def say(self, value: object, who: str, field: str) -> str:
        """Register free text as the reader sees it: markdown-safe, the keeper's remarks removed."""
        kept, removed = reader_text(str(value) if value else "", self.org_name)
        self._remarks += [f"{who}: {field}: \u201c{_md(r)}\u201d" for r in removed]
        return _md(kept)

    def name(self, recipient_id: str) -> str:
        return _md(public_name(self.r.recipient(recipient_id)))

    def reach(self) -> str:
        """How to contact the controller, from fields that are not assumptions ('' when none)."""
        org = self.r.organisation
        contact = org.contact if org.contact is not None and not org.assumed("contact") else None
        website = org.website if not org.assumed("website") else None
        address = org.address if not org.assumed("address") else None
        for value in (contact and contact.email, contact and contact.url, website,
                      contact and contact.address, address):
            if value:
                return _md(value)
        return ""

    # -- Art 13(1)(a)-(b), Art 27 ------------------------------------------------------

    def controller(self) -> Section:
        org = self.r.organisation
        who = "organisation"
        entity = org.legal_entity if org.legal_entity and self.known(org, "legal_entity", who) else None
        lines = [f"{_md(entity or org.name)} is the controller responsible for your personal data."]
        if entity and entity != org.name:
            lines[0] = f"{_md(entity)} (\"{_md(org.name)}\") is the controller responsible " \
                       "for your personal data."
        details = []
        address = org.address if org.address and self.known(org, "address", who) else None
        country = org.country if org.country and self.known(org, "country", who) else None
        if address or country:
            where = _join([_md(address) if address else "", country_name(country) if country else ""])
            details.append(f"- Address: {where.replace('; ', ', ')}")
        website = org.website if org.website and self.known(org, "website", who) else None
        shown = {_md(org.name), _md(entity or ""), _md(website or "")}
        if org.contact is not None and self.known(org, "contact", who):
            details += [line for line in _controller_lines(org.contact)
                        if not line.startswith("- Country") and line.split(": ", 1)[1] not in shown]
        if website:
            details.append(f"- Website: {_md(website)}")
        lines += ["", *details] if details else []
        if org.joint_controllers and self.known(org, "joint_controllers", who):
            for jc in org.joint_controllers:
                details = [line for line in _contact_lines(jc) if not line.startswith("- Name:")]
                lines += ["", f"We decide jointly with {_md(jc.name or str(jc))} how and why some of your "
                              "data is processed (joint controllers, Art 26):", "", *details]
        gaps = []
        if not org.legal_entity:
            gaps.append("legal entity of the controller not recorded (organisation.legal_entity): the notice "
                        "must identify the controller (Art 13(1)(a))")
        if not (_has_contact(org.contact) or org.address):
            gaps.append("no contact details recorded for the controller (organisation.contact, address)")
        return self.section("controller", lines, gaps)

    def dpo(self) -> Section:
        org = self.r.organisation
        who = "organisation"
        if (_has_contact(org.dpo) or (org.dpo and org.dpo.name)) and self.known(org, "dpo", who):
            lines = ["You can contact our data protection officer:", "", *_contact_lines(org.dpo)]
            gaps = [] if _has_contact(org.dpo) else ["no contact details recorded for the DPO "
                                                     "(organisation.dpo) (Art 13(1)(b))"]
            return self.section("dpo", lines, gaps)
        if org.dpo_required is False and self.known(org, "dpo_required", who):
            why = ""
            if org.dpo_assessment and self.known(org, "dpo_assessment", who):
                why = self.say(org.dpo_assessment, who, "dpo_assessment")
                why = f" {_sentence(why)}" if why else ""
            return self.section("dpo", [f"We have not appointed a data protection officer, as the law "
                                        f"does not require one for our processing (Art 37).{why}"])
        self.known(org, "dpo", who)
        self.known(org, "dpo_required", who)
        reach = self.reach()
        lines = [f"Questions about how we use your data: contact us at {reach}."] if reach else []
        return self.section("dpo", lines, [
            "no DPO named (organisation.dpo), and no record that none is required "
            "(dpo_required: false with dpo_assessment) (Art 37, Art 13(1)(b))"])

    def representative(self) -> Section:
        org = self.r.organisation
        who = "organisation"
        rep = org.eu_representative
        if rep is not None and self.known(org, "eu_representative", who):
            lines = ["Our representative in the European Union (Art 27), whom you can also contact "
                     "about our processing of your data:", "", *_contact_lines(rep)]
            return self.section("representative", lines)
        established = org.established_in_eu if self.known(org, "established_in_eu", who) else None
        if established:
            return self.section("representative", ["We are established in the European Union, so we "
                                                   "have no separate representative (Art 27)."])
        offers = org.offers_goods_or_services_in_eu if self.known(
            org, "offers_goods_or_services_in_eu", who) else None
        monitors = org.monitors_behaviour_in_eu if self.known(org, "monitors_behaviour_in_eu", who) else None
        if established is False and offers is False and monitors is False:
            return self.section("representative", ["We are not established in the European Union and "
                                                   "do not offer goods or services to, or monitor, "
                                                   "people there; Art 27 does not apply."])
        if org.established_in_eu is None:
            gap = ("no EU representative named, and establishment in the EU not recorded "
                   "(organisation.established_in_eu) (Art 27)")
        else:
            gap = ("no EU representative named (organisation.eu_representative), although the "
                   "controller is not established in the EU (Art 27)")
        lines = [] if org.assumed("eu_representative") or established is None else [
            "We have not named a representative in the European Union."]
        self.known(org, "eu_representative", who)
        return self.section("representative", lines, [gap])

    # -- Art 13(1)(c)-(d) ----------------------------------------------------------------

    def purposes(self) -> Section:
        lines, gaps = [], []
        for act in self.activities:
            who = f"activity {act.id}"
            lines += [f"### {_md(act.name)}", ""]
            if act.description and self.known(act, "description", who):
                text = self.say(act.description, who, "description")
                if text:
                    lines += [_sentence(text), ""]
            names = purpose_names(self.r, act)
            if names:
                may = ", which may include" if self.hedged(act, "purposes", who) else ""
                lines.append(f"- Purposes{may}: {_join(names)}")
            else:
                gaps.append(f"no purpose recorded for activity {act.id} (Art 13(1)(c))")
            bases = [f"{self.w['basis'][b]} ({b.article})" for b in act.legal_basis]
            if bases and self.known(act, "legal_basis", who):
                lines.append(f"- Legal basis: {_join(bases)}")
            elif not bases:
                gaps.append(f"no legal basis recorded for activity {act.id} (Art 6(1), Art 13(1)(c))")
            if act.special_category_condition:
                cond = act.special_category_condition
                if self.known(act, "special_category_condition", who):
                    lines.append(f"- Special categories of data: {_condition(cond)} ({cond.article})")
            elif any(is_special_category(c.key) for c in act.data_categories):
                gaps.append(f"no Art 9(2) condition recorded for activity {act.id}, which processes "
                            "special categories of data")
            if act.criminal_data_basis and self.known(act, "criminal_data_basis", who):
                basis = self.say(act.criminal_data_basis, who, "criminal_data_basis")
                lines.append(f"- Criminal convictions and offences data: {basis} (Art 10)")
            if act.data_subjects and self.known(act, "data_subjects", who):
                people = _join(_subject_name(self.r, s) for s in act.data_subjects)
                lines.append(f"- People concerned: {people}")
            if act.data_categories:
                may = ", which may include" if self.hedged(act, "data_categories", who) else ""
                data = _join(category_name(self.r, c) for c in act.data_categories)
                lines.append(f"- Personal data{may}: {data}")
            else:
                gaps.append(f"no categories of personal data recorded for activity {act.id}")
            lines.append("")
        if not self.activities:
            gaps.append("no processing activity recorded")
        return self.section("purposes", lines, gaps)

    def legitimate_interests(self) -> Section:
        lines, gaps = [], []
        for act in self.activities:
            if LegalBasis.legitimate_interests not in act.legal_basis or act.assumed("legal_basis"):
                continue
            who = f"activity {act.id}"
            interest = ""
            if act.legitimate_interest and self.known(act, "legitimate_interest", who):
                interest = self.say(act.legitimate_interest, who, "legitimate_interest")
            if interest:
                lines.append(f"- {_md(act.name)}: {_sentence(interest)}")
            else:
                if not act.legitimate_interest:
                    gaps.append(f"legitimate interest not described for activity {act.id} (Art 13(1)(d))")
                lines.append(f"- {_md(act.name)}: our legitimate interests.")
        if lines:
            lines = ["Where we rely on legitimate interests (Art 6(1)(f)), these are the interests:", "",
                     *lines, "", "You can object to this processing at any time (see Your rights)."]
        elif not any(LegalBasis.legitimate_interests in a.legal_basis for a in self.activities):
            lines = ["We do not rely on legitimate interests (Art 6(1)(f)) for any of the processing above."]
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
            who = f"recipient {rec.id}"
            if rec.assumed("name"):
                self._hedged.append(f"{who}\tname (shown as \u201c{_md(public_name(rec))}\u201d)")
            lines.append(f"- **{self.name(rec.id)}**: {self.role_text(rec)}" + self.recipient_detail(rec))
            if rec.role is RecipientRole.joint_controller and rec.joint_controller_arrangement is None:
                gaps.append(f"joint controller {rec.id}: no arrangement recorded, whose essence must be "
                            "made available (Art 26(2))")
            if rec.id not in self.links and rec.id not in self.assumed_links and not self.via(rec):
                gaps.append(f"recipient {rec.id} is not linked to any processing activity")
        for act in self.activities:
            if act.recipients and act.assumed("recipients"):
                self._withheld.append(f"activity {act.id}\trecipients (which data goes to "
                                      f"{', '.join(dict.fromkeys(act.recipient_ids))})")
        return self.section("recipients", lines, gaps)

    def role_text(self, rec: Recipient) -> str:
        who = f"recipient {rec.id}"
        parts = []
        if rec.category:
            parts.append(self.say(rec.category, who, "category"))
        if self.known(rec, "role", who):
            parent = self.name(rec.parent) if rec.parent else ""
            parts.append(self.w["role"][rec.role].format(parent=parent))
        text = "; ".join(p for p in parts if p) or self.w["recipient"]
        if rec.placeholder:
            text += " (category of recipient)"
        return text

    def uses_of(self, rec: Recipient) -> list[tuple[str, list[str], bool]]:
        """('activity (why)', data category names, hedged) for each activity disclosing to ``rec``."""
        uses = []
        for act, link in self.links.get(rec.id, []):
            cats = link.data_categories or act.data_categories
            why = ""
            if link.purpose and not rec.assumed("role"):
                why = self.say(link.purpose, f"activity {act.id}", f"recipients[{rec.id}].purpose")
            elif link.purpose:  # the link's words name the assumed role: keep what does not
                why = self.say(_ROLE_WORDS.sub("", link.purpose), f"activity {act.id}",
                               f"recipients[{rec.id}].purpose")
            why = f" ({why.strip(' ;,')})" if why.strip(" ;,") else ""
            hedged = not link.data_categories and act.assumed("data_categories")
            uses.append((_md(act.name) + why, [self.taxonomy_name(c) for c in cats], hedged))
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
        if rec.countries and self.known(rec, "countries", f"recipient {rec.id}"):
            parts.append(f"located in {', '.join(country_name(c) for c in rec.countries)}")
        uses = self.uses_of(rec)
        if uses:
            parts.append("for " + _join(u for u, _, _ in uses))
            may = ", which may include" if any(h for _, _, h in uses) else ""
            parts.append(f"data{may}: " + _join((c for _, cats, _ in uses for c in cats), ", "))
        elif self.via(rec):
            parts.append(f"handles data we give to {self.via(rec)[-1]}")
        if rec.privacy_policy_url and self.known(rec, "privacy_policy_url", f"recipient {rec.id}"):
            parts.append(f"its privacy policy: {_md(rec.privacy_policy_url)}")
        if not parts:
            return "."
        return f". {_first_upper('. '.join(_first_upper(p) for p in parts))}."

    def transfers(self) -> Section:
        """Art 13(1)(f): where data goes outside the EEA and on what, as far as the register knows.

        The rows are the transfer classification's (one judgement, rendered here). A safeguard is
        named only when one is declared; a copy is offered only for Art 46 safeguards and
        documented Art 49(1) second-subparagraph transfers, which are what Art 13(1)(f) means.
        A country that is not recorded, or only assumed, is not named: the party is listed among
        those that may be outside the EEA.
        """
        rows, gaps, unknown, maybe = [], [], [], []
        copies = False
        org = self.r.organisation
        for t in self.review.transfers:
            if t.controller_is_importer:  # inbound: a source party exports to us (we import)
                src = _recipient_or_none(self.r, t.exporter)
                # both checked (no short-circuit), so each assumption is listed as withheld
                told = [src is None or self.known(src, "established", f"recipient {src.id}"),
                        bool(t.country) and self.known(org, "country", "organisation")]
                source = self.name(t.exporter) if src else _md(t.exporter_name)
                if not all(told):
                    gaps.append(f"inbound transfer from {t.exporter} to the controller"
                                f" ({t.country or 'country not recorded'}): {t.status} ({t.mechanism}, "
                                f"{t.article}); the notice does not state it, as where the exporter or the "
                                "controller is established is an assumption to confirm (Art 13(1)(f))")
                    continue
                where = f"{_md(org.name)}, {_md(t.country_name)} (received from {source})"
                if t.mechanism == "none" or t.status == "no lawful mechanism" and t.mechanism == "derogation":
                    rows.append(f"- {where}.")
                    gaps.append(f"inbound transfer from {t.exporter} to the controller in {t.country} has no "
                                "safeguard recorded (Art 46, Art 49): do not publish before one is in place")
                    continue
                how = self.w["mechanism"].get(t.mechanism, t.mechanism)
                cite = _join([t.decision or "", t.article or ""]).replace("; ", ", ")
                rows.append(f"- {where}: {how}{f', {_md(cite)}' if cite else ''}.")
                copies = (copies or t.mechanism in _COPY_MECHANISMS
                          or "second subparagraph" in (t.article or ""))
                if t.status != "compliant":
                    gaps.append(f"inbound transfer from {t.exporter} to the controller in {t.country}: "
                                f"{t.status}" + (f": {_md(t.note)}" if t.note else ""))
                continue
            rec = _recipient_or_none(self.r, t.importer)
            name = self.name(t.importer) if rec else _md(t.importer_name)
            if not t.country or (rec is not None and not self.known(rec, "countries", f"recipient {rec.id}")):
                maybe.append(name)
                if not t.country:
                    unknown.append(t.importer)
                else:
                    gaps.append(f"transfer to {t.importer}: its country ({t.country}) is an assumption to "
                                "confirm, so the notice does not name it (Art 13(1)(f))")
                if t.status != "compliant":
                    gaps.append(f"transfer to {t.importer} ({t.country or 'country not recorded'}): "
                                f"{t.status} ({t.mechanism}, {t.article}); the notice names no safeguard")
                continue
            via = f" (onward transfer by {self.name(t.exporter)})" if t.onward and \
                _recipient_or_none(self.r, t.exporter) else ""
            where = _md(t.country_name)
            if t.mechanism == "none" or t.status == "no lawful mechanism" and t.mechanism == "derogation":
                rows.append(f"- {name}, {where}{via}.")
                gaps.append(f"transfer to {t.importer} in {t.country} has no safeguard recorded (Art 46, "
                            "Art 49, Art 13(1)(f)): the notice names the transfer and no safeguard; do not "
                            "publish before one is in place")
                continue
            how = self.w["mechanism"].get(t.mechanism, t.mechanism)
            cite = _join([t.decision or "", t.article or ""]).replace("; ", ", ")
            cite = f", {_md(cite)}" if cite else ""
            rows.append(f"- {name}, {where}{via}: {how}{cite}.")
            copies = copies or t.mechanism in _COPY_MECHANISMS or "second subparagraph" in (t.article or "")
            if t.status != "compliant":
                gaps.append(f"transfer to {t.importer} in {t.country}: {t.status}"
                            + (f": {_md(t.note)}" if t.note else ""))
        if unknown:
            gaps.insert(0, "country not recorded, so the notice cannot say whether their data leaves the "
                           "EEA (recipient countries, Art 13(1)(f)): " + ", ".join(dict.fromkeys(unknown)))
        lines = []
        if org.country and org.established_in_eu is False and self.known(org, "country", "organisation") \
                and self.known(org, "established_in_eu", "organisation"):
            lines = [f"We are established in {country_name(org.country)}, outside the European Union; "
                     "the data you give us is processed there.", ""]
        if rows:
            lines += ["Some recipients are in countries outside the European Economic Area:", "",
                      *dict.fromkeys(rows), ""]
        if maybe:
            lines += ["These recipients may be located outside the European Economic Area: "
                      + _join(dict.fromkeys(maybe)) + ".", ""]
        if copies:
            reach = self.reach()
            lines.append("You can obtain a copy of the safeguards by contacting us"
                         + (f" at {reach}." if reach else "."))
        if not rows and not maybe and not lines:
            lines = ["We do not transfer your personal data to countries outside the European Economic Area."]
        return self.section("transfers", lines, gaps)

    # -- Art 13(2) -----------------------------------------------------------------------

    def retention(self) -> Section:
        """Art 13(2)(a): a period or the criteria per activity; those without one are named once."""
        lines, gaps, unset = [], [], []
        for act in self.activities:
            who = f"activity {act.id}"
            rules = []
            if self.known(act, "retention", who):
                for rule in act.retention:
                    if _recorded(rule) and self.known(rule, "period", who, "retention.") \
                            and self.known(rule, "description", who, "retention."):
                        rules.append(self.rule_sentence(rule, who))
            rules = [r for r in rules if r]
            gaps += _retention_gaps(self.r, act)
            if rules:
                lines.append(f"- {_md(act.name)}: {_join(rules)}.")
            else:
                unset.append(_md(act.name))
        if unset:
            lines += [""] * bool(lines) + ["We have not yet set how long we keep the data used for: "
                                            + _join(unset) + "."]
        return self.section("retention", lines, gaps)

    def rule_sentence(self, rule: Retention, who: str) -> str:
        description = self.say(rule.description, who, "retention.description") if rule.description else ""
        trigger = self.say(rule.trigger, who, "retention.trigger") if rule.trigger else ""
        shown = rule.model_copy(update={"description": description or None, "trigger": trigger or None})
        if not _recorded(shown):
            return ""
        return _retention_sentence(self.r, shown)

    def rights(self) -> Section:
        recorded: dict[DataSubjectRight, list] = {}
        for c in self.r.commitments.rights:
            if not c.assumed("right"):
                recorded.setdefault(c.right, []).append(c)
        for c in self.r.commitments.rights:
            self.known(c, "right", f"right {c.right.value}")
        wanted = [DataSubjectRight.access, DataSubjectRight.rectification, DataSubjectRight.erasure,
                  DataSubjectRight.restriction, DataSubjectRight.portability, DataSubjectRight.objection]
        if any(LegalBasis.consent in a.legal_basis or a.special_category_condition
               is SpecialCategoryCondition.explicit_consent for a in self.activities):
            wanted.append(DataSubjectRight.withdraw_consent)
        if any(a.automated_decision_making and not _is_none(a.automated_decision_making)
               and not a.assumed("automated_decision_making") for a in self.activities):
            wanted.append(DataSubjectRight.automated_decisions)
        wanted += [r for r in recorded if r not in wanted and r is not DataSubjectRight.complaint]
        reach = self.reach()
        lines = ["You have the right:", ""]
        gaps, unrecorded = [], []
        for right in wanted:
            text = f"- **{self.w['right_name'][right]}** ({right.article}): {self.w['rights'][right]}."
            commitments = recorded.get(right, [])
            said = "".join(self.commitment_text(c, f"right {right.value}") for c in commitments)
            if not any(c.how for c in commitments):
                unrecorded.append(right.value)
            lines.append(text + said)
        if unrecorded:
            gaps.insert(0, "how these rights are exercised and answered is not recorded "
                           "(commitments.rights): " + ", ".join(unrecorded))
        for act in self.activities:
            if LegalBasis.consent in act.legal_basis and act.consent_withdrawal and \
                    self.known(act, "consent_withdrawal", f"activity {act.id}"):
                how = self.say(act.consent_withdrawal, f"activity {act.id}", "consent_withdrawal")
                if how:
                    lines.append(f"- To withdraw consent for {_md(act.name)}: {_sentence(how)}")
        if reach:
            lines += ["", f"To exercise any of these rights, contact us at {reach}."]
        return self.section("rights", lines, gaps)

    def commitment_text(self, commitment, who: str) -> str:
        """' How: ... We answer within ... Limits: ...' from the fields that are not assumptions."""
        text = ""
        if commitment.how and self.known(commitment, "how", who):
            how = self.say(commitment.how, who, "how")
            text += f" How: {_sentence(how)}" if how else ""
        if commitment.response_time and self.known(commitment, "response_time", who):
            if _DURATION.match(commitment.response_time):
                text += f" We answer within {duration_text(commitment.response_time)}."
            elif said := self.say(commitment.response_time, who, "response_time"):
                text += f" Response time: {_sentence(said)}"
        if commitment.limitations and self.known(commitment, "limitations", who):
            limits = self.say(commitment.limitations, who, "limitations")
            text += f" Limits: {_sentence(limits)}" if limits else ""
        return text

    def complaint(self) -> Section:
        org = self.r.organisation
        lines = ["You can lodge a complaint with a supervisory authority, in particular in the EU "
                 "member state where you live, where you work or where you think the law was "
                 "infringed (Art 77)."]
        if org.lead_supervisory_authority and self.known(org, "lead_supervisory_authority", "organisation"):
            lines.append(f"Our lead supervisory authority is {_md(org.lead_supervisory_authority)}.")
        rights = self.r.commitments.rights
        for complaint in (c for c in rights if c.right is DataSubjectRight.complaint):
            if said := self.commitment_text(complaint, "right complaint").strip():
                lines.append(said)
        gaps = []
        if org.established_in_eu and not org.lead_supervisory_authority:
            gaps.append("no lead supervisory authority recorded (organisation.lead_supervisory_authority)")
        return self.section("complaint", lines, gaps)

    def provision(self) -> Section:
        lines, gaps, missing = [], [], []
        for act in self.activities:
            who = f"activity {act.id}"
            if act.provision_requirement:
                if self.known(act, "provision_requirement", who):
                    said = self.say(act.provision_requirement, who, "provision_requirement")
                    if said:
                        lines.append(f"- {_md(act.name)}: {_sentence(said)}")
            elif any(s.type is SourceType.data_subject for s in act.sources):
                missing.append(act.id)
        if missing:
            gaps.insert(0, "whether providing the data is required, and what happens if it is not, is not "
                           "recorded for data collected from the person (provision_requirement, "
                           "Art 13(2)(e)): " + ", ".join(missing))
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
            if not text or not self.known(act, "automated_decision_making", f"activity {act.id}"):
                continue
            elif _is_none(text):
                none_said.append(act)
            elif said := self.say(text, f"activity {act.id}", "automated_decision_making"):
                lines.append(f"- {_md(act.name)}: {_sentence(said)}")
        if lines:
            lines = ["We make decisions based solely on automated processing, including profiling, "
                     "in the following cases:", "", *lines]
        elif none_said and len(none_said) == len(self.activities):
            lines = ["We do not make decisions based solely on automated processing, including "
                     "profiling, that produce legal or similarly significant effects for you."]
        return self.section("automated_decisions", lines, gaps)

    def sources(self) -> Section:
        lines, gaps = [], []
        missing = [a.id for a in self.activities if not a.sources]
        if missing:
            gaps.append("source of the personal data not recorded (sources, Art 14(2)(f)): "
                        + ", ".join(missing))
        for act in self.activities:
            who = f"activity {act.id}"
            if not act.sources or not self.known(act, "sources", who):
                continue
            parts = []
            for i, src in enumerate(act.sources):
                text = self.w["source"][src.type]
                if src.party and self.known(src, "party", who, f"sources[{i}]."):
                    text += f" ({self.name(src.party)})"
                if src.description and self.known(src, "description", who, f"sources[{i}]."):
                    said = self.say(src.description, who, f"sources[{i}].description")
                    text += f": {said}" if said else ""
                parts.append(text)
                if src.type in (SourceType.third_party, SourceType.public_source) and not (
                        src.party or src.description):
                    gaps.append(f"activity {act.id}: the third-party or public source is not identified "
                                "(Art 14(2)(f))")
            lines.append(f"- {_md(act.name)}: {_join(parts)}.")
        return self.section("sources", lines, gaps)

    # -- Other topics the register records ------------------------------------------------

    def cookies(self) -> Section:
        cookies = self.r.commitments.cookies
        gaps = []
        if not cookies:
            return self.section("cookies", [], [
                "no cookies or similar trackers recorded (commitments.cookies): record them, or record "
                "that there are none (type: none) (ePrivacy Art 5(3))"])
        lines = ["| Name | Set by | Purpose | Type | Consent | Duration |", "|---|---|---|---|---|---|"]
        for c in cookies:
            who = f"cookie {c.id}"
            if c.assumed("name"):
                self._hedged.append(f"{who}\tname (a description of the cookie, not its own name)")
            by = self.name(c.provider) if c.provider else "us"
            consent = ""
            if c.consent_required is None:
                gaps.append(f"cookie {c.id}: whether consent is asked is not recorded (ePrivacy Art 5(3))")
            elif self.known(c, "consent_required", who):
                consent = "required" if c.consent_required else "not required"
            if c.consent_mechanism and self.known(c, "consent_mechanism", who):
                mechanism = self.say(c.consent_mechanism, who, "consent_mechanism")
                consent += f": {mechanism}" if consent and mechanism else mechanism
            purpose = self.say(c.purpose, who, "purpose") if self.known(c, "purpose", who) else ""
            kind = c.type.replace("_", " ") if self.known(c, "type", who) else ""
            duration = self.say(c.duration, who, "duration") if c.duration and self.known(
                c, "duration", who) else ""
            cells = [_md(c.name), by, purpose, kind, consent, duration]
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        return self.section("cookies", lines, gaps)

    def children(self) -> Section:
        policy = self.r.commitments.children
        lines, gaps = [], []
        who = "children policy"
        if policy is None:
            gaps.append("children policy not recorded (commitments.children) (Art 8)")
        else:
            if policy.directed_at_children is not None and self.known(policy, "directed_at_children", who):
                lines.append("Our services are not directed at children." if not policy.directed_at_children
                             else "Some of our services are directed at children.")
            if policy.minimum_age is not None and self.known(policy, "minimum_age", who):
                lines.append(f"We do not knowingly collect personal data from children under "
                             f"{policy.minimum_age}.")
            if policy.age_verification and self.known(policy, "age_verification", who) and (
                    said := self.say(policy.age_verification, who, "age_verification")):
                lines.append(f"Age check: {_sentence(said)}")
            if policy.on_discovery and self.known(policy, "on_discovery", who) and (
                    said := self.say(policy.on_discovery, who, "on_discovery")):
                lines.append(f"If we find we hold a child's data: {_sentence(said)}")
        for act in self.activities:
            if act.children_data and self.known(act, "children_data", f"activity {act.id}"):
                check = ""
                if act.age_verification and self.known(act, "age_verification", f"activity {act.id}"):
                    said = self.say(act.age_verification, f"activity {act.id}", "age_verification")
                    check = f" Age check: {_sentence(said)}" if said else ""
                lines.append(f"- {_md(act.name)} processes children's data.{check}")
        return self.section("children", lines, gaps)

    def security(self) -> Section:
        """Measure names only: descriptions are working notes for the record (Art 30(1)(g))."""
        return self.section("security", [f"- {_md(m.name)}" for m in self.r.security_measures])

    def breach(self) -> Section:
        proc = self.r.commitments.breach_procedure
        if proc is None or not proc.data_subject_notification:
            return self.section("breach", [])
        said = self.say(proc.data_subject_notification, "breach procedure", "data_subject_notification")
        return self.section("breach", [_sentence(said)] if said else [])


_COPY_MECHANISMS = {"scc", "bcr", "code_of_conduct", "certification", "ad_hoc_clauses"}
"""Art 46-47 safeguards: Art 13(1)(f) says the reader can obtain a copy of them (and of the safeguards
of an Art 49(1) second-subparagraph transfer, told apart by its article)."""
_ROLE_WORDS = re.compile(r"\s*\((?:[^()]*\b(?:controller|processor)\b[^()]*)\)|\b(?:independent|joint) "
                         r"controller\b|\b(?:sub-)?processor\b", re.I)


def _recipient_or_none(register: Register, rid: str) -> Recipient | None:
    try:
        return register.recipient(rid)
    except (KeyError, LookupError, ValueError):
        return None


def _condition(cond: SpecialCategoryCondition) -> str:
    return cond.name.replace("_", " ")


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


def draft_notice(register: Register, lang: str = "en", *, review: Review | None = None) -> Notice:
    """Draft an Art 13/14 privacy notice from ``register``: the reader's text and the DPO's list.
    Its transfers are those of ``review`` (the command's; one is built, as of today, when not given)."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"no privacy notice wording for language '{lang}' yet "
                              f"(available: {', '.join(sorted(LANGUAGES))})")
    words = LANGUAGES[lang]
    draft = _Draft(register, words, review if review is not None else Review(register))
    sections = [getattr(draft, key)() for key in SECTION_ORDER]
    sections = [s for s in sections if s.body or s.key not in OPTIONAL]
    gaps = list(dict.fromkeys(g for s in sections for g in s.gaps))
    withheld = _grouped(i for s in sections for i in s.withheld)
    to_confirm = _grouped(i for s in sections for i in s.to_confirm)
    remarks = list(dict.fromkeys(r for s in sections for r in s.remarks))

    org = register.organisation
    lines = [f"# {words['title'].format(name=_md(org.name))}", ""]
    for s in sections:
        if s.body:
            lines += [f"## {s.heading}", "", s.body, ""]
    text = "\n".join(lines).rstrip() + "\n"
    notice = Notice(text, gaps, sections, to_confirm, lang, withheld, remarks)
    return dataclasses.replace(notice, dpo_text=_dpo_text(register, notice, words))


def _grouped(items: Iterable[str]) -> list[str]:
    """'who\tfield' items as one 'who: field, field' line per record, in order."""
    grouped: dict[str, list[str]] = {}
    for item in items:
        who, _, what = item.partition("\t")
        fields = grouped.setdefault(who, [])
        if what not in fields:
            fields.append(what)
    return [f"{who}: {', '.join(fields)}" for who, fields in grouped.items()]


def _dpo_text(register: Register, notice: Notice, words: dict) -> str:
    """The DPO's list for a notice, headed as not part of it."""
    org = register.organisation
    version = _join([f"version {org.register_version}" if org.register_version else "",
                     f"last reviewed {org.last_reviewed}" if org.last_reviewed else ""])
    lines = [f"# {words['dpo_title'].format(name=_md(org.name))}", "",
             words["draft"].format(version=f" ({version.replace(';', ',')})" if version else ""), ""]
    title, _ = words["headings"]["gaps"]
    lines += [f"## {title}", ""]
    for s in notice.sections:
        if s.gaps:
            lines += [f"### {s.title}", "", *[f"- [ ] {g}" for g in s.gaps], ""]
    if not notice.gaps:
        lines += [words["no_gaps"], ""]
    empty = [s.heading for s in notice.sections if not s.body]
    for key, items, intro in (("withheld", notice.withheld, "withheld_intro"),
                              ("confirm", notice.to_confirm, "confirm_intro"),
                              ("remarks", notice.remarks, "remarks_intro"),
                              ("empty", empty, "empty_intro")):
        if items:
            heading, _ = words["headings"][key]
            lines += [f"## {heading}", "", words[intro], "", *[f"- [ ] {i}" for i in items], ""]
    return "\n".join(lines).rstrip() + "\n"


def write_notice(notice: Notice, path: str | Path, dpo_path: str | Path | None = None) -> Path:
    """Write the reader's text to ``path`` (and the DPO's list to ``dpo_path``) atomically (temp
    file, then rename): never a partial file."""
    if dpo_path is not None:
        atomic_write_text(dpo_path, notice.dpo_text)
    return atomic_write_text(path, notice.text)
