"""Data-flow graph of a register, transfer classification (Chapter V) and a DPO's queries.

The graph (networkx DiGraph) runs data subjects -> processing activities -> systems ->
recipients -> their sub-processors (``Recipient.parent``), with the controller as a party.
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
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from audit_lib.atomic import atomic_write
from audit_lib.gcpause import gc_paused
from audit_lib.model import (
    Derogation,
    MechanismType,
    ProcessingActivity,
    Recipient,
    RecipientRole,
    Register,
    TransferMechanism,
)
from audit_lib.reference import transfers as ref
from audit_lib.reference.countries import country_name
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category, label

CONTROLLER = "controller"
"""Node id of the controller (the organisation keeping the register)."""

STATUSES = ("compliant", "safeguard to verify", "no lawful mechanism")
REGIONS = ("eea", "adequate", "not_adequate", "unknown")
MECHANISMS = ("adequacy", "dpf", "scc", "bcr", "code_of_conduct", "certification", "ad_hoc_clauses",
              "derogation", "none")
_ART46 = (MechanismType.scc, MechanismType.bcr, MechanismType.code_of_conduct,
          MechanismType.certification, MechanismType.ad_hoc_clauses)
_CONTROLLER_ROLES = {RecipientRole.independent_controller, RecipientRole.joint_controller,
                     RecipientRole.public_authority}


def node_id(kind: str, key: str) -> str:
    """Graph node id: ``subject:customer``, ``activity:orders``, ``system:db``, ``recipient:psp``."""
    return f"{kind}:{key}"


def _day(as_of: dt.date | str | None) -> dt.date:
    return ref.as_date(as_of)


# --------------------------------------------------------------------------
# Countries -> region (EEA / adequate / not adequate / unknown)
# --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _country_region(code: str, day: dt.date, certified: bool, public: bool) -> str:
    if ref.free_flow(code, day):
        return "eea"
    if ref.adequacy(code, day, certified, public_authority=public):
        return "adequate"
    return "not_adequate"


def _certified(rec: Recipient) -> bool:
    """DPF certification: dpf_certified true, or a DPF mechanism declared and not contradicted."""
    if rec.dpf_certified is not None:
        return rec.dpf_certified
    return any(m.type is MechanismType.dpf and (not m.countries or "US" in m.countries)
               for m in rec.transfer_mechanisms)


def region_of(countries: Iterable[str], as_of: dt.date | str | None = None, *, certified: bool = False,
              public_authority: bool = False) -> str:
    """Worst region over a party's countries: not_adequate > adequate > eea; unknown if none."""
    day = _day(as_of)
    found = {_country_region(c, day, certified, public_authority) for c in countries}
    for region in ("not_adequate", "adequate", "eea"):
        if region in found:
            return region
    return "unknown"


# --------------------------------------------------------------------------
# Graph
# --------------------------------------------------------------------------


class _Edges:
    """Flow edges being built: attribute dicts, merged (as sets) when several flows share an edge."""

    FIELDS = ("data_categories", "purposes", "activities")

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], dict[str, Any]] = {}
        self._into: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._merged: set[tuple[str, str]] = set()

    def add(self, u: str, v: str, categories: list[str], purposes: list[str], activities: list[str],
            via: str) -> None:
        """Add a flow; the lists must be sorted and are not copied until a merge (treat as read-only)."""
        key = (u, v)
        entry = self.data.get(key)
        if entry is None:
            self.data[key] = entry = {"kind": "flow", "via": via, "onward": via == "onward",
                                      "data_categories": categories, "purposes": purposes,
                                      "activities": activities}
            self._into[v].append(entry)
            return
        if key not in self._merged:
            self._merged.add(key)
            for name in self.FIELDS:
                entry[name] = set(entry[name])
        entry["data_categories"].update(categories)
        entry["purposes"].update(purposes)
        entry["activities"].update(activities)

    def inbound(self, v: str) -> tuple[list[str], list[str], list[str]]:
        """Sorted union of what flows into ``v`` so far: (categories, purposes, activities)."""
        found: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for entry in self._into.get(v, ()):
            for acc, name in zip(found, self.FIELDS, strict=True):
                acc.update(entry[name])
        return sorted(found[0]), sorted(found[1]), sorted(found[2])

    def edges(self):
        """(u, v, attrs) with merged fields sorted back into lists."""
        for key in self._merged:
            entry = self.data[key]
            for name in self.FIELDS:
                entry[name] = sorted(entry[name])
        self._merged.clear()
        return ((u, v, attrs) for (u, v), attrs in self.data.items())


def _purposes(activity: ProcessingActivity) -> list[str]:
    return sorted({p.key for p in activity.purposes})


def _recipient_countries(register: Register) -> dict[str, list[str]]:
    """Each recipient's countries: declared, plus those of systems it hosts (where data is stored)."""
    countries = {r.id: list(r.countries) for r in register.recipients}
    for system in register.systems:
        if system.hosted_by in countries:
            for code in system.countries:
                if code not in countries[system.hosted_by]:
                    countries[system.hosted_by].append(code)
    return countries


def recipient_hierarchy(register: Register) -> nx.DiGraph:
    """parent -> sub-processor graph of every recipient (Art 28(2)-(4) chains)."""
    tree = nx.DiGraph()
    tree.add_nodes_from(r.id for r in register.recipients)
    tree.add_edges_from((r.parent, r.id) for r in register.recipients if r.parent)
    return tree


def build_graph(register: Register, as_of: dt.date | str | None = None) -> nx.DiGraph:
    """The data-flow graph of a register (see the module docstring for its shape).

    Node attributes: kind (controller, data_subject, activity, system, recipient), label,
    role, countries, country, eea, adequate, region (as of the date), plus record fields.
    Flow edges (kind "flow") carry sorted lists data_categories, purposes and activities
    (from ``tables.categories_of``: an activity can limit what one recipient receives); a
    sub-processor receives what flows into its parent. Controller -> activity edges have
    kind "controls" and carry no data. Attribute lists may be shared: treat them as read-only.
    """
    with gc_paused():
        return _build_graph(register, _day(as_of))


def _build_graph(register: Register, day: dt.date) -> nx.DiGraph:
    org = register.organisation
    graph = nx.DiGraph(name=org.name, as_of=day.isoformat())
    party_countries = _recipient_countries(register)
    hierarchy = recipient_hierarchy(register)
    depth = dict.fromkeys(hierarchy, 0)
    for root in (n for n in hierarchy if hierarchy.in_degree(n) == 0):
        depth.update(nx.single_source_shortest_path_length(hierarchy, root))
    geo_cache: dict[tuple, dict[str, Any]] = {}

    def geo(countries: list[str], *, certified: bool = False, public: bool = False) -> dict[str, Any]:
        key = (tuple(countries), certified, public)
        if key not in geo_cache:
            region = region_of(countries, day, certified=certified, public_authority=public)
            geo_cache[key] = {
                "countries": countries, "country": countries[0] if countries else "",
                "eea": bool(countries) and all(ref.is_eea(c, day) for c in countries),
                "adequate": region in {"eea", "adequate"} if countries else None, "region": region}
        return geo_cache[key]

    org_countries = [org.country] if org.country else []
    org_geo = geo(org_countries)
    graph.add_node(CONTROLLER, kind="controller", label=org.name, role="controller", **org_geo)

    subject_labels: dict[str, str] = {}
    edges = _Edges()
    activity_nodes = []
    for act in register.activities:
        aid = node_id("activity", act.id)
        cats = sorted(set(act.data_category_keys))
        purposes = _purposes(act)
        acts = [act.id]
        activity_nodes.append((aid, {
            "kind": "activity", "label": act.name, "role": "processing activity", "status": act.status.value,
            "legal_basis": [b.value for b in act.legal_basis], "purposes": purposes, "data_categories": cats,
            **org_geo}))
        for subject in act.data_subjects:
            if subject.key not in subject_labels:
                subject_labels[subject.key] = subject.label or label("data_subjects", subject.key)
            edges.add(node_id("subject", subject.key), aid, cats, purposes, acts, "collection")
        for sid in act.systems:
            edges.add(aid, node_id("system", sid), cats, purposes, acts, "system")
        for link in act.recipients:
            link_purposes = [link.purpose] if link.purpose else purposes
            cats_to = sorted({c.key for c in link.data_categories}) if link.data_categories else cats
            edges.add(aid, node_id("recipient", link.recipient), cats_to, link_purposes, acts, "disclosure")
    graph.add_nodes_from(activity_nodes)
    graph.add_edges_from((CONTROLLER, aid, {"kind": "controls"}) for aid, _ in activity_nodes)

    graph.add_nodes_from(
        (node_id("subject", key), {"kind": "data_subject", "label": text, "role": "data subject",
                                   "countries": [], "country": "", "eea": None, "adequate": None,
                                   "region": "subject"})
        for key, text in subject_labels.items())
    for system in register.systems:
        hosted = system.hosted_by
        countries = list(system.countries) or (party_countries.get(hosted, []) if hosted else org_countries)
        graph.add_node(node_id("system", system.id), kind="system", label=system.name,
                       role="hosted" if hosted else "internal", hosted_by=hosted or "", **geo(countries))
        if hosted:
            sid = node_id("system", system.id)
            edges.add(sid, node_id("recipient", hosted), *edges.inbound(sid), "hosting")
    # Sub-processors receive what flows into their parent: walk the chains parent first.
    for rid in nx.topological_sort(hierarchy):
        children = list(hierarchy.successors(rid))
        if children:
            inbound = edges.inbound(node_id("recipient", rid))
            for child in children:
                edges.add(node_id("recipient", rid), node_id("recipient", child), *inbound, "onward")

    graph.add_nodes_from(
        (node_id("recipient", rec.id), {
            "kind": "recipient", "label": rec.name, "role": rec.role.value, "parent": rec.parent or "",
            "category": rec.category or "", "depth": depth.get(rec.id, 0), "placeholder": rec.placeholder,
            "dpf_certified": rec.dpf_certified,
            **geo(party_countries[rec.id], certified=_certified(rec),
                  public=rec.role is RecipientRole.public_authority)})
        for rec in register.recipients)
    graph.add_edges_from(edges.edges())
    return graph


def flow_view(graph: nx.DiGraph) -> nx.DiGraph:
    """Read-only view of the graph without the controller's "controls" edges."""
    return nx.subgraph_view(graph, filter_edge=lambda u, v: graph.edges[u, v].get("kind") == "flow")


def _graphml_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """Copy with list attributes joined by '; ' and None dropped (GraphML has scalar types only)."""

    def clean(attrs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in attrs.items():
            if value is None:
                continue
            out[key] = "; ".join(map(str, value)) if isinstance(value, (list, tuple, set)) else value
        return out

    safe = nx.DiGraph(**clean(dict(graph.graph)))
    safe.add_nodes_from((n, clean(d)) for n, d in graph.nodes(data=True))
    safe.add_edges_from((u, v, clean(d)) for u, v, d in graph.edges(data=True))
    return safe


def export_graph(graph: nx.DiGraph, path: str | Path, fmt: str | None = None) -> Path:
    """Write the graph as GraphML or node-link JSON, chosen by ``fmt`` or the file suffix
    (``.graphml`` / ``.json``). Written to a temporary file then renamed: never half a file."""
    target = Path(path)
    suffix = "." + fmt if fmt else target.suffix.lower()
    if suffix not in {".graphml", ".json"}:
        raise ValueError(f"unknown graph format '{suffix or target.name}': use .graphml or .json")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"folder {target.parent} does not exist")

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            if suffix == ".graphml":
                nx.write_graphml(_graphml_safe(graph), fh)
            else:
                data = nx.node_link_data(graph, edges="edges")
                fh.write(json.dumps(data, indent=1, ensure_ascii=False, default=str).encode("utf-8"))

    return atomic_write(target, write)


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


# --------------------------------------------------------------------------
# Queries a DPO asks
# --------------------------------------------------------------------------


def _match(category: str, key: str) -> str | None:
    if category == key:
        return "exact"
    if category.startswith(key + "."):
        return "narrower"
    if key.startswith(category + "."):
        return "broader"
    return None


def where_does_category_go(register: Register, key: str, as_of: dt.date | str | None = None,
                           graph: nx.DiGraph | None = None) -> pd.DataFrame:
    """Every party and country a data category reaches (Art 15(1)(c), data mapping).

    Matches the key and its sub-keys (``user.contact`` finds ``user.contact.email``, match
    "narrower"); a register entry of a broader key (``user`` for ``user.contact.email``) is
    listed with match "broader". Includes the controller, systems and sub-processors.
    """
    graph = graph if graph is not None else build_graph(register, as_of)
    found: dict[str, dict[str, set]] = {}

    def note(node: str, categories: Iterable[str], activities: Iterable[str], via: str) -> None:
        hits = {(c, m) for c in categories if (m := _match(c, key))}
        if not hits:
            return
        entry = found.setdefault(node, {"cats": set(), "match": set(), "acts": set(), "via": set()})
        entry["cats"].update(c for c, _ in hits)
        entry["match"].update(m for _, m in hits)
        entry["acts"].update(activities)
        entry["via"].add(via)

    for nid, data in graph.nodes(data=True):
        if data["kind"] == "activity":
            note(CONTROLLER, data["data_categories"], [nid.split(":", 1)[1]], "collection")
    for u, v, data in graph.edges(data=True):
        if data.get("kind") == "flow" and graph.nodes[v]["kind"] in {"system", "recipient"}:
            via = graph.nodes[u]["label"] if graph.nodes[u]["kind"] != "activity" else "controller"
            note(v, data["data_categories"], data["activities"], via)

    rows = []
    for nid, entry in found.items():
        attrs = graph.nodes[nid]
        rows.append({
            "party": nid if nid == CONTROLLER else nid.split(":", 1)[1],
            "name": attrs["label"],
            "kind": "sub_processor" if attrs.get("parent") else attrs["kind"],
            "role": attrs["role"],
            "countries": "; ".join(attrs["countries"]),
            "region": attrs["region"],
            "received_from": "; ".join(sorted(entry["via"])),
            "data_categories": "; ".join(sorted(entry["cats"])),
            "match": "; ".join(m for m in ("exact", "narrower", "broader") if m in entry["match"]),
            "activities": "; ".join(sorted(entry["acts"])),
        })
    order = {"controller": 0, "system": 1, "recipient": 2, "sub_processor": 3}
    rows.sort(key=lambda r: (order[r["kind"]], r["party"]))
    return pd.DataFrame(rows, columns=["party", "name", "kind", "role", "countries", "region",
                                       "received_from", "data_categories", "match", "activities"])


@dataclass
class BlastRadius:
    """What is exposed if a party (or one of its sub-processors) suffers a breach (Art 33, 34)."""

    recipient: str
    name: str
    parties: list[str]
    activities: list[str]
    data_subjects: list[str]
    data_categories: list[str]
    special_categories: list[str]
    criminal_data: list[str]
    countries: list[str]
    by_activity: pd.DataFrame

    @property
    def empty(self) -> bool:
        return not self.activities

    def summary(self) -> str:
        """One paragraph for the 72-hour assessment (Art 33(3)(a))."""
        special = f"; special categories (Art 9): {', '.join(self.special_categories)}" \
            if self.special_categories else ""
        return (f"{self.name}: {len(self.activities)} activities, data subjects "
                f"{', '.join(self.data_subjects) or 'none'}; {len(self.data_categories)} data categories"
                f"{special}; parties holding the data: {', '.join(self.parties)}")


def blast_radius(register: Register, recipient_id: str, as_of: dt.date | str | None = None,
                 graph: nx.DiGraph | None = None) -> BlastRadius:
    """Activities, data subjects and data categories exposed if ``recipient_id`` is breached.

    The exposed data is what flows into the party: directly from activities, through the
    systems it hosts, and, for a sub-processor, through the processors above it. Its own
    sub-processors hold the same data, so they are listed among ``parties`` (a breach there
    exposes the same data). For the Art 33 notification within 72 hours.
    """
    if recipient_id not in {r.id for r in register.recipients}:
        raise KeyError(f"unknown recipient id '{recipient_id}'")
    graph = graph if graph is not None else build_graph(register, as_of)
    flows = flow_view(graph)
    hierarchy = recipient_hierarchy(register)
    chain = {recipient_id} | nx.ancestors(hierarchy, recipient_id)
    below = sorted(nx.descendants(hierarchy, recipient_id))

    per_activity: dict[str, set[str]] = defaultdict(set)
    for rid in chain:
        for u, _, data in flows.in_edges(node_id("recipient", rid), data=True):
            kind = graph.nodes[u]["kind"]
            if kind == "activity":
                per_activity[u].update(data["data_categories"])
            elif kind == "system":
                for a, _, adata in flows.in_edges(u, data=True):
                    per_activity[a].update(adata["data_categories"])
    subjects_of = {a: sorted(graph.nodes[s]["label"] for s in flows.predecessors(a)) for a in per_activity}
    rows = [{"activity": a.split(":", 1)[1], "name": graph.nodes[a]["label"],
             "data_subjects": "; ".join(subjects_of[a]), "data_categories": "; ".join(sorted(cats))}
            for a, cats in sorted(per_activity.items())]
    categories = sorted(set().union(*per_activity.values())) if per_activity else []
    subject_keys = sorted({s.split(":", 1)[1] for a in per_activity for s in flows.predecessors(a)})
    parties = [recipient_id, *below]
    countries = sorted({c for p in parties for c in graph.nodes[node_id("recipient", p)]["countries"]})
    return BlastRadius(
        recipient=recipient_id, name=register.recipient(recipient_id).name, parties=parties,
        activities=[r["activity"] for r in rows], data_subjects=subject_keys, data_categories=categories,
        special_categories=[c for c in categories if is_special_category(c)],
        criminal_data=[c for c in categories if is_criminal_data(c)], countries=countries,
        by_activity=pd.DataFrame(rows, columns=["activity", "name", "data_subjects", "data_categories"]),
    )


def onward_chain(register: Register, recipient_id: str, as_of: dt.date | str | None = None,
                 graph: nx.DiGraph | None = None) -> pd.DataFrame:
    """The party and every sub-processor below it (Art 28(2), (4)), with depth, path and countries."""
    if recipient_id not in {r.id for r in register.recipients}:
        raise KeyError(f"unknown recipient id '{recipient_id}'")
    graph = graph if graph is not None else build_graph(register, as_of)
    hierarchy = recipient_hierarchy(register)
    paths = nx.single_source_shortest_path(hierarchy, recipient_id)
    rows = []
    for rid, path in sorted(paths.items(), key=lambda kv: (len(kv[1]), kv[0])):
        attrs = graph.nodes[node_id("recipient", rid)]
        rows.append({
            "party": rid, "name": attrs["label"], "role": attrs["role"], "parent": attrs["parent"] or None,
            "depth": len(path) - 1, "path": " -> ".join(path), "countries": "; ".join(attrs["countries"]),
            "region": attrs["region"],
            "outside_eea": attrs["region"] in {"adequate", "not_adequate"},
        })
    return pd.DataFrame(rows, columns=["party", "name", "role", "parent", "depth", "path", "countries",
                                       "region", "outside_eea"])
