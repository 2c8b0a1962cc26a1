"""Transfer classification (Chapter V) of the flows in the data-flow graph, in both directions.

Transfers follow EDPB Guidelines 05/2021: a transfer is a disclosure by an exporter subject
to the GDPR (or to the UK GDPR, or the Swiss FADP: the exporter's *regime*) to an importer in
a third country or an international organisation, whoever the exporter is:

* outbound: the controller to a recipient (a controller outside the EEA subject to the GDPR
  under Art 3(2) included; its own collection from people is never a transfer);
* onward: a processor to its sub-processor (Art 44), the processor as exporter, judged under the
  regime of the controller's original export (Art 44: the conditions apply to onward transfers);
* inbound: a party named as the source of an activity's data (a merchant of record, a data
  broker, a joint controller) to the controller when the controller is outside the exporter's
  zone: the controller is then the *importer* (e.g. SCC module 1 signed with the merchant).

The regime is decided by where the exporter is established (``reference.transfers.regime_of``):
EU GDPR in the EEA (and EU territory by law: outermost regions, Åland; Gibraltar until 2020),
UK GDPR in the UK from 2021, Swiss FADP in Switzerland; an inbound source established nowhere
subject to one of them exports no restricted transfer. Under the UK and Swiss regimes the EEA
is a third country covered by adequacy, so such rows are ``compliant``.

Classification of each flow, in this order:

1. not a transfer (same zone: EEA under the EU GDPR, with the UK transition and TCA bridge;
   the UK itself, Switzerland itself): no row. An international organisation is always an
   importer in its own right, never inside its host state;
2. adequacy in force on the date for the destination under the regime (Art 45(3), or 45(9)
   for decisions adopted under Directive 95/46/EC), with its scope: the DPF only for certified
   organisations under FTC/DoT jurisdiction (never a public authority), Canada only PIPEDA
   (commercial activity), Japan private sector (academia from 2023), Korea's exclusions. An
   importer whose recorded sector is outside the scope gets no adequacy (flag
   ``outside_adequacy_scope``); with no sector recorded the scope note asks to confirm it;
3. a declared Art 46 instrument valid on the date: SCC of Decision 2021/914 (module checked
   against the roles) from 27 Jun 2021; the old SCC (2001/497, 2004/915, 2010/87) only when
   concluded before 27 Sep 2021 and only until 27 Dec 2022; UK: IDTA and Addendum from
   21 Mar 2022, old EU SCC concluded by 21 Sep 2022 until 21 Mar 2024; Swiss: EU SCC with the
   FDPIC's amendments. ``compliant`` when the instrument reference and a transfer impact
   assessment are recorded and nothing contradicts it, else ``safeguard to verify``; an
   instrument not (or no longer) valid on the date is ``no lawful mechanism``;
4. a declared Art 49 derogation: ``safeguard to verify``; the second subparagraph without its
   documentation (Art 30(1)(e), 49(6)) is ``no lawful mechanism``;
5. nothing: ``no lawful mechanism``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from audit_lib.analysis.graph import CONTROLLER, _day, build_graph, controller_regime, node_id
from audit_lib.io.gcpause import gc_paused
from audit_lib.model import (
    Derogation,
    MechanismType,
    Recipient,
    RecipientRole,
    Register,
    TransferMechanism,
)
from audit_lib.reference import transfers as ref
from audit_lib.reference.countries import country_name

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from audit_lib.review import Review


class _TextEnum(str, Enum):
    """An enum that is its text: ``str()`` gives the value, and it hashes like the value, so dicts
    and Counters keyed by the text find it (what JSON and CSV show is the value)."""

    def __str__(self) -> str:
        return self.value

    def __hash__(self) -> int:
        return str.__hash__(self)


class TransferStatus(_TextEnum):
    """Outcome of the classification of one transfer (the text is what JSON/CSV show)."""

    compliant = "compliant"
    to_verify = "safeguard to verify"
    no_mechanism = "no lawful mechanism"


class Mechanism(_TextEnum):
    """What a transfer rests on: adequacy computed from the reference data, or a declared tool."""

    adequacy = "adequacy"
    dpf = "dpf"
    scc = "scc"
    bcr = "bcr"
    code_of_conduct = "code_of_conduct"
    certification = "certification"
    ad_hoc_clauses = "ad_hoc_clauses"
    idta = "idta"
    uk_addendum = "uk_addendum"
    derogation = "derogation"
    none = "none"

    @property
    def label(self) -> str:
        """Its name, from the reference data (safeguards.yaml)."""
        return ref.mechanism_name(self.value)


class Direction(_TextEnum):
    """Which way a flow goes relative to the controller."""

    outbound = "outbound"  # controller -> recipient
    onward = "onward"  # processor -> sub-processor
    inbound = "inbound"  # source party -> controller (the controller imports)


STATUSES = tuple(s.value for s in TransferStatus)
MECHANISMS = tuple(m.value for m in Mechanism)
_ART46 = (MechanismType.scc, MechanismType.bcr, MechanismType.code_of_conduct,
          MechanismType.certification, MechanismType.ad_hoc_clauses, MechanismType.idta,
          MechanismType.uk_addendum)
_UK_ONLY = (MechanismType.idta, MechanismType.uk_addendum)
_CONTROLLER_ROLES = {RecipientRole.independent_controller, RecipientRole.joint_controller,
                     RecipientRole.public_authority}
_OLD_SCC = {"2001/497/EC", "2004/915/EC", "2010/87/EU"}

# --------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------


@dataclass
class Transfer:
    """One flow of personal data to a party in a third country or an international organisation
    (Chapter V, Art 30(1)(e)): who exports, who imports, where, on what ground, as of a date."""

    exporter: str
    exporter_name: str
    importer: str
    importer_name: str
    importer_role: str
    country: str | None
    country_name: str
    data_categories: list[str]
    activities: list[str]
    mechanism: Mechanism
    article: str
    status: TransferStatus
    onward: bool
    note: str
    decision: str | None = None
    flags: list[str] = field(default_factory=list)
    as_of: str = ""
    regime: str = ref.EU_GDPR
    direction: Direction = Direction.outbound
    importer_kind: str = "country"
    scope: str = ""
    party: str = ""

    @property
    def controller_is_importer(self) -> bool:
        """True for an inbound transfer: the controller receives the data from a source party."""
        return self.direction is Direction.inbound

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (enums as their text)."""
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in asdict(self).items()}


@dataclass
class _Verdict:
    mechanism: Mechanism = Mechanism.none
    article: str = "Art 44"
    status: TransferStatus = TransferStatus.no_mechanism
    decision: str | None = None
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    scope: str = ""


@dataclass(frozen=True)
class _Importer:
    """What the classification needs to know about the importer of a flow."""

    name: str
    role: str  # controller or processor, for the SCC module
    sector: str | None
    certified: bool | None
    international_organisation: str | None = None


def _role(rec: Recipient) -> str:
    """'controller' or 'processor', for the SCC module check."""
    return "controller" if rec.role in _CONTROLLER_ROLES else "processor"


def _sector(rec: Recipient) -> str | None:
    if rec.role is RecipientRole.public_authority:
        return "public_authority"
    return rec.sector.value if rec.sector else None


def _importer(rec: Recipient) -> _Importer:
    return _Importer(rec.name, _role(rec), _sector(rec), rec.dpf_certified, rec.international_organisation)


def _article(regime: str, key: str) -> str:
    """The article a mechanism key rests on under the regime, from the reference data."""
    if regime != ref.EU_GDPR:
        found = ref.regime_article(regime, key)
        if found:
            return found
    return ref.safeguard(key).article


def _applicable(mechanisms: list[TransferMechanism], country: str | None) -> list[TransferMechanism]:
    return [m for m in mechanisms if not m.countries or (country and country in m.countries)]


def _contradictions(imp: _Importer, countries: list[str], country: str | None,
                    mechanisms: list[TransferMechanism], exporter_role: str, regime: str,
                    verdict: _Verdict) -> set[int]:
    """Flag declarations that contradict the facts; return ids of mechanisms not to rely on."""
    bad: set[int] = set()
    if imp.certified and "US" not in countries:
        verdict.flags.append("dpf_certified_not_us")
        verdict.notes.append(f"dpf_certified is true but {imp.name} is not recorded in the US: "
                             "only US organisations can be certified under the Data Privacy Framework")
    if imp.certified and imp.sector == "public_authority":
        verdict.flags.append("dpf_public_authority")
        verdict.notes.append(f"dpf_certified is true but {imp.name} is a public authority: public "
                             "authorities are never within the DPF (only FTC/DoT-regulated organisations)")
    expected = ref.expected_scc_module(exporter_role, imp.role)
    for m in mechanisms:
        if m.type is MechanismType.dpf and country and country != "US":
            bad.add(id(m))
            verdict.flags.append("dpf_not_us")
            verdict.notes.append(f"DPF declared for {country_name(country)}: the Data Privacy "
                                 "Framework covers only certified organisations in the United States")
        elif m.type is MechanismType.dpf and imp.certified is False and country == "US":
            bad.add(id(m))
            verdict.flags.append("dpf_declared_not_certified")
            verdict.notes.append("DPF declared as mechanism but dpf_certified is false")
        elif m.type in _UK_ONLY and regime != ref.UK_GDPR:
            bad.add(id(m))
            verdict.flags.append("uk_instrument_outside_uk_regime")
            verdict.notes.append(f"{ref.mechanism_name(m.type.value)} declared, but this transfer is under "
                                 f"the {regime}: the ICO's instruments serve UK GDPR transfers only")
        elif m.type is MechanismType.scc and not _is_old_scc(m, regime) and m.scc_module != expected:
            bad.add(id(m))
            module = ref.scc_module(m.scc_module)
            verdict.flags.append("scc_module_mismatch")
            verdict.notes.append(
                f"SCC module {m.scc_module} ({module.name}) declared, but this flow is "
                f"{exporter_role} to {imp.role}: module {expected} of Decision 2021/914 expected")
    return bad


def _is_old_scc(m: TransferMechanism, regime: str, addendum: bool = False) -> bool:
    """Whether declared SCC are the clauses of the repealed decisions (by instrument, else by date)."""
    if m.instrument:
        return m.instrument.strip() in _OLD_SCC
    if m.date is None:
        return False
    if m.date <= ref.regime_instrument(ref.EU_GDPR, "scc_old")["concluded_until"]:
        return True  # concluded before 27 Sep 2021, when the old decisions were repealed: taken as old
    if regime == ref.UK_GDPR and not addendum:
        # UK: the 2021 EU SCC need the Addendum; without it, clauses concluded by 21 Sep 2022 are the old ones
        return m.date <= ref.regime_instrument(regime, "scc_old")["concluded_until"]
    return False


def _why_not_adequate(imp: _Importer, dest: str, day: dt.date, regime: str, verdict: _Verdict) -> str | None:
    in_scope = ref.adequacy_scope(dest, day, regime=regime, certified=True)
    if in_scope is not None:
        if in_scope.sector_excluded(imp.sector, day):
            verdict.flags.append("outside_adequacy_scope")
            sector = (imp.sector or "").replace("_", " ")
            return (f"{in_scope.decision} does not cover {imp.name} ({sector}): "
                    f"{in_scope.scope_note or in_scope.note}")
        if in_scope.scope == "certified" and not imp.certified:
            return (f"{in_scope.decision} covers only organisations certified under the Data Privacy "
                    f"Framework; {imp.name} is not recorded as certified (dpf_certified)")
    history = ref.adequacy_history(dest, regime)
    parts = []
    ended = [d for d in history if d.until and d.until < day]
    if ended:
        last = ended[-1]
        parts.append(f"adequacy decision {last.decision} no longer in force (until {last.until.isoformat()})")
    later = [d for d in history if d.since > day]
    if later:
        parts.append(f"{later[0].decision} applies only from {later[0].since.isoformat()}")
    return "; ".join(parts) or None


def _scc(m: TransferMechanism, day: dt.date, regime: str, addendum: bool, verdict: _Verdict) -> bool:
    """Whether declared SCC are an instrument valid on the day under the regime; notes say why not."""
    old = _is_old_scc(m, regime, addendum) or (m.instrument is None and m.date is None
                                                and day < ref.SCC_2021_APPLIES)
    if old:
        life = ref.regime_instrument(regime, "scc_old")
        which = m.instrument or "2001/497/EC, 2004/915/EC or 2010/87/EU"
        verdict.article = _article(regime, "scc") + f" (SCC {which})"
        if m.date and m.date > life["concluded_until"]:
            verdict.flags.append("instrument_not_valid")
            verdict.notes.append(f"old SCC concluded on {m.date.isoformat()}: under the {regime} they could "
                                 f"be concluded only until {life['concluded_until'].isoformat()}")
            return False
        if day > life["until"]:
            verdict.flags.append("instrument_expired")
            verdict.notes.append(f"old SCC ({which}) stopped providing appropriate safeguards after "
                                 f"{life['until'].isoformat()} under the {regime}: replace them")
            return False
        verdict.notes.append(f"old SCC ({which}): valid under the {regime} only for contracts concluded by "
                             f"{life['concluded_until'].isoformat()}, until {life['until'].isoformat()}"
                             + ("" if m.date else "; record the date concluded")
                             + ("" if m.instrument else "; taken as the old clauses from the date concluded: "
                                "record instrument '(EU) 2021/914' if they are the new ones"))
        return True
    verdict.article = _article(regime, "scc") + f" (SCC 2021/914 module {m.scc_module})"
    if day < ref.SCC_2021_APPLIES:
        verdict.flags.append("instrument_not_in_force")
        verdict.notes.append("Decision 2021/914 applies only from 27 Jun 2021")
        return False
    if regime == ref.UK_GDPR:
        if not addendum:
            verdict.flags.append("scc_without_uk_addendum")
            verdict.notes.append("the 2021 EU SCC cover a UK GDPR transfer only with the ICO's UK Addendum "
                                 "(in force 21 Mar 2022): record it, or sign the IDTA")
            return False
        verdict.article = (_article(regime, "uk_addendum")
                           + f" (SCC 2021/914 module {m.scc_module} + Addendum)")
    if regime == ref.SWISS_FADP:
        new = ref.regime_instrument(regime, "scc_2021")
        if day < new["since"]:
            verdict.flags.append("instrument_not_in_force")
            verdict.notes.append(f"the FDPIC recognised the 2021 EU SCC only from {new['since'].isoformat()}")
            return False
        verdict.notes.append(new.get("note", ""))
    return True


def _art46(m: TransferMechanism, day: dt.date, regime: str, addendum: bool, verdict: _Verdict,
           contradicted: bool) -> None:
    info = ref.safeguard(m.type.value)
    verdict.mechanism = Mechanism(m.type.value)
    verdict.article = _article(regime, m.type.value)
    valid = True
    if m.type is MechanismType.scc:
        valid = _scc(m, day, regime, addendum, verdict)
    elif m.type in _UK_ONLY and regime == ref.UK_GDPR:
        since = ref.regime_instrument(regime, m.type.value)["since"]
        if day < since:
            valid = False
            verdict.flags.append("instrument_not_in_force")
            verdict.notes.append(f"{info.name} in force only from {since.isoformat()}")
    if info.note:
        verdict.notes.append(info.note)
    if not valid:
        verdict.status = TransferStatus.no_mechanism
        return
    missing = []
    if not m.reference:
        missing.append("the signed instrument (reference)")
    if not m.transfer_impact_assessment:
        missing.append("a transfer impact assessment (EDPB Recommendations 01/2020)")
    if missing:
        verdict.notes.append("record " + " and ".join(missing))
    verdict.status = TransferStatus.to_verify if missing or contradicted else TransferStatus.compliant


def _derogation(m: TransferMechanism, regime: str, verdict: _Verdict) -> None:
    info = ref.derogation(m.derogation.value)
    verdict.mechanism = Mechanism.derogation
    verdict.article = info.article if regime == ref.EU_GDPR else (
        _article(regime, "derogation") + f" ({info.article} equivalent)")
    if m.derogation is Derogation.second_subparagraph and not m.documentation:
        verdict.status = TransferStatus.no_mechanism
        verdict.flags.append("derogation_undocumented")
        verdict.notes.append("Art 49(1) second subparagraph needs the assessment and suitable safeguards "
                             "documented in the record (Art 30(1)(e), Art 49(6)) and the supervisory "
                             "authority informed")
        return
    verdict.status = TransferStatus.to_verify
    verdict.notes.append("Art 49 derogation: an exception, interpreted restrictively, for occasional "
                         "transfers, not a basis for systematic ones (EDPB Guidelines 2/2018)")
    if info.note:
        verdict.notes.append(info.note)


def is_transfer(dest: str | None, day: dt.date, regime: str, *, organisation: bool = False) -> bool:
    """Whether sending data to ``dest`` is a restricted transfer under the regime on the day
    (see :func:`audit_lib.reference.transfers.restricted`)."""
    return ref.restricted(dest, day, regime, organisation=organisation)


def classify_flow(rec: Recipient | _Importer, country: str | None, exporter_role: str = "controller",
                  as_of: dt.date | str | None = None, *, regime: str = ref.EU_GDPR,
                  mechanisms: list[TransferMechanism] | None = None,
                  countries: list[str] | None = None) -> _Verdict | None:
    """Classify a flow to an importer in ``country`` (or an international organisation key);
    None when it is not a transfer under the regime (see the module docstring for the rules)."""
    day = _day(as_of)
    if isinstance(rec, Recipient):
        imp = _importer(rec)
        mechanisms = rec.transfer_mechanisms if mechanisms is None else mechanisms
        countries = list(rec.countries) if countries is None else countries
    else:
        imp = rec
        mechanisms = mechanisms or []
        countries = countries or ([country] if country else [])
    org = imp.international_organisation
    dest = org or country
    if not is_transfer(dest, day, regime, organisation=bool(org)):
        return None
    verdict = _Verdict()
    declared = _applicable(mechanisms, country)
    bad = _contradictions(imp, countries, None if org else country, declared, exporter_role, regime, verdict)
    usable = [m for m in declared if id(m) not in bad]
    art46 = [m for m in usable if m.type in _ART46] or [m for m in declared if m.type in _ART46]
    derogations = [m for m in declared if m.type is MechanismType.derogation]
    addendum = any(m.type is MechanismType.uk_addendum for m in usable)
    if addendum and any(m.type is MechanismType.scc for m in art46):
        art46 = [m for m in art46 if m.type is MechanismType.scc] + [m for m in art46 if m.type is not
                                                                      MechanismType.scc]

    if dest is None:
        verdict.flags.append("country_not_recorded")
        verdict.notes.append("no country recorded: cannot tell whether the data leaves the EEA; record "
                             "where the party stores or accesses data (Art 30(1)(e))")
    else:
        certified = imp.certified if imp.certified is not None else any(
            m.type is MechanismType.dpf and id(m) not in bad for m in declared)
        if imp.sector == "public_authority":
            certified = False
        decision = ref.adequacy(dest, day, certified, sector=imp.sector, regime=regime)
        if decision is not None:
            verdict.mechanism = Mechanism.dpf if decision.scope == "certified" else Mechanism.adequacy
            verdict.article = decision.article
            verdict.decision = decision.decision
            verdict.status = TransferStatus.compliant
            verdict.scope = decision.scope_note
            verdict.notes.insert(0, f"adequacy decision {decision.decision} ({decision.name})")
            if decision.scope_note and imp.sector is None and (decision.covers_sectors or
                                                                decision.excludes_sectors):
                verdict.notes.append(f"scope: {decision.scope_note}; confirm {imp.name} is covered "
                                     "and record its sector")
            if decision.scope == "certified" and imp.certified is None:
                verdict.notes.append("certification taken from the declared DPF mechanism: check the DPF "
                                     "list and record dpf_certified: true")
            if decision.verify:
                verdict.notes.append("reference data to verify against the regulator's text")
            if ref.follows_note(dest, day):
                verdict.notes.append(ref.follows_note(dest, day))
            return verdict
        reason = _why_not_adequate(imp, dest, day, regime, verdict)
        where = (ref.international_organisation(dest).name if org and ref.international_organisation(dest)
                 else country_name(dest))
        verdict.notes.append(reason or f"no adequacy decision for {where} on {day} under the {regime}")
    if art46:
        _art46(art46[0], day, regime, addendum, verdict, contradicted=id(art46[0]) in bad)
    elif derogations:
        _derogation(derogations[0], regime, verdict)
    else:
        verdict.article = _article(regime, "none")
        verdict.notes.append("no Art 46 safeguard or Art 49 derogation declared")
    return verdict


def classify_transfers(register: Register, as_of: dt.date | str | None = None,
                       graph: nx.DiGraph | None = None) -> list[Transfer]:
    """Every restricted transfer of personal data in the register's flows, classified as of the date.

    One row per (exporter, importer, destination): outbound and onward flows to recipients, and
    inbound flows from parties named as sources to the controller; see the module docstring.
    Internal recipients (the controller's own staff) receive no transfer.
    """
    day = _day(as_of)
    graph = graph if graph is not None else build_graph(register, day)
    with gc_paused():
        return _classify_transfers(register, day, graph)


def _establishment(rec: Recipient, day: dt.date) -> str | None:
    """Where a party exports from: ``established``, else its first country under a regime (EEA first)."""
    if rec.established:
        return rec.established
    ranked = sorted(rec.countries, key=lambda c: {ref.EU_GDPR: 0, ref.UK_GDPR: 1, ref.SWISS_FADP: 2}.get(
        ref.regime_of(c, day) or "", 3))
    return ranked[0] if ranked else None


def _flows_in(graph: nx.DiGraph, nid: str) -> dict[str, tuple[set[str], set[str]]]:
    by_exporter: dict[str, tuple[set[str], set[str]]] = {}
    for u, _, data in graph.in_edges(nid, data=True):
        if data.get("kind") != "flow" or data.get("via") == "source":
            continue
        exporter = u.split(":", 1)[1] if data["via"] == "onward" else CONTROLLER
        cats, acts = by_exporter.setdefault(exporter, (set(), set()))
        cats.update(data["data_categories"])
        acts.update(data["activities"])
    return by_exporter


def _sources_out(graph: nx.DiGraph, nid: str) -> tuple[set[str], set[str]]:
    cats: set[str] = set()
    acts: set[str] = set()
    for _, _, data in graph.out_edges(nid, data=True):
        if data.get("kind") == "flow" and data.get("via") == "source":
            cats.update(data["data_categories"])
            acts.update(data["activities"])
    return cats, acts


def _dest_name(dest: str | None, organisation: str | None) -> str:
    if organisation:
        known = ref.international_organisation(organisation)
        return known.name if known else organisation
    return country_name(dest) if dest else "not recorded"


def _classify_transfers(register: Register, day: dt.date, graph: nx.DiGraph) -> list[Transfer]:
    org = register.organisation
    own_regime = controller_regime(register, day)
    outside = bool(org.country) and not ref.free_flow(org.country, day)
    retired = {a.id for a in register.activities if a.status.value == "retired"}
    rows: list[Transfer] = []

    def common_notes(notes: list[str], acts: set[str]) -> None:
        if acts and acts <= retired:
            notes.append("only retired activities: a past disclosure, still part of the record "
                         "(Art 30(1)(d) 'have been or will be disclosed')")
        if day < ref.GDPR_APPLIES:
            notes.append("before 25 May 2018 Directive 95/46/EC Art 25-26 applied")

    for rec in register.recipients:
        if rec.role is RecipientRole.internal:
            continue
        nid = node_id("recipient", rec.id)
        io = rec.international_organisation
        dests = [io] if io else (graph.nodes[nid]["countries"] or [None])
        for exporter, (cats, acts) in sorted(_flows_in(graph, nid).items()):
            onward = exporter != CONTROLLER
            regime = own_regime  # onward transfers stay under the rules of the original export (Art 44)
            for dest in dests:
                verdict = classify_flow(rec, None if io else dest, "processor" if onward else "controller",
                                        day, regime=regime, countries=graph.nodes[nid]["countries"])
                if verdict is None:
                    continue
                notes = list(verdict.notes)
                if onward:
                    notes.insert(0, f"onward transfer by processor {exporter} to its sub-processor (Art 44)")
                elif outside:
                    notes.append("controller outside the EEA (Art 3(2)): this disclosure is a transfer "
                                 "(EDPB Guidelines 05/2021)")
                if io:
                    notes.insert(0, f"international organisation {_dest_name(io, io)}: an importer in its "
                                    "own right, whatever its host state (Art 44-46)")
                common_notes(notes, acts)
                rows.append(Transfer(
                    exporter=exporter,
                    exporter_name=register.recipient(exporter).name if onward else org.name,
                    importer=rec.id, importer_name=rec.name, importer_role=rec.role.value,
                    country=dest, country_name=_dest_name(dest, io),
                    data_categories=sorted(cats), activities=sorted(acts),
                    mechanism=verdict.mechanism, article=verdict.article, status=verdict.status,
                    onward=onward, note="; ".join(notes), decision=verdict.decision,
                    flags=sorted(set(verdict.flags)), as_of=day.isoformat(), regime=regime,
                    direction=Direction.onward if onward else Direction.outbound,
                    importer_kind="international_organisation" if io else "country",
                    scope=verdict.scope, party=rec.id,
                ))
        rows.extend(_inbound(register, rec, graph, nid, day, common_notes))
    rows.sort(key=lambda t: (t.direction is Direction.inbound, t.onward, t.exporter != CONTROLLER,
                             t.exporter, t.importer, t.country or ""))
    return rows


def _inbound(register: Register, rec: Recipient, graph: nx.DiGraph, nid: str, day: dt.date,
             common_notes) -> list[Transfer]:
    """The transfer from a source party to the controller, when the controller imports (Art 44)."""
    cats, acts = _sources_out(graph, nid)
    if not acts:
        return []
    org = register.organisation
    regime = ref.regime_of(_establishment(rec, day), day)
    if regime is None:
        return []  # a source not subject to the GDPR (or UK GDPR, FADP) exports no restricted transfer
    controller = _Importer(org.name, "controller", org.sector.value if org.sector else None, None)
    verdict = classify_flow(controller, org.country, _role(rec), day, regime=regime,
                            mechanisms=rec.transfer_mechanisms,
                            countries=[org.country] if org.country else [])
    if verdict is None:
        return []
    module = ref.expected_scc_module(_role(rec), "controller")
    notes = [f"inbound: {rec.name} ({_establishment(rec, day)}) exports to the controller, which imports "
             f"under the {regime}; as importer the controller signs the exporter's transfer tool (SCC "
             f"2021/914 module {module}) and is bound by it", *verdict.notes]
    common_notes(notes, acts)
    return [Transfer(
        exporter=rec.id, exporter_name=rec.name, importer=CONTROLLER, importer_name=org.name,
        importer_role="controller", country=org.country,
        country_name=country_name(org.country) if org.country else "not recorded",
        data_categories=sorted(cats), activities=sorted(acts), mechanism=verdict.mechanism,
        article=verdict.article, status=verdict.status, onward=False, note="; ".join(notes),
        decision=verdict.decision, flags=sorted(set(verdict.flags)), as_of=day.isoformat(), regime=regime,
        direction=Direction.inbound, scope=verdict.scope, party=rec.id,
    )]


TRANSFER_COLUMNS = ["exporter", "exporter_name", "importer", "importer_name", "importer_role", "country",
                    "country_name", "data_categories", "activities", "mechanism", "article", "decision",
                    "status", "onward", "flags", "note", "as_of", "regime", "direction", "importer_kind",
                    "scope", "party"]


def transfers_table(register: Register, as_of: dt.date | str | None = None,
                    transfers: list[Transfer] | None = None, *, review: Review | None = None) -> pd.DataFrame:
    """The transfers as a DataFrame, one row each; lists joined with '; ' (for Excel and print):
    ``transfers`` given, else those of ``review`` (an :class:`audit_lib.review.Review`), else classified."""
    import pandas as pd

    if transfers is None and review is not None:
        transfers = review.transfers
    items = transfers if transfers is not None else classify_transfers(register, as_of)
    rows = []
    for t in items:
        row = t.as_dict()
        for key in ("data_categories", "activities", "flags"):
            row[key] = "; ".join(row[key])
        rows.append(row)
    return pd.DataFrame(rows, columns=TRANSFER_COLUMNS)
