"""ICO- and CNIL-shaped spreadsheets (English, French; .xlsx and .ods) come in as registers that
validate, every value mapped or kept as a label with an assumption; bad input is refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_libreoffice import convert

from audit_lib.cli import main
from audit_lib.io import lexicon
from audit_lib.io.loader import load_register
from audit_lib.io.spreadsheet import SpreadsheetError, import_spreadsheet

ICO_HEADINGS = [
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are transferred to "
    "(if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or international organisations "
    "(if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
]
ICO_ROWS = [
    [
        "Human resources",
        "Payroll",
        "",
        "Employees",
        "Name, bank details, National Insurance number",
        "HMRC; payroll provider",
        "",
        "",
        "",
        "6 years after the employee leaves",
        "Encryption; locked cabinets",
        "Legal obligation",
    ],
    [
        "Marketing",
        "Newsletter",
        "",
        "Customers; prospects",
        "Email; favourite colour",
        "Mailing service",
        "",
        "United States",
        "Standard contractual clauses",
        "Until unsubscribe",
        "Access control",
        "Consent",
    ],
]
CNIL_HEADINGS = [
    "Nom du traitement",
    "Finalité(s)",
    "Base légale",
    "Catégories de personnes concernées",
    "Catégories de données collectées",
    "Destinataires",
    "Transferts hors UE",
    "Durée de conservation",
    "Mesures de sécurité",
]
CNIL_ROWS = [
    [
        "Gestion de la paie",
        "Paie des salariés",
        "Obligation légale",
        "Salariés",
        "Nom, prénom, coordonnées bancaires, numéro de sécurité sociale",
        "Service RH; URSSAF",
        "Néant",
        "5 ans à compter de la fin du contrat",
        "Chiffrement des fichiers; armoire fermée à clé",
    ],
    [
        "Vidéosurveillance",
        "Sécurité des locaux",
        "Intérêt légitime",
        "Visiteurs; salariés",
        "Images",
        "Société de surveillance",
        "États-Unis",
        "30 jours",
        "Accès restreint",
    ],
]


def _ico(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Controller"
    ws.append(["Documentation of processing activities \u2014 requirements"])
    ws.append(["", "Name", "Address", "Email", "Telephone"])
    ws.append(["Controller", "Acme Widgets Ltd", "1 High Street, Leeds", "privacy@acme.example", "0113 000"])
    ws.append(["Data Protection Officer", "Jo Bloggs", "", "dpo@acme.example", ""])
    ws.append([])
    ws.append(ICO_HEADINGS)
    for row in ICO_ROWS:
        ws.append(row)
    wb.create_sheet("Processor")
    wb.save(path)
    return path


def _cnil(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Registre"
    ws.append(["Registre des activités de traitement"])
    ws.append(
        [
            "Responsable du traitement",
            "Boulangerie Dupont SARL",
            "3 rue du Pain, Lyon",
            "contact@dupont.example",
        ]
    )
    ws.append([])
    ws.append(CNIL_HEADINGS)
    for row in CNIL_ROWS:
        ws.append(row)
    wb.save(path)
    return path


def _fiche_xlsx(path: Path) -> Path:
    """The CNIL 2018 model's shape: one 'fiche' per sheet, labels in column A, values in B."""
    wb = openpyxl.Workbook()
    wb.active.title = "Fiche 1"
    for name, row in (("Fiche 1", CNIL_ROWS[0]), ("Fiche 2", CNIL_ROWS[1])):
        ws = wb[name] if name in wb.sheetnames else wb.create_sheet(name)
        ws.append(["Fiche de registre de l'activité"])
        for label, value in zip(CNIL_HEADINGS, row, strict=True):
            ws.append([label, value])
    wb.save(path)
    return path


def _imported(path: Path, tmp_path: Path):
    result = import_spreadsheet(path, tmp_path / "org")
    return result, load_register(tmp_path / "org")


def test_ico_workbook_in_english(tmp_path):
    result, reg = _imported(_ico(tmp_path / "ico.xlsx"), tmp_path)
    assert result.shape.startswith("ICO")
    assert reg.organisation.name == "Acme Widgets Ltd" and reg.organisation.dpo.name == "Jo Bloggs"
    payroll = next(a for a in reg.activities if a.name == "Human resources")
    assert [b.value for b in payroll.legal_basis] == ["legal_obligation"]
    assert [s.key for s in payroll.data_subjects] == ["employee"]
    assert {c.key for c in payroll.data_categories} == {
        "user.name",
        "user.financial.bank_account",
        "user.government_id.national_identification_number",
    }
    assert payroll.retention[0].period == "P6Y" and payroll.retention[0].trigger == "the employee leaves"
    roles = {r.name: r.role.value for r in reg.recipients}
    assert roles["HMRC"] == "public_authority" and roles["payroll provider"] == "processor"
    newsletter = next(a for a in reg.activities if a.name == "Marketing")
    colour = next(c for c in newsletter.data_categories if c.label == "favourite colour")
    assert colour.key == lexicon.lexicon()["fallback"]["data_categories"] and newsletter.assumed(
        "data_categories"
    )
    abroad = next(r for r in reg.recipients if r.countries)
    assert abroad.countries == ["US"] and abroad.transfer_mechanisms[0].type.value == "scc"
    assert newsletter.retention[0].period == "not_stated" and newsletter.retention[0].assumed("period")


def test_cnil_registre_in_french_and_every_value_shown(tmp_path):
    result, reg = _imported(_cnil(tmp_path / "registre.xlsx"), tmp_path)
    assert result.shape.startswith("CNIL")
    assert reg.organisation.name == "Boulangerie Dupont SARL"
    paie = next(a for a in reg.activities if a.name == "Gestion de la paie")
    assert [b.value for b in paie.legal_basis] == ["legal_obligation"]
    assert paie.retention[0].period == "P5Y" and paie.retention[0].trigger == "la fin du contrat"
    assert [p.key for p in paie.purposes] == ["employment"]
    video = next(a for a in reg.activities if a.name == "Vidéosurveillance")
    assert video.retention[0].period == "P30D" and [b.value for b in video.legal_basis] == [
        "legitimate_interests"
    ]
    assert next(r for r in reg.recipients if r.countries).countries == ["US"]
    assert {m.type for m in reg.security_measures} == {"technical", "physical", "organisational"}
    # every non-empty value is either mapped (I031) or kept as a label with an assumption (I032)
    shown = " ".join(i.message for i in result.issues)
    for row in CNIL_ROWS:
        for value in row[1:]:
            if not lexicon.is_empty(value):
                for item in lexicon.split_items(value):
                    assert f"'{item}'" in shown, item
    assert all(i.code in ("ROPA-I031", "ROPA-I032") for i in result.issues)


def test_cnil_fiches_one_sheet_per_activity(tmp_path):
    result, reg = _imported(_fiche_xlsx(tmp_path / "fiches.xlsx"), tmp_path)
    assert result.shape.endswith("(fiches)")
    assert [a.name for a in reg.activities] == ["Gestion de la paie", "Vidéosurveillance"]
    assert reg.organisation.assumed("name")  # no controller block: the file name, to confirm


def test_ods_through_libreoffice(tmp_path):
    """The .ods is made by LibreOffice itself (a skip only on a machine without it, a failure in CI)."""
    xlsx = _cnil(tmp_path / "registre.xlsx")
    ods = convert(xlsx, "ods", tmp_path / "ods") / "registre.ods"
    assert main(["import", "ods", str(ods), "-o", str(tmp_path / "org"), "-q"]) == 0
    reg = load_register(tmp_path / "org")
    assert {a.name for a in reg.activities} == {"Gestion de la paie", "Vidéosurveillance"}
    assert next(a for a in reg.activities if a.name == "Gestion de la paie").retention[0].period == "P5Y"
    assert main(["validate", str(tmp_path / "org")]) == 0


def _formula(path: Path) -> Path:
    _cnil(path)
    wb = openpyxl.load_workbook(path)
    wb.active["H5"] = "=1+1"
    wb.save(path)
    return path


def _error_cell(path: Path) -> Path:
    _cnil(path)
    wb = openpyxl.load_workbook(path)
    wb.active["H5"] = "#REF!"  # a broken reference, not the text of a purpose
    wb.save(path)
    return path


def _far_cell(path: Path) -> Path:
    _cnil(path)
    wb = openpyxl.load_workbook(path)
    wb.active.cell(5, 205).value = "Also the payroll provider"  # was cut off at column 200
    wb.save(path)
    return path


def _corrupt(path: Path) -> Path:
    data = _cnil(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _other_shape(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["Invoice", "Amount", "Date"])
    wb.active.append(["INV-1", 10, "2026-01-01"])
    wb.save(path)
    return path


def _macro(path: Path) -> Path:
    _cnil(path.with_suffix(".xlsx"))
    with (
        zipfile.ZipFile(path.with_suffix(".xlsx")) as src,
        zipfile.ZipFile(path.with_name("m.xlsx"), "w") as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\x00macro")
    return path.with_name("m.xlsx")


@pytest.mark.parametrize(
    "make, name, reason",
    [
        (_formula, "f.xlsx", "Registre!H5: a formula"),
        (_error_cell, "e.xlsx", "Registre!H5: an error value (#REF!)"),
        (_far_cell, "w.xlsx", "Registre!GW5: a value past column 200"),
        (_corrupt, "c.xlsx", "not an .xlsx workbook"),
        (_other_shape, "o.xlsx", "no sheet has the headings of an ICO or CNIL register"),
        (_macro, "x.xlsx", "macro"),
        (lambda p: _cnil(p.with_suffix(".xlsx")).rename(p) or p, "r.xlsm", ".xlsm is not accepted"),
    ],
)
def test_bad_input_is_refused_with_no_partial_output(tmp_path, capsys, make, name, reason):
    path = make(tmp_path / name)
    with pytest.raises(SpreadsheetError) as err:
        import_spreadsheet(path, tmp_path / "org")
    assert any(reason in i.message for i in err.value.issues), [i.message for i in err.value.issues]
    assert not (tmp_path / "org").exists()
    assert main(["import", "xlsx", str(path), "-o", str(tmp_path / "org")]) == 1
    assert "nothing was written" in capsys.readouterr().err and not (tmp_path / "org").exists()


def test_lexicon_reads_french_and_english_countries_and_durations():
    assert lexicon.country("Allemagne").value == "DE" and lexicon.country("Germany").value == "DE"
    assert lexicon.country("Royaume-Uni").value == "GB" and lexicon.country("UK").value == "GB"
    assert lexicon.country("Atlantis").value is None
    assert lexicon.retention("13 mois")[0].value == "P13M"
    assert lexicon.retention("three years from last contact") == (
        lexicon.retention("P3Y")[0].__class__("three years from last contact", "P3Y", True, "'three years'"),
        "last contact",
    )
    assert not lexicon.retention("as long as needed")[0].mapped
