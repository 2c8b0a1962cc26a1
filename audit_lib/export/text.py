"""Plain-language text for register values, as a reader of the workbook sees them."""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Iterable, Iterator
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel

from audit_lib.model import (
    Contact,
    ContractReference,
    DataSource,
    Dpia,
    LegalBasis,
    MechanismType,
    Purpose,
    Retention,
    Sourced,
    SubProcessorAuthorisation,
    TaxonomyRef,
    TransferMechanism,
)
from audit_lib.reference import transfers as ref
from audit_lib.reference.countries import country_name
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category, label
from audit_lib.reference.transfers import safeguard

NOT_RECORDED = "Not recorded"
ASSUMED = "Assumption to confirm"



@cache
def mechanism_reference(kind: MechanismType) -> tuple[str, str]:
    """(name, article) of a declared transfer tool, from the dated reference data only.

    Art 46 tools come from ``reference/safeguards.yaml`` (the SCC with their decision), DPF
    from the adequacy decision it is (``reference/adequacy.yaml``), derogations from
    ``reference/derogations.yaml`` (the common article of its entries).
    """
    if kind is MechanismType.dpf:
        decision = next(d for d in ref.adequacy_history("US") if d.is_dpf)
        note = decision.note.split(";")[0]
        return f"{note} certification", f"Art 45, Decision {decision.decision}"
    if kind is MechanismType.derogation:
        articles = [d.article for d in ref.derogations()]
        common = articles[0]
        while not all(a.startswith(common) for a in articles):
            common = common[:-1]
        common = common[:common.rindex("(")] if common.endswith("(") else common
        return "derogation for a specific situation", common
    info = ref.safeguard(kind.value)
    if kind is MechanismType.scc:
        return info.name, f"{info.article}, Decision {ref.scc_decision()['decision']}"
    return info.name, info.article


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def words(value: str) -> str:
    """'legitimate_interests' -> 'legitimate interests'."""
    return value.replace("_", " ")


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def date_text(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@cache
def country_text(code: str) -> str:
    name = country_name(code)
    return f"{code} ({name})" if name != code else code


def countries_text(codes: Iterable[str]) -> str:
    return ", ".join(country_text(c) for c in codes)


def lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def field_line(name: str, value: Any) -> str | None:
    """'Name: value' or None when the value is empty."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        value = yes_no(value)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, Enum):
        value = words(value.value)
    return f"{name}: {value}"


def contact_text(contact: Contact | None, one_line: bool = False) -> str | None:
    """Name (role), address, country, email, phone, url."""
    if contact is None:
        return None
    head = contact.name
    if contact.role:
        head = f"{head} ({contact.role})" if head else contact.role
    parts = [head, contact.address, country_text(contact.country) if contact.country else None,
             contact.email, contact.phone, contact.url]
    joiner = ", " if one_line else "\n"
    return joiner.join(p for p in parts if p) or None


def duration_text(period: str | None) -> str | None:
    """'P10Y' -> 'P10Y (10 years)'; 'not_stated' -> 'period not stated'."""
    if period is None:
        return None
    if period == "not_stated":
        return "period not stated"
    if period == "indefinite":
        return "indefinite"
    m = _DURATION.match(period)
    if not m:
        return period
    names = ("year", "month", "week", "day")
    parts = [f"{int(n)} {name}{'s' if int(n) != 1 else ''}"
             for n, name in zip(m.groups(), names, strict=True) if n]
    return f"{period} ({', '.join(parts)})" if parts else period


def taxonomy_text(ref: TaxonomyRef, kind: str, extra: dict[str, str] | None = None) -> str:
    """'user.contact.email (Email)'; the register's own label wins over the taxonomy name."""
    name = ref.label or label(kind, ref.key, extra)
    text = f"{ref.key} ({name})" if name and name != ref.key else ref.key
    if kind == "data_categories":
        if is_special_category(ref.key):
            text += " [special category, Art 9]"
        if is_criminal_data(ref.key):
            text += " [criminal offence data, Art 10]"
    return text


def purpose_text(purpose: Purpose, extra: dict[str, str] | None = None) -> str:
    name = label("data_uses", purpose.key, extra)
    head = purpose.description or purpose.label or name
    bits = []
    if purpose.description and purpose.label:
        bits.append(purpose.label)
    bits.append(purpose.key if name in (purpose.key, head) else f"{purpose.key}: {name}")
    return f"{head} [{'; '.join(bits)}]"


def legal_basis_text(basis: LegalBasis) -> str:
    return f"{basis.label} ({basis.article})"


def contract_text(ref: ContractReference | None) -> str | None:
    if ref is None:
        return None
    parts = [ref.reference]
    if ref.date:
        parts.append(f"of {ref.date.isoformat()}")
    if ref.url:
        parts.append(ref.url)
    return " ".join(parts)


def authorisation_text(auth: SubProcessorAuthorisation | None) -> str | None:
    if auth is None:
        return None
    return " ".join(p for p in (f"{auth.type} authorisation", auth.reference,
                                f"of {auth.date.isoformat()}" if auth.date else None) if p)


def mechanism_text(m: TransferMechanism) -> str:
    """One declared transfer tool with its article, reference and documentation."""
    info = safeguard(m.type.value)  # name and article from the reference data (safeguards.yaml)
    head = info.name[:1].upper() + info.name[1:]
    if m.scc_module:
        head += f" module {m.scc_module}"
    if m.derogation:
        head += f" {m.derogation.article} ({words(m.derogation.name)})"
    decision = f", Decision {m.instrument or '(EU) 2021/914'}" if m.type.value == "scc" else ""
    article = info.article + decision
    head += f" [{m.type.value}; {article}]"
    details = [
        field_line("countries", countries_text(m.countries)) if m.countries else None,
        field_line("instrument", m.instrument) if m.instrument else None,
        field_line("reference", m.reference),
        field_line("date", m.date),
        field_line("documentation (Art 49(6))", m.documentation),
        field_line("transfer impact assessment", m.transfer_impact_assessment),
    ]
    return "; ".join([head] + [d for d in details if d])


def retention_text(rule: Retention, extra: dict[str, str] | None = None) -> str:
    """Period, what starts it, description, categories it covers (Art 30(1)(f))."""
    parts = [duration_text(rule.period) or "period not recorded"]
    if rule.trigger:
        parts.append(f"from {rule.trigger}")
    text = " ".join(parts)
    if rule.description:
        text += f": {rule.description}"
    if rule.data_categories:
        text += " (for " + ", ".join(taxonomy_text(c, "data_categories", extra)
                                     for c in rule.data_categories) + ")"
    return text


def source_text(source: DataSource, names: dict[str, str]) -> str:
    text = words(source.type.value)
    if source.description:
        text += f": {source.description}"
    if source.party:
        text += f" (party: {names.get(source.party, source.party)} [{source.party}])"
    return text


def dpia_text(dpia: Dpia | None) -> str | None:
    if dpia is None:
        return None
    parts = [
        field_line("DPIA required", dpia.required),
        field_line("reference", dpia.reference),
        field_line("date", dpia.date),
        field_line("WP248 criteria met", ", ".join(words(c.value) for c in dpia.criteria_met)),
        field_line("screening", dpia.screening_notes),
    ]
    return "; ".join(p for p in parts if p) or None


def quote(sentence: str) -> str:
    return f"\u201c{sentence}\u201d"


# --------------------------------------------------------------------------
# Evidence, assumptions and notes of a record and the records nested in it
# --------------------------------------------------------------------------


def _path(prefix: str, name: str, index: int | None = None) -> str:
    step = f"{prefix}.{name}" if prefix else name
    return f"{step}[{index + 1}]" if index is not None else step


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]


@cache
def _reaches_sourced(cls: type[BaseModel]) -> bool:
    """True when a record of this model is, or may hold, a Sourced record."""
    return issubclass(cls, Sourced) or bool(_nested_fields(cls))


@cache
def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """Fields of a model that can hold Sourced records (the only ones worth walking)."""
    return tuple(name for name, f in cls.model_fields.items()
                 if any(m is not cls and _reaches_sourced(m) for m in _models_in(f.annotation)))


def _walk(obj: BaseModel, prefix: str) -> Iterator[tuple[str, Sourced]]:
    if isinstance(obj, Sourced):
        yield prefix, obj
    for name in _nested_fields(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, BaseModel):
            yield from _walk(value, _path(prefix, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _walk(item, _path(prefix, name, i))


_last: list[Any] = [None, ()]


def sourced_parts(obj: BaseModel) -> tuple[tuple[str, Sourced], ...]:
    """(path, record) for a record and every Sourced record nested in it; path '' is the record.

    The last answer is kept, since a record's evidence, assumptions and notes are asked in turn.
    """
    if _last[0] is not obj:
        _last[:] = [obj, tuple(_walk(obj, ""))]
    return _last[1]


def evidence_text(obj: BaseModel) -> str | None:
    """Every policy sentence behind a record, nested ones labelled with their place."""
    out = []
    for path, rec in sourced_parts(obj):
        for sentence in rec.evidence:
            out.append(f"{path}: {quote(sentence)}" if path else quote(sentence))
    return "\n".join(out) or None


def assumptions_text(obj: BaseModel) -> str | None:
    """Every assumption of a record, marked as to confirm or confirmed."""
    out = []
    for path, rec in sourced_parts(obj):
        for a in rec.assumptions:
            where = f"{path}.{a.field}" if path else a.field
            status = ASSUMED if a.to_confirm else "Assumption (confirmed)"
            out.append(f"{status} \u2014 {where}: {a.statement}")
    return "\n".join(out) or None


def notes_text(obj: BaseModel) -> str | None:
    out = []
    for path, rec in sourced_parts(obj):
        if rec.notes:
            out.append(f"{path}: {rec.notes}" if path else rec.notes)
    return "\n".join(out) or None


def assumed_fields(obj: Sourced) -> dict[str, list[str]]:
    """{top-level field: [statements]} of the record's own assumptions still to confirm."""
    out: dict[str, list[str]] = {}
    for a in obj.assumptions:
        if a.to_confirm:
            root = a.field.split(".")[0].split("[")[0]
            out.setdefault(root, []).append(a.statement)
    return out
