"""Read the text of one register file as YAML: fast, strict, honest, and safe against hostile input.

* C speed: the document is built straight from libyaml's events (:func:`_fast_load`).
* YAML 1.2 core schema for plain scalars: only ``true``/``false`` are booleans (``NO`` stays
  Norway); ints are ``[-+]?[0-9]+``, ``0o..``, ``0x..``; no sexagesimal ``1:20``, no ``1_000``,
  no 1.1 octal ``017``; dates stay text (the model parses date fields, so ``2026-02-30`` is a
  validation message, not a crash).
* Nothing silently changed: a number keeps the text it was written as (:class:`SourceInt`,
  :class:`SourceFloat`), so a text field given ``0301234567`` or ``1.10`` gets exactly that.
* Nothing silently dropped: a key repeated in one mapping is reported (PyYAML keeps the last).
* Refused before anything is built: anchors and aliases (the billion-laughs attack needs
  them), merge keys ``<<``, explicit tags other than ``!!str`` (a register needs none), and
  nesting deeper than :data:`MAX_DEPTH`, with one "too deep" message whichever layer (ours
  or libyaml's own limit, PyYAML 6.0.4 and later) refuses first.

:func:`read_yaml` is the entry point; it raises :class:`YamlProblem` (code, message, line).
Which file and record a problem belongs to is the loader's business.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
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

from audit_lib.issues import Severity, Stage, declare

SYNTAX = declare("ROPA-V001", Stage.load, Severity.error, "YAML syntax error",
                 remedy="Fix the YAML at the line shown (indentation, a missing colon or quote).").code
ALIASES = declare("ROPA-V012", Stage.load, Severity.error, "YAML anchors and aliases are not allowed",
                  remedy="Write each record out in full instead of &name / *name.").code
DEEP = declare("ROPA-V013", Stage.load, Severity.error, "YAML nesting too deep to be a register",
               remedy="A register nests about 6 levels; check the file is a register file.").code
DUPLICATE_KEY = declare("ROPA-V014", Stage.load, Severity.error, "key repeated in one mapping",
                        remedy="Keep one of the two values: YAML would silently drop the first.").code
TAGS = declare("ROPA-V018", Stage.load, Severity.error, "YAML tags and merge keys are not allowed",
               remedy="Write the value plainly (quote it to make it text) and each mapping out in full.").code


class YamlProblem(Exception):
    """The text cannot be read as a register file: ``code``, ``message`` and ``line`` (1-based or None)."""

    code = SYNTAX

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _KeepsSource:
    """A number read from a plain scalar that keeps the text it was written as (``str()``,
    ``repr()``): a text field given one gets that text back (``0301234567``, not ``301234567``;
    ``1.10``, not ``1.1``), since pydantic coerces numbers to text with ``str()``."""

    source: str
    _number: type

    def __new__(cls, value: Any, source: str) -> Any:
        obj = super().__new__(cls, value)  # int or float, the class's other base
        obj.source = source
        return obj

    def __str__(self) -> str:
        return self.source

    __repr__ = __str__

    def __reduce__(self) -> tuple:
        return type(self), (self._number(self), self.source)


class SourceInt(_KeepsSource, int):
    """An int that keeps its source text (see :class:`_KeepsSource`)."""

    _number = int


class SourceFloat(_KeepsSource, float):
    """A float that keeps its source text (see :class:`_KeepsSource`)."""

    _number = float


MAX_INT_DIGITS = 4300
"""Longest decimal integer read as a number (Python's int/str conversion limit); a longer run of
digits stays text, so an int field reports it as too big instead of crashing."""

# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), one regex.
_CORE = re.compile(
    r"(?P<null>~|null|Null|NULL)"
    r"|(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?[0-9]+)"
    r"|0o(?P<oct>[0-7]+)"
    r"|0x(?P<hex>[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<inf>[-+]?\.(?:inf|Inf|INF))"
    r"|(?P<nan>\.(?:nan|NaN|NAN))"
)
_CORE_FIRSTS = frozenset("~nNtTfF-+.0123456789")


def resolve_plain(value: str) -> Any:
    """The value of a plain (unquoted) scalar under the YAML 1.2 core schema; numbers keep their text."""
    if not value:
        return None
    if value[0] not in _CORE_FIRSTS:
        return value
    match = _CORE.fullmatch(value)
    if match is None:
        return value
    kind = match.lastgroup
    if kind == "null":
        return None
    if kind == "bool":
        return value[0] in "tT"
    if kind == "int":
        if len(value) - (value[0] in "+-") > MAX_INT_DIGITS:
            return value
        return SourceInt(int(value), value)
    if kind == "oct":
        return SourceInt(int(match.group("oct"), 8), value)
    if kind == "hex":
        return SourceInt(int(match.group("hex"), 16), value)
    if kind == "float":
        return SourceFloat(float(value), value)
    if kind == "inf":
        return SourceFloat(-math.inf if value[0] == "-" else math.inf, value)
    return SourceFloat(math.nan, value)


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class RegisterYamlLoader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML loader reading plain scalars as :func:`resolve_plain` does (the YAML 1.2 core schema),
    for tools that want ``yaml.load``; the loader itself uses :func:`read_yaml`."""


RegisterYamlLoader.yaml_implicit_resolvers = {}
RegisterYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:core", re.compile(r"^(?:" + _CORE.pattern + r")?$"), [*sorted(_CORE_FIRSTS), ""])
RegisterYamlLoader.add_constructor("tag:yaml.org,2002:core",
                                   lambda loader, node: resolve_plain(loader.construct_scalar(node)))

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


_TOO_DEEP_SCAN = 2 * 2**20
"""Longest text before a libyaml error that :func:`_too_deep_line` re-reads (pure Python is slow;
nesting deeper than ours in a longer prefix would have reached our own limit first)."""

_PLAIN_TAGS = {
    MappingStartEvent: (None, "!", "tag:yaml.org,2002:map"),
    SequenceStartEvent: (None, "!", "tag:yaml.org,2002:seq"),
}
_NO_KEY = object()


class _Refused(YamlProblem):
    """The text is valid YAML but refused before it is built; ``line`` says where."""

    MESSAGE = ""

    def __init__(self, line: int | None, message: str | None = None):
        super().__init__(message or self.MESSAGE, line)


class _AliasFound(_Refused):
    """An anchor or alias (the billion-laughs attack needs them)."""

    code = ALIASES
    MESSAGE = ("YAML anchors and aliases (&name, *name) are not allowed in a register: "
               "write each record out in full")


class _TooDeep(_Refused):
    """Nesting deeper than MAX_DEPTH."""

    code = DEEP
    MESSAGE = TOO_DEEP


class _TagRefused(_Refused):
    """An explicit tag other than !!str, or a merge key."""

    code = TAGS


def _tag_message(tag: str) -> str:
    shown_tag = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
    return (f"YAML tag {shown(shown_tag)} is not allowed in a register: write the value plainly "
            "(quote it to make it text)")


MERGE_MESSAGE = ("YAML merge key '<<' is not allowed in a register: write the fields of the mapping "
                 "out in full")


def _fast_load(text: str | bytes) -> tuple[Any, list[tuple[int, Any]]]:
    """Build the document straight from libyaml's events; return (data, duplicate keys).

    Plain scalars are read by :func:`resolve_plain` (YAML 1.2 core schema). Stops at the
    first anchor or alias (_AliasFound, before anything is expanded), nesting deeper than
    MAX_DEPTH (_TooDeep), an explicit tag other than ``!!str``, a merge key (_TagRefused),
    a mapping or list used as a key and a second document (YamlProblem); reports every key
    repeated in one mapping as (line, key), which PyYAML would silently overwrite.

    The loop keeps the open container, whether it is a list and its pending key in local
    variables (the outer ones on a stack), and reads an event's mark only to report it.
    """
    loader = _Base(text)
    get_event = loader.get_event
    resolved: dict[str, Any] = {}
    resolved_get = resolved.get
    outer: list[tuple[Any, bool]] = []
    duplicates: list[tuple[int, Any]] = []
    root: Any = None
    top: Any = None  # the open container (None: at the top of the document)
    in_list = False
    key: Any = _NO_KEY  # the key read in the open mapping, waiting for its value
    depth = 0
    documents = 0
    scalar_event, alias_event = ScalarEvent, AliasEvent
    mapping_start, sequence_start = MappingStartEvent, SequenceStartEvent
    mapping_end, sequence_end = MappingEndEvent, SequenceEndEvent
    no_key, str_tag, plain_tags = _NO_KEY, _STR_TAG, _PLAIN_TAGS
    try:
        while True:
            event = get_event()
            cls = event.__class__
            if cls is scalar_event:
                if event.anchor is not None:
                    raise _AliasFound(event.start_mark.line + 1)
                obj = event.value
                tag = event.tag
                if tag is None:
                    if event.implicit[0]:
                        value = resolved_get(obj, no_key)
                        if value is no_key:
                            value = resolved[obj] = resolve_plain(obj)
                        obj = value
                elif tag != str_tag and tag != "!":
                    raise _TagRefused(event.start_mark.line + 1, _tag_message(tag))
                if in_list:
                    top.append(obj)
                elif key is not no_key:
                    top[key] = obj
                    key = no_key
                elif top is None:
                    root = obj
                else:
                    if obj == "<<" and tag is None and event.implicit[0]:
                        raise _TagRefused(event.start_mark.line + 1, MERGE_MESSAGE)
                    if obj in top:
                        duplicates.append((event.start_mark.line + 1, obj))
                    key = obj
            elif cls is mapping_end or cls is sequence_end:
                top, in_list = outer.pop()
                key = no_key
                depth -= 1
            elif cls is mapping_start or cls is sequence_start:
                if event.anchor is not None:
                    raise _AliasFound(event.start_mark.line + 1)
                if event.tag not in plain_tags[cls]:
                    raise _TagRefused(event.start_mark.line + 1, _tag_message(event.tag))
                if depth >= MAX_DEPTH:
                    raise _TooDeep(event.start_mark.line + 1)
                obj = {} if cls is mapping_start else []
                if in_list:
                    top.append(obj)
                elif key is not no_key:
                    top[key] = obj
                elif top is None:
                    root = obj
                else:
                    raise YamlProblem("YAML syntax error: a mapping or list cannot be a key: write the "
                                      "key as text", event.start_mark.line + 1)
                outer.append((top, in_list))
                top, in_list, key = obj, cls is sequence_start, no_key
                depth += 1
            elif cls is alias_event:
                raise _AliasFound(event.start_mark.line + 1)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlProblem("YAML syntax error: expected a single document in the stream, but "
                                      "found another document", event.start_mark.line + 1)
            elif cls is StreamEndEvent:
                break
    finally:
        loader.dispose()
    return root, duplicates


def line_map(text: str) -> dict[tuple, int]:
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


def read_yaml(text: str | bytes) -> tuple[Any, list[tuple[int, Any]]]:
    """The document in ``text`` and its repeated keys as (line, key); raise :class:`YamlProblem`.

    ``text`` may be the file's bytes, already checked to be UTF-8 (libyaml then reads them
    without a second copy of the text); a syntax error is then reported from the decoded
    text, exactly as for a ``str``. A refusal by libyaml's own nesting limit gives the same
    "too deep" problem as ours.
    """
    if isinstance(text, bytes):
        try:
            return _fast_load(text)
        except (yaml.YAMLError, RecursionError):
            text = text.decode("utf-8-sig")
    try:
        return _fast_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        prefix = text[: mark.index + 1] if mark else text
        deep = _too_deep_line(prefix) if len(prefix) <= _TOO_DEEP_SCAN else None
        if deep is not None:
            raise _TooDeep(deep) from None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        raise YamlProblem(message, mark.line + 1 if mark else None) from None
    except RecursionError:
        raise _TooDeep(None, "YAML nesting is too deep to be a register") from None


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def duplicate_key_message(key: Any) -> str:
    """The message for a key repeated in one mapping."""
    return (f"key {shown(key)} appears twice in the same mapping: YAML would keep only "
            "the last value and silently drop the first")
