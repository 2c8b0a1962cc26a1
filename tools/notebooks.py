"""Development tool: the committed form of the notebooks.

``python tools/notebooks.py --refresh notebooks/NAME.ipynb`` re-executes a notebook on its
default parameters and saves it cleaned: no outputs but the printed text of checked cells
(``# NBVAL_CHECK_OUTPUT``), which nbval then compares in CI.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from audit_lib.report import INJECTED_TAG, KERNELSPEC, execute_notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"

# --------------------------------------------------------------------------
# Committed-output policy
# --------------------------------------------------------------------------


def is_checked(cell: NotebookNode) -> bool:
    """True for a code cell nbval compares (``# NBVAL_CHECK_OUTPUT`` in its source)."""
    return cell.cell_type == "code" and CHECK_MARK in cell.source


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """The notebook as committed: no outputs but the printed text of checked cells.

    Execution counts are dropped, except on checked cells, numbered 1, 2, 3... in
    order (nbval only compares a cell whose reference has an execution count); cell
    metadata keeps only tags, notebook metadata only the python3 kernelspec and the
    language name, so a re-run in JupyterLab leaves a clean diff once cleaned again.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC),
                                      "language_info": {"name": "python"}})
    checked = 0
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        cell.metadata = nbformat.from_dict({"tags": list(tags)} if tags else {})
        cell.pop("attachments", None)
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        kept = []
        if is_checked(cell):
            checked += 1
            cell.execution_count = checked
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stdout":
                    kept.append(nbformat.v4.new_output("stream", name="stdout", text=out.text))
        cell.outputs = kept
    return nb


def refresh(path: str | Path) -> NotebookNode:
    """Re-execute a notebook on its default parameters and save it cleaned (checked outputs kept)."""
    import nbformat

    path = Path(path)
    nb = clean_notebook(execute_notebook(path))
    nbformat.write(nb, path)
    return nb


_NOISE = re.compile(r"0x[0-9a-f]{6,}|\d{4}-\d{2}-\d{2}|/tmp/|/home/|/work/|[A-Z]:\\\\")


def nondeterministic(text: str) -> list[str]:
    """Fragments of ``text`` that would make a checked output flaky: addresses, dates, paths."""
    return _NOISE.findall(text)


def main(argv: list[str] | None = None) -> int:
    """``python tools/notebooks.py --refresh NOTEBOOK...``: re-execute and clean notebooks."""
    parser = argparse.ArgumentParser(prog="python tools/notebooks.py", description=main.__doc__)
    parser.add_argument("--refresh", nargs="+", metavar="NOTEBOOK", required=True)
    args = parser.parse_args(argv)
    for name in args.refresh:
        refresh(name)
        print(f"refreshed {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
