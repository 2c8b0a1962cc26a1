"""matplotlib figures of a register: the layered data-flow diagram and the transfers chart.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so no
global state is touched and figures can be made in threads, notebooks and the CLI alike.
Save one with ``fig.savefig(path)``.

Text is drawn as written: mathtext and TeX are off for every text of a figure (a name such
as "costs $5 or $10" is not typeset, ``$\\undefined$`` does not crash the drawing), and
control characters are drawn as visible escapes (``\\x07``), which also keeps SVG output
well-formed XML.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from audit_lib.analysis.graph import CONTROLLER, flow_view
from audit_lib.analysis.transfers import STATUSES
from audit_lib.io.visible import visible
from audit_lib.model import Register
from audit_lib.reference.countries import country_name
from audit_lib.reference.transfers import free_flow
from audit_lib.review import Review

# Fill and border colours; fills are light so black text stays readable on them.
STYLE = {
    "subject": ("#fff2cc", "#b7950b"),
    "activity": ("#e8e0f3", "#6a4c93"),
    "eea": ("#d4e6f6", "#2f6f9f"),
    "own": ("#ffffff", "#6b6b6b"),
    "unknown": ("#e6e6e6", "#6b6b6b"),
    "idle": ("#ffffff", "#b0b0b0"),
}
STATUS_STYLE = {
    "compliant": ("#d9ead3", "#3c7d3c"),
    "safeguard to verify": ("#fce5cd", "#b45f06"),
    "no lawful mechanism": ("#f6d0cc", "#b03a2e"),
}
"""Colours of the transfer statuses of :func:`audit_lib.analysis.transfers.classify_transfers`."""
OTHER_STATUS = ("#ead1dc", "#a64d79")
"""Colour of a transfer status this module does not know yet (drawn, and named in the legend)."""
UNKNOWN_HATCH = "////"
"""Hatching over a party whose country is not recorded, whatever its colour."""
LEGEND = [
    ("subject", "data subjects"),
    ("activity", "processing activity"),
    ("compliant", "transfer: compliant"),
    ("safeguard to verify", "transfer: safeguard to verify"),
    ("no lawful mechanism", "transfer: no lawful mechanism"),
    ("eea", "inside the EEA: not a transfer"),
    ("own", "the controller's own: not a transfer"),
    ("unknown", "country not recorded (hatched)"),
]
EXTRA_LEGEND = {"idle": "third country, receives no flow"}
"""Legend entries shown only when the diagram has such a node."""
MECHANISM_COLOURS = {
    "adequacy": "#3c7d3c", "dpf": "#6aa84f", "scc": "#2f6f9f", "bcr": "#6fa8dc",
    "code_of_conduct": "#8e7cc3", "certification": "#b4a7d6", "ad_hoc_clauses": "#76a5af",
    "derogation": "#e69138", "none": "#b03a2e",
}
ROLE_WORDS = {
    "processor": "processor", "sub_processor": "sub-processor", "joint_controller": "joint controller",
    "independent_controller": "independent controller", "public_authority": "public authority",
    "internal": "internal",
}

FONT = 8.5  # points
LINE = FONT * 1.32 / 72  # inches per text line
BOX_W = 2.45  # inches
COL_GAP = 0.85
ROW_GAP = 0.12
PAD = 0.08
WRAP = 32  # characters per line of a name at FONT in BOX_W (tests check the text fits the box)
DETAIL_WRAP = 38  # the smaller role / country line
MAX_LINES = 4


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _literal(fig: Figure) -> Figure:
    """Draw every text of ``fig`` as written: no mathtext (``$...$``), no TeX."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig


def _shown(text: str) -> str:
    """Register text as drawn: one line, control characters as visible escapes."""
    return visible(text, multiline=False)


def _wrap(text: str, width: int = WRAP, max_lines: int = MAX_LINES) -> list[str]:
    lines = textwrap.wrap(_shown(text), width=width, break_long_words=True, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _node_text(attrs: dict, status: str | None = None) -> list[str]:
    lines = _wrap(attrs["label"])
    kind = attrs["kind"]
    countries = ", ".join(attrs.get("countries") or []) or "no\u00a0country"
    if kind == "recipient":
        role = ROLE_WORDS.get(attrs["role"], attrs["role"]).replace(" ", "\u00a0")
        # no-break spaces inside each part, so lines wrap only between parts
        lines += _wrap(f"{role} · {countries}", DETAIL_WRAP, 2)
    elif kind == "system":
        lines += _wrap(f"{'hosted' if attrs.get('hosted_by') else 'internal'} system · {countries}",
                       DETAIL_WRAP, 2)
    if status:
        lines += _wrap(f"transfer: {status}", DETAIL_WRAP, 2)
    return lines


def _worst(statuses) -> str:
    """The most serious of some transfer statuses (order of ``STATUSES``; an unknown one is worst)."""
    return max(statuses, key=lambda s: (STATUSES.index(s) if s in STATUSES else len(STATUSES), s))


def transfer_classes(review: Review) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """How the diagram colours each node and each flow edge, from the transfer rows (Chapter V).

    Returns ``(nodes, edges)``: graph node id -> class, and (u, v) flow edge -> class. A class is
    the worst transfer status of the rows the node imports (or the edge carries, by exporter and
    importer: an inbound row, importer ``controller``, is carried by the flows from its source
    party into the activities; the controller node takes the status of the rows it imports, its
    own systems never do), else where the party stands: ``eea`` (inside the EEA or free flow: not a transfer),
    ``own`` (the controller itself: its staff and own systems, wherever they are; or a party that
    receives nothing) or ``unknown`` (no country recorded). A system hosted by a party takes the
    class of its host. Only ``Transfer.exporter``, ``importer`` and ``status`` are read, so any
    exporter and importer the classification knows (processors, the controller) are drawn alike.
    """
    graph, day = review.graph, review.as_of
    by_importer: dict[str, set[str]] = defaultdict(set)
    by_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t in review.transfers:
        by_importer[t.importer].add(t.status)
        by_pair[(t.exporter, t.importer)].add(t.status)

    def party(node: str, receiving: bool) -> str:
        attrs = graph.nodes[node]
        if node == CONTROLLER:
            return CONTROLLER
        if attrs["kind"] == "recipient" or attrs["kind"] not in {"activity", "system", "data_subject"}:
            return node.split(":", 1)[-1]
        if receiving and attrs["kind"] == "system" and attrs.get("hosted_by"):
            return attrs["hosted_by"]
        return node if attrs["kind"] == "data_subject" else CONTROLLER

    def place(node: str) -> str:
        attrs = graph.nodes[node]
        if attrs.get("role") == "internal" or attrs["kind"] == "controller":
            return "own"
        countries = attrs.get("countries") or []
        if not countries:
            return "unknown"
        return "eea" if all(free_flow(c, day) for c in countries) else "idle"

    nodes: dict[str, str] = {}
    for node, attrs in graph.nodes(data=True):
        kind = attrs["kind"]
        if kind == "controller" and CONTROLLER in by_importer:  # inbound: the controller imports
            nodes[node] = _worst(by_importer[CONTROLLER])
            continue
        if kind in {"data_subject", "activity", "controller"}:
            nodes[node] = {"data_subject": "subject"}.get(kind, kind)
            continue
        who = party(node, receiving=True)
        host = node_id_of(graph, who) if kind == "system" and who != CONTROLLER else node
        if kind == "system" and who == CONTROLLER:
            nodes[node] = "own"  # the controller's own systems: never a transfer, even when it imports
        elif who in by_importer:
            nodes[node] = _worst(by_importer[who])
        else:
            nodes[node] = place(host)
    edges: dict[tuple[str, str], str] = {}
    for u, v in flow_view(graph).edges:
        pair = (party(u, receiving=False), party(v, receiving=True))
        if pair in by_pair:
            edges[(u, v)] = _worst(by_pair[pair])
        elif graph.nodes[v]["kind"] in {"recipient", "system"}:
            edges[(u, v)] = nodes[v]
        else:
            edges[(u, v)] = "flow"
    return nodes, edges


def node_id_of(graph: nx.DiGraph, party: str) -> str:
    """The graph node of a party id of a transfer row (a recipient id, or ``controller``)."""
    if party in graph:
        return party
    for kind in ("recipient", "international_organisation"):
        if f"{kind}:{party}" in graph:
            return f"{kind}:{party}"
    return party


def _colours(cls: str) -> tuple[str, str]:
    if cls in STYLE:
        return STYLE[cls]
    return STATUS_STYLE.get(cls, OTHER_STATUS)


def _column(graph: nx.DiGraph, node: str) -> int:
    attrs = graph.nodes[node]
    return {"data_subject": 0, "activity": 1, "system": 2}.get(attrs["kind"], 2 + int(attrs.get("depth", 0)))


def _order(flows: nx.DiGraph, columns: dict[int, list[str]], sweeps: int = 4) -> None:
    """Barycentre ordering within columns to reduce edge crossings (in place)."""
    ncols = max(columns) + 1 if columns else 0

    def pos_of(col: int) -> dict[str, float]:
        return {n: i for i, n in enumerate(columns.get(col, []))}

    for _ in range(sweeps):
        for col in range(1, ncols):
            left = pos_of(col - 1)
            here = pos_of(col)
            columns[col] = sorted(columns.get(col, []), key=lambda n: _bary(
                [left[p] for p in flows.predecessors(n) if p in left], here[n]))
        for col in range(ncols - 2, -1, -1):
            right = pos_of(col + 1)
            here = pos_of(col)
            columns[col] = sorted(columns.get(col, []), key=lambda n: _bary(
                [right[s] for s in flows.successors(n) if s in right], here[n]))


def _bary(positions: list[float], fallback: float) -> float:
    return sum(positions) / len(positions) if positions else fallback


def _curve(x0: float, y0: float, x1: float, y1: float, bulge: float | None = None) -> MplPath:
    if bulge is None:
        dx = (x1 - x0) / 2
        verts = [(x0, y0), (x0 + dx, y0), (x1 - dx, y1), (x1, y1)]
    else:
        verts = [(x0, y0), (x0 + bulge, y0), (x1 + bulge, y1), (x1, y1)]
    return MplPath(verts, [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4])


A3_LANDSCAPE = (15.7, 10.9)
"""Printable area of A3 landscape in inches (420 x 297 mm less 10 mm margins): the diagram's page."""
TOP_MARGIN, BOTTOM_MARGIN, SIDE = 0.8, 0.75, 0.25
BULGE = 0.45  # how far a hosting curve (system -> its host, same column) swings right


@dataclass
class _Layout:
    columns: dict[int, list[str]]
    hidden: dict[int, int]
    texts: dict[str, list[str]]
    heights: dict[str, float]
    col_height: dict[int, float]
    body: float
    width: float
    height: float


def _layout(graph: nx.DiGraph, flows: nx.DiGraph, classes: dict[str, str], statuses: set[str],
            nodes: set[str] | None, max_per_column: int) -> _Layout:
    """Columns, order, label lines and sizes (inches) of the nodes to draw (all but the controller)."""
    columns: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        if node != CONTROLLER and (nodes is None or node in nodes):
            columns[_column(graph, node)].append(node)
    for col in range(max(columns, default=1) + 1):
        columns.setdefault(col, [])
    _order(flows, columns)
    hidden: dict[int, int] = {}
    for col, ns in columns.items():
        if len(ns) > max_per_column:
            hidden[col] = len(ns) - max_per_column
            columns[col] = ns[:max_per_column]
    texts = {n: _node_text(graph.nodes[n], classes[n] if classes[n] in statuses else None)
             for ns in columns.values() for n in ns}
    heights = {n: len(lines) * LINE + 2 * PAD for n, lines in texts.items()}
    col_height = {c: sum(heights[n] for n in ns) + ROW_GAP * max(len(ns) - 1, 0)
                  + (2 * PAD + LINE + ROW_GAP if c in hidden else 0) for c, ns in columns.items()}
    ncols = len(columns)
    body = max(max(col_height.values(), default=0.0), 1.2)
    width = 2 * SIDE + ncols * BOX_W + (ncols - 1) * COL_GAP + BULGE  # room for the last hosting curves
    return _Layout(columns, hidden, texts, heights, col_height, body, width,
                   TOP_MARGIN + body + BOTTOM_MARGIN)


def _reach(flows: nx.DiGraph, activities: Iterable[str]) -> set[str]:
    """The activity nodes given, their data subjects and everything their data flows to."""
    out: set[str] = set()
    for a in activities:
        out |= {a, *flows.predecessors(a), *nx.descendants(flows, a)}
    return out


def flow_diagram_pages(register: Register, as_of: dt.date | str | None = None, review: Review | None = None,
                       *, page: tuple[float, float] = A3_LANDSCAPE) -> list[Figure]:
    """The flow diagram cut into figures that each print on ``page`` (inches) at 100 %.

    Activities are taken in the diagram's own order and grouped while the figure still fits the
    page; each figure shows its activities, their data subjects and everything their data flows
    to, coloured as in :func:`flow_diagram`. An activity whose flows alone exceed the page gets a
    figure of its own (then larger than the page). One figure when the whole diagram fits.
    """
    review = review if review is not None else Review(register, as_of)
    graph = review.graph
    flows = flow_view(graph)
    classes, _ = transfer_classes(review)
    statuses = set(STATUS_STYLE) | {c for c in classes.values() if c not in STYLE}
    order = _layout(graph, flows, classes, statuses, None, 10**9).columns.get(1, [])
    groups: list[list[str]] = []
    for act in order:
        trial = [*groups[-1], act] if groups else [act]
        size = _layout(graph, flows, classes, statuses, _reach(flows, trial), 10**9)
        if groups and size.width <= page[0] and size.height <= page[1]:
            groups[-1] = trial
        else:
            groups.append([act])
    if len(groups) <= 1:
        return [flow_diagram(register, as_of, review)]
    return [flow_diagram(register, as_of, review, activities=[a.split(":", 1)[1] for a in group],
                         part=(i, len(groups))) for i, group in enumerate(groups, 1)]


def flow_diagram(register: Register, as_of: dt.date | str | None = None, review: Review | None = None, *,
                 max_per_column: int = 120, activities: Iterable[str] | None = None,
                 part: tuple[int, int] | None = None) -> Figure:
    """Layered data-flow diagram: data subjects, activities, systems and recipients, sub-processors.

    Parties and flows are coloured by the transfer classification (Chapter V), the same rows
    ``ropa transfers`` prints (:func:`transfer_classes`): the worst status of the transfers a
    party receives, else inside the EEA, the controller's own (not a transfer), or country not
    recorded (hatched). Give the command's ``review`` so the graph and the transfers are built
    once. The figure grows with the number of nodes so labels never overlap; a column with more
    than ``max_per_column`` nodes is cut with a "+ N more" box. Drawn at its true size: print it
    at 100 % (``fig.get_size_inches()``) and the type is FONT points. ``activities`` (ids) draws
    only those and what they reach; ``part`` (i, n) titles it as part i of n
    (see :func:`flow_diagram_pages`).
    """
    review = review if review is not None else Review(register, as_of)
    graph = review.graph
    flows = flow_view(graph)
    classes, edge_classes = transfer_classes(review)
    statuses = set(STATUS_STYLE) | {c for c in classes.values() if c not in STYLE}
    nodes = _reach(flows, [f"activity:{a}" for a in activities]) if activities is not None else None
    lay = _layout(graph, flows, classes, statuses, nodes, max_per_column)
    columns, hidden, texts, heights = lay.columns, lay.hidden, lay.texts, lay.heights
    col_height, body, width, height = lay.col_height, lay.body, lay.width, lay.height
    ncols, top_margin, side = len(columns), TOP_MARGIN, SIDE
    fig = _new_figure(width, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()

    centre: dict[str, tuple[float, float]] = {}
    for col, nodes in columns.items():
        x = side + col * (BOX_W + COL_GAP)
        y = height - top_margin - (body - col_height[col]) / 2
        for n in nodes:
            h = heights[n]
            centre[n] = (x + BOX_W / 2, y - h / 2)
            attrs = graph.nodes[n]
            face, edge = _colours(classes[n])
            hatch = UNKNOWN_HATCH if (attrs["kind"] not in {"data_subject", "activity"}
                                      and not attrs.get("countries") and classes[n] != "own") else None
            ax.add_patch(FancyBboxPatch(
                (x, y - h), BOX_W, h, boxstyle="round,pad=0,rounding_size=0.07", facecolor=face,
                edgecolor=edge, linewidth=1.1, linestyle="--" if attrs["kind"] == "system" else "-",
                hatch=hatch, zorder=2, gid=f"box:{n}"))
            ax.text(x + BOX_W / 2, y - h / 2, "\n".join(texts[n]), ha="center", va="center",
                    fontsize=FONT, linespacing=1.15, zorder=3, gid=n,
                    bbox={"boxstyle": "square,pad=0.05", "facecolor": face, "edgecolor": "none"}
                    if hatch else None)
            y -= h + ROW_GAP
        if col in hidden:
            h = 2 * PAD + LINE
            ax.add_patch(FancyBboxPatch((x, y - h), BOX_W, h, boxstyle="round,pad=0,rounding_size=0.07",
                                        facecolor="white", edgecolor="#999999", zorder=2))
            ax.text(x + BOX_W / 2, y - h / 2, f"+ {hidden[col]} more", ha="center", va="center",
                    fontsize=FONT, style="italic", zorder=3)

    for u, v, data in flows.edges(data=True):
        if u not in centre or v not in centre:
            continue
        (xu, yu), (xv, yv) = centre[u], centre[v]
        cls = edge_classes[(u, v)]
        colour = "#8a8a8a" if cls in {"flow", "own", "idle"} else _colours(cls)[1]
        if data.get("via") == "hosting":
            path = _curve(xu + BOX_W / 2, yu, xv + BOX_W / 2, yv, bulge=BULGE)
            style = "--"
        else:
            path = _curve(xu + BOX_W / 2, yu, xv - BOX_W / 2, yv)
            style = "-"
        ax.add_patch(PathPatch(path, facecolor="none", edgecolor=colour, linewidth=1.0 if cls in statuses
                               else 0.8, alpha=0.75 if cls in statuses else 0.5, linestyle=style, zorder=1,
                               gid=f"edge:{u}|{v}"))

    headers = ["Data subjects", "Processing activities", "Systems and recipients"] + [
        "Sub-processors" + (f" (level {c - 2})" if ncols > 4 else "") for c in range(3, ncols)]
    for col, title in enumerate(headers):
        ax.text(side + col * (BOX_W + COL_GAP) + BOX_W / 2, height - top_margin + 0.18, title,
                ha="center", va="bottom", fontsize=FONT + 1, fontweight="bold")
    org = register.organisation
    where = f", {country_name(org.country)}" if org.country else ""
    of = f", part {part[0]} of {part[1]}" if part else ""
    title = _shown(f"Personal data flows: {org.name}{where} (as of {review.as_of.isoformat()}){of}")
    ax.text(side, height - 0.1, title,
            ha="left", va="top", fontsize=FONT + 3, fontweight="bold")
    entries = list(LEGEND) + [(c, EXTRA_LEGEND.get(c, f"transfer: {c}")) for c in sorted(
        set(classes.values()) - {k for k, _ in LEGEND} - {"controller"})]
    handles = [Patch(facecolor=_colours(k)[0], edgecolor=_colours(k)[1], label=text,
                     hatch=UNKNOWN_HATCH if k == "unknown" else None) for k, text in entries]
    handles.append(Patch(facecolor="white", edgecolor="#555555", linestyle="--", label="system (dashed)"))
    ncol = max(2, min(len(handles), 4, int(width // 3.1)))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=ncol,
              fontsize=FONT, frameon=False, bbox_transform=fig.transFigure)
    return _literal(fig)


def transfers_chart(register: Register, as_of: dt.date | str | None = None,
                    review: Review | None = None) -> Figure:
    """Stacked bars: transfers out of the EEA per country, split by mechanism (Chapter V); give the
    command's ``review`` so its transfers are drawn rather than classified again."""
    transfers = (review if review is not None else Review(register, as_of)).transfers
    day = transfers[0].as_of if transfers else (dt.date.fromisoformat(str(as_of)) if as_of else
                                                 dt.date.today()).isoformat()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in transfers:
        counts[t.country_name][t.mechanism] += 1
        statuses[t.country_name][t.status] += 1
    countries = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    mechanisms = [m for m in MECHANISM_COLOURS if any(counts[c].get(m) for c in countries)]
    width = max(6.5, 2.5 + 1.0 * len(countries))
    fig = _new_figure(width, 4.6)
    ax = fig.add_subplot()
    title = _shown(f"Transfers outside the EEA: {register.organisation.name} (as of {day})")
    ax.set_title(title, fontsize=11, fontweight="bold", loc="left")
    if not transfers:
        ax.text(0.5, 0.5, "No transfers outside the EEA", ha="center", va="center", fontsize=11,
                transform=ax.transAxes)
        ax.set_axis_off()
        return _literal(fig)
    bottom = [0] * len(countries)
    for mech in mechanisms:
        values = [counts[c].get(mech, 0) for c in countries]
        ax.bar(countries, values, width=0.6, bottom=bottom, color=MECHANISM_COLOURS[mech],
               label=mech.replace("_", " "), edgecolor="white", linewidth=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for i, country in enumerate(countries):
        verify = statuses[country].get("safeguard to verify", 0)
        unlawful = statuses[country].get("no lawful mechanism", 0)
        parts = [f"{verify} to verify"] * bool(verify) + [f"{unlawful} no mechanism"] * bool(unlawful)
        if parts:
            ax.text(i, bottom[i], "\n".join(parts), ha="center", va="bottom", fontsize=7.5, color="#444444")
    spare = (max(len(countries), 3) - len(countries)) / 2 + 0.2
    ax.set_xlim(-0.5 - spare, len(countries) - 0.5 + spare)
    ax.set_ylim(0, max(bottom) * 1.25 + 0.5)
    ax.set_ylabel("flows (exporter → importer)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xticks(range(len(countries)), [_shown(c) for c in countries])  # fixed: no tick made at draw time
    ax.tick_params(axis="x", labelrotation=30 if len(countries) > 5 else 0)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right" if len(countries) > 5 else "center")
    ax.legend(title="mechanism", fontsize=8, title_fontsize=8, frameon=False, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    _literal(fig)
    fig.tight_layout()
    return fig
