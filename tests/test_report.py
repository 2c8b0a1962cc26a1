"""audit_lib.report and ``ropa report``: parameter injection, committed-output policy, display
helpers, HTML reports of the notebooks on any register, and proof that a broken library
function fails the notebook test (nbval), not only an exception."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from audit_lib.cli import main
from audit_lib.display import counts_text, resolve_register, workbook_contents
from audit_lib.report import (
    INJECTED_TAG,
    NotebookFailed,
    execute_notebook,
    inject_parameters,
)
from tools.notebooks import clean_notebook, nondeterministic

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _notebook(*sources: str, parameters: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"}}
    nb.cells = [nbformat.v4.new_markdown_cell("# test")]
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


# --------------------------------------------------------------------------
# Paths and parameters
# --------------------------------------------------------------------------


def test_register_path_resolves_from_the_notebooks_folder_and_the_root(monkeypatch, tmp_path):
    target = (ROOT / "ropa" / "mobikin").resolve()
    for cwd in (ROOT, NOTEBOOKS, tmp_path):
        monkeypatch.chdir(cwd)
        assert resolve_register("../ropa/mobikin") == target, cwd
        assert resolve_register("ropa/mobikin") == target, cwd
    assert resolve_register(target) == target
    assert resolve_register("no/such/register") == Path("no/such/register")  # left to the loader


def test_parameters_are_injected_after_the_parameters_cell_and_replace_earlier_ones():
    nb = _notebook("print(REGISTER)", parameters='REGISTER = "../ropa/mobikin"')
    once = inject_parameters(nb, {"REGISTER": "/data/x", "AS_OF": None})
    assert [c.metadata.get("tags") for c in once.cells[1:3]] == [["parameters"], [INJECTED_TAG]]
    assert "REGISTER = '/data/x'\nAS_OF = None" in once.cells[2].source
    twice = inject_parameters(once, {"REGISTER": "/data/y"})
    injected = [c for c in twice.cells if INJECTED_TAG in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "/data/y" in injected[0].source
    assert len(nb.cells) == 3, "the original notebook is not modified"
    bare = inject_parameters(_notebook("x = 1"), {"REGISTER": "r"})
    assert INJECTED_TAG in bare.cells[0].metadata["tags"]  # no parameters cell: injected first
    nbformat.validate(once)


# --------------------------------------------------------------------------
# Committed-output policy
# --------------------------------------------------------------------------


def test_clean_notebook_keeps_only_the_printed_text_of_checked_cells():
    nb = _notebook("x = 1", "# NBVAL_CHECK_OUTPUT\nprint(x)", "fig", "# NBVAL_CHECK_OUTPUT\nprint(2)")
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2"}
    for count, cell in enumerate(nb.cells[1:], 7):
        cell.execution_count = count
        cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                        nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
                        nbformat.v4.new_output("display_data", data={"image/png": "iVBOR",
                                                                     "text/plain": "<Figure>"})]
    clean = clean_notebook(nb)
    code = clean.cells[1:]
    assert [c.execution_count for c in code] == [None, 1, None, 2]
    assert [len(c.outputs) for c in code] == [0, 1, 0, 1]
    assert code[1].outputs[0].name == "stdout" and code[1].outputs[0].text == "1\n"
    assert all(c.metadata == {} for c in code)
    assert dict(clean.metadata) == {"kernelspec": dict(nb.metadata.kernelspec),
                                    "language_info": {"name": "python"}}
    assert clean_notebook(clean) == clean  # idempotent: a refreshed notebook is already clean
    nbformat.validate(clean)


def test_nondeterministic_text_is_spotted():
    assert nondeterministic("<Figure at 0x7f3a2b1c9d00>")
    assert nondeterministic("as of 2026-11-23")
    assert nondeterministic("written to /tmp/ropa-1/article30.xlsx")
    assert not nondeterministic("activities: 24\nrecipients: 18")


# --------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------


def test_counts_text_is_one_stable_line_per_label():
    assert counts_text({"activities": 2, "recipients": 4}) == "activities: 2\nrecipients: 4"


def test_workbook_contents_reads_sheets_rows_and_columns_back(tmp_path):
    book = Workbook()
    ws = book.active
    ws.title = "Controller record"
    ws.append(["id", "name", "purpose"])
    for i in range(5):
        ws.append([f"a{i}", "x", "y"])
    ws.add_table(Table(displayName="T1", ref="A1:C6"))
    book.create_sheet("Empty")
    book.save(tmp_path / "w.xlsx")
    table = workbook_contents(tmp_path / "w.xlsx")
    assert table.to_dict("records") == [
        {"sheet": "Controller record", "rows": 5, "columns": 3, "images": 0},
        {"sheet": "Empty", "rows": 0, "columns": 1, "images": 0},
    ]


# --------------------------------------------------------------------------
# Execution and ``ropa report``
# --------------------------------------------------------------------------


def _write(folder: Path, name: str, nb) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def test_failing_notebook_exits_1_naming_notebook_and_cell(tmp_path, minimal_path, capsys):
    books = tmp_path / "books"
    _write(books, "01_ok.ipynb", _notebook("print(REGISTER)", parameters="REGISTER = ''"))
    _write(books, "02_broken.ipynb", _notebook("x = 1", "{}['missing']", parameters="REGISTER = ''"))
    code = main(["report", str(minimal_path), "-o", str(tmp_path / "out"), "--notebooks", str(books)])
    err = capsys.readouterr().err
    assert code == 1
    assert "02_broken.ipynb" in err and "cell 4" in err and "KeyError" in err, err
    assert "Traceback" not in err
    assert (tmp_path / "out" / "01_ok.html").is_file()
    assert not (tmp_path / "out" / "02_broken.html").exists()


def test_failed_cell_is_numbered_as_in_the_file_despite_the_injected_cell(tmp_path):
    path = _write(tmp_path, "n.ipynb", _notebook("1 / 0", parameters="REGISTER = ''"))
    with pytest.raises(NotebookFailed) as err:
        execute_notebook(path, {"REGISTER": "x"})
    assert err.value.cell == 3 and "ZeroDivisionError" in str(err.value)


def test_invalid_register_exits_1_before_running_any_notebook(tmp_path, register_copy, capsys):
    broken = register_copy()
    (broken / "recipients.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    sentinel = tmp_path / "ran"
    books = tmp_path / "books"
    _write(books, "01_touch.ipynb", _notebook(f"open({str(sentinel)!r}, 'w').close()"))
    code = main(["report", str(broken), "-o", str(tmp_path / "out"), "--notebooks", str(books)])
    err = capsys.readouterr().err
    assert code == 1 and "recipients.yaml" in err and "nothing was written" in err
    assert not sentinel.exists(), "a notebook ran on an invalid register"
    assert not (tmp_path / "out").exists()
    assert main(["report", str(tmp_path / "missing"), "-o", str(tmp_path / "out")]) == 1


def test_report_runs_every_notebook_on_another_register_with_figures(tmp_path, minimal_path, capsys):
    """The same five notebooks run on the small test register: parameter injection works."""
    out = tmp_path / "report"
    assert main(["report", str(minimal_path), "-o", str(out), "--as-of", "2026-06-01"]) == 0
    printed = capsys.readouterr().out.split()
    pages = sorted(out.glob("*.html"))
    assert [p.stem for p in pages] == [p.stem for p in sorted(NOTEBOOKS.glob("0*.ipynb"))]
    assert [Path(p).name for p in printed] == [p.name for p in pages]
    html = {p.stem: p.read_text(encoding="utf-8") for p in pages}
    assert all("Example Shop" in text for text in html.values())  # the injected register, not mobikin
    assert not any("MobiKin" in text for text in html.values())
    flows = html["02_data_flows_and_transfers"]
    assert flows.count('src="data:image/png;base64,') >= 2  # diagram and transfers chart embedded
    assert "Traceback" not in "".join(html.values())
    assert "PayCo Ltd" in html["05_breach_and_access_requests"]
    assert (out / "article30.xlsx").is_file()  # notebook 04 wrote into the report folder


# --------------------------------------------------------------------------
# A broken library function fails the notebook test
# --------------------------------------------------------------------------

BREAK_SUMMARY = """
import audit_lib.analysis.tables as tables

_real = tables.summary

def summary(register):
    counts = _real(register)
    counts["recipients"] -= 1  # the regression: one recipient silently dropped
    return counts

tables.summary = summary
"""


@pytest.mark.timeout(300)
def test_breaking_a_library_function_fails_the_notebook_test(tmp_path):
    """nbval on notebook 01 with audit_lib.analysis.tables.summary off by one: the checked counts differ.

    The patch is a sitecustomize module on PYTHONPATH, so it is active in the kernel nbval
    starts; the notebook itself raises nothing, only its checked output is wrong.
    """
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent(BREAK_SUMMARY), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path),
                                                                     os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=120",
               str(NOTEBOOKS / "01_register_overview.ipynb")]
    broken = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    output = broken.stdout + broken.stderr
    assert broken.returncode == 1, output
    assert "1 failed" in output and "01_register_overview.ipynb::Cell 2" in output, output
    assert "Cell outputs differ" in output, output  # a wrong figure, not an exception
    nb = nbformat.read(NOTEBOOKS / "01_register_overview.ipynb", as_version=4)
    stored = next(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if "recipients: " in o.text)
    recipients = int(stored.split("recipients: ")[1].split()[0])
    assert f"recipients: {recipients - 1}" in output and f"recipients: {recipients}" in output, output


def test_report_outside_a_checkout_needs_the_notebooks_folder(tmp_path, minimal_path, monkeypatch, capsys):
    """The runner never looks for notebooks in the source tree: only --notebooks or ./notebooks."""
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(minimal_path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "notebooks folder notebooks not found in the current folder" in err and "--notebooks" in err
    assert not (tmp_path / "out").exists()
    assert main(["report", str(minimal_path), "-o", str(tmp_path / "out"), "--notebooks", "nowhere"]) == 1
    assert "notebooks folder nowhere not found" in capsys.readouterr().err
