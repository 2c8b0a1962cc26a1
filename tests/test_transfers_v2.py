"""Transfers v2: flows in both directions, the edges of Chapter V and the exporter's regime.

Each test builds a small register and asserts the classification, article and status on a
date, the day before and the day after each boundary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml

from audit_lib.analysis.transfers import (
    Direction,
    Mechanism,
    TransferStatus,
    classify_transfers,
    transfers_table,
)
from audit_lib.audit import audit
from audit_lib.io.loader import load_register
from audit_lib.reference import transfers as ref
from audit_lib.reference.transfers import AdequacyDecision

D = dt.date
ONE = dt.timedelta(days=1)
TODAY = D(2026, 11, 23)
SAMPLES = Path(__file__).resolve().parent.parent / "ropa"


def register(folder: Path, recipients: list[dict], org: dict | None = None, sources: list[str] = (),
             linked: bool = True):
    folder.mkdir(parents=True, exist_ok=True)
    activity = {"id": "act", "name": "Orders", "legal_basis": "contract", "data_subjects": ["customer"],
                "data_categories": ["user.name", "user.contact.email"],
                "recipients": [r["id"] for r in recipients if linked and r["id"] not in sources
                               and not r.get("parent")],
                "sources": [{"type": "third_party", "party": s} for s in sources]}
    files = {"organisation.yaml": {"name": "Controller", "country": "DE", **(org or {})},
             "activities.yaml": [activity], "recipients.yaml": recipients}
    for name, data in files.items():
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        (folder / name).write_text(text, encoding="utf-8")
    return load_register(folder)


def party(rid: str, countries: list[str], role: str = "processor", **extra) -> dict:
    return {"id": rid, "name": f"{rid.title()} Ltd", "role": role, "countries": countries, **extra}


def scc(module: int, date: str | None = None, **extra) -> dict:
    m = {"type": "scc", "scc_module": module, "reference": "signed clauses",
         "transfer_impact_assessment": "TIA"}
    if date:
        m["date"] = date
    return {**m, **extra}


def rows(tmp_path, recipients, day, **kw):
    return classify_transfers(register(tmp_path / f"r{day.isoformat()}", recipients, **kw), day)


def only(transfers):
    assert len(transfers) == 1, transfers
    return transfers[0]


# ----------------------------------------------------------------------- 1. inbound flows


def merchant(**extra) -> dict:
    return party("mor", ["US", "IE"], "independent_controller", established="IE", **extra)


def test_merchant_of_record_exports_to_a_controller_outside_the_eea(tmp_path):
    t = only(rows(tmp_path, [merchant()], TODAY, org={"country": "CN"}, sources=["mor"]))
    assert (t.exporter, t.importer, t.country, t.direction) == ("mor", "controller", "CN", Direction.inbound)
    assert t.controller_is_importer and t.party == "mor" and t.regime == "EU GDPR"
    assert (t.mechanism, t.status) == (Mechanism.none, TransferStatus.no_mechanism)
    assert "module 1" in t.note  # the controller's obligations as importer


def test_inbound_with_scc_module_1_is_compliant_and_module_2_does_not_fit(tmp_path):
    t = only(rows(tmp_path, [merchant(transfer_mechanisms=[scc(1)])], TODAY, org={"country": "CN"},
                  sources=["mor"]))
    assert (t.status, t.article) == (TransferStatus.compliant, "Art 46(2)(c) (SCC 2021/914 module 1)")
    t = only(rows(tmp_path / "b", [merchant(transfer_mechanisms=[scc(2)])], TODAY, org={"country": "CN"},
                  sources=["mor"]))
    assert t.status is TransferStatus.to_verify and "scc_module_mismatch" in t.flags


def test_no_inbound_transfer_inside_the_eea_or_from_a_source_not_subject_to_the_gdpr(tmp_path):
    assert rows(tmp_path, [merchant()], TODAY, org={"country": "DE"}, sources=["mor"]) == []
    us_only = party("mor", ["US"], "independent_controller")
    assert rows(tmp_path / "b", [us_only], TODAY, org={"country": "CN"}, sources=["mor"]) == []


@pytest.mark.parametrize(("day", "status"), [(D(2021, 6, 27), None), (D(2021, 6, 28), "compliant")])
def test_inbound_to_a_uk_controller_around_the_uk_decision(tmp_path, day, status):
    found = rows(tmp_path, [merchant()], day, org={"country": "GB"}, sources=["mor"])
    assert [t.status for t in found] == ([status] if status else [])


def test_merchant_of_record_not_a_recipient_gets_no_dpf_finding(tmp_path):
    reg = register(tmp_path / "r", [merchant()], org={"country": "CN"}, sources=["mor"])
    findings = audit(reg, as_of=TODAY)
    assert not [f for f in findings if f.code == "ROPA-T002"]
    [t001] = [f for f in findings if f.code == "ROPA-T001"]
    assert t001.record == "mor" and "imports" in t001.message


@pytest.mark.parametrize(("sample", "mor"), [("mobikin", "mycommerce"), ("dearmob", "twocheckout")])
def test_samples_show_the_merchant_as_exporter(sample, mor):
    reg = load_register(SAMPLES / sample)
    transfers = classify_transfers(reg, TODAY)
    inbound = [t for t in transfers if t.exporter == mor]
    assert inbound and all(t.direction is Direction.inbound and t.importer == "controller" for t in inbound)
    assert not [t for t in transfers if t.importer == mor]
    assert not [f for f in audit(reg, as_of=TODAY) if f.code == "ROPA-T002" and f.record == mor]


# ----------------------------------------------------------------------- 2. international organisations


@pytest.mark.parametrize(("day", "status"), [(D(2025, 7, 14), "no lawful mechanism"),
                                             (D(2025, 7, 15), "compliant")])
def test_epo_has_its_own_decision_not_germany(tmp_path, day, status):
    epo = party("epo", ["DE"], "public_authority", international_organisation="EPO")
    t = only(rows(tmp_path, [epo], day))
    assert (t.country, t.importer_kind, t.status) == ("EPO", "international_organisation", status)
    if status == "compliant":
        assert (t.decision, t.article) == ("(EU) 2025/1382", "Art 45(3)")


def test_un_agency_in_geneva_does_not_get_the_swiss_decision(tmp_path):
    who = party("who", ["CH"], "independent_controller", international_organisation="WHO")
    t = only(rows(tmp_path, [who], TODAY))
    assert t.status is TransferStatus.no_mechanism and t.decision is None and t.country == "WHO"


# ----------------------------------------------------------------------- 3. EU territory by law


@pytest.mark.parametrize("code", ["RE", "GP", "MQ", "GF", "AX", "MF"])
def test_outermost_regions_and_aland_are_eu_territory(tmp_path, code):
    assert rows(tmp_path, [party("r", [code])], TODAY) == []


def test_mayotte_became_eu_territory_on_1_january_2014(tmp_path):
    assert rows(tmp_path, [party("r", ["YT"])], D(2013, 12, 31))[0].status is TransferStatus.no_mechanism
    assert rows(tmp_path, [party("r", ["YT"])], D(2014, 1, 1)) == []


@pytest.mark.parametrize("day", [D(2019, 6, 1), D(2020, 12, 31)])
def test_gibraltar_is_eu_territory_until_the_end_of_2020(tmp_path, day):
    assert rows(tmp_path, [party("r", ["GI"])], day) == []


@pytest.mark.parametrize("day", [D(2021, 1, 1), D(2021, 6, 28), TODAY])
def test_gibraltar_is_a_third_country_from_2021_not_covered_by_the_uk_bridge_or_decision(tmp_path, day):
    """The TCA has no effect on Gibraltar (COM(2026) 91) and the UK decisions are for the UK."""
    t = only(rows(tmp_path, [party("r", ["GI"])], day))
    assert t.decision is None and t.status is TransferStatus.no_mechanism


def test_faroe_islands_and_greenland_are_outside(tmp_path):
    faroe = only(rows(tmp_path, [party("r", ["FO"])], TODAY))
    assert (faroe.decision, faroe.article) == ("2010/146/EU", "Art 45(9)")
    assert only(rows(tmp_path / "b", [party("r", ["GL"])], TODAY)).status is TransferStatus.no_mechanism


# ----------------------------------------------------------------------- 4. instrument lifetimes


@pytest.mark.parametrize(("day", "status"), [(D(2022, 12, 27), "compliant"),
                                             (D(2022, 12, 28), "no lawful mechanism")])
def test_old_scc_concluded_before_27_september_2021_end_on_27_december_2022(tmp_path, day, status):
    t = only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[scc(2, "2020-01-01")])], day))
    assert t.status == status and "Art 46(2)(c)" in t.article


@pytest.mark.parametrize(("concluded", "status"), [("2021-09-26", "compliant"),
                                                   ("2021-09-27", "no lawful mechanism")])
def test_old_scc_cannot_be_concluded_from_27_september_2021(tmp_path, concluded, status):
    m = scc(2, concluded, instrument="2010/87/EU")
    t = only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[m])], D(2021, 10, 1)))
    assert t.status == status


@pytest.mark.parametrize(("concluded", "status"), [("2021-09-26", "no lawful mechanism"),
                                                   ("2021-09-27", "compliant")])
def test_scc_dated_before_27_september_2021_are_taken_as_the_old_ones(tmp_path, concluded, status):
    m = scc(2, concluded)
    assert only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[m])], D(2023, 1, 1))).status == status


@pytest.mark.parametrize(("day", "status"), [(D(2021, 6, 26), "no lawful mechanism"),
                                             (D(2021, 6, 27), "compliant")])
def test_new_scc_apply_from_27_june_2021(tmp_path, day, status):
    m = scc(2, instrument="(EU) 2021/914")
    assert only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[m])], day)).status == status


@pytest.mark.parametrize(("adopted", "article"), [(D(2018, 5, 24), "Art 45(9)"),
                                                  (D(2018, 5, 25), "Art 45(3)")])
def test_article_45_9_for_decisions_under_the_directive(adopted, article):
    decision = AdequacyDecision("XX", "X", "x", adopted, adopted, None, "all", "src")
    assert decision.article == article


@pytest.mark.parametrize(("code", "day", "article"), [
    ("AD", TODAY, "Art 45(9)"), ("AR", TODAY, "Art 45(9)"), ("NZ", TODAY, "Art 45(9)"),
    ("JP", TODAY, "Art 45(3)"), ("KR", TODAY, "Art 45(3)"), ("GB", TODAY, "Art 45(3)"),
])
def test_decision_articles(tmp_path, code, day, article):
    assert only(rows(tmp_path, [party("r", [code])], day)).article == article


@pytest.mark.parametrize(("day", "article"), [(D(2018, 6, 1), "Art 45(9)"), (D(2023, 7, 10), "Art 45(3)")])
def test_privacy_shield_is_45_9_and_dpf_45_3(tmp_path, day, article):
    t = only(rows(tmp_path, [party("r", ["US"], dpf_certified=True, sector="commercial")], day))
    assert (t.mechanism, t.article, t.status) == (Mechanism.dpf, article, TransferStatus.compliant)


# ----------------------------------------------------------------------- 5. scope of partial decisions


@pytest.mark.parametrize(("extra", "status"), [
    ({"sector": "commercial"}, "compliant"),
    ({}, "compliant"),  # sector not recorded: covered, with a note to confirm
    ({"sector": "non_profit"}, "no lawful mechanism"),  # a Canadian charity: not PIPEDA
    ({"role": "public_authority"}, "no lawful mechanism"),
])
def test_canada_covers_pipeda_commercial_activity_only(tmp_path, extra, status):
    t = only(rows(tmp_path, [party("r", ["CA"], **extra)], TODAY))
    assert t.status == status
    if status == "compliant":
        assert "PIPEDA" in t.scope
        assert ("confirm" in t.note) == ("sector" not in extra)
    elif "sector" in extra:
        assert "outside_adequacy_scope" in t.flags


def test_a_us_public_authority_is_never_dpf_certified(tmp_path):
    agency = party("agency", ["US"], "public_authority", dpf_certified=True)
    t = only(rows(tmp_path, [agency], TODAY))
    assert t.status is TransferStatus.no_mechanism and "dpf_public_authority" in t.flags


@pytest.mark.parametrize(("day", "status"), [(D(2023, 7, 9), "no lawful mechanism"),
                                             (D(2023, 7, 10), "compliant")])
def test_dpf_from_10_july_2023_for_certified_organisations(tmp_path, day, status):
    t = only(rows(tmp_path, [party("r", ["US"], dpf_certified=True, sector="commercial")], day))
    assert t.status == status
    if status == "compliant":
        assert "Federal Trade Commission" in t.scope


@pytest.mark.parametrize(("day", "status"), [(D(2023, 4, 2), "no lawful mechanism"),
                                             (D(2023, 4, 3), "compliant")])
def test_japan_academia_from_2023(tmp_path, day, status):
    assert only(rows(tmp_path, [party("r", ["JP"], sector="academic")], day)).status == status


@pytest.mark.parametrize("sector", ["religious", "political_party", "credit_information"])
def test_korea_exclusions(tmp_path, sector):
    t = only(rows(tmp_path, [party("r", ["KR"], sector=sector)], TODAY))
    assert t.status is TransferStatus.no_mechanism and "outside_adequacy_scope" in t.flags


# ----------------------------------------------------------------------- 6. the exporter's regime

UK = {"country": "GB"}
CH = {"country": "CH"}


@pytest.mark.parametrize(("day", "regime", "count"), [(D(2020, 12, 31), None, 0),
                                                      (D(2021, 1, 1), "UK GDPR", 1)])
def test_a_uk_controller_exports_under_the_uk_gdpr_from_2021(tmp_path, day, regime, count):
    found = rows(tmp_path, [party("r", ["FR"])], day, org=UK)
    assert len(found) == count
    if found:
        assert (found[0].regime, found[0].status) == (regime, TransferStatus.compliant)
        assert found[0].article.startswith("UK GDPR Art 45(1)")


@pytest.mark.parametrize(("day", "status"), [(D(2023, 10, 11), "no lawful mechanism"),
                                             (D(2023, 10, 12), "compliant")])
def test_uk_extension_to_the_dpf_from_12_october_2023(tmp_path, day, status):
    t = only(rows(tmp_path, [party("r", ["US"], dpf_certified=True, sector="commercial")], day, org=UK))
    assert t.status == status and t.regime == "UK GDPR"


@pytest.mark.parametrize(("day", "status"), [(D(2022, 3, 20), "no lawful mechanism"),
                                             (D(2022, 3, 21), "compliant")])
def test_idta_in_force_21_march_2022(tmp_path, day, status):
    idta = {"type": "idta", "reference": "IDTA", "transfer_impact_assessment": "TRA"}
    t = only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[idta])], day, org=UK))
    assert t.status == status and t.article.startswith("UK GDPR Art 46(2)(d)")


@pytest.mark.parametrize(("concluded", "day", "status"), [
    ("2022-09-21", D(2024, 3, 21), "compliant"),
    ("2022-09-21", D(2024, 3, 22), "no lawful mechanism"),
    ("2022-09-22", D(2023, 1, 1), "no lawful mechanism"),
])
def test_old_eu_scc_for_uk_contracts(tmp_path, concluded, day, status):
    m = scc(2, concluded, instrument="2010/87/EU")
    assert only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[m])], day, org=UK)).status == status


def test_2021_eu_scc_need_the_uk_addendum(tmp_path):
    new = scc(2, "2023-01-01", instrument="(EU) 2021/914")
    alone = only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[new])], TODAY, org=UK))
    assert alone.status is TransferStatus.no_mechanism and "scc_without_uk_addendum" in alone.flags
    addendum = {"type": "uk_addendum", "reference": "Addendum"}
    both = only(rows(tmp_path / "b", [party("r", ["IN"], transfer_mechanisms=[new, addendum])], TODAY,
                     org=UK))
    assert both.status is TransferStatus.compliant and "Addendum" in both.article


def test_an_idta_is_no_tool_for_an_eu_exporter(tmp_path):
    idta = {"type": "idta", "reference": "IDTA", "transfer_impact_assessment": "TRA"}
    t = only(rows(tmp_path, [party("r", ["IN"], transfer_mechanisms=[idta])], TODAY))
    assert "uk_instrument_outside_uk_regime" in t.flags and t.status is not TransferStatus.compliant


@pytest.mark.parametrize(("day", "status"), [(D(2022, 12, 18), "no lawful mechanism"),
                                             (D(2022, 12, 19), "compliant")])
def test_uk_korea_regulations(tmp_path, day, status):
    assert only(rows(tmp_path, [party("r", ["KR"])], day, org=UK)).status == status


@pytest.mark.parametrize(("day", "status"), [(D(2024, 9, 14), "no lawful mechanism"),
                                             (D(2024, 9, 15), "compliant")])
def test_swiss_us_dpf_from_15_september_2024(tmp_path, day, status):
    t = only(rows(tmp_path, [party("r", ["US"], dpf_certified=True, sector="commercial")], day, org=CH))
    assert (t.regime, t.status) == ("Swiss FADP", status)
    assert t.article.startswith("FADP Art 16") or status != "compliant"


def test_a_swiss_controller_sees_the_eea_as_adequate_and_switzerland_as_home(tmp_path):
    assert only(rows(tmp_path, [party("r", ["DE"])], TODAY, org=CH)).status is TransferStatus.compliant
    assert rows(tmp_path / "b", [party("r", ["CH"])], TODAY, org=CH) == []


def test_regime_of_the_exporter():
    assert ref.regime_of("GB", D(2020, 12, 31)) == "EU GDPR"
    assert ref.regime_of("GB", D(2021, 1, 1)) == "UK GDPR"
    assert ref.regime_of("CH", TODAY) == "Swiss FADP"
    assert ref.regime_of("RE", TODAY) == "EU GDPR"
    assert ref.regime_of("CN", TODAY) is None


# ----------------------------------------------------------------------- typed status and mechanism


def test_enums_keep_the_json_and_csv_text(tmp_path):
    reg = register(tmp_path / "r", [party("r", ["IN"])])
    [t] = classify_transfers(reg, TODAY)
    assert t.status == "no lawful mechanism" and isinstance(t.status, TransferStatus)
    data = json.loads(json.dumps(t.as_dict()))
    assert (data["status"], data["mechanism"]) == ("no lawful mechanism", "none")
    assert data["direction"] == "outbound"
    buffer = io.StringIO()
    transfers_table(reg, transfers=[t]).to_csv(buffer, index=False)
    [row] = csv.DictReader(io.StringIO(buffer.getvalue()))
    assert (row["status"], row["mechanism"]) == ("no lawful mechanism", "none")


def test_reference_facts_carry_a_source():
    for regime in ("UK GDPR", "Swiss FADP"):
        for code in ("US", "EEA"):
            for decision in ref.adequacy_history(code, regime):
                assert decision.source.startswith("https://")
    assert ref.international_organisation("EPO").seat == "DE"


def test_enums_count_and_look_up_like_their_text():
    from collections import Counter

    counts = Counter([TransferStatus.to_verify, TransferStatus.to_verify, TransferStatus.compliant])
    assert counts["safeguard to verify"] == 2 and {"scc": 1}[Mechanism.scc] == 1
    assert f"{TransferStatus.no_mechanism}" == "no lawful mechanism"
