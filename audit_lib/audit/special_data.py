"""Special categories (Art 9), criminal data (Art 10) and children's data (Art 8)."""

from __future__ import annotations

from collections.abc import Iterator

from audit_lib.audit.core import AuditContext, Hit, involves_children, rule

__all__ = ["involves_children"]


@rule("ROPA-S001", "high", "Art 9(1)-(2)", "Special-category data without an Art 9(2) condition",
      "Record the Art 9(2) condition (special_category_condition: a-j) that lifts the prohibition, "
      "or stop processing the data.")
def special_category(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force processes special-category data (health, biometric, racial or ethnic
    origin, political opinion, religion, sexual orientation) with no Art 9(2) condition."""
    for a in ctx.sensitive:
        found = ctx.facts[a.id].special
        if found and a.special_category_condition is None:
            yield Hit(a.id, "special_category_condition",
                      f"{a.name}: special-category data ({', '.join(found)}) without an Art 9(2) condition")


@rule("ROPA-S002", "high", "Art 10", "Criminal-offence data without an Art 10 basis",
      "Record the Union or member-state law (or official authority) under which the criminal "
      "data is processed (criminal_data_basis).")
def criminal_data(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force processes personal data relating to criminal convictions and
    offences with no Art 10 authority recorded."""
    for a in ctx.sensitive:
        found = ctx.facts[a.id].criminal
        if found and not a.criminal_data_basis:
            yield Hit(a.id, "criminal_data_basis",
                      f"{a.name}: criminal-offence data ({', '.join(found)}) without an Art 10 basis")


@rule("ROPA-S003", "medium", "Art 8", "Children's data without an age check",
      "Describe how age is checked and parental consent obtained below the national age of "
      "digital consent (age_verification on the activity or in commitments.children).",
      group="{n} activities process children's data without an age-check statement")
def children_age_check(ctx: AuditContext) -> Iterator[Hit]:
    """An activity in force processes children's data, and neither it nor the organisation's
    children policy says how age is verified (and parental consent obtained)."""
    policy = ctx.register.commitments.children
    org_check = bool(policy and policy.age_verification)
    for a in ctx.sensitive:
        if ctx.facts[a.id].children and not (a.age_verification or org_check):
            yield Hit(a.id, "age_verification", f"{a.name}: children's data without an age-check statement")
