"""The ICO and CNIL layouts, and the csv / json exports."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_export import SAMPLES, make_rich_register

from audit_lib.export import export, format_for, write_csv, write_json, write_workbook
from audit_lib.export.cnil import FICHE_COLUMNS
from audit_lib.export.ico import ICO_COLUMNS
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
    newsletter = next(r for r in body if "[newsletter]" in r[0])
    orders = next(r for r in body if "[orders]" in r[0])
    rights = headers.index("Rights available to individuals")
    assert "Access (Art 15): Email privacy@example.test; response time: one month" in newsletter[rights]
    assert "Withdraw consent (Art 7(3)): Unsubscribe link" in newsletter[rights]  # consent-based
    assert "Withdraw consent" not in orders[rights]  # contract-based: no consent to withdraw
    assert "Portability (Art 20): Download from the account page" in orders[rights]
    breach = orders[headers.index("Link to record of personal data breach")]
    assert "Data protection officer" in breach and "72 hours" in breach and "By email" in breach
    contract = orders[headers.index("Link to contract with processor")]
    assert "PayCo Ltd [payments]: DPA-2024-01 of 2024-01-10" in contract


def test_ico_sample_rights_filled(mobikin, tmp_path):
    out = tmp_path / "ico.xlsx"
    write_workbook(mobikin, out, layout="ico", diagram=False)
    headers, body = _table(_rows(out, "Controller"), "Business function")
    rights = headers.index("Rights available to individuals")
    assert all(r[rights] and not str(r[rights]).startswith("Not recorded") for r in body)
    assert all("contact@mobikin.com" in r[rights] for r in body)


def test_ico_processor_sheet(rich, tmp_path):
    out = tmp_path / "ico.xlsx"
    write_workbook(rich, out, layout="ico")
    headers, body = _table(_rows(out, "Processor"), "Name and contact details of controller")
    assert "Client GmbH" in body[0][0] and "SCC-2023-9" in body[0][4]


def test_cnil_french_headings(rich, tmp_path):
    out = tmp_path / "cnil.xlsx"
    write_workbook(rich, out, layout="cnil")
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Registre", "Fiches de registre", "Sous-traitant", "Notes"]
    wb.close()
    headers, body = _table(_rows(out, "Fiches de registre"), "R\u00e9f\u00e9rence")
    assert headers == [c[0] for c in FICHE_COLUMNS]
    assert "Dur\u00e9es de conservation des cat\u00e9gories de donn\u00e9es" in headers
    assert "Sous-traitants" in headers and "Mesures de s\u00e9curit\u00e9" in headers
    orders = next(r for r in body if r[0] == "orders")
    assert "PayCo Ltd" in orders[headers.index("Sous-traitants")]
    assert "Parcel Service" in orders[headers.index("Organismes externes")]
    assert orders[headers.index("Transferts des donn\u00e9es hors UE")].startswith("Oui")
    newsletter = next(r for r in body if r[0] == "newsletter")
    assert newsletter[headers.index("Des donn\u00e9es sensibles sont-elles trait\u00e9es ?")] == "Non"
    registre = _rows(out, "Registre")
    assert registre[0][0] == "Registre des activit\u00e9s de traitement de Example Shop"
    assert any(r[1] == "Jane Doe, dpo@example.test" for r in registre)


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
        ctrl = list(csv.reader(io.StringIO(zf.read("02_controller_record.csv").decode("utf-8-sig"))))
    assert "01_cover.csv" in names and any(n.endswith("data_activities.csv") for n in names)
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
