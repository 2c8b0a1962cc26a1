"""Policy cross-check: does the published privacy policy say what the register says (Art 5(2), 12-14)?

:func:`crosscheck` compares a policy text (markdown or plain) with a register in
both directions, for three kinds of item:

- **parties**: every recipient of the register must be named in the policy, and
  every well-known service provider the policy names (:data:`KNOWN_PARTIES`)
  or category of party it names (:data:`PARTY_CATEGORIES`) must be in the register;
- **data categories**: every personal-data category the register collects must
  be named in the policy, and every category the policy names
  (:data:`CATEGORY_PHRASES`) must be collected by the register;
- **purposes**: every purpose of every activity must be named in the policy,
  and every purpose the policy names (:data:`PURPOSE_TOPICS`) must be in the register.

The matching is deterministic and documented here so that a generated notice
(:mod:`audit_lib.notice`) can be written to pass it:

1. Both texts are cut into lower-case words (letters and digits), with markdown
   link targets and bare URLs removed, "e-mail" read as "email", and a plural
   ``s``/``es``/``ies`` folded, so "Email addresses" matches "email address".
2. Phrases are looked up as whole word sequences. Where phrases overlap, the
   longest wins and the shorter is not counted ("IP address" is not "address",
   "Google Chrome" is not Google).
3. A **recipient** is named when the policy contains its name without the
   parenthesised part, a parenthesised alias ("Google Ireland Limited (Google
   Analytics)" -> "Google Analytics") or the name without a legal-form suffix. A recipient
   the policy can only describe (a placeholder, internal staff, public authorities) is
   also named by its ``category``, by a category of party in :data:`PARTY_CATEGORIES` that
   fits its name or category ("law enforcement" for a public authority), or by one of the
   policy sentences the register quotes as its ``evidence``. A category of party the policy
   names is missing in the register when no recipient fits it by name, category, role or
   the activities it serves ("payment provider" for the recipient of a payment activity).
4. A **data category** (fideslang key) is named when the policy contains its
   register label (or a comma/"and"-separated part of it), its taxonomy name, or
   a phrase of :data:`CATEGORY_PHRASES` or :data:`WEAK_CATEGORY_PHRASES` whose key is
   the same, broader or narrower (``user.contact`` covers ``user.contact.email`` and the
   reverse). Only :data:`CATEGORY_PHRASES` can report a category missing in the register.
5. A **purpose** of an activity is named when the policy contains its
   description, label, taxonomy name or the activity's name, a phrase of a
   :data:`PURPOSE_TOPICS` topic the purpose belongs to (by key, or by words of its
   description, else label, else the activity's name), or one of the activity's evidence
   sentences.

6. A data category or purpose the policy names also counts as accounted for when the
   register's own words mention it anywhere: every text field of the register except the
   ``evidence`` quotes (which are the policy's words). So a register that records the
   policy's "we do not collect your passwords" as a commitment is not asked to add
   passwords. Parties always need a recipient record.

Matches are not meaning: each item missing is something for a person to look
at, with the policy line it comes from. Statements in the negative ("we do not
collect your password") still count as naming the data.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from audit_lib.issues import Issue, Severity, Stage, declare
from audit_lib.model import LegalBasis, ProcessingActivity, Recipient, Register
from audit_lib.reference.taxonomy import default_keys

KINDS = ("party", "data category", "purpose")

# --------------------------------------------------------------------------
# Vocabularies: audit_lib/reference/crosscheck.yaml, read once at import
# --------------------------------------------------------------------------

VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "reference" / "crosscheck.yaml"


@dataclass(frozen=True)
class Topic:
    """A purpose as policies word it, and how the register shows it."""

    name: str
    phrases: tuple[str, ...]
    keys: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    bases: tuple[LegalBasis, ...] = ()


def _read_vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_VOCABULARY = _read_vocabulary()

KNOWN_PARTIES: dict[str, tuple[str, ...]] = {
    name: tuple(aliases) for name, aliases in _VOCABULARY["known_parties"].items()}
"""Well-known service providers a policy may name: display name -> names and aliases."""

NOT_PARTIES: tuple[str, ...] = tuple(_VOCABULARY["not_parties"])
"""Names that contain a party's name but are products a policy mentions for other reasons."""

PARTY_CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    name: (tuple(c["phrases"]), tuple(c["words"]), tuple(c.get("roles", ())))
    for name, c in _VOCABULARY["party_categories"].items()}
"""Categories of parties a policy names without naming a party: (policy phrases, words a register
recipient's name or category may contain, roles)."""

CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    phrase: tuple(keys) for phrase, keys in _VOCABULARY["category_phrases"].items()}
"""Policy wordings of data categories -> the fideslang keys they name."""

WEAK_CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    phrase: tuple(keys) for phrase, keys in _VOCABULARY["weak_category_phrases"].items()}
"""Single words that confirm a register category is named ("your name and address"), but are too
common to claim, on their own, that the policy names data the register lacks."""

PURPOSE_TOPICS: tuple[Topic, ...] = tuple(
    Topic(t["name"], tuple(t["phrases"]), tuple(t.get("keys", ())), tuple(t.get("words", ())),
          tuple(LegalBasis(b) for b in t.get("bases", ())))
    for t in _VOCABULARY["purpose_topics"])
"""Purposes as policies word them (phrases) and the register keys/words that show them."""

LEGAL_SUFFIXES: tuple[str, ...] = tuple(_VOCABULARY["legal_suffixes"])
PLACEHOLDER_WORDS: tuple[str, ...] = tuple(_VOCABULARY["placeholder_words"])


# --------------------------------------------------------------------------
# Result: each item missing on one side is also an Issue with a ROPA-D1xx code
# (ROPA-D101-D103 named in the policy, D111-D113 in the register; D0xx are the DPIA rules)
# --------------------------------------------------------------------------

_ARTICLES = {"party": ("Art 30(1)(d)", "Art 13(1)(e), 14(1)(e)"),
             "data category": ("Art 30(1)(c)", "Art 14(1)(d)"),
             "purpose": ("Art 30(1)(b)", "Art 13(1)(c), 14(1)(c)")}
DRIFT_CODES: dict[tuple[str, str], str] = {}
"""(side, kind) -> the ROPA-D code of an item missing on that side."""
for _number, (_kind, (_art30, _art13)) in enumerate(_ARTICLES.items(), start=1):
    DRIFT_CODES["missing_in_register", _kind] = declare(
        f"ROPA-D10{_number}", Stage.drift, Severity.medium,
        f"{_kind} named in the privacy policy but missing in the register", article=_art30,
        remedy=f"Add the {_kind} to the register (or correct the policy if it is wrong).").code
    DRIFT_CODES["missing_in_policy", _kind] = declare(
        f"ROPA-D11{_number}", Stage.drift, Severity.medium,
        f"{_kind} in the register but not named in the privacy policy", article=_art13,
        remedy=f"Name the {_kind} in the policy (or remove it from the register if it is not real).").code
del _number, _kind, _art30, _art13


@dataclass(frozen=True)
class CrossCheckItem:
    """One party, data category or purpose named on one side and not the other (or matched)."""

    kind: str
    text: str
    record: str | None = None
    key: str | None = None
    line: int | None = None
    context: str | None = None
    how: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def issue(self, side: str, policy: str = "") -> Issue:
        """This item as an Issue of ``side`` (``missing_in_register`` or ``missing_in_policy``).

        An item the policy names carries the policy file (``policy``) and line.
        """
        key = f" ({self.key})" if self.key and self.key not in self.text else ""
        quote = f': "{self.context}"' if self.line and self.context else ""
        named = side == "missing_in_register"
        message = (f"policy names {self.kind} {self.text}{key}{quote}, missing in the register" if named
                   else f"{self.kind} {self.text}{key} is not named in the policy")
        return Issue.of(DRIFT_CODES[side, self.kind], message, file=policy if named and self.line else "",
                        line=self.line if named else None, record=self.record or "",
                        field=self.key or "")

    def __str__(self) -> str:
        where = f" [{self.record}]" if self.record else ""
        key = f" ({self.key})" if self.key and self.key not in self.text else ""
        line = f" line {self.line}: \"{self.context}\"" if self.line else ""
        return f"{self.kind}: {self.text}{key}{where}{line}"


@dataclass
class CrossCheckResult:
    """What the policy names and the register lacks, and what the register holds and the policy omits."""

    missing_in_register: list[CrossCheckItem] = field(default_factory=list)
    missing_in_policy: list[CrossCheckItem] = field(default_factory=list)
    matched: list[CrossCheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing on either side."""
        return not self.missing_in_register and not self.missing_in_policy

    @property
    def missing_from_policy(self) -> list[CrossCheckItem]:
        """Alias of :attr:`missing_in_policy`."""
        return self.missing_in_policy

    @property
    def missing_from_register(self) -> list[CrossCheckItem]:
        """Alias of :attr:`missing_in_register`."""
        return self.missing_in_register

    def issues(self, policy: str = "") -> list[Issue]:
        """Every item missing on either side as an Issue (ROPA-D codes), policy side first."""
        return [item.issue(side, policy) for side in ("missing_in_register", "missing_in_policy")
                for item in getattr(self, side)]

    def as_dict(self) -> dict:
        return {"ok": self.ok,
                "missing_in_register": [i.as_dict() for i in self.missing_in_register],
                "missing_in_policy": [i.as_dict() for i in self.missing_in_policy],
                "matched": [i.as_dict() for i in self.matched]}

    def counts(self) -> dict[str, dict[str, int]]:
        """{side: {kind: number}} for a summary line."""
        out = {}
        for side in ("missing_in_register", "missing_in_policy", "matched"):
            items = getattr(self, side)
            out[side] = {k: sum(1 for i in items if i.kind == k) for k in KINDS}
        return out


# --------------------------------------------------------------------------
# Text: words with their positions
# --------------------------------------------------------------------------

_URL = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W_]+")


def _fold(word: str) -> str:
    """Lower-case word with a plural folded (addresses -> address, inquiries -> inquiry)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """The folded words of a phrase ("E-mail addresses" -> ["email", "address"])."""
    return Text(text).words


class Text:
    """A text cut into folded words, each with its character offset (for line and context)."""

    def __init__(self, text: str):
        self.raw = text
        clean = _URL.sub(lambda m: "]" + " " * (len(m.group()) - 1) if m.group().startswith("]")
                         else " " * len(m.group()), text)
        found: list[tuple[str, int, int]] = []
        for m in _WORD.finditer(clean):
            w = _fold(m.group())
            if found and found[-1][0] == "e" and w == "mail" and found[-1][2] >= m.start() - 1:
                found[-1] = ("email", found[-1][1], m.end())
                continue
            found.append((w, m.start(), m.end()))
        self.words = [w for w, _, _ in found]
        self.spans = [(s, e) for _, s, e in found]
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self._joined = " " + " ".join(self.words) + " "

    def contains(self, phrase: list[str] | tuple[str, ...]) -> bool:
        return bool(phrase) and f" {' '.join(phrase)} " in self._joined

    def line(self, index: int) -> int:
        return bisect.bisect_right(self._newlines, self.spans[index][0]) + 1

    def excerpt(self, start: int, end: int, width: int = 50) -> str:
        a, b = self.spans[start][0], self.spans[end - 1][1]
        lo, hi = max(0, a - width), min(len(self.raw), b + width)
        text = " ".join(re.sub(r"\\([-*_#.!\[\]()])", r"\1", self.raw[lo:hi]).split())
        return ("..." if lo else "") + text + ("..." if hi < len(self.raw) else "")


@dataclass
class _Span:
    start: int
    end: int
    targets: frozenset


def _spans(text: Text, table: dict[tuple[str, ...], set]) -> list[_Span]:
    """Longest-first, non-overlapping occurrences in ``text`` of the phrases of ``table``."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in table:
        if phrase:
            by_first.setdefault(phrase[0], []).append(phrase)
    found: list[_Span] = []
    ws = text.words
    for i, w in enumerate(ws):
        for phrase in by_first.get(w, ()):
            if tuple(ws[i:i + len(phrase)]) == phrase:
                found.append(_Span(i, i + len(phrase), frozenset(table[phrase])))
    found.sort(key=lambda s: (-(s.end - s.start), s.start))
    taken = [False] * len(ws)
    kept = []
    for s in found:
        if not any(taken[s.start:s.end]):
            kept.append(s)
            for k in range(s.start, s.end):
                taken[k] = True
    return sorted(kept, key=lambda s: s.start)


def _add(table: dict[tuple[str, ...], set], phrase: str, target) -> None:
    key = tuple(words(phrase))
    if key:
        table.setdefault(key, set()).add(target)


def _own_strings(value) -> Iterable[str]:
    """Every string in a dumped register, skipping ``evidence`` (the policy's own words)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != "evidence":
                yield from _own_strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _own_strings(v)


def register_words(register: Register) -> Text:
    """The register's own words (all its text except evidence quotes), as a :class:`Text`."""
    dump = register.model_dump(mode="json", exclude={"source_path", "source_hash"})
    return Text("\n".join(_own_strings(dump)))


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


# --------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------

_PARENS = re.compile(r"\(([^()]*)\)")


def _strip_suffix(name: str) -> str:
    ws = name.replace(",", " ").replace(".", " ").split()
    while len(ws) > 1 and ws[-1].lower() in LEGAL_SUFFIXES:
        ws.pop()
    if len(ws) > 2 and " ".join(ws[-2:]).lower() == "unlimited company":
        ws = ws[:-2]
    return " ".join(ws)


def _unnamed(recipient: Recipient) -> bool:
    """A recipient the policy can only describe: a placeholder, our own staff, or public authorities."""
    return recipient.placeholder or recipient.role.value in ("internal", "public_authority")


def party_names(recipient: Recipient) -> list[str]:
    """The names a policy may use for a recipient: name, parenthesised aliases, name without
    legal-form suffix; for a placeholder also its category (words like 'unnamed' dropped)."""
    out: list[str] = []
    sources = (recipient.name, recipient.category or "") if _unnamed(recipient) else (recipient.name,)
    for text in sources:
        base = _PARENS.sub(" ", text).strip(" ,;-")
        aliases = [a.strip() for a in _PARENS.findall(text)]
        for candidate in (base, _strip_suffix(base), *aliases, *(_strip_suffix(a) for a in aliases)):
            candidate = " ".join(candidate.split())
            low = candidate.lower()
            if candidate and not any(w in low for w in PLACEHOLDER_WORDS) and candidate not in out:
                out.append(candidate)
    return out


def _evidence_found(text: Text, evidence: Iterable[str]) -> bool:
    return any(len(ws) >= 4 and text.contains(ws) for ws in (words(e) for e in evidence))


def _parties(register: Register, text: Text, result: CrossCheckResult) -> None:
    table: dict[tuple[str, ...], set] = {}
    names = {r.id: party_names(r) for r in register.recipients}
    name_words = {rid: [words(n) for n in ns] for rid, ns in names.items()}
    for rid, ns in names.items():
        for n in ns:
            _add(table, n, ("recipient", rid))
    for display, aliases in KNOWN_PARTIES.items():
        for alias in aliases:
            aw = words(alias)
            owners = [rid for rid, nws in name_words.items()
                      if any(_within(aw, nw) or _within(nw, aw) for nw in nws)]
            for rid in owners:
                _add(table, alias, ("recipient", rid))
            if not owners:
                _add(table, alias, ("known", display))
    for phrase in NOT_PARTIES:
        _add(table, phrase, ("ignore", phrase))
    own_text = {r.id: f"{r.name} {r.category or ''}".lower() for r in register.recipients}
    context = dict(own_text)
    for a in register.activities:  # what a recipient is used for also says what kind of party it is
        for link in a.recipients:
            if link.recipient in context:
                extra = [a.name, link.purpose or ""] + [p.description or p.key for p in a.purposes]
                context[link.recipient] += " " + " ".join(extra).lower()
    roles = {r.id: r.role.value for r in register.recipients}
    unnamed = {r.id for r in register.recipients if _unnamed(r)}
    for cat, (phrases, kws, cat_roles) in PARTY_CATEGORIES.items():
        fits = [rid for rid in context if any(k in context[rid] for k in kws) or roles[rid] in cat_roles]
        described = [rid for rid in fits if rid in unnamed
                     and (any(k in own_text[rid] for k in kws) or roles[rid] in cat_roles)]
        for phrase in phrases:
            for rid in described:
                _add(table, phrase, ("category_of", rid))
            _add(table, phrase, ("category_fits", cat) if fits else ("category", cat))

    spans = _spans(text, table)
    named: dict[str, str] = {}
    reported: set[str] = set()
    for s in spans:
        for kind, value in sorted(s.targets):
            if kind == "recipient":
                named[value] = "name"
            elif kind == "category_of":
                named.setdefault(value, "category")  # an unnamed recipient the policy describes
            elif kind in ("known", "category") and value not in reported:
                reported.add(value)
                found = " ".join(text.raw[text.spans[s.start][0]:text.spans[s.end - 1][1]].split())
                result.missing_in_register.append(CrossCheckItem(
                    "party", found if kind == "known" else f"{found} ({value})", None, None,
                    text.line(s.start), text.excerpt(s.start, s.end)))
    for r in register.recipients:
        how = named.get(r.id)
        if how is None and r.id in unnamed and _evidence_found(text, r.evidence):
            how = "evidence"
        item = CrossCheckItem("party", r.name, r.id, how=how)
        (result.matched if how else result.missing_in_policy).append(item)


def _within(small: list[str], big: list[str]) -> bool:
    n = len(small)
    return n > 0 and any(big[i:i + n] == small for i in range(len(big) - n + 1))


# --------------------------------------------------------------------------
# Data categories
# --------------------------------------------------------------------------


def _label_parts(label: str) -> list[str]:
    """A label, its pieces between commas, 'and', 'or', brackets, and each piece's leading
    words (two or more): "software registration code sent to X" -> "software registration"..."""
    pieces = [label]
    for piece in re.split(r"[,;/]| and | or |\.\.\.|\(|\)", label):
        piece = piece.strip(" -:\"'")
        if len(piece) > 2 and piece not in pieces:
            pieces.append(piece)
    parts = list(pieces)
    for piece in pieces:
        ws = piece.split()
        parts += [" ".join(ws[:n]) for n in range(2, len(ws)) if " ".join(ws[:n]) not in parts]
    return parts


def _categories(register: Register, text: Text, in_force: list[ProcessingActivity],
                result: CrossCheckResult, own: Text) -> None:
    from audit_lib.audit.core import is_anonymous_category

    names = dict(default_keys()["data_categories"])
    names.update({t.fides_key: t.name for t in register.taxonomy.data_categories})
    table: dict[tuple[str, ...], set] = {}
    for phrase, keys in CATEGORY_PHRASES.items():
        for k in keys:
            _add(table, phrase, ("phrase", k))
    for phrase, keys in WEAK_CATEGORY_PHRASES.items():
        for k in keys:
            _add(table, phrase, ("weak", k))
    collected: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    all_keys: set[str] = set()
    for a in in_force:
        for c in a.data_categories:
            all_keys.add(c.key)
            if is_anonymous_category(c.key, c.label):
                continue
            collected.setdefault(c.key, [])
            if a.id not in collected[c.key]:
                collected[c.key].append(a.id)
            if c.label:
                labels.setdefault(c.key, []).append(c.label)
    for key in all_keys:
        _add(table, names.get(key, key), ("register", key))
        for lab in labels.get(key, ()):
            for part in _label_parts(lab):
                _add(table, part, ("register", key))

    spans = _spans(text, table)
    named_keys = {k for s in spans for _, k in s.targets}
    reported: set[str] = set()
    for s in spans:
        keys = [k for kind, k in s.targets if kind == "phrase"]
        if not keys or any(_related(k, rk) for k in keys for rk in all_keys):
            continue
        found = " ".join(text.raw[text.spans[s.start][0]:text.spans[s.end - 1][1]].split())
        if found.lower() in reported or own.contains(text.words[s.start:s.end]):
            continue
        reported.add(found.lower())
        result.missing_in_register.append(CrossCheckItem(
            "data category", found, None, keys[0], text.line(s.start), text.excerpt(s.start, s.end)))
    for key, acts in sorted(collected.items()):
        shown = labels.get(key, [names.get(key, key)])[0]
        hit = any(_related(key, k) for k in named_keys)
        item = CrossCheckItem("data category", shown, ", ".join(acts), key, how="named" if hit else None)
        (result.matched if hit else result.missing_in_policy).append(item)


# --------------------------------------------------------------------------
# Purposes
# --------------------------------------------------------------------------


def _activity_text(a: ProcessingActivity) -> str:
    """Everything the register says about an activity's purposes, in words (for topic matching)."""
    parts = [a.name, a.description or "", a.legitimate_interest or ""]
    parts += [t for p in a.purposes for t in (p.description, p.label)]
    parts += [t for r in a.retention for t in (r.trigger, r.description)]
    parts += [link.purpose for link in a.recipients]
    parts += [s.description for s in a.sources]
    return " ".join(p for p in parts if p).lower()


def _topics_of(a: ProcessingActivity, key: str, own_text: str) -> list[Topic]:
    return [t for t in PURPOSE_TOPICS
            if any(_related(key, k) for k in t.keys) or any(w in own_text for w in t.words)]


def _purposes(register: Register, text: Text, in_force: list[ProcessingActivity],
              result: CrossCheckResult, own: Text) -> None:
    uses = default_keys()["data_uses"]
    table: dict[tuple[str, ...], set] = {}
    for t in PURPOSE_TOPICS:
        for phrase in t.phrases:
            _add(table, phrase, t.name)
    spans = _spans(text, table)
    mentioned: dict[str, _Span] = {}
    for s in spans:
        for name in s.targets:
            mentioned.setdefault(name, s)

    texts = {a.id: _activity_text(a) for a in in_force}
    keys = [p.key for a in in_force for p in a.purposes]
    bases = {b for a in in_force for b in a.legal_basis}
    for t in PURPOSE_TOPICS:
        s = mentioned.get(t.name)
        if s is None:
            continue
        present = (any(_related(k, tk) for k in keys for tk in t.keys)
                   or any(w in txt for txt in texts.values() for w in t.words)
                   or bool(bases & set(t.bases)) or own.contains(text.words[s.start:s.end]))
        if not present:
            found = " ".join(text.raw[text.spans[s.start][0]:text.spans[s.end - 1][1]].split())
            result.missing_in_register.append(CrossCheckItem(
                "purpose", f"{found} ({t.name})", None, None, text.line(s.start),
                text.excerpt(s.start, s.end)))

    for a in in_force:
        quoted = _evidence_found(text, a.evidence)
        for p in a.purposes:
            own = (p.description or p.label or a.name).lower()
            verbatim = [p.description, p.label, uses.get(p.key), a.name]
            how = None
            if any(v and len(words(v)) >= 1 and text.contains(words(v)) for v in verbatim):
                how = "named"
            elif any(t.name in mentioned for t in _topics_of(a, p.key, own)):
                how = "topic"
            elif quoted:
                how = "evidence"
            item = CrossCheckItem("purpose", str(p), a.id, p.key, how=how)
            (result.matched if how else result.missing_in_policy).append(item)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def crosscheck(register: Register, policy_text: str) -> CrossCheckResult:
    """Compare a privacy policy text with a register: parties, data categories, purposes.

    Activities with status retired are left out. See the module docstring for the rules.
    """
    from audit_lib.model import ActivityStatus

    text = Text(policy_text)
    in_force = [a for a in register.activities if a.status is not ActivityStatus.retired]
    result = CrossCheckResult()
    _parties(register, text, result)
    own = register_words(register)
    _categories(register, text, in_force, result, own)
    _purposes(register, text, in_force, result, own)
    order = {k: i for i, k in enumerate(KINDS)}
    for items in (result.missing_in_register, result.missing_in_policy, result.matched):
        items.sort(key=lambda i: (order[i.kind], i.line or 0, i.record or "", i.text))
    return result


def report(result: CrossCheckResult, policy_name: str = "the policy",
           register_name: str = "the register") -> str:
    """The result as text for a terminal: both lists, then a count of what matched."""
    lines = []
    sides = (("missing_in_register", f"Named in {policy_name} but missing in {register_name}"),
             ("missing_in_policy", f"In {register_name} but not named in {policy_name}"))
    for attr, title in sides:
        items = getattr(result, attr)
        lines.append(f"{title}: {len(items)}")
        for i in items:
            key = f" ({i.key})" if i.key and i.key not in i.text else ""
            rec = f" [{i.record}]" if i.record else ""
            lines.append(f"  {i.kind:<13} {i.text}{key}{rec}")
            if i.line:
                lines.append(f"  {'':<13} line {i.line}: {i.context}")
        lines.append("")
    m = result.counts()["matched"]
    plural = {"party": "parties", "data category": "data categories", "purpose": "purposes"}
    lines.append("Matched: " + ", ".join(f"{n} {k if n == 1 else plural[k]}" for k, n in m.items()))
    return "\n".join(lines) + "\n"
