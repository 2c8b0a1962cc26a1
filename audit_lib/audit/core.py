"""Findings, severities, the rule registry and the audit runner.

A rule is a small function taking an :class:`AuditContext` and yielding
:class:`Hit` tuples (record, field, message[, remedy, detail]); the :func:`rule`
decorator registers it in :data:`RULES` with its stable code, severity, the
article it implements and a remedy sentence. :func:`audit` runs every rule and
collects every finding: a rule never stops at the first one.

A rule declared with ``group=`` reports one problem once: its hits become a
single finding listing every affected record (``Issue.records``), so the work
list says "12 activities rely on legitimate interests without a balancing test"
once, not twelve times.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from audit_lib.issues import Issue as Finding
from audit_lib.issues import Severity, Stage, at_or_above, declare  # noqa: F401  (at_or_above: re-exported)
from audit_lib.model import (
    ActivityStatus,
    DataCategoryRef,
    LegalBasis,
    ProcessingActivity,
    Recipient,
    Register,
    Retention,
)
from audit_lib.reference.taxonomy import (
    CHILD_SUBJECT_KEYS,
    is_children_data,
    is_criminal_data,
    is_special_category,
)
from audit_lib.reference.transfers import as_date

if TYPE_CHECKING:
    import pandas as pd

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


FIELDS = ("code", "severity", "article", "record", "field", "message", "remedy", "records", "status",
          "acceptance")
"""The columns a findings table shows (a finding is an :class:`~audit_lib.issues.Issue` with no file):
``records`` lists every record the finding covers, ``status`` is open, accepted or 'acceptance
lapsed', ``acceptance`` says who accepted the risk, until when and why."""

LEVELS = (Severity.high, Severity.medium, Severity.low, Severity.info)
"""The severities a finding can have, most severe first (``error`` is for unusable input)."""


class Hit(NamedTuple):
    """What a rule yields: the record and field at fault and a message (optional own remedy)."""

    record: str
    field: str
    message: str
    remedy: str | None = None
    detail: str | None = None
    """For a grouped rule: the short text this record contributes to the one finding (default: its id)."""


@dataclass(frozen=True)
class Rule:
    """A catalogue entry: the rule's code, severity, article, what it checks and how to fix."""

    code: str
    severity: Severity
    article: str
    title: str
    checks: str
    remedy: str
    topic: str
    func: Callable[[AuditContext], Iterable[Hit]]
    group: str | None = None
    """Summary of a grouped rule ('{n}' is the number of records): all its hits make one finding."""

    def run(self, ctx: AuditContext) -> Iterator[Finding]:
        hits = list(self.func(ctx))
        if self.group and len(hits) > 1:
            yield self._grouped(hits)
            return
        for hit in hits:
            yield Finding(code=self.code, severity=self.severity, message=hit.message, article=self.article,
                          record=hit.record, field=hit.field, remedy=hit.remedy or self.remedy,
                          records=(hit.record,))

    def _grouped(self, hits: list[Hit]) -> Finding:
        """One finding for every hit of a grouped rule, listing the records it covers."""
        records = tuple(dict.fromkeys(h.record for h in hits))
        fields = list(dict.fromkeys(_BRACKETS.sub("", h.field) for h in hits))
        details = list(dict.fromkeys(h.detail or h.record for h in hits))
        assert self.group is not None
        message = f"{self.group.format(n=len(records))}: {listing(details, 12)}"
        return Finding(code=self.code, severity=self.severity, message=message, article=self.article,
                       record=records[0], field=", ".join(fields), remedy=self.remedy, records=records)


_BRACKETS = re.compile(r"\[\d+\]")


RULES: dict[str, Rule] = {}
"""The rule catalogue, by code, in registration order."""


def rule(code: str, severity: Severity | str, article: str, title: str, remedy: str,
         group: str | None = None):
    """Register a rule function under a stable ``code`` (its docstring says what it checks).

    ``group`` (a summary with ``{n}``, the number of records) makes the rule report one finding
    listing every record it hits, instead of one finding per record.
    """

    def decorate(func: Callable[[AuditContext], Iterable[Hit]]):
        if code in RULES:
            raise ValueError(f"duplicate audit rule code {code}")
        declare(code, Stage.audit, severity, title, article=article, remedy=remedy)
        doc = inspect.getdoc(func) or title
        checks = " ".join(doc.split("\n\n")[0].split())
        topic = func.__module__.rsplit(".", 1)[-1]
        RULES[code] = Rule(code, Severity(severity), article, title, checks, remedy, topic, func, group)
        return func

    return decorate


# --------------------------------------------------------------------------
# Context: everything rules need, indexed once (O(size of the register))
# --------------------------------------------------------------------------

ORGANISATION = "organisation"
"""Record id used for findings about the organisation and its commitments."""

_ANONYMOUS_WORDS = ("anonymi", "anonymous", "aggregat")


@lru_cache(maxsize=4096)
def is_anonymous_category(key: str, label: str | None = None) -> bool:
    """True for a category that is not personal data: not a ``user.*`` key, or marked anonymised."""
    if not key.startswith("user"):
        return True
    text = f"{key} {label or ''}".lower()
    return any(word in text for word in _ANONYMOUS_WORDS)


def _anonymous_users_only(activity: ProcessingActivity) -> bool:
    """For an activity naming no data category: True when all its data subjects are anonymous users."""
    return bool(activity.data_subjects) and all(s.key == "anonymous_user" for s in activity.data_subjects)


def anonymised_only(activity: ProcessingActivity) -> bool:
    """True when an activity holds no personal data: every category anonymous (Recital 26)."""
    if activity.data_categories:
        return all(is_anonymous_category(c.key, c.label) for c in activity.data_categories)
    return _anonymous_users_only(activity)


@lru_cache(maxsize=1024)
def period_days(period: str | None) -> int | None:
    """Approximate days of an ISO 8601 retention period (None for 'indefinite', 'not_stated', None)."""
    if not period or not period.startswith("P"):
        return None
    return Retention(period=period).days


@lru_cache(maxsize=1024)
def _child_subject(key: str) -> bool:
    return key in CHILD_SUBJECT_KEYS or key.rsplit(".", 1)[-1] in CHILD_SUBJECT_KEYS


@lru_cache(maxsize=8192)
def _flags(key: str, label: str | None) -> tuple[bool, bool, bool, bool]:
    """(anonymous, special category, criminal, children's data) for one data category."""
    return (is_anonymous_category(key, label), is_special_category(key), is_criminal_data(key),
            is_children_data(key))


def involves_children(activity: ProcessingActivity) -> bool:
    """True when an activity says it processes children's data (flag, subject or category)."""
    if activity.children_data:
        return True
    if any(_child_subject(s.key) for s in activity.data_subjects):
        return True
    return any(_flags(c.key, c.label)[3] for c in activity.data_categories)


@dataclass(frozen=True)
class ActivityFacts:
    """What several rules need to know about one activity, worked out once."""

    personal: dict[str, DataCategoryRef]
    """key -> its personal (not anonymised) data categories (``str()`` gives the display text)."""
    anonymised_only: bool
    special: list[str]
    """Display text of its Art 9(1) special categories."""
    criminal: list[str]
    """Display text of its Art 10 criminal-offence categories."""
    children: bool

    @classmethod
    def of(cls, activity: ProcessingActivity) -> ActivityFacts:
        cats = activity.data_categories
        personal: dict[str, DataCategoryRef] = {}
        special: list[str] = []
        criminal: list[str] = []
        children = bool(activity.children_data)
        for c in cats:
            anonymous, is_special, is_criminal, is_child = _flags(c.key, c.label)
            if not anonymous:
                personal[c.key] = c
            if is_special:
                special.append(str(c))
            if is_criminal:
                criminal.append(str(c))
            children = children or is_child
        anonymous_only = not personal if cats else _anonymous_users_only(activity)
        children = children or any(_child_subject(s.key) for s in activity.data_subjects)
        return cls(personal, anonymous_only, special, criminal, children)


def listing(items, limit: int = 5) -> str:
    """Comma-separated items, the first ``limit`` then 'and N more' (keeps messages short)."""
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class AuditContext:
    """A register plus the indexes rules share, built once per audit."""

    def __init__(self, register: Register, as_of: dt.date | str | None = None, review: Any = None):
        self.register = register
        self.as_of = as_date(as_of)
        self.review = review
        """The :class:`audit_lib.review.Review` whose graph and transfers the rules share (or None)."""
        self.organisation = register.organisation
        self.recipients: dict[str, Recipient] = {r.id: r for r in register.recipients}
        self.activities = [a for a in register.activities if a.status is not ActivityStatus.retired]
        """Activities in force (active or planned); retired ones need no remedy."""
        users: dict[str, list[ProcessingActivity]] = defaultdict(list)
        for activity in self.activities:
            for rid in dict.fromkeys(activity.recipient_ids):
                users[rid].append(activity)
        self.users = dict(users)
        """Recipient id -> activities in force disclosing to it."""
        self.facts = {a.id: ActivityFacts.of(a) for a in self.activities}
        """Activity id -> :class:`ActivityFacts`, for the activities in force."""
        self.personal_activities = [a for a in self.activities if not self.facts[a.id].anonymised_only]
        """Activities in force that hold personal data (not only anonymous data, Recital 26)."""
        self.categorised = [a for a in self.activities if self.facts[a.id].personal]
        """Activities in force naming at least one personal data category (the retention rules' scope)."""
        self.sensitive = [a for a in self.activities if self.facts[a.id].special or self.facts[a.id].criminal
                          or self.facts[a.id].children]
        """Activities in force with special-category, criminal-offence or children's data (Art 8-10)."""
        relying: dict[LegalBasis, list[ProcessingActivity]] = defaultdict(list)
        for activity in self.activities:
            for basis in dict.fromkeys(activity.legal_basis):
                relying[basis].append(activity)
        self._relying = dict(relying)
        children: dict[str, list[Recipient]] = defaultdict(list)
        for r in register.recipients:
            if r.parent:
                children[r.parent].append(r)
        self.children = dict(children)
        self._chains: dict[str, list[str]] = {}
        self._users: dict[str, list[ProcessingActivity]] = {}

    def relying_on(self, basis: LegalBasis) -> list[ProcessingActivity]:
        """Activities in force that record ``basis`` among their Art 6(1) legal bases, in register order."""
        return self._relying.get(basis, [])

    def chain(self, recipient_id: str) -> list[str]:
        """The processor chain down to a recipient: [top processor, ..., recipient_id] (worked out once)."""
        found = self._chains.get(recipient_id)
        if found is None:
            found = self._chains[recipient_id] = self._chain(recipient_id)
        return list(found)

    def _chain(self, recipient_id: str) -> list[str]:
        out = [recipient_id]
        seen = {recipient_id}
        parent = self.recipients[recipient_id].parent
        while parent and parent in self.recipients and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.recipients[parent].parent
        return out[::-1]

    def top_of(self, recipient_id: str) -> str:
        """The processor at the top of a sub-processor chain."""
        return self.chain(recipient_id)[0]

    def in_force_users(self, recipient_id: str) -> list[ProcessingActivity]:
        """Activities in force whose data reaches a recipient, directly or down its processor chain."""
        users = self._users.get(recipient_id)
        if users is None:
            found: dict[str, ProcessingActivity] = {}
            for rid in self.chain(recipient_id):
                for a in self.users.get(rid, ()):
                    found.setdefault(a.id, a)
            users = self._users[recipient_id] = list(found.values())
        return list(users)

    @cached_property
    def transfers(self) -> list[Any]:
        """Transfers out of the EEA: those of :attr:`review` (one is made when none was given)."""
        if self.review is None:
            from audit_lib.review import Review

            self.review = Review(self.register, self.as_of)
        return self.review.transfers

    def is_eea(self, code: str) -> bool:
        from audit_lib.reference.transfers import is_eea

        return is_eea(code, as_of=self.as_of)


# --------------------------------------------------------------------------
# Running the audit
# --------------------------------------------------------------------------


def sort_key(f: Finding) -> tuple:
    return (f.severity.rank, f.code, f.record, f.field, f.message)


def audit(register: Register, as_of: dt.date | str | None = None,
          rules: Iterable[str] | None = None, review: Any = None,
          accepted: Iterable[Any] | None = None) -> list[Finding]:
    """Run every rule (or the codes in ``rules``) on ``register``; all findings, most severe first.

    ``as_of`` (default today) dates the review-age rules, the transfer
    classification and the expiry of accepted risks, so an old register is
    judged by the law of its day. ``accepted`` are the DPO's accepted risks
    (:mod:`audit_lib.audit.accepted`); by default they are read from
    ``accepted.yaml`` in the register's folder, when there is one (an invalid
    file raises :class:`~audit_lib.audit.accepted.AcceptedError`).
    """
    from audit_lib.audit.accepted import apply_acceptances, read_acceptances

    ctx = AuditContext(register, as_of, review=review)
    selected = RULES.values() if rules is None else [RULES[c] for c in rules]
    findings: list[Finding] = []
    for entry in selected:
        findings.extend(entry.run(ctx))
    if accepted is None:
        accepted = read_acceptances(register.source_path)
    findings = apply_acceptances(findings, list(accepted), ctx.as_of, report_unmatched=rules is None)
    return sorted(findings, key=sort_key)


def finding_row(f: Finding) -> dict[str, str]:
    """A finding as a plain dict of text with the keys of :data:`FIELDS` (for tables, CSV and JSON)."""
    data = f.as_dict()
    row = {key: data[key] for key in FIELDS}
    row["records"] = ", ".join(f.records or (f.record,))
    row["acceptance"] = f.acceptance.describe() if f.acceptance is not None else ""
    return row


def findings_table(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame (columns :data:`FIELDS`), most severe first."""
    import pandas as pd

    rows = [finding_row(f) for f in sorted(findings, key=sort_key)]
    return pd.DataFrame(rows, columns=list(FIELDS))


def blocking(findings: Iterable[Finding], level: Severity | str) -> list[Finding]:
    """The findings that fail a CI gate at ``level``: that severity or worse, and not an accepted risk."""
    return [f for f in findings if f.severity.at_least(level) and not f.accepted]


def duplicates(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(code, record) pairs reported by more than one finding: a work list should have none."""
    seen: set[tuple[str, str]] = set()
    twice: list[tuple[str, str]] = []
    for f in findings:
        for record in f.records or (f.record,):
            key = (f.code, record)
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
    return twice


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per severity, every severity present (zero when none)."""
    out = {s.value: 0 for s in LEVELS}
    for f in findings:
        out[f.severity.value] += 1
    return out
