"""Run the DPO notebooks on a register and write them as HTML (``ropa report``).

The notebooks in ``notebooks/`` follow the papermill convention: their first code
cell is tagged ``parameters`` and holds defaults (``REGISTER = "../ropa/mobikin"``).
To run them on another register, a cell tagged ``injected-parameters`` is added
after it, overriding the defaults; nbclient then executes the notebook in its own
folder and nbconvert renders it as self-contained HTML (figures embedded), for
readers without Jupyter.

The display helpers the notebooks use (:func:`audit_lib.display.resolve_register` among them)
are in :mod:`audit_lib.display`; the committed-output policy of the notebooks is a development
tool (``tools/notebooks.py``). The notebooks to run are always given: ``ropa report`` takes
``--notebooks DIR`` (default ``notebooks/`` in the current folder).
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nbformat is imported where used: importing it costs seconds (jsonschema), and
    from nbformat import NotebookNode  # the notebooks import this module for its display helpers

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
KERNEL_NAME = "python3"
CELL_TIMEOUT = 120  # seconds, the same as --nbval-cell-timeout in pyproject.toml
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}

EXTRA = "notebooks"
"""The optional dependencies ``ropa report`` needs: ``pip install 'audit_lib[notebooks]'``."""
EXTRA_MODULES = ("nbformat", "nbclient", "nbconvert", "ipykernel")
"""What executing and rendering a notebook imports (the kernel runs ipykernel)."""


def missing_modules() -> list[str]:
    """The modules of the ``notebooks`` extra that cannot be imported here (empty when installed)."""
    missing = []
    for name in EXTRA_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ImportError:  # a parent package missing, or an import hook refusing it
            found = False
        if not found:
            missing.append(name)
    return missing


# --------------------------------------------------------------------------
# Paths and parameters
# --------------------------------------------------------------------------


DEFAULT_NOTEBOOKS = Path("notebooks")
"""Where ``ropa report`` looks for the notebooks when not told: ``notebooks/`` in the current folder."""


def notebook_paths(folder: str | Path) -> list[Path]:
    """The notebooks of a folder, in their numbered order."""
    return sorted(Path(folder).glob("[0-9]*.ipynb"))


def parameters_cell(nb: NotebookNode) -> int | None:
    """Index of the cell tagged ``parameters``, or None."""
    for index, cell in enumerate(nb.cells):
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return index
    return None


def inject_parameters(nb: NotebookNode, parameters: Mapping[str, Any]) -> NotebookNode:
    """A copy of ``nb`` with a cell tagged ``injected-parameters`` after the parameters cell."""
    import nbformat

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    if not parameters:
        return nb
    lines = ["# Parameters injected by ropa report"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INJECTED_TAG]})
    cell.pop("id", None)
    if nb.nbformat_minor >= 5:
        cell["id"] = INJECTED_TAG
    index = parameters_cell(nb)
    nb.cells.insert(0 if index is None else index + 1, cell)
    return nb


# --------------------------------------------------------------------------
# Execution and HTML
# --------------------------------------------------------------------------


@dataclass
class NotebookFailed(Exception):
    """A notebook cell raised: which notebook, which cell (numbered as in the file), what error."""

    notebook: str
    cell: int | None
    source: str
    error: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell else "an injected cell"
        first = next((line for line in self.source.splitlines() if line.strip()), "")
        return f"notebook {self.notebook} failed at {where} ({first.strip()[:70]!r}): {self.error}"


def execute_notebook(path: str | Path, parameters: Mapping[str, Any] | None = None,
                     timeout: int = CELL_TIMEOUT) -> NotebookNode:
    """Execute a notebook in its own folder with ``parameters`` injected; raise NotebookFailed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = inject_parameters(nbformat.read(path, as_version=4), parameters or {})
    failed: dict[str, Any] = {}

    def on_cell_error(cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        failed.setdefault("index", cell_index)

    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME, startup_timeout=60,
                            resources={"metadata": {"path": str(path.parent)}},
                            on_cell_error=on_cell_error)
    try:
        client.execute()
    except CellExecutionError as exc:
        index = failed.get("index")
        cell = nb.cells[index] if index is not None else None
        raise NotebookFailed(path.name, _original_number(nb, index), cell.source if cell else "",
                             f"{exc.ename}: {exc.evalue}") from None
    return nb


def _original_number(nb: NotebookNode, index: int | None) -> int | None:
    """1-based number of cell ``index`` in the notebook file (the injected cell not counted)."""
    if index is None:
        return None
    injected = [i for i, c in enumerate(nb.cells) if INJECTED_TAG in c.metadata.get("tags", [])]
    if index in injected:
        return None
    return index + 1 - sum(1 for i in injected if i < index)


def to_html(nb: NotebookNode) -> str:
    """Self-contained HTML of an executed notebook, figures embedded as data URIs."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def build_report(register_path: str | Path, out_dir: str | Path, notebooks: Iterable[str | Path],
                 timeout: int = CELL_TIMEOUT, as_of: str | None = None, jobs: int = 2) -> list[Path]:
    """Execute ``notebooks`` on the register at ``register_path``; write ``out_dir/<name>.html``.

    The notebooks are given (see :func:`notebook_paths`), never looked up in the source tree,
    so the runner works from an installed package as from a checkout.

    Injected parameters: ``REGISTER`` (absolute path), ``AS_OF`` (``as_of``, default
    today: the law in force and review deadlines of the day the report is made) and
    ``OUTPUT_DIR`` (``out_dir``, where notebook 04 leaves the Article 30 workbooks).
    The register is loaded first, so an invalid one raises ``RegisterError``
    before any notebook runs. A failing cell raises :class:`NotebookFailed` (the first
    failing notebook in order); the pages of the notebooks before it are written.
    ``jobs`` notebooks run at a time.
    """
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from audit_lib.io.atomic import atomic_write_text
    from audit_lib.io.loader import load_register

    register_dir = Path(register_path).resolve()
    load_register(register_dir)
    paths = [Path(p) for p in notebooks]
    if not paths:
        raise FileNotFoundError("no notebooks to run")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    parameters = {"REGISTER": str(register_dir), "AS_OF": as_of or dt.date.today().isoformat(),
                  "OUTPUT_DIR": str(out)}
    written = []
    # Kernels are separate processes: run two notebooks at a time, keep the results in order.
    with ThreadPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
        futures = [pool.submit(execute_notebook, path, parameters, timeout) for path in paths]
        try:
            for path, future in zip(paths, futures, strict=True):
                nb = future.result()
                written.append(atomic_write_text(out / (path.stem + ".html"), to_html(nb)))
        finally:
            for future in futures:
                future.cancel()
    return written
