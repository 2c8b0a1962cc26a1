"""Read a register folder (``ropa/<organisation>/``) into a validated :class:`Register`.

All problems are collected in one pass; each is an :class:`~audit_lib.issues.Issue` of
severity error with a stable ``ROPA-V`` code, naming the file, the line where YAML gives
one, the record id and the field, in words a DPO understands. Nothing the user wrote is
silently dropped: unknown files and unknown keys are errors. Reading one file's text as
YAML is :mod:`audit_lib.io.yaml_reader`; this module finds the files, validates them
against the model and checks the references between records.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from audit_lib.io import cache
from audit_lib.io.files import FileRefused, read_file, walk
from audit_lib.io.gcpause import gc_paused
from audit_lib.io.yaml_reader import (  # noqa: F401  (RegisterYamlLoader: re-exported for readers of the format)
    DUPLICATE_KEY,
    RegisterYamlLoader,
    SourceInt,
    YamlProblem,
    duplicate_key_message,
    line_map,
    read_yaml,
    shown,
)
from audit_lib.issues import Issue, Severity, Stage, declare
from audit_lib.model import TAXONOMY_WORDS, ProcessingActivity, RecipientRole, Register, Taxonomy
from audit_lib.model.catalogue import BY_KIND, FILES, kinds_in, references
from audit_lib.model.records import control_character_message
from audit_lib.reference.taxonomy import default_keys

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files above this size are refused with a message, not read (protects memory)."""
SUFFIXES = (".yaml", ".yml")


# --------------------------------------------------------------------------
# The codes of load problems (ROPA-V001, V012-V014 are the YAML reader's)
# --------------------------------------------------------------------------


def _code(code: str, title: str, remedy: str = "", article: str = "") -> str:
    return declare(code, Stage.load, Severity.error, title, article=article, remedy=remedy).code


UNKNOWN_FIELD = _code("ROPA-V002", "unknown field", "Check the spelling against the register format.")
DUPLICATE_ID = _code("ROPA-V003", "duplicate record id", "Give each record of a kind its own id.")
DANGLING = _code("ROPA-V004", "reference to an unknown record id",
                 "Use the id of a record defined in the register, or define the record.")
COUNTRY = _code("ROPA-V005", "not an ISO 3166-1 alpha-2 country code",
                "Write the two-letter code (GB, not UK; \"NO\" in quotes for Norway).")
MISSING = _code("ROPA-V006", "required field missing", "Fill in the field.")
INVALID = _code("ROPA-V007", "invalid value", "Write a value of the kind the message names.")
UNREADABLE = _code("ROPA-V008", "file cannot be read as register text",
                   "Save the file as UTF-8 text, under the size limit (split big files into a folder).")
UNKNOWN_FILE = _code("ROPA-V009", "unknown register file",
                     "Rename the file to one of the register file names, or move it out of the folder.")
FOLDER = _code("ROPA-V010", "register folder missing, empty or without organisation.yaml",
               "Give the register folder (e.g. ropa/mobikin) holding organisation.yaml.", "Art 30(1)(a)")
SHAPE = _code("ROPA-V011", "file or record of the wrong shape",
              "A list file holds a list of records ('- id: ...'); other files a mapping of fields.")
TAXONOMY = _code("ROPA-V015", "own taxonomy entry does not extend a known key",
                 "Give a known parent_key and a fides_key starting with it.")
NOT_COLLECTED = _code("ROPA-V016", "category disclosed to a recipient but not collected by the activity",
                      "Add the category to the activity's data_categories, or remove it from the recipient.",
                      "Art 30(1)(c)-(d)")
CHAIN = _code("ROPA-V017", "sub-processor chain is inconsistent",
              "Only processors engage sub-processors, and a chain must not loop.", "Art 28(2)")


class RegisterError(Exception):
    """Raised by :func:`load_register` with every problem found (``issues``: a list of Issue)."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


# --------------------------------------------------------------------------
# Messages in a DPO's words
# --------------------------------------------------------------------------

_COUNTRY_FIELDS = frozenset({"country", "countries", "transfer_countries"})


def _friendly(err: dict[str, Any]) -> tuple[str, str]:
    """(code, message) for one pydantic validation error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = f" (got {shown(err.get('input'))})" if "input" in err else ""
    if kind == "missing":
        return MISSING, "required field is missing"
    if kind == "extra_forbidden":
        return UNKNOWN_FIELD, "unknown field: not part of the register format (check the spelling)"
    if kind == "enum":
        return INVALID, f"must be one of: {ctx.get('expected', '')}{got}"
    if kind in {"string_type"}:
        return INVALID, f"must be text{got}"
    if kind == "string_pattern_mismatch" and isinstance(err.get("input"), str):
        message = control_character_message(err["input"])
        if message is not None:
            return INVALID, message
    if kind == "finite_number":
        return INVALID, f"must be a finite number{got}"
    if kind == "int_parsing_size":
        return INVALID, f"must be a whole number of a sensible size{got}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return INVALID, f"must be a whole number{got}"
    if kind in {"bool_type", "bool_parsing"}:
        return INVALID, f"must be true or false{got}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return INVALID, f"must be a date written YYYY-MM-DD{got}"
    if kind in {"list_type", "tuple_type"}:
        return INVALID, f"must be a list{got}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return INVALID, f"must be a mapping of fields{got}"
    if kind == "too_short":
        return INVALID, "must not be empty"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return INVALID, err["msg"].lower() + got
    if kind in {"value_error", "assertion_error"}:
        names = [p for p in err["loc"] if isinstance(p, str)]
        code = COUNTRY if names and names[-1] in _COUNTRY_FIELDS else INVALID
        return code, err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return INVALID, err["msg"] + got


def _field_name(loc: Iterable[Any]) -> str:
    """``recipients[0].data_categories[1]``; a key the user wrote is shown escaped and cut (it may be
    anything: control characters, a whole file's text)."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, (SourceInt, bool)):
            out += f"[{part}]"
            continue
        name = str(part)
        if not _PLAIN_NAME.fullmatch(name):
            name = shown(name, 40)
        out += f".{name}" if out else name
    return out


_PLAIN_NAME = re.compile(r"[\w.\[\] -]{1,60}")


def _what(kind: str) -> str:
    """How a message names one record of ``kind`` (the catalogue's label, without its article)."""
    return BY_KIND[kind].word


# --------------------------------------------------------------------------
# Register files: derived from the record catalogue
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    """One register file: its name without suffix, the model of its content, list or mapping."""

    name: str
    model: type[BaseModel]
    many: bool
    attribute: str
    """The :class:`Register` attribute it fills."""


def _file_kinds() -> dict[str, FileKind]:
    out = {}
    for file, model in FILES.items():
        kinds = kinds_in(file)
        top = kinds[0].attribute[0]
        many = len(kinds) == 1 and kinds[0].many and len(kinds[0].attribute) == 1
        out[file.removesuffix(".yaml")] = FileKind(file.removesuffix(".yaml"), model, many, top)
    return out


KINDS: dict[str, FileKind] = _file_kinds()
"""Each register file by name (``activities``): its model, whether it is a list, its Register attribute."""
_ALIASES = {"organization": "organisation", "security_measures": "security"}


# --------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------


@dataclass
class _Source:
    """One parsed register file. Its text is not kept: the line of a problem is found by
    reading the file again (problems are rare; a 60 MB file's text and line map are not)."""

    path: Path
    kind: str
    data: Any
    folder: Path
    prefix: tuple = ()
    _lines: dict[tuple, int] | None = None

    def line(self, path: tuple) -> int | None:
        if self._lines is None:
            self._lines = _line_map_of(self.path, self.folder)
        full = (*self.prefix, *path)
        while full:
            if full in self._lines:
                return self._lines[full]
            full = full[:-1]
        return self._lines.get((), None)


def _line_map_of(path: Path, folder: Path) -> dict[tuple, int]:
    """The line map of a register file, read again (an empty map when it can no longer be read)."""
    try:
        return line_map(read_file(path, folder, MAX_FILE_BYTES).decode("utf-8-sig"))
    except (FileRefused, UnicodeDecodeError):
        return {}


class _Collector:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, code: str, src: _Source | Path | str, message: str, *, path: tuple = (),
            record: str | None = None, field: str | None = None,
            line: int | None = None) -> None:
        if isinstance(src, _Source):
            file = str(src.path)
            line = line or src.line(path)
        else:
            file = str(src)
        self.issues.append(Issue.of(code, message, file=file, line=line, record=record or "",
                                    field=field or ""))


def _kind_of(path: Path, folder: Path) -> str | None:
    rel = path.relative_to(folder)
    name = rel.parts[0]
    stem = name.rsplit(".", 1)[0] if len(rel.parts) == 1 else name
    stem = _ALIASES.get(stem, stem)
    return stem if stem in KINDS else None


SIDE_FILES = ("accepted.yaml", "accepted.yml")
"""Files of a register folder that are not records: accepted risks, read and validated by
:mod:`audit_lib.audit.accepted` (``ropa audit``)."""


def _discover(folder: Path, out: _Collector) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    paths, refused = walk(folder)
    for problem in refused:
        out.add(UNREADABLE, problem.path, problem.message)
    for path in sorted(paths):
        if path.suffix.lower() not in SUFFIXES:
            continue
        rel = path.relative_to(folder)
        if len(rel.parts) == 1 and path.name in SIDE_FILES:
            continue
        kind = _kind_of(path, folder)
        if kind is None or (len(rel.parts) > 1 and not KINDS[kind].many) or len(rel.parts) > 2:
            expected = ", ".join(f"{k}.yaml" for k in KINDS)
            out.add(UNKNOWN_FILE, path, f"unknown register file: expected one of {expected} "
                                        "(or a folder activities/, recipients/ ... of list files)")
            continue
        found.append((path, kind))
    return found


def _read(path: Path, kind: str, out: _Collector, folder: Path | None = None,
          raw: bytes | None = None, digest: _Digest | None = None) -> _Source | None:
    """The parsed text of one register file of ``folder`` (default: the file's own folder), or None
    after reporting why it cannot be read (:func:`audit_lib.io.files.read_file` decides);
    ``raw``: its bytes, when already read; ``digest``: fed the file's text."""
    folder = path.parent if folder is None else folder
    if raw is None:
        try:
            raw = read_file(path, folder, MAX_FILE_BYTES)
        except FileRefused as refused:
            out.add(UNREADABLE, path, refused.message)
            return None
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        out.add(UNREADABLE, path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                                  "save the file as UTF-8", line=line)
        return None
    if b"\x00" in raw:
        out.add(UNREADABLE, path, "file contains NUL bytes: it is not a text file",
                line=raw[: raw.index(b"\x00")].count(b"\n") + 1)
        return None
    try:
        data, duplicates = read_yaml(raw)
    except YamlProblem as problem:
        out.add(problem.code, path, problem.message, line=problem.line)
        return None
    for line, key in duplicates:
        out.add(DUPLICATE_KEY, path, duplicate_key_message(key), line=line, field=str(key))
    if digest is not None:
        digest.add(path, raw)
    return _Source(path, kind, data, folder)


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
        out.add(SHAPE, src, f"must be a list of {src.kind} records (each starting with '- id: ...')")
        return None
    result = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            out.add(SHAPE, src, f"record #{i + 1} must be a mapping of fields, got {shown(item)}",
                    path=(i,), record=f"#{i + 1}")
            continue
        result.append((i, item))
    return result


def _record_id(index: int, item: dict) -> str:
    rid = item.get("id")
    if rid is None:
        return f"#{index + 1}"
    rid = str(rid)
    return rid if _PLAIN_NAME.fullmatch(rid) else shown(rid, 40)


def _validate(model: type[BaseModel], data: Any, src: _Source, path: tuple, record: str,
              out: _Collector, context: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            code, message = _friendly(err)
            out.add(code, src, message, path=(*path, *loc), record=record, field=_field_name(loc) or None)
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
            out.add(DUPLICATE_ID, rec.src, f"duplicate {what} id (first defined in {first.src.path}:"
                                           f"{first.src.line(first.path)})",
                    path=(*rec.path, "id"), record=rec.id, field="id")
        else:
            seen[rec.id] = rec
    return seen


def _vocabulary(taxonomy: Taxonomy | None, out: _Collector, src: _Source | None
                ) -> dict[str, set[str]]:
    keys = {kind: set(names) for kind, names in default_keys().items()}
    if taxonomy is None:
        return keys
    for kind in keys:
        for i, ext in enumerate(getattr(taxonomy, kind)):
            if ext.parent_key not in keys[kind]:
                out.add(TAXONOMY, src, f"parent_key '{ext.parent_key}' is not a known "
                                       f"{TAXONOMY_WORDS[kind]}", path=(kind, i, "parent_key"),
                        record=ext.fides_key, field="parent_key")
            elif not ext.fides_key.startswith(ext.parent_key + "."):
                out.add(TAXONOMY, src, f"fides_key must start with its parent_key '{ext.parent_key}.'",
                        path=(kind, i, "fides_key"), record=ext.fides_key, field="fides_key")
            else:
                keys[kind].add(ext.fides_key)
    return keys


def _check_activity_links(rec: _Record, out: _Collector) -> None:
    """A recipient may only be disclosed categories the activity collects (Art 30(1)(c)-(d))."""
    act: ProcessingActivity = rec.obj
    collected = set(act.data_category_keys)
    for i, link in enumerate(act.recipients):
        for j, ref in enumerate(link.data_categories):
            if ref.key not in collected and not any(ref.key.startswith(c + ".") for c in collected):
                out.add(NOT_COLLECTED, rec.src,
                        f"'{ref.key}' is disclosed to {link.recipient} but is not among "
                        "the activity's data_categories",
                        path=(*rec.path, "recipients", i, "data_categories", j), record=rec.id,
                        field=f"recipients[{i}].data_categories[{j}]")


def _parent_cycles(parents: dict[str, str], order: list[str]) -> list[list[str]]:
    """Every loop of the recipient -> parent links (one parent each), from its first recipient in
    ``order``. A walk up the chains, so validating a register needs no graph library."""
    rank = {rid: i for i, rid in enumerate(order)}
    cycles, done = [], set()
    for start in order:
        path, node = [], start
        while node in parents and node not in done:
            done.add(node)
            path.append(node)
            node = parents[node]
        if node in path:
            cycle = path[path.index(node):]
            first = min(range(len(cycle)), key=lambda i: rank[cycle[i]])
            cycles.append(cycle[first:] + cycle[:first])
    return cycles


def _check_parents(recipients: dict[str, _Record], out: _Collector) -> None:
    parents = {rid: rec.obj.parent for rid, rec in recipients.items()
               if rec.obj.parent and rec.obj.parent in recipients}
    for cycle in _parent_cycles(parents, list(recipients)):
        rec = recipients[cycle[0]]
        out.add(CHAIN, rec.src, "sub-processor chain loops back on itself: " + " -> ".join(cycle + cycle[:1]),
                path=(*rec.path, "parent"), record=rec.id, field="parent")
    for rid, rec in recipients.items():
        parent = recipients.get(rec.obj.parent) if rec.obj.parent else None
        if parent and parent.obj.role not in (RecipientRole.processor, RecipientRole.sub_processor):
            out.add(CHAIN, rec.src, f"parent '{parent.id}' is a {parent.obj.role.value}, not a "
                                    "processor: only processors engage sub-processors (Art 28(2))",
                    path=(*rec.path, "parent"), record=rid, field="parent")


class _Digest:
    """SHA-256 of the register's files (relative name, NUL, text), in the order of their names.

    Fed as files are read; a file read before one whose name sorts first waits, so the text
    of every file need not be kept until the end.
    """

    def __init__(self, paths: Iterable[Path], folder: Path):
        self.folder = folder
        self.order = sorted(paths, key=str)
        self.next = 0
        self.waiting: dict[Path, bytes] = {}
        self.sha = hashlib.sha256()

    def add(self, path: Path, raw: bytes) -> None:
        self.waiting[path] = raw.removeprefix(codecs.BOM_UTF8)
        while self.next < len(self.order) and self.order[self.next] in self.waiting:
            name = self.order[self.next]
            self.sha.update(str(name.relative_to(self.folder)).encode() + b"\0")
            self.sha.update(self.waiting.pop(name))
            self.next += 1

    def hexdigest(self) -> str:
        return self.sha.hexdigest()


def _folder_error(folder: Path, message: str) -> RegisterError:
    return RegisterError([Issue.of(FOLDER, message, file=str(folder))])


def load_register(path: str | Path) -> Register:
    """Load and validate the register in folder ``path``; raise RegisterError listing every problem.

    An unchanged register is answered from :mod:`audit_lib.io.cache` (the same Register, or
    the same issues), unless ``ROPA_NO_CACHE=1``.
    """
    folder = Path(path)
    with gc_paused():
        if not cache.enabled() or not folder.is_dir():
            return _load_register(folder)
        return _load_cached(folder)


def _load_cached(folder: Path) -> Register:
    """:func:`_load_register` through the cache, keyed by the bytes of every file it would read."""
    out = _Collector()
    files = _discover(folder, out)
    raw: dict[Path, bytes] = {}
    try:
        for path, _ in files:
            raw[path] = read_file(path, folder, MAX_FILE_BYTES)
    except FileRefused:
        return _load_register(folder)  # refusals are reported by the full load, never cached
    if out.issues:
        return _load_register(folder, raw)
    entry_key = cache.key(folder, [(str(p.relative_to(folder)), raw[p]) for p, _ in files], MAX_FILE_BYTES)
    stored = cache.get(folder, entry_key)
    if stored is not None:
        kind, value = stored
        if kind == "register" and isinstance(value, Register):
            return value
        if kind == "issues" and isinstance(value, list) and all(isinstance(i, Issue) for i in value):
            raise RegisterError(value)
    try:
        register = _load_register(folder, raw)
    except RegisterError as exc:
        cache.put(folder, entry_key, "issues", exc.issues)
        raise
    cache.put(folder, entry_key, "register", register)
    return register


def _in_file_records(src: _Source, obj: Any) -> list[tuple[Any, tuple, str]]:
    """(record, path in the file, record id) of the catalogued records inside a single-record file."""
    out = []
    for kind in kinds_in(f"{src.kind}.yaml"):
        inner = kind.attribute[1:]
        value = obj
        for name in inner:
            value = getattr(value, name, None)
        if value is None:
            continue
        if kind.many:
            out.extend((r, (*inner, i), kind.key(r, i)) for i, r in enumerate(value))
        else:
            out.append((value, inner, kind.path(value) if inner else _record_name(src.kind, value)))
    return out


def _record_name(kind: str, obj: Any) -> str:
    """How a single-record file's record is named in messages (the organisation by its name)."""
    return str(getattr(obj, "name", None) or kind) if kind == "organisation" else kind


def _load_register(folder: Path, raw: dict[Path, bytes] | None = None) -> Register:
    out = _Collector()
    if not folder.exists():
        raise _folder_error(folder, "register folder not found")
    if not folder.is_dir():
        raise _folder_error(folder, "not a folder: give the register folder (e.g. ropa/mobikin), not a file")
    files = _discover(folder, out)
    if not files and not out.issues:
        raise _folder_error(folder, "empty folder: no register files "
                                    "(organisation.yaml, activities.yaml, ...)")
    raw = raw or {}
    digest = _Digest((p for p, _ in files), folder)
    # A reference to a record that is there but invalid, or to any record of a kind whose
    # file could not be read, is not reported again as "unknown id": the cause already is.
    unreadable: set[str] = set()
    lists: dict[str, list[_Record]] = {k: [] for k, f in KINDS.items() if f.many}
    invalid_ids: dict[str, set[str]] = {k: set() for k in lists}
    if not any(kind == "organisation" for _, kind in files):
        out.add(FOLDER, folder / "organisation.yaml", "missing: every register needs organisation.yaml "
                                                      "naming the controller (Art 30(1)(a))")

    singles: dict[str, Any] = {}
    single_src: dict[str, _Source] = {}
    context: dict[str, Any] = {}
    # One file at a time, read, validated and its document dropped (a 60 MB file's document
    # and its records never coexist in full). The taxonomy goes first: its extensions widen
    # the vocabulary the others are checked against.
    for path, kind in sorted(files, key=lambda f: f[1] != "taxonomy"):
        src = _read(path, kind, out, folder, raw.pop(path, None), digest)
        if src is None:
            unreadable.add(kind)
            continue
        if kind != "taxonomy" and "vocabulary" not in context:
            context["vocabulary"] = _vocabulary(singles.get("taxonomy"), out,
                                                single_src.get("taxonomy"))
        file_kind = KINDS[kind]
        if file_kind.many:
            records = _records(src, out)
            src.data = None
            if records is None:
                unreadable.add(kind)
                continue
            for n, (i, item) in enumerate(records):
                records[n] = None
                rid = _record_id(i, item)
                obj = _validate(file_kind.model, item, src, (i,), rid, out, context)
                if obj is not None:
                    lists[kind].append(_Record(obj, src, (i,), str(obj.id)))
                elif item.get("id") is not None:
                    invalid_ids[kind].add(rid)
        else:
            data, src.data = src.data, None
            if kind in single_src:
                out.add(SHAPE, src, f"{kind} is defined twice (also in {single_src[kind].path})")
                continue
            single_src[kind] = src
            data = data if data is not None else {}
            if not isinstance(data, dict):
                out.add(SHAPE, src, f"must be a mapping of {kind} fields, got {shown(data)}")
                continue
            record = str(data.get("name") or kind) if kind == "organisation" else kind
            obj = _validate(file_kind.model, data, src, (), record, out, context)
            if obj is not None:
                singles[kind] = obj
    index = {kind: _check_ids(records, _what(kind), out) for kind, records in lists.items()}

    def check_references(record: Any, src: _Source, path: tuple, rid: str) -> None:
        for rpath, target, ref in references(record):
            if ref in index[target] or ref in invalid_ids[target] or target in unreadable:
                continue
            known = ", ".join(sorted(index[target])[:8]) or "none defined"
            field = _field_name(rpath) or None
            out.add(DANGLING, src, f"unknown {_what(target)} id '{ref}' (known: {known})",
                    path=(*path, *rpath), record=rid, field=field)

    for records in lists.values():
        for rec in records:
            check_references(rec.obj, rec.src, rec.path, rec.id)
            if isinstance(rec.obj, ProcessingActivity):
                _check_activity_links(rec, out)
    for kind, obj in singles.items():
        for record, path, rid in _in_file_records(single_src[kind], obj):
            check_references(record, single_src[kind], path, rid)
    _check_parents(index["recipients"], out)

    if out.issues:
        raise RegisterError(sorted(out.issues, key=lambda i: (i.file, i.line or 0)))
    values: dict[str, Any] = {KINDS[name].attribute: [r.obj for r in records]
                              for name, records in lists.items()}
    values.update({KINDS[name].attribute: obj for name, obj in singles.items()})
    return Register(**values, source_path=str(folder), source_hash=digest.hexdigest())
