"""Fides: the export validates with fideslang and counts what it cannot hold; manifests come in as a
register that validates; the round trip keeps ids, purposes, categories, subjects, legal bases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import MINIMAL, SAMPLES
from fideslang.models import Taxonomy

from audit_lib.cli import main
from audit_lib.export.fides import fides_manifest, write_fides
from audit_lib.io.fides import FidesError, import_fides, upgrade_key
from audit_lib.io.loader import load_register

REGISTERS = {**SAMPLES, "minimal": MINIMAL}

# What Fides cannot carry, by record kind: the fields the round trip may change. Everything else
# the test compares must come back exactly (ids, purposes, categories, subjects, legal bases ...).
LOST = {
    "activities": {
        "description",
        "evidence",
        "assumptions",
        "notes",
        "sources",
        "security_measures",
        "legitimate_interest",
        "legitimate_interest_assessment",
        "consent_withdrawal",
        "criminal_data_basis",
        "owner",
        "last_reviewed",
        "automated_decision_making",
        "provision_requirement",
        "children_data",
        "age_verification",
        "status",
        "consent",
        "legal_obligation_law",
        "department",
    },
    "recipients": {
        "countries",
        "transfer_mechanisms",
        "dpa",
        "contact",
        "joint_controller_arrangement",
        "sub_processor_authorisation",
        "dpf_certified",
        "placeholder",
        "established",
        "international_organisation",
        "sector",
        "disclosure_basis",
        "evidence",
        "assumptions",
        "notes",
    },
    "systems": {"countries", "hosted_by", "evidence", "assumptions", "notes"},
}
LABELS = {"data_categories", "data_subjects"}  # keys kept, free labels beside them lost
LINK_DETAILS = "recipients"  # link ids kept, per-link purpose and categories lost


def _keys(refs: list) -> list:
    return [r["key"] if isinstance(r, dict) else r for r in refs]


def _comparable(kind: str, record) -> dict:
    data = record.model_dump(mode="json", exclude_defaults=True, exclude=LOST[kind])
    for name in LABELS & set(data):
        data[name] = _keys(data[name])
    if kind == "activities":
        data["recipients"] = [link["recipient"] for link in data.get("recipients", [])]
        data["purposes"] = [
            {"key": p["key"], "description": p.get("description")} for p in data.get("purposes", [])
        ]
        for r in data.get("retention", []):  # periods and triggers kept; per-category split and notes lost
            for name in ("data_categories", "description", "assumptions", "evidence", "notes"):
                r.pop(name, None)
        if "dpia" in data:
            data["dpia"] = {"reference": data["dpia"].get("reference")}
            if data["dpia"]["reference"] is None:
                del data["dpia"]
    return data


@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_export_validates_with_fideslang(name, tmp_path):
    register = load_register(REGISTERS[name])
    report = write_fides(register, tmp_path / "fides.yml")
    manifest = yaml.safe_load((tmp_path / "fides.yml").read_text(encoding="utf-8"))
    taxonomy = Taxonomy.model_validate(manifest)  # fideslang's own model
    assert taxonomy.organization[0].name == register.organisation.name
    declared = [d for s in taxonomy.system for d in s.privacy_declarations]
    assert len(declared) == report.declarations
    uses = {d.data_use for d in declared}
    assert {p.key for a in register.activities for p in a.purposes} <= uses
    assert len(taxonomy.system) == report.systems
    # every recipient is a vendor system; every activity a declaration
    keys = {s.fides_key for s in taxonomy.system}
    assert len(keys) == len(taxonomy.system)
    assert {d.name for d in declared} == {a.name for a in register.activities}


def test_export_counts_what_fides_cannot_hold():
    register = load_register(SAMPLES["mobikin"])
    _, lost = fides_manifest(register)
    assert lost["recipient countries (Art 30(1)(e))"] == sum(len(r.countries) for r in register.recipients)
    assert lost["security measures (Art 32)"] == len(register.security_measures)
    assert lost["activity evidence quotes"] == sum(len(a.evidence) for a in register.activities)
    assert all(n > 0 for n in lost.values())
    # the fields the round trip may lose (LOST) are counted wherever a record sets them
    for kind, prefix in (("activities", "activity"), ("recipients", "recipient")):
        for name in ("consent", "legal_obligation_law", "department", "established", "sector"):
            if name in LOST[kind]:
                n = sum(1 for r in getattr(register, kind) if getattr(r, name) is not None)
                assert lost.get(f"{prefix}.{name}", 0) == n, (kind, name)
    assert lost["activity.consent"] > 0 and lost["recipient.established"] > 0


def test_export_sets_transfer_flags_from_the_classification():
    from audit_lib.analysis.transfers import classify_transfers

    register = load_register(SAMPLES["mobikin"])
    manifest, _ = fides_manifest(register)
    transfers = classify_transfers(register)
    moving = {a for t in transfers for a in t.activities}
    importers = {t.importer for t in transfers}
    assert moving and importers
    for system in manifest["system"]:
        meta = system["meta"]["ropa"]
        if "recipient" in meta:
            assert system["does_international_transfers"] == (meta["recipient"] in importers)
        else:
            ids = {v["id"] for v in meta["activities"].values()}
            assert system["does_international_transfers"] == bool(ids & moving)


@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_round_trip_loses_only_what_fides_cannot_hold(name, tmp_path):
    register = load_register(REGISTERS[name])
    write_fides(register, tmp_path / "fides.yml")
    back = import_fides([tmp_path / "fides.yml"], tmp_path / "back").register
    assert back.organisation.name == register.organisation.name
    for kind in LOST:
        before = {r.id: _comparable(kind, r) for r in getattr(register, kind)}
        after = {r.id: _comparable(kind, r) for r in getattr(back, kind)}
        assert set(after) == set(before), kind
        for rid in before:
            assert after[rid] == before[rid], (kind, rid)


FIDES_TEAM = """
organization:
  - fides_key: acme
    name: Acme Ltd
    controller: {name: Acme Ltd, address: 1 Road, email: privacy@acme.example}
    data_protection_officer: {name: Dee Pio, email: dpo@acme.example}
system:
  - fides_key: crm
    name: CRM
    system_type: Application
    egress:
      - {fides_key: mailer, type: system}
    privacy_declarations:
      - name: Customer accounts
        data_use: provide.service.operations
        data_categories: [user.provided.identifiable.contact.email, user.name]
        data_subjects: customer
        legal_basis_for_processing: Legitimate Interests
        retention_period: 6 years after the end of the contract
        egress: [mailer]
"""
FIDES_TEAM_2 = """
system:
  - fides_key: crm
    name: CRM
    system_type: Application
    privacy_declarations:
      - name: Newsletter
        data_use: marketing.communications.email
        data_categories: [user.contact.email]
        data_subjects: [customer]
        legal_basis_for_processing: Consent
  - fides_key: mailer
    name: Mailer Inc.
    system_type: Service
    vendor_id: gvl.42
    privacy_declarations: []
"""


def _team(tmp_path: Path) -> Path:
    folder = tmp_path / "manifests"
    (folder / "sub").mkdir(parents=True)
    (folder / "org.yml").write_text(
        FIDES_TEAM.replace("provide.service.operations", "improve.system"), encoding="utf-8"
    )
    (folder / "sub" / "more.yaml").write_text(FIDES_TEAM_2, encoding="utf-8")
    return folder


def test_import_merges_systems_maps_1x_keys_and_warns_each_deviation(tmp_path):
    result = import_fides([_team(tmp_path)], tmp_path / "acme")
    reg = load_register(tmp_path / "acme")  # passes validation
    assert [s.id for s in reg.systems] == ["crm"]  # merged across the two files
    assert {a.id for a in reg.activities} == {"customer_accounts", "newsletter"}
    accounts = next(a for a in reg.activities if a.id == "customer_accounts")
    assert [p.key for p in accounts.purposes] == ["functional.service.improve"]  # 1.x improve.system
    assert [c.key for c in accounts.data_categories] == ["user.contact.email", "user.name"]
    assert [b.value for b in accounts.legal_basis] == ["legitimate_interests"]
    assert (
        accounts.retention[0].period == "P6Y" and accounts.retention[0].trigger == "the end of the contract"
    )
    assert [r.id for r in reg.recipients] == ["mailer"] and reg.recipients[0].role.value == "processor"
    assert [link.recipient for link in accounts.recipients] == ["mailer"]
    assert reg.recipients[0].assumed("countries") and reg.recipients[0].assumed("role")
    assert reg.organisation.dpo.name == "Dee Pio" and reg.organisation.assumed("country")
    codes = [(i.code, i.field) for i in result.issues]
    assert ("ROPA-I022", "data_use") in codes and ("ROPA-I022", "data_categories") in codes
    assert ("ROPA-I021", "data_subjects") in codes  # a string where a list belongs
    assert ("ROPA-I021", "legal_basis_for_processing") in codes  # "Legitimate Interests"
    assert any(i.code == "ROPA-I021" and "merged" in i.message for i in result.issues)


def test_upgrade_key_uses_fides_own_renames():
    assert upgrade_key("data_categories", "user.financial.account_number") == "user.financial.bank_account"
    assert (
        upgrade_key("data_categories", "user.derived.identifiable.device.ip_address")
        == "user.device.ip_address"
    )
    assert upgrade_key("data_uses", "improve") == "functional"
    assert upgrade_key("data_uses", "nonsense.key") == "nonsense.key"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("system: [oops", "not readable as YAML"),
        ("- just\n- a list\n", "not a Fides manifest"),
        (
            "system:\n  - fides_key: s\n    name: S\n    privacy_declarations:\n      - data_use: essential\n"
            "        data_categories: [user]\n        legal_basis_for_processing: Because\n",
            "not a legal basis",
        ),
    ],
)
def test_bad_manifest_is_refused_and_nothing_written(tmp_path, text, expected):
    bad = tmp_path / "bad.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(FidesError) as err:
        import_fides([bad], tmp_path / "out")
    assert any(expected in i.message and i.file.endswith("bad.yml") for i in err.value.issues)
    assert not (tmp_path / "out").exists()


def test_cli_export_and_import(tmp_path, capsys):
    out = tmp_path / "fides.yml"
    assert main(["export", str(SAMPLES["dearmob"]), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "validated with fideslang" in err and "not in the manifest" in err and "security measures" in err
    assert main(["import", "fides", str(out), "-o", str(tmp_path / "back"), "-q"]) == 0
    assert "loads as a valid register" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "back")]) == 0
    assert main(["import", "fides", str(tmp_path / "missing.yml"), "-o", str(tmp_path / "x")]) == 1
    assert "nothing was written" in capsys.readouterr().err and not (tmp_path / "x").exists()
