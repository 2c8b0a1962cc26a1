"""Group view: the parties and third countries shared by the registers of a group of companies.

Each entity of a group keeps its own record (Art 30(1): one per controller), but the DPO of
the group asks across them: "which of our companies send data to Google LLC, and on what
mechanism?". :func:`group_parties` lists every named recipient (placeholders for an unnamed
category are not parties and are left out) with the entities that disclose to it, its role
and countries there, and the mechanisms and statuses of their transfers to it, computed by one
:class:`audit_lib.review.Review` per register. Parties are matched on the legal entity name,
with a trailing parenthesised gloss (``Google LLC (Google Analytics sub-processor)``) ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import pandas as pd

from audit_lib.review import Review

PARTY_COLUMNS = ["party", "organisation", "recipient", "role", "countries", "mechanisms", "statuses",
                 "entities"]
COUNTRY_COLUMNS = ["country", "organisation", "importers", "mechanisms", "statuses", "entities"]


def party_key(name: str) -> str:
    """The name a party is matched on: gloss in trailing parentheses dropped, case and spacing folded."""
    base = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name
    return " ".join(base.casefold().replace(",", " ").replace(".", " ").split())


def _display(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name


def group_parties(reviews: Iterable[Review], shared_only: bool = True) -> pd.DataFrame:
    """One row per (party, organisation) with role, countries and transfer mechanisms/statuses.

    ``entities`` is how many organisations of the group disclose to the party; with
    ``shared_only`` only parties of two or more organisations are kept.
    """
    rows = []
    for rv in reviews:
        org = rv.register.organisation.name
        by_importer: dict[str, list] = {}
        for t in rv.transfers:
            by_importer.setdefault(t.importer, []).append(t)
        for rec in rv.register.recipients:
            if rec.placeholder or rec.role.value == "internal":
                continue
            moves = by_importer.get(rec.id, [])
            rows.append({
                "party": _display(rec.name), "key": party_key(rec.name), "organisation": org,
                "recipient": rec.id, "role": rec.role.value, "countries": ", ".join(rec.countries),
                "mechanisms": ", ".join(sorted({t.mechanism for t in moves})) or "not a transfer",
                "statuses": ", ".join(sorted({t.status for t in moves})) or "not a transfer",
            })
    frame = pd.DataFrame(rows, columns=[*PARTY_COLUMNS[:-1], "key"])
    frame["entities"] = frame.groupby("key")["organisation"].transform("nunique") if rows else []
    if shared_only:
        frame = frame[frame["entities"] >= 2]
    frame = frame.sort_values(["entities", "key", "organisation"], ascending=[False, True, True])
    return frame[PARTY_COLUMNS].reset_index(drop=True)


def group_countries(reviews: Iterable[Review], shared_only: bool = False) -> pd.DataFrame:
    """One row per (third country, organisation): who imports there, on which mechanisms."""
    rows = []
    for rv in reviews:
        org = rv.register.organisation.name
        by_country: dict[str, list] = {}
        for t in rv.transfers:
            by_country.setdefault(t.country or "not recorded", []).append(t)
        for country, moves in by_country.items():
            rows.append({
                "country": country, "organisation": org,
                "importers": ", ".join(sorted({t.importer for t in moves})),
                "mechanisms": ", ".join(sorted({t.mechanism for t in moves})),
                "statuses": ", ".join(sorted({t.status for t in moves})),
            })
    frame = pd.DataFrame(rows, columns=COUNTRY_COLUMNS[:-1])
    frame["entities"] = frame.groupby("country")["organisation"].transform("nunique") if rows else []
    if shared_only:
        frame = frame[frame["entities"] >= 2]
    frame = frame.sort_values(["entities", "country", "organisation"], ascending=[False, True, True])
    return frame[COUNTRY_COLUMNS].reset_index(drop=True)


def reviews_of(registers: Iterable, as_of: dt.date | str | None = None) -> list[Review]:
    """One :class:`Review` per register, all on the same date."""
    return [Review(r, as_of) for r in registers]
