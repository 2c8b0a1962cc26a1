"""Write a register as a Fides manifest: one organization, systems and their privacy declarations.

Fides (fideslang, the taxonomy the register already uses) describes *systems*; a privacy
declaration states one data use of a system with its data categories, data subjects, legal
basis (Art 6(1)), special-category basis (Art 9(2)), retention period and whether data is shared.
The mapping:

- the organisation becomes the ``organization`` (controller, DPO (Art 37), representative (Art 27));
- each register system becomes a Fides system; each activity it supports becomes one privacy
  declaration per purpose (Fides holds one data use per declaration); activities that name no
  system go to one system named after the organisation, marked ``meta.ropa.synthetic``;
- each recipient becomes a vendor system (no privacy declarations of its own; its role in
  ``meta.ropa``), linked by ``egress`` from the systems whose activities disclose to it. Fides'
  ``responsibility`` is the organisation's own role over a system, so controller systems carry
  ``Controller`` and vendor systems carry none;
- ``does_international_transfers`` and ``legal_basis_for_transfers`` come from the one transfer
  classification (:func:`audit_lib.analysis.transfers.classify_transfers`).

The register's ids and the legal bases beyond the first of an activity ride in each system's
``meta.ropa`` so that :mod:`audit_lib.io.fides` reads them back. What Fides has no field for
(countries, transfer mechanisms, security measures, evidence, assumptions, the Art 30(2)
processor record, ...) is counted in :class:`FidesReport` ``lost`` and reported by the command.
The output is validated with fideslang's own ``Taxonomy`` model before it is written atomically.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fideslang.models import LegalBasisForProcessingEnum, SpecialCategoryLegalBasisEnum, Taxonomy

from audit_lib.io.atomic import atomic_write_text
from audit_lib.model import Register
from audit_lib.model.records import LegalBasis, SpecialCategoryCondition
from audit_lib.review import Review

# fideslang's enums list Art 6(1)(a)-(f) and Art 9(2)(a)-(j) in the article's order, as ours do.
LEGAL_BASIS = {
    ours: theirs.value for ours, theirs in zip(LegalBasis, LegalBasisForProcessingEnum, strict=True)
}
"""register legal basis -> fideslang LegalBasisForProcessingEnum value (Art 6(1))."""
SPECIAL_BASIS = {
    ours: theirs.value
    for ours, theirs in zip(SpecialCategoryCondition, SpecialCategoryLegalBasisEnum, strict=True)
}
"""register Art 9(2) condition -> fideslang SpecialCategoryLegalBasisEnum value."""
TRANSFER_BASIS = {  # transfer mechanism (as classified) -> fideslang legal_basis_for_transfers value
    "adequacy": "Adequacy Decision",
    "dpf": "Adequacy Decision",
    "scc": "SCCs",
    "bcr": "BCRs",
}
FALLBACK_USE = "essential.service"
"""Data use of a declaration for an activity that records no purpose (counted as lost)."""


@dataclass
class FidesReport:
    """What was written, and what Fides cannot hold, counted by kind (nothing silently lost)."""

    path: Path
    systems: int
    declarations: int
    lost: Counter = field(default_factory=Counter)

    def lost_lines(self) -> list[str]:
        """One line per kind of value left out, most frequent first."""
        return [f"{n} x {what}" for what, n in self.lost.most_common()]


def fides_key(text: str) -> str:
    """A valid FidesKey (letters, digits, '.', '_', '-') made from ``text``."""
    key = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text.strip()).strip("_")
    return key or "unnamed"


def _contact(contact: Any) -> dict[str, str] | None:
    if contact is None:
        return None
    out = {
        "name": contact.name or "",
        "address": contact.address or "",
        "email": contact.email or "",
        "phone": contact.phone or "",
    }
    return out if any(out.values()) else None


def _retention(activity: Any) -> str | None:
    parts = []
    for r in activity.retention:
        text = " ".join(x for x in (r.period, f"from {r.trigger}" if r.trigger else None) if x)
        if text:
            parts.append(text)
    return "; ".join(parts) or None


def _activity_meta(a: Any) -> dict[str, Any]:
    """What :mod:`audit_lib.io.fides` needs to give the activity back: id, every legal basis, purposes."""
    out: dict[str, Any] = {
        "id": a.id,
        "legal_basis": [b.value for b in a.legal_basis],
        "systems": list(a.systems),
    }
    if any(p.description for p in a.purposes):
        out["purposes"] = {p.key: p.description for p in a.purposes if p.description}
    return out


def _count_lost(register: Register, lost: Counter) -> None:
    """Count what the manifest cannot carry (DESIGN.md: nothing silently lost)."""
    org = register.organisation
    for name in (
        "country",
        "address",
        "website",
        "lead_supervisory_authority",
        "register_owner",
        "last_reviewed",
        "dpo_assessment",
        "transfer_regime",
        "sector",
        "policy_source",
    ):
        if getattr(org, name):
            lost[f"organisation.{name}"] += 1
    lost["organisation.joint_controllers"] += len(org.joint_controllers)
    for a in register.activities:
        lost["activity evidence quotes"] += len(a.evidence)
        lost["assumptions to confirm"] += len(a.assumptions) + sum(len(r.assumptions) for r in a.retention)
        lost["activity security measure links (Art 30(1)(g))"] += len(a.security_measures)
        lost["activity data sources (Art 14(2)(f))"] += len(a.sources)
        for name in (
            "legitimate_interest",
            "legitimate_interest_assessment",
            "consent_withdrawal",
            "criminal_data_basis",
            "owner",
            "last_reviewed",
            "automated_decision_making",
            "description",
            "provision_requirement",
            "children_data",
            "age_verification",
            "consent",
            "legal_obligation_law",
            "department",
            "notes",
        ):
            if getattr(a, name):
                lost[f"activity.{name}"] += 1
        if not a.purposes:
            lost["activities without a purpose (written with data use essential.service)"] += 1
        lost["retention per data category"] += sum(1 for r in a.retention if r.data_categories)
        lost["taxonomy labels beside a key"] += sum(
            1 for r in (*a.data_categories, *a.data_subjects) if r.label
        )
        lost["recipient link purposes and categories"] += sum(
            1 for r in a.recipients if r.purpose or r.data_categories
        )
        if a.dpia and (
            a.dpia.date or a.dpia.criteria_met or a.dpia.screening_notes or a.dpia.required is not None
        ):
            lost["DPIA screening details (Art 35)"] += 1
    for r in register.recipients:
        lost["recipient countries (Art 30(1)(e))"] += len(r.countries)
        lost["recipient transfer mechanisms (Art 46, 49)"] += len(r.transfer_mechanisms)
        lost["recipient DPA references (Art 28(3))"] += 1 if r.dpa else 0
        lost["recipient evidence quotes"] += len(r.evidence)
        lost["assumptions to confirm"] += len(r.assumptions)
        for name in (
            "contact",
            "joint_controller_arrangement",
            "sub_processor_authorisation",
            "dpf_certified",
            "established",
            "international_organisation",
            "sector",
            "disclosure_basis",
            "notes",
        ):
            if getattr(r, name) is not None:
                lost[f"recipient.{name}"] += 1
        lost["recipient.placeholder"] += r.placeholder
    lost["system countries"] += sum(len(s.countries) for s in register.systems)
    lost["system hosted_by"] += sum(1 for s in register.systems if s.hosted_by)
    lost["assumptions to confirm"] += sum(len(s.assumptions) for s in register.systems) + len(org.assumptions)
    lost["system evidence quotes"] += sum(len(s.evidence) for s in register.systems)
    lost["security measures (Art 32)"] += len(register.security_measures)
    lost["processor activities (Art 30(2) record)"] += len(register.processor_activities)
    c = register.commitments
    lost["commitments (rights, breach, children, cookies, consent, other)"] += (
        len(c.rights)
        + len(c.cookies)
        + len(c.other)
        + (c.breach_procedure is not None)
        + (c.children is not None)
        + (c.consent is not None)
    )
    for kind in ("data_categories", "data_uses", "data_subjects"):
        lost[f"taxonomy extensions ({kind})"] += len(getattr(register.taxonomy, kind))
    for k in [k for k, n in lost.items() if n == 0]:
        del lost[k]


def fides_manifest(register: Register, as_of: dt.date | str | None = None, *,
                   review: Review | None = None) -> tuple[dict[str, Any], Counter]:
    """The Fides manifest of ``register`` as plain data (validated by fideslang), and what was lost;
    the transfers are those of ``review`` (the command's, built here when not given)."""
    org = register.organisation
    org_key = fides_key(org.name.lower())
    transfers = (review if review is not None else Review(register, as_of)).transfers
    system_ids = {s.id for s in register.systems}
    rec_keys = {
        r.id: fides_key(f"recipient_{r.id}")
        if r.id in system_ids
        else fides_key(r.id)
        for r in register.recipients
    }
    lost: Counter = Counter()
    _count_lost(register, lost)

    def system(key: str, name: str, activities: list, meta: dict[str, Any], **extra: Any) -> dict[str, Any]:
        ids = {a.id for a in activities}
        moving = [t for t in transfers if ids & set(t.activities)]
        declarations = []
        egress: list[str] = []
        for a in activities:
            links = [rec_keys[link.recipient] for link in a.recipients if link.recipient in rec_keys]
            egress += [k for k in links if k not in egress]
            for p in a.purposes or [None]:
                decl: dict[str, Any] = {
                    "name": a.name,
                    "data_use": p.key if p else FALLBACK_USE,
                    "data_categories": [c.key for c in a.data_categories],
                    "data_subjects": [s.key for s in a.data_subjects],
                }
                if a.legal_basis:
                    decl["legal_basis_for_processing"] = LEGAL_BASIS[a.legal_basis[0]]
                    decl["flexible_legal_basis_for_processing"] = False
                if a.special_category_condition:
                    decl["processes_special_category_data"] = True
                    decl["special_category_legal_basis"] = SPECIAL_BASIS[a.special_category_condition]
                if (period := _retention(a)) is not None:
                    decl["retention_period"] = period
                if a.dpia and a.dpia.reference:
                    decl["impact_assessment_location"] = a.dpia.reference
                if links:
                    decl["data_shared_with_third_parties"] = True
                    decl["third_parties"] = ", ".join(links)
                    decl["egress"] = links
                declarations.append(decl)
        for decl in declarations:  # a declaration without a link says so, where the system has flows
            if egress:
                decl.setdefault("egress", [])
        meta = {"ropa": {**meta, "activities": {a.name: _activity_meta(a) for a in activities}}}
        out: dict[str, Any] = {
            "fides_key": key,
            "organization_fides_key": org_key,
            "name": name,
            "system_type": "Application",
            "responsibility": ["Controller"],
            "meta": meta,
            **extra,
            "privacy_declarations": declarations,
        }
        if egress:
            out["egress"] = [{"fides_key": k, "type": "system"} for k in egress]
        out["does_international_transfers"] = bool(moving)
        bases = sorted({TRANSFER_BASIS.get(t.mechanism, "Other") for t in moving})
        if bases:
            out["legal_basis_for_transfers"] = bases
        if org.dpo and org.dpo.name:
            out["dpo"] = org.dpo.name
        return out

    systems = []
    placed: set[str] = set()
    for s in register.systems:
        acts = [a for a in register.activities if s.id in a.systems]
        placed |= {a.id for a in acts}
        systems.append(system(fides_key(s.id), s.name, acts, {"system": s.id}, description=s.description))
    rest = [a for a in register.activities if a.id not in placed]
    if rest:
        systems.append(
            system(fides_key(f"{org_key}_processing"), f"{org.name}: processing", rest, {"synthetic": True})
        )
    for r in register.recipients:
        vendor = {
            "fides_key": rec_keys[r.id],
            "organization_fides_key": org_key,
            "name": r.name,
            "system_type": "Service",
            "description": r.category,
            "legal_name": r.name,
            "privacy_declarations": [],
            "meta": {
                "ropa": {
                    "recipient": r.id,
                    "role": r.role.value,
                    **({"parent": r.parent} if r.parent else {}),
                }
            },
        }
        moving = [t for t in transfers if t.importer == r.id]
        vendor["does_international_transfers"] = bool(moving)
        if moving:
            vendor["legal_basis_for_transfers"] = sorted(
                {TRANSFER_BASIS.get(t.mechanism, "Other") for t in moving}
            )
        if r.address:
            vendor["legal_address"] = r.address
        if r.privacy_policy_url:
            vendor["privacy_policy"] = r.privacy_policy_url
        if r.parent and r.parent in rec_keys:
            vendor["ingress"] = [{"fides_key": rec_keys[r.parent], "type": "system"}]
        systems.append(vendor)
    for s in systems:  # fideslang requires every declared egress to be a flow of the system
        if s.get("description") is None:
            s.pop("description", None)
    organization = {"fides_key": org_key, "name": org.name}
    if org.legal_entity:
        organization["description"] = org.legal_entity
    for key, contact in (
        ("controller", org.contact),
        ("data_protection_officer", org.dpo),
        ("representative", org.eu_representative),
    ):
        if (c := _contact(contact)) is not None:
            organization[key] = c
    manifest = {"organization": [organization], "system": systems}
    Taxonomy.model_validate(manifest)  # fideslang's own models: a manifest Fides would refuse is a bug here
    return manifest, lost


def write_fides(register: Register, path: str | Path, as_of: dt.date | str | None = None, *,
                review: Review | None = None) -> FidesReport:
    """Write the Fides manifest of ``register`` to ``path`` (YAML, atomically); report what was lost."""
    manifest, lost = fides_manifest(register, as_of, review=review)
    stamp = dt.date.today().isoformat()
    text = (
        f"# Fides manifest of {register.organisation.name}, written by `ropa export --format fides` on "
        f"{stamp}.\n# What Fides has no field for is listed by the command, not carried here.\n"
        + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)
    )
    target = atomic_write_text(path, text)
    declarations = sum(len(s["privacy_declarations"]) for s in manifest["system"])
    return FidesReport(target, len(manifest["system"]), declarations, lost)
