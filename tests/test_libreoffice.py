"""A real spreadsheet application opens the workbook: LibreOffice headless (soffice).

What a person sees (csv of the displayed values), how it prints (pdf page size) and an
edit-and-save round trip. In CI (``CI=true``) these tests must run: a missing soffice
is a failure there, and a skip only on a developer machine.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from test_export import SAMPLES
from test_export_safety import INJECTED, _with_activity

from audit_lib.export import write_workbook
from audit_lib.io.import_xlsx import import_xlsx
from audit_lib.io.loader import load_register

CSV_ALL_SHEETS = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("CI is set but LibreOffice (soffice) is not installed: .ci/run must install "
                    "libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed; this test runs in CI")


def convert(src: Path, target: str, outdir: Path) -> Path:
    """Convert with a throw-away LibreOffice profile; return the output folder."""
    profile = outdir / "profile"
    cmd = [_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", target, "--outdir", str(outdir), str(src)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return outdir


def _csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    """The injected minimal register's workbook as LibreOffice displays it, sheet by sheet."""
    register = _with_activity(load_register(Path(__file__).parent / "data" / "minimal"), **INJECTED)
    folder = tmp_path_factory.mktemp("lo")
    xlsx = folder / "ropa.xlsx"
    write_workbook(register, xlsx)
    out = convert(xlsx, CSV_ALL_SHEETS, folder / "csv")
    return register, {p.stem.removeprefix("ropa-"): _csv(p) for p in out.glob("*.csv")}


def test_formula_looking_values_stay_literal_text(seen):
    _, sheets = seen
    rows = sheets["Controller record"]
    headers = rows[0]
    orders = next(r for r in rows if r[0] == "orders")
    assert orders[headers.index("Activity")] == "=1+2"  # not 3
    assert orders[headers.index("Description")] == "+SUM(A1:A3)"
    assert orders[headers.index("Owner")] == "-2+3"  # not 1
    assert orders[headers.index("Notes")] == "#N/A"
    assert orders[headers.index("Consent withdrawal \u2014 Art 7(3)")] == '=HYPERLINK("http://evil.test","click")'


def test_reader_sees_the_art30_record(seen):
    register, sheets = seen
    assert set(sheets) >= {"Cover", "Controller record", "Recipients", "Transfers", "Findings", "Commitments",
                           "Security measures", "Assumptions to confirm", "Data flows", "Guide"}
    headers = sheets["Controller record"][0]
    for point in "abcdefg":
        assert any(h.startswith(f"({point})") and f"Art 30(1)({point})" in h for h in headers), point
    newsletter = next(r for r in sheets["Controller record"] if r[0] == "newsletter")
    assert newsletter[headers.index("(f) Erasure time limits \u2014 Art 30(1)(f)")].startswith("Not recorded")
    cover = {r[0]: r[1] for r in sheets["Cover"] if len(r) > 1}
    assert cover["Source SHA-256"] == register.source_hash
    recipients = {r[0] for r in sheets["Recipients"][1:]}
    assert recipients == {r.id for r in register.recipients}


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_sample_workbook_prints_on_landscape_pages(name, tmp_path):
    xlsx = tmp_path / f"{name}.xlsx"
    write_workbook(load_register(SAMPLES[name]), xlsx)
    convert(xlsx, "pdf", tmp_path)
    sizes = _page_sizes((tmp_path / f"{name}.pdf").read_bytes())
    assert len(sizes) >= 5
    assert all(w > h for w, h in sizes), f"portrait pages: {[s for s in sizes if s[0] <= s[1]][:3]}"
    a4 = [abs(w - 842) < 2 and abs(h - 595) < 2 for w, h in sizes]  # A4 landscape
    a3 = [abs(w - 1191) < 2 and abs(h - 842) < 2 for w, h in sizes]  # A3 landscape: the wide sheets
    assert all(x or y for x, y in zip(a4, a3, strict=True)), sorted(set(sizes))
    assert any(a4) and any(a3)  # Cover, Findings... on A4; Controller record spans A3 pages


def test_saved_by_libreoffice_imports_to_the_same_register(tmp_path):
    register = load_register(SAMPLES["dearmob"])
    xlsx = tmp_path / "ropa.xlsx"
    write_workbook(register, xlsx, diagram=False)
    convert(xlsx, "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved")
    saved = tmp_path / "saved" / "ropa.xlsx"
    wb = openpyxl.load_workbook(saved)
    assert wb["Controller record"]["B2"].alignment.wrap_text
    assert wb["data.activities"].sheet_state == "hidden"
    wb.close()
    result = import_xlsx(saved, tmp_path / "back")
    skip = {"source_path", "source_hash"}
    assert result.register.model_dump(exclude=skip) == register.model_dump(exclude=skip)
    assert result.warnings == [] and result.data_edited is False
