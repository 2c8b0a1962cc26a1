"""Processors, sub-processors and joint controllers (Art 26, Art 28)."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, rule
from audit_lib.model import RecipientRole


@rule("ROPA-P001", "high", "Art 28(3)", "Processor without a data processing agreement",
      "Sign a DPA with the Art 28(3) terms with the processor and record its reference and date (dpa).",
      group="{n} processors have no data processing agreement recorded")
def processor_dpa(ctx: AuditContext) -> Iterator[Hit]:
    """A processor (an identified party, not a placeholder) has no DPA reference. Independent
    controllers, public authorities and internal recipients need none; sub-processors are
    checked by ROPA-P002 and placeholders by ROPA-H005."""
    for r in ctx.register.recipients:
        if r.role is RecipientRole.processor and r.dpa is None and not r.placeholder:
            used = len(ctx.users.get(r.id, ()))
            yield Hit(r.id, "dpa", f"processor {r.name} has no data processing agreement recorded"
                      + (f" (used by {used} activit{'y' if used == 1 else 'ies'})" if used else ""),
                      detail=f"{r.name} ({r.id})")


@rule("ROPA-P002", "medium", "Art 28(2), 28(4)", "Sub-processor without recorded authorisation",
      "Record the controller's prior specific or general written authorisation of the sub-processor "
      "(sub_processor_authorisation: type, reference, date).",
      group="{n} sub-processors have no authorisation of the controller recorded")
def sub_processor_authorisation(ctx: AuditContext) -> Iterator[Hit]:
    """A sub-processor in a processor chain (or one our own Art 30(2) record engages) has no
    authorisation of the controller recorded."""
    for r in ctx.register.recipients:
        if r.role is RecipientRole.sub_processor and r.sub_processor_authorisation is None \
                and not r.placeholder:
            chain = " -> ".join(ctx.chain(r.id))
            yield Hit(r.id, "sub_processor_authorisation",
                      f"sub-processor {r.name} (chain {chain}) has no authorisation recorded")
    flagged: set[str] = set()
    for p in ctx.register.processor_activities:
        for rid in p.sub_processors:
            r = ctx.recipients.get(rid)
            if r is None or r.role is RecipientRole.sub_processor or rid in flagged:
                continue
            if r.sub_processor_authorisation is None and not r.placeholder:
                flagged.add(rid)
                yield Hit(rid, "sub_processor_authorisation",
                          f"{r.name} works as our sub-processor for {p.name} ({p.id}) without the "
                          "controller's authorisation recorded")


@rule("ROPA-P003", "medium", "Art 26", "Joint controller without an arrangement",
      "Agree and record the Art 26 arrangement setting out each controller's responsibilities "
      "(joint_controller_arrangement), and make its essence available to data subjects.",
      group="{n} joint controllers have no Art 26 arrangement recorded")
def joint_controller_arrangement(ctx: AuditContext) -> Iterator[Hit]:
    """A joint controller has no Art 26 arrangement recorded (a DPA is not what it needs). Those
    that collect through a plugin or tracker on the site are reported by ROPA-C004 instead."""
    from audit_lib.audit.consent import plugin_providers

    plugins = plugin_providers(ctx)
    for r in ctx.register.recipients:
        if r.role is RecipientRole.joint_controller and r.joint_controller_arrangement is None \
                and not r.placeholder and r.id not in plugins:
            yield Hit(r.id, "joint_controller_arrangement",
                      f"joint controller {r.name} has no Art 26 arrangement recorded")
