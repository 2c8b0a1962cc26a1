"""Data-flow graph, transfer classification (Chapter V) and the DPO queries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import networkx as nx
import pytest
import yaml

from audit_lib.analysis.graph import CONTROLLER, build_graph, export_graph
from audit_lib.analysis.queries import blast_radius, onward_chain, where_does_category_go
from audit_lib.analysis.transfers import STATUSES, classify_transfers, transfers_table
from audit_lib.io.loader import load_register

D = dt.date
TODAY = D(2026, 11, 23)


def write_register(folder: Path, recipients: list[dict], activities: list[dict] | None = None,
                   organisation: dict | None = None, systems: list[dict] | None = None):
    """Write a small register to ``folder`` and load it (every recipient linked unless given)."""
    folder.mkdir(parents=True, exist_ok=True)
    org = {"name": "Test Controller", "country": "DE", **(organisation or {})}
    if activities is None:
        activities = [{
            "id": "act", "name": "Customer accounts", "legal_basis": "contract",
            "data_subjects": ["customer"], "data_categories": ["user.name", "user.contact.email"],
            "recipients": [r["id"] for r in recipients if not r.get("parent")],
        }]
    files = {"organisation.yaml": org, "activities.yaml": activities, "recipients.yaml": recipients}
    if systems:
        files["systems.yaml"] = systems
    for name, data in files.items():
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        (folder / name).write_text(text, encoding="utf-8")
    return load_register(folder)


def rec(rid: str, countries: list[str], role: str = "processor", **extra) -> dict:
    return {"id": rid, "name": f"{rid.title()} Ltd", "role": role, "countries": countries, **extra}


def transfers_of(tmp_path, recipients, as_of=TODAY, **kw):
    return classify_transfers(write_register(tmp_path / "reg", recipients, **kw), as_of)


def one(transfers, importer=None, onward=None):
    found = [t for t in transfers if (importer is None or t.importer == importer)
             and (onward is None or t.onward == onward)]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize("country", ["FR", "NO", "IS", "LI"])
def test_eea_recipient_is_not_a_transfer(tmp_path, country):
    assert transfers_of(tmp_path, [rec("r", [country])]) == []


def test_norway_survives_yaml(tmp_path):
    register = write_register(tmp_path / "reg", [rec("r", ["NO"])])
    assert register.recipient("r").countries == ["NO"]


def test_switzerland_is_adequate(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["CH"])]))
    assert (t.country, t.mechanism, t.status, t.decision) == ("CH", "adequacy", "compliant", "2000/518/EC")
    assert t.article == "Art 45(9)"


@pytest.mark.parametrize(("day", "expected"), [
    (D(2019, 6, 1), None),  # EU member
    (D(2020, 9, 1), None),  # transition period
    (D(2021, 3, 1), None),  # TCA bridge
    (D(2021, 7, 1), "(EU) 2021/1772"),
    (D(2026, 6, 1), "(EU) 2021/1772, renewed December 2025"),
])
def test_united_kingdom_by_date(tmp_path, day, expected):
    found = transfers_of(tmp_path, [rec("r", ["GB"])], as_of=day)
    if expected is None:
        assert found == []
    else:
        assert one(found).decision == expected and one(found).status == "compliant"


def test_japan_private_sector_only(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["JP"])]))
    assert t.mechanism == "adequacy" and t.status == "compliant" and "APPI" in t.note
    authority = one(transfers_of(tmp_path, [rec("r", ["JP"], role="public_authority")]))
    assert authority.status == "no lawful mechanism" and "public authorities" in authority.note


def test_canada_adequacy_notes_pipeda_scope(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["CA"])]))
    assert t.status == "compliant" and t.decision == "2002/2/EC" and "PIPEDA" in t.note


def test_brazil_before_and_after_26_january_2026(tmp_path):
    before = one(transfers_of(tmp_path, [rec("r", ["BR"])], as_of=D(2026, 1, 25)))
    assert before.status == "no lawful mechanism" and before.mechanism == "none"
    assert "2026/179" in before.note  # says a decision came later
    after = one(transfers_of(tmp_path, [rec("r", ["BR"])], as_of=D(2026, 1, 26)))
    assert after.status == "compliant" and after.decision == "(EU) 2026/179"


def test_us_with_and_without_dpf_certification(tmp_path):
    certified = one(transfers_of(tmp_path, [rec("r", ["US"], dpf_certified=True)]))
    assert (certified.mechanism, certified.status, certified.article) == ("dpf", "compliant", "Art 45(3)")
    plain = one(transfers_of(tmp_path, [rec("r", ["US"])]))
    assert (plain.mechanism, plain.status) == ("none", "no lawful mechanism")
    assert "not recorded as certified" in plain.note
    refused = one(transfers_of(tmp_path, [rec("r", ["US"], dpf_certified=False)]))
    assert refused.status == "no lawful mechanism"


def test_us_certification_between_privacy_shield_and_dpf_is_no_adequacy(tmp_path):
    recipients = [rec("r", ["US"], dpf_certified=True)]
    assert one(transfers_of(tmp_path, recipients, as_of=D(2019, 1, 1))).status == "compliant"
    gap = one(transfers_of(tmp_path, recipients, as_of=D(2021, 1, 1)))
    assert gap.status == "no lawful mechanism" and "no longer in force" in gap.note


def test_dpf_declared_without_flag_counts_as_certification(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["US"], transfer_mechanisms=[{"type": "dpf"}])]))
    assert t.mechanism == "dpf" and t.status == "compliant" and "dpf_certified: true" in t.note


@pytest.mark.parametrize(("role", "parent", "module", "ok"), [
    ("processor", None, 2, True),
    ("processor", None, 1, False),
    ("independent_controller", None, 1, True),
    ("joint_controller", None, 2, False),
    ("sub_processor", "proc", 3, True),
    ("sub_processor", "proc", 2, False),
    ("independent_controller", "proc", 4, True),
])
def test_scc_module_checked_against_roles(tmp_path, role, parent, module, ok):
    recipients = [rec("proc", ["DE"])] if parent else []
    extra = {"parent": parent} if parent else {}
    recipients.append(rec("r", ["IN"], role=role, transfer_mechanisms=[{"type": "scc", "scc_module": module}],
                          **extra))
    t = one(transfers_of(tmp_path, recipients), importer="r")
    assert t.mechanism == "scc" and f"module {module}" in t.article
    assert t.onward == bool(parent)
    assert ("scc_module_mismatch" in t.flags) == (not ok)
    assert t.status == "safeguard to verify"


def test_scc_with_instrument_and_tia_recorded_is_compliant(tmp_path):
    mech = {"type": "scc", "scc_module": 2, "reference": "DPA-7 annex SCC",
            "transfer_impact_assessment": "TIA-3"}
    assert one(transfers_of(tmp_path, [rec("r", ["IN"], transfer_mechanisms=[mech])])).status == "compliant"
    mismatch = {**mech, "scc_module": 1}
    t = one(transfers_of(tmp_path, [rec("r", ["IN"], transfer_mechanisms=[mismatch])]))
    assert t.status == "safeguard to verify" and "module 2" in t.note


def test_bcr_is_an_art_46_safeguard(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["IN"], transfer_mechanisms=[{"type": "bcr"}])]))
    assert t.mechanism == "bcr" and t.article.startswith("Art 46(2)(b)") and t.status == "safeguard to verify"


def test_derogations(tmp_path):
    consent = one(transfers_of(tmp_path, [rec("r", ["IN"], transfer_mechanisms=[
        {"type": "derogation", "derogation": "a"}])]))
    assert (consent.mechanism, consent.article, consent.status) == (
        "derogation", "Art 49(1)(a)", "safeguard to verify")
    assert "restrictively" in consent.note
    bare = one(transfers_of(tmp_path, [rec("r", ["IN"], transfer_mechanisms=[
        {"type": "derogation", "derogation": "second_subparagraph"}])]))
    assert bare.status == "no lawful mechanism" and "derogation_undocumented" in bare.flags
    documented = one(transfers_of(tmp_path, [rec("r", ["IN"], transfer_mechanisms=[
        {"type": "derogation", "derogation": "second_subparagraph",
         "documentation": "LIA-9, SA informed"}])]))
    assert documented.status == "safeguard to verify" and documented.article.endswith("second subparagraph")


def test_no_mechanism(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["IN"])]))
    assert (t.mechanism, t.article, t.status) == ("none", "Art 44", "no lawful mechanism")
    assert t.data_categories == ["user.contact.email", "user.name"] and t.activities == ["act"]


def test_onward_transfer_through_sub_processor(tmp_path):
    recipients = [rec("proc", ["IE"]), rec("sub", ["IN"], role="sub_processor", parent="proc"),
                  rec("subsub", ["US"], role="sub_processor", parent="sub", dpf_certified=True)]
    transfers = transfers_of(tmp_path, recipients)
    first = one(transfers, importer="sub")
    assert first.onward and first.exporter == "proc" and first.exporter_name == "Proc Ltd"
    assert first.data_categories == ["user.contact.email", "user.name"] and first.activities == ["act"]
    second = one(transfers, importer="subsub")
    assert second.exporter == "sub" and second.status == "compliant"
    assert [t.importer for t in transfers] == ["sub", "subsub"]  # the EEA processor itself: no row


@pytest.mark.parametrize(("recipient", "flag"), [
    (rec("r", ["IN"], transfer_mechanisms=[{"type": "dpf"}]), "dpf_not_us"),
    (rec("r", ["IN"], dpf_certified=True), "dpf_certified_not_us"),
    (rec("r", ["US"], dpf_certified=False, transfer_mechanisms=[{"type": "dpf"}]),
     "dpf_declared_not_certified"),
])
def test_contradictory_declarations_are_flagged(tmp_path, recipient, flag):
    t = one(transfers_of(tmp_path, [recipient]))
    assert flag in t.flags and t.status == "no lawful mechanism" and t.note


def test_contradiction_is_flagged_even_when_adequacy_applies(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["JP"], dpf_certified=True)]))
    assert t.status == "compliant" and "dpf_certified_not_us" in t.flags


def test_country_not_recorded(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", [])]))
    assert t.country is None and t.country_name == "not recorded"
    assert "country_not_recorded" in t.flags and t.status == "no lawful mechanism"
    scc = [{"type": "scc", "scc_module": 2}]
    with_scc = one(transfers_of(tmp_path, [rec("r", [], transfer_mechanisms=scc)]))
    assert with_scc.status == "safeguard to verify" and "country_not_recorded" in with_scc.flags


def test_one_row_per_third_country(tmp_path):
    transfers = transfers_of(tmp_path, [rec("r", ["IE", "US", "IN", "CH"], dpf_certified=True)])
    assert [(t.country, t.status) for t in transfers] == [
        ("CH", "compliant"), ("IN", "no lawful mechanism"), ("US", "compliant")]


def test_mechanism_limited_to_some_countries(tmp_path):
    mech = {"type": "scc", "scc_module": 2, "countries": ["IN"]}
    transfers = transfers_of(tmp_path, [rec("r", ["IN", "PH"], transfer_mechanisms=[mech])])
    assert {t.country: t.mechanism for t in transfers} == {"IN": "scc", "PH": "none"}


def test_controller_outside_eea(tmp_path):
    """Art 3(2) controller in CN: its collection is no transfer, its disclosures abroad are."""
    recipients = [rec("local", ["CN"]), rec("eu", ["IE"]), rec("us", ["US"])]
    transfers = transfers_of(tmp_path, recipients, organisation={"country": "CN", "established_in_eu": False})
    assert {t.importer for t in transfers} == {"local", "us"}
    assert all("Art 3(2)" in t.note and t.exporter == CONTROLLER for t in transfers)


def test_public_authority_and_internal_recipients(tmp_path):
    transfers = transfers_of(tmp_path, [rec("gov", ["US"], role="public_authority"), rec("staff", ["US"],
                                                                                          role="internal")])
    assert [t.importer for t in transfers] == ["gov"]
    assert one(transfers).importer_role == "public_authority"


def test_recipient_link_limits_categories(tmp_path):
    activities = [{"id": "act", "name": "Orders", "data_subjects": ["customer"],
                   "data_categories": ["user.name", "user.contact.email", "user.financial"],
                   "recipients": [{"recipient": "r", "data_categories": ["user.name"]}]}]
    t = one(transfers_of(tmp_path, [rec("r", ["IN"])], activities=activities))
    assert t.data_categories == ["user.name"]


def test_hosted_system_counts_as_a_flow_to_its_host(tmp_path):
    activities = [{"id": "act", "name": "Orders", "data_subjects": ["customer"],
                   "data_categories": ["user.name"], "systems": ["db"]}]
    systems = [{"id": "db", "name": "Orders DB", "hosted_by": "host", "countries": ["IN"]}]
    t = one(transfers_of(tmp_path, [rec("host", ["IE"])], activities=activities, systems=systems))
    assert (t.importer, t.country, t.activities) == ("host", "IN", ["act"])


def test_statuses_and_table(minimal_register):
    transfers = classify_transfers(minimal_register, TODAY)
    assert {t.status for t in transfers} <= set(STATUSES)
    table = transfers_table(minimal_register, TODAY)
    assert len(table) == len(transfers) == 3
    assert {"exporter", "importer", "country", "data_categories", "activities", "mechanism", "article",
            "status"} <= set(table.columns)
    assert json.dumps([t.as_dict() for t in transfers])  # JSON-ready


def test_before_gdpr_says_so(tmp_path):
    t = one(transfers_of(tmp_path, [rec("r", ["IN"])], as_of=D(2017, 1, 1)))
    assert "Directive 95/46/EC" in t.note


# --------------------------------------------------------------------------- graph


def test_graph_structure(minimal_register):
    g = build_graph(minimal_register, TODAY)
    kinds = nx.get_node_attributes(g, "kind")
    assert kinds[CONTROLLER] == "controller" and kinds["subject:customer"] == "data_subject"
    assert kinds["activity:orders"] == "activity" and kinds["system:shop_db"] == "system"
    assert kinds["recipient:payments_cloud"] == "recipient"
    assert nx.has_path(g, "subject:customer", "recipient:payments_cloud")
    assert not nx.has_path(g, "subject:prospect", "recipient:payments")
    assert g.edges["activity:orders", "recipient:shipping"]["data_categories"] == [
        "user.contact.address", "user.name"]  # limited by the activity's link
    onward = g.edges["recipient:payments", "recipient:payments_cloud"]
    assert onward["onward"] and "user.financial.credit_card" in onward["data_categories"]
    assert g.nodes["recipient:mailer"]["region"] == "not_adequate"
    assert g.nodes["recipient:shipping"]["region"] == "eea" and g.nodes["recipient:shipping"]["eea"]
    assert g.nodes["recipient:payments"]["region"] == "adequate"  # IE + DPF-certified US
    assert g.edges[CONTROLLER, "activity:orders"]["kind"] == "controls"


def test_graphml_round_trip(minimal_register, tmp_path):
    g = build_graph(minimal_register, TODAY)
    path = export_graph(g, tmp_path / "flows.graphml")
    back = nx.read_graphml(path)
    assert set(back.nodes) == set(g.nodes) and set(back.edges) == set(g.edges)
    assert back.nodes["recipient:payments"]["countries"] == "IE; US"
    assert back.edges["activity:orders", "recipient:shipping"]["data_categories"] == \
        "user.contact.address; user.name"
    assert back.nodes["recipient:payments"]["dpf_certified"] is True


def test_json_round_trip(minimal_register, tmp_path):
    g = build_graph(minimal_register, TODAY)
    path = export_graph(g, tmp_path / "flows.json")
    back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), directed=True, edges="edges")
    assert dict(back.nodes(data=True)) == dict(g.nodes(data=True))
    assert {(u, v): d for u, v, d in back.edges(data=True)} == {(u, v): d for u, v, d in g.edges(data=True)}


def test_export_refuses_unknown_format_and_missing_folder(minimal_register, tmp_path):
    g = build_graph(minimal_register, TODAY)
    with pytest.raises(ValueError):
        export_graph(g, tmp_path / "flows.txt")
    with pytest.raises(FileNotFoundError):
        export_graph(g, tmp_path / "missing" / "flows.json")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- queries


def test_where_does_category_go_finds_sub_keys_and_sub_processors(minimal_register):
    found = where_does_category_go(minimal_register, "user.contact", TODAY)
    assert set(found["party"]) == {CONTROLLER, "shop_db", "payments", "payments_cloud", "shipping", "mailer"}
    row = found.set_index("party").loc["payments_cloud"]
    assert row["kind"] == "sub_processor" and row["countries"] == "US" and row["match"] == "narrower"
    email = where_does_category_go(minimal_register, "user.contact.email", TODAY)
    assert set(email["party"]) == {CONTROLLER, "mailer"}
    card = where_does_category_go(minimal_register, "user.financial", TODAY)
    assert "shipping" not in set(card["party"]) and "payments_cloud" in set(card["party"])
    assert where_does_category_go(minimal_register, "user.health_and_medical", TODAY).empty


def test_where_does_category_go_reports_broader_entries(tmp_path):
    activities = [{"id": "act", "name": "Contact", "data_subjects": ["customer"],
                   "data_categories": ["user.contact"], "recipients": ["r"]}]
    register = write_register(tmp_path / "reg", [rec("r", ["US"])], activities=activities)
    found = where_does_category_go(register, "user.contact.email", TODAY).set_index("party")
    assert found.loc["r", "match"] == "broader"


def test_blast_radius(minimal_register):
    payments = blast_radius(minimal_register, "payments", TODAY)
    assert payments.activities == ["orders"] and payments.data_subjects == ["customer"]
    assert payments.parties == ["payments", "payments_cloud"]
    assert "user.financial.credit_card" in payments.data_categories and payments.countries == ["IE", "US"]
    shipping = blast_radius(minimal_register, "shipping", TODAY)
    assert shipping.data_categories == ["user.contact.address", "user.name"]  # only what it receives
    cloud = blast_radius(minimal_register, "payments_cloud", TODAY)
    assert cloud.data_categories == payments.data_categories and cloud.parties == ["payments_cloud"]
    mailer = blast_radius(minimal_register, "mailer", TODAY)
    assert mailer.data_subjects == ["customer", "prospect"] and "Mail Sender" in mailer.summary()
    with pytest.raises(KeyError):
        blast_radius(minimal_register, "nobody")


def test_blast_radius_flags_special_categories_and_hosted_systems(tmp_path):
    activities = [
        {"id": "care", "name": "Care", "data_subjects": ["patient"],
         "data_categories": ["user.name", "user.health_and_medical"], "systems": ["ehr"]},
        {"id": "news", "name": "News", "data_subjects": ["customer"],
         "data_categories": ["user.contact.email"]},
    ]
    systems = [{"id": "ehr", "name": "Records", "hosted_by": "host"}]
    register = write_register(tmp_path / "reg", [rec("host", ["DE"])], activities=activities, systems=systems)
    radius = blast_radius(register, "host", TODAY)
    assert radius.activities == ["care"] and radius.special_categories == ["user.health_and_medical"]
    assert list(radius.by_activity["activity"]) == ["care"]


def test_onward_chain(tmp_path):
    recipients = [rec("proc", ["IE"]), rec("sub", ["US"], role="sub_processor", parent="proc"),
                  rec("subsub", ["IN"], role="sub_processor", parent="sub"),
                  rec("other", ["FR"], role="sub_processor", parent="proc")]
    register = write_register(tmp_path / "reg", recipients)
    chain = onward_chain(register, "proc", TODAY)
    assert list(chain["party"]) == ["proc", "other", "sub", "subsub"]
    assert list(chain["depth"]) == [0, 1, 1, 2]
    assert chain.set_index("party").loc["subsub", "path"] == "proc -> sub -> subsub"
    assert list(chain["outside_eea"]) == [False, False, True, True]
    assert list(onward_chain(register, "sub", TODAY)["party"]) == ["sub", "subsub"]


def test_retired_activity_still_listed_as_past_disclosure(tmp_path):
    activities = [{"id": "old", "name": "Old shop", "status": "retired", "data_subjects": ["customer"],
                   "data_categories": ["user.name"], "recipients": ["r"]}]
    t = one(transfers_of(tmp_path, [rec("r", ["IN"])], activities=activities))
    assert t.activities == ["old"] and "retired" in t.note
