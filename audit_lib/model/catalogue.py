"""The record catalogue: every kind of record a register holds, named once.

Each entry says which model a record is, where it sits in :class:`Register` (attribute
path), which register file holds it, which field identifies it, how a reader calls it,
and how its canonical record path is written (``activities[newsletter]``,
``organisation``, ``commitments.rights[access]``). The loader, the importers, the
export and the audit walk registers through this table instead of listing kinds by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from audit_lib.model.records import (
    BreachProcedure,
    ChildrenPolicy,
    Commitments,
    CookieUse,
    Organisation,
    OtherCommitment,
    ProcessingActivity,
    ProcessorActivity,
    Recipient,
    Register,
    RightCommitment,
    SecurityMeasure,
    System,
    Taxonomy,
    TaxonomyExtension,
)


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: model, place in the register, file, id field, label and path."""

    kind: str
    """Short name, also the data-sheet name of the workbook (``activities``, ``rights``)."""
    model: type[BaseModel]
    attribute: tuple[str, ...]
    """Attribute path from :class:`Register` (``("commitments", "rights")``)."""
    file: str
    """Register file that holds it (``activities.yaml``)."""
    id_field: str | None
    """Field identifying one record (None: one record per register, or identified by position)."""
    label: str
    """What a reader calls one record (``processing activity``)."""
    many: bool = True

    @property
    def prefix(self) -> str:
        """The record path prefix: the attribute path joined with dots."""
        return ".".join(self.attribute)

    def records(self, register: Register) -> list[Any]:
        """The records of this kind in ``register`` (a list, empty when absent)."""
        value: Any = register
        for name in self.attribute:
            value = getattr(value, name, None)
            if value is None:
                return []
        return list(value) if self.many else [value]

    def key(self, record: Any, index: int = 0) -> str:
        """The record's identifier: its id field's value, or its position when it has none."""
        if self.id_field is None:
            return str(index)
        value = getattr(record, self.id_field)
        return str(getattr(value, "value", value))

    def path(self, record: Any = None, index: int = 0) -> str:
        """Canonical record path: ``activities[newsletter]``; ``organisation`` for a single record."""
        if not self.many:
            return self.prefix
        return f"{self.prefix}[{self.key(record, index)}]"


CATALOGUE: tuple[RecordKind, ...] = (
    RecordKind("organisation", Organisation, ("organisation",), "organisation.yaml", None,
               "controller (organisation)", many=False),
    RecordKind("activities", ProcessingActivity, ("activities",), "activities.yaml", "id",
               "processing activity"),
    RecordKind("recipients", Recipient, ("recipients",), "recipients.yaml", "id", "recipient"),
    RecordKind("security", SecurityMeasure, ("security_measures",), "security.yaml", "id",
               "security measure"),
    RecordKind("systems", System, ("systems",), "systems.yaml", "id", "system"),
    RecordKind("processor_activities", ProcessorActivity, ("processor_activities",),
               "processor_activities.yaml", "id", "processor activity (Art 30(2))"),
    RecordKind("rights", RightCommitment, ("commitments", "rights"), "commitments.yaml", "right",
               "data-subject right"),
    RecordKind("breach_procedure", BreachProcedure, ("commitments", "breach_procedure"), "commitments.yaml",
               None, "breach procedure", many=False),
    RecordKind("children", ChildrenPolicy, ("commitments", "children"), "commitments.yaml", None,
               "children policy", many=False),
    RecordKind("cookies", CookieUse, ("commitments", "cookies"), "commitments.yaml", "id", "cookie"),
    RecordKind("other_commitments", OtherCommitment, ("commitments", "other"), "commitments.yaml", None,
               "other commitment"),
    RecordKind("taxonomy_categories", TaxonomyExtension, ("taxonomy", "data_categories"), "taxonomy.yaml",
               "key", "data category (own taxonomy)"),
    RecordKind("taxonomy_uses", TaxonomyExtension, ("taxonomy", "data_uses"), "taxonomy.yaml", "key",
               "data use (own taxonomy)"),
    RecordKind("taxonomy_subjects", TaxonomyExtension, ("taxonomy", "data_subjects"), "taxonomy.yaml", "key",
               "data subject (own taxonomy)"),
)
"""Every kind of record, in the order the register, the workbook and reports list them."""

BY_KIND: dict[str, RecordKind] = {k.kind: k for k in CATALOGUE}

FILES: dict[str, type[BaseModel]] = {
    "organisation.yaml": Organisation,
    "activities.yaml": ProcessingActivity,
    "recipients.yaml": Recipient,
    "security.yaml": SecurityMeasure,
    "systems.yaml": System,
    "processor_activities.yaml": ProcessorActivity,
    "commitments.yaml": Commitments,
    "taxonomy.yaml": Taxonomy,
}
"""Each register file and the model of its top-level content (a list of it for list files)."""


def kinds_in(file: str) -> list[RecordKind]:
    """The record kinds a register file holds (``commitments.yaml`` holds five)."""
    return [k for k in CATALOGUE if k.file == file]


def walk(register: Register) -> Iterator[tuple[RecordKind, Any, str]]:
    """(kind, record, canonical path) for every record of the register, in catalogue order."""
    for kind in CATALOGUE:
        for index, record in enumerate(kind.records(register)):
            yield kind, record, kind.path(record, index)
