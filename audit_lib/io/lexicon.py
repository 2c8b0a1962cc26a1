"""Free text -> register vocabulary, through ``audit_lib/reference/lexicon.yaml`` and pycountry.

Used by the spreadsheet, Fides and workbook-edit imports. Every function returns a
:class:`Mapped` value: what it became, the text it came from, and whether a lexicon entry
matched (``mapped``) or the fallback was used (the text is then kept as a label and the caller
records an assumption to confirm). Matching is on lower-case text with accents removed; the
longest lexicon phrase found in the value, on word boundaries, wins.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pycountry
import yaml

_ISO = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "douze": 12,
}


@dataclass(frozen=True)
class Mapped:
    """One free-text value and what it was mapped to (``mapped`` False: the fallback)."""

    text: str
    value: Any
    mapped: bool
    via: str = ""


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and spaces normalised."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("\u2019", "'").split())


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The lexicon YAML, its phrase tables folded."""
    text = resources.files("audit_lib.reference").joinpath("lexicon.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for table in (
        "data_categories",
        "data_uses",
        "data_subjects",
        "legal_bases",
        "recipient_roles",
        "durations",
        "countries",
        "mechanisms",
    ):
        data[table] = {fold(k): v for k, v in data[table].items()}
    return data


def _find(text: str, table: dict[str, Any]) -> tuple[str, Any] | None:
    folded = fold(text)
    best: tuple[str, Any] | None = None
    for phrase, value in table.items():
        longer = best is None or len(phrase) > len(best[0])
        if longer and re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", folded):
            best = (phrase, value)
    return best


def split_items(text: str) -> list[str]:
    """A cell's list items: one per line, or separated by ';' or ',' (bullets stripped)."""
    parts = re.split(r"[\n;,]+", str(text))
    return [p.strip(" \t-\u2022*\u00b7.") for p in parts if p.strip(" \t-\u2022*\u00b7.")]


def taxonomy_key(kind: str, text: str) -> Mapped:
    """A data category, data use or data subject key for ``text`` (kind: data_categories ...)."""
    from audit_lib.reference.taxonomy import default_keys

    text = str(text).strip()
    keys = default_keys()[kind]
    if text in keys:
        return Mapped(text, text, True, "taxonomy key")
    for token in re.findall(r"(?:^|\[)([a-z][a-z_]*(?:\.[a-z_]+)*)(?=[\s:\]\(]|$)", text):
        if token in keys:  # "user.contact.email (work address)" or "Newsletter [marketing.communications]"
            return Mapped(text, token, True, "taxonomy key in the text")
    hit = _find(text, lexicon()[kind])
    if hit:
        return Mapped(text, hit[1], True, f"lexicon '{hit[0]}'")
    return Mapped(text, lexicon()["fallback"][kind], False)


def legal_bases(text: str) -> list[Mapped]:
    """Every Art 6(1) basis named in ``text`` (several when the cell names several)."""
    out: list[Mapped] = []
    for item in split_items(text) or [text]:
        hit = _find(item, lexicon()["legal_bases"])
        if hit is None and fold(item) in {
            "consent",
            "contract",
            "legal_obligation",
            "vital_interests",
            "public_task",
            "legitimate_interests",
        }:
            hit = (fold(item), fold(item))
        m = Mapped(item, hit[1] if hit else None, hit is not None, f"lexicon '{hit[0]}'" if hit else "")
        if not any(o.value == m.value and m.mapped for o in out):
            out.append(m)
    return out


def recipient_role(text: str) -> Mapped:
    """A recipient role for a free-text recipient (fallback: processor, to confirm)."""
    hit = _find(text, lexicon()["recipient_roles"])
    return Mapped(text, hit[1], True, f"lexicon '{hit[0]}'") if hit else Mapped(text, "processor", False)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for name in {c.name, getattr(c, "common_name", c.name), getattr(c, "official_name", c.name)}:
            names[fold(name)] = c.alpha_2
            names[fold(fr.gettext(name))] = c.alpha_2
    names.update(lexicon()["countries"])
    return names


def country(text: str) -> Mapped:
    """ISO 3166-1 alpha-2 code of a country name (English or French) or code; value None if unknown."""
    raw = str(text).strip()
    if re.fullmatch(r"[A-Za-z]{2}", raw) and pycountry.countries.get(alpha_2=raw.upper()):
        return Mapped(raw, raw.upper(), True, "ISO code")
    code = _country_names().get(fold(raw))
    if code is None:
        m = re.match(r"^([A-Z]{2}) \(", raw)  # the workbook's own "US (United States)"
        code = m.group(1) if m and pycountry.countries.get(alpha_2=m.group(1)) else None
    return Mapped(raw, code, code is not None, "pycountry" if code else "")


def retention(text: str) -> tuple[Mapped, str | None]:
    """(period as an ISO 8601 duration, or 'not_stated'; the trigger text) for a retention phrase."""
    raw = str(text).strip()
    head = re.match(r"^(P(?:\d+[YMWD])+|not_stated|indefinite)(?:\s+(?:from\s+)?(.+))?$", raw, re.IGNORECASE)
    if head and head.group(1).lower() in ("not_stated", "indefinite"):
        return Mapped(raw, head.group(1).lower(), True, "register value"), head.group(2)
    if head and _ISO.match(head.group(1).upper()):
        return Mapped(raw, head.group(1).upper(), True, "ISO 8601"), head.group(2)
    folded = fold(raw)
    units = lexicon()["durations"]
    unit_re = "|".join(sorted((re.escape(u) for u in units), key=len, reverse=True))
    numbers = "|".join(re.escape(w.strip()) for w in _NUMBER_WORDS)
    m = re.search(rf"(\d+|{numbers})\s*(?:\(\d+\)\s*)?({unit_re})(?![a-z])", folded)
    if not m:
        return Mapped(raw, "not_stated", False), None
    n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
    period = f"P{n}{units[m.group(2)]}"
    trigger = None
    lower = " ".join(raw.lower().replace("\u2019", "'").split())
    for word in lexicon()["triggers"]:
        t = re.search(rf"(?<![\w]){re.escape(word)}(?![\w])\s*(.+)", lower)
        if t:
            trigger = t.group(1).strip(" .")
            break
    return Mapped(raw, period, True, f"'{m.group(0)}'"), trigger


def is_empty(text: Any) -> bool:
    """True for a blank cell or one that says "none" / "n/a" / "néant" (nothing to record)."""
    return text is None or not str(text).strip() or fold(text) in {fold(e) for e in lexicon()["empty"]}


def measure_type(text: str) -> Mapped:
    """technical, physical or organisational (fallback, to confirm) for a security measure."""
    for kind in ("technical", "physical"):
        hit = _find(text, {fold(w): kind for w in lexicon()[f"{kind}_measures"]})
        if hit:
            return Mapped(text, kind, True, f"lexicon '{hit[0]}'")
    return Mapped(text, "organisational", False)


def mechanism(text: str) -> Mapped:
    """A declared transfer tool type (scc, bcr, dpf, derogation) named in ``text``; value None if none."""
    hit = _find(text, lexicon()["mechanisms"])
    return Mapped(text, hit[1], True, f"lexicon '{hit[0]}'") if hit else Mapped(text, None, False)
