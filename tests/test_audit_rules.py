"""Every audit rule: one register that triggers it, and near misses that must not."""

from __future__ import annotations

import pytest
from audit_factory import AS_OF, activity, add_activity, add_recipient, build, clean

from audit_lib.audit import RULES, audit


def found(data, code=None, as_of=AS_OF):
    """Findings of the register built from ``data`` (only ``code``'s when given)."""
    result = audit(build(data), as_of=as_of)
    return [f for f in result if code is None or f.code == code]


def codes(data, as_of=AS_OF) -> set[str]:
    return {f.code for f in found(data, as_of=as_of)}


def test_clean_register_has_no_finding():
    assert found(clean()) == []


def test_every_rule_is_tested_here():
    """A rule added without a test in this file fails the suite."""
    from pathlib import Path

    text = Path(__file__).read_text(encoding="utf-8")
    untested = [code for code in RULES if f'"{code}"' not in text]
    assert not untested


# --------------------------------------------------------------------------
# Completeness (Art 30)
# --------------------------------------------------------------------------


def test_a001_controller_without_contact():
    data = clean()
    data["organisation"].pop("address")
    data["organisation"].pop("contact")
    [f] = found(data, "ROPA-A001")
    assert f.record == "organisation" and f.article == "Art 30(1)(a), 13(1)(a)"
    assert "postal address" in f.message and "contact details" in f.message


def test_a001_brand_name_without_legal_entity():
    data = clean()
    data["organisation"].pop("legal_entity")
    [f] = found(data, "ROPA-A001")
    assert f.field == "legal_entity" and "no legal entity recorded" in f.message


def test_a001_legal_entity_address_and_email_identify_the_controller():
    data = clean()
    data["organisation"]["contact"] = {"email": "privacy@clean.test"}
    assert "ROPA-A001" not in codes(data)
    data["organisation"].pop("address")  # an email is a contact, not the controller's address
    assert [f.field for f in found(data, "ROPA-A001")] == ["address"]


def test_a002_activity_without_purpose():
    data = clean()
    activity(data)["purposes"] = []
    [f] = found(data, "ROPA-A002")
    assert f.record == "orders" and f.field == "purposes" and "user.name" in f.message


def test_a002_retired_activity_not_audited():
    data = clean()
    activity(data)["purposes"] = []
    activity(data)["status"] = "retired"
    assert "ROPA-A002" not in codes(data)


def test_a003_activity_without_data_subjects():
    data = clean()
    activity(data)["data_subjects"] = []
    assert [f.record for f in found(data, "ROPA-A003")] == ["orders"]


def test_a004_activity_without_data_categories():
    data = clean()
    activity(data)["data_categories"] = []
    assert [f.field for f in found(data, "ROPA-A004")] == ["data_categories"]


def test_a004_not_for_anonymous_users_only():
    data = clean()
    activity(data)["data_categories"] = []
    activity(data)["data_subjects"] = ["anonymous_user"]
    assert "ROPA-A004" not in codes(data)


def test_a005_no_recipient_at_all():
    data = clean()
    activity(data)["recipients"] = []
    data["recipients"] = []
    assert [f.record for f in found(data, "ROPA-A005")] == ["orders"]


@pytest.mark.parametrize("statement", ["assumption", "note", "never kept"])
def test_a005_not_when_the_register_says_why(statement):
    data = clean()
    data["recipients"] = []
    act = activity(data)
    act["recipients"] = []
    if statement == "assumption":
        act["assumptions"] = [{"field": "recipients", "statement": "only our staff", "to_confirm": False}]
    elif statement == "note":
        act["notes"] = "No recipient: the data stays on the user's device."
    else:
        act["retention"] = [{"period": "P0D", "description": "not recorded"}]
    assert "ROPA-A005" not in codes(data)


def test_a006_system_host_not_listed_as_recipient():
    data = clean()
    data["recipients"].append({"id": "cloud", "name": "Cloud AG", "role": "processor", "countries": ["DE"],
                               "dpa": {"reference": "DPA-2"}})
    data["systems"] = [{"id": "db", "name": "Shop DB", "hosted_by": "cloud"}]
    activity(data)["systems"] = ["db"]
    [f] = found(data, "ROPA-A006")
    assert f.record == "orders" and "Cloud AG" in f.message


def test_a006_not_when_host_is_listed():
    data = clean()
    add_recipient(data, {"id": "cloud", "name": "Cloud AG", "role": "processor", "countries": ["DE"],
                         "dpa": {"reference": "DPA-2"}})
    data["systems"] = [{"id": "db", "name": "Shop DB", "hosted_by": "cloud"}]
    activity(data)["systems"] = ["db"]
    assert "ROPA-A006" not in codes(data)


def test_a007_no_security_measure():
    data = clean()
    activity(data)["security_measures"] = []
    assert [f.record for f in found(data, "ROPA-A007")] == ["orders"]


def test_a007_not_for_anonymised_data():
    data = clean()
    act = add_activity(data, data_categories=["system.operations"], security_measures=[], recipients=[],
                       retention=[])
    act["data_subjects"] = ["anonymous_user"]
    assert not found(data, "ROPA-A007")


def test_a008_recipient_without_country():
    data = clean()
    data["recipients"][0]["countries"] = []
    [f] = found(data, "ROPA-A008")
    assert f.record == "psp" and "no transfer safeguard" in f.message


@pytest.mark.parametrize("case", ["internal", "hosted system"])
def test_a008_not_for_internal_or_hosting_with_country(case):
    data = clean()
    data["recipients"][0]["countries"] = []
    if case == "internal":
        data["recipients"][0]["role"] = "internal"
    else:
        data["systems"] = [{"id": "db", "name": "DB", "hosted_by": "psp", "countries": ["DE"]}]
    assert "ROPA-A008" not in codes(data)


def test_a009_joint_controller_without_contact():
    data = clean()
    add_recipient(data, {"id": "jc", "name": "Partner SE", "role": "joint_controller", "countries": ["FR"],
                         "joint_controller_arrangement": {"reference": "JCA-1"}})
    data["organisation"]["joint_controllers"] = [{"name": "Other Co"}]
    assert [(f.record, f.field) for f in found(data, "ROPA-A009")] == [
        ("jc", "contact"), ("organisation", "joint_controllers[0]")]


def test_a009_joint_controller_with_contact():
    data = clean()
    add_recipient(data, {"id": "jc", "name": "Partner SE", "role": "joint_controller", "countries": ["FR"],
                         "contact": {"email": "privacy@partner.test"},
                         "joint_controller_arrangement": {"reference": "JCA-1"}})
    assert "ROPA-A009" not in codes(data)


def test_a010_dpo_without_contact_details():
    data = clean()
    data["organisation"]["dpo"] = {"name": "Dana Officer"}
    [f] = found(data, "ROPA-A010")
    assert f.field == "dpo" and "Dana Officer" in f.message


def test_a010_representative_with_email_is_fine():
    data = clean()
    data["organisation"]["eu_representative"] = {"name": "Rep Ltd", "email": "rep@x.test"}
    assert "ROPA-A010" not in codes(data)


def _processor_activity(**changes):
    base = {"id": "payroll_service", "name": "Payroll for clients",
            "controller": {"name": "Client AG", "email": "privacy@client.test"},
            "categories_of_processing": ["payroll calculation"], "security_measures": ["tls"]}
    base.update(changes)
    return base


def test_a011_processor_record_controller_without_contact():
    data = clean()
    data["processor_activities"] = [_processor_activity(controller={"name": "Client AG"})]
    [f] = found(data, "ROPA-A011")
    assert f.record == "payroll_service" and "Client AG" in f.message


def test_a011_a012_complete_processor_record():
    data = clean()
    data["processor_activities"] = [_processor_activity()]
    assert not codes(data) & {"ROPA-A011", "ROPA-A012"}


def test_a012_processor_record_without_security():
    data = clean()
    data["processor_activities"] = [_processor_activity(security_measures=[])]
    assert [f.record for f in found(data, "ROPA-A012")] == ["payroll_service"]


# --------------------------------------------------------------------------
# Transfers (Chapter V)
# --------------------------------------------------------------------------


def _importer(rid="dev", country="IN", role="processor", **extra):
    rec = {"id": rid, "name": f"{rid.title()} Pvt Ltd", "role": role, "countries": [country],
           "dpa": {"reference": "DPA-9"}}
    rec.update(extra)
    return rec


def _scc(**extra):
    return {"type": "scc", "scc_module": 2, **extra}


def test_t001_transfer_without_mechanism():
    data = add_recipient(clean(), _importer())
    [f] = found(data, "ROPA-T001")
    assert f.record == "dev" and "(IN)" in f.message and "orders" in f.message
    assert f.severity.value == "high"


def test_t001_not_with_complete_scc():
    data = add_recipient(clean(), _importer(transfer_mechanisms=[
        _scc(reference="SCC-2024-1", transfer_impact_assessment="TIA-1")]))
    assert not codes(data) & {"ROPA-T001", "ROPA-T003"}


def test_t001_not_for_adequate_country():
    data = add_recipient(clean(), _importer(country="CH"))
    assert not codes(data) & {"ROPA-T001", "ROPA-T002", "ROPA-T003"}


def test_t001_onward_transfer_through_sub_processor():
    data = clean()
    data["recipients"].append({"id": "sub", "name": "Offshore Support", "role": "sub_processor",
                               "parent": "psp", "countries": ["PH"],
                               "sub_processor_authorisation": {"type": "general"}})
    [f] = found(data, "ROPA-T001")
    assert f.record == "sub" and "onward from psp" in f.message


def test_t002_us_importer_without_dpf():
    data = add_recipient(clean(), _importer(rid="saas", country="US"))
    [f] = found(data, "ROPA-T002")
    assert f.record == "saas" and f.field == "dpf_certified" and "not recorded" in f.message
    assert "ROPA-T001" not in codes(data)  # reported once, by the more precise rule


def test_t002_us_importer_recorded_not_certified():
    data = add_recipient(clean(), _importer(rid="saas", country="US", dpf_certified=False))
    [f] = found(data, "ROPA-T002")
    assert "recorded as not DPF-certified" in f.message


@pytest.mark.parametrize("extra", [
    {"dpf_certified": True},
    {"transfer_mechanisms": [_scc(reference="S", transfer_impact_assessment="T")]},
])
def test_t002_not_when_certified_or_on_scc(extra):
    data = add_recipient(clean(), _importer(rid="saas", country="US", **extra))
    assert "ROPA-T002" not in codes(data)


def test_t003_safeguard_to_verify():
    data = add_recipient(clean(), _importer(transfer_mechanisms=[_scc()]))
    [f] = found(data, "ROPA-T003")
    assert f.record == "dev" and "safeguard to verify" in f.message


def test_t003_scc_module_mismatch_is_to_verify():
    data = add_recipient(clean(), _importer(transfer_mechanisms=[
        _scc(scc_module=1, reference="S", transfer_impact_assessment="T")]))
    assert "module" in found(data, "ROPA-T003")[0].message


def test_t004_derogation_for_processor_in_use():
    data = add_recipient(clean(), _importer(transfer_mechanisms=[{"type": "derogation", "derogation": "b"}]))
    [f] = found(data, "ROPA-T004")
    assert f.record == "dev" and "orders" in f.message and "Art 49(1)(b)" in f.message
    assert "ROPA-T003" not in codes(data)


def test_t004_not_for_occasional_controller_or_retired_use():
    data = add_recipient(clean(), _importer(role="independent_controller",
                                            transfer_mechanisms=[{"type": "derogation", "derogation": "b"}]))
    assert "ROPA-T004" not in codes(data)
    assert "ROPA-T003" in codes(data)  # still a derogation to verify
    data = clean()
    derogation = [{"type": "derogation", "derogation": "b"}]
    add_recipient(data, _importer(transfer_mechanisms=derogation), link=False)
    add_activity(data, status="retired", recipients=["dev"])
    assert "ROPA-T004" not in codes(data)


def test_t005_second_subparagraph_undocumented():
    data = add_recipient(clean(), _importer(role="independent_controller", transfer_mechanisms=[
        {"type": "derogation", "derogation": "second_subparagraph"}]))
    [f] = found(data, "ROPA-T005")
    assert f.field == "transfer_mechanisms[0].documentation"
    assert "ROPA-T001" not in codes(data)


def test_t005_documented_second_subparagraph():
    data = add_recipient(clean(), _importer(role="independent_controller", transfer_mechanisms=[
        {"type": "derogation", "derogation": "second_subparagraph",
         "documentation": "assessment 2026-03, safeguards: encryption, deletion after 30 days"}]))
    assert "ROPA-T005" not in codes(data)


def test_t006_processor_record_transfer_without_mechanism():
    data = clean()
    data["processor_activities"] = [_processor_activity(transfer_countries=["IN", "CH", "FR"])]
    [f] = found(data, "ROPA-T006")
    assert f.record == "payroll_service" and f.field == "transfer_countries[0]" and "IN" in f.message


def test_t006_covered_by_mechanism():
    data = clean()
    data["processor_activities"] = [_processor_activity(
        transfer_countries=["IN"],
        transfer_mechanisms=[{"type": "scc", "scc_module": 3, "countries": ["IN"]}])]
    assert "ROPA-T006" not in codes(data)


# --------------------------------------------------------------------------
# Processors (Art 26, 28)
# --------------------------------------------------------------------------


def test_p001_processor_without_dpa():
    data = clean()
    data["recipients"][0].pop("dpa")
    [f] = found(data, "ROPA-P001")
    assert f.record == "psp" and "used by 1 activity" in f.message


@pytest.mark.parametrize("role", ["independent_controller", "public_authority", "internal"])
def test_p001_not_for_controllers_or_authorities(role):
    data = clean()
    data["recipients"][0].pop("dpa")
    data["recipients"][0]["role"] = role
    assert "ROPA-P001" not in codes(data)


def test_p001_placeholder_reported_as_placeholder():
    data = clean()
    data["recipients"][0].pop("dpa")
    data["recipients"][0]["placeholder"] = True
    assert "ROPA-P001" not in codes(data) and "ROPA-H003" in codes(data)


def test_p002_sub_processor_chain_without_authorisation():
    data = clean()
    data["recipients"] += [
        {"id": "sub1", "name": "Sub One", "role": "sub_processor", "parent": "psp", "countries": ["DE"],
         "sub_processor_authorisation": {"type": "general"}},
        {"id": "sub2", "name": "Sub Two", "role": "sub_processor", "parent": "sub1", "countries": ["DE"]},
    ]
    [f] = found(data, "ROPA-P002")
    assert f.record == "sub2" and "psp -> sub1 -> sub2" in f.message


def test_p002_processor_record_sub_processor():
    data = clean()
    data["processor_activities"] = [_processor_activity(sub_processors=["psp"])]
    [f] = found(data, "ROPA-P002")
    assert f.record == "psp" and "payroll_service" in f.message
    data["recipients"][0]["sub_processor_authorisation"] = {"type": "specific", "reference": "A-1"}
    assert "ROPA-P002" not in codes(data)


def test_p003_joint_controller_without_arrangement():
    data = add_recipient(clean(), {"id": "jc", "name": "Partner SE", "role": "joint_controller",
                                   "countries": ["FR"], "contact": {"email": "p@x.test"}})
    assert [f.record for f in found(data, "ROPA-P003")] == ["jc"]
    assert "ROPA-P001" not in codes(data)  # a joint controller needs Art 26, not a DPA
    data["recipients"][-1]["joint_controller_arrangement"] = {"reference": "JCA-1"}
    assert "ROPA-P003" not in codes(data)


# --------------------------------------------------------------------------
# Special categories, criminal data, children
# --------------------------------------------------------------------------


def test_s001_health_data_without_condition():
    data = clean()
    activity(data)["data_categories"].append("user.health_and_medical")
    [f] = found(data, "ROPA-S001")
    assert f.field == "special_category_condition" and "user.health_and_medical" in f.message
    activity(data)["special_category_condition"] = "h"
    assert "ROPA-S001" not in codes(data)


def test_s002_criminal_data_without_basis():
    data = clean()
    activity(data)["data_categories"].append("user.criminal_history")
    assert [f.record for f in found(data, "ROPA-S002")] == ["orders"]
    activity(data)["criminal_data_basis"] = "Member-state law on background checks, s. 12"
    assert "ROPA-S002" not in codes(data)


def test_s003_children_without_age_check():
    data = clean()
    activity(data)["children_data"] = True
    assert [f.record for f in found(data, "ROPA-S003")] == ["orders"]


@pytest.mark.parametrize("where", ["activity", "organisation"])
def test_s003_age_check_recorded(where):
    data = clean()
    activity(data)["children_data"] = True
    if where == "activity":
        activity(data)["age_verification"] = "date of birth asked; parental consent under 16"
    else:
        data["commitments"]["children"] = {"minimum_age": 16, "age_verification": "age gate at sign-up"}
    assert "ROPA-S003" not in codes(data)


def test_s003_not_when_children_data_false():
    data = clean()
    activity(data)["children_data"] = False
    assert "ROPA-S003" not in codes(data)


# --------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------


def test_r001_no_retention():
    data = clean()
    activity(data)["retention"] = []
    [f] = found(data, "ROPA-R001")
    assert (f.record, f.field) == ("orders", "retention")


def test_r001_not_stated_names_the_categories():
    data = clean()
    activity(data)["data_categories"].append({"key": "user.financial.credit_card", "label": "card number"})
    activity(data)["retention"].append({"data_categories": ["user.financial.credit_card"],
                                        "period": "not_stated", "description": "kept as evidence"})
    [f] = found(data, "ROPA-R001")
    assert f.field == "retention[1]" and "card number" in f.message


def test_r001_not_for_anonymised_data_or_trigger_only():
    data = clean()
    add_activity(data, data_categories=[{"key": "user.behavior", "label": "aggregated statistics"}],
                 retention=[])
    activity(data)["retention"] = [{"trigger": "closure of the account"}]
    assert "ROPA-R001" not in codes(data)


def test_r002_indefinite():
    data = clean()
    activity(data)["retention"] = [{"period": "indefinite"}]
    [f] = found(data, "ROPA-R002")
    assert f.field == "retention[0].period" and "indefinitely" in f.message


def test_r003_card_data_longer_than_13_months():
    data = clean()
    activity(data)["data_categories"].append("user.financial.credit_card")
    activity(data)["retention"] = [{"period": "P6Y"}]
    [f] = found(data, "ROPA-R003")
    assert "P13M" in f.message and "2018-303" in f.message
    activity(data)["retention"] = [{"period": "P13M"}]
    assert "ROPA-R003" not in codes(data)


def test_r003_marketing_longer_than_purpose_needs():
    data = clean()
    act = add_activity(data, purposes=["marketing.communications.email"], legal_basis="consent",
                       consent_withdrawal="unsubscribe link", retention=[{"period": "P5Y"}])
    assert [f.record for f in found(data, "ROPA-R003")] == ["second"]
    act["retention"] = [{"period": "P2Y"}]
    assert "ROPA-R003" not in codes(data)


def test_r003_not_when_a_purpose_has_no_ceiling():
    data = clean()
    add_activity(data, purposes=["marketing.communications.email", "essential.legal_obligation"],
                 legal_basis="legal_obligation", retention=[{"period": "P5Y"}])
    assert "ROPA-R003" not in codes(data)


def test_r004_categories_without_retention_rule():
    data = clean()
    activity(data)["retention"] = [{"data_categories": ["user.name"], "period": "P6Y"}]
    [f] = found(data, "ROPA-R004")
    assert "user.contact.email" in f.message and "user.name" not in f.message


def test_r004_broader_rule_covers_narrower_category():
    data = clean()
    activity(data)["data_categories"] = ["user.name.first", "user.contact.email"]
    activity(data)["retention"] = [{"data_categories": ["user.name.first"], "period": "P6Y"},
                                   {"data_categories": ["user.contact"], "period": "P6Y"}]
    assert "ROPA-R004" not in codes(data)


# --------------------------------------------------------------------------
# Lawful basis
# --------------------------------------------------------------------------


def test_l001_no_legal_basis():
    data = clean()
    activity(data)["legal_basis"] = []
    [f] = found(data, "ROPA-L001")
    assert f.severity.value == "high"


def test_l002_l003_legitimate_interests_undocumented():
    data = clean()
    activity(data)["legal_basis"] = "legitimate_interests"
    assert {"ROPA-L002", "ROPA-L003"} <= codes(data)
    activity(data)["legitimate_interest"] = "fraud prevention"
    activity(data)["legitimate_interest_assessment"] = "LIA-2026-01"
    assert not codes(data) & {"ROPA-L002", "ROPA-L003"}


def test_l004_consent_without_withdrawal_route():
    data = clean()
    data["commitments"]["rights"] = []
    activity(data)["legal_basis"] = "consent"
    assert [f.record for f in found(data, "ROPA-L004")] == ["orders"]
    activity(data)["consent_withdrawal"] = "account settings"
    assert "ROPA-L004" not in codes(data)


def test_l004_organisation_withdrawal_right_is_enough():
    data = clean()
    activity(data)["legal_basis"] = "consent"
    assert "ROPA-L004" not in codes(data)


# --------------------------------------------------------------------------
# DPIA
# --------------------------------------------------------------------------


def test_d001_two_criteria_no_dpia():
    data = clean()
    act = activity(data)
    act["dpia"] = {"criteria_met": ["large_scale", "systematic_monitoring"]}
    [f] = found(data, "ROPA-D001")
    assert "2 WP248 criteria" in f.message and "large scale (declared)" in f.message


def test_d001_inferred_criteria():
    data = clean()
    act = activity(data)
    act["data_categories"].append("user.health_and_medical")
    act["special_category_condition"] = "a"
    act["data_subjects"].append("employee")
    [f] = found(data, "ROPA-D001")
    assert "sensitive or highly personal data" in f.message and "vulnerable data subjects" in f.message


@pytest.mark.parametrize("dpia", [
    {"criteria_met": ["large_scale"]},
    {"criteria_met": ["large_scale", "innovative_technology"], "reference": "DPIA-7"},
    {"criteria_met": ["large_scale", "innovative_technology"], "required": False,
     "screening_notes": "pseudonymised, small pilot: no high risk remains"},
])
def test_d001_not_triggered(dpia):
    data = clean()
    activity(data)["dpia"] = dpia
    assert "ROPA-D001" not in codes(data)


def test_d002_required_without_reference():
    data = clean()
    activity(data)["dpia"] = {"required": True, "criteria_met": ["large_scale", "innovative_technology"]}
    assert [f.code for f in found(data) if f.code.startswith("ROPA-D")] == ["ROPA-D002"]
    activity(data)["dpia"]["reference"] = "DPIA-1"
    assert "ROPA-D002" not in codes(data)


# --------------------------------------------------------------------------
# Organisation
# --------------------------------------------------------------------------


def _outside(data, **org):
    data["organisation"].update({"country": "CN", "established_in_eu": False, **org})
    return data


def test_o001_no_eu_representative():
    data = _outside(clean())
    [f] = found(data, "ROPA-O001")
    assert f.severity.value == "high" and "CN" in f.message


@pytest.mark.parametrize("org", [
    {"eu_representative": {"name": "Rep GmbH", "email": "rep@x.test"}},
    {"offers_goods_or_services_in_eu": False},
])
def test_o001_not_triggered(org):
    assert "ROPA-O001" not in codes(_outside(clean(), **org))


def test_o001_established_in_eu_inferred_from_country():
    data = clean()
    data["organisation"].pop("established_in_eu")
    assert "ROPA-O001" not in codes(data)
    data["organisation"]["country"] = "US"
    assert "ROPA-O001" in codes(data)


def test_o002_territorial_scope_not_stated():
    data = _outside(clean())
    data["organisation"].pop("offers_goods_or_services_in_eu")
    assert [f.field for f in found(data, "ROPA-O002")] == ["offers_goods_or_services_in_eu"]
    assert "ROPA-O002" not in codes(clean())


def test_o003_dpo_required_but_missing():
    data = clean()
    data["organisation"].pop("dpo")
    data["organisation"]["dpo_required"] = True
    [f] = found(data, "ROPA-O003")
    assert f.severity.value == "high"


def test_o004_dpo_need_not_assessed():
    data = clean()
    data["organisation"].pop("dpo")
    assert "ROPA-O004" in codes(data)
    data["organisation"].update({"dpo_required": False, "dpo_assessment": "no large-scale monitoring"})
    assert not codes(data) & {"ROPA-O003", "ROPA-O004"}


def test_o005_no_breach_procedure():
    data = clean()
    data["commitments"].pop("breach_procedure")
    assert [f.record for f in found(data, "ROPA-O005")] == ["organisation"]
    assert "ROPA-O006" not in codes(data)


@pytest.mark.parametrize("hours, expected", [(None, True), (96, True), (72, False), (24, False)])
def test_o006_breach_within_72_hours(hours, expected):
    data = clean()
    data["commitments"]["breach_procedure"]["notify_authority_within_hours"] = hours
    assert ("ROPA-O006" in codes(data)) is expected


@pytest.mark.parametrize("reviewed, expected", [("2025-11-22", True), ("2025-11-23", False), (None, True)])
def test_o007_register_review_age(reviewed, expected):
    data = clean()
    data["organisation"]["last_reviewed"] = reviewed
    assert ("ROPA-O007" in codes(data)) is expected


def test_o007_as_of_defaults_to_today():
    import datetime as dt

    data = clean()
    data["organisation"]["last_reviewed"] = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    assert "ROPA-O007" in {f.code for f in audit(build(data))}
    data["organisation"]["last_reviewed"] = dt.date.today().isoformat()
    assert "ROPA-O007" not in {f.code for f in audit(build(data))}


def test_o008_activity_review_age():
    data = clean()
    activity(data)["last_reviewed"] = "2024-01-01"
    [f] = found(data, "ROPA-O008")
    assert f.record == "orders" and "2024-01-01" in f.message
    activity(data).pop("last_reviewed")  # falls back to the register's own review
    assert "ROPA-O008" not in codes(data)


# --------------------------------------------------------------------------
# Hygiene
# --------------------------------------------------------------------------


def test_h001_recipient_used_by_no_activity():
    data = add_recipient(clean(), {"id": "old", "name": "Old Vendor", "role": "processor",
                                   "countries": ["DE"], "dpa": {"reference": "D"}}, link=False)
    assert [f.record for f in found(data, "ROPA-H001")] == ["old"]


def test_h001_sub_processors_and_hosts_are_used():
    data = clean()
    data["recipients"] += [
        {"id": "sub", "name": "Sub", "role": "sub_processor", "parent": "psp", "countries": ["DE"],
         "sub_processor_authorisation": {"type": "general"}},
        {"id": "host", "name": "Host", "role": "processor", "countries": ["DE"], "dpa": {"reference": "D"}},
    ]
    data["systems"] = [{"id": "db", "name": "DB", "hosted_by": "host"}]
    activity(data)["systems"] = ["db"]
    assert "ROPA-H001" not in codes(data)


def test_h002_category_used_by_no_purpose():
    data = clean()
    data["taxonomy"] = {"data_categories": [
        {"fides_key": "user.account.loyalty_id", "name": "Loyalty number", "parent_key": "user.account"}]}
    activity(data)["retention"].append({"data_categories": ["user.contact.phone_number"], "period": "P1Y"})
    got = [(f.record, f.field) for f in found(data, "ROPA-H002")]
    assert got == [("orders", "retention[1].data_categories"), ("taxonomy", "data_categories")]
    activity(data)["data_categories"] += ["user.account.loyalty_id", "user.contact.phone_number"]
    assert "ROPA-H002" not in codes(data)


def test_h003_placeholder_recipient():
    data = clean()
    add_recipient(data, {"id": "mailers", "name": "Email delivery providers (unnamed)", "role": "processor",
                         "placeholder": True, "countries": ["DE"]})
    [f] = found(data, "ROPA-H003")
    assert f.record == "mailers" and "DPA" in f.message


def test_h003_not_for_public_authorities():
    data = add_recipient(clean(), {"id": "police", "name": "Law enforcement", "role": "public_authority",
                                   "placeholder": True, "countries": ["DE"]})
    assert "ROPA-H003" not in codes(data)


def test_assumptions_are_listed_apart_from_findings():
    from audit_lib.audit import assumptions

    data = clean()
    activity(data)["assumptions"] = [
        {"field": "legal_basis", "statement": "contract assumed"},
        {"field": "recipients", "statement": "no other recipient", "to_confirm": False},
    ]
    activity(data)["retention"][0]["assumptions"] = [{"field": "period", "statement": "6 years assumed"}]
    data["recipients"][0]["assumptions"] = [{"field": "countries", "statement": "DE assumed"}]
    got = [(x.record, x.field, x.statement) for x in assumptions(build(data))]
    assert got == [("orders", "legal_basis", "contract assumed"), ("orders", "retention[0].period",
                                                                    "6 years assumed"),
                   ("psp", "countries", "DE assumed")]
    assert found(data) == []  # nothing is wrong: an assumption is not a finding


def test_confirmed_assumptions_are_not_listed():
    from audit_lib.audit import assumptions

    data = clean()
    activity(data)["assumptions"] = [{"field": "legal_basis", "statement": "ok", "to_confirm": False}]
    assert assumptions(build(data)) == []


# --------------------------------------------------------------------------
# Grouping: one finding per rule and problem, every record listed
# --------------------------------------------------------------------------


def test_grouped_rule_lists_every_record_once():
    data = clean()
    for i in range(3):
        add_activity(data, id=f"li{i}", legal_basis="legitimate_interests", legitimate_interest="fraud")
    [f] = found(data, "ROPA-L002")
    assert f.records == ("li0", "li1", "li2") and f.record == "li0"
    assert f.message.startswith("3 activities rely on legitimate interests") and "li2" in f.message


def test_a008_leaves_placeholders_and_authorities_to_their_own_rules():
    data = clean()
    add_recipient(data, {"id": "mailers", "name": "Mailers (unnamed)", "role": "processor",
                         "placeholder": True})
    add_recipient(data, {"id": "police", "name": "Police", "role": "public_authority"})
    got = codes(data)
    assert "ROPA-A008" not in got and {"ROPA-H003", "ROPA-L006"} <= got


# --------------------------------------------------------------------------
# Cookies, consent, electronic marketing
# --------------------------------------------------------------------------


def _cookie(**changes):
    cookie = {"id": "ga", "name": "Analytics cookie", "purpose": "audience measurement", "type": "analytics"}
    cookie.update(changes)
    return cookie


def test_c001_analytics_cookie_on_browser_settings():
    data = clean()
    data["commitments"]["cookies"] = [_cookie(consent={"mechanism": "browser_settings"}),
                                      _cookie(id="ads", name="Ads", type="marketing")]
    [f] = found(data, "ROPA-C001")
    assert f.severity.value == "high" and f.records == ("commitments.cookies.ga", "commitments.cookies.ads")
    assert "ga (browser settings)" in f.message and "ads (not stated)" in f.message


def test_c001_consent_asked_after_the_cookie_is_set():
    data = clean()
    data["commitments"]["cookies"] = [_cookie(consent={"mechanism": "opt_in", "prior": False})]
    [f] = found(data, "ROPA-C001")
    assert "asked after the tracker is set" in f.message


def test_c001_not_for_prior_opt_in_or_strictly_necessary():
    data = clean()
    data["commitments"]["cookies"] = [
        _cookie(consent={"mechanism": "opt_in", "prior": True}),
        _cookie(id="cart", name="Cart", type="strictly_necessary"),
    ]
    assert "ROPA-C001" not in codes(data)


def _consent_activity(data, mechanism, **changes):
    consent = {"mechanism": mechanism, "granular": True, "record": "consent log"} if mechanism else None
    return add_activity(data, id="promo", legal_basis="consent", consent=consent, **changes)


@pytest.mark.parametrize("mechanism", ["continued_use", "browser_settings", "pre_ticked_box"])
def test_c002_consent_that_is_not_consent(mechanism):
    data = clean()
    _consent_activity(data, mechanism)
    [f] = found(data, "ROPA-C002")
    assert f.record == "promo" and f.severity.value == "high" and mechanism.replace("_", " ") in f.message
    assert "ROPA-C003" not in codes(data)  # not reported twice


def test_c002_site_wide_agreement_by_use_applies_to_consent_activities():
    data = clean()
    data["commitments"]["consent"] = {"mechanism": "continued_use"}
    _consent_activity(data, None)
    assert [f.record for f in found(data, "ROPA-C002")] == ["promo"]


def test_c002_an_activity_with_no_basis_relies_on_the_site_wide_agreement_by_use():
    """Tracking recorded with no valid basis, on a site whose only 'consent' is continued use."""
    data = clean()
    data["commitments"]["consent"] = {"mechanism": "continued_use"}
    act = _consent_activity(data, None)
    act["legal_basis"] = []
    assert [f.record for f in found(data, "ROPA-C002")] == ["promo"]


def test_c002_not_for_opt_in_or_other_bases():
    data = clean()
    data["commitments"]["consent"] = {"mechanism": "continued_use"}  # the contract activity ignores it
    _consent_activity(data, "opt_in")
    assert "ROPA-C002" not in codes(data)


def test_c003_consent_without_record():
    data = clean()
    act = _consent_activity(data, "opt_in")
    act["consent"]["record"] = None
    [f] = found(data, "ROPA-C003")
    assert f.record == "promo" and "a record of consent" in f.message


def test_c003_not_when_opt_in_is_granular_and_recorded():
    data = clean()
    _consent_activity(data, "opt_in")
    assert "ROPA-C003" not in codes(data)


def _joint_plugin(data, arrangement=None):
    add_recipient(data, {"id": "social", "name": "Social Network Ltd", "role": "joint_controller",
                         "countries": ["IE"], "contact": {"email": "dpo@social.test"},
                         "joint_controller_arrangement": arrangement})
    data["commitments"]["cookies"] = [_cookie(id="like", name="Like button", type="marketing",
                                              provider="social", consent={"mechanism": "opt_in"})]


def test_c004_plugin_of_joint_controller_without_arrangement():
    data = clean()
    _joint_plugin(data)
    [f] = found(data, "ROPA-C004")
    assert f.record == "social" and "Like button" in f.message
    assert "ROPA-P003" not in codes(data)  # reported once, by the plugin rule


def test_c004_not_with_an_arrangement():
    data = clean()
    _joint_plugin(data, {"reference": "Page Insights Addendum"})
    assert not codes(data) & {"ROPA-C004", "ROPA-P003"}


def test_c005_soft_opt_in_for_contest_participants():
    data = clean()
    _consent_activity(data, "soft_opt_in", purposes=[{"key": "marketing.communications.email"}],
                      data_subjects=["customer", {"key": "prospect", "label": "contest participants"}])
    [f] = found(data, "ROPA-C005")
    assert f.severity.value == "high" and "contest participants" in f.message


def test_c005_no_opt_in_recorded():
    data = clean()
    _consent_activity(data, None, purposes=[{"key": "marketing.communications.email"}])
    assert [f.record for f in found(data, "ROPA-C005")] == ["promo"]
    assert "ROPA-C003" not in codes(data)


@pytest.mark.parametrize("mechanism", ["opt_in", "soft_opt_in"])
def test_c005_not_for_opt_in_or_customers_soft_opt_in(mechanism):
    data = clean()
    _consent_activity(data, mechanism, purposes=[{"key": "marketing.communications.email"}],
                      data_subjects=["customer"])
    assert "ROPA-C005" not in codes(data)


# --------------------------------------------------------------------------
# Security, rights
# --------------------------------------------------------------------------


def test_k001_password_in_a_cookie():
    data = clean()
    data["commitments"]["cookies"] = [_cookie(id="login", name="Login", type="strictly_necessary",
                                              data_categories=["user.authorization.password"])]
    [f] = found(data, "ROPA-K001")
    assert f.record == "commitments.cookies.login" and f.severity.value == "high"


def test_k001_not_for_a_session_identifier():
    data = clean()
    data["commitments"]["cookies"] = [_cookie(id="login", name="Login", type="strictly_necessary",
                                              data_categories=["user.device.cookie_id"])]
    assert "ROPA-K001" not in codes(data)


def test_u001_rights_missing_or_partial():
    data = clean()
    rights = data["commitments"]["rights"]
    data["commitments"]["rights"] = [r for r in rights if r["right"] not in ("restriction", "portability")]
    next(r for r in data["commitments"]["rights"] if r["right"] == "access")["offered_in_full"] = False
    [f] = found(data, "ROPA-U001")
    assert "restriction (Art 18)" in f.message and "portability" in f.message
    assert "access (Art 15, only in part)" in f.message


def test_u001_objection_only_where_it_applies():
    data = clean()
    assert "ROPA-U001" not in codes(data)  # contract only: no Art 21 right to offer
    add_activity(data, id="li", legal_basis="legitimate_interests", legitimate_interest="security",
                 legitimate_interest_assessment="LIA-1")
    [f] = found(data, "ROPA-U001")
    assert f.message.endswith("objection (Art 21: legitimate interests or direct marketing)")


def test_u002_reasonable_timeframe_is_not_one_month():
    data = clean()
    access = next(r for r in data["commitments"]["rights"] if r["right"] == "access")
    access.pop("response_days")
    access["response_time"] = "within a reasonable timeframe"
    [f] = found(data, "ROPA-U002")
    assert "access (within a reasonable timeframe)" in f.message


def test_u002_not_within_a_month():
    data = clean()
    assert "ROPA-U002" not in codes(data)  # every right answered within 30 days
    data["commitments"]["rights"][1]["response_days"] = 45
    assert "45 days" in found(data, "ROPA-U002")[0].message


# --------------------------------------------------------------------------
# Legal obligation law (Art 6(3)), disclosures to authorities (Art 48)
# --------------------------------------------------------------------------


def test_l005_legal_obligation_without_law():
    data = clean()
    add_activity(data, id="tax", legal_basis="legal_obligation")
    [f] = found(data, "ROPA-L005")
    assert f.record == "tax" and f.field == "legal_obligation_law"


def test_l005_not_when_law_is_named():
    data = clean()
    add_activity(data, id="tax", legal_basis="legal_obligation", legal_obligation_law="HGB §257 (DE)")
    assert "ROPA-L005" not in codes(data)


def test_l006_third_country_authority_without_ground():
    data = clean()
    add_recipient(data, {"id": "police", "name": "Public Security Bureau", "role": "public_authority",
                         "countries": ["CN"]})
    [f] = found(data, "ROPA-L006")
    assert f.record == "police" and "in CN" in f.message


def test_l006_not_for_eea_authority_or_with_a_treaty():
    data = clean()
    add_recipient(data, {"id": "police", "name": "Polizei", "role": "public_authority", "countries": ["DE"]})
    add_recipient(data, {"id": "us", "name": "US court", "role": "public_authority", "countries": ["US"],
                         "disclosure_basis": "EU-US MLAT (2003), Art 48"})
    assert "ROPA-L006" not in codes(data)


# --------------------------------------------------------------------------
# Breaches (Art 33), DPO from the register's facts (Art 37)
# --------------------------------------------------------------------------


def test_o005_is_high():
    assert RULES["ROPA-O005"].severity.value == "high"


def test_o009_breach_procedure_without_log_or_decider():
    data = clean()
    proc = data["commitments"]["breach_procedure"]
    proc.pop("decided_by")
    proc.pop("breach_log")
    [f] = found(data, "ROPA-O009")
    assert f.field.endswith("decided_by") and "Art 33(5) breach log" in f.message


def test_o009_not_when_complete():
    data = clean()
    assert "ROPA-O009" not in codes(data)
    data["commitments"].pop("breach_procedure")
    assert "ROPA-O009" not in codes(data)  # no procedure at all is ROPA-O005


def test_o010_high_risk_breaches_excepted():
    data = clean()
    data["commitments"]["breach_procedure"]["exception_grounds"] = ["encrypted", "high_risk"]
    [f] = found(data, "ROPA-O010")
    assert f.severity.value == "high" and "high risk" in f.message and "encrypted" in f.message


def test_o010_unlikely_to_result_in_risk_is_the_art_33_exception():
    data = clean()
    data["commitments"]["breach_procedure"]["exception_grounds"] = ["unlikely_to_result_in_risk"]
    assert "ROPA-O010" not in codes(data)


def test_o011_unknown_assessment_with_tracking():
    data = clean()
    data["organisation"].pop("dpo")
    data["organisation"]["dpo_assessment"] = "Unknown; to assess."
    add_activity(data, id="ads", purposes=[{"key": "marketing.advertising.profiling"}],
                 dpia={"reference": "DPIA-1"})
    [f] = found(data, "ROPA-O011")
    assert "tracking or profiling in ads" in f.message and "assessment is open" in f.message
    assert "ROPA-O004" not in codes(data)  # one DPO finding, not two


def test_o011_not_when_assessed_or_designated():
    data = clean()
    add_activity(data, id="ads", purposes=[{"key": "marketing.advertising.profiling"}],
                 dpia={"reference": "DPIA-1"})
    assert "ROPA-O011" not in codes(data)  # a DPO is designated
    data["organisation"].pop("dpo")
    data["organisation"].update({"dpo_required": False, "dpo_assessment": "small scale, not core"})
    assert not codes(data) & {"ROPA-O011", "ROPA-O004"}


def test_o004_assessment_text_without_conclusion_is_not_an_assessment():
    data = clean()
    data["organisation"].pop("dpo")
    data["organisation"]["dpo_assessment"] = "Unknown; to assess."
    assert "ROPA-O004" in codes(data)


# --------------------------------------------------------------------------
# Accepted risks (the ROPA-H005 report of an acceptance matching nothing)
# --------------------------------------------------------------------------


def test_h005_acceptance_matching_nothing():
    from audit_lib.audit import Acceptance

    stale = Acceptance(code="ROPA-R001", records=["gone"], justification="old", owner="DPO",
                       expires="2027-01-01")
    [f] = [f for f in audit(build(clean()), as_of=AS_OF, accepted=[stale]) if f.code == "ROPA-H005"]
    assert "ROPA-R001" in f.message and "gone" in f.message


def test_h005_not_when_the_acceptance_covers_a_finding():
    from audit_lib.audit import Acceptance

    data = clean()
    activity(data)["retention"] = []
    acc = Acceptance(code="ROPA-R001", records=["orders"], justification="j", owner="DPO",
                     expires="2027-01-01")
    got = audit(build(data), as_of=AS_OF, accepted=[acc])
    assert [f.code for f in got] == ["ROPA-R001"] and got[0].accepted
