"""Audit rules: turn a register into the DPO's work list of findings.

Each rule is a small function in a topic module (completeness, consent,
transfers, processors, special_data, retention, lawful_basis, rights, security,
dpia, organisation, hygiene), registered in :data:`RULES` with a stable code (``ROPA-A001``...),
severity, article and remedy. :func:`audit` runs them all and returns every
finding; :func:`findings_table` gives them as a DataFrame.
"""

from audit_lib.audit import (  # noqa: F401  (importing registers the rules)
    completeness,
    consent,
    dpia,
    hygiene,
    lawful_basis,
    organisation,
    processors,
    retention,
    rights,
    security,
    special_data,
    transfers,
)
from audit_lib.audit.accepted import Acceptance, AcceptedError, apply_acceptances, read_acceptances
from audit_lib.audit.assumptions import assumptions, assumptions_table
from audit_lib.audit.catalogue import catalogue_markdown, catalogue_table
from audit_lib.audit.core import (
    FIELDS,
    LEVELS,
    RULES,
    AuditContext,
    Finding,
    Rule,
    Severity,
    at_or_above,
    audit,
    blocking,
    counts,
    duplicates,
    findings_table,
)

__all__ = [
    "FIELDS", "LEVELS", "RULES", "Acceptance", "AcceptedError", "AuditContext", "Finding", "Rule", "Severity",
    "apply_acceptances", "assumptions", "assumptions_table", "at_or_above", "audit", "blocking",
    "catalogue_markdown", "catalogue_table", "counts", "duplicates", "findings_table", "read_acceptances",
]
