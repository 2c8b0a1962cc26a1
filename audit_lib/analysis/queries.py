"""The questions a DPO asks of the data-flow graph: where does a category go, what a breach at a
party exposes, the chain of sub-processors below a party."""


from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from audit_lib.analysis.graph import CONTROLLER, build_graph, flow_view, node_id, recipient_hierarchy
from audit_lib.model import (
    Register,
)
from audit_lib.reference.taxonomy import is_criminal_data, is_special_category

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
