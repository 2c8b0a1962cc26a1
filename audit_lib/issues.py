"""The one errors-as-data type of the tool, and the catalogue of every code it may carry.

A load error, an audit finding, a cross-check drift and an import problem are all an
:class:`Issue`: a stable ``code``, a ``severity``, the ``article`` it serves, where it is
(``file``, ``line``, ``record``, ``field``), what is wrong (``message``) and how to fix it
(``remedy``). Every code is declared once in :data:`CODES` by the stage that emits it
(``declare``); creating an Issue with an undeclared code is a programming error, so no
stage can report a code the catalogue does not list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from audit_lib.io.visible import echo

MESSAGE_LIMIT = 1000
"""Characters of an issue's message shown on its line; the rest is counted, not shown."""


class Severity(str, Enum):
    """How much an issue matters: error (the input cannot be used), then high ... info."""

    error = "error"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"

    @property
    def rank(self) -> int:
        """0 for error ... 4 for info (sort key: most severe first)."""
        return _RANK[self.value]

    def at_least(self, level: Severity | str) -> bool:
        """True when this severity is ``level`` or more severe."""
        return self.rank <= Severity(level).rank


_RANK = {"error": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


class Stage(str, Enum):
    """Which stage of the one-way flow emits a code."""

    load = "load"
    audit = "audit"
    drift = "drift"
    import_ = "import"


@dataclass(frozen=True)
class Code:
    """A catalogue entry: a stable code, what it means, and its default severity, article and remedy."""

    code: str
    stage: Stage
    severity: Severity
    title: str
    article: str = ""
    remedy: str = ""


CODES: dict[str, Code] = {}
"""Every code an Issue may carry, by code, in declaration order."""


def declare(code: str, stage: Stage | str, severity: Severity | str, title: str, *, article: str = "",
            remedy: str = "") -> Code:
    """Declare ``code`` in the catalogue (once; a second declaration is a programming error)."""
    if code in CODES:
        raise ValueError(f"issue code {code} is declared twice")
    entry = Code(code, Stage(stage), Severity(severity), title, article, remedy)
    CODES[code] = entry
    return entry


FIELDS = ("code", "severity", "article", "file", "line", "record", "field", "message", "remedy")
"""The columns of an issue, in the order tables, CSV and JSON show them."""


@dataclass(frozen=True)
class Issue:
    """One problem: what, where, under which article, and how to fix it.

    ``record`` names the record at fault (``activities[newsletter]``); when one issue covers
    several records, ``records`` lists them all and ``record`` is the first.
    """

    code: str
    severity: Severity
    message: str
    article: str = ""
    file: str = ""
    line: int | None = None
    record: str = ""
    field: str = ""
    remedy: str = ""
    records: tuple[str, ...] = ()
    accepted: bool = False
    """True while an accepted risk (``accepted.yaml``, in force on the audit date) covers this issue."""
    acceptance: Any = None
    """The :class:`audit_lib.audit.accepted.Acceptance` written for this issue, in force or lapsed."""

    @property
    def status(self) -> str:
        """'accepted', 'acceptance lapsed' (accepted once; expired, or the issue has changed) or 'open'."""
        if self.accepted:
            return "accepted"
        return "acceptance lapsed" if self.acceptance is not None else "open"

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"issue code {self.code} is not declared in audit_lib.issues.CODES")
        if not isinstance(self.severity, Severity):
            object.__setattr__(self, "severity", Severity(self.severity))
        if self.records and not self.record:
            object.__setattr__(self, "record", self.records[0])

    @classmethod
    def of(cls, code: str, message: str, **where: Any) -> Issue:
        """An issue with the catalogue's severity, article and remedy for ``code`` unless given."""
        entry = CODES.get(code)
        if entry is None:
            raise ValueError(f"issue code {code} is not declared in audit_lib.issues.CODES")
        where.setdefault("severity", entry.severity)
        where.setdefault("article", entry.article)
        where.setdefault("remedy", entry.remedy)
        return cls(code=code, message=message, **where)

    @property
    def location(self) -> str:
        """``file:line`` (or the file alone), empty when the issue is not tied to a file."""
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict with the keys of :data:`FIELDS` (and ``records``)."""
        acceptance = self.acceptance
        out = asdict(self)
        out["severity"] = self.severity.value
        out["records"] = list(self.records)
        out["status"] = self.status
        out["acceptance"] = acceptance.as_dict() if acceptance is not None else None
        return out

    def __str__(self) -> str:
        """``file:line: record: field: message`` on one line, as a terminal or CI log may show it.

        Record, field and message may echo what the register holds (an unknown key, a bad
        id): their control characters are shown as escapes (``\\x1b``) and each part is
        capped (:func:`audit_lib.io.visible.echo`), so a value cannot rewrite the line.
        """
        record, field = echo(self.record or "-"), echo(self.field or "-")
        where = echo(self.location) if self.location else record
        if self.location:
            where = f"{where}: {record}: {field}"
        return f"{where}: {echo(self.message, MESSAGE_LIMIT)}"


def sort_key(issue: Issue) -> tuple:
    """Most severe first, then by code, file, line and record."""
    return (issue.severity.rank, issue.code, issue.file, issue.line or 0, issue.record, issue.field)


def at_or_above(issues: Iterable[Issue], level: Severity | str) -> list[Issue]:
    """The issues of severity ``level`` or more severe."""
    return [i for i in issues if i.severity.at_least(level)]
