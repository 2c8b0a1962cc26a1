"""Machine-readable data sheets: every record, every field, losslessly (read by import-xlsx).

Each record type has a sheet ``data.<name>`` with one row per record and one column
per model field, in model order. Scalar fields (text, numbers, true/false, dates,
enumerations) are plain cells a DPO can edit; lists and nested records are JSON.
A text value is written as JSON (starting with a double quote) only when it is
empty, starts with a double quote, holds a carriage return (XML parsers turn it into
a line feed) or characters XML cannot store, so the encoding is unambiguous and
nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from audit_lib.io.cells import ILLEGAL_XML_RE
from audit_lib.model import Register
from audit_lib.model.catalogue import CATALOGUE, RecordKind

if TYPE_CHECKING:  # the sheet type is the export's; imported where used (io does not import export)
    from audit_lib.export.sheet import Sheet

PREFIX = "data."


@dataclass(frozen=True)
class DataTable:
    """One record kind of the catalogue and its data sheet (``data.<kind>``)."""

    kind: RecordKind

    @property
    def name(self) -> str:
        return self.kind.kind

    @property
    def model(self) -> type[BaseModel]:
        return self.kind.model

    @property
    def path(self) -> tuple[str, ...]:
        return self.kind.attribute

    @property
    def many(self) -> bool:
        return self.kind.many

    @property
    def sheet(self) -> str:
        return PREFIX + self.name

    def records(self, register: Register) -> list[BaseModel]:
        return self.kind.records(register)


DATA_TABLES: tuple[DataTable, ...] = tuple(DataTable(kind) for kind in CATALOGUE)
"""One data sheet per kind of record, in the order of :data:`audit_lib.model.catalogue.CATALOGUE`."""


def _structured(annotation: Any) -> bool:
    """True when a field holds a list, a mapping or a nested record (stored as JSON)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _structured(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_structured(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin in (list, dict, tuple, set):
        return True
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


_LAST = ("evidence", "assumptions", "notes")


@cache
def field_kinds(model: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """(field name, stored as JSON?) for each field of a model: its own fields first, then the
    evidence, assumptions and notes every sourced record carries."""
    names = [n for n in model.model_fields if n not in _LAST] + [n for n in _LAST if n in model.model_fields]
    return tuple((name, _structured(model.model_fields[name].annotation)) for name in names)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_DIGEST_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def _json(value: Any) -> str:
    text = _ENCODER.encode(value)
    if ILLEGAL_XML_RE.search(text) is None:
        return text
    return ILLEGAL_XML_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def encode_scalar(value: Any) -> Any:
    """Cell value for a scalar field."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text == "" or text.startswith('"') or "\r" in text or ILLEGAL_XML_RE.search(text):
        return _json(text)  # XML would turn CR into LF, and cannot hold the illegal characters
    return text


def encode_record(record: BaseModel) -> list[Any]:
    """One data-sheet row: a cell per field (blank where the field has its default)."""
    dumped = record.model_dump(mode="json", exclude_defaults=True)
    row: list[Any] = []
    for name, structured in field_kinds(type(record)):
        if name not in dumped:
            row.append(None)
        elif structured:
            row.append(_json(dumped[name]))
        else:
            row.append(encode_scalar(getattr(record, name)))
    if all(v is None for v in row):  # a record with every field at its default still needs a row
        row[[s for _, s in field_kinds(type(record))].index(True)] = "[]"
    return row


def decode_cell(value: Any, structured: bool) -> Any:
    """Inverse of the encoding, tolerant of what a spreadsheet does to edited cells."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if structured:
        if not isinstance(value, str):
            raise ValueError(f"expected JSON text, got {value!r}")
        return json.loads(value)
    if isinstance(value, str) and value.startswith('"'):
        return json.loads(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


META_SHEET = PREFIX + "meta"
FORMAT = "ropa-records"
FORMAT_VERSION = 1


def canonical(value: Any) -> Any:
    """A cell value as the digest sees it (a whole float is the same as an int)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Digest:
    """SHA-256 over the data sheets' cells, so an import can tell whether they were edited."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def add(self, sheet: str, row: list[Any] | tuple) -> None:
        values = [canonical(v) for v in row]
        while values and values[-1] is None:
            values.pop()
        self._h.update(_DIGEST_ENCODER.encode([sheet, values]).encode("utf-8", "surrogatepass"))

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def _hashed(sheet: str, headers: list[str], rows: Iterator[list[Any]], digest: Digest) -> Iterator[list[Any]]:
    digest.add(sheet, headers)
    for row in rows:
        digest.add(sheet, row)
        yield row


def data_sheets(register: Register) -> Iterator[Sheet]:
    """The hidden machine-readable sheets, one per record type (written even when empty), then
    ``data.meta`` with the format and the digest of everything above it."""
    from audit_lib.export.sheet import Column, Sheet

    digest = Digest()
    for table in DATA_TABLES:
        columns = [Column(name, width=18) for name, _ in field_kinds(table.model)]
        records = table.records(register)
        yield Sheet(
            name=table.sheet,
            columns=columns,
            rows=_hashed(table.sheet, [c.header for c in columns], (encode_record(r) for r in records),
                         digest),
            kind="data",
            hidden=True,
            description=f"Machine-readable {table.name} records, read back by `ropa import-xlsx`.",
        )

    def meta() -> Iterator[list[Any]]:  # generated after the sheets above are written
        yield ["format", FORMAT]
        yield ["format_version", FORMAT_VERSION]
        yield ["records_sha256", digest.hexdigest()]

    yield Sheet(META_SHEET, [Column("key", 18), Column("value", 70)], meta(), kind="data", hidden=True,
                description="Format of the data.* sheets and a digest of their content at export.")
