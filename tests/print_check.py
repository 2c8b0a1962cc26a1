"""Read a printed PDF back as a reader would: the size type prints at and whether words collide.

``pdftotext -bbox-layout`` (poppler) gives every word's box in points. A word's box is as tall
as its font's ascent plus descent: about 1.3 times the font size for the Calibri-metric fonts
the workbook uses (Carlito in LibreOffice), so a box height below ``1.3 * 8`` means type printed
below 8 pt. Two word boxes drawn over each other are the sign of text overflowing its cell or
clipped by a row too short for it (the clipped words stay in the text layer, under the next row).

Reusable by every layout's test: :func:`print_problems` returns one line per problem.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BOX_PER_PT = 1.3
"""Height of a word box per point of font size (measured: 11 pt Carlito gives 14.30 pt boxes)."""
MIN_PT = 8.0
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def pt(self) -> float:
        """The font size the word prints at, in points."""
        return (self.y1 - self.y0) / BOX_PER_PT


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]


def pdf_pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf`` with its words' boxes (poppler's ``pdftotext -bbox-layout``)."""
    tool = shutil.which("pdftotext")
    assert tool, "poppler's pdftotext is needed (apt-get install poppler-utils)"
    html = subprocess.run([tool, "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages: list[Page] = []
    for chunk in html.split("<page ")[1:]:
        m = _PAGE.match("<page " + chunk)
        words = [Word(w[4], *map(float, w[:4])) for w in _WORD.findall(chunk)]
        pages.append(Page(len(pages) + 1, float(m.group(1)), float(m.group(2)), words))
    return pages


def _overlap(a: Word, b: Word) -> float:
    """Area two boxes share, as a share of the smaller box."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0)) or 1.0
    return w * h / smaller


def overlaps(page: Page, share: float = 0.25) -> list[tuple[Word, Word]]:
    """Pairs of words on a page drawn over each other (sharing more than ``share`` of the smaller box)."""
    words = sorted(page.words, key=lambda w: w.y0)
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.y0 >= a.y1:
                break
            if _overlap(a, b) > share:
                found.append((a, b))
    return found


def print_problems(pdf: Path, min_pt: float = MIN_PT, name: str = "") -> list[str]:
    """One line per page of ``pdf`` printing below ``min_pt`` or with words drawn over each other."""
    label = name or pdf.name
    out = []
    for page in pdf_pages(pdf):
        sized = [w for w in page.words if sum(ch.isalnum() for ch in w.text) >= 2]
        if sized:
            small = min(sized, key=lambda w: w.pt)
            if small.pt < min_pt - 0.05:
                out.append(f"{label} page {page.number}: prints at {small.pt:.1f} pt ({small.text!r})")
        clash = overlaps(page)
        if clash:
            a, b = clash[0]
            out.append(f"{label} page {page.number}: {len(clash)} word(s) drawn over others, e.g. "
                       f"{a.text!r} and {b.text!r}")
    return out


def page_count(pdf: Path) -> int:
    return len(pdf_pages(pdf))
