"""Tidy pandas views of a register, for notebooks and the export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit_lib.model import ProcessingActivity, Register, Retention
from audit_lib.reference.countries import country_name
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category, label

if TYPE_CHECKING:
    import pandas as pd


def _join(items) -> str:
    return "; ".join(str(i) for i in items)


def retention_text(rule: Retention) -> str:
    """One line for a retention rule: period, trigger and categories (Art 30(1)(f))."""
    parts = []
    if rule.period:
        parts.append(rule.period)
    if rule.trigger:
        parts.append(f"from {rule.trigger}")
    if rule.description:
        parts.append(rule.description)
    if rule.data_categories:
        parts.append("for " + ", ".join(c.key for c in rule.data_categories))
    return " ".join(parts) or "not stated"


def summary(register: Register) -> dict[str, int]:
    """Headline counts of a register."""
    return {
        "activities": len(register.activities),
        "recipients": len(register.recipients),
        "countries": len(register.countries),
        "security measures": len(register.security_measures),
        "systems": len(register.systems),
        "processor activities": len(register.processor_activities),
    }


def activities_table(register: Register) -> pd.DataFrame:
    """One row per processing activity with its Art 30(1) items as text."""
    import pandas as pd

    rows = []
    for a in register.activities:
        rows.append(
            {
                "id": a.id,
                "name": a.name,
                "status": a.status.value,
                "purposes": _join(a.purposes),
                "legal_basis": _join(b.value for b in a.legal_basis),
                "data_subjects": _join(a.data_subjects),
                "data_categories": _join(a.data_categories),
                "recipients": _join(a.recipient_ids),
                "retention": _join(retention_text(r) for r in a.retention),
                "security_measures": _join(a.security_measures),
                "owner": a.owner,
                "last_reviewed": a.last_reviewed,
                "assumptions": len(a.assumptions),
            }
        )
    return pd.DataFrame(rows, columns=_ACTIVITY_COLUMNS)


_ACTIVITY_COLUMNS = [
    "id", "name", "status", "purposes", "legal_basis", "data_subjects", "data_categories",
    "recipients", "retention", "security_measures", "owner", "last_reviewed", "assumptions",
]


def recipients_table(register: Register) -> pd.DataFrame:
    """One row per recipient: role, parent processor, countries, DPA, declared mechanisms."""
    import pandas as pd

    rows = []
    for r in register.recipients:
        rows.append(
            {
                "id": r.id,
                "name": r.name,
                "role": r.role.value,
                "category": r.category,
                "parent": r.parent,
                "countries": _join(r.countries),
                "country_names": _join(country_name(c) for c in r.countries),
                "dpa": r.dpa.reference if r.dpa else None,
                "dpf_certified": r.dpf_certified,
                "mechanisms": _join(m.type.value for m in r.transfer_mechanisms),
                "placeholder": r.placeholder,
                "used_by": len(register.activities_using(r.id)),
            }
        )
    columns = ["id", "name", "role", "category", "parent", "countries", "country_names", "dpa",
               "dpf_certified", "mechanisms", "placeholder", "used_by"]
    return pd.DataFrame(rows, columns=columns)


def data_categories_table(register: Register) -> pd.DataFrame:
    """Tidy: one row per (activity, data category), with its taxonomy name and Art 9/10 flags."""
    import pandas as pd

    extra = {t.fides_key: t.name for t in register.taxonomy.data_categories}
    rows = [
        {
            "activity": a.id,
            "data_category": c.key,
            "category_name": label("data_categories", c.key, extra),
            "label": c.label,
            "special_category": is_special_category(c.key),
            "criminal_data": is_criminal_data(c.key),
        }
        for a in register.activities
        for c in a.data_categories
    ]
    columns = ["activity", "data_category", "category_name", "label", "special_category",
               "criminal_data"]
    return pd.DataFrame(rows, columns=columns)


def activity_recipient_matrix(register: Register) -> pd.DataFrame:
    """Activities (rows) x recipients (columns): True where the activity discloses to it."""
    import pandas as pd

    matrix = pd.DataFrame(
        False,
        index=pd.Index([a.id for a in register.activities], name="activity"),
        columns=pd.Index([r.id for r in register.recipients], name="recipient"),
    )
    for a in register.activities:
        if a.recipient_ids:
            matrix.loc[a.id, a.recipient_ids] = True
    return matrix


def categories_of(activity: ProcessingActivity, recipient_id: str) -> list[str]:
    """The data category keys an activity discloses to a recipient (all, unless limited)."""
    for link in activity.recipients:
        if link.recipient == recipient_id:
            if link.data_categories:
                return [c.key for c in link.data_categories]
            return activity.data_category_keys
    return []
