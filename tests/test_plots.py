"""Figures: the layered data-flow diagram and the transfers chart (matplotlib, no pyplot state)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import matplotlib
import pytest
import yaml
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from audit_lib.analysis.graph import build_graph
from audit_lib.analysis.transfers import classify_transfers
from audit_lib.io.loader import load_register
from audit_lib.plots import STATUS_STYLE, STYLE, flow_diagram, flow_diagram_pages, transfers_chart
from audit_lib.review import Review

TODAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent


def _node_texts(fig: Figure):
    ax = fig.axes[0]
    return [t for t in ax.texts if t.get_gid()]


def _assert_legible(fig: Figure) -> None:
    """No two labels overlap, each label sits inside its box, and nothing leaves the figure."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    for (a, ba), (b, bb) in itertools.combinations(zip(texts, boxes, strict=True), 2):
        assert not ba.overlaps(bb), f"labels overlap: {a.get_text()!r} / {b.get_text()!r}"
    figure_box = fig.bbox
    legend = ax.get_legend().get_window_extent(renderer)
    assert figure_box.x0 <= legend.x0 and legend.x1 <= figure_box.x1, "legend wider than the figure"
    assert all(not legend.overlaps(b) for b in boxes), "legend over a label"
    patches = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("box:")}
    frames = [p.get_window_extent(renderer) for p in patches.values()]
    for a, b in itertools.combinations(frames, 2):
        assert not a.overlaps(b), "node boxes overlap"
    for text, box in zip(texts, boxes, strict=True):
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1, text.get_text()
        assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1, text.get_text()
        if text.get_gid():
            frame = patches[f"box:{text.get_gid()}"].get_window_extent(renderer)
            label = text.get_text()
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1, f"label wider than its box: {label!r}"
            assert frame.y0 <= box.y0 and box.y1 <= frame.y1, f"label taller than its box: {label!r}"


def _many(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / f"reg{n}"
    folder.mkdir()
    (folder / "organisation.yaml").write_text("name: Big Shop\ncountry: FR\n", encoding="utf-8")
    recipients = [{"id": f"r{i}", "name": f"Supplier number {i} with a rather long legal entity name GmbH",
                   "role": "processor", "countries": [["US"], ["DE"], ["JP"], []][i % 4]} for i in range(n)]
    recipients.append({"id": "sub", "name": "Sub Inc.", "role": "sub_processor", "parent": "r0",
                       "countries": ["IN"]})
    activities = [{"id": f"a{i}", "name": f"Processing activity {i} for a purpose described at length here",
                   "data_subjects": ["customer", "employee"][: 1 + i % 2], "data_categories": ["user.name"],
                   "recipients": [f"r{i}", f"r{(i + 1) % n}"]} for i in range(n)]
    for name, data in (("recipients.yaml", recipients), ("activities.yaml", activities)):
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def _boxes(fig: Figure) -> dict[str, str]:
    return {p.get_gid()[4:]: to_hex(p.get_facecolor()) for p in fig.axes[0].patches
            if (p.get_gid() or "").startswith("box:")}


def _edges(fig: Figure) -> dict[tuple[str, str], str]:
    return {tuple(p.get_gid()[5:].split("|")): to_hex(p.get_edgecolor()) for p in fig.axes[0].patches
            if (p.get_gid() or "").startswith("edge:")}


def _worst(statuses) -> str:
    order = ["compliant", "safeguard to verify", "no lawful mechanism"]
    return max(statuses, key=order.index)


def test_flow_diagram_returns_a_figure_with_legend(minimal_register):
    fig = flow_diagram(minimal_register, TODAY)
    assert isinstance(fig, Figure)
    legend = fig.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert {"transfer: compliant", "transfer: safeguard to verify", "transfer: no lawful mechanism",
            "inside the EEA: not a transfer", "the controller's own: not a transfer",
            "country not recorded (hatched)"} <= set(labels)


def test_flow_diagram_shows_every_node_coloured_by_transfer_status(minimal_register):
    fig = flow_diagram(minimal_register, TODAY)
    texts = {t.get_gid(): t.get_text() for t in _node_texts(fig)}
    assert {"subject:customer", "activity:orders", "system:shop_db", "recipient:payments_cloud"} <= set(texts)
    assert "Cloud Hosting Inc." in texts["recipient:payments_cloud"]
    assert "US" in texts["recipient:mailer"]
    status = {t.importer: t.status for t in classify_transfers(minimal_register, TODAY)}
    boxes = _boxes(fig)
    assert boxes["recipient:mailer"] == STATUS_STYLE[status["mailer"]][0]
    assert f"transfer: {status['mailer']}" in texts["recipient:mailer"].replace("\n", " ")
    assert boxes["recipient:payments"] == STATUS_STYLE[status["payments"]][0]
    assert boxes["recipient:shipping"] == STYLE["eea"][0]  # Norway: inside the EEA, no transfer row
    assert "shipping" not in status


SAMPLE_FOLDERS = {"minimal": ROOT / "tests" / "data" / "minimal", "mobikin": ROOT / "ropa" / "mobikin",
                  "dearmob": ROOT / "ropa" / "dearmob"}


@pytest.mark.parametrize("name", sorted(SAMPLE_FOLDERS))
def test_diagram_colours_match_the_transfer_rows_row_for_row(name):
    """Every transfer row colours its importer and the flows carrying it; nothing else is a transfer.

    An inbound row (a source party exporting to the controller, importer ``controller``) is carried
    by the flows from that party into the activities; the controller is not drawn as a box."""
    register = load_register(SAMPLE_FOLDERS[name])
    rows = classify_transfers(register, TODAY)  # what `ropa transfers` prints, computed on its own
    graph = build_graph(register, TODAY)
    fig = flow_diagram(register, TODAY)
    boxes, edges = _boxes(fig), _edges(fig)
    status_fills = {fill for fill, _ in STATUS_STYLE.values()}
    status_lines = {line for _, line in STATUS_STYLE.values()}

    by_importer: dict[str, set[str]] = {}
    by_pair: dict[tuple[str, str], set[str]] = {}
    for t in rows:
        if t.importer != "controller":
            by_importer.setdefault(f"recipient:{t.importer}", set()).add(t.status)
        by_pair.setdefault((t.exporter, t.importer), set()).add(t.status)
    for node, statuses in by_importer.items():
        assert boxes[node] == STATUS_STYLE[_worst(statuses)][0], node
    for node, fill in boxes.items():
        attrs = graph.nodes[node]
        host = f"recipient:{attrs['hosted_by']}" if attrs.get("hosted_by") else node
        if fill in status_fills:
            assert host in by_importer, f"{node} is coloured as a transfer but no transfer row has it"
        if attrs.get("role") == "internal":  # the controller's own staff and systems: never a transfer
            assert fill == STYLE["own"][0], node

    carried = set()
    for (u, v), colour in edges.items():
        data = graph.edges[u, v]
        target = graph.nodes[v]
        if data["via"] == "source":  # a source party exporting into the controller's activity
            exporter, importer, receives = u.split(":", 1)[1], "controller", True
        else:
            exporter = u.split(":", 1)[1] if data["via"] == "onward" else "controller"
            importer = target.get("hosted_by") or v.split(":", 1)[1]
            receives = target["kind"] in {"recipient", "system"}
        statuses = by_pair.get((exporter, importer)) if receives else None
        if statuses:
            assert colour == STATUS_STYLE[_worst(statuses)][1], (u, v)
            carried.add((exporter, importer))
        else:
            assert colour not in status_lines, f"flow {u} -> {v} is coloured as a transfer without a row"
    assert carried == set(by_pair), "a transfer row has no coloured flow in the diagram"


def test_dearmob_own_systems_in_china_are_not_transfers_but_unrecorded_countries_are():
    register = load_register(ROOT / "ropa" / "dearmob")
    fig = flow_diagram(register, TODAY)
    boxes = _boxes(fig)
    assert register.organisation.country == "CN"
    assert boxes["recipient:dearmob_internal"] == STYLE["own"][0]
    own_systems = [s.id for s in register.systems if not s.hosted_by]
    assert own_systems and all(boxes[f"system:{s}"] == STYLE["own"][0] for s in own_systems)
    no_country = [t.importer for t in classify_transfers(register, TODAY)
                  if t.country is None and t.status == "no lawful mechanism"]
    assert no_country and all(boxes[f"recipient:{r}"] == STATUS_STYLE["no lawful mechanism"][0]
                              for r in no_country)
    hatched = {p.get_gid()[4:] for p in fig.axes[0].patches if (p.get_gid() or "").startswith("box:")
               and p.get_hatch()}
    assert {f"recipient:{r}" for r in no_country} <= hatched


def test_review_is_used_when_given(minimal_register):
    review = Review(minimal_register, TODAY)
    fig = flow_diagram(minimal_register, TODAY, review=review)
    assert "graph" in vars(review) and "transfers" in vars(review)  # built once, on the review
    assert _boxes(fig) == _boxes(flow_diagram(minimal_register, TODAY))


def test_flow_diagram_labels_do_not_overlap(minimal_register):
    _assert_legible(flow_diagram(minimal_register, TODAY))


def test_flow_diagram_grows_with_the_register(minimal_register, tmp_path):
    big = load_register(_many(tmp_path, 40))
    small_fig = flow_diagram(minimal_register, TODAY)
    big_fig = flow_diagram(big, TODAY)
    assert big_fig.get_size_inches()[1] > 2 * small_fig.get_size_inches()[1]
    _assert_legible(big_fig)
    colours = {c for n, c in _boxes(big_fig).items() if n.startswith("recipient")}
    assert {STYLE["eea"][0], STATUS_STYLE["compliant"][0], STATUS_STYLE["no lawful mechanism"][0]} <= colours


def test_flow_diagram_cuts_very_long_columns(tmp_path):
    register = load_register(_many(tmp_path, 30))
    fig = flow_diagram(register, TODAY, max_per_column=10)
    assert any(t.get_text() == "+ 20 more" for t in fig.axes[0].texts)
    _assert_legible(fig)


def test_no_pyplot_state(minimal_register):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    flow_diagram(minimal_register, TODAY)
    transfers_chart(minimal_register, TODAY)
    assert plt.get_fignums() == before
    assert matplotlib.get_backend()  # unchanged backend machinery still answers


def test_transfers_chart_stacks_by_country_and_mechanism(minimal_register):
    fig = transfers_chart(minimal_register, TODAY)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["United States"]
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == len(classify_transfers(minimal_register, TODAY)) == 3
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["dpf", "scc"]
    assert any("2 to verify" in t.get_text() for t in ax.texts)


def test_transfers_chart_without_transfers(tmp_path):
    folder = tmp_path / "eu"
    folder.mkdir()
    (folder / "organisation.yaml").write_text("name: EU only\ncountry: FR\n", encoding="utf-8")
    fig = transfers_chart(load_register(folder), TODAY)
    assert any("No transfers" in t.get_text() for t in fig.axes[0].texts)


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_sample_diagrams_are_legible(name):
    register = load_register(ROOT / "ropa" / name)
    fig = flow_diagram(register)
    _assert_legible(fig)
    assert len(_node_texts(fig)) == build_graph(register).number_of_nodes() - 1  # all but the controller


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_diagram_pages_fit_a3_at_full_size_and_cover_every_activity_once(name):
    register = load_register(ROOT / "ropa" / name)
    whole = flow_diagram(register, TODAY)
    page = (15.7, 10.9)  # A3 landscape less 10 mm margins, inches: type prints at FONT points
    assert whole.get_size_inches()[1] > page[1]  # the whole diagram would be shrunk below 8 pt
    pages = flow_diagram_pages(register, TODAY, page=page)
    assert len(pages) > 1
    seen: list[str] = []
    colours = _boxes(whole)
    for fig in pages:
        boxes = _boxes(fig)
        activities = [n for n in boxes if n.startswith("activity:")]
        seen += activities
        width, height = fig.get_size_inches()
        assert (width <= page[0] and height <= page[1]) or len(activities) == 1
        assert all(colours[n] == c for n, c in boxes.items()), "a page colours a party unlike the diagram"
        _assert_legible(fig)
    live = [f"activity:{a.id}" for a in register.activities]
    assert sorted(seen) == sorted(live), "every activity on exactly one page"


def test_a_diagram_that_fits_is_one_page(minimal_register):
    pages = flow_diagram_pages(minimal_register, TODAY)
    assert len(pages) == 1
    assert _boxes(pages[0]) == _boxes(flow_diagram(minimal_register, TODAY))


def test_cli_graph_pages_writes_one_pdf_page_per_figure(tmp_path, capsys):
    import re

    from audit_lib.cli import main

    out = tmp_path / "flows.pdf"
    folder = ROOT / "ropa" / "mobikin"
    assert main(["graph", str(folder), "-o", str(out), "--pages", "--as-of", TODAY.isoformat()]) == 0
    pages = len(re.findall(rb"/Type\s*/Page[^s]", out.read_bytes()))
    assert pages == len(flow_diagram_pages(load_register(folder), TODAY)) > 1
    assert main(["graph", str(folder), "-o", str(tmp_path / "flows.png"), "--pages"]) == 2
    assert "multi-page PDF" in capsys.readouterr().err
    assert not (tmp_path / "flows.png").exists()


def _renamed(register, activity: str, organisation: str):
    """The register with its first activity and organisation renamed (bypassing the loader)."""
    object.__setattr__(register.activities[0], "name", activity)
    object.__setattr__(register.organisation, "name", organisation)
    return register


def test_dollar_signs_are_drawn_as_written_not_as_mathtext(minimal_path):
    """"costs $5 or $10" was typeset as "costs 5or10", and $\\undefined$ crashed the drawing."""
    from io import BytesIO

    from matplotlib.text import Text

    register = _renamed(load_register(minimal_path), "costs $5 or $10", r"Shop $\undefined$")
    for fig in (flow_diagram(register, "2026-01-01"), transfers_chart(register, "2026-01-01")):
        fig.savefig(BytesIO(), format="png")  # raised ValueError: Unknown symbol: \undefined
        texts = [t for t in fig.findobj(Text) if "$" in t.get_text()]
        assert any(r"Shop $\undefined$" in t.get_text() for t in texts)
        for t in texts:  # drawn as the plain text it is
            assert t._preprocess_math(t.get_text()) == (t.get_text(), False)
    assert any(t.get_text() == "costs $5 or $10" for t in flow_diagram(register, "2026-01-01").findobj(Text))
