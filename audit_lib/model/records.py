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


class Regime(str, Enum):
    """The transfer rules an exporter is subject to, decided by where it is established."""

    eu_gdpr = "EU GDPR"
    uk_gdpr = "UK GDPR"
    swiss_fadp = "Swiss FADP"


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


# --------------------------------------------------------------------------
# Small shared types
# --------------------------------------------------------------------------

CountryCode = Annotated[str, BeforeValidator(normalise_country)]

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


class RopaModel(BaseModel):
    """Base: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        use_enum_values=False,
    )


class Assumption(RopaModel):
    """Something the register keeper inferred where the source is silent: to confirm."""

    field: str = Field(description="The field of this record the assumption fills in.")
    statement: str = Field(description="What was assumed, and why.")
    to_confirm: bool = True


class Sourced(RopaModel):
    """Mixin: the policy sentence(s) a record is based on and any assumptions made."""

    evidence: Annotated[list[str], BeforeValidator(_as_evidence)] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)
    notes: str | None = None

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
    key: str
    label: str | None = None

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

    description: str | None = None

    def __str__(self) -> str:
        return self.description or self.label or self.key


# --------------------------------------------------------------------------
# Organisation (Art 30(1)(a))
# --------------------------------------------------------------------------


class Contact(RopaModel):
    name: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    country: CountryCode | None = None
    url: str | None = None

    def __str__(self) -> str:
        parts = [self.name, self.address, self.email, self.phone, self.url]
        return ", ".join(p for p in parts if p)


class PolicySource(RopaModel):
    """The published document the register was built from."""

    title: str
    url: str | None = None
    archived_url: str | None = None
    last_updated: dt.date | None = None


class Organisation(Sourced):
    """The controller (Art 30(1)(a)), its DPO (Art 37) and EU representative (Art 27)."""

    name: str
    legal_entity: str | None = None
    country: CountryCode | None = None
    address: str | None = None
    contact: Contact | None = None
    website: str | None = None
    established_in_eu: bool | None = None
    offers_goods_or_services_in_eu: bool | None = None
    monitors_behaviour_in_eu: bool | None = None
    employees: int | None = Field(default=None, ge=0)
    dpo: Contact | None = None
    dpo_required: bool | None = None
    dpo_assessment: str | None = None
    eu_representative: Contact | None = None
    joint_controllers: list[Contact] = Field(default_factory=list)
    lead_supervisory_authority: str | None = None
    register_owner: str | None = None
    register_version: str | None = None
    last_reviewed: dt.date | None = None
    policy_source: PolicySource | None = None
    sector: Sector | None = Field(
        default=None,
        description="Sector of the controller, for adequacy decisions limited to sectors when the "
        "controller is itself an importer (e.g. Canada: PIPEDA, commercial activity only).",
    )
    transfer_regime: Regime | None = Field(
        default=None,
        description="The transfer rules the controller exports under (EU GDPR, UK GDPR, Swiss FADP); "
        "default: decided by its country (GB from 2021: UK GDPR, CH: Swiss FADP, otherwise EU GDPR).",
    )


# --------------------------------------------------------------------------
# Security measures (Art 32, Art 30(1)(g))
# --------------------------------------------------------------------------


class SecurityMeasure(Sourced):
    """A technical or organisational measure (Art 32(1))."""

    id: str
    name: str
    type: str = Field(description="technical or organisational")
    description: str | None = None
    applies_to: list[str] = Field(
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

    reference: str
    date: dt.date | None = None
    url: str | None = None


class TransferMechanism(Sourced):
    """A transfer tool the register keeper declares for a recipient (Art 46, 47, 49)."""

    type: MechanismType
    countries: list[CountryCode] = Field(
        default_factory=list, description="Countries it covers; empty means all the recipient's."
    )
    scc_module: int | None = Field(default=None, ge=1, le=4)
    derogation: Derogation | None = None
    reference: str | None = None
    date: dt.date | None = Field(default=None, description="Date the instrument was concluded (signed).")
    instrument: str | None = Field(
        default=None,
        description="Decision or instrument the clauses follow, e.g. '2010/87/EU', '(EU) 2021/914', "
        "'IDTA'; default: decided by the date concluded (old SCC before 27 Jun 2021).",
    )
    documentation: str | None = Field(
        default=None,
        description="Art 49(1) second subparagraph: assessment and suitable safeguards (Art 49(6)).",
    )
    transfer_impact_assessment: str | None = None

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

    type: str = Field(description="general or specific")
    reference: str | None = None
    date: dt.date | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in {"general", "specific"}:
            raise ValueError("must be 'general' or 'specific'")
        return value


class Recipient(Sourced):
    """A party personal data is disclosed to (Art 4(9), Art 30(1)(d))."""

    id: str
    name: str = Field(description="Legal entity name, or a placeholder for a category.")
    role: RecipientRole
    category: str | None = Field(default=None, description="e.g. payment processing, hosting")
    parent: str | None = Field(default=None, description="For a sub-processor: the processor id.")
    countries: list[CountryCode] = Field(default_factory=list)
    address: str | None = None
    contact: Contact | None = None
    dpa: ContractReference | None = None
    joint_controller_arrangement: ContractReference | None = None
    sub_processor_authorisation: SubProcessorAuthorisation | None = None
    dpf_certified: bool | None = None
    transfer_mechanisms: list[TransferMechanism] = Field(default_factory=list)
    placeholder: bool = Field(
        default=False, description="True when the policy names only a category of party."
    )
    privacy_policy_url: str | None = None
    sector: Sector | None = Field(
        default=None,
        description="Sector of the party, where an adequacy decision's scope depends on it (Canada: "
        "PIPEDA commercial activity; Japan: private sector, academia from 2023; US DPF: FTC/DoT-regulated "
        "organisations only). A public_authority role implies public_authority.",
    )
    international_organisation: str | None = Field(
        default=None,
        description="When the party is an international organisation (Art 4(26)): its reference key "
        "(e.g. EPO). Its own adequacy status applies, never that of the host country in 'countries'.",
    )
    established: CountryCode | None = Field(
        default=None,
        description="Country of the establishment that sends data when this party exports (a source "
        "such as a merchant of record, or a processor's onward transfer); decides its transfer regime. "
        "Default: its first EEA country, else its first country.",
    )

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

    id: str
    name: str
    description: str | None = None
    hosted_by: str | None = Field(default=None, description="Recipient id of the host, if any.")
    countries: list[CountryCode] = Field(default_factory=list)


# --------------------------------------------------------------------------
# Processing activities (Art 30(1))
# --------------------------------------------------------------------------


class RecipientLink(RopaModel):
    """A recipient of an activity, optionally limited to some of its data categories."""

    recipient: str
    data_categories: list[DataCategoryRef] = Field(default_factory=list)
    purpose: str | None = None

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
    period: str | None = Field(
        default=None,
        description="ISO 8601 duration (P6Y, P30D), or 'indefinite', or 'not_stated'.",
    )
    trigger: str | None = Field(default=None, description="What starts the period.")
    description: str | None = None

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

    type: SourceType
    description: str | None = None
    party: str | None = Field(default=None, description="Recipient id of the source, if a party.")


class Dpia(RopaModel):
    """DPIA reference or screening against the WP248 criteria (Art 35)."""

    reference: str | None = None
    date: dt.date | None = None
    criteria_met: list[DpiaCriterion] = Field(default_factory=list)
    screening_notes: str | None = None
    required: bool | None = None


class ProcessingActivity(Sourced):
    """One processing activity of the controller's record (Art 30(1))."""

    id: str
    name: str
    description: str | None = None
    status: ActivityStatus = ActivityStatus.active
    purposes: list[Purpose] = Field(default_factory=list)
    legal_basis: Annotated[list[LegalBasis], BeforeValidator(_as_list)] = Field(
        default_factory=list
    )
    legitimate_interest: str | None = Field(default=None, description="The interest, for 6(1)(f).")
    legitimate_interest_assessment: str | None = Field(
        default=None, description="Reference of the balancing test (LIA)."
    )
    consent_withdrawal: str | None = Field(default=None, description="How consent is withdrawn.")
    special_category_condition: SpecialCategoryCondition | None = None
    criminal_data_basis: str | None = Field(default=None, description="Art 10 authority.")
    data_subjects: list[DataSubjectRef] = Field(default_factory=list)
    data_categories: list[DataCategoryRef] = Field(default_factory=list)
    sources: list[DataSource] = Field(default_factory=list)
    recipients: Annotated[list[RecipientLink], BeforeValidator(_as_list)] = Field(
        default_factory=list
    )
    systems: list[str] = Field(default_factory=list)
    retention: list[Retention] = Field(default_factory=list)
    security_measures: list[str] = Field(default_factory=list)
    children_data: bool | None = None
    age_verification: str | None = None
    automated_decision_making: str | None = None
    provision_requirement: str | None = Field(
        default=None, description="Whether providing the data is required, and why (Art 13(2)(e))."
    )
    dpia: Dpia | None = None
    owner: str | None = None
    last_reviewed: dt.date | None = None

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

    id: str
    name: str
    controller: Contact
    controller_representative: Contact | None = None
    categories_of_processing: list[str] = Field(min_length=1)
    data_categories: list[DataCategoryRef] = Field(default_factory=list)
    sub_processors: list[str] = Field(default_factory=list)
    transfer_countries: list[CountryCode] = Field(default_factory=list)
    transfer_mechanisms: list[TransferMechanism] = Field(default_factory=list)
    security_measures: list[str] = Field(default_factory=list)
    last_reviewed: dt.date | None = None


# --------------------------------------------------------------------------
# Organisation-level commitments (rights, breach, children, cookies)
# --------------------------------------------------------------------------


class RightCommitment(Sourced):
    """How a data subject right is exercised and answered (Art 12, 15-22, 77)."""

    right: DataSubjectRight
    how: str | None = None
    response_time: str | None = None
    limitations: str | None = None


class BreachProcedure(Sourced):
    """Personal data breach handling (Art 33 authority within 72 h, Art 34 individuals)."""

    decided_by: str | None = None
    notify_authority_within_hours: int | None = Field(default=None, ge=0)
    authority_notification: str | None = None
    data_subject_notification: str | None = None
    exceptions: str | None = None
    internal_sanctions: str | None = None


class ChildrenPolicy(Sourced):
    """Children's data (Art 8): threshold, targeting, and what happens to minors' data."""

    minimum_age: int | None = Field(default=None, ge=0, le=18)
    directed_at_children: bool | None = None
    age_verification: str | None = None
    on_discovery: str | None = None


class CookieUse(Sourced):
    """A cookie or similar tracker (ePrivacy Directive Art 5(3))."""

    id: str
    name: str
    provider: str | None = Field(default=None, description="Recipient id setting it, if a party.")
    purpose: str
    type: str = Field(description="strictly_necessary, preferences, analytics or marketing")
    consent_required: bool | None = Field(
        default=None,
        description="Whether ePrivacy Art 5(3) requires consent for it (not whether consent is asked: "
        "that is consent_mechanism).",
    )
    consent_mechanism: str | None = None
    duration: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        allowed = {"strictly_necessary", "preferences", "analytics", "marketing", "none"}
        if value not in allowed:
            raise ValueError("must be one of: " + ", ".join(sorted(allowed)))
        return value


class OtherCommitment(Sourced):
    """Any other statement the policy makes (anti-spam, no sale of data, policy changes...)."""

    topic: str
    statement: str


class Commitments(RopaModel):
    """Organisation-wide commitments stated in the privacy policy."""

    rights: list[RightCommitment] = Field(default_factory=list)
    breach_procedure: BreachProcedure | None = None
    children: ChildrenPolicy | None = None
    cookies: list[CookieUse] = Field(default_factory=list)
    other: list[OtherCommitment] = Field(default_factory=list)


# --------------------------------------------------------------------------
# Custom taxonomy extensions
# --------------------------------------------------------------------------


class TaxonomyExtension(RopaModel):
    """A register's own taxonomy key, child of a fideslang default key."""

    fides_key: str
    name: str
    parent_key: str
    description: str | None = None


class Taxonomy(RopaModel):
    data_categories: list[TaxonomyExtension] = Field(default_factory=list)
    data_uses: list[TaxonomyExtension] = Field(default_factory=list)
    data_subjects: list[TaxonomyExtension] = Field(default_factory=list)


# --------------------------------------------------------------------------
# The register
# --------------------------------------------------------------------------


class Register(RopaModel):
    """A whole record of processing activities, with cross-references checked by the loader."""

    organisation: Organisation
    activities: list[ProcessingActivity] = Field(default_factory=list)
    recipients: list[Recipient] = Field(default_factory=list)
    security_measures: list[SecurityMeasure] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    processor_activities: list[ProcessorActivity] = Field(default_factory=list)
    commitments: Commitments = Field(default_factory=Commitments)
    taxonomy: Taxonomy = Field(default_factory=Taxonomy)
    source_path: str | None = None
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
