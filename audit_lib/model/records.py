"""Typed model of a GDPR record of processing activities (Art 30).

Models are named like the law. Every record carries ``evidence`` (the sentence
of the published policy it is based on) and ``assumptions`` (what the register
keeper inferred where the source is silent, marked to be confirmed), so a
reader can trace each entry back to its source.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from audit_lib.reference.countries import normalise_country

# --------------------------------------------------------------------------
# Enumerations (str Enums, so YAML and JSON carry the plain value)
# --------------------------------------------------------------------------


class LegalBasis(str, Enum):
    """Art 6(1) lawful bases."""

    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    vital_interests = "vital_interests"
    public_task = "public_task"
    legitimate_interests = "legitimate_interests"

    @property
    def article(self) -> str:
        return "Art 6(1)(" + "abcdef"[list(LegalBasis).index(self)] + ")"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SpecialCategoryCondition(str, Enum):
    """Art 9(2) conditions for processing special categories of data."""

    explicit_consent = "a"
    employment_social_security = "b"
    vital_interests = "c"
    not_for_profit_body = "d"
    made_public_by_data_subject = "e"
    legal_claims = "f"
    substantial_public_interest = "g"
    health_or_social_care = "h"
    public_health = "i"
    archiving_research_statistics = "j"

    @property
    def article(self) -> str:
        return f"Art 9(2)({self.value})"


class RecipientRole(str, Enum):
    """Role of a party personal data is disclosed to (Art 4(7)-(10), Art 26, Art 28)."""

    processor = "processor"
    sub_processor = "sub_processor"
    joint_controller = "joint_controller"
    independent_controller = "independent_controller"
    public_authority = "public_authority"
    internal = "internal"


class MechanismType(str, Enum):
    """Transfer tools a register keeper can *declare* (adequacy is computed, never typed)."""

    scc = "scc"  # Art 46(2)(c), Decision (EU) 2021/914
    bcr = "bcr"  # Art 46(2)(b), Art 47
    dpf = "dpf"  # EU-US Data Privacy Framework certification (Art 45, Decision 2023/1795)
    code_of_conduct = "code_of_conduct"  # Art 46(2)(e)
    certification = "certification"  # Art 46(2)(f)
    ad_hoc_clauses = "ad_hoc_clauses"  # Art 46(3)(a)
    derogation = "derogation"  # Art 49(1)
    idta = "idta"  # UK GDPR Art 46(2)(d): ICO International Data Transfer Agreement (from 21 Mar 2022)
    uk_addendum = "uk_addendum"  # UK GDPR Art 46(2)(d): ICO Addendum to the EU SCCs (from 21 Mar 2022)


class Regime(str, Enum):
    """The transfer rules an exporter is subject to, decided by where it is established."""

    eu_gdpr = "EU GDPR"
    uk_gdpr = "UK GDPR"
    swiss_fadp = "Swiss FADP"


class Sector(str, Enum):
    """Sector of a party, where an adequacy decision's scope depends on it (Art 45(1) 'specified
    sectors'): Canada covers PIPEDA (commercial activity), the DPF only FTC/DoT-regulated bodies."""

    commercial = "commercial"
    non_profit = "non_profit"
    academic = "academic"
    public_authority = "public_authority"
    banking_insurance = "banking_insurance"
    telecom_carrier = "telecom_carrier"
    religious = "religious"
    political_party = "political_party"
    credit_information = "credit_information"


class Derogation(str, Enum):
    """Art 49(1) derogations; ``second_subparagraph`` is the compelling-legitimate-interests one."""

    explicit_consent = "a"
    contract_with_data_subject = "b"
    contract_in_interest_of_data_subject = "c"
    public_interest = "d"
    legal_claims = "e"
    vital_interests = "f"
    public_register = "g"
    second_subparagraph = "second_subparagraph"

    @property
    def article(self) -> str:
        if self is Derogation.second_subparagraph:
            return "Art 49(1) second subparagraph"
        return f"Art 49(1)({self.value})"


class DataSubjectRight(str, Enum):
    """Rights of the data subject (Chapter III) and related national extras."""

    information = "information"  # Art 13-14
    access = "access"  # Art 15
    rectification = "rectification"  # Art 16
    erasure = "erasure"  # Art 17
    restriction = "restriction"  # Art 18
    portability = "portability"  # Art 20
    objection = "objection"  # Art 21
    automated_decisions = "automated_decisions"  # Art 22
    withdraw_consent = "withdraw_consent"  # Art 7(3)
    complaint = "complaint"  # Art 77
    post_mortem_instructions = "post_mortem_instructions"  # French law, Art 85 Loi 78-17

    @property
    def article(self) -> str:
        return {
            "information": "Art 13-14",
            "access": "Art 15",
            "rectification": "Art 16",
            "erasure": "Art 17",
            "restriction": "Art 18",
            "portability": "Art 20",
            "objection": "Art 21",
            "automated_decisions": "Art 22",
            "withdraw_consent": "Art 7(3)",
            "complaint": "Art 77",
            "post_mortem_instructions": "Loi Informatique et Libertés art. 85 (FR)",
        }[self.value]


class DpiaCriterion(str, Enum):
    """The nine WP248 rev.01 criteria for likely high-risk processing (Art 35)."""

    evaluation_or_scoring = "evaluation_or_scoring"
    automated_decision_legal_effect = "automated_decision_legal_effect"
    systematic_monitoring = "systematic_monitoring"
    sensitive_or_highly_personal_data = "sensitive_or_highly_personal_data"
    large_scale = "large_scale"
    matching_or_combining_datasets = "matching_or_combining_datasets"
    vulnerable_data_subjects = "vulnerable_data_subjects"
    innovative_technology = "innovative_technology"
    prevents_exercising_right = "prevents_exercising_right"


class SourceType(str, Enum):
    """Where personal data comes from (Art 13 vs Art 14, Art 30 context)."""

    data_subject = "data_subject"
    observed = "observed"
    third_party = "third_party"
    public_source = "public_source"


class ActivityStatus(str, Enum):
    active = "active"
    planned = "planned"
    retired = "retired"


class ConsentMechanism(str, Enum):
    """How consent is asked (Art 4(11), 7; EDPB Guidelines 05/2020; ePrivacy Art 5(3), 13)."""

    opt_in = "opt_in"
    """A clear affirmative act: an unticked box, an 'accept' button beside an equal 'reject'."""
    soft_opt_in = "soft_opt_in"
    """ePrivacy Art 13(2): an existing customer's email, similar products, opt-out at collection and
    in every message (not consent; valid for customers only)."""
    pre_ticked_box = "pre_ticked_box"
    continued_use = "continued_use"
    browser_settings = "browser_settings"
    none = "none"
    not_stated = "not_stated"


class BreachException(str, Enum):
    """A kind of breach the procedure exempts from notifying the authority (Art 33(1))."""

    unlikely_to_result_in_risk = "unlikely_to_result_in_risk"
    """The only exception Art 33(1) allows."""
    encrypted = "encrypted"
    anonymised = "anonymised"
    high_risk = "high_risk"
    other = "other"


# --------------------------------------------------------------------------
# Small shared types
# --------------------------------------------------------------------------

CountryCode = Annotated[str, BeforeValidator(normalise_country)]

CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""A control character (C0 but tab, newline and CR; DEL; C1, which holds terminal escapes):
refused in every text field, as it breaks XML exports and can rewrite a terminal."""
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""The pattern every text field matches (checked in pydantic's core: no Python call per string)."""
Text = Annotated[str, StringConstraints(pattern=NO_CONTROL_CHARACTERS)]
"""Text of the register: any characters but :data:`CONTROL_CHARACTER`."""


def control_character_message(value: str) -> str | None:
    """Why ``value`` is refused as text: its first control character, escaped (``\\x1b``), and where."""
    found = CONTROL_CHARACTER.search(value)
    if found is None:
        return None
    return (f"contains the control character {ascii(found.group())[1:-1]} at character {found.start() + 1}: "
            "remove it (control characters break exports and can rewrite a terminal)")



class Ref:
    """Marks a field as the id of another record (``Annotated[str, Ref("recipients")]``).

    ``kind`` is the record catalogue's kind of the target (:mod:`audit_lib.model.catalogue`);
    ``whole`` says the holding record is written as that id alone (``- payments``), so a
    dangling id is reported at the holding record. The loader checks every reference
    with one walk over these marks (as fideslang types its ``FidesKey`` references).
    """

    __slots__ = ("kind", "whole")

    def __init__(self, kind: str, whole: bool = False):
        self.kind = kind
        self.whole = whole

    def __repr__(self) -> str:
        return f"Ref({self.kind!r})"


RecipientId = Annotated[Text, Ref("recipients")]
"""The id of a recipient (``recipients.yaml``)."""
SecurityMeasureId = Annotated[Text, Ref("security")]
"""The id of a security measure (``security.yaml``)."""
SystemId = Annotated[Text, Ref("systems")]
"""The id of a system (``systems.yaml``)."""

_ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")


def _as_list(value: Any) -> Any:
    """Accept a single value where a list is expected (``legal_basis: consent``)."""
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        return [value]
    return value


def _as_evidence(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
"""One set of field names per distinct combination, shared by the records that set those fields."""
_LAST_FIELDS_SET: dict[type, set[str]] = {}
"""The shared set the last record of each model used (most records of a kind set the same fields)."""


class RopaModel(BaseModel):
    """Base: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        use_enum_values=False,
    )

    @model_validator(mode="after")
    def _share_fields_set(self) -> Any:
        # Records are frozen, and pydantic copies this set before changing it (model_copy),
        # so records that set the same fields can share one: it is over a third of the
        # memory of a loaded register (a set per record, ~20 records per activity).
        names = self.__pydantic_fields_set__
        shared = _LAST_FIELDS_SET.get(self.__class__)
        if shared != names:
            shared = _FIELDS_SETS.setdefault(frozenset(names), names) if len(_FIELDS_SETS) < 4096 else names
            _LAST_FIELDS_SET[self.__class__] = shared
        if shared is not names:
            object.__setattr__(self, "__pydantic_fields_set__", shared)
        return self


class Assumption(RopaModel):
    """Something the register keeper inferred where the source is silent: to confirm."""

    field: Text = Field(description="The field of this record the assumption fills in.")
    statement: Text = Field(description="What was assumed, and why.")
    to_confirm: bool = Field(
        default=True, description="True until the record's owner has confirmed the assumption; the audit "
                                  "lists it (Art 5(2))."
    )


class Sourced(RopaModel):
    """Mixin: the policy sentence(s) a record is based on and any assumptions made."""

    evidence: Annotated[list[Text], BeforeValidator(_as_evidence)] = Field(
        default_factory=list, description="The sentence(s) of the published policy this record is based on, "
                                          "quoted verbatim."
    )
    assumptions: list[Assumption] = Field(
        default_factory=list, description="What the register keeper inferred where the source is silent, "
                                          "each to confirm."
    )
    notes: Text | None = Field(
        default=None, description="Free-text remarks for the DPO; not part of the Art 30 record."
    )

    @field_validator("assumptions")
    @classmethod
    def _assumption_fields_exist(cls, value: list[Assumption]) -> list[Assumption]:
        # A field validator (not a model one): the error points at 'assumptions' and is
        # reported together with the record's other errors.
        for item in value:
            root = item.field.split(".")[0].split("[")[0]
            if root not in cls.model_fields:
                raise ValueError(
                    f"assumption names field '{item.field}', which this record does not have"
                )
        return value

    def assumed(self, field: str) -> bool:
        """True when ``field`` of this record is an assumption to confirm."""
        return any(a.field.split(".")[0].split("[")[0] == field and a.to_confirm
                   for a in self.assumptions)


class TaxonomyRef(RopaModel):
    """A fideslang taxonomy key, with an optional free label beside it (never instead).

    When validated with a context ``{"vocabulary": {kind: set_of_keys}}`` (as the
    loader does), the key must be in the vocabulary of the class's ``kind``.
    """

    kind: ClassVar[str] = "data_categories"
    key: Text = Field(
        description="Fideslang key (e.g. user.contact.email), or one of the register's own taxonomy "
                    "extensions."
    )
    label: Text | None = Field(
        default=None, description="The organisation's own wording, shown next to the key (e.g. 'billing "
                                  "address')."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"key": value}
        return value

    @field_validator("key")
    @classmethod
    def _known_key(cls, value: str, info: ValidationInfo) -> str:
        vocabulary = (info.context or {}).get("vocabulary")
        if vocabulary is not None and value not in vocabulary[cls.kind]:
            raise ValueError(
                f"'{value}' is not a {TAXONOMY_WORDS[cls.kind]} key (see fideslang's "
                "default taxonomy, or extend it in taxonomy.yaml)"
            )
        return value

    def __str__(self) -> str:
        return f"{self.key} ({self.label})" if self.label else self.key


TAXONOMY_WORDS = {
    "data_categories": "fideslang data category",
    "data_uses": "fideslang data use (purpose)",
    "data_subjects": "fideslang data subject",
}


class DataCategoryRef(TaxonomyRef):
    """A category of personal data (Art 30(1)(c)) as a fideslang data category key."""


class DataSubjectRef(TaxonomyRef):
    """A category of data subjects (Art 30(1)(c)) as a fideslang data subject key."""

    kind: ClassVar[str] = "data_subjects"


class Purpose(TaxonomyRef):
    """A purpose of processing (Art 30(1)(b)): fideslang data use key + description."""

    kind: ClassVar[str] = "data_uses"

    description: Text | None = Field(
        default=None, description="The purpose in the organisation's words, as stated in the record "
                                  "(Art 30(1)(b))."
    )

    def __str__(self) -> str:
        return self.description or self.label or self.key


# --------------------------------------------------------------------------
# Organisation (Art 30(1)(a))
# --------------------------------------------------------------------------


class Contact(RopaModel):
    name: Text | None = Field(default=None, description="Name of the person or body (Art 30(1)(a)).")
    role: Text | None = Field(default=None, description="Function or title, e.g. Data Protection Officer.")
    email: Text | None = Field(default=None, description="Email address for contact.")
    phone: Text | None = Field(default=None, description="Telephone number for contact.")
    address: Text | None = Field(default=None, description="Postal address.")
    country: CountryCode | None = Field(
        default=None, description="Country of the address (ISO 3166-1 alpha-2)."
    )
    url: Text | None = Field(default=None, description="Web page or contact form.")

    def __str__(self) -> str:
        parts = [self.name, self.address, self.email, self.phone, self.url]
        return ", ".join(p for p in parts if p)


class PolicySource(RopaModel):
    """The published document the register was built from."""

    title: Text = Field(description="Title of the published document (e.g. 'Privacy Policy').")
    url: Text | None = Field(default=None, description="Where the document is published.")
    archived_url: Text | None = Field(
        default=None, description="A dated archived copy (e.g. Wayback Machine), so the quotes can be "
                                  "checked later."
    )
    last_updated: dt.date | None = Field(
        default=None, description="The 'last updated' date the document gives."
    )


class Organisation(Sourced):
    """The controller (Art 30(1)(a)), its DPO (Art 37) and EU representative (Art 27)."""

    name: Text = Field(description="Name of the controller, as it identifies itself (Art 30(1)(a)).")
    legal_entity: Text | None = Field(
        default=None, description="Registered legal name of the controller, when it differs from the "
                                  "trading name."
    )
    country: CountryCode | None = Field(
        default=None, description="Country of the controller's main establishment (ISO 3166-1 alpha-2; "
                                  "Art 4(16))."
    )
    address: Text | None = Field(
        default=None, description="Postal address of the controller (Art 30(1)(a) contact details)."
    )
    contact: Contact | None = Field(
        default=None, description="How to contact the controller about data protection (Art 30(1)(a))."
    )
    website: Text | None = Field(default=None, description="The controller's website.")
    established_in_eu: bool | None = Field(
        default=None, description="Whether the controller has an establishment in the EU (Art 3(1))."
    )
    offers_goods_or_services_in_eu: bool | None = Field(
        default=None, description="Whether it offers goods or services to people in the EU (Art 3(2)(a))."
    )
    monitors_behaviour_in_eu: bool | None = Field(
        default=None, description="Whether it monitors the behaviour of people in the EU (Art 3(2)(b))."
    )
    employees: int | None = Field(
        default=None, ge=0, le=10_000_000,
        description="Number of employees (the Art 30(5) exemption for fewer than 250 rarely applies); "
                    "at most 10 million (no employer has more; a spreadsheet cell holds it exactly).",
    )
    dpo: Contact | None = Field(
        default=None, description="The data protection officer, if designated (Art 30(1)(a), Art 37-39)."
    )
    dpo_required: bool | None = Field(
        default=None, description="Whether a DPO must be designated (Art 37(1)); None when not assessed."
    )
    dpo_assessment: Text | None = Field(
        default=None, description="Why a DPO is or is not required (the Art 37(1) analysis, kept for "
                                  "Art 5(2))."
    )
    eu_representative: Contact | None = Field(
        default=None, description="Representative in the EU of a controller established outside it (Art 27, "
                                  "Art 30(1)(a))."
    )
    joint_controllers: list[Contact] = Field(
        default_factory=list, description="Controllers that jointly determine purposes and means (Art 26, "
                                          "Art 30(1)(a))."
    )
    lead_supervisory_authority: Text | None = Field(
        default=None, description="The lead supervisory authority for cross-border processing (Art 56)."
    )
    register_owner: Text | None = Field(default=None, description="Who keeps this record up to date.")
    register_version: Text | None = Field(
        default=None, description="Version of this record, for the DPO's change log."
    )
    last_reviewed: dt.date | None = Field(
        default=None, description="Date the record as a whole was last reviewed (YYYY-MM-DD)."
    )
    policy_source: PolicySource | None = Field(
        default=None, description="The published privacy policy this register was built from."
    )
    transfer_regime: Regime | None = Field(
        default=None,
        description="The transfer rules the controller exports under (EU GDPR, UK GDPR, Swiss FADP); "
        "default: decided by its country (GB from 2021: UK GDPR, CH: Swiss FADP, otherwise EU GDPR).",
    )
    sector: Sector | None = Field(
        default=None,
        description="Sector of the controller, for adequacy decisions limited to sectors when the "
        "controller is itself an importer (e.g. Canada: PIPEDA, commercial activity only).",
    )


# --------------------------------------------------------------------------
# Security measures (Art 32, Art 30(1)(g))
# --------------------------------------------------------------------------


class SecurityMeasure(Sourced):
    """A technical or organisational measure (Art 32(1))."""

    id: Text = Field(description="Short identifier activities use to refer to this measure.")
    name: Text = Field(description="The measure in a few words (e.g. 'TLS encryption in transit').")
    type: Text = Field(description="technical or organisational")
    description: Text | None = Field(
        default=None, description="What the measure does and covers (general description, Art 30(1)(g), "
                                  "Art 32(1))."
    )
    applies_to: list[RecipientId] = Field(
        default_factory=list, description="Recipient ids that operate this measure, if not us."
    )

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in {"technical", "organisational", "physical"}:
            raise ValueError("must be 'technical', 'organisational' or 'physical'")
        return value


# --------------------------------------------------------------------------
# Recipients and transfer tools (Art 30(1)(d)-(e), Art 28, Chapter V)
# --------------------------------------------------------------------------


class ContractReference(RopaModel):
    """A data processing agreement (Art 28(3)) or other contract, by reference and date."""

    reference: Text = Field(description="The contract's reference or title, enough to find it.")
    date: dt.date | None = Field(default=None, description="Date the contract was signed or took effect.")
    url: Text | None = Field(
        default=None, description="Where the contract or the provider's standard terms are published."
    )


class TransferMechanism(Sourced):
    """A transfer tool the register keeper declares for a recipient (Art 46, 47, 49)."""

    type: MechanismType = Field(
        description="The transfer tool: scc, bcr, dpf, code_of_conduct, certification, ad_hoc_clauses or "
                    "derogation (Art 46, 47, 49); adequacy is computed, never declared."
    )
    countries: list[CountryCode] = Field(
        default_factory=list, description="Countries it covers; empty means all the recipient's."
    )
    scc_module: int | None = Field(
        default=None, ge=1, le=4, description="Module of the 2021 standard contractual clauses (1-4, "
                                              "Decision (EU) 2021/914)."
    )
    derogation: Derogation | None = Field(
        default=None, description="The Art 49(1) derogation relied on, when the type is derogation."
    )
    reference: Text | None = Field(
        default=None, description="Reference of the clauses, rules or certificate, enough to find them."
    )
    date: dt.date | None = Field(
        default=None, description="Date the mechanism was concluded (signed), approved or certified."
    )
    instrument: Text | None = Field(
        default=None,
        description="Decision or instrument the clauses follow, e.g. '2010/87/EU', '(EU) 2021/914', "
        "'IDTA'; default: decided by the date concluded (old SCC before 27 Jun 2021).",
    )
    documentation: Text | None = Field(
        default=None,
        description="Art 49(1) second subparagraph: assessment and suitable safeguards (Art 49(6)).",
    )
    transfer_impact_assessment: Text | None = Field(
        default=None, description="Reference or summary of the transfer impact assessment (CJEU C-311/18)."
    )

    @model_validator(mode="after")
    def _coherent(self) -> TransferMechanism:
        if self.type is MechanismType.scc and self.scc_module is None:
            raise ValueError("an SCC mechanism needs scc_module (1 to 4, Decision 2021/914)")
        if self.type is not MechanismType.scc and self.scc_module is not None:
            raise ValueError("scc_module is only meaningful for type 'scc'")
        if self.type is MechanismType.derogation and self.derogation is None:
            raise ValueError("a derogation mechanism needs 'derogation' (a-g or second_subparagraph)")
        if self.type is not MechanismType.derogation and self.derogation is not None:
            raise ValueError("'derogation' is only meaningful for type 'derogation'")
        return self


class SubProcessorAuthorisation(RopaModel):
    """Controller's authorisation of a sub-processor (Art 28(2))."""

    type: Text = Field(description="general or specific")
    reference: Text | None = Field(
        default=None, description="Where the authorisation is recorded (clause of the DPA, letter)."
    )
    date: dt.date | None = Field(default=None, description="Date of the authorisation.")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in {"general", "specific"}:
            raise ValueError("must be 'general' or 'specific'")
        return value


class Recipient(Sourced):
    """A party personal data is disclosed to (Art 4(9), Art 30(1)(d))."""

    id: Text = Field(description="Short identifier activities use to refer to this recipient.")
    name: Text = Field(description="Legal entity name, or a placeholder for a category.")
    role: RecipientRole = Field(
        description="processor, sub_processor, joint_controller, independent_controller, public_authority "
                    "or internal (Art 4(7)-(10), 26, 28)."
    )
    category: Text | None = Field(default=None, description="e.g. payment processing, hosting")
    parent: RecipientId | None = Field(default=None, description="For a sub-processor: the processor id.")
    countries: list[CountryCode] = Field(
        default_factory=list, description="Countries where the recipient stores or accesses the data "
                                          "(ISO 3166-1 alpha-2; Art 30(1)(d)-(e))."
    )
    address: Text | None = Field(default=None, description="Postal address of the recipient.")
    contact: Contact | None = Field(default=None, description="The recipient's contact for data protection.")
    dpa: ContractReference | None = Field(
        default=None, description="The data processing agreement with a processor (Art 28(3))."
    )
    joint_controller_arrangement: ContractReference | None = Field(
        default=None, description="The arrangement between joint controllers (Art 26(1))."
    )
    sub_processor_authorisation: SubProcessorAuthorisation | None = Field(
        default=None, description="The controller's authorisation for a sub-processor (Art 28(2))."
    )
    dpf_certified: bool | None = Field(
        default=None, description="Whether the recipient is certified under the EU-US Data Privacy "
                                  "Framework (Decision (EU) 2023/1795)."
    )
    transfer_mechanisms: list[TransferMechanism] = Field(
        default_factory=list, description="The transfer tools declared for transfers to this recipient "
                                          "(Art 30(1)(e), Art 46, 49)."
    )
    placeholder: bool = Field(
        default=False, description="True when the policy names only a category of party."
    )
    privacy_policy_url: Text | None = Field(default=None, description="The recipient's own privacy policy.")
    established: CountryCode | None = Field(
        default=None,
        description="Country of the establishment that sends data when this party exports (a source "
        "such as a merchant of record, or a processor's onward transfer); decides its transfer regime. "
        "Default: its first EEA country, else its first country.",
    )
    international_organisation: Text | None = Field(
        default=None,
        description="When the party is an international organisation (Art 4(26)): its reference key "
        "(e.g. EPO). Its own adequacy status applies, never that of the host country in 'countries'.",
    )
    sector: Sector | None = Field(
        default=None,
        description="Sector of the party, where an adequacy decision's scope depends on it (Canada: "
        "PIPEDA commercial activity; Japan: private sector, academia from 2023; US DPF: FTC/DoT-regulated "
        "organisations only). A public_authority role implies public_authority.",
    )
    disclosure_basis: Text | None = Field(
        default=None, description="For a public authority: the Union or member-state law, or the "
        "international agreement (Art 48, e.g. a mutual legal assistance treaty), under which data is "
        "disclosed to it.")

    @model_validator(mode="after")
    def _parent_for_sub_processor(self) -> Recipient:
        if self.role is RecipientRole.sub_processor and not self.parent:
            raise ValueError("a sub_processor needs 'parent': the id of the processor it works for")
        if self.parent and self.parent == self.id:
            raise ValueError("a recipient cannot be its own parent")
        return self


# --------------------------------------------------------------------------
# Systems (where data is held)
# --------------------------------------------------------------------------


class System(Sourced):
    """An internal or hosted system holding personal data."""

    id: Text = Field(description="Short identifier activities use to refer to this system.")
    name: Text = Field(description="Name of the application, database or service.")
    description: Text | None = Field(default=None, description="What the system is and what it holds.")
    hosted_by: RecipientId | None = Field(default=None, description="Recipient id of the host, if any.")
    countries: list[CountryCode] = Field(
        default_factory=list, description="Countries where the system stores or gives access to the data "
                                          "(ISO 3166-1 alpha-2)."
    )


# --------------------------------------------------------------------------
# Processing activities (Art 30(1))
# --------------------------------------------------------------------------


class RecipientLink(RopaModel):
    """A recipient of an activity, optionally limited to some of its data categories."""

    recipient: Annotated[Text, Ref("recipients", whole=True)] = Field(
        description="Id of the recipient the activity discloses data to (Art 30(1)(d))."
    )
    data_categories: list[DataCategoryRef] = Field(
        default_factory=list, description="The categories disclosed to it; empty means all the activity's "
                                          "categories."
    )
    purpose: Text | None = Field(default=None, description="Why the data is disclosed to this recipient.")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"recipient": value}
        return value


class Retention(Sourced):
    """Envisaged time limit for erasure (Art 30(1)(f), Art 5(1)(e))."""

    data_categories: list[DataCategoryRef] = Field(
        default_factory=list, description="Categories it applies to; empty means all."
    )
    period: Text | None = Field(
        default=None,
        description="ISO 8601 duration (P6Y, P30D), or 'indefinite', or 'not_stated'.",
    )
    trigger: Text | None = Field(default=None, description="What starts the period.")
    description: Text | None = Field(
        default=None, description="The retention rule in words, e.g. the event the period runs from "
                                  "(Art 30(1)(f))."
    )

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is None or value in {"indefinite", "not_stated"}:
            return value
        if not _ISO_DURATION.match(value.upper()):
            raise ValueError(
                "must be an ISO 8601 duration such as P6Y, P18M or P30D, "
                "or 'indefinite' or 'not_stated'"
            )
        return value.upper()

    @property
    def days(self) -> int | None:
        """Approximate length in days, or None when not a duration."""
        if not self.period or not self.period.startswith("P"):
            return None
        m = _ISO_DURATION.match(self.period)
        y, mo, w, d = (int(g[:-1]) if g else 0 for g in m.groups())
        return y * 365 + mo * 30 + w * 7 + d


class DataSource(Sourced):
    """Where the personal data of an activity comes from (Art 14(2)(f))."""

    type: SourceType = Field(
        description="Where the data comes from: data_subject, third_party, public or generated "
                    "(Art 14(2)(f))."
    )
    description: Text | None = Field(default=None, description="The source in words.")
    party: RecipientId | None = Field(default=None, description="Recipient id of the source, if a party.")


class Dpia(RopaModel):
    """DPIA reference or screening against the WP248 criteria (Art 35)."""

    reference: Text | None = Field(
        default=None, description="Reference of the data protection impact assessment (Art 35)."
    )
    date: dt.date | None = Field(default=None, description="Date the DPIA was completed.")
    criteria_met: list[DpiaCriterion] = Field(
        default_factory=list, description="The EDPB/WP248 criteria of likely high risk the activity meets."
    )
    screening_notes: Text | None = Field(
        default=None, description="The screening: why a DPIA is or is not needed."
    )
    required: bool | None = Field(
        default=None, description="Whether a DPIA is required (Art 35(1), (3)); None when not screened."
    )


class ProcessingActivity(Sourced):
    """One processing activity of the controller's record (Art 30(1))."""

    id: Text = Field(description="Short stable identifier of the activity (used in findings and references).")
    name: Text = Field(description="Name of the processing activity as the organisation calls it.")
    description: Text | None = Field(
        default=None, description="What is done with the data, in a sentence or two."
    )
    status: ActivityStatus = Field(
        default=ActivityStatus.active, description="active, planned or retired; retired activities are kept "
                                                   "for history and not audited."
    )
    purposes: list[Purpose] = Field(
        default_factory=list, description="Purposes of the processing (Art 30(1)(b)), as fideslang data "
                                          "uses."
    )
    legal_basis: Annotated[list[LegalBasis], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="Lawful basis or bases of the processing (Art 6(1))."
    )
    legitimate_interest: Text | None = Field(default=None, description="The interest, for 6(1)(f).")
    legitimate_interest_assessment: Text | None = Field(
        default=None, description="Reference of the balancing test (LIA)."
    )
    consent_withdrawal: Text | None = Field(default=None, description="How consent is withdrawn.")
    consent: ConsentCollection | None = Field(
        default=None, description="How consent is collected for this activity (overrides "
        "commitments.consent).")
    legal_obligation_law: Text | None = Field(
        default=None, description="The Union or member-state law laying down the obligation relied on "
        "under Art 6(1)(c) (Art 6(3)).")
    special_category_condition: SpecialCategoryCondition | None = Field(
        default=None, description="Art 9(2) condition when special categories are processed."
    )
    criminal_data_basis: Text | None = Field(default=None, description="Art 10 authority.")
    data_subjects: list[DataSubjectRef] = Field(
        default_factory=list, description="Categories of data subjects (Art 30(1)(c))."
    )
    data_categories: list[DataCategoryRef] = Field(
        default_factory=list, description="Categories of personal data (Art 30(1)(c)), as fideslang data "
                                          "categories."
    )
    sources: list[DataSource] = Field(
        default_factory=list, description="Where the data comes from (Art 14(2)(f))."
    )
    recipients: Annotated[list[RecipientLink], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="Recipients the data is disclosed to, by id (Art 30(1)(d))."
    )
    systems: list[SystemId] = Field(default_factory=list, description="Systems the data is held in, by id.")
    retention: list[Retention] = Field(
        default_factory=list, description="Time limits for erasure of the categories of data "
                                          "(Art 30(1)(f))."
    )
    security_measures: list[SecurityMeasureId] = Field(
        default_factory=list, description="Security measures protecting the data, by id (Art 30(1)(g), "
                                          "Art 32(1))."
    )
    children_data: bool | None = Field(
        default=None, description="Whether the activity processes children's data (Art 8)."
    )
    age_verification: Text | None = Field(
        default=None, description="How the age of a child, or parental consent, is verified (Art 8(2))."
    )
    automated_decision_making: Text | None = Field(
        default=None, description="Automated decisions or profiling, and the logic involved (Art 22, "
                                  "Art 13(2)(f))."
    )
    provision_requirement: Text | None = Field(
        default=None, description="Whether providing the data is required, and why (Art 13(2)(e))."
    )
    dpia: Dpia | None = Field(
        default=None, description="The data protection impact assessment, or its screening (Art 35)."
    )
    owner: Text | None = Field(
        default=None, description="Who in the organisation is responsible for the activity."
    )
    department: Text | None = Field(
        default=None,
        description="Business function (department) that carries out the activity, e.g. 'Customer Support'; "
                    "the ICO template's 'Business function', the CNIL fiche's service.",
    )
    last_reviewed: dt.date | None = Field(
        default=None, description="Date the activity's entry was last reviewed (YYYY-MM-DD)."
    )

    @property
    def recipient_ids(self) -> list[str]:
        return [link.recipient for link in self.recipients]

    @property
    def data_category_keys(self) -> list[str]:
        return [c.key for c in self.data_categories]


# --------------------------------------------------------------------------
# Processor record (Art 30(2))
# --------------------------------------------------------------------------


class ProcessorActivity(Sourced):
    """Processing carried out on behalf of a controller (Art 30(2))."""

    id: Text = Field(description="Short stable identifier of this processing on behalf of a controller.")
    name: Text = Field(description="Name of the processing carried out for the controller.")
    controller: Contact = Field(
        description="The controller on whose behalf the organisation processes (Art 30(2)(a))."
    )
    controller_representative: Contact | None = Field(
        default=None, description="The controller's representative in the EU, if any (Art 30(2)(a))."
    )
    categories_of_processing: list[Text] = Field(
        min_length=1, description="Categories of processing carried out on behalf of the controller "
                                  "(Art 30(2)(b))."
    )
    data_categories: list[DataCategoryRef] = Field(
        default_factory=list, description="Categories of personal data processed for the controller."
    )
    sub_processors: list[RecipientId] = Field(
        default_factory=list, description="Sub-processors engaged, by recipient id (Art 28(2), (4))."
    )
    transfer_countries: list[CountryCode] = Field(
        default_factory=list, description="Third countries the data is transferred to (Art 30(2)(c))."
    )
    transfer_mechanisms: list[TransferMechanism] = Field(
        default_factory=list, description="Transfer tools for those transfers (Art 30(2)(c), Art 46, 49)."
    )
    security_measures: list[SecurityMeasureId] = Field(
        default_factory=list, description="Security measures, by id (Art 30(2)(d), Art 32(1))."
    )
    last_reviewed: dt.date | None = Field(
        default=None, description="Date the entry was last reviewed (YYYY-MM-DD)."
    )


# --------------------------------------------------------------------------
# Organisation-level commitments (rights, breach, children, cookies)
# --------------------------------------------------------------------------


class RightCommitment(Sourced):
    """How a data subject right is exercised and answered (Art 12, 15-22, 77)."""

    right: DataSubjectRight = Field(description="The data subject's right (Chapter III; Art 7(3); Art 77).")
    how: Text | None = Field(
        default=None, description="How a person exercises the right (contact, form, procedure)."
    )
    response_time: Text | None = Field(
        default=None, description="The time the organisation commits to answer in (Art 12(3): one month, "
                                  "extendable)."
    )
    limitations: Text | None = Field(
        default=None, description="Limits or conditions the organisation states on the right."
    )
    response_days: int | None = Field(
        default=None, ge=0, le=3_650,  # ten years: anything more is a typo, not a commitment
        description="Days within which a request is answered (Art 12(3): without undue delay and within "
        "one month, extendable by two months); None when the policy gives no number.")
    offered_in_full: bool | None = Field(
        default=None,
        description="False when the policy offers the right only in part (e.g. access only to the data "
        "partners hold, not to the controller's own).")


class ConsentCollection(Sourced):
    """How consent is collected and kept (Art 4(11), 7(1)-(2); EDPB Guidelines 05/2020)."""

    mechanism: ConsentMechanism = Field(
        description="How consent is asked: opt_in (clear affirmative act), soft_opt_in (ePrivacy Art 13(2), "
        "existing customers), pre_ticked_box, continued_use, browser_settings, none or not_stated.")
    prior: bool | None = Field(
        default=None, description="True when consent is obtained before the cookie is set or the data used.")
    granular: bool | None = Field(
        default=None, description="True when each purpose is consented to separately (Art 7(2)); False "
        "when bundled with the terms or with other purposes.")
    record: Text | None = Field(
        default=None, description="How each consent is recorded, so it can be demonstrated (Art 7(1)): "
        "what, when, by whom, the notice shown.")


class BreachProcedure(Sourced):
    """Personal data breach handling (Art 33 authority within 72 h, Art 34 individuals)."""

    decided_by: Text | None = Field(
        default=None, description="Who assesses a breach and decides on notification."
    )
    notify_authority_within_hours: int | None = Field(
        default=None, ge=0, le=8_760, description="Hours within which the supervisory authority is notified "
                                        "(Art 33(1): 72 at most)."
    )
    authority_notification: Text | None = Field(
        default=None, description="How the supervisory authority is notified (Art 33)."
    )
    data_subject_notification: Text | None = Field(
        default=None, description="How and when data subjects are told (Art 34)."
    )
    exceptions: Text | None = Field(
        default=None, description="Cases the procedure exempts from notification (Art 33(1), 34(3))."
    )
    internal_sanctions: Text | None = Field(
        default=None, description="Consequences for staff who cause or hide a breach."
    )
    exception_grounds: list[BreachException] = Field(
        default_factory=list,
        description="The kinds of breach the procedure exempts from notifying the authority; Art 33(1) "
        "allows only breaches unlikely to result in a risk.")
    breach_log: Text | None = Field(
        default=None, description="Where every breach is documented, notified or not (Art 33(5)).")


class ChildrenPolicy(Sourced):
    """Children's data (Art 8): threshold, targeting, and what happens to minors' data."""

    minimum_age: int | None = Field(
        default=None, ge=0, le=18, description="Age under which parental consent is needed (Art 8(1): 16, "
                                               "or down to 13 by member state law)."
    )
    directed_at_children: bool | None = Field(
        default=None, description="Whether the service is directed at children."
    )
    age_verification: Text | None = Field(
        default=None, description="How age, or parental consent, is verified (Art 8(2))."
    )
    on_discovery: Text | None = Field(
        default=None, description="What happens when a child's data is found without valid consent."
    )


class CookieUse(Sourced):
    """A cookie or similar tracker (ePrivacy Directive Art 5(3))."""

    id: Text = Field(description="Short identifier of the cookie or tracker.")
    name: Text = Field(description="Name of the cookie, or of the tool that sets it.")
    provider: RecipientId | None = Field(default=None, description="Recipient id setting it, if a party.")
    purpose: Text = Field(description="What the cookie is used for.")
    type: Text = Field(description="strictly_necessary, preferences, analytics or marketing")
    consent_required: bool | None = Field(
        default=None,
        description="Whether ePrivacy Art 5(3) requires consent for it (not whether consent is asked: "
        "that is consent_mechanism).",
    )
    consent_mechanism: Text | None = Field(
        default=None, description="How consent is asked and recorded (ePrivacy Art 5(3), GDPR Art 7)."
    )
    duration: Text | None = Field(default=None, description="How long the cookie is kept on the device.")
    consent: ConsentCollection | None = Field(
        default=None, description="How consent to this tracker is collected (overrides commitments.consent).")
    data_categories: list[DataCategoryRef] = Field(
        default_factory=list, description="What the cookie stores on the device (fideslang keys), e.g. "
        "user.authorization.credentials.")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        allowed = {"strictly_necessary", "preferences", "analytics", "marketing", "none"}
        if value not in allowed:
            raise ValueError("must be one of: " + ", ".join(sorted(allowed)))
        return value


class OtherCommitment(Sourced):
    """Any other statement the policy makes (anti-spam, no sale of data, policy changes...)."""

    topic: Text = Field(description="What the commitment is about, in a few words.")
    statement: Text = Field(description="The commitment as the policy makes it.")


class Commitments(RopaModel):
    """Organisation-wide commitments stated in the privacy policy."""

    rights: list[RightCommitment] = Field(
        default_factory=list, description="How each data subject right is honoured (Art 12-22)."
    )
    breach_procedure: BreachProcedure | None = Field(
        default=None, description="The personal data breach procedure (Art 33-34)."
    )
    children: ChildrenPolicy | None = Field(
        default=None, description="The policy on children's data (Art 8)."
    )
    cookies: list[CookieUse] = Field(
        default_factory=list, description="Cookies and similar trackers set on users' devices "
                                          "(ePrivacy Art 5(3))."
    )
    other: list[OtherCommitment] = Field(
        default_factory=list, description="Other commitments the policy makes."
    )
    consent: ConsentCollection | None = Field(
        default=None, description="How consent is collected unless an activity or cookie says otherwise "
        "(e.g. 'agreement by using the site').")


# --------------------------------------------------------------------------
# Custom taxonomy extensions
# --------------------------------------------------------------------------


class TaxonomyExtension(RopaModel):
    """A register's own taxonomy key, child of a fideslang default key."""

    fides_key: Text = Field(
        description="The new key, starting with its parent key (e.g. user.contact.messenger_id)."
    )
    name: Text = Field(description="Human-readable name of the new key.")
    parent_key: Text = Field(description="The fideslang key this extends.")
    description: Text | None = Field(default=None, description="What the new key covers.")


class Taxonomy(RopaModel):
    data_categories: list[TaxonomyExtension] = Field(
        default_factory=list, description="The register's own data categories, extending fideslang's."
    )
    data_uses: list[TaxonomyExtension] = Field(
        default_factory=list, description="The register's own data uses (purposes), extending fideslang's."
    )
    data_subjects: list[TaxonomyExtension] = Field(
        default_factory=list, description="The register's own categories of data subjects, extending "
                                          "fideslang's."
    )


# --------------------------------------------------------------------------
# The register
# --------------------------------------------------------------------------


class Register(RopaModel):
    """A whole record of processing activities, with cross-references checked by the loader."""

    organisation: Organisation = Field(description="The controller keeping this record (Art 30(1)(a)).")
    activities: list[ProcessingActivity] = Field(
        default_factory=list, description="Processing activities under the controller's responsibility "
                                          "(Art 30(1))."
    )
    recipients: list[Recipient] = Field(
        default_factory=list, description="Parties personal data is disclosed to (Art 30(1)(d))."
    )
    security_measures: list[SecurityMeasure] = Field(
        default_factory=list, description="Technical and organisational security measures (Art 30(1)(g), "
                                          "Art 32(1))."
    )
    systems: list[System] = Field(default_factory=list, description="Systems the data is held in.")
    processor_activities: list[ProcessorActivity] = Field(
        default_factory=list, description="Processing carried out as a processor for other controllers "
                                          "(Art 30(2))."
    )
    commitments: Commitments = Field(
        default_factory=Commitments, description="What the privacy policy commits to: rights, breaches, "
                                                 "children, cookies."
    )
    taxonomy: Taxonomy = Field(
        default_factory=Taxonomy, description="The register's own extensions of the fideslang taxonomy."
    )
    source_path: str | None = Field(default=None, description="The folder the register was loaded from.")
    source_hash: str | None = Field(default=None, description="SHA-256 of the source files.")

    _index: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self._index = {
            "activity": {a.id: a for a in self.activities},
            "recipient": {r.id: r for r in self.recipients},
            "security": {s.id: s for s in self.security_measures},
            "system": {s.id: s for s in self.systems},
        }

    def activity(self, activity_id: str) -> ProcessingActivity:
        return self._index["activity"][activity_id]

    def recipient(self, recipient_id: str) -> Recipient:
        return self._index["recipient"][recipient_id]

    def security_measure(self, measure_id: str) -> SecurityMeasure:
        return self._index["security"][measure_id]

    def system(self, system_id: str) -> System:
        return self._index["system"][system_id]

    def recipients_of(self, activity: ProcessingActivity) -> list[Recipient]:
        """The Recipient objects an activity discloses to (Art 30(1)(d))."""
        return [self.recipient(rid) for rid in activity.recipient_ids]

    def measures_of(self, activity: ProcessingActivity) -> list[SecurityMeasure]:
        """The SecurityMeasure objects of an activity (Art 30(1)(g))."""
        return [self.security_measure(mid) for mid in activity.security_measures]

    def sub_processors_of(self, recipient_id: str) -> list[Recipient]:
        """Direct sub-processors (children) of a recipient."""
        return [r for r in self.recipients if r.parent == recipient_id]

    def activities_using(self, recipient_id: str) -> list[ProcessingActivity]:
        return [a for a in self.activities if recipient_id in a.recipient_ids]

    @property
    def countries(self) -> set[str]:
        """Every country where a recipient or system stores or accesses data."""
        found: set[str] = set()
        for r in self.recipients:
            found.update(r.countries)
        for s in self.systems:
            found.update(s.countries)
        if self.organisation.country:
            found.add(self.organisation.country)
        return found


def _complete_models() -> None:
    """Resolve the forward references (``ProcessingActivity.consent`` names a class defined
    after it) now, so every model's field types are real classes from import on: code that
    reads ``model_fields`` (the workbook's data sheets) sees the same types in every process,
    not only after a first validation has resolved them."""
    for model in list(globals().values()):
        if (isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == __name__
                and not model.__pydantic_complete__):
            model.model_rebuild()


_complete_models()
