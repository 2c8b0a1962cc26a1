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
    retention = newsletter[headers.index("(f) Erasure time limits \u2014 Art 30(1)(f)")]
    assert retention.startswith("period not stated")  # what the register holds, as the reader sees it
    assert "Assumption to confirm" in retention  # and the assumption behind it, marked beside it
    points = [i for i, h in enumerate(headers) if re.match(r"\([a-g]\) ", h)]
    assert all(newsletter[i].strip() for i in points)  # never blank: a missing item says so
    cards = [c for r in sheets["Record cards"] for c in r if c]
    # the paper record: the newsletter's card holds point (f)
    assert any(c.startswith("period not stated") for c in cards)
    cover = {r[0]: r[1] for r in sheets["Cover"] if len(r) > 1}
    assert cover["Source SHA-256"] == register.source_hash
    recipients = {r[0] for r in sheets["Recipients"][1:]}
    assert recipients == {r.id for r in register.recipients}


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page object (not of the /Pages tree node, whose box spans mixed orientations)."""
    pages = [obj for obj in pdf.split(b"endobj") if re.search(rb"/Type\s*/Page(?!s)", obj)]
    boxes = [re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", obj)
             for obj in pages]
    return [(float(b[3]) - float(b[1]), float(b[4]) - float(b[2])) for b in boxes if b]


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_sample_workbook_prints_record_cards_and_tables_on_a4(name, tmp_path):
    """The paper record: every page A4; the Cover and one record card per activity in portrait, the
    wide tables (Recipients, Transfers, Findings...) in landscape."""
    register = load_register(SAMPLES[name])
    xlsx = tmp_path / f"{name}.xlsx"
    write_workbook(register, xlsx)
    convert(xlsx, "pdf", tmp_path)
    sizes = _page_sizes((tmp_path / f"{name}.pdf").read_bytes())
    assert len(sizes) >= 5
    portrait = [abs(w - 595) < 2 and abs(h - 842) < 2 for w, h in sizes]  # A4 portrait
    landscape = [abs(w - 842) < 2 and abs(h - 595) < 2 for w, h in sizes]  # A4 landscape
    assert all(p or q for p, q in zip(portrait, landscape, strict=True)), sorted(set(sizes))
    assert sum(portrait) >= len(register.activities) + 1  # the Cover, then a card (or more) per activity
    assert any(landscape)  # the tables print landscape
    assert sizes[0][0] < sizes[0][1]  # the Cover, first, is portrait


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
