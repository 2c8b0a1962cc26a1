"""Dated reference data for Chapter V transfers: EEA membership, adequacy decisions (Art 45),
appropriate safeguards and SCC modules (Art 46), derogations (Art 49).

The data lives in the YAML files beside this module; each entry cites its source and
every accessor takes an ``as_of`` date, so a register of 2019 is judged by the law of 2019
(e.g. the UK was an EU member until 31 Jan 2020, then in transition and under the TCA
bridge until the adequacy decision of 28 Jun 2021). ``AS_OF`` is the date the data was
last checked; later decisions are unknown to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
GDPR_APPLIES = dt.date(2018, 5, 25)
"""Date the GDPR applies from (Art 99(2)); before it, Directive 95/46/EC Art 25-26."""

SCC_2021_APPLIES = dt.date(2021, 6, 27)


def _read(name: str) -> dict[str, Any]:
    with open(HERE / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class EeaStatus:
    """A period during which data flows to ``code`` are not a transfer to a third country."""

    code: str
    name: str
    since: dt.date
    until: dt.date | None
    status: str  # member, transition, bridge
    source: str
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class AdequacyDecision:
    """A Commission adequacy decision (Art 45(3), or Art 45(9) for Directive 95/46/EC ones)."""

    code: str
    name: str
    decision: str
    adopted: dt.date
    since: dt.date
    until: dt.date | None
    scope: str  # all, private_sector, certified
    source: str
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)

    @property
    def article(self) -> str:
        """Art 45(3) for GDPR decisions; Art 45(9) keeps Directive 95/46/EC decisions in force."""
        return "Art 45(3)" if self.adopted >= dt.date(2016, 5, 24) else "Art 45(9)"

    @property
    def is_dpf(self) -> bool:
        """True for the EU-US Data Privacy Framework decision (EU) 2023/1795."""
        return self.decision == "(EU) 2023/1795"


@dataclass(frozen=True)
class SccModule:
    """A module of the standard contractual clauses of Decision (EU) 2021/914."""

    module: int
    exporter: str  # controller or processor
    importer: str
    name: str


@dataclass(frozen=True)
class Safeguard:
    """An appropriate safeguard under Art 46 (SCC, BCR, code of conduct, certification...)."""

    key: str
    article: str
    name: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class DerogationInfo:
    """An Art 49(1) derogation."""

    key: str
    article: str
    name: str
    note: str = ""
    needs_documentation: bool = False


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _eea() -> tuple[EeaStatus, ...]:
    data = _read("eea.yaml")
    sources = data["sources"]
    return tuple(
        EeaStatus(
            code=str(m["code"]), name=m["name"], since=_day(m["since"]), until=_day(m.get("until")),
            status=m["status"], source=sources[m["source"]], note=m.get("note", ""),
        )
        for m in data["members"]
    )


@lru_cache(maxsize=1)
def _adequacy() -> tuple[AdequacyDecision, ...]:
    return tuple(
        AdequacyDecision(
            code=str(d["code"]), name=d["name"], decision=d["decision"], adopted=_day(d["adopted"]),
            since=_day(d.get("since", d["adopted"])), until=_day(d.get("until")), scope=d["scope"],
            source=d["source"], note=" ".join(str(d.get("note", "")).split()),
        )
        for d in _read("adequacy.yaml")["decisions"]
    )


@lru_cache(maxsize=1)
def _safeguards() -> dict[str, Any]:
    return _read("safeguards.yaml")


@lru_cache(maxsize=1)
def _derogations() -> dict[str, DerogationInfo]:
    return {
        str(d["key"]): DerogationInfo(
            key=str(d["key"]), article=d["article"], name=d["name"],
            note=" ".join(str(d.get("note", "")).split()),
            needs_documentation=bool(d.get("needs_documentation", False)),
        )
        for d in _read("derogations.yaml")["derogations"]
    }


def _as_of_dates() -> list[dt.date]:
    return [_day(_read(name)["as_of"]) for name in
            ("eea.yaml", "adequacy.yaml", "safeguards.yaml", "derogations.yaml")]


AS_OF: dt.date = min(_as_of_dates())
"""The date the reference data was last checked against its sources."""


def as_date(as_of: dt.date | str | None) -> dt.date:
    """The day a judgement is made on: a date, a datetime, an ISO string, or None for today."""
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    return dt.date.fromisoformat(str(as_of))


# --------------------------------------------------------------------------
# Accessors
# --------------------------------------------------------------------------


def free_flow(code: str | None, as_of: dt.date | str | None = None) -> EeaStatus | None:
    """The period in which sending data to ``code`` is not a transfer (EEA, UK transition/bridge)."""
    if not code:
        return None
    return _free_flow(code.upper(), as_date(as_of))


@lru_cache(maxsize=8192)
def _free_flow(code: str, day: dt.date) -> EeaStatus | None:
    for status in _eea_index().get(code, ()):
        if status.covers(day):
            return status
    return None


@lru_cache(maxsize=1)
def _eea_index() -> dict[str, tuple[EeaStatus, ...]]:
    index: dict[str, list[EeaStatus]] = {}
    for status in _eea():
        index.setdefault(status.code, []).append(status)
    return {code: tuple(items) for code, items in index.items()}


@lru_cache(maxsize=1)
def _adequacy_index() -> dict[str, tuple[AdequacyDecision, ...]]:
    index: dict[str, list[AdequacyDecision]] = {}
    for decision in _adequacy():
        index.setdefault(decision.code, []).append(decision)
    return {code: tuple(items) for code, items in index.items()}


def is_eea(code: str | None, as_of: dt.date | str | None = None) -> bool:
    """True when ``code`` is an EU/EEA state on the date (the UK counts until 31 Dec 2020,
    the end of the transition period when Union law still applied to it)."""
    status = free_flow(code, as_of)
    return status is not None and status.status in {"member", "transition"}


def eea_countries(as_of: dt.date | str | None = None) -> list[str]:
    """Sorted codes of the EU/EEA states on the date."""
    day = as_date(as_of)
    return sorted({s.code for s in _eea() if s.covers(day) and s.status in {"member", "transition"}})


def adequacy_decisions(as_of: dt.date | str | None = None) -> list[AdequacyDecision]:
    """Every adequacy decision in force on the date (all of them when ``as_of`` is 'all')."""
    if as_of == "all":
        return list(_adequacy())
    day = as_date(as_of)
    return [d for d in _adequacy() if d.covers(day)]


def adequacy(code: str | None, as_of: dt.date | str | None = None, dpf_certified: bool | None = None,
             *, public_authority: bool = False) -> AdequacyDecision | None:
    """The adequacy decision (Art 45) covering a transfer to ``code`` on the date, or None.

    A decision limited to certified organisations (US) applies only when ``dpf_certified``
    is True; one limited to the private sector (Canada, Japan) not to a public authority.
    When several apply (UK renewal), the most recent one is returned.
    """
    if not code:
        return None
    day = as_date(as_of)
    found = [
        d for d in _adequacy_index().get(code.upper(), ())
        if d.covers(day)
        and not (d.scope == "certified" and dpf_certified is not True)
        and not (d.scope == "private_sector" and public_authority)
    ]
    return max(found, key=lambda d: d.adopted) if found else None


def adequacy_history(code: str) -> list[AdequacyDecision]:
    """Every decision ever recorded for ``code``, oldest first (in force or not)."""
    return sorted(_adequacy_index().get(code.upper(), ()), key=lambda d: d.adopted)


def scc_modules() -> list[SccModule]:
    """The four modules of the SCC of Decision (EU) 2021/914."""
    return [SccModule(int(m["module"]), m["exporter"], m["importer"], m["name"])
            for m in _safeguards()["scc"]["modules"]]


def scc_module(number: int) -> SccModule:
    """One SCC module (1-4); KeyError for another number."""
    for module in scc_modules():
        if module.module == number:
            return module
    raise KeyError(f"SCC module {number} does not exist in Decision (EU) 2021/914 (modules 1-4)")


def expected_scc_module(exporter_role: str, importer_role: str) -> int:
    """The SCC module matching the roles ('controller' or 'processor') of exporter and importer."""
    for module in scc_modules():
        if (module.exporter, module.importer) == (exporter_role, importer_role):
            return module.module
    raise KeyError(f"no SCC module for {exporter_role} to {importer_role}")


def scc_decision() -> dict[str, Any]:
    """Decision 2021/914 metadata: number, adoption, application date, source, previous sets."""
    data = dict(_safeguards()["scc"])
    data.pop("modules", None)
    return data


def safeguard(key: str) -> Safeguard:
    """An Art 46 safeguard by mechanism key (scc, bcr, code_of_conduct, certification, ad_hoc_clauses)."""
    item = _safeguards()["mechanisms"][key]
    return Safeguard(key=key, article=item["article"], name=item["name"], source=item["source"],
                     note=" ".join(str(item.get("note", "")).split()))


def derogation(key: str) -> DerogationInfo:
    """An Art 49(1) derogation by key: a-g or second_subparagraph."""
    return _derogations()[key]


def derogations() -> list[DerogationInfo]:
    return list(_derogations().values())


def supplementary_measures() -> dict[str, str]:
    """EDPB Recommendations 01/2020 reference (transfer impact assessment after Schrems II)."""
    return dict(_safeguards()["supplementary_measures"])
