"""One graph, one classification and one audit per register and date, whatever the command.

Every command renders one :class:`audit_lib.review.Review`; building the flow graph or classifying
the transfers twice would cost seconds on a large register and could let two sheets disagree.
The builders are counted where they do their work (``_build_graph``, ``_classify_transfers``,
``AuditContext``), so a command calling them by any route is counted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import audit_lib.analysis.graph as graph_module
import audit_lib.analysis.transfers as transfers_module
from audit_lib.audit import core
from audit_lib.cli import main
from audit_lib.io.loader import load_register

ROOT = Path(__file__).resolve().parent.parent
DEARMOB = ROOT / "ropa" / "dearmob"
MOBIKIN = ROOT / "ropa" / "mobikin"
AS_OF = "2026-11-23"


@pytest.fixture
def builds(monkeypatch):
    """Counts of graphs built, classifications made and audits run while the test runs."""
    calls = {"graph": 0, "classify": 0, "audit": 0}
    real_graph, real_classify = graph_module._build_graph, transfers_module._classify_transfers
    real_context = core.AuditContext.__init__

    def counted_graph(*args, **kwargs):
        calls["graph"] += 1
        return real_graph(*args, **kwargs)

    def counted_classify(*args, **kwargs):
        calls["classify"] += 1
        return real_classify(*args, **kwargs)

    def counted_context(self, *args, **kwargs):
        calls["audit"] += 1
        real_context(self, *args, **kwargs)

    monkeypatch.setattr(graph_module, "_build_graph", counted_graph)
    monkeypatch.setattr(transfers_module, "_classify_transfers", counted_classify)
    monkeypatch.setattr(core.AuditContext, "__init__", counted_context)
    return calls


def _git(repo: Path, *args: str) -> None:
    date = "2026-01-10T12:00:00"
    env = dict(os.environ, GIT_AUTHOR_NAME="DPO", GIT_AUTHOR_EMAIL="dpo@example.org",
               GIT_COMMITTER_NAME="DPO", GIT_COMMITTER_EMAIL="dpo@example.org",
               GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)


@pytest.mark.parametrize(("argv", "expected"), [
    (["audit", str(DEARMOB), "--as-of", AS_OF], {"graph": 1, "classify": 1, "audit": 1}),
    (["audit", str(DEARMOB), "--as-of", AS_OF, "--format", "json"], {"graph": 1, "classify": 1, "audit": 1}),
    (["transfers", str(DEARMOB), "--as-of", AS_OF], {"graph": 1, "classify": 1, "audit": 0}),
    (["transfers", str(DEARMOB), "--as-of", AS_OF, "--compare-as-of", "2020-06-01"],
     {"graph": 2, "classify": 2, "audit": 0}),  # two dates: the law of each
    (["notice", str(DEARMOB)], {"graph": 1, "classify": 1, "audit": 0}),
    (["group", str(ROOT / "ropa"), "--as-of", AS_OF], {"graph": 2, "classify": 2, "audit": 0}),  # 2 registers
    (["diff", str(MOBIKIN), str(DEARMOB), "--as-of", AS_OF], {"graph": 2, "classify": 2, "audit": 2}),
], ids=["audit", "audit-json", "transfers", "transfers-compare", "notice", "group", "diff"])
def test_each_command_judges_each_register_once(argv, expected, builds, capsys):
    assert main(argv) in (0, 1)
    assert capsys.readouterr().out  # the command printed its result
    assert builds == expected


@pytest.mark.parametrize(("suffix", "fmt", "expected"), [
    ("xlsx", [], {"graph": 1, "classify": 1, "audit": 1}),  # diagram, transfers and findings sheets
    ("json", ["--format", "json"], {"graph": 1, "classify": 1, "audit": 1}),
    ("zip", ["--format", "csv"], {"graph": 1, "classify": 1, "audit": 1}),
    ("yaml", ["--format", "fides"], {"graph": 1, "classify": 1, "audit": 0}),
])
def test_export_judges_the_register_once_in_every_format(suffix, fmt, expected, builds, tmp_path):
    out = tmp_path / f"ropa.{suffix}"
    assert main(["export", str(DEARMOB), "-o", str(out), "--as-of", AS_OF, *fmt]) == 0
    assert out.stat().st_size > 0
    assert builds == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("flows.png", {"graph": 1, "classify": 1, "audit": 0}),
    ("flows.graphml", {"graph": 1, "classify": 0, "audit": 0}),  # the graph alone: nothing to classify
])
def test_graph_builds_one_graph(name, expected, builds, tmp_path):
    assert main(["graph", str(DEARMOB), "-o", str(tmp_path / name), "--as-of", AS_OF]) == 0
    assert builds == expected


def test_export_since_reuses_the_exports_review(builds, tmp_path):
    """``ropa export --since``: the register now is judged once for the workbook, the diff and the
    law's changes; the old version once, and the register once more on the day of the last review."""
    repo = tmp_path / "repo"
    shutil.copytree(DEARMOB, repo / "dearmob")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "reviewed")
    out = tmp_path / "ropa.xlsx"
    assert main(["export", str(repo / "dearmob"), "-o", str(out), "--as-of", AS_OF, "--since", "2026-01-11",
                 "--no-diagram"]) == 0
    # now (workbook + diff + law), the old version on AS_OF, the register on 2026-01-11
    assert builds == {"graph": 3, "classify": 3, "audit": 2}


def test_notebook_helpers_share_one_review(builds):
    """Notebook 02's figures and table rendered from one review: one graph, one classification."""
    from audit_lib.analysis.transfers import transfers_table
    from audit_lib.plots import flow_diagram, transfers_chart
    from audit_lib.review import Review

    register = load_register(DEARMOB)
    review = Review(register, AS_OF)
    flow_diagram(register, AS_OF, review)
    table = transfers_table(register, review=review)
    transfers_chart(register, AS_OF, review=review)
    assert len(table) == len(review.transfers) > 0
    assert review.findings is review.findings
    assert builds == {"graph": 1, "classify": 1, "audit": 1}


def test_notebook_02_builds_one_graph_and_one_classification(builds, monkeypatch):
    """The notebook itself, run cell by cell in this process: every figure and table, the
    sub-processor chains included, comes from the one Review its first cell builds."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    notebook = json.loads((ROOT / "notebooks" / "02_data_flows_and_transfers.ipynb").read_text())
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    monkeypatch.chdir(ROOT / "notebooks")
    namespace: dict = {}
    for source in cells:
        exec(compile(source, "notebook 02", "exec"), namespace)  # noqa: S102 - the project's own notebook
    assert len(namespace["transfers"]) > 0
    assert builds["graph"] == 1 and builds["classify"] == 1


def test_audit_without_a_review_classifies_once(builds):
    from audit_lib.audit import audit

    findings = audit(load_register(DEARMOB), AS_OF)
    assert findings
    assert builds == {"graph": 1, "classify": 1, "audit": 1}
