"""Edit register YAML files record by record, keeping every untouched record byte for byte.

A register file is reviewed in pull requests: its comments and layout are part of the record
(the evidence quotes, the "to confirm" notes). An import that changes one activity must not
reflow the other twenty. ruamel.yaml (round trip) parses the file, so each top-level record's
lines are known; a changed record is re-emitted by ruamel (its own comments kept where ruamel
keeps them) and spliced into the original text in place of its old lines; the comment lines
between records stay where they were. Deleting a record removes its lines; a new record is
appended at the end of the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # no re-wrapping of long plain lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _read(path: Path) -> str:
    """The text of register file ``path``, opened as the loader opens every register file
    (:func:`audit_lib.io.files.read_file`: no symlink out of its folder, no FIFO, size-bounded)."""
    from audit_lib.io.files import read_file
    from audit_lib.io.loader import MAX_FILE_BYTES

    return read_file(path, path.parent, MAX_FILE_BYTES).decode("utf-8")


class YamlList:
    """A register file holding a list of records with ids (activities.yaml, recipients.yaml, ...)."""

    def __init__(self, path: str | Path, id_field: str = "id"):
        self.path = Path(path)
        self.text = _read(self.path) if self.path.exists() else ""
        self.id_field = id_field
        data = _yaml().load(self.text) if self.text.strip() else None
        self.data: CommentedSeq = data if data is not None else CommentedSeq()
        if not isinstance(self.data, CommentedSeq):
            raise ValueError(f"{self.path.name}: expected a list of records")
        self._changed: dict[int, CommentedMap] = {}
        self._deleted: set[int] = set()
        self._added: list[dict[str, Any]] = []

    def index(self, rid: str) -> int:
        for i, item in enumerate(self.data):
            if isinstance(item, dict) and str(item.get(self.id_field)) == rid:
                return i
        raise KeyError(rid)

    def record(self, rid: str) -> CommentedMap:
        """The ruamel mapping of record ``rid`` (edit it in place, then call :meth:`touch`)."""
        return self.data[self.index(rid)]

    def update(self, rid: str, change: Callable[[CommentedMap], None]) -> None:
        i = self.index(rid)
        change(self.data[i])
        self._changed[i] = self.data[i]

    def delete(self, rid: str) -> None:
        self._deleted.add(self.index(rid))

    def append(self, record: dict[str, Any]) -> None:
        self._added.append(record)

    def _span(self, i: int, lines: list[str]) -> tuple[int, int]:
        """[start, end) lines of record ``i``: from its first line to its last content line."""
        start = self.data.lc.item(i)[0]
        nxt = self.data.lc.item(i + 1)[0] if i + 1 < len(self.data) else len(lines)
        end = nxt
        while end > start + 1 and not _is_content(lines[end - 1]):
            end -= 1
        return start, end

    def _emit(self, record: Any) -> list[str]:
        buf = io.StringIO()
        _yaml().dump([record], buf)  # the comment lines after it (they belong to the next record) go below
        out = [line[2:] if line.startswith("  ") else line for line in buf.getvalue().splitlines(True)]
        while out and not _is_content(out[-1]):
            out.pop()
        return out

    def render(self) -> str:
        """The file's new text: untouched records exactly as they were."""
        lines = self.text.splitlines(True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        for i in sorted(set(self._changed) | self._deleted, reverse=True):
            start, end = self._span(i, lines)
            lines[start:end] = [] if i in self._deleted else self._emit(self._changed[i])
        for record in self._added:
            if lines and lines[-1].strip():
                lines.append("\n")
            lines += self._emit(record)
        return "".join(lines)

    @property
    def changed(self) -> bool:
        return bool(self._changed or self._deleted or self._added)


def set_value(mapping: CommentedMap, key: str, value: Any) -> None:
    """Set ``key`` (removing it when ``value`` is None or empty), keeping its position and comment."""
    if value is None or value == [] or value == "":
        mapping.pop(key, None)
        return
    old = mapping.get(key)
    if (
        isinstance(value, list)
        and isinstance(old, CommentedSeq)
        and (old.fa.flow_style() or not old)
        and all(not isinstance(v, dict) for v in value)
    ):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        value = seq
    mapping[key] = value
