"""Chapter V: transfers out of the EEA (Art 44-49, Art 30(1)(e), Art 30(2)(c)).

The classification itself comes from :func:`audit_lib.analysis.transfers.classify_transfers`
(adequacy is computed from the dated reference data, never typed); these rules
turn its statuses, and the declared Art 49 derogations, into findings. A finding is
reported on the record holding the declarations (``Transfer.party``): the importer for
outbound and onward flows, the source party (the exporter) when the controller imports.
"""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.analysis.graph import controller_regime
from audit_lib.analysis.transfers import Direction, Mechanism, Transfer, TransferStatus
from audit_lib.audit.core import AuditContext, Hit, listing, rule
from audit_lib.model import Derogation, MechanismType, RecipientRole
from audit_lib.reference.transfers import adequacy, restricted

NO_MECHANISM = TransferStatus.no_mechanism
TO_VERIFY = TransferStatus.to_verify


def _us_without_dpf(ctx: AuditContext, t: Transfer) -> bool:
    """A US importer leaning on the EU-US adequacy decision without a recorded DPF certification."""
    recipient = ctx.recipients.get(t.importer)
    return (t.country == "US" and t.direction is not Direction.inbound and recipient is not None
            and recipient.dpf_certified is not True
            and t.mechanism in (Mechanism.adequacy, Mechanism.dpf, Mechanism.none)
            and t.status is not TransferStatus.compliant)


def _systematic(ctx: AuditContext, t: Transfer) -> bool:
    """A derogation to a processor or sub-processor that an activity in force feeds."""
    recipient = ctx.recipients.get(t.importer)
    return (t.mechanism is Mechanism.derogation and recipient is not None
            and recipient.role in (RecipientRole.processor, RecipientRole.sub_processor)
            and bool(ctx.in_force_users(t.importer)))


def claimed_by(ctx: AuditContext, t: Transfer) -> str | None:
    """The one rule code that reports a transfer (so no transfer is reported twice), or None.

    A transfer with no country recorded is left to ROPA-A008 / ROPA-H003 (record the country
    first); an undocumented second-subparagraph derogation to ROPA-T005.
    """
    if t.country is None or t.status is TransferStatus.compliant:
        return None
    if "derogation_undocumented" in t.flags:
        return "ROPA-T005"
    if _us_without_dpf(ctx, t):
        return "ROPA-T002"
    if _systematic(ctx, t):
        return "ROPA-T004"
    if t.status is NO_MECHANISM:
        return "ROPA-T001"
    if t.status is TO_VERIFY:
        return "ROPA-T003"
    return None


def _claimed(ctx: AuditContext, code: str) -> Iterator[Transfer]:
    seen: set[tuple] = set()
    for t in ctx.transfers:
        key = (t.exporter, t.importer, t.country)
        if key not in seen and claimed_by(ctx, t) == code:
            seen.add(key)
            yield t


def _what(t: Transfer) -> str:
    cats = listing(t.data_categories, 8) or "personal data"
    acts = f" for {listing(t.activities)}" if t.activities else ""
    if t.direction is Direction.inbound:
        return (f"the controller {t.importer_name} ({t.country}) imports {cats} from {t.exporter_name} "
                f"under the {t.regime}{acts}")
    via = f" onward from {t.exporter}" if t.onward else ""
    return f"{t.importer_name} ({t.country}) receives {cats}{via}{acts}"


def _note(t: Transfer) -> str:
    return f" ({t.note})" if t.note else ""


@rule("ROPA-T001", "high", "Art 44, 46", "Transfer outside the EEA with no lawful mechanism",
      "Put a transfer tool in place and record it on the recipient: SCCs (Decision 2021/914, the "
      "right module) or BCR under Art 46, or stop the transfer; Art 49 derogations only for "
      "occasional transfers.")
def no_mechanism(ctx: AuditContext) -> Iterator[Hit]:
    """A transfer (direct or onward through a sub-processor) to a country outside the EEA
    without adequacy, Art 46 safeguard or Art 49 derogation."""
    for t in _claimed(ctx, "ROPA-T001"):
        yield Hit(t.party, "transfer_mechanisms", f"{_what(t)} with no lawful transfer "
                  f"mechanism{_note(t)}")


@rule("ROPA-T002", "high", "Art 45 (Decision (EU) 2023/1795)",
      "US importer on adequacy without DPF certification",
      "Check the importer on the Data Privacy Framework list (dataprivacyframework.gov) and set "
      "dpf_certified: true, or sign SCCs with it and record them.")
def us_without_dpf(ctx: AuditContext) -> Iterator[Hit]:
    """An importer in the United States with no Art 46 safeguard or derogation, relying on the
    EU-US adequacy decision, which covers only organisations certified under the Data Privacy
    Framework, while the register does not record it as certified."""
    for t in _claimed(ctx, "ROPA-T002"):
        certified = ctx.recipients[t.importer].dpf_certified
        state = "recorded as not DPF-certified" if certified is False else "not recorded as DPF-certified"
        yield Hit(t.importer, "dpf_certified", f"{_what(t)} with no Art 46 safeguard, {state}: the EU-US "
                  "adequacy decision does not cover it")


@rule("ROPA-T003", "medium", "Art 46", "Transfer safeguard to verify",
      "Verify the declared safeguard (signed SCCs with the right module, the BCR approval, the "
      "transfer impact assessment) and record its reference and date.")
def to_verify(ctx: AuditContext) -> Iterator[Hit]:
    """A transfer outside the EEA whose declared safeguard the classification could not confirm
    (for instance an SCC module that does not fit the roles, or a declaration that contradicts
    the reference data)."""
    for t in _claimed(ctx, "ROPA-T003"):
        yield Hit(t.party, "transfer_mechanisms", f"{_what(t)} under {t.mechanism} "
                  f"({t.article}): safeguard to verify{_note(t)}")


@rule("ROPA-T004", "high", "Art 49(1)", "Art 49 derogation used for a regular, systematic transfer",
      "Derogations are for occasional transfers (EDPB Guidelines 2/2018): sign SCCs or another Art 46 "
      "safeguard with the importer and record it.")
def systematic_derogation(ctx: AuditContext) -> Iterator[Hit]:
    """A transfer relying on an Art 49 derogation to a processor or sub-processor that an
    activity in force feeds: a service relationship is regular and systematic, not occasional."""
    for t in _claimed(ctx, "ROPA-T004"):
        recipient = ctx.recipients[t.importer]
        users = ctx.in_force_users(t.importer)
        names = listing(a.id for a in users)
        yield Hit(t.importer, "transfer_mechanisms", f"{recipient.name} ({t.country}) is a "
                  f"{recipient.role.value.replace('_', '-')} used by {names}, yet the transfer rests "
                  f"on a derogation ({t.article})")


def _second_subparagraph_gaps(mechanisms, record: str, where: str) -> Iterator[Hit]:
    for i, m in enumerate(mechanisms):
        if (m.type is MechanismType.derogation and m.derogation is Derogation.second_subparagraph
                and not m.documentation):
            yield Hit(record, f"transfer_mechanisms[{i}].documentation",
                      f"{where}: transfer on compelling legitimate interests (Art 49(1) second "
                      "subparagraph) without the documented assessment and suitable safeguards")


@rule("ROPA-T005", "high", "Art 30(1)(e), 49(6)", "Art 49(1) second subparagraph transfer undocumented",
      "Record in 'documentation' the assessment of all the circumstances and the suitable safeguards "
      "(Art 49(6)); inform the supervisory authority (Art 49(1) second subparagraph).")
def second_subparagraph(ctx: AuditContext) -> Iterator[Hit]:
    """A transfer declared under the compelling-legitimate-interests derogation (Art 49(1)
    second subparagraph) whose assessment and safeguards are not documented."""
    for r in ctx.register.recipients:
        yield from _second_subparagraph_gaps(r.transfer_mechanisms, r.id, r.name)
    for p in ctx.register.processor_activities:
        yield from _second_subparagraph_gaps(p.transfer_mechanisms, p.id, p.name)


@rule("ROPA-T006", "high", "Art 30(2)(c), 44", "Processor record: transfer without a mechanism",
      "Record the transfer tool for each country (SCCs module 3 or 4, BCR) in the processor activity's "
      "transfer_mechanisms, or the controller's instruction covering it.")
def processor_record_transfers(ctx: AuditContext) -> Iterator[Hit]:
    """A processor activity (Art 30(2) record) transfers to a country outside the EEA with no
    adequacy decision and no declared transfer mechanism covering it."""
    regime = controller_regime(ctx.register, ctx.as_of)
    for p in ctx.register.processor_activities:
        covered = {c for m in p.transfer_mechanisms for c in m.countries}
        blanket = any(not m.countries for m in p.transfer_mechanisms)
        for i, code in enumerate(p.transfer_countries):
            if not restricted(code, ctx.as_of, regime) or code in covered or blanket:
                continue
            # a decision limited to certified organisations (US) never counts: certification is unknown
            if adequacy(code, ctx.as_of, regime=regime) is not None:
                continue
            yield Hit(p.id, f"transfer_countries[{i}]", f"{p.name}: transfer to {code} with no "
                      "adequacy decision and no transfer mechanism recorded")
