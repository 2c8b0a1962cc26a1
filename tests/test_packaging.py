"""pyproject.toml and environment.yml must list the same packages (and versions): no drift.

pyproject.toml holds the core install (every command but ``ropa report``) and the extras
(``notebooks``: execute and open the notebooks; ``test``); environment.yml holds the full set,
core plus every extra, for the DPO's JupyterLab.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
NOT_PACKAGES = {"python", "pip"}
# conda-forge names that differ from the PyPI name even after normalisation (PEP 503).
CONDA_TO_PIP = {"pytables": "tables", "pytorch": "torch"}


def _spec(text: str) -> str:
    """A version specifier in one canonical spelling ('<3,>=2.6' == '>=2.6, <3')."""
    text = text.replace(" ", "")
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return text


def requirements(pyproject: dict, extras: tuple[str, ...] = ()) -> dict[str, str]:
    """{normalised name: specifier} of the core dependencies plus ``extras``; an extra that names
    the project itself (``audit_lib[notebooks]``) brings in that extra's packages."""
    project = pyproject["project"]
    optional = project.get("optional-dependencies", {})
    own = canonicalize_name(project.get("name", ""))
    out: dict[str, str] = {}
    todo, seen = [*project.get("dependencies", [])], set()
    for extra in extras:
        todo += optional[extra]
        seen.add(extra)
    while todo:
        req = Requirement(todo.pop(0))
        if canonicalize_name(req.name) == own:
            for extra in sorted(req.extras - seen):
                todo += optional[extra]
                seen.add(extra)
            continue
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def pip_requirements(pyproject: dict) -> dict[str, str]:
    """{normalised name: specifier} of the full set: core dependencies plus every extra."""
    return requirements(pyproject, tuple(pyproject["project"].get("optional-dependencies", {})))


def conda_requirements(environment: dict) -> dict[str, str]:
    """{normalised name: specifier} of environment.yml, its pip: subsection included."""
    out = {}
    for item in environment.get("dependencies", []):
        if isinstance(item, dict):
            for text in item.get("pip", []):
                if text.strip().startswith("-"):  # "-e .", "-r file": not a package name
                    continue
                req = Requirement(text)
                out[canonicalize_name(req.name)] = str(req.specifier)
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", str(item))
        name = CONDA_TO_PIP.get(match.group(1).lower(), match.group(1))
        if canonicalize_name(name) in NOT_PACKAGES:
            continue
        spec_text = match.group(2)
        if re.fullmatch(r"[0-9][^<>=!~ ]*", spec_text.strip()):  # conda's bare "1.2" means ==1.2
            spec_text = "==" + spec_text.strip()
        out[canonicalize_name(name)] = _spec(spec_text)
    return out


def drift(pyproject: dict, environment: dict) -> list[str]:
    """Every difference between the two lists, in words."""
    pip, conda = pip_requirements(pyproject), conda_requirements(environment)
    problems = [f"{n}: in pyproject.toml, missing from environment.yml" for n in sorted(pip.keys() - conda)]
    problems += [f"{n}: in environment.yml, missing from pyproject.toml" for n in sorted(conda.keys() - pip)]
    problems += [
        f"{n}: version '{pip[n]}' in pyproject.toml but '{conda[n]}' in environment.yml"
        for n in sorted(set(pip) & set(conda)) if _spec(pip[n]) != _spec(conda[n])
    ]
    return problems


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_pyproject_and_environment_list_the_same_packages(pyproject, environment):
    assert drift(pyproject, environment) == []


def test_environment_installs_the_project_itself(environment):
    pip_items = [x for d in environment["dependencies"] if isinstance(d, dict) for x in d.get("pip", [])]
    assert "-e ." in [x.strip() for x in pip_items]


# -- the drift detector itself must be able to fail ---------------------------------------------------

PYPROJECT = {"project": {"name": "audit_lib",
                         "dependencies": ["PyYAML>=6.0", "pydantic>=2.6,<3", "fideslang>=3.0"],
                         "optional-dependencies": {"notebooks": ["nbclient>=0.9"],
                                                   "test": ["audit-lib[notebooks]", "pytest>=7.4"]}}}
ENVIRONMENT = {"dependencies": ["python>=3.10", "pip", "pyyaml>=6.0", "pydantic <3, >=2.6", "nbclient>=0.9",
                                "pytest>=7.4", {"pip": ["fideslang>=3.0", "-e ."]}]}


def test_drift_detector_accepts_equal_lists_across_spellings():
    assert drift(PYPROJECT, ENVIRONMENT) == []  # conda pyyaml == pip PyYAML; pip: subsection counted


def test_drift_detector_reports_a_package_missing_from_the_environment():
    env = {"dependencies": [d for d in ENVIRONMENT["dependencies"] if d != "pytest>=7.4"]}
    assert drift(PYPROJECT, env) == ["pytest: in pyproject.toml, missing from environment.yml"]


def test_drift_detector_reports_a_pip_subsection_package_removed():
    env = {"dependencies": [*ENVIRONMENT["dependencies"][:-1], {"pip": ["-e ."]}]}
    assert drift(PYPROJECT, env) == ["fideslang: in pyproject.toml, missing from environment.yml"]


def test_drift_detector_reports_an_extra_environment_package_and_a_version_change():
    env = {"dependencies": [*ENVIRONMENT["dependencies"][:-1], "numpy",
                            {"pip": ["fideslang>=3.1", "-e ."]}]}
    assert drift(PYPROJECT, env) == [
        "numpy: in environment.yml, missing from pyproject.toml",
        "fideslang: version '>=3.0' in pyproject.toml but '>=3.1' in environment.yml",
    ]


def test_drift_detector_reports_a_package_of_an_extra_missing_from_the_environment():
    env = {"dependencies": [d for d in ENVIRONMENT["dependencies"] if d != "nbclient>=0.9"]}
    assert drift(PYPROJECT, env) == ["nbclient: in pyproject.toml, missing from environment.yml"]


def test_an_extra_naming_the_project_brings_in_that_extras_packages():
    assert requirements(PYPROJECT, ("test",)) == {
        "pyyaml": ">=6.0", "pydantic": "<3,>=2.6", "fideslang": ">=3.0", "nbclient": ">=0.9",
        "pytest": ">=7.4"}
    assert "nbclient" not in requirements(PYPROJECT)


# -- the light install ----------------------------------------------------------------------------------

NOTEBOOK_STACK = {"jupyterlab", "ipykernel", "nbclient", "nbconvert"}


def test_core_install_leaves_out_the_notebook_stack_and_the_test_tools(pyproject):
    core = requirements(pyproject)
    assert not core.keys() & (NOTEBOOK_STACK | {"nbformat", "nbval", "pytest", "playwright"})
    assert {"pydantic", "pyyaml", "fideslang", "pycountry", "pandas", "networkx", "matplotlib",
            "openpyxl"} <= core.keys()


def test_notebooks_extra_holds_what_ropa_report_needs_and_test_includes_it(pyproject):
    from audit_lib.report import EXTRA

    extras = pyproject["project"]["optional-dependencies"]
    assert EXTRA == "notebooks"
    assert {canonicalize_name(Requirement(r).name) for r in extras[EXTRA]} == NOTEBOOK_STACK
    assert NOTEBOOK_STACK | {"nbval", "pytest"} <= requirements(pyproject, ("test",)).keys()


def test_readme_install_commands_use_the_core_install_and_the_test_extra():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/ropa export ropa/mobikin" in text
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest" in text
    assert "'.[notebooks]'" in text  # where JupyterLab comes from once it left the core install


# -- the installed package matches its metadata --------------------------------------------------------


def test_console_script_ropa_is_installed_and_points_at_the_cli(pyproject):
    assert pyproject["project"]["scripts"]["ropa"] == "audit_lib.cli:main"
    (script,) = entry_points(group="console_scripts", name="ropa")
    from audit_lib.cli import main

    assert script.load() is main


def test_installed_version_matches_pyproject(pyproject):
    assert version("audit_lib") == pyproject["project"]["version"]


# -- a core install runs every command but ropa report --------------------------------------------------
# Simulated in this environment: an import hook refuses every module of the installed distributions
# that the core dependencies do not pull in (the notebooks and test extras: JupyterLab, nbconvert,
# nbclient, ipykernel, nbformat, nbval, pytest, ...), as if they were not installed.


def _closure(requirements: list[str]) -> set[str]:
    """Normalised names of the installed distributions ``requirements`` pull in, recursively."""
    from importlib.metadata import PackageNotFoundError, distribution

    found: set[str] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            continue
        if name in found and not req.extras:
            continue
        found.add(name)
        for text in dist.requires or []:
            todo += [(Requirement(text), e) for e in ("", *req.extras)]
    return found


def _top_level_modules(dist) -> set[str]:
    names = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".data", ".pth", ".egg-info")):
            continue
        names.add(first.removesuffix(".py") if len(file.parts) == 1 else first)
    return {n for n in names if n.isidentifier()}


def outside_core_modules(pyproject: dict) -> set[str]:
    """Top-level modules of the installed distributions that a core install would not have."""
    from importlib.metadata import distributions

    core = _closure(pyproject["project"]["dependencies"])
    inside, outside = set(), set()
    for dist in distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if name == canonicalize_name(pyproject["project"]["name"]):
            continue
        (inside if name in core else outside).update(_top_level_modules(dist))
    return outside - inside - set(sys.stdlib_module_names)


CORE_INSTALL = r"""
import contextlib, importlib.abc, io, json, sys
blocked = set(json.loads(sys.argv[1]))
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NotInstalled())
from audit_lib.cli import main
results = []
for argv in json.loads(sys.argv[2]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    results.append({"argv": argv, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


def run_as_core_install(blocked: set[str], commands: list[list[str]]) -> list[dict]:
    """Run each ``ropa`` command line in one interpreter where ``blocked`` modules cannot be imported."""
    argv = [sys.executable, "-c", CORE_INSTALL, json.dumps(sorted(blocked)), json.dumps(commands)]
    done = subprocess.run(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_core_install_runs_every_command_on_both_samples(pyproject, tmp_path):
    blocked = outside_core_modules(pyproject)
    assert {"jupyterlab", "nbconvert", "nbclient", "nbformat", "ipykernel", "nbval", "pytest"} <= blocked
    assert not blocked & {"pandas", "openpyxl", "matplotlib", "networkx", "fideslang", "yaml", "odf"}
    day = "2026-01-15"
    commands = []
    for name in ("dearmob", "mobikin"):
        reg, out = f"ropa/{name}", tmp_path / name
        commands += [
            ["validate", reg], ["audit", reg, "--as-of", day], ["transfers", reg, "--as-of", day],
            ["graph", reg, "-o", str(out / "flows.png")], ["export", reg, "-o", str(out / "article30.xlsx")],
            ["export", reg, "-o", str(out / "article30.zip")], ["notice", reg, "-o", str(out / "notice.md")],
        ]
        out.mkdir()
    results = run_as_core_install(blocked, commands)
    for r in results:
        assert "Traceback" not in r["stderr"] and "internal error" not in r["stderr"], r
        assert r["code"] == (1 if r["argv"][0] == "audit" else 0), r  # audit: high findings -> 1
    assert [r["stdout"].splitlines()[0] for r in results if r["argv"][0] == "validate"] == [
        "DearMob: register is valid", "MobiKin: register is valid"]
    assert all("ROPA-" in r["stdout"] for r in results if r["argv"][0] == "audit")
    assert all(f"transfers as of {day}" in r["stdout"] for r in results if r["argv"][0] == "transfers")
    for name in ("dearmob", "mobikin"):
        for file in ("flows.png", "article30.xlsx", "article30.zip", "notice.md"):
            assert (tmp_path / name / file).stat().st_size > 1000, (name, file)


def test_ropa_report_on_a_core_install_names_the_extra_to_install(pyproject, tmp_path):
    (result,) = run_as_core_install(outside_core_modules(pyproject),
                                    [["report", "ropa/dearmob", "-o", str(tmp_path / "html")]])
    assert result["code"] == 2
    assert "needs the 'notebooks' extra" in result["stderr"]
    assert "pip install 'audit_lib[notebooks]'" in result["stderr"]
    assert "Traceback" not in result["stderr"]
    assert not (tmp_path / "html").exists()
