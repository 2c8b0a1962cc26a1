"""Keeping the register true: unused records and placeholders (assumptions: audit/assumptions.py)."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule
from audit_lib.model import RecipientRole


def _used_recipients(ctx: AuditContext) -> set[str]:
    """Recipients an activity (any status) or the processor record reaches, with their chains."""
    reg = ctx.register
    direct: set[str] = set()
    hosts = {s.id: s.hosted_by for s in reg.systems if s.hosted_by}
    for a in reg.activities:
        direct.update(a.recipient_ids)
        direct.update(s.party for s in a.sources if s.party)
        direct.update(hosts[s] for s in a.systems if s in hosts)
    for p in reg.processor_activities:
        direct.update(p.sub_processors)
    used = set(direct)
    for rid in ctx.recipients:
        if rid not in used and any(x in direct for x in ctx.chain(rid)):
            used.add(rid)
    return used


@rule("ROPA-H001", "low", "Art 30(1)(d)", "Recipient used by no activity",
      "Link the recipient to the activities whose data it receives, or remove it if no data reaches it.",
      group="{n} recipients are used by no activity")
def unused_recipient(ctx: AuditContext) -> Iterator[Hit]:
    """A recipient no activity discloses to, directly or through its processor chain, and that
    is no system host, data source or sub-processor of the processor record."""
    used = _used_recipients(ctx)
    providers = {c.provider for c in ctx.register.commitments.cookies if c.provider}
    for r in ctx.register.recipients:
        if r.id in used:
            continue
        extra = " (it sets cookies: link it to the activity they serve)" if r.id in providers else ""
        yield Hit(r.id, "id", f"{r.name} is not a recipient of any processing activity{extra}")


@rule("ROPA-H002", "low", "Art 5(1)(b)-(c)", "Data category used by no purpose",
      "Collect data only for a purpose: link the category to the activity that uses it, or remove it.")
def category_without_purpose(ctx: AuditContext) -> Iterator[Hit]:
    """A data category the register defines (taxonomy.yaml) that no activity in force collects
    for a purpose, or one an activity keeps (a retention rule names it) without collecting it."""
    collected = {c.key for a in ctx.activities for c in a.data_categories}
    for ext in ctx.register.taxonomy.data_categories:
        key = ext.fides_key
        if not any(k == key or k.startswith(key + ".") for k in collected):
            yield Hit("taxonomy", "data_categories", f"{ext.name} ({key}) is defined but no activity in "
                      "force collects it for a purpose")
    for a in ctx.activities:
        if not any(r.data_categories for r in a.retention):
            continue
        own = set(a.data_category_keys)
        for i, r in enumerate(a.retention):
            for c in r.data_categories:
                if c.key not in own and not any(c.key.startswith(k + ".") for k in own):
                    yield Hit(a.id, f"retention[{i}].data_categories", f"{a.name}: keeps {c} but does "
                              "not collect it for any of its purposes")


@rule("ROPA-H003", "medium", "Art 30(1)(d)-(e), 28(1), 44", "Placeholder recipient: party not identified",
      "Identify the actual party (legal entity, country); then record its role, DPA or arrangement "
      "and transfer mechanism, and set placeholder: false.",
      group="{n} recipients are categories, not identified parties: nobody can tell where their data "
      "goes (country, transfer tool) or check a processor's contract")
def placeholder(ctx: AuditContext) -> Iterator[Hit]:
    """A recipient stands for a category of parties the policy names without identifying them
    (e.g. 'email delivery providers'). A category suffices for Art 30(1)(d), but a processor
    needs a contract and a transfer needs a country (this finding covers the missing country too:
    ROPA-A008 does not repeat it). Public authorities (disclosures on legal demand) are not
    expected to be named in advance."""
    for r in ctx.register.recipients:
        if r.placeholder and r.role is not RecipientRole.public_authority:
            need = " (as a processor it needs a DPA)" if r.role in (
                RecipientRole.processor, RecipientRole.sub_processor) else ""
            yield Hit(r.id, "placeholder", f"{r.name}: party not identified{need}",
                      detail=f"{r.id}{' (processor)' if need else ''}")
