"""The ICO and CNIL layouts (shaped like the regulators' templates, printed by LibreOffice), csv, json."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_export import SAMPLES, make_rich_register

from audit_lib.export import export, format_for, write_csv, write_json, write_workbook
from audit_lib.export.cnil import FICHE_COLUMNS, FICHES, HYPOTHESE, MAX_LINES, SUITE
from audit_lib.export.cnil_fr import MESURES_CNIL, date_fr, duree_fr, pays_fr, wrap_lines
from audit_lib.export.context import build_context
from audit_lib.export.ico import GROUPS, ICO_COLUMNS, PROCEDURES
from audit_lib.io.loader import load_register


def _rows(path: Path, sheet: str) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max(len(r) for r in rows)
    return [r + [None] * (width - len(r)) for r in rows]


def _table(rows: list[list], first_header: str) -> tuple[list[str], list[list]]:
    i = next(i for i, r in enumerate(rows) if r[0] == first_header)
    return rows[i], rows[i + 1:]


def _records(body: list[list]) -> list[list]:
    """The first row of each record: rows marked (continued) carry on a long cell of the row above."""
    return [r for r in body if not str(r[0]).startswith("(continued)")]


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    return load_register(make_rich_register(tmp_path_factory.mktemp("reg")))


@pytest.fixture(scope="module")
def mobikin():
    return load_register(SAMPLES["mobikin"])


def test_ico_columns_in_template_order(rich, tmp_path):
    out = tmp_path / "ico.xlsx"
    write_workbook(rich, out, layout="ico")
    rows = _rows(out, "Controller")
    headers, body = _table(rows, "Business function")
    assert headers == [c[0] for c in ICO_COLUMNS]
    assert len(headers) == 30
    assert headers[15] == "Rights available to individuals"
    assert len(body) == len(rich.activities)
    # the contact block above the table, as in the ICO template
    block = {r[0]: r[1:5] for r in rows[:6] if r[0]}
    assert block["Controller"][0] == "Example Shop"
    assert block["Data Protection Officer"][0] == "Jane Doe"
    assert block["Data Protection Officer"][2] == "dpo@example.test"


def test_ico_rights_and_breach_come_from_commitments(rich, tmp_path):
    out = tmp_path / "ico.xlsx"
    write_workbook(rich, out, layout="ico")
    headers, body = _table(_rows(out, "Controller"), "Business function")
    newsletter = next(r for r in body if "[newsletter]" in r[1])
    orders = next(r for r in body if "[orders]" in r[1])
    rights = headers.index("Rights available to individuals")
    assert "Withdraw consent (Art 7(3))" in newsletter[rights]  # consent-based
    assert "Withdraw consent" not in orders[rights]  # contract-based: no consent to withdraw
    assert "Portability (Art 20)" in orders[rights]
    assert f"sheet {PROCEDURES}" in orders[rights]
    assert f"sheet {PROCEDURES}" in orders[headers.index("Link to record of personal data breach")]
    contract = orders[headers.index("Link to contract with processor")]
    assert "PayCo Ltd [payments]: DPA-2024-01 of 2024-01-10" in contract
    procedures = {(r[0], r[1]): r[3] for r in _rows(out, PROCEDURES)[1:]}
    assert procedures[("Rights available to individuals", "Access")] == \
        "Email privacy@example.test; response time: one month"
    assert procedures[("Rights available to individuals", "Withdraw consent")].startswith("Unsubscribe link")
    breach = procedures[("Personal data breaches", "Breach procedure")]
    assert "Data protection officer" in breach and "72 hours" in breach and "By email" in breach


def _cells(path: Path) -> dict[str, list[str]]:
    """Sheet name -> the text of its non-empty cells."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [str(v) for row in ws.iter_rows(values_only=True) for v in row if v]
                for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_ico_rights_block_stated_once(name, tmp_path):
    register = load_register(SAMPLES[name])
    out = tmp_path / "ico.xlsx"
    write_workbook(register, out, layout="ico", diagram=False)
    cells = _cells(out)
    hows = [c.how.rstrip(".") for c in register.commitments.rights if c.how]
    assert hows
    for how in hows:  # how each right is exercised stands on the Procedures sheet, nowhere else
        assert any(how in c for c in cells[PROCEDURES]), how
        assert not any(how in c for sheet, texts in cells.items() if sheet != PROCEDURES for c in texts), how
    headers, body = _table(_rows(out, "Controller"), "Business function")
    rights = headers.index("Rights available to individuals")
    assert len(_records(body)) == len(register.activities)
    assert all(len(r[rights]) < 400 and PROCEDURES in r[rights] for r in _records(body))


def test_ico_sample_rights_filled(mobikin, tmp_path):
    out = tmp_path / "ico.xlsx"
    write_workbook(mobikin, out, layout="ico", diagram=False)
    procedures = [r for r in _rows(out, PROCEDURES)[1:] if r[0] == "Rights available to individuals"]
    assert procedures and any("contact@mobikin.com" in r[3] for r in procedures)
    headers, body = _table(_rows(out, "Controller"), "Business function")
    rights = headers.index("Rights available to individuals")
    assert len(_records(body)) == len(mobikin.activities)
    assert all(r[rights] and not str(r[rights]).startswith("Not recorded") for r in _records(body))


def test_ico_processor_sheet(rich, tmp_path):
    out = tmp_path / "ico.xlsx"
    write_workbook(rich, out, layout="ico")
    headers, body = _table(_rows(out, "Processor"), "Name and contact details of controller")
    assert "Client GmbH" in body[0][0] and "SCC-2023-9" in body[0][4]


def test_ico_business_function_holds_the_department(tmp_path):
    register = load_register(SAMPLES["dearmob"])
    out = tmp_path / "ico.xlsx"
    write_workbook(register, out, layout="ico", diagram=False)
    rows = _rows(out, "Controller")
    headers, body = _table(rows, "Business function")
    by_id = {re.search(r"\[([^\]]+)\]", r[1]).group(1): r for r in body}
    assert set(by_id) == {a.id for a in register.activities}
    for act in register.activities:
        function = by_id[act.id][0]
        assert act.name not in function  # the activity's name heads "Purpose of processing" instead
        assert by_id[act.id][1].startswith(f"{act.name} [{act.id}]")
        if act.department:
            assert function.startswith(act.department)
        else:
            assert function.startswith("Not recorded")
    assert by_id["contact_support"][0] == "Customer Support"
    # the template's group headings sit in the row just above the column headings' blank row
    header_row = next(i for i, r in enumerate(rows) if r[0] == "Business function")
    group_row = rows[header_row - 2]
    assert [(i, group_row[i]) for i, _ in GROUPS] == GROUPS
    assert headers[GROUPS[1][0]].startswith("Article 6 lawful basis")


def test_cnil_french_headings(rich, tmp_path):
    out = tmp_path / "cnil.xlsx"
    write_workbook(rich, out, layout="cnil", as_of="2026-06-01")
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Registre", FICHES, "Sous-traitant", "Notes"]
    wb.close()
    headers, body = _table(_rows(out, FICHES), "Rubrique")
    assert headers == [c[0] for c in FICHE_COLUMNS]
    registre = _rows(out, "Registre")
    assert registre[0][0] == "Registre des activit\u00e9s de traitement de Example Shop"
    assert any(r[1] == "Jane Doe, dpo@example.test" for r in registre)


def _fiches(body: list[list]) -> dict[str, list[list]]:
    """Activity id -> the rows of its fiche."""
    out: dict[str, list[list]] = {}
    current = None
    for r in body:
        if r[0] and str(r[0]).startswith("FICHE "):
            current = r[1].removeprefix("R\u00e9f\u00e9rence : ")
            out[current] = []
        if current:
            out[current].append(r)
    return out


SECTIONS = ["ACTEURS", "FINALIT\u00c9(S) DU", "CAT\u00c9GORIES DE DONN\u00c9ES",
            "CAT\u00c9GORIES DE PERSONNES", "DESTINATAIRES",
            "TRANSFERTS DE DONN\u00c9ES", "MESURES DE S\u00c9CURIT\u00c9"]


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_cnil_one_fiche_per_activity_shaped_like_the_registre_simplifie(name, tmp_path):
    register = load_register(SAMPLES[name])
    out = tmp_path / "cnil.xlsx"
    write_workbook(register, out, layout="cnil", as_of="2026-06-01")
    _, body = _table(_rows(out, FICHES), "Rubrique")
    fiches = _fiches(body)
    assert list(fiches) == [a.id for a in register.activities]
    ctx = build_context(register, "2026-06-01", diagram=False)
    headings = [h for h, _ in MESURES_CNIL] + ["Autres mesures"]
    for act in register.activities:
        rows = fiches[act.id]
        labels = [str(r[0]) for r in rows]
        starts = [next(i for i, lab in enumerate(labels) if lab.startswith(s)) for s in SECTIONS]
        assert starts == sorted(starts), act.id  # the model's sections, in the model's order
        assert labels.count("Finalit\u00e9 principale") == 1
        assert sum(lab.startswith("Sous-finalit\u00e9") for lab in labels) == max(0, len(act.purposes) - 1)
        data = rows[starts[2] + 1: starts[3]]
        categories = [r for r in data if r[1] and any(r[1] == c.key or r[1].endswith(f"[{c.key}]")
                                                      for c in act.data_categories)]
        assert len(categories) == len(act.data_categories)  # one row per category, its retention beside it
        assert all(r[2] for r in categories)
        transfers = [r for r in rows if r[0] == "Transfert"]
        found = ctx.transfers_of(act.id)
        assert len(transfers) == len(found)  # one row per importer, from the classification
        for row, t in zip(transfers, found, strict=True):
            if t.controller_is_importer:  # inbound: the controller imports, the source party exports
                assert t.importer_name in row[1] and "importateur" in row[1], row
                assert f"[{t.exporter}]" in str(row[2]) and pays_fr(t.country) in row[2]
            else:
                assert f"[{t.importer}]" in row[1] and pays_fr(t.country) in row[2]
        measures = rows[starts[6] + 1:]
        assert [h for h in headings if any(r[0] == h for r in measures)] == headings  # the fixed list
        placed = [r for r in measures if r[1] and r[1].endswith("]")]
        assert sorted(r[1].rsplit("[", 1)[1][:-1] for r in placed) == sorted(act.security_measures)


ENGLISH = {"not", "recorded", "period", "stated", "none", "lawful", "mechanism", "transfer", "transfers",
           "the", "and", "of", "with", "from", "for", "compliant", "safeguard", "verify", "sheet",
           "continued",
           "processor", "controller", "recipient", "recipients", "year", "years", "month", "months", "day",
           "days", "internal", "independent", "authority", "decision", "country", "assumption", "confirm",
           "required", "yes", "no", "established", "designated", "only", "onward", "declared", "unknown",
           "legitimate", "interests", "consent", "contract", "special", "criminal", "category", "indefinite",
           "activity", "activities", "purpose", "purposes", "data", "retention", "measures", "security"}
"""English words the tool generates in its other layouts (a French word of the same spelling is left out)."""
ENGLISH_PHRASES = ["Not recorded", "period not stated", "no lawful mechanism", "Page &P of &N",
                   "None recorded", "Assumption to confirm", "safeguard to verify",
                   "Record of processing activities"]


def _register_strings(register) -> list[str]:
    """Every text the register holds (its own words, which stay as written), longest first."""
    out: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(register.model_dump(mode="json"))
    return sorted({" ".join(s.split()) for s in out if len(s) > 1}, key=len, reverse=True)


def _field_names() -> set[str]:
    """Field names of the register's models: identifiers the Notes sheet cites, not English text."""
    from pydantic import BaseModel

    import audit_lib.model as model

    return {name for obj in vars(model).values()
            if isinstance(obj, type) and issubclass(obj, BaseModel) for name in obj.model_fields}


FIELD_NAMES = _field_names()


def english_in(text: str, register_strings: list[str]) -> set[str]:
    """English words and phrases of ``text`` once the register's own words and field names are taken out
    (line breaks count as spaces: a printed cell breaks long text into lines)."""
    text = " ".join(text.split())
    for s in register_strings:
        if s in text:
            text = text.replace(s, " ")
    if text.startswith("Dans le registre :"):  # the Notes sheet names the register's fields
        text = re.sub(r"[A-Za-z_]+", lambda m: " " if m.group(0) in FIELD_NAMES else m.group(0), text)
    found = {p for p in ENGLISH_PHRASES if p.lower() in text.lower()}
    return found | (set(re.findall(r"[a-z]+", text.lower())) & ENGLISH)


def test_english_checker_finds_english():
    found = english_in("Dur\u00e9e : period not stated", [])
    assert found == {"period not stated", "period", "not", "stated"}
    assert english_in("Google LLC : no lawful mechanism", ["Google LLC"]) >= {"no lawful mechanism"}
    assert english_in("Le registre ne contient pas cette information.", []) == set()


@pytest.mark.parametrize("name", ["mobikin", "dearmob", "rich"])
def test_cnil_workbook_has_no_english_generated_text(name, rich, tmp_path):
    register = rich if name == "rich" else load_register(SAMPLES[name])
    out = tmp_path / "cnil.xlsx"
    write_workbook(register, out, layout="cnil", as_of="2026-06-01")
    strings = _register_strings(register)
    wb = openpyxl.load_workbook(out)
    try:
        texts = []
        for ws in wb.worksheets:
            texts += [ws.title, ws.oddHeader.left.text or "", ws.oddHeader.right.text or "",
                      ws.oddFooter.right.text or ""]
            texts += [str(v) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
        portrait = {ws.title for ws in wb.worksheets if ws.page_setup.orientation == "portrait"}
    finally:
        wb.close()
    english = {t: e for t in texts if (e := english_in(t, strings))}
    assert english == {}
    assert {"Registre", FICHES} <= portrait


def test_cnil_french_generated_wording():
    import datetime as dt

    assert date_fr(dt.date(2026, 6, 1)) == "1er juin 2026"
    assert date_fr(dt.date(2025, 8, 15)) == "15 ao\u00fbt 2025"
    assert duree_fr("P10Y") == "10 ans" and duree_fr("P1Y6M") == "1 an et 6 mois"
    assert duree_fr("not_stated") == duree_fr(None) == "dur\u00e9e non pr\u00e9cis\u00e9e"
    assert pays_fr("US") == "\u00c9tats-Unis (US)"


def test_cnil_long_text_continues_on_rows_never_clipped(rich, tmp_path):
    """A 30,000-character field and a 200-item list continue over rows marked (suite)."""
    act = rich.activities[0]
    long_text = " ".join(f"mot{i}" for i in range(5000))[:30_000]
    keys = [c.key for c in act.data_categories]
    many = [act.data_categories[0].model_copy(update={"label": f"cat\u00e9gorie {i}"}) for i in range(200)]
    big = act.model_copy(update={"description": long_text, "data_categories": many})
    register = rich.model_copy(update={"activities": [big, *rich.activities[1:]]})
    out = tmp_path / "cnil.xlsx"
    write_workbook(register, out, layout="cnil")
    _, body = _table(_rows(out, FICHES), "Rubrique")
    widths = [c[1] for c in FICHE_COLUMNS]
    for row in body:  # every printed row fits the row-height limit
        for value, width in zip(row, widths, strict=True):
            assert value is None or len(wrap_lines(str(value), width)) <= MAX_LINES
    description = [r for r in body if r[0] in ("Description", "Description" + SUITE)]
    assert len(description) > 1 and all(r[0].endswith(SUITE) for r in description[1:])
    shown = " ".join(r[1].replace(HYPOTHESE, "") for r in description).split()
    assert shown == long_text.split()  # nothing lost
    assert sum(1 for r in body if r[1] and "cat\u00e9gorie " in str(r[1])) == 200
    assert keys  # the sample activity had categories to copy


def test_unknown_layout_is_refused(rich, tmp_path):
    with pytest.raises(ValueError, match="unknown layout"):
        write_workbook(rich, tmp_path / "x.xlsx", layout="bfdi")
    assert not (tmp_path / "x.xlsx").exists()


# --------------------------------------------------------------------------
# csv and json
# --------------------------------------------------------------------------


def test_json_carries_register_and_sheets(rich, tmp_path):
    out = tmp_path / "ropa.json"
    write_json(rich, out, as_of="2026-06-01")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["source_hash"] == rich.source_hash
    assert doc["register"] == rich.model_dump(mode="json", exclude={"source_path", "source_hash"})
    sheets = {s["name"]: s for s in doc["sheets"]}
    assert [r["Activity id"] for r in sheets["Controller record"]["rows"]] == [a.id for a in rich.activities]
    assert any(t["importer"] == "mailer" for t in doc["transfers"])
    assert doc["findings"] and all("code" in f for f in doc["findings"])


def test_csv_zip_one_file_per_sheet(rich, tmp_path):
    out = tmp_path / "ropa.zip"
    write_csv(rich, out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        ctrl = list(csv.reader(io.StringIO(zf.read("03_controller_record.csv").decode("utf-8-sig"))))
    assert names[:4] == ["01_cover_preamble.csv", "01_cover.csv", "02_controller.csv",
                         "03_controller_record.csv"]
    assert any(n.endswith("data_activities.csv") for n in names)
    assert ctrl[0][0] == "Activity id" and [r[0] for r in ctrl[1:]] == [a.id for a in rich.activities]


def test_csv_folder_ico_layout_keeps_contact_block(rich, tmp_path):
    out = tmp_path / "ico_csv"
    write_csv(rich, out, layout="ico")
    files = sorted(p.name for p in out.iterdir())
    assert files[:2] == ["01_controller.csv", "01_controller_preamble.csv"]
    block = (out / "01_controller_preamble.csv").read_text(encoding="utf-8-sig")
    assert "Jane Doe" in block


def test_csv_never_replaces_a_folder_it_did_not_write(rich, tmp_path):
    register_folder = tmp_path / "ropa"
    register_folder.mkdir()
    (register_folder / "activities.yaml").write_text("- id: keep\n")
    with pytest.raises(FileExistsError, match="not from a csv export"):
        write_csv(rich, register_folder)
    assert [p.name for p in register_folder.iterdir()] == ["activities.yaml"]
    write_csv(rich, tmp_path / "again")
    write_csv(rich, tmp_path / "again")  # a previous csv export is replaced


def test_export_dispatch_by_name(rich, tmp_path):
    assert format_for("a.json") == "json" and format_for("a.zip") == "csv" and format_for("a.xlsx") == "xlsx"
    assert export(rich, tmp_path / "r.json").suffix == ".json"
    with pytest.raises(ValueError, match="folder or a .zip"):
        export(rich, tmp_path / "r.csv", fmt="csv")


def test_docs_list_every_column_of_every_layout():
    from audit_lib.export import sheets as standard
    from audit_lib.export import workbook
    from audit_lib.export.cnil import PROCESSOR_COLUMNS as CNIL_PROCESSOR
    from audit_lib.export.ico import PROCESSOR_COLUMNS as ICO_PROCESSOR

    doc = (Path(__file__).resolve().parent.parent / "docs" / "export-layouts.md").read_text(encoding="utf-8")
    headers = [c.header for cols in (workbook.CONTROLLER_COLUMNS, workbook.PROCESSOR_COLUMNS,
                                     standard.RECIPIENT_COLUMNS, standard.TRANSFER_COLUMNS,
                                     standard.FINDING_COLUMNS, standard.COMMITMENT_COLUMNS,
                                     standard.SECURITY_COLUMNS, standard.SYSTEM_COLUMNS,
                                     standard.ASSUMPTION_COLUMNS, standard.FLOW_COLUMNS) for c in cols]
    headers += [c[0] for cols in (ICO_COLUMNS, ICO_PROCESSOR, FICHE_COLUMNS, CNIL_PROCESSOR) for c in cols]
    missing = [h for h in headers if f"| {h} |" not in doc]
    assert missing == [], "docs/export-layouts.md is out of date"


# --------------------------------------------------------------------------
# Printed through LibreOffice: >= 8 pt on every page, no word drawn over another
# --------------------------------------------------------------------------

FONT_BOX = 1.16
"""Height of poppler's word box per point of type size (ascent + descent of Carlito / DejaVu Sans)."""
MIN_PRINTED_PT = 8.0


def pdf_pages(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """(width, height, words) of every page; a word is (x0, y0, x1, y1, text) in points."""
    from xml.etree import ElementTree

    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    root = ElementTree.fromstring(re.sub(r'\sxmlns="[^"]+"', "", xml, count=1))
    return [(float(p.get("width")), float(p.get("height")),
             [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")),
               w.text or "") for w in p.iter("word")]) for p in root.iter("page")]


def print_problems(pdf: Path, min_pt: float = MIN_PRINTED_PT) -> list[str]:
    """Words printed below ``min_pt`` and pairs of words drawn over each other (a clipped or
    overflowing cell), page by page."""
    out = []
    for n, (_, _, words) in enumerate(pdf_pages(pdf), 1):
        small = [w for w in words if (w[3] - w[1]) / FONT_BOX < min_pt * 0.98]
        if small:
            size = min((w[3] - w[1]) / FONT_BOX for w in small)
            out.append(f"page {n}: {len(small)} words at {size:.1f} pt, e.g. {small[0][4]!r}")
        ordered = sorted(words, key=lambda w: w[1])
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                if b[1] >= a[3]:
                    break
                dx, dy = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
                smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])) or 1.0
                if dx > 0.5 and dy > 0.5 and dx * dy / smaller > 0.2:
                    out.append(f"page {n}: {a[4]!r} drawn over {b[4]!r}")
    return out


def test_print_checker_sees_small_and_overlapping_words(tmp_path, monkeypatch):
    pages = [(595.0, 842.0, [(10, 10, 40, 22.8, "lisible"), (10, 30, 40, 36, "minuscule"),
                             (100, 100, 140, 113, "dessus"), (105, 102, 150, 115, "dessous")])]
    monkeypatch.setitem(globals(), "pdf_pages", lambda pdf: pages)
    found = print_problems(tmp_path / "x.pdf")
    assert found[0].startswith("page 1: 1 words at 5.2 pt") and "'dessus' drawn over 'dessous'" in found[1]
    assert len(found) == 2


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Both samples in the ico and cnil layouts, printed to PDF by LibreOffice (one conversion)."""
    from test_libreoffice import _soffice

    folder = tmp_path_factory.mktemp("print")
    files = []
    for name, path in SAMPLES.items():
        register = load_register(path)
        for layout in ("ico", "cnil"):
            out = folder / f"{name}_{layout}.xlsx"
            write_workbook(register, out, layout=layout, as_of="2026-06-01", diagram=False)
            files.append(out)
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler (pdftotext) is needed to read the printed pages back")
    profile = folder / "profile"
    done = subprocess.run([_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--norestore", "--convert-to", "pdf", "--outdir", str(folder), *map(str, files)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return {f.stem: folder / f"{f.stem}.pdf" for f in files}


@pytest.mark.parametrize("name", ["mobikin_ico", "mobikin_cnil", "dearmob_ico", "dearmob_cnil"])
def test_layouts_print_legibly(printed, name):
    pdf = printed[name]
    assert pdf.exists(), f"LibreOffice wrote no {pdf.name}"
    assert print_problems(pdf) == []


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_cnil_prints_in_french_on_a4_portrait(printed, name):
    register = load_register(SAMPLES[name])
    pages = pdf_pages(printed[f"{name}_cnil"])
    texts = [" ".join(w[4] for w in words) for _, _, words in pages]
    portrait = [i for i, (w, h, _) in enumerate(pages) if (round(w), round(h)) == (595, 842)]
    marks = ("FICHE", "ACTEURS", "DESTINATAIRES")
    fiches = [i for i, t in enumerate(texts) if any(f"{w} " in t for w in marks)]
    assert fiches and set(fiches) <= set(portrait)  # every page of the fiches: A4 portrait
    for n, text in enumerate(texts, 1):
        assert f"Page {n} sur {len(pages)}" in text
        assert f"Registre des activit\u00e9s de traitement \u2014 {register.organisation.name}" in text
        assert f"Page {n} of" not in text
    starts = sum(t.count("FICHE ") for t in texts)
    assert starts == len(register.activities)
