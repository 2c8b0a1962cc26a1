"""The committed notebooks stay clean, short, parameterised and library-first.

Outputs policy: a committed notebook has no outputs, no execution counts and no
metadata noise, except cells marked ``# NBVAL_CHECK_OUTPUT``: they keep their printed
text (stdout only, no images), which nbval compares on every run, so it must be
deterministic (no dates, addresses or paths), and an execution count numbered 1, 2,
3... in order (nbval skips the comparison for a reference cell that never ran).
``python tools/notebooks.py --refresh notebooks/NAME.ipynb`` re-executes a notebook
and saves it in exactly this form.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from audit_lib.display import resolve_register
from audit_lib.report import KERNELSPEC, PARAMETERS_TAG
from tools.notebooks import CHECK_MARK, clean_notebook, is_checked, nondeterministic

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

EXPECTED = [
    "01_register_overview",
    "02_data_flows_and_transfers",
    "03_audit_findings",
    "04_article30_export",
    "05_breach_and_access_requests",
    "06_what_changed",
    "07_import_a_spreadsheet",
]
MAX_LINES = 12
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
MAGIC = re.compile(r"^\s*[%!]|get_ipython\s*\(|^\s*\w+\s*=\s*!")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


notebook = pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])


def test_the_five_notebooks_are_there():
    assert [p.stem for p in PATHS] == EXPECTED


@notebook
def test_valid_nbformat_with_python3_kernel(path):
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert dict(nb.metadata.kernelspec) == KERNELSPEC
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, "notebook metadata noise"


@notebook
def test_first_code_cell_is_the_parameters_cell(path, monkeypatch):
    nb = _read(path)
    first = _code(nb)[0]
    assert PARAMETERS_TAG in first.metadata.get("tags", []), "first code cell not tagged 'parameters'"
    assigned = {t.id: node.value for node in ast.parse(first.source).body
                if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    assert "REGISTER" in assigned, "the parameters cell must define REGISTER"
    value = ast.literal_eval(assigned["REGISTER"])
    assert isinstance(value, str) and not Path(value).is_absolute()
    for cwd in (ROOT, NOTEBOOKS):  # JupyterLab and nbval run in notebooks/, a user may be at the root
        monkeypatch.chdir(cwd)
        assert (resolve_register(value) / "organisation.yaml").is_file(), f"{value} from {cwd}"
    others = [c for c in nb.cells if c is not first and PARAMETERS_TAG in c.metadata.get("tags", [])]
    assert not others, "only one cell may be tagged 'parameters'"


@notebook
def test_no_ipython_magics_or_shell_escapes(path):
    for cell in _code(_read(path)):
        bad = [line for line in cell.source.splitlines() if MAGIC.search(line)]
        assert not bad, f"{path.name}: magic or shell escape {bad}"
        ast.parse(cell.source)  # plain Python, compiles


@notebook
def test_cells_are_short(path):
    for number, cell in enumerate(_read(path).cells, 1):
        lines = cell.source.splitlines()
        assert len(lines) <= MAX_LINES, f"{path.name} cell {number} has {len(lines)} lines"


@notebook
def test_logic_lives_in_the_library(path):
    for number, cell in enumerate(_code(_read(path)), 1):
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree)
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                                     ast.For, ast.While))]
        assert not defined, f"{path.name} code cell {number}: move functions and loops to audit_lib"


@notebook
def test_outputs_are_stripped_except_checked_text(path):
    nb = _read(path)
    checked = 0
    for number, cell in enumerate(_code(nb), 1):
        assert set(cell.metadata) <= {"tags"}, f"{path.name} code cell {number}: metadata noise"
        if not is_checked(cell):
            assert cell.execution_count is None, f"{path.name} code cell {number}: execution count"
            assert cell.outputs == [], f"{path.name} code cell {number}: committed output"
            continue
        checked += 1  # nbval compares only cells whose reference ran: number them 1, 2, 3...
        assert cell.execution_count == checked, f"{path.name} code cell {number}: execution count"
        assert cell.outputs, f"{path.name} code cell {number} is checked but has no stored output"
        for out in cell.outputs:
            assert out.output_type == "stream" and out.name == "stdout", "checked cells print text"
            assert not nondeterministic(out.text), f"{path.name} cell {number}: {out.text!r}"
    assert clean_notebook(nb) == nb, "not in committed form: python tools/notebooks.py --refresh"


@notebook
def test_file_is_written_as_jupyter_writes_it(path):
    text = path.read_text(encoding="utf-8")
    assert text == nbformat.writes(_read(path)) + "\n", "re-save with nbformat (indent 1, sorted keys)"


@notebook
def test_key_figures_are_checked_and_explained(path):
    nb = _read(path)
    checked = [c for c in _code(nb) if is_checked(c)]
    assert checked, f"{path.name}: no '{CHECK_MARK}' cell, a library regression would go unnoticed"
    prose = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert re.search(r"Art \d+", prose), f"{path.name}: the markdown cites no GDPR article"
