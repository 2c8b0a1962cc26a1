"""Assumptions still to confirm: the register keeper's gap-filling, as the DPO's own list.

Where the source (a privacy policy) is silent, a record carries an assumption marked
``to_confirm``. These are not findings (nothing is known to be wrong), so they are listed
apart (``ropa audit --assumptions``, :func:`assumptions_table`): one row per assumption, with the
record and field it fills in, for the record's owner to confirm or correct (Art 5(2)).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pandas as pd

from audit_lib.audit.core import ORGANISATION
from audit_lib.model import ActivityStatus, Register, Sourced

COLUMNS = ("record", "what", "field", "statement")


@dataclass(frozen=True)
class ToConfirm:
    """One assumption to confirm: the record and field it fills in, and what was assumed."""

    record: str
    what: str
    field: str
    statement: str


def _assumed(record: Sourced | None, prefix: str = "") -> Iterator[tuple[str, str]]:
    for x in record.assumptions if record is not None else ():
        if x.to_confirm:
            yield prefix + x.field, x.statement


def _records(reg: Register) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(record id, what it is, [(field, statement)]) of every record in force."""
    yield ORGANISATION, f"organisation {reg.organisation.name}", list(_assumed(reg.organisation))
    for a in reg.activities:
        if a.status is ActivityStatus.retired:
            continue
        items = list(_assumed(a))
        for i, r in enumerate(a.retention):
            items.extend(_assumed(r, f"retention[{i}]."))
        for i, s in enumerate(a.sources):
            items.extend(_assumed(s, f"sources[{i}]."))
        items.extend(_assumed(a.consent, "consent."))
        yield a.id, f"activity {a.name}", items
    for r in reg.recipients:
        items = list(_assumed(r))
        for i, m in enumerate(r.transfer_mechanisms):
            items.extend(_assumed(m, f"transfer_mechanisms[{i}]."))
        yield r.id, f"recipient {r.name}", items
    for rec in reg.security_measures:
        yield rec.id, f"security measure {rec.name}", list(_assumed(rec))
    for rec in reg.systems:
        yield rec.id, f"system {rec.name}", list(_assumed(rec))
    for p in reg.processor_activities:
        items = list(_assumed(p))
        for i, m in enumerate(p.transfer_mechanisms):
            items.extend(_assumed(m, f"transfer_mechanisms[{i}]."))
        yield p.id, f"processor activity {p.name}", items
    com = reg.commitments
    for c in com.rights:
        yield f"commitments.rights.{c.right.value}", f"right {c.right.value}", list(_assumed(c))
    yield "commitments.breach_procedure", "breach procedure", list(_assumed(com.breach_procedure))
    yield "commitments.children", "children policy", list(_assumed(com.children))
    yield "commitments.consent", "consent collection", list(_assumed(com.consent))
    for c in com.cookies:
        items = list(_assumed(c)) + list(_assumed(c.consent, "consent."))
        yield f"commitments.cookies.{c.id}", f"cookie {c.name}", items
    for i, c in enumerate(com.other):
        yield f"commitments.other[{i}]", f"commitment on {c.topic}", list(_assumed(c))


def assumptions(register: Register) -> list[ToConfirm]:
    """Every assumption still marked to_confirm, record by record (retired activities skipped)."""
    return [ToConfirm(record, what, field, statement)
            for record, what, items in _records(register) for field, statement in items]


def assumptions_table(register: Register) -> pd.DataFrame:
    """:func:`assumptions` as a DataFrame with the columns :data:`COLUMNS`."""
    return pd.DataFrame([asdict(x) for x in assumptions(register)], columns=list(COLUMNS))
