"""The data-flow graph of a register (networkx DiGraph).

Data subjects -> processing activities -> systems -> recipients -> their sub-processors
(``Recipient.parent``), with the controller as a party. Nodes carry where a party is
(countries, EEA, adequacy region as of a date); flow edges carry the data categories,
purposes and activities that travel along them. Transfers are classified from this graph
in :mod:`audit_lib.analysis.transfers`; a DPO's questions are in :mod:`audit_lib.analysis.queries`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit_lib.io.atomic import atomic_write
from audit_lib.io.gcpause import gc_paused
from audit_lib.model import (
    MechanismType,
    ProcessingActivity,
    Recipient,
    RecipientRole,
    Register,
)
from audit_lib.reference import transfers as ref
from audit_lib.reference.taxonomy import label

if TYPE_CHECKING:
    import networkx as nx

CONTROLLER = "controller"
"""Node id of the controller (the organisation keeping the register)."""

REGIONS = ("eea", "adequate", "not_adequate", "unknown")


def node_id(kind: str, key: str) -> str:
    """Graph node id: ``subject:customer``, ``activity:orders``, ``system:db``, ``recipient:psp``."""
    return f"{kind}:{key}"


def _day(as_of: dt.date | str | None) -> dt.date:
    return ref.as_date(as_of)


# --------------------------------------------------------------------------
# Countries -> region (EEA / adequate / not adequate / unknown)
# --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _country_region(code: str, day: dt.date, certified: bool, public: bool, regime: str = ref.EU_GDPR) -> str:
    """'eea' where sending data is no transfer under the regime (for the UK or Swiss regime: home)."""
    if not ref.restricted(code, day, regime):
        return "eea"
    if ref.adequacy(code, day, certified, public_authority=public, regime=regime):
        return "adequate"
    return "not_adequate"


def _certified(rec: Recipient) -> bool:
    """DPF certification: dpf_certified true, or a DPF mechanism declared and not contradicted."""
    if rec.dpf_certified is not None:
        return rec.dpf_certified
    return any(m.type is MechanismType.dpf and (not m.countries or "US" in m.countries)
               for m in rec.transfer_mechanisms)


def controller_regime(register: Register, as_of: dt.date | str | None = None) -> str:
    """The regime the controller exports under: recorded (``transfer_regime``), else by its country
    (UK GDPR for GB from 2021, Swiss FADP for CH); a controller in the EEA, or outside the EEA, UK
    and Switzerland but subject to the GDPR under Art 3(2), exports under the EU GDPR."""
    org = register.organisation
    if org.transfer_regime:
        return org.transfer_regime.value
    return ref.regime_of(org.country, _day(as_of)) or ref.EU_GDPR


def _organisation_geo(rec: Recipient, day: dt.date, regime: str) -> dict[str, Any]:
    """An international organisation is judged by its own decision, never its host state's."""
    if not rec.international_organisation:
        return {}
    adequate = ref.adequacy(rec.international_organisation, day, regime=regime) is not None
    return {"eea": False, "adequate": adequate, "region": "adequate" if adequate else "not_adequate"}


def region_of(countries: Iterable[str], as_of: dt.date | str | None = None, *, certified: bool = False,
              public_authority: bool = False, regime: str = ref.EU_GDPR) -> str:
    """Worst region over a party's countries under the exporter's regime: not_adequate > adequate >
    eea (no transfer); unknown if none."""
    day = _day(as_of)
    found = {_country_region(c, day, certified, public_authority, regime) for c in countries}
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
    import networkx as nx

    tree = nx.DiGraph()
    tree.add_nodes_from(r.id for r in register.recipients)
    tree.add_edges_from((r.parent, r.id) for r in register.recipients if r.parent)
    return tree


def build_graph(register: Register, as_of: dt.date | str | None = None) -> nx.DiGraph:
    """The data-flow graph of a register (see the module docstring for its shape).

    Node attributes: kind (controller, data_subject, activity, system, recipient), label,
    role, countries, country, eea, adequate, region (as of the date), plus record fields.
    Flow edges (kind "flow") carry sorted lists data_categories, purposes and activities
    and ``via`` (collection, system, disclosure, hosting, onward, or source: a party named as
    the source of an activity's data, an edge *into* the activity, so flows go both ways)
    (from ``tables.categories_of``: an activity can limit what one recipient receives); a
    sub-processor receives what flows into its parent. Controller -> activity edges have
    kind "controls" and carry no data. Attribute lists may be shared: treat them as read-only.
    """
    with gc_paused():
        return _build_graph(register, _day(as_of))


def _build_graph(register: Register, day: dt.date) -> nx.DiGraph:
    import networkx as nx

    org = register.organisation
    graph = nx.DiGraph(name=org.name, as_of=day.isoformat())
    party_countries = _recipient_countries(register)
    hierarchy = recipient_hierarchy(register)
    depth = dict.fromkeys(hierarchy, 0)
    for root in (n for n in hierarchy if hierarchy.in_degree(n) == 0):
        depth.update(nx.single_source_shortest_path_length(hierarchy, root))
    geo_cache: dict[tuple, dict[str, Any]] = {}
    regime = graph.graph["regime"] = controller_regime(register, day)

    def geo(countries: list[str], *, certified: bool = False, public: bool = False) -> dict[str, Any]:
        key = (tuple(countries), certified, public)
        if key not in geo_cache:
            region = region_of(countries, day, certified=certified, public_authority=public, regime=regime)
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
    add = edges.add
    activity_nodes = []
    for act in register.activities:
        aid = f"activity:{act.id}"
        cats = sorted({c.key for c in act.data_categories})
        purposes = _purposes(act)
        acts = [act.id]
        activity_nodes.append((aid, {
            "kind": "activity", "label": act.name, "role": "processing activity", "status": act.status.value,
            "legal_basis": [b.value for b in act.legal_basis], "purposes": purposes, "data_categories": cats,
            **org_geo}))
        for subject in act.data_subjects:
            key = subject.key
            if key not in subject_labels:
                subject_labels[key] = subject.label or label("data_subjects", key)
            add(f"subject:{key}", aid, cats, purposes, acts, "collection")
        for sid in act.systems:
            add(aid, f"system:{sid}", cats, purposes, acts, "system")
        for source in act.sources:
            if source.party:  # data comes *into* the activity from a party (merchant of record, broker)
                add(f"recipient:{source.party}", aid, cats, purposes, acts, "source")
        for link in act.recipients:
            link_purposes = [link.purpose] if link.purpose else purposes
            cats_to = sorted({c.key for c in link.data_categories}) if link.data_categories else cats
            add(aid, f"recipient:{link.recipient}", cats_to, link_purposes, acts, "disclosure")
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
        sid = node_id("system", system.id)
        inbound = edges.inbound(sid)
        if hosted and inbound[2]:  # a host receives data only when some activity uses the system
            edges.add(sid, node_id("recipient", hosted), *inbound, "hosting")
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
            "international_organisation": rec.international_organisation or "",
            **geo(party_countries[rec.id], certified=_certified(rec),
                  public=rec.role is RecipientRole.public_authority),
            **_organisation_geo(rec, day, regime)})
        for rec in register.recipients)
    graph.add_edges_from(edges.edges())
    return graph


def flow_view(graph: nx.DiGraph) -> nx.DiGraph:
    """Read-only view of the graph without the controller's "controls" edges."""
    import networkx as nx

    return nx.subgraph_view(graph, filter_edge=lambda u, v: graph.edges[u, v].get("kind") == "flow")


def _graphml_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """Copy with list attributes joined by '; ' and None dropped (GraphML has scalar types only),
    and the characters XML 1.0 cannot hold (C0 controls...) written as visible escapes
    (:func:`audit_lib.io.cells.escape_illegal`), so every XML parser reads the file."""
    import networkx as nx

    from audit_lib.io.cells import escape_illegal

    def text(value: Any) -> Any:
        return escape_illegal(value)[0] if isinstance(value, str) else value

    def clean(attrs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in attrs.items():
            if value is None:
                continue
            value = "; ".join(map(str, value)) if isinstance(value, (list, tuple, set)) else value
            out[text(key)] = text(value)
        return out

    safe = nx.DiGraph(**clean(dict(graph.graph)))
    safe.add_nodes_from((text(n), clean(d)) for n, d in graph.nodes(data=True))
    safe.add_edges_from((text(u), text(v), clean(d)) for u, v, d in graph.edges(data=True))
    return safe


def export_graph(graph: nx.DiGraph, path: str | Path, fmt: str | None = None) -> Path:
    """Write the graph as GraphML or node-link JSON, chosen by ``fmt`` or the file suffix
    (``.graphml`` / ``.json``). Written to a temporary file then renamed: never half a file."""
    import networkx as nx

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
