"""Data protection impact assessment (Art 35) screened by the nine WP248 rev.01 criteria.

Criteria come from the activity's own screening (``dpia.criteria_met``) plus
those the register shows on its face: special-category or criminal data
(sensitive data), children, employees or patients (vulnerable data subjects),
profiling or targeting purposes (evaluation or scoring), and data from third
parties combined with data from the person (matching or combining datasets).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from audit_lib.audit.core import ActivityFacts, AuditContext, Hit, rule
from audit_lib.model import DpiaCriterion, ProcessingActivity, SourceType

VULNERABLE_SUBJECTS = {"employee", "patient", "trainee", "job_applicant"}
PROFILING_WORDS = ("profil", "targeted")


@lru_cache(maxsize=1024)
def _profiling(key: str) -> bool:
    return any(w in key for w in PROFILING_WORDS)


def inferred_criteria(activity: ProcessingActivity,
                      facts: ActivityFacts | None = None) -> dict[DpiaCriterion, str]:
    """WP248 criteria the register shows on its face, with the reason for each."""
    facts = facts or ActivityFacts.of(activity)
    out: dict[DpiaCriterion, str] = {}
    sensitive = facts.special + facts.criminal
    if sensitive:
        out[DpiaCriterion.sensitive_or_highly_personal_data] = ", ".join(sensitive)
    vulnerable = [s.key for s in activity.data_subjects if s.key in VULNERABLE_SUBJECTS]
    if facts.children:
        vulnerable.insert(0, "children")
    if vulnerable:
        out[DpiaCriterion.vulnerable_data_subjects] = ", ".join(vulnerable)
    profiling = [p.key for p in activity.purposes if _profiling(p.key)]
    if profiling:
        out[DpiaCriterion.evaluation_or_scoring] = ", ".join(profiling)
    types = {s.type for s in activity.sources}
    if SourceType.third_party in types and types & {SourceType.data_subject, SourceType.observed}:
        out[DpiaCriterion.matching_or_combining_datasets] = "data from third parties combined with own data"
    return out


def screening(activity: ProcessingActivity, facts: ActivityFacts | None = None) -> dict[DpiaCriterion, str]:
    """Every WP248 criterion met: declared ones ('declared') and inferred ones (their reason)."""
    declared = {c: "declared" for c in (activity.dpia.criteria_met if activity.dpia else [])}
    return {**inferred_criteria(activity, facts), **declared}


def _describe(met: dict[DpiaCriterion, str]) -> str:
    return "; ".join(f"{c.value.replace('_', ' ')} ({why})" for c, why in met.items())


@rule("ROPA-D001", "high", "Art 35(1), WP248 rev.01", "Likely high risk and no DPIA",
      "Carry out a DPIA before the processing (Art 35(7)) and record its reference and date "
      "(dpia.reference), or record why no high risk remains (dpia.required: false with screening_notes).")
def dpia_screening(ctx: AuditContext) -> Iterator[Hit]:
    """Two or more of the nine WP248 criteria are met (declared in dpia.criteria_met or visible in
    the register) and there is no DPIA reference, nor a documented decision that none is needed."""
    for a in ctx.activities:
        d = a.dpia
        if d and (d.reference or d.required is True or (d.required is False and d.screening_notes)):
            continue
        met = screening(a, ctx.facts[a.id])
        if len(met) >= 2:
            yield Hit(a.id, "dpia", f"{a.name}: {len(met)} WP248 criteria met ({_describe(met)}) "
                      "and no DPIA reference")


@rule("ROPA-D002", "high", "Art 35(1)", "DPIA required but not referenced",
      "Carry out the DPIA and record its reference and date (dpia.reference, dpia.date).",
      group="{n} activities are marked as needing a DPIA and none is referenced")
def dpia_required(ctx: AuditContext) -> Iterator[Hit]:
    """The register itself says a DPIA is required (dpia.required: true) but gives no reference."""
    for a in ctx.activities:
        if a.dpia and a.dpia.required is True and not a.dpia.reference:
            yield Hit(a.id, "dpia.reference", f"{a.name}: DPIA marked as required but no reference recorded")
