"""The record catalogue: every kind of record a register holds, named once.

Each entry says which model a record is, where it sits in :class:`Register` (attribute
path), which register file holds it, which field identifies it, how a reader calls it,
and how its canonical record path is written (``activities[newsletter]``,
``organisation``, ``commitments.cookies[ga]``). The loader, the importers, the
export and the audit walk registers through this table instead of listing kinds by hand.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from audit_lib.model.records import (
    BreachProcedure,
    ChildrenPolicy,
    Commitments,
    ConsentCollection,
    CookieUse,
    Organisation,
    OtherCommitment,
    ProcessingActivity,
    ProcessorActivity,
    Recipient,
    Ref,
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
    name_field: str | None = "name"
    """Field that names one record for a reader (``right`` for a right commitment), if any."""

    def name(self, record: Any, index: int = 0) -> str:
        """How a message names one record: its name field, else its identifier."""
        value = getattr(record, self.name_field, None) if self.name_field else None
        return str(getattr(value, "value", value)) if value else self.key(record, index)

    @property
    def word(self) -> str:
        """The label without its parenthesis, for messages (``controller``, ``processor activity``)."""
        return self.label.split(" (")[0]

    def ref(self, record: Any, index: int = 0) -> str:
        """How a finding names a record: its id when top-level (``newsletter``), else its canonical path.

        ``organisation``, ``commitments.cookies[ga]``, ``commitments.rights[0]``.
        """
        if self.many and len(self.attribute) == 1:
            return self.key(record, index)
        return self.path(record, index)

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
    # A right may have several commitments (one per context), so they are identified by position.
    RecordKind("rights", RightCommitment, ("commitments", "rights"), "commitments.yaml", None,
               "data-subject right", name_field="right"),
    RecordKind("breach_procedure", BreachProcedure, ("commitments", "breach_procedure"), "commitments.yaml",
               None, "breach procedure", many=False, name_field=None),
    RecordKind("children", ChildrenPolicy, ("commitments", "children"), "commitments.yaml", None,
               "children policy", many=False, name_field=None),
    RecordKind("consent", ConsentCollection, ("commitments", "consent"), "commitments.yaml", None,
               "consent collection", many=False, name_field=None),
    RecordKind("cookies", CookieUse, ("commitments", "cookies"), "commitments.yaml", "id", "cookie"),
    RecordKind("other_commitments", OtherCommitment, ("commitments", "other"), "commitments.yaml", None,
               "other commitment", name_field="topic"),
    RecordKind("taxonomy_categories", TaxonomyExtension, ("taxonomy", "data_categories"), "taxonomy.yaml",
               "fides_key", "data category (own taxonomy)"),
    RecordKind("taxonomy_uses", TaxonomyExtension, ("taxonomy", "data_uses"), "taxonomy.yaml", "fides_key",
               "data use (own taxonomy)"),
    RecordKind("taxonomy_subjects", TaxonomyExtension, ("taxonomy", "data_subjects"), "taxonomy.yaml",
               "fides_key", "data subject (own taxonomy)"),
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


# --------------------------------------------------------------------------
# Typed references: fields annotated with Ref (records.RecipientId ...)
# --------------------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Ref | None, bool, type[BaseModel] | None]:
    """(reference mark, is a list, nested model) of a field annotation."""
    many = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return None, many, None
            annotation = args[0]
        elif origin is list:
            many = True
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Annotated:
            mark = next((m for m in annotation.__metadata__ if isinstance(m, Ref)), None)
            if mark is not None:
                return mark, many, None
            annotation = typing.get_args(annotation)[0]
        else:
            break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None, many, annotation
    return None, many, None


@cache
def _reference_fields(model: type[BaseModel]) -> tuple[tuple[str, Ref | None, bool, type | None], ...]:
    """(field, mark, is a list, nested model) for the fields of ``model`` that hold or may hold references."""
    out = []
    for name, info in model.model_fields.items():
        mark = next((m for m in info.metadata if isinstance(m, Ref)), None)
        many = False
        nested = None
        if mark is None:
            mark, many, nested = _unwrap(info.annotation)
        if nested is not None and nested is not model and not _reference_fields(nested):
            nested = None
        if mark is not None or nested is not None:
            out.append((name, mark, many, nested))
    return tuple(out)


def references(record: BaseModel) -> Iterator[tuple[tuple, str, str]]:
    """(path inside the record, target kind, id) of every typed reference, nested records included.

    The path is of field names and list positions (``("sources", 0, "party")``); a
    reference marked ``whole`` is reported at the record holding it.
    """
    found: list[tuple[tuple, str, str]] = []
    _collect(record, (), found)
    return iter(found)


def _collect(record: BaseModel, prefix: tuple, found: list[tuple[tuple, str, str]]) -> None:
    """Append the references of ``record`` (at ``prefix``) to ``found``: one pass, no generators."""
    values = record.__dict__
    for name, mark, many, _ in _reference_fields(record.__class__):
        value = values[name]
        if value is None or (many and not value):
            continue
        if mark is not None:
            kind = mark.kind
            if mark.whole and many:
                found.extend((prefix, kind, item) for item in value)
            elif mark.whole:
                found.append((prefix, kind, value))
            elif many:
                found.extend(((*prefix, name, index), kind, item) for index, item in enumerate(value))
            else:
                found.append(((*prefix, name), kind, value))
        elif many:
            for index, item in enumerate(value):
                _collect(item, (*prefix, name, index), found)
        else:
            _collect(value, (*prefix, name), found)
