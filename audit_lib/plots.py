"""matplotlib figures of a register: the layered data-flow diagram and the transfers chart.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so no
global state is touched and figures can be made in threads, notebooks and the CLI alike.
Save one with ``fig.savefig(path)``.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import defaultdict

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch, PathPatch
from matplotlib.path import Path as MplPath

from audit_lib.analysis.graph import build_graph, flow_view
from audit_lib.analysis.transfers import classify_transfers
from audit_lib.model import Register
from audit_lib.reference.countries import country_name

# Fill and border colours; fills are light so black text stays readable on them.
STYLE = {
    "subject": ("#fff2cc", "#b7950b"),
    "activity": ("#e8e0f3", "#6a4c93"),
    "eea": ("#d4e6f6", "#2f6f9f"),
    "adequate": ("#d9ead3", "#3c7d3c"),
    "not_adequate": ("#f6d0cc", "#b03a2e"),
    "unknown": ("#e6e6e6", "#6b6b6b"),
}
LEGEND = [
    ("subject", "data subjects"),
    ("activity", "processing activity"),
    ("eea", "EEA: not a transfer"),
    ("adequate", "adequacy decision (Art 45)"),
    ("not_adequate", "third country, no adequacy"),
    ("unknown", "country not recorded"),
]
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
COL_GAP = 1.05
ROW_GAP = 0.16
PAD = 0.09
WRAP = 32  # characters per line of a name at FONT in BOX_W (tests check the text fits the box)
DETAIL_WRAP = 38  # the smaller role / country line
MAX_LINES = 4


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _wrap(text: str, width: int = WRAP, max_lines: int = MAX_LINES) -> list[str]:
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _node_text(attrs: dict) -> list[str]:
    lines = _wrap(attrs["label"])
    kind = attrs["kind"]
    countries = ", ".join(attrs.get("countries") or []) or "no\u00a0country"
    if kind == "recipient":
        role = ROLE_WORDS.get(attrs["role"], attrs["role"]).replace(" ", "\u00a0")
        # no-break spaces inside each part, so lines wrap only between parts
        extra = " · to\u00a0confirm" if attrs.get("placeholder") else ""
        lines += _wrap(f"{role} · {countries}{extra}", DETAIL_WRAP, 2)
    elif kind == "system":
        lines += _wrap(f"{'hosted' if attrs.get('hosted_by') else 'internal'} system · {countries}",
                       DETAIL_WRAP, 2)
    return lines


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


def flow_diagram(register: Register, as_of: dt.date | str | None = None, *,
                 max_per_column: int = 120) -> Figure:
    """Layered data-flow diagram: data subjects, activities, systems and recipients, sub-processors.

    Parties are coloured by where their countries stand on the date: EEA (not a transfer),
    adequacy decision (Art 45), third country without adequacy, or country not recorded.
    The figure grows with the number of nodes so labels never overlap; a column with more
    than ``max_per_column`` nodes is cut with a "+ N more" box.
    """
    graph = build_graph(register, as_of)
    flows = flow_view(graph)
    columns: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        if node != "controller":
            columns[_column(graph, node)].append(node)
    for col in range(max(columns, default=1) + 1):
        columns.setdefault(col, [])
    _order(flows, columns)

    hidden: dict[int, int] = {}
    for col, nodes in columns.items():
        if len(nodes) > max_per_column:
            hidden[col] = len(nodes) - max_per_column
            columns[col] = nodes[:max_per_column]

    texts = {n: _node_text(graph.nodes[n]) for nodes in columns.values() for n in nodes}
    heights = {n: len(lines) * LINE + 2 * PAD for n, lines in texts.items()}
    col_height = {c: sum(heights[n] for n in ns) + ROW_GAP * max(len(ns) - 1, 0)
                  + (2 * PAD + LINE + ROW_GAP if c in hidden else 0) for c, ns in columns.items()}
    ncols = len(columns)
    top_margin, bottom_margin, side = 0.95, 0.95, 0.35
    body = max(max(col_height.values(), default=0.0), 1.2)
    width = 2 * side + ncols * BOX_W + (ncols - 1) * COL_GAP
    height = top_margin + body + bottom_margin
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
            style = {"data_subject": "subject", "activity": "activity"}.get(attrs["kind"], attrs["region"])
            face, edge = STYLE[style]
            ax.add_patch(FancyBboxPatch(
                (x, y - h), BOX_W, h, boxstyle="round,pad=0,rounding_size=0.07", facecolor=face,
                edgecolor=edge, linewidth=1.1, linestyle="--" if attrs["kind"] == "system" else "-",
                zorder=2, gid=f"box:{n}"))
            ax.text(x + BOX_W / 2, y - h / 2, "\n".join(texts[n]), ha="center", va="center",
                    fontsize=FONT, linespacing=1.15, zorder=3, gid=n)
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
        target = graph.nodes[v]
        colour = "#8a8a8a"  # red / green / blue only on disclosures to another party
        if target["kind"] == "recipient" and target["role"] != "internal":
            colour = STYLE.get(target["region"], STYLE["unknown"])[1]
        if data.get("via") == "hosting":
            path = _curve(xu + BOX_W / 2, yu, xv + BOX_W / 2, yv, bulge=0.45)
            style = "--"
        else:
            path = _curve(xu + BOX_W / 2, yu, xv - BOX_W / 2, yv)
            style = "-"
        ax.add_patch(PathPatch(path, facecolor="none", edgecolor=colour, linewidth=0.9, alpha=0.55,
                               linestyle=style, zorder=1))

    headers = ["Data subjects", "Processing activities", "Systems and recipients"] + [
        "Sub-processors" + (f" (level {c - 2})" if ncols > 4 else "") for c in range(3, ncols)]
    for col, title in enumerate(headers):
        ax.text(side + col * (BOX_W + COL_GAP) + BOX_W / 2, height - top_margin + 0.22, title,
                ha="center", va="bottom", fontsize=FONT + 1, fontweight="bold")
    org = register.organisation
    day = graph.graph["as_of"]
    where = f", {country_name(org.country)}" if org.country else ""
    ax.text(side, height - 0.12, f"Personal data flows: {org.name}{where} (as of {day})", ha="left",
            va="top", fontsize=FONT + 3, fontweight="bold")
    handles = [Patch(facecolor=STYLE[k][0], edgecolor=STYLE[k][1], label=text) for k, text in LEGEND]
    handles.append(Patch(facecolor="white", edgecolor="#555555", linestyle="--", label="system (dashed)"))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(handles), 4),
              fontsize=FONT, frameon=False, bbox_transform=fig.transFigure)
    return fig


def transfers_chart(register: Register, as_of: dt.date | str | None = None) -> Figure:
    """Stacked bars: transfers out of the EEA per country, split by mechanism (Chapter V)."""
    transfers = classify_transfers(register, as_of)
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
    title = f"Transfers outside the EEA: {register.organisation.name} (as of {day})"
    ax.set_title(title, fontsize=11, fontweight="bold", loc="left")
    if not transfers:
        ax.text(0.5, 0.5, "No transfers outside the EEA", ha="center", va="center", fontsize=11,
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
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
    ax.tick_params(axis="x", labelrotation=30 if len(countries) > 5 else 0)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right" if len(countries) > 5 else "center")
    ax.legend(title="mechanism", fontsize=8, title_fontsize=8, frameon=False, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
