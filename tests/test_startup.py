"""Commands start fast: each imports only what it needs (a behaviour test, not a timing test).

Each check runs the command in a fresh interpreter and reads ``sys.modules`` afterwards: ``ropa
--help`` imports no part of the library that does the work, ``ropa validate`` none of pandas,
networkx, matplotlib, openpyxl, nbconvert or fideslang (the taxonomy keys come from the snapshot
shipped beside :mod:`audit_lib.reference.taxonomy`). Timings are in benchmarks/bench_startup.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from audit_lib.reference import taxonomy
from audit_lib.reference import transfers as ref

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("pandas", "matplotlib", "networkx", "openpyxl", "nbconvert", "nbformat", "fideslang")

PROBE = r"""
import contextlib, io, json, sys
from audit_lib.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "stdout": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def run_probe(*argv: str) -> dict:
    """Run ``ropa *argv`` in a fresh interpreter: exit code, standard output, modules imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout), "stderr": done.stderr}


def imported(result: dict, packages) -> list[str]:
    return sorted({m.partition(".")[0] for m in result["modules"]} & set(packages))


def test_help_imports_none_of_the_library_that_does_the_work():
    result = run_probe("--help")
    assert result["code"] == 0
    assert "validate" in result["stdout"] and "export" in result["stdout"]
    assert imported(result, (*HEAVY, "pydantic", "yaml", "pycountry")) == []
    # only the few lines that make output terminal-safe (audit_lib.io.visible: the re module)
    assert not [m for m in result["modules"] if m.startswith(("audit_lib.model", "audit_lib.io.",
                                                              "audit_lib.analysis", "audit_lib.audit"))
                and m != "audit_lib.io.visible"]


def test_a_subcommand_help_imports_none_of_the_heavy_packages():
    result = run_probe("export", "--help")
    assert result["code"] == 0
    assert "--layout {standard,ico,cnil}" in result["stdout"]
    assert imported(result, (*HEAVY, "pydantic")) == []


def test_validate_imports_neither_pandas_nor_networkx_nor_fideslang():
    result = run_probe("validate", "ropa/dearmob")
    assert result["code"] == 0
    assert "DearMob: register is valid" in result["stdout"]
    assert imported(result, HEAVY) == []


def test_validate_rejects_an_unknown_taxonomy_key_without_importing_fideslang(tmp_path):
    folder = tmp_path / "dearmob"
    shutil.copytree(ROOT / "ropa" / "dearmob", folder)
    path = folder / "activities.yaml"
    text = path.read_text(encoding="utf-8")
    assert "user.contact.email" in text
    path.write_text(text.replace("user.contact.email", "user.contact.emial", 1), encoding="utf-8")
    result = run_probe("validate", str(folder))
    assert result["code"] == 1
    assert "'user.contact.emial' is not a fideslang data category key" in result["stderr"]
    assert "Traceback" not in result["stderr"]
    assert imported(result, HEAVY) == []


# -- the taxonomy snapshot: exact, never a second source of truth -----------------------------------------


def test_taxonomy_snapshot_equals_what_the_installed_fideslang_gives():
    stamp, keys = taxonomy.read_snapshot()
    assert stamp == taxonomy.fideslang_version(), (
        "audit_lib/reference/fideslang_taxonomy.json was generated from another fideslang version: "
        "run python -m audit_lib.reference.taxonomy")
    fides = taxonomy.fideslang_keys()
    assert {kind: list(names.items()) for kind, names in keys.items()} == \
        {kind: list(names.items()) for kind, names in fides.items()}
    assert len(keys["data_categories"]) > 50 and "user.contact.email" in keys["data_categories"]


def _default_keys_with(snapshot: dict, tmp_path, monkeypatch) -> dict:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    monkeypatch.setattr(taxonomy, "SNAPSHOT", path)
    taxonomy.default_keys.cache_clear()
    try:
        return taxonomy.default_keys()
    finally:
        taxonomy.default_keys.cache_clear()


def test_snapshot_of_another_fideslang_version_is_ignored(tmp_path, monkeypatch):
    stale = {"fideslang": "0.0.1", "taxonomy": {"data_categories": {"user.stale": "Stale"},
                                                 "data_uses": {}, "data_subjects": {}}}
    keys = _default_keys_with(stale, tmp_path, monkeypatch)
    assert "user.stale" not in keys["data_categories"]
    assert keys == taxonomy.fideslang_keys()


def test_snapshot_of_the_installed_version_is_what_the_loader_reads(tmp_path, monkeypatch):
    current = {"fideslang": taxonomy.fideslang_version(),
               "taxonomy": {"data_categories": {"user.only": "Only"}, "data_uses": {}, "data_subjects": {}}}
    assert _default_keys_with(current, tmp_path, monkeypatch)["data_categories"] == {"user.only": "Only"}


def test_reference_files_read_by_libyaml_as_by_the_pure_python_loader():
    assert ref._LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
    names = sorted(p.name for p in ref.HERE.glob("*.yaml"))
    assert "adequacy.yaml" in names and "regimes.yaml" in names
    for name in names:
        with open(ref.HERE / name, encoding="utf-8") as fh:
            assert ref._read(name) == yaml.load(fh, Loader=yaml.SafeLoader), name
