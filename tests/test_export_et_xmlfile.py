"""The xlsx export with each XML writer openpyxl 3.1 accepts: et_xmlfile 1.1 and 2.x.

Each version is installed with pip into a folder of its own, put first on the path of a fresh
interpreter that writes the workbook of the minimal register; the workbook must open and hold
exactly the cells (values and formats) of the one written here. Without the package index
these tests skip locally and fail in CI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from audit_lib.export import write_workbook
from audit_lib.io.loader import load_register

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "minimal"

EXPORT = """
import datetime as dt, json, sys
import et_xmlfile
from audit_lib.export import stream, write_workbook
from audit_lib.io.loader import load_register
write_workbook(load_register(sys.argv[1]), sys.argv[2], as_of="2026-06-01",
               generated=dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.timezone.utc))
print(json.dumps({"et_xmlfile": et_xmlfile.__version__, "raw": stream._raw_libraries()}))
"""


def _install(spec: str, target: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
           "--target", str(target), spec]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        message = f"pip could not install {spec}: {done.stderr.strip()[-500:]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return target


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = [(c.coordinate, c.value, c.data_type, c.quotePrefix, c.font.b, c.font.i,
                          c.fill.fill_type, c.alignment.wrap_text, ws.row_dimensions[c.row].height)
                         for row in ws.iter_rows() for c in row if c.value is not None]
    wb.close()
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, list[tuple]]:
    path = tmp_path_factory.mktemp("reference") / "minimal.xlsx"
    write_workbook(load_register(MINIMAL), path, as_of="2026-06-01",
                   generated=dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.timezone.utc))
    return _cells(path)


@pytest.mark.parametrize(("spec", "major", "raw"), [("et_xmlfile==1.1.0", "1.1", False),
                                                     ("et_xmlfile>=2,<3", "2.", True)])
def test_export_with_each_et_xmlfile(tmp_path, reference, spec, major, raw):
    target = _install(spec, tmp_path / "site")
    out = tmp_path / "minimal.xlsx"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", EXPORT, str(MINIMAL), str(out)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]  # et_xmlfile 1.1 used to fail every export
    used = json.loads(done.stdout.strip().splitlines()[-1])
    assert used["et_xmlfile"].startswith(major)
    assert used["raw"] is raw  # 1.1: the documented openpyxl writer; 2.x: the raw one
    cells = _cells(out)
    assert list(cells) == list(reference)
    assert cells == reference
    assert any(v == "Record of processing activities \u2014 GDPR Article 30" for _, v, *_ in cells["Cover"])
