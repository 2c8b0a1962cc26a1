"""Dated reference data for Chapter V transfers: EEA membership and EU territory, adequacy
decisions (Art 45) with their sector scope, appropriate safeguards, SCC modules and instrument
lifetimes (Art 46), derogations (Art 49), and the same for the UK GDPR and the Swiss FADP
(regimes.yaml), international organisations (organisations.yaml).

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
"""Decision (EU) 2021/914 applies from 27 Jun 2021 (Art 4, twentieth day after publication)."""


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (five times faster; a test checks it reads every
reference file exactly as the pure-Python SafeLoader does), else the pure-Python one."""


def _read(name: str) -> dict[str, Any]:
    with open(HERE / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)  # a safe loader: plain data only


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
    state: str | None = None  # for an EU territory with its own code: the member state it belongs to

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
    regime: str = "EU GDPR"
    kind: str = "country"  # or international_organisation
    covers_sectors: tuple[str, ...] = ()
    excludes_sectors: tuple[tuple[str, dt.date | None], ...] = ()
    scope_note: str = ""
    article_text: str = ""
    verify: bool = False

    def covers(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)

    @property
    def article(self) -> str:
        """Art 45(9) keeps decisions adopted under Directive 95/46/EC (before the GDPR applied on
        25 May 2018) in force; Art 45(3) for those adopted since. Other regimes: their own text."""
        if self.article_text:
            return self.article_text
        return "Art 45(3)" if self.adopted >= GDPR_APPLIES else "Art 45(9)"

    def sector_excluded(self, sector: str | None, day: dt.date) -> bool:
        """True when the decision does not cover an importer of ``sector`` on the day."""
        if sector is None:
            return False
        if self.covers_sectors and sector not in self.covers_sectors:
            return True
        return any(s == sector and (until is None or day <= until) for s, until in self.excludes_sectors)

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
    """Member states and EEA EFTA states, then EU territories with their own ISO code."""
    data = _read("eea.yaml")
    sources = {**data["sources"], **data.get("territory_sources", {})}
    return tuple(
        EeaStatus(
            code=str(m["code"]), name=m["name"], since=_day(m["since"]), until=_day(m.get("until")),
            status=m["status"], source=sources[m["source"]], note=m.get("note", ""), state=m.get("state"),
        )
        for m in [*data["members"], *data.get("territories", [])]
    )


@lru_cache(maxsize=1)
def _follows() -> dict[str, tuple[tuple[str, dt.date], ...]]:
    """Territories that follow another country's status from a date (Gibraltar follows the UK)."""
    out: dict[str, list[tuple[str, dt.date]]] = {}
    for f in _read("eea.yaml").get("follows", []):
        out.setdefault(str(f["code"]), []).append((str(f["follows"]), _day(f["since"])))
    return {k: tuple(v) for k, v in out.items()}


def follows(code: str, as_of: dt.date | str | None = None) -> str:
    """The code whose transfer status ``code`` takes on the date (GI -> GB from 2021), else itself."""
    day = as_date(as_of)
    for target, since in _follows().get(code.upper(), ()):
        if day >= since:
            return target
    return code.upper()


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _excludes(items: list[Any] | None) -> tuple[tuple[str, dt.date | None], ...]:
    out = []
    for item in items or ():
        if isinstance(item, dict):
            out.append((str(item["sector"]), _day(item.get("until"))))
        else:
            out.append((str(item), None))
    return tuple(out)


def _decision(d: dict[str, Any], regime: str = "EU GDPR", articles: dict[str, str] | None = None
              ) -> AdequacyDecision:
    adopted = _day(d.get("adopted", d.get("since")))
    return AdequacyDecision(
        code=str(d["code"]), name=d["name"], decision=str(d["decision"]), adopted=adopted,
        since=_day(d.get("since", adopted)), until=_day(d.get("until")), scope=d["scope"],
        source=d["source"], note=_text(d.get("note")), regime=regime, kind=d.get("kind", "country"),
        covers_sectors=tuple(d.get("covers_sectors", ())),
        excludes_sectors=_excludes(d.get("excludes_sectors")),
        scope_note=_text(d.get("scope_note")),
        article_text=(articles or {}).get(d.get("article", ""), ""), verify=bool(d.get("verify", False)),
    )


@lru_cache(maxsize=1)
def _adequacy() -> tuple[AdequacyDecision, ...]:
    return tuple(_decision(d) for d in _read("adequacy.yaml")["decisions"])


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
            ("eea.yaml", "adequacy.yaml", "safeguards.yaml", "derogations.yaml", "regimes.yaml",
             "organisations.yaml")]


@lru_cache(maxsize=1)
def reference_as_of() -> dt.date:
    """The date the reference data was last checked against its sources (``AS_OF``)."""
    return min(_as_of_dates())


def __getattr__(name: str) -> Any:
    # AS_OF is read from the six files on first use, not when the module is imported.
    if name == "AS_OF":
        return reference_as_of()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    target = follows(code, day)
    if target != code:
        return _free_flow(target, day)
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
    """Sorted codes of the EU/EEA states on the date (not their territories with own codes)."""
    day = as_date(as_of)
    return sorted({s.code for s in _eea() if s.covers(day) and s.status in {"member", "transition"}
                   and s.state is None})


def adequacy_decisions(as_of: dt.date | str | None = None) -> list[AdequacyDecision]:
    """Every adequacy decision in force on the date (all of them when ``as_of`` is 'all')."""
    if as_of == "all":
        return list(_adequacy())
    day = as_date(as_of)
    return [d for d in _adequacy() if d.covers(day)]


def adequacy(code: str | None, as_of: dt.date | str | None = None, dpf_certified: bool | None = None,
             *, public_authority: bool = False, sector: str | None = None,
             regime: str = "EU GDPR") -> AdequacyDecision | None:
    """The adequacy decision covering a transfer to ``code`` on the date under ``regime``, or None.

    EU GDPR: Art 45 decisions (adequacy.yaml); UK GDPR and Swiss FADP: their own lists
    (regimes.yaml). A decision limited to certified organisations (US) applies only when
    ``dpf_certified`` is True; one limited in sector (Canada: PIPEDA commercial activity;
    Japan: not public authorities; DPF: FTC/DoT-regulated only) not to an importer of an
    excluded sector (``public_authority`` is the sector public_authority). A territory that
    follows another (Gibraltar from 2021) takes its decisions. When several apply (UK
    renewal), the most recent one is returned.
    """
    if not code:
        return None
    day = as_date(as_of)
    if public_authority and sector is None:
        sector = "public_authority"
    found = [
        d for d in _decisions_for(code.upper(), day, regime)
        if d.covers(day)
        and not (d.scope == "certified" and dpf_certified is not True)
        and not d.sector_excluded(sector, day)
    ]
    return max(found, key=lambda d: d.adopted) if found else None


def _decisions_for(code: str, day: dt.date, regime: str) -> tuple[AdequacyDecision, ...]:
    if regime == "EU GDPR":
        own = _adequacy_index().get(code, ())
        target = follows(code, day)
        return own if own or target == code else _adequacy_index().get(target, ())
    index = _regime_adequacy(regime)
    found = index.get(code, ())
    if not found and is_eea(code, day):
        found = index.get("EEA", ())
    if not found:
        target = follows(code, day)
        found = index.get(target, ()) if target != code else ()
    return found


def adequacy_history(code: str, regime: str = "EU GDPR") -> list[AdequacyDecision]:
    """Every decision ever recorded for ``code`` under ``regime``, oldest first (in force or not)."""
    index = _adequacy_index() if regime == "EU GDPR" else _regime_adequacy(regime)
    return sorted(index.get(code.upper(), ()), key=lambda d: d.adopted)


def adequacy_scope(code: str, as_of: dt.date | str | None = None, *, regime: str = "EU GDPR",
                   certified: bool = True) -> AdequacyDecision | None:
    """The decision in force for ``code`` ignoring the importer's sector (to explain a scope gap)."""
    day = as_date(as_of)
    found = [d for d in _decisions_for(code.upper(), day, regime) if d.covers(day)
             and not (d.scope == "certified" and not certified)]
    return max(found, key=lambda d: d.adopted) if found else None


# --------------------------------------------------------------------------
# Regimes (EU GDPR, UK GDPR, Swiss FADP) and international organisations
# --------------------------------------------------------------------------

EU_GDPR = "EU GDPR"
UK_GDPR = "UK GDPR"
SWISS_FADP = "Swiss FADP"


@lru_cache(maxsize=1)
def _regimes() -> dict[str, Any]:
    return _read("regimes.yaml")["regimes"]


@lru_cache(maxsize=4)
def _regime_adequacy(regime: str) -> dict[str, tuple[AdequacyDecision, ...]]:
    data = _regimes()[regime]
    index: dict[str, list[AdequacyDecision]] = {}
    for d in data["adequacy"]:
        index.setdefault(str(d["code"]), []).append(_decision(d, regime, data["articles"]))
    return {k: tuple(v) for k, v in index.items()}


def regime_of(country: str | None, as_of: dt.date | str | None = None) -> str | None:
    """The transfer regime of an exporter established in ``country`` on the date: 'UK GDPR' for
    GB from 1 Jan 2021, 'Swiss FADP' for CH, 'EU GDPR' in the EEA (and EU territories), else None."""
    if not country:
        return None
    day = as_date(as_of)
    code = country.upper()
    for name, data in _regimes().items():
        if code in data["established_in"] and day >= _day(data["applies_from"]):
            return name
    return EU_GDPR if is_eea(code, day) else None


def restricted(dest: str | None, as_of: dt.date | str | None = None, regime: str = EU_GDPR, *,
               organisation: bool = False) -> bool:
    """Whether sending data to ``dest`` is a restricted transfer under the regime on the date.

    An international organisation is always a destination of its own; an unknown destination
    (None) counts as one. EU GDPR: outside the EEA (EU territory by law, the UK transition and
    TCA bridge); UK GDPR: outside the UK; Swiss FADP: outside Switzerland.
    """
    if organisation or dest is None:
        return True
    day = as_date(as_of)
    if regime == EU_GDPR:
        return free_flow(dest, day) is None
    home = _regimes()[regime]["established_in"]
    return dest.upper() not in home and follows(dest, day) not in home


def follows_note(code: str, as_of: dt.date | str | None = None) -> str:
    """The reference note when ``code`` takes another country's status on the date, else ''."""
    day = as_date(as_of)
    for since, note in _follow_notes().get(code.upper(), ()):
        if day >= since:
            return note
    return ""


@lru_cache(maxsize=1)
def _follow_notes() -> dict[str, tuple[tuple[dt.date, str], ...]]:
    out: dict[str, list[tuple[dt.date, str]]] = {}
    for f in _read("eea.yaml").get("follows", []):
        out.setdefault(str(f["code"]), []).append((_day(f["since"]), _text(f.get("note"))))
    return {k: tuple(v) for k, v in out.items()}


def regime_article(regime: str, key: str) -> str | None:
    """The article a mechanism key rests on under a UK or Swiss regime (None for the EU GDPR)."""
    if regime == EU_GDPR:
        return None
    return _regimes()[regime]["articles"].get(key)


def regime_instrument(regime: str, key: str) -> dict[str, Any]:
    """Lifetime data of an instrument (scc_old, scc_2021, idta, uk_addendum) under a regime."""
    if regime == EU_GDPR:
        data = _safeguards()["scc"]
        if key == "scc_old":
            prev = data["previous"][0]
            return {"concluded_until": _day(prev["concluded_before"]) - dt.timedelta(days=1),
                    "until": _day(prev["until"]), "source": data["source"]}
        if key == "scc_2021":
            return {"since": _day(data["since"]), "source": data["source"]}
        return {}
    raw = dict(_regimes()[regime].get("instruments", {}).get(key, {}))
    return {k: (_day(v) if k in {"since", "until", "concluded_until"} else v) for k, v in raw.items()}


def regime_source(regime: str) -> str:
    """Where the regime's transfer rules are published."""
    if regime == EU_GDPR:
        return "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
    return _regimes()[regime]["source"]


@dataclass(frozen=True)
class InternationalOrganisation:
    """An international organisation (Art 4(26)): an importer in its own right."""

    key: str
    name: str
    seat: str | None
    source: str
    note: str = ""


@lru_cache(maxsize=1)
def _organisations() -> dict[str, InternationalOrganisation]:
    return {str(o["key"]): InternationalOrganisation(str(o["key"]), o["name"], o.get("seat"), o["source"],
                                                     _text(o.get("note")))
            for o in _read("organisations.yaml")["organisations"]}


def international_organisation(key: str) -> InternationalOrganisation | None:
    """A known international organisation by key (EPO, UN, ...), or None."""
    return _organisations().get(key.upper()) or _organisations().get(key)


def mechanism_name(key: str) -> str:
    """The name of a mechanism key (scc, bcr, idta, adequacy, dpf, derogation, none, ...)."""
    return _safeguards()["mechanisms"][key]["name"]


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
