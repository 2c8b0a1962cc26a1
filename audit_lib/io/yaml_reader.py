"""Read the text of one register file as YAML: fast, strict, and safe against hostile input.

* C speed: the document is built straight from libyaml's events (:func:`_fast_load`),
  falling back to PyYAML's own loader for unusual features (tags, merge keys).
* YAML 1.2 booleans: only ``true``/``false`` are booleans, so ``NO`` stays Norway.
* Nothing silently dropped: a key repeated in one mapping is reported (PyYAML keeps the last).
* Refused before anything is built: anchors and aliases (the billion-laughs attack needs
  them) and nesting deeper than :data:`MAX_DEPTH`, with one "too deep" message whichever
  layer (ours or libyaml's own limit, PyYAML 6.0.4 and later) refuses first.

:func:`read_yaml` is the entry point; it raises :class:`YamlProblem` (code, message, line).
Which file and record a problem belongs to is the loader's business.
"""

from __future__ import annotations

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
from yaml.nodes import ScalarNode

from audit_lib.issues import Severity, Stage, declare

SYNTAX = declare("ROPA-V001", Stage.load, Severity.error, "YAML syntax error",
                 remedy="Fix the YAML at the line shown (indentation, a missing colon or quote).").code
ALIASES = declare("ROPA-V012", Stage.load, Severity.error, "YAML anchors and aliases are not allowed",
                  remedy="Write each record out in full instead of &name / *name.").code
DEEP = declare("ROPA-V013", Stage.load, Severity.error, "YAML nesting too deep to be a register",
               remedy="A register nests about 6 levels; check the file is a register file.").code
DUPLICATE_KEY = declare("ROPA-V014", Stage.load, Severity.error, "key repeated in one mapping",
                        remedy="Keep one of the two values: YAML would silently drop the first.").code


class YamlProblem(Exception):
    """The text cannot be read as a register file: ``code``, ``message`` and ``line`` (1-based or None)."""

    code = SYNTAX

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


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


def read_yaml(text: str) -> tuple[Any, list[tuple[int, Any]]]:
    """The document in ``text`` and its repeated keys as (line, key); raise :class:`YamlProblem`.

    The fast reader first; PyYAML's loader (after an event scan for aliases and depth)
    for what the fast reader leaves to it. A refusal by libyaml's own nesting limit
    gives the same "too deep" problem as ours.
    """
    try:
        try:
            return _fast_load(text)
        except _Fallback:
            _check_events(text)
            return yaml.load(text, Loader=RegisterYamlLoader), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        deep = _too_deep_line(text[: mark.index + 1] if mark else text)
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
