"""The workbook as a regulator reads it: printed to PDF by LibreOffice, read back word by word.

Both sample registers are exported in every layout and converted to PDF once (one LibreOffice
run for the module). Every page must print at 8 pt or more with no word drawn over another
(:mod:`print_check`); the standard Cover is one page carrying the headline counts; a
30,000-character field and a 200-item list print whole (no clipping, nothing lost).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from print_check import pdf_pages, print_problems
from test_export import SAMPLES
from test_libreoffice import _soffice

from audit_lib.export import LAYOUTS, write_workbook
from audit_lib.io.loader import load_register
from audit_lib.model import Register

AS_OF = "2026-11-23"
MINIMAL = Path(__file__).parent / "data" / "minimal"


def to_pdf(workbooks: list[Path], outdir: Path) -> dict[Path, Path]:
    """Convert workbooks to PDF in one LibreOffice run (a throw-away profile); xlsx -> pdf path."""
    cmd = [_soffice(), f"-env:UserInstallation={(outdir / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(outdir), *map(str, workbooks)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = {w: outdir / f"{w.stem}.pdf" for w in workbooks}
    assert all(p.exists() for p in out.values()), done.stderr
    return out


def _long_register() -> tuple[Register, str, list[str]]:
    long_text = " ".join(f"w{i:05d}" for i in range(5000))  # 30,000 characters
    items = [f"Evidence sentence number i{i:03d} of the policy." for i in range(200)]
    data = load_register(MINIMAL).model_dump()
    data["activities"][0].update(description=long_text, evidence=items)
    return Register.model_validate(data), long_text, items


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    books: dict[str, Path] = {}
    for name, path in SAMPLES.items():
        register = load_register(path)
        for layout in LAYOUTS:
            books[f"{name}-{layout}"] = out = folder / f"{name}-{layout}.xlsx"
            write_workbook(register, out, layout, AS_OF)
    register, long_text, items = _long_register()
    books["long"] = folder / "long.xlsx"
    write_workbook(register, books["long"], "standard", AS_OF, diagram=False)
    pdfs = to_pdf(list(books.values()), folder)
    return {key: pdfs[book] for key, book in books.items()}, long_text, items


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_page_prints_at_8_pt_without_overlapping_words(printed, name, layout):
    pdfs, _, _ = printed
    pdf = pdfs[f"{name}-{layout}"]
    assert print_problems(pdf, name=f"{name} {layout}") == []


def _sheet_pages(pdf: Path, sheet: str) -> list:
    """The pages of one sheet (the page header names the sheet, top right)."""
    out = []
    for page in pdf_pages(pdf):
        top = [w for w in page.words if w.y1 < 60]
        if " ".join(w.text for w in sorted(top, key=lambda w: w.x0)).endswith(sheet):
            out.append(page)
    return out


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_cover_is_one_page_with_the_headline_counts(printed, name):
    pdfs, _, _ = printed
    pages = _sheet_pages(pdfs[f"{name}-standard"], "Cover")
    assert len(pages) == 1
    text = " ".join(w.text for w in pages[0].words)
    for label in ("Activities", "Recipients", "Transfers", "Findings: high", "Findings: medium",
                  "Findings: low", "Findings: info", "Contents", "Record cards", "Guide"):
        assert label in text, label


def test_long_field_and_long_list_print_whole(printed):
    pdfs, long_text, items = printed
    pdf = pdfs["long"]
    assert print_problems(pdf, name="long") == []  # nothing clipped (no word under another)
    words = {w.text for page in pdf_pages(pdf) for w in page.words}
    cards = " ".join(w.text for page in _sheet_pages(pdf, "Record cards") for w in page.words)
    # every word of the 30,000-character field and every one of the 200 items is printed
    assert set(long_text.split()) <= words
    assert all(re.search(rf"\bi{i:03d}\b", cards) for i in range(len(items)))
    assert "(continued)" in words or "(continued)" in cards
