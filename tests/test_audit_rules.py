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
    assert f.record == "organisation" and f.article == "Art 30(1)(a)"


def test_a001_contact_email_alone_is_enough():
    data = clean()
    data["organisation"].pop("address")
    assert "ROPA-A001" not in codes(data)


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


def test_h004_one_finding_per_record_with_assumptions():
    data = clean()
    activity(data)["assumptions"] = [
        {"field": "legal_basis", "statement": "contract assumed"},
        {"field": "recipients", "statement": "no other recipient", "to_confirm": False},
    ]
    activity(data)["retention"][0]["assumptions"] = [{"field": "period", "statement": "6 years assumed"}]
    data["recipients"][0]["assumptions"] = [{"field": "countries", "statement": "DE assumed"}]
    got = found(data, "ROPA-H004")
    assert [(f.record, f.field) for f in got] == [("orders", "legal_basis, retention[0].period"),
                                                    ("psp", "countries")]
    assert all(f.severity.value == "info" for f in got)
    assert "2 assumptions" in got[0].message and "no other recipient" not in got[0].message


def test_h004_confirmed_assumptions_are_not_listed():
    data = clean()
    activity(data)["assumptions"] = [{"field": "legal_basis", "statement": "ok", "to_confirm": False}]
    assert "ROPA-H004" not in codes(data)
