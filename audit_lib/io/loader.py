"""Read a register folder (``ropa/<organisation>/``) into a validated :class:`Register`.

All problems are collected in one pass and each names the file, the line where
YAML gives one, the record id and the field, in words a DPO understands.
Nothing the user wrote is silently dropped: unknown files and unknown keys are
errors. A register written in YAML 1.1 style keeps ``NO`` (Norway) as text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import yaml
from pydantic import BaseModel, ValidationError
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from audit_lib.io.gcpause import gc_paused
from audit_lib.model import (
    TAXONOMY_WORDS,
    Commitments,
    Organisation,
    ProcessingActivity,
    ProcessorActivity,
    Recipient,
    RecipientRole,
    Register,
    SecurityMeasure,
    System,
    Taxonomy,
)
from audit_lib.reference.taxonomy import default_keys

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files above this size are refused with a message, not read (protects memory)."""

# kind -> (model, is a list of records, Register attribute)
KINDS: dict[str, tuple[type[BaseModel], bool, str]] = {
    "organisation": (Organisation, False, "organisation"),
    "activities": (ProcessingActivity, True, "activities"),
    "recipients": (Recipient, True, "recipients"),
    "security": (SecurityMeasure, True, "security_measures"),
    "systems": (System, True, "systems"),
    "processor_activities": (ProcessorActivity, True, "processor_activities"),
    "commitments": (Commitments, False, "commitments"),
    "taxonomy": (Taxonomy, False, "taxonomy"),
}
SUFFIXES = (".yaml", ".yml")
# target word used in messages -> KINDS key of the records it names
_TARGET_KINDS = {"activity": "activities", "recipient": "recipients", "security measure": "security",
                 "system": "systems"}


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterIssue:
    """One problem found in a register: where it is and what is wrong."""

    file: str
    message: str
    line: int | None = None
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.record or '-'}: {self.field or '-'}: {self.message}"


class RegisterError(Exception):
    """Raised by :func:`load_register` with every problem found."""

    def __init__(self, issues: list[RegisterIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


# --------------------------------------------------------------------------
# YAML reading: C speed, YAML 1.2 booleans, no aliases
# --------------------------------------------------------------------------

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RegisterYamlLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader where only true/false are booleans (``NO`` stays Norway)."""


RegisterYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
RegisterYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (a register needs about 6; libyaml's
recursive composer crashes the interpreter at some 100,000)."""
TOO_DEEP = f"YAML nesting is deeper than {MAX_DEPTH} levels: too deep to be a register"


def _too_deep_line(text: str) -> int | None:
    """The line where nesting first exceeds MAX_DEPTH, read with PyYAML's pure-Python parser.

    Used when libyaml refuses a document: its own nesting limit (PyYAML 6.0.4 and later)
    can fire before ours, so we ask the parser that has no limit whether nesting is the
    cause, instead of relying on the wording of libyaml's message. Stops at the first
    other syntax error (None: the original error stands).
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        return None
    return None


def _check_events(text: str) -> None:
    """Raise _AliasFound or _TooDeep for the first anchor, alias or over-deep nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=RegisterYamlLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _AliasFound(event.start_mark.line + 1)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeep(event.start_mark.line + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {
    MappingStartEvent: (None, "!", "tag:yaml.org,2002:map"),
    SequenceStartEvent: (None, "!", "tag:yaml.org,2002:seq"),
}
# First characters a plain scalar must start with to be anything but text (int, date, null...).
_RESOLVED_FIRSTS = frozenset(k for k, v in RegisterYamlLoader.yaml_implicit_resolvers.items() if k and v)
_NO_KEY = object()


class _Fallback(Exception):
    """The document uses a YAML feature the fast reader leaves to PyYAML (tags, merge keys...)."""


class _Refused(Exception):
    """The text is valid YAML but refused before it is built; ``line`` says where."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


class _AliasFound(_Refused):
    """An anchor or alias (the billion-laughs attack needs them)."""


class _TooDeep(_Refused):
    """Nesting deeper than MAX_DEPTH."""


def _fast_load(text: str) -> tuple[Any, list[tuple[int, Any]]]:
    """Build the document straight from libyaml's events; return (data, duplicate keys).

    Gives the same values as ``yaml.load(text, Loader=RegisterYamlLoader)`` (the same
    resolver and constructors, memoised) at about twice the speed. Stops at the first
    anchor or alias (_AliasFound, before anything is expanded) and at nesting deeper
    than MAX_DEPTH (_TooDeep); reports every key repeated in one mapping as
    (line, key), which PyYAML would silently overwrite. Raises _Fallback for anything
    unusual (explicit tags, merge keys, several documents, collection keys) so the
    caller can use PyYAML's own loader.
    """
    loader = RegisterYamlLoader(text)
    get_event = loader.get_event
    firsts = _RESOLVED_FIRSTS
    resolved: dict[str, Any] = {}
    stack: list[Any] = []
    keys: list[Any] = []
    duplicates: list[tuple[int, Any]] = []
    root: Any = None
    documents = 0
    try:
        while True:
            event = get_event()
            cls = event.__class__
            if cls is ScalarEvent:
                if event.anchor is not None:
                    raise _AliasFound(event.start_mark.line + 1)
                obj = event.value
                tag = event.tag
                if tag is None or tag == "!":
                    if event.implicit[0] and (not obj or obj[0] in firsts):
                        obj = _resolve_plain(loader, obj, resolved)
                elif tag != _STR_TAG:
                    raise _Fallback
                container = False
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if event.anchor is not None:
                    raise _AliasFound(event.start_mark.line + 1)
                if event.tag not in _PLAIN_TAGS[cls]:
                    raise _Fallback
                if len(stack) >= MAX_DEPTH:
                    raise _TooDeep(event.start_mark.line + 1)
                obj = {} if cls is MappingStartEvent else []
                container = True
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                stack.pop()
                keys.pop()
                continue
            elif cls is AliasEvent:
                raise _AliasFound(event.start_mark.line + 1)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Fallback  # PyYAML says "expected a single document" with its line
                continue
            elif cls is StreamEndEvent:
                break
            else:
                continue
            if not stack:
                root = obj
            elif stack[-1].__class__ is list:
                stack[-1].append(obj)
            elif keys[-1] is _NO_KEY:
                if container:
                    raise _Fallback  # a mapping or list as a key: PyYAML reports it
                if obj in stack[-1]:
                    duplicates.append((event.start_mark.line + 1, obj))
                keys[-1] = obj
                continue
            else:
                stack[-1][keys[-1]] = obj
                keys[-1] = _NO_KEY
            if container:
                stack.append(obj)
                keys.append(_NO_KEY)
    finally:
        loader.dispose()
    return root, duplicates


def _resolve_plain(loader: Any, value: str, memo: dict[str, Any]) -> Any:
    """The Python value of a plain scalar, exactly as RegisterYamlLoader would build it."""
    try:
        return memo[value]
    except KeyError:
        pass
    tag = loader.resolve(ScalarNode, value, (True, False))
    obj = value
    if tag != _STR_TAG:
        constructor = loader.yaml_constructors.get(tag)
        if constructor is None or tag.endswith((":merge", ":value")):
            raise _Fallback
        obj = constructor(loader, ScalarNode(tag, value))
    memo[value] = obj
    return obj


def _line_map(text: str) -> dict[tuple, int]:
    """Map each path in the YAML document (keys and list indexes) to its 1-based line."""
    lines: dict[tuple, int] = {}
    try:
        root = yaml.compose(text, Loader=RegisterYamlLoader)
    except yaml.YAMLError:
        return lines
    stack: list[tuple[tuple, Any]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if node is None:
            continue
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value)
                lines[child] = key.start_mark.line + 1
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(((*path, i), item) for i, item in enumerate(node.value))
    return lines


# --------------------------------------------------------------------------
# Messages in a DPO's words
# --------------------------------------------------------------------------


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _friendly(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = f" (got {_shown(err.get('input'))})" if "input" in err else ""
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field: not part of the register format (check the spelling)"
    if kind == "enum":
        return f"must be one of: {ctx.get('expected', '')}{got}"
    if kind in {"string_type"}:
        return f"must be text{got}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"must be a whole number{got}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false{got}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"must be a date written YYYY-MM-DD{got}"
    if kind in {"list_type", "tuple_type"}:
        return f"must be a list{got}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"must be a mapping of fields{got}"
    if kind == "too_short":
        return "must not be empty"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return err["msg"].lower() + got
    if kind in {"value_error", "assertion_error"}:
        return err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return err["msg"] + got


def _field_name(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------


@dataclass
class _Source:
    path: Path
    kind: str
    text: str
    data: Any
    prefix: tuple = ()
    _lines: dict[tuple, int] | None = None

    def line(self, path: tuple) -> int | None:
        if self._lines is None:
            self._lines = _line_map(self.text)
        full = (*self.prefix, *path)
        while full:
            if full in self._lines:
                return self._lines[full]
            full = full[:-1]
        return self._lines.get((), None)


class _Collector:
    def __init__(self) -> None:
        self.issues: list[RegisterIssue] = []

    def add(self, src: _Source | Path | str, message: str, *, path: tuple = (),
            record: str | None = None, field: str | None = None,
            line: int | None = None) -> None:
        if isinstance(src, _Source):
            file = str(src.path)
            line = line or src.line(path)
        else:
            file = str(src)
        self.issues.append(RegisterIssue(file, message, line, record, field))


def _kind_of(path: Path, folder: Path) -> str | None:
    rel = path.relative_to(folder)
    name = rel.parts[0]
    stem = name.rsplit(".", 1)[0] if len(rel.parts) == 1 else name
    aliases = {"organization": "organisation", "security_measures": "security"}
    stem = aliases.get(stem, stem)
    return stem if stem in KINDS else None


def _discover(folder: Path, out: _Collector) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.suffix.lower() not in SUFFIXES:
            continue
        rel = path.relative_to(folder)
        if any(p.startswith(".") for p in rel.parts):
            continue
        kind = _kind_of(path, folder)
        if kind is None or (len(rel.parts) > 1 and not KINDS[kind][1]) or len(rel.parts) > 2:
            expected = ", ".join(f"{k}.yaml" for k in KINDS)
            out.add(path, f"unknown register file: expected one of {expected} "
                          "(or a folder activities/, recipients/ ... of list files)")
            continue
        found.append((path, kind))
    return found


def _size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    return f"{n / 2**10:.1f} KB" if n >= 2**10 else f"{n} bytes"


def _read(path: Path, kind: str, out: _Collector) -> _Source | None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        out.add(path, f"file is {_size(size)}, over the {_size(MAX_FILE_BYTES)} limit "
                      "for one register file: split it (e.g. activities/ folder of files)")
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        out.add(path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                      "save the file as UTF-8", line=line)
        return None
    if "\x00" in text:
        out.add(path, "file contains NUL bytes: it is not a text file",
                line=text[: text.index("\x00")].count("\n") + 1)
        return None
    duplicates: list[tuple[int, Any]] = []
    try:
        try:
            data, duplicates = _fast_load(text)
        except _Fallback:
            _check_events(text)
            data = yaml.load(text, Loader=RegisterYamlLoader)
    except _TooDeep as found:
        out.add(path, TOO_DEEP, line=found.line)
        return None
    except _AliasFound as found:
        out.add(path, "YAML anchors and aliases (&name, *name) are not allowed in a "
                      "register: write each record out in full", line=found.line)
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        deep = _too_deep_line(text[: mark.index + 1] if mark else text)
        if deep is not None:
            out.add(path, TOO_DEEP, line=deep)
            return None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        out.add(path, message, line=mark.line + 1 if mark else None)
        return None
    except RecursionError:
        out.add(path, "YAML nesting is too deep to be a register")
        return None
    for line, key in duplicates:
        out.add(path, f"key {_shown(key)} appears twice in the same mapping: YAML would keep only "
                      "the last value and silently drop the first", line=line, field=str(key))
    return _Source(path, kind, text, data)


def _records(src: _Source, out: _Collector) -> list[tuple[int, dict]] | None:
    """The list of record mappings in a list-kind file (None when the file is not a list)."""
    data = src.data
    if data is None:
        return []
    if isinstance(data, dict) and set(data) == {src.kind}:
        data, src.prefix = data[src.kind], (src.kind,)
        if data is None:
            return []
    if not isinstance(data, list):
        out.add(src, f"must be a list of {src.kind} records (each starting with '- id: ...')")
        return None
    result = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            out.add(src, f"record #{i + 1} must be a mapping of fields, got {_shown(item)}",
                    path=(i,), record=f"#{i + 1}")
            continue
        result.append((i, item))
    return result


def _record_id(index: int, item: dict) -> str:
    rid = item.get("id")
    return str(rid) if rid is not None else f"#{index + 1}"


def _validate(model: type[BaseModel], data: Any, src: _Source, path: tuple, record: str,
              out: _Collector, context: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            out.add(src, _friendly(err), path=(*path, *loc), record=record,
                    field=_field_name(loc) or None)
        return None


@dataclass
class _Record:
    obj: Any
    src: _Source
    path: tuple
    id: str


def _check_ids(records: list[_Record], what: str, out: _Collector) -> dict[str, _Record]:
    seen: dict[str, _Record] = {}
    for rec in records:
        if rec.id in seen:
            first = seen[rec.id]
            out.add(rec.src, f"duplicate {what} id (first defined in {first.src.path}:"
                             f"{first.src.line(first.path)})",
                    path=(*rec.path, "id"), record=rec.id, field="id")
        else:
            seen[rec.id] = rec
    return seen


def _refs(rec: _Record) -> Iterator[tuple[tuple, str, str]]:
    """(path, target kind, id) of every cross-reference in a record."""
    obj = rec.obj
    if isinstance(obj, ProcessingActivity):
        for i, link in enumerate(obj.recipients):
            yield ("recipients", i), "recipient", link.recipient
        for i, mid in enumerate(obj.security_measures):
            yield ("security_measures", i), "security measure", mid
        for i, sid in enumerate(obj.systems):
            yield ("systems", i), "system", sid
        for i, source in enumerate(obj.sources):
            if source.party:
                yield ("sources", i, "party"), "recipient", source.party
    elif isinstance(obj, Recipient):
        if obj.parent:
            yield ("parent",), "recipient", obj.parent
    elif isinstance(obj, System):
        if obj.hosted_by:
            yield ("hosted_by",), "recipient", obj.hosted_by
    elif isinstance(obj, SecurityMeasure):
        for i, rid in enumerate(obj.applies_to):
            yield ("applies_to", i), "recipient", rid
    elif isinstance(obj, ProcessorActivity):
        for i, rid in enumerate(obj.sub_processors):
            yield ("sub_processors", i), "recipient", rid
        for i, mid in enumerate(obj.security_measures):
            yield ("security_measures", i), "security measure", mid


def _vocabulary(taxonomy: Taxonomy | None, out: _Collector, src: _Source | None
                ) -> dict[str, set[str]]:
    keys = {kind: set(names) for kind, names in default_keys().items()}
    if taxonomy is None:
        return keys
    for kind in keys:
        for i, ext in enumerate(getattr(taxonomy, kind)):
            if ext.parent_key not in keys[kind]:
                out.add(src, f"parent_key '{ext.parent_key}' is not a known "
                             f"{TAXONOMY_WORDS[kind]}", path=(kind, i, "parent_key"),
                        record=ext.fides_key, field="parent_key")
            elif not ext.fides_key.startswith(ext.parent_key + "."):
                out.add(src, f"fides_key must start with its parent_key '{ext.parent_key}.'",
                        path=(kind, i, "fides_key"), record=ext.fides_key, field="fides_key")
            else:
                keys[kind].add(ext.fides_key)
    return keys


def _check_activity_links(rec: _Record, out: _Collector) -> None:
    """A recipient or retention rule may only name categories the activity collects."""
    act: ProcessingActivity = rec.obj
    collected = set(act.data_category_keys)
    for i, link in enumerate(act.recipients):
        for j, ref in enumerate(link.data_categories):
            if ref.key not in collected and not any(ref.key.startswith(c + ".") for c in collected):
                out.add(rec.src, f"'{ref.key}' is disclosed to {link.recipient} but is not among "
                                 "the activity's data_categories",
                        path=(*rec.path, "recipients", i, "data_categories", j), record=rec.id,
                        field=f"recipients[{i}].data_categories[{j}]")


def _check_parents(recipients: dict[str, _Record], out: _Collector) -> None:
    graph = nx.DiGraph(
        (rid, rec.obj.parent) for rid, rec in recipients.items()
        if rec.obj.parent and rec.obj.parent in recipients
    )
    for cycle in nx.simple_cycles(graph):
        rec = recipients[cycle[0]]
        out.add(rec.src, "sub-processor chain loops back on itself: " + " -> ".join(cycle + cycle[:1]),
                path=(*rec.path, "parent"), record=rec.id, field="parent")
    for rid, rec in recipients.items():
        parent = recipients.get(rec.obj.parent) if rec.obj.parent else None
        if parent and parent.obj.role not in (RecipientRole.processor, RecipientRole.sub_processor):
            out.add(rec.src, f"parent '{parent.id}' is a {parent.obj.role.value}, not a "
                             "processor: only processors engage sub-processors (Art 28(2))",
                    path=(*rec.path, "parent"), record=rid, field="parent")


def _hash(sources: list[_Source], folder: Path) -> str:
    digest = hashlib.sha256()
    for src in sorted(sources, key=lambda s: str(s.path)):
        digest.update(str(src.path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(src.text.encode())
    return digest.hexdigest()


def load_register(path: str | Path) -> Register:
    """Load and validate the register in folder ``path``; raise RegisterError listing every problem."""
    with gc_paused():
        return _load_register(Path(path))


def _load_register(folder: Path) -> Register:
    out = _Collector()
    if not folder.exists():
        raise RegisterError([RegisterIssue(str(folder), "register folder not found")])
    if not folder.is_dir():
        raise RegisterError([RegisterIssue(str(folder), "not a folder: give the register folder "
                                                        "(e.g. ropa/mobikin), not a file")])
    files = _discover(folder, out)
    if not files and not out.issues:
        raise RegisterError([RegisterIssue(str(folder), "empty folder: no register files "
                                                        "(organisation.yaml, activities.yaml, ...)")])
    sources = [s for s in (_read(p, kind, out) for p, kind in files) if s is not None]
    # A reference to a record that is there but invalid, or to any record of a kind whose
    # file could not be read, is not reported again as "unknown id": the cause already is.
    read = {s.path for s in sources}
    unreadable = {kind for p, kind in files if p not in read}
    invalid_ids: dict[str, set[str]] = {k: set() for k, (_, many, _) in KINDS.items() if many}
    if not any(kind == "organisation" for _, kind in files):
        out.add(folder / "organisation.yaml", "missing: every register needs organisation.yaml "
                                              "naming the controller (Art 30(1)(a))")

    singles: dict[str, Any] = {}
    lists: dict[str, list[_Record]] = {k: [] for k, (_, many, _) in KINDS.items() if many}
    single_src: dict[str, _Source] = {}
    context: dict[str, Any] = {}
    # The taxonomy goes first: its extensions widen the vocabulary the others are checked against.
    for src in sorted(sources, key=lambda s: s.kind != "taxonomy"):
        if src.kind != "taxonomy" and "vocabulary" not in context:
            context["vocabulary"] = _vocabulary(singles.get("taxonomy"), out,
                                                single_src.get("taxonomy"))
        model, many, _ = KINDS[src.kind]
        if many:
            records = _records(src, out)
            if records is None:
                unreadable.add(src.kind)
                continue
            for i, item in records:
                rid = _record_id(i, item)
                obj = _validate(model, item, src, (i,), rid, out, context)
                if obj is not None:
                    lists[src.kind].append(_Record(obj, src, (i,), str(obj.id)))
                elif item.get("id") is not None:
                    invalid_ids[src.kind].add(rid)
        else:
            if src.kind in single_src:
                out.add(src, f"{src.kind} is defined twice (also in {single_src[src.kind].path})")
                continue
            single_src[src.kind] = src
            data = src.data if src.data is not None else {}
            if not isinstance(data, dict):
                out.add(src, f"must be a mapping of {src.kind} fields, got {_shown(data)}")
                continue
            record = str(data.get("name") or src.kind) if src.kind == "organisation" else src.kind
            obj = _validate(model, data, src, (), record, out, context)
            if obj is not None:
                singles[src.kind] = obj

    index = {
        "activity": _check_ids(lists["activities"], "activity", out),
        "recipient": _check_ids(lists["recipients"], "recipient", out),
        "security measure": _check_ids(lists["security"], "security measure", out),
        "system": _check_ids(lists["systems"], "system", out),
    }
    _check_ids(lists["processor_activities"], "processor activity", out)

    def unknown(target: str, ref: str) -> bool:
        kind = _TARGET_KINDS[target]
        return ref not in index[target] and ref not in invalid_ids[kind] and kind not in unreadable

    for records in lists.values():
        for rec in records:
            for rpath, target, ref in _refs(rec):
                if unknown(target, ref):
                    known = ", ".join(sorted(index[target])[:8]) or "none defined"
                    out.add(rec.src, f"unknown {target} id '{ref}' (known: {known})",
                            path=(*rec.path, *rpath), record=rec.id, field=_field_name(rpath))
            if isinstance(rec.obj, ProcessingActivity):
                _check_activity_links(rec, out)
    _check_parents(index["recipient"], out)
    commitments = singles.get("commitments")
    if commitments is not None:
        src = single_src["commitments"]
        for i, cookie in enumerate(commitments.cookies):
            if cookie.provider and unknown("recipient", cookie.provider):
                out.add(src, f"unknown recipient id '{cookie.provider}'",
                        path=("cookies", i, "provider"), record=cookie.id, field="provider")

    if out.issues:
        raise RegisterError(sorted(out.issues, key=lambda i: (i.file, i.line or 0)))
    return Register(
        organisation=singles["organisation"],
        activities=[r.obj for r in lists["activities"]],
        recipients=[r.obj for r in lists["recipients"]],
        security_measures=[r.obj for r in lists["security"]],
        systems=[r.obj for r in lists["systems"]],
        processor_activities=[r.obj for r in lists["processor_activities"]],
        commitments=singles.get("commitments") or Commitments(),
        taxonomy=singles.get("taxonomy") or Taxonomy(),
        source_path=str(folder),
        source_hash=_hash(sources, folder),
    )

