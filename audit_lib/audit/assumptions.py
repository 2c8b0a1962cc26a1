"""Assumptions still to confirm: the register keeper's gap-filling, as the DPO's own list.

Where the source (a privacy policy) is silent, a record carries an assumption marked
``to_confirm``. These are not findings (nothing is known to be wrong), so they are listed
apart (``ropa audit --assumptions``, :func:`assumptions_table`): one row per assumption, with the
record and field it fills in, for the record's owner to confirm or correct (Art 5(2)).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from audit_lib.model import ActivityStatus, Register, Sourced
from audit_lib.model.catalogue import CATALOGUE

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("record", "what", "field", "statement")


@dataclass(frozen=True)
class ToConfirm:
    """One assumption to confirm: the record and field it fills in, and what was assumed."""

    record: str
    what: str
    field: str
    statement: str


def _assumed(record: Sourced, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field, statement) of the assumptions to confirm in a record and in the records nested in it."""
    for x in record.assumptions:
        if x.to_confirm:
            yield prefix + x.field, x.statement
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, Sourced):
            yield from _assumed(value, f"{prefix}{name}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Sourced):
                    yield from _assumed(item, f"{prefix}{name}[{i}].")


def _records(reg: Register) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(record, what it is, [(field, statement)]) of every record of the catalogue in force."""
    for kind in CATALOGUE:
        for i, record in enumerate(kind.records(reg)):
            if not isinstance(record, Sourced):
                continue
            if kind.kind == "activities" and record.status is ActivityStatus.retired:
                continue
            what = f"{kind.word} {kind.name(record, i)}" if kind.name_field else kind.word
            yield kind.ref(record, i), what, list(_assumed(record))


def assumptions(register: Register) -> list[ToConfirm]:
    """Every assumption still marked to_confirm, record by record (retired activities skipped)."""
    return [ToConfirm(record, what, field, statement)
            for record, what, items in _records(register) for field, statement in items]


def assumptions_table(register: Register) -> pd.DataFrame:
    """:func:`assumptions` as a DataFrame with the columns :data:`COLUMNS`."""
    import pandas as pd

    return pd.DataFrame([asdict(x) for x in assumptions(register)], columns=list(COLUMNS))
