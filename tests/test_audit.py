"""The audit as a whole: findings as data, the catalogue, the CLI, and the sample registers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from audit_factory import AS_OF, activity, add_activity, build, clean
from conftest import MINIMAL, SAMPLES

from audit_lib.audit import (
    FIELDS,
    LEVELS,
    RULES,
    Finding,
    Severity,
    audit,
    catalogue_markdown,
    findings_table,
)
from audit_lib.cli import main
from audit_lib.io.loader import load_register
from tools.rule_catalogue import DOC_PATH

# --------------------------------------------------------------------------
# Findings and severities
# --------------------------------------------------------------------------


def test_severity_order():
    assert [s.value for s in sorted(LEVELS, key=lambda s: s.rank)] == ["high", "medium", "low", "info"]
    assert Severity.error.at_least("high")  # unusable input outranks every finding
    assert Severity.high.at_least("medium") and not Severity.low.at_least("medium")
    assert Severity.medium.at_least(Severity.medium)


def test_finding_as_dict_has_the_agreed_keys():
    f = Finding(code="ROPA-A001", severity=Severity.low, article="Art 1", record="rec", field="field",
                message="msg", remedy="fix")
    assert list(FIELDS) == ["code", "severity", "article", "record", "field", "message", "remedy", "records",
                            "status", "acceptance"]
    assert set(FIELDS) <= set(f.as_dict())
    assert f.as_dict()["severity"] == "low"
    json.dumps(f.as_dict())  # plain data


def test_audit_collects_every_finding_not_only_the_first():
    data = clean()
    activity(data)["retention"] = []
    add_activity(data, id="a2", retention=[])
    add_activity(data, id="a3", retention=[], legal_basis=[])
    findings = audit(build(data), as_of=AS_OF)
    [r001] = [f for f in findings if f.code == "ROPA-R001"]  # one problem, one finding, every record listed
    assert r001.records == ("orders", "a2", "a3") and r001.message.startswith("3 activities keep")
    assert [f.code for f in findings][0] == "ROPA-L001"  # most severe first


def test_findings_table_sorted_by_severity():
    data = clean()
    activity(data)["legal_basis"] = []  # high
    activity(data)["data_subjects"] = []  # medium
    data["organisation"]["last_reviewed"] = "2020-01-01"  # low
    table = findings_table(reversed(audit(build(data), as_of=AS_OF)))
    assert list(table.columns) == list(FIELDS)
    assert list(table["severity"]) == ["high", "medium", "low"]
    assert list(table["code"]) == ["ROPA-L001", "ROPA-A003", "ROPA-O007"]


def test_findings_table_of_nothing_has_columns():
    table = findings_table([])
    assert table.empty and list(table.columns) == list(FIELDS)


def test_audit_as_of_accepts_iso_text():
    data = clean()
    data["organisation"]["last_reviewed"] = "2025-01-01"
    assert "ROPA-O007" in {f.code for f in audit(build(data), as_of="2026-11-23")}
    assert "ROPA-O007" not in {f.code for f in audit(build(data), as_of="2025-06-01")}


def test_audit_of_selected_rules():
    data = clean()
    activity(data)["legal_basis"] = []
    activity(data)["retention"] = []
    assert {f.code for f in audit(build(data), as_of=AS_OF, rules=["ROPA-R001"])} == {"ROPA-R001"}


def test_transfer_rules_follow_the_date():
    """Brazil has an adequacy decision from 26 Jan 2026: the same transfer is judged by the law of its day."""
    data = clean()
    data["recipients"][0]["countries"] = ["BR"]
    assert "ROPA-T001" in {f.code for f in audit(build(data), as_of="2025-12-31")}
    assert "ROPA-T001" not in {f.code for f in audit(build(data), as_of="2026-02-01")}


# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------


def test_rule_metadata_is_complete():
    assert len(RULES) >= 40
    for code, rule in RULES.items():
        assert re.fullmatch(r"ROPA-[A-Z]\d{3}", code), code
        assert rule.code == code and rule.article.startswith(("Art", "ePrivacy Art")), code
        assert len(rule.checks) > 30 and len(rule.remedy) > 30 and rule.title, code
        assert rule.remedy.endswith("."), code


def test_rule_codes_are_stable_per_topic():
    prefixes = {"completeness": "A", "transfers": "T", "processors": "P", "special_data": "S",
                "retention": "R", "lawful_basis": "L", "dpia": "D", "organisation": "O", "hygiene": "H",
                "consent": "C", "security": "K", "rights": "U"}
    for rule in RULES.values():
        assert rule.code[5] == prefixes[rule.topic], rule.code


def test_committed_catalogue_is_up_to_date():
    """docs/audit-rules.md is generated: run `python tools/rule_catalogue.py` after changing a rule."""
    assert DOC_PATH.read_text(encoding="utf-8") == catalogue_markdown()


def test_catalogue_lists_every_rule_with_its_fix():
    text = catalogue_markdown()
    for rule in RULES.values():
        row = next(line for line in text.splitlines() if line.startswith(f"| {rule.code} |"))
        assert rule.severity.value in row and rule.remedy.replace("|", "\\|") in row


def test_catalogue_check_mode(tmp_path):
    from tools.rule_catalogue import main as catalogue_main

    stale = tmp_path / "rules.md"
    stale.write_text("old", encoding="utf-8")
    assert catalogue_main([str(stale), "--check"]) == 1
    assert catalogue_main([str(stale)]) == 0
    assert catalogue_main([str(stale), "--check"]) == 0


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def write_register(tmp_path, data) -> str:
    """Write register data as YAML files the loader reads."""
    import yaml

    folder = tmp_path / "reg"
    folder.mkdir()
    files = {"organisation": data["organisation"], "activities": data["activities"],
             "recipients": data["recipients"], "security": data["security_measures"],
             "commitments": data["commitments"]}
    for name, content in files.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return str(folder)


def test_cli_clean_register_exits_0(tmp_path, capsys):
    path = write_register(tmp_path, clean())
    assert main(["audit", path, "--as-of", "2026-11-23", "--fail-on", "info"]) == 0
    assert "0 findings" in capsys.readouterr().out


def test_cli_exit_1_at_fail_on_level(tmp_path, capsys):
    data = clean()
    data["organisation"]["last_reviewed"] = "2020-01-01"  # low only
    path = write_register(tmp_path, data)
    assert main(["audit", path, "--as-of", "2026-11-23"]) == 0  # default --fail-on high
    assert main(["audit", path, "--as-of", "2026-11-23", "--fail-on", "medium"]) == 0
    assert main(["audit", path, "--as-of", "2026-11-23", "--fail-on", "low"]) == 1
    assert "1 open finding at or above 'low'" in capsys.readouterr().err


def test_cli_default_fails_on_high(tmp_path):
    data = clean()
    activity(data)["legal_basis"] = []
    assert main(["audit", write_register(tmp_path, data), "--as-of", "2026-11-23"]) == 1


def test_cli_json_is_a_list_of_findings(tmp_path, capsys):
    data = clean()
    activity(data)["retention"] = []
    main(["audit", write_register(tmp_path, data), "--as-of", "2026-11-23", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out == [{"code": "ROPA-R001", "severity": "medium", "article": "Art 30(1)(f), 5(1)(e)",
                    "record": "orders", "field": "retention",
                    "message": "Order handling: no retention period recorded",
                    "remedy": RULES["ROPA-R001"].remedy, "records": "orders", "status": "open",
                    "acceptance": ""}]


def test_cli_csv_has_header_and_neutralised_formulas(tmp_path, capsys):
    data = clean()
    activity(data)["name"] = "=HYPERLINK(\"http://x\")"
    activity(data)["retention"] = []
    main(["audit", write_register(tmp_path, data), "--as-of", "2026-11-23", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == list(FIELDS)
    assert rows[1][0] == "ROPA-R001" and rows[1][5].startswith("'=")


def test_cli_invalid_register_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "organisation.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["audit", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "organisation.yaml" in err and "Traceback" not in err


def test_cli_missing_folder_and_bad_date_exit_2(tmp_path, capsys):
    assert main(["audit", str(tmp_path / "nowhere")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(MINIMAL), "--as-of", "23/11/2026"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_cli_without_path_exits_2(capsys):
    assert main(["audit"]) == 2
    assert "PATH" in capsys.readouterr().err


def test_cli_list_rules(capsys):
    assert main(["audit", "--list-rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(RULES) and out[0].startswith("ROPA-A001")


def test_cli_help_documents_exit_codes_and_default(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "high (default" in out and "2 on invalid input" in out


def test_cli_table_on_minimal(capsys):
    assert main(["audit", str(MINIMAL), "--as-of", "2026-11-23", "--fail-on", "medium"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Example Shop: audit as of 2026-11-23:")
    assert "ROPA-O005" in out and "Fix: " in out


# --------------------------------------------------------------------------
# The sample registers: what a DPO expects from the seed policies, and nothing absurd
# --------------------------------------------------------------------------


def _sample(name):
    return load_register(SAMPLES[name])


def _by_code(findings):
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


def test_mobikin_transfers_outside_the_eu_without_safeguard():
    findings = _by_code(audit(_sample("mobikin"), as_of=AS_OF))
    unsafe = {f.record for code in ("ROPA-T001", "ROPA-T002") for f in findings.get(code, [])}
    assert "mycommerce" in unsafe  # US entity of Digital River, no DPF recorded, no SCC
    assert {"disqus", "quora"} <= unsafe
    # processors the policy never names or places: one finding (ROPA-H003), not a second "no country"
    [unknown] = findings["ROPA-H003"]
    assert {"hosting", "payment_processors", "email_delivery"} <= set(unknown.records)
    assert not {"hosting", "payment_processors", "email_delivery"} & {
        r for f in findings.get("ROPA-A008", []) for r in f.records}


def test_mobikin_card_data_kept_as_evidence_without_limit():
    findings = _by_code(audit(_sample("mobikin"), as_of=AS_OF))
    [r001] = findings["ROPA-R001"]
    assert "payment_claim_evidence" in r001.records and "no stated retention limit" in r001.message


def test_mobikin_no_nonsense():
    findings = _by_code(audit(_sample("mobikin"), as_of=AS_OF))
    # MyCommerce is an independent controller (merchant of record): no Art 28 DPA asked for
    assert "mycommerce" not in {f.record for f in findings.get("ROPA-P001", [])}
    # the policy commits to 72-hour breach notification, names withdrawal of consent, and targets no children
    assert not {"ROPA-O005", "ROPA-O006", "ROPA-L004", "ROPA-S003"} & set(findings)
    # joint controllers (Facebook plugin) need an Art 26 arrangement, not a DPA (Fashion ID, C-40/17)
    assert "facebook" in findings["ROPA-C004"][0].records and "ROPA-P003" not in findings
    assert "facebook" not in {f.record for f in findings.get("ROPA-P001", [])}


def test_dearmob_controller_outside_the_eu_without_representative():
    findings = _by_code(audit(_sample("dearmob"), as_of=AS_OF))
    [rep] = findings["ROPA-O001"]
    assert rep.severity is Severity.high and "outside the EU" in rep.message


def test_dearmob_expected_gaps():
    findings = _by_code(audit(_sample("dearmob"), as_of=AS_OF))
    assert "twocheckout" in {f.record for c in ("ROPA-T001", "ROPA-T002") for f in findings.get(c, [])}
    assert "ROPA-O005" in findings  # the policy says nothing about breaches
    assert "ROPA-S003" not in findings  # "does not knowingly collect information from children"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_findings_name_real_records(name):
    register = _sample(name)
    ids = {"organisation", "taxonomy"} | {a.id for a in register.activities} \
        | {r.id for r in register.recipients} | {s.id for s in register.security_measures} \
        | {s.id for s in register.systems} | {p.id for p in register.processor_activities}
    for f in audit(register, as_of=AS_OF):
        assert f.record in ids or f.record.startswith("commitments."), f


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_assumptions_are_their_own_list(name):
    from audit_lib.audit import assumptions

    register = _sample(name)
    with_assumptions = {a.id for a in register.activities if any(x.to_confirm for x in a.assumptions)}
    listed = {x.record for x in assumptions(register)}
    assert with_assumptions and with_assumptions <= listed
    assert not [f for f in audit(register, as_of=AS_OF) if f.severity is Severity.info]


def test_audit_on_minimal_is_today_by_default():
    findings = audit(load_register(MINIMAL))
    reviewed = dt.date(2026, 6, 1)
    expected = dt.date.today() > reviewed.replace(year=reviewed.year + 1)
    assert ("ROPA-O007" in {f.code for f in findings}) is expected


# --------------------------------------------------------------------------
# Audit v2 on the samples: what an authority checks first, as a work list
# --------------------------------------------------------------------------


def _records_of(findings, code):
    return {r for f in findings.get(code, []) for r in f.records}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_get_cookie_consent_and_identity_findings(name):
    findings = _by_code(audit(_sample(name), as_of=AS_OF))
    [trackers] = findings["ROPA-C001"]
    assert trackers.severity is Severity.high and len(trackers.records) >= 2
    [identity] = findings["ROPA-A001"]
    assert identity.field == "legal_entity" and "no legal entity" in identity.message


def test_mobikin_findings_an_authority_checks_first():
    findings = _by_code(audit(_sample("mobikin"), as_of=AS_OF))
    assert _records_of(findings, "ROPA-K001") == {"commitments.cookies.password_cookie"}
    [exceptions] = findings["ROPA-O010"]
    assert exceptions.severity is Severity.high and "high risk" in exceptions.message
    assert {"third_party_tracking", "interest_profiling"} <= _records_of(findings, "ROPA-C002")
    assert "breach log" in findings["ROPA-O009"][0].message
    assert "assessment is open" in findings["ROPA-O011"][0].message  # "Unknown ... to assess" is no answer
    assert {"legal_obligations", "law_enforcement_disclosure"} <= _records_of(findings, "ROPA-L005")
    assert "public_authorities" in _records_of(findings, "ROPA-L006")
    # the true high findings of the first audit stay
    assert "ROPA-O001" in findings
    assert {"third_party_tracking", "interest_profiling"} <= _records_of(findings, "ROPA-D002")
    assert {"disqus", "quora"} <= _records_of(findings, "ROPA-T002") | _records_of(findings, "ROPA-T001")
    assert "google_analytics" in _records_of(findings, "ROPA-P001")


def test_dearmob_findings_an_authority_checks_first():
    findings = _by_code(audit(_sample("dearmob"), as_of=AS_OF))
    assert findings["ROPA-O005"][0].severity is Severity.high  # no breach procedure at all
    assert "giveaway" in findings["ROPA-C005"][0].message  # newsletters to contest participants
    [rights] = findings["ROPA-U001"]
    assert all(w in rights.message for w in ("access (Art 15, only in part)", "restriction", "portability"))
    assert "reasonable timeframe" in findings["ROPA-U002"][0].message
    assert "website_analytics" in _records_of(findings, "ROPA-L004")  # no withdrawal route


@pytest.mark.parametrize(("name", "ceiling"), [("mobikin", 40), ("dearmob", 25)])
def test_sample_work_list_is_short_and_repeats_nothing(name, ceiling):
    from audit_lib.audit import duplicates

    findings = audit(_sample(name), as_of=AS_OF)
    assert len([f for f in findings if f.severity is not Severity.info]) <= ceiling
    assert duplicates(findings) == []


def test_duplicates_names_a_code_reported_twice_for_a_record():
    from audit_lib.audit import duplicates

    one = Finding.of("ROPA-R001", "x", record="a", records=("a", "b"))
    two = Finding.of("ROPA-R001", "y", record="b")
    assert duplicates([one, two]) == [("ROPA-R001", "b")] and duplicates([one]) == []


@pytest.mark.parametrize("name", ["dearmob", "mobikin"])
def test_workbook_findings_are_the_audit_findings(name):
    """One source of truth: the Findings sheet shows the audit's findings and repeats none of them."""
    from audit_lib.export.context import build_context
    from audit_lib.export.sheets import findings_sheet

    register = _sample(name)
    ctx = build_context(register, AS_OF, diagram=False)
    found = audit(register, as_of=AS_OF)
    assert [(f.code, f.records, f.field) for f in ctx.findings] == [
        (f.code, f.records, f.field) for f in found]
    assert not [f for f in ctx.findings if f.code.startswith("ROPA-X")]  # the export adds none
    sheet = findings_sheet(ctx)
    headers = [c.header for c in sheet.columns]
    rows = list(sheet.rows)
    assert [r[headers.index("Code")] for r in rows] == [f.code for f in found]
    assert len({(f.code, f.records, f.field, f.message) for f in found}) == len(rows)
