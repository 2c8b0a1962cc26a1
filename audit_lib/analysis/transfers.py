"""Transfer classification (Chapter V) of the flows in the data-flow graph.

Transfers follow EDPB Guidelines 05/2021: a transfer is a disclosure by an exporter subject
to the GDPR to an importer in a third country. The controller's own collection is never a
transfer, even for a controller outside the EEA subject to the GDPR under Art 3(2); its
disclosures to recipients in third countries are. A processor's disclosure to its
sub-processor is an onward transfer (Art 44) with the processor as exporter.

Classification of each flow to a party outside the EEA, in this order:

1. inside the EEA (or the UK during transition / the TCA bridge): not a transfer, no row;
2. adequacy decision in force on the date (Art 45), computed from the reference data, never
   typed (US only for DPF-certified recipients; Canada and Japan private sector only):
   status ``compliant``;
3. declared Art 46 safeguard (SCC with module checked against the roles, BCR, code of
   conduct, certification, ad hoc clauses): ``compliant`` when the register records both
   the instrument (``reference``) and a transfer impact assessment (EDPB Recommendations
   01/2020) and nothing contradicts it, otherwise ``safeguard to verify``;
4. declared Art 49 derogation: ``safeguard to verify`` (an exception for occasional
   transfers, EDPB Guidelines 2/2018); the second subparagraph without its documentation
   (Art 30(1)(e), 49(6)) is ``no lawful mechanism``;
5. nothing: ``no lawful mechanism``.

A recipient with no country recorded yields one row, country None, flagged
``country_not_recorded``: ``safeguard to verify`` when an Art 46 tool or derogation is
declared for all its countries, else ``no lawful mechanism``. Declarations contradicting
the facts are flagged in ``flags`` and ``note``: DPF for a non-US country, dpf_certified for
a recipient not in the US, DPF declared while dpf_certified is false, an SCC module that
does not match the roles of exporter and importer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from audit_lib.analysis.graph import CONTROLLER, _day, build_graph, node_id
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

STATUSES = ("compliant", "safeguard to verify", "no lawful mechanism")
MECHANISMS = ("adequacy", "dpf", "scc", "bcr", "code_of_conduct", "certification", "ad_hoc_clauses",
              "derogation", "none")
_ART46 = (MechanismType.scc, MechanismType.bcr, MechanismType.code_of_conduct,
          MechanismType.certification, MechanismType.ad_hoc_clauses)
_CONTROLLER_ROLES = {RecipientRole.independent_controller, RecipientRole.joint_controller,
                     RecipientRole.public_authority}

# --------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------


@dataclass
class Transfer:
    """One flow of personal data to a party in a third country (Chapter V, Art 30(1)(e))."""

    exporter: str
    exporter_name: str
    importer: str
    importer_name: str
    importer_role: str
    country: str | None
    country_name: str
    data_categories: list[str]
    activities: list[str]
    mechanism: str
    article: str
    status: str
    onward: bool
    note: str
    decision: str | None = None
    flags: list[str] = field(default_factory=list)
    as_of: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (keys exporter, importer, country, ... status, and the rest)."""
        return asdict(self)


@dataclass
class _Verdict:
    mechanism: str = "none"
    article: str = "Art 44"
    status: str = "no lawful mechanism"
    decision: str | None = None
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _importer_role(rec: Recipient) -> str:
    """'controller' or 'processor', for the SCC module check."""
    return "controller" if rec.role in _CONTROLLER_ROLES else "processor"


def _applicable(rec: Recipient, country: str | None) -> list[TransferMechanism]:
    return [m for m in rec.transfer_mechanisms if not m.countries or (country and country in m.countries)]


def _contradictions(rec: Recipient, country: str | None, mechanisms: list[TransferMechanism],
                    exporter_role: str, verdict: _Verdict) -> set[int]:
    """Flag declarations that contradict the facts; return ids of mechanisms not to rely on."""
    bad: set[int] = set()
    if rec.dpf_certified and "US" not in rec.countries:
        verdict.flags.append("dpf_certified_not_us")
        verdict.notes.append(f"dpf_certified is true but {rec.name} is not recorded in the US: "
                             "only US organisations can be certified under the EU-US DPF")
    expected = ref.expected_scc_module(exporter_role, _importer_role(rec))
    for m in mechanisms:
        if m.type is MechanismType.dpf and country and country != "US":
            bad.add(id(m))
            verdict.flags.append("dpf_not_us")
            verdict.notes.append(f"DPF declared for {country_name(country)}: the EU-US Data Privacy "
                                 "Framework covers only certified organisations in the United States")
        elif m.type is MechanismType.dpf and rec.dpf_certified is False and country == "US":
            bad.add(id(m))
            verdict.flags.append("dpf_declared_not_certified")
            verdict.notes.append("DPF declared as mechanism but dpf_certified is false")
        elif m.type is MechanismType.scc and m.scc_module != expected:
            bad.add(id(m))
            module = ref.scc_module(m.scc_module)
            verdict.flags.append("scc_module_mismatch")
            verdict.notes.append(
                f"SCC module {m.scc_module} ({module.name}) declared, but this flow is "
                f"{exporter_role} to {_importer_role(rec)}: module {expected} of Decision 2021/914 expected")
    return bad


def _why_not_adequate(rec: Recipient, country: str, day: dt.date, certified: bool) -> str | None:
    history = ref.adequacy_history(country)
    in_force = [d for d in history if d.covers(day)]
    if in_force:
        decision = in_force[-1]
        if decision.scope == "certified" and not certified:
            return (f"{decision.decision} covers only organisations certified under the EU-US Data "
                    f"Privacy Framework; {rec.name} is not recorded as certified (dpf_certified)")
        if decision.scope == "private_sector":
            return f"{decision.decision} does not cover public authorities ({decision.note})"
    parts = []
    ended = [d for d in history if d.until and d.until < day]
    if ended:
        last = ended[-1]
        parts.append(f"adequacy decision {last.decision} no longer in force (until {last.until.isoformat()})")
    later = [d for d in history if d.adopted > day]
    if later:
        parts.append(f"{later[0].decision} adopted only on {later[0].adopted.isoformat()}")
    return "; ".join(parts) or None


def _art46(m: TransferMechanism, day: dt.date, verdict: _Verdict, contradicted: bool) -> None:
    info = ref.safeguard(m.type.value)
    verdict.mechanism = m.type.value
    verdict.article = info.article
    if m.type is MechanismType.scc:
        verdict.article = f"{info.article} (SCC 2021/914 module {m.scc_module})"
        if day < ref.SCC_2021_APPLIES:
            verdict.notes.append("Decision 2021/914 applies from 27 Jun 2021; on this date the earlier "
                                 "SCC (2001/497/EC, 2004/915/EC, 2010/87/EU) applied")
        elif m.date and m.date < ref.SCC_2021_APPLIES and day > dt.date(2022, 12, 27):
            contradicted = True
            verdict.notes.append(f"clauses dated {m.date.isoformat()} predate Decision 2021/914: the "
                                 "repealed SCC stopped providing safeguards on 27 Dec 2022")
    if info.note:
        verdict.notes.append(info.note)
    missing = []
    if not m.reference:
        missing.append("the signed instrument (reference)")
    if not m.transfer_impact_assessment:
        missing.append("a transfer impact assessment (EDPB Recommendations 01/2020)")
    if missing:
        verdict.notes.append("record " + " and ".join(missing))
    verdict.status = "safeguard to verify" if missing or contradicted else "compliant"


def _derogation(m: TransferMechanism, verdict: _Verdict) -> None:
    info = ref.derogation(m.derogation.value)
    verdict.mechanism = "derogation"
    verdict.article = info.article
    if m.derogation is Derogation.second_subparagraph and not m.documentation:
        verdict.status = "no lawful mechanism"
        verdict.flags.append("derogation_undocumented")
        verdict.notes.append("Art 49(1) second subparagraph needs the assessment and suitable safeguards "
                             "documented in the record (Art 30(1)(e), Art 49(6)) and the supervisory "
                             "authority informed")
        return
    verdict.status = "safeguard to verify"
    verdict.notes.append("Art 49 derogation: an exception, interpreted restrictively, for occasional "
                         "transfers, not a basis for systematic ones (EDPB Guidelines 2/2018)")
    if info.note:
        verdict.notes.append(info.note)


def classify_flow(rec: Recipient, country: str | None, exporter_role: str = "controller",
                  as_of: dt.date | str | None = None) -> _Verdict | None:
    """Classify a flow to ``rec`` in ``country``; None when it is not a transfer (EEA, UK bridge)."""
    day = _day(as_of)
    if country is not None and ref.free_flow(country, day):
        return None
    verdict = _Verdict()
    mechanisms = _applicable(rec, country)
    bad = _contradictions(rec, country, mechanisms, exporter_role, verdict)
    usable = [m for m in mechanisms if id(m) not in bad]
    art46 = [m for m in usable if m.type in _ART46] or [m for m in mechanisms if m.type in _ART46]
    derogations = [m for m in mechanisms if m.type is MechanismType.derogation]

    if country is None:
        verdict.flags.append("country_not_recorded")
        verdict.notes.append("no country recorded: cannot tell whether the data leaves the EEA; record "
                             "where the party stores or accesses data (Art 30(1)(e))")
    else:
        if rec.dpf_certified is not None:
            certified = rec.dpf_certified
        else:
            certified = any(m.type is MechanismType.dpf and id(m) not in bad for m in mechanisms)
        public = rec.role is RecipientRole.public_authority
        decision = ref.adequacy(country, day, certified, public_authority=public)
        if decision is not None:
            verdict.mechanism = "dpf" if decision.is_dpf else "adequacy"
            verdict.article = decision.article
            verdict.decision = decision.decision
            verdict.status = "compliant"
            verdict.notes.insert(0, f"adequacy decision {decision.decision} ({decision.name})")
            if decision.scope == "private_sector":
                verdict.notes.append(f"scope: {decision.note}; confirm {rec.name} is covered")
            if decision.scope == "certified" and rec.dpf_certified is None:
                verdict.notes.append("certification taken from the declared DPF mechanism: check the DPF "
                                     "list and record dpf_certified: true")
            if decision.scope == "certified" and not decision.is_dpf:
                verdict.notes.append(f"certification under {decision.decision} assumed from dpf_certified: "
                                     "check the list of that date")
            return verdict
        reason = _why_not_adequate(rec, country, day, certified)
        verdict.notes.append(reason or f"no adequacy decision for {country_name(country)} on {day}")
    if art46:
        _art46(art46[0], day, verdict, contradicted=id(art46[0]) in bad)
    elif derogations:
        _derogation(derogations[0], verdict)
    else:
        verdict.notes.append("no Art 46 safeguard or Art 49 derogation declared")
    return verdict


def classify_transfers(register: Register, as_of: dt.date | str | None = None,
                       graph: nx.DiGraph | None = None) -> list[Transfer]:
    """Every flow of personal data to a party outside the EEA, classified as of the date.

    One row per (exporter, importer, third country); see the module docstring for the rules.
    Internal recipients (the controller's own staff) receive no transfer.
    """
    day = _day(as_of)
    graph = graph if graph is not None else build_graph(register, day)
    with gc_paused():
        return _classify_transfers(register, day, graph)


def _classify_transfers(register: Register, day: dt.date, graph: nx.DiGraph) -> list[Transfer]:
    org = register.organisation
    outside = bool(org.country) and not ref.free_flow(org.country, day)
    retired = {a.id for a in register.activities if a.status.value == "retired"}
    rows: list[Transfer] = []
    for rec in register.recipients:
        if rec.role is RecipientRole.internal:
            continue
        nid = node_id("recipient", rec.id)
        by_exporter: dict[str, tuple[set[str], set[str]]] = {}
        for u, data in graph.pred[nid].items():
            if data.get("kind") != "flow":
                continue
            exporter = u.split(":", 1)[1] if data["via"] == "onward" else CONTROLLER
            cats, acts = by_exporter.setdefault(exporter, (set(), set()))
            cats.update(data["data_categories"])
            acts.update(data["activities"])
        countries = graph.nodes[nid]["countries"] or [None]
        for exporter, (cats, acts) in sorted(by_exporter.items()):
            onward = exporter != CONTROLLER
            exporter_role = "processor" if onward else "controller"
            for country in countries:
                verdict = classify_flow(rec, country, exporter_role, day)
                if verdict is None:
                    continue
                notes = list(verdict.notes)
                if onward:
                    notes.insert(0, f"onward transfer by processor {exporter} to its sub-processor (Art 44)")
                elif outside:
                    notes.append("controller outside the EEA (Art 3(2)): this disclosure is a transfer "
                                 "(EDPB Guidelines 05/2021)")
                if acts and acts <= retired:
                    notes.append("only retired activities: a past disclosure, still part of the record "
                                 "(Art 30(1)(d) 'have been or will be disclosed')")
                if day < ref.GDPR_APPLIES:
                    notes.append("before 25 May 2018 Directive 95/46/EC Art 25-26 applied")
                rows.append(Transfer(
                    exporter=exporter,
                    exporter_name=register.recipient(exporter).name if onward else org.name,
                    importer=rec.id, importer_name=rec.name, importer_role=rec.role.value,
                    country=country, country_name=country_name(country) if country else "not recorded",
                    data_categories=sorted(cats), activities=sorted(acts),
                    mechanism=verdict.mechanism, article=verdict.article, status=verdict.status,
                    onward=onward, note="; ".join(notes), decision=verdict.decision,
                    flags=sorted(set(verdict.flags)), as_of=day.isoformat(),
                ))
    rows.sort(key=lambda t: (t.onward, t.exporter != CONTROLLER, t.exporter, t.importer, t.country or ""))
    return rows


TRANSFER_COLUMNS = ["exporter", "exporter_name", "importer", "importer_name", "importer_role", "country",
                    "country_name", "data_categories", "activities", "mechanism", "article", "decision",
                    "status", "onward", "flags", "note", "as_of"]


def transfers_table(register: Register, as_of: dt.date | str | None = None,
                    transfers: list[Transfer] | None = None) -> pd.DataFrame:
    """The transfers as a DataFrame, one row each; lists joined with '; ' (for Excel and print)."""
    items = transfers if transfers is not None else classify_transfers(register, as_of)
    rows = []
    for t in items:
        row = t.as_dict()
        for key in ("data_categories", "activities", "flags"):
            row[key] = "; ".join(row[key])
        rows.append(row)
    return pd.DataFrame(rows, columns=TRANSFER_COLUMNS)
