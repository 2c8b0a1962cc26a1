"""What a data subject may be told: the organisation's voice, not the register keeper's notes.

The register is written by the DPO for the DPO: its free text mixes facts with working
remarks ("the policy calls this 'none personal information'; under the GDPR it is personal
data", "no period stated"), and some of its values are assumptions still to confirm. A notice
must state only what the controller can stand behind (Art 5(1)(a) fairness and transparency,
Art 12(1) clear and plain language). This module decides, in one place:

- :func:`reader_text`: the clauses of a register text a reader may see; clauses that are the
  keeper's remarks (about the source policy, what is "not stated", "assumed", "to confirm",
  what something is "under the GDPR", what the organisation "says") are removed and returned
  so the DPO's list can show them. The phrases are :data:`REMARK_PATTERNS`.
- :func:`public_name`: the name of a recipient whose recorded ``name`` is an assumption (a legal
  entity inferred from a brand): the part of the name the register's own evidence quotes.
"""

from __future__ import annotations

import re

from audit_lib.model import Recipient

REMARK_PATTERNS = (
    r"\bthe (?:privacy )?polic(?:y|ies)\b",
    r"\bnot (?:yet )?(?:stated|recorded|known|given)\b",
    r"\bno (?:\w+ ){0,3}(?:stated|given|named)\b",
    r"\bstated\b",
    r"\bassum",
    r"\bto (?:be )?confirm",
    r"\bto (?:assess|obtain|identify|check|align)\b",
    r"\bunder the GDPR\b",
    r"\breference file\b",
    r"\brecorded (?:as|here|to be safe)\b",
    r"\b(?:says|said) (?:it|that)\b",
)
"""Phrases that mark a clause of register text as the register keeper's remark, not a fact."""

_REMARK = re.compile("|".join(REMARK_PATTERNS), re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_PAREN = re.compile(r"\s*\(([^()]*)\)")
_UNNAMED = re.compile(r"\s*\((?:unnamed|unspecified|not named)\)", re.I)


def is_remark(clause: str, organisation: str = "") -> bool:
    """True when ``clause`` is the register keeper's remark (see :data:`REMARK_PATTERNS`)."""
    if organisation and re.search(rf"\b{re.escape(organisation)} says\b", clause, re.I):
        return True
    return bool(_REMARK.search(clause))


def reader_text(text: str | None, organisation: str = "") -> tuple[str, list[str]]:
    """(what the reader may see, the remarks removed) of one register text.

    Sentences are cut into '; ' clauses; a clause that is a remark is removed, and so is a
    parenthesis that is one. What is left is joined back in its order.
    """
    if not text:
        return "", []
    removed: list[str] = []

    def paren(match: re.Match) -> str:
        if is_remark(match.group(1), organisation):
            removed.append(match.group(1).strip())
            return ""
        return match.group(0)

    kept_sentences = []
    for sentence in _SENTENCE.split(" ".join(text.split())):
        sentence = _PAREN.sub(paren, sentence)
        end = sentence[-1] if sentence and sentence[-1] in ".!?" else ""
        body = sentence[:-1] if end else sentence
        clauses = [c.strip() for c in body.split(";")]
        kept = [c for c in clauses if c and not is_remark(c, organisation)]
        removed += [c for c in clauses if c and is_remark(c, organisation)]
        if kept:
            joined = "; ".join(kept)
            if kept[0] != clauses[0]:  # the sentence now starts with what was its second clause
                joined = joined[:1].upper() + joined[1:]
            kept_sentences.append(joined + end)
    return " ".join(kept_sentences).strip(), removed


def public_name(rec: Recipient) -> str:
    """The name to tell a reader: the recorded name, or when that name is an assumption to confirm,
    the part of it the record's evidence (the policy's own words) uses; else, for a category of
    recipient, the name without its parenthesised note."""
    if not rec.assumed("name"):
        return _UNNAMED.sub("", rec.name).strip() if rec.placeholder else rec.name
    bare = _PAREN.sub("", rec.name).strip()
    aliases = [a.strip() for a in _PAREN.findall(rec.name)]
    evidence = " ".join(rec.evidence).lower()
    for candidate in (bare, *aliases):
        if candidate and re.search(rf"(?<!\w){re.escape(candidate.lower())}(?!\w)", evidence):
            return candidate
    return bare or rec.name
