"""Many registers at once (``ropa validate|audit|transfers ropa/``) and the group view (``ropa group``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audit_lib.analysis.group import group_parties, party_key, reviews_of
from audit_lib.cli import main
from audit_lib.cli.many import registers_under
from audit_lib.io.loader import load_register
from audit_lib.review import Review
from tests.conftest import ROOT, SAMPLES

AS_OF = "2026-11-01"


@pytest.fixture
def group(tmp_path: Path) -> Path:
    """A folder of three registers: the two samples and a subsidiary one level deeper."""
    root = tmp_path / "ropa"
    for name, folder in SAMPLES.items():
        shutil.copytree(folder, root / name)
    shutil.copytree(SAMPLES["dearmob"], root / "subsidiaries" / "dearmob-de")
    (root / "notes").mkdir()
    (root / "notes" / "README.md").write_text("not a register\n", encoding="utf-8")
    return root


def test_registers_under_finds_register_folders_only(group):
    found = [p.relative_to(group).as_posix() for p in registers_under(group)]
    assert found == ["dearmob", "mobikin", "subsidiaries/dearmob-de"]
    assert registers_under(group / "mobikin") == [group / "mobikin"]
    assert [p.name for p in registers_under(ROOT / "ropa")] == sorted(SAMPLES)


def test_validate_a_folder_of_registers_reports_each_and_the_total(group, capsys):
    assert main(["validate", str(group)]) == 0
    out = capsys.readouterr().out
    for name in ("DearMob", "MobiKin"):
        assert f"{name}: register is valid" in out
    assert out.count("register is valid") == 3
    assert f"3 registers under {group}: 3 passed" in out


def test_one_broken_register_fails_the_run_and_is_named(group, capsys):
    broken = group / "subsidiaries" / "dearmob-de"
    text = (broken / "recipients.yaml").read_text(encoding="utf-8")
    text = text.replace("role: processor", "role: landlord", 1)
    (broken / "recipients.yaml").write_text(text, encoding="utf-8")
    assert main(["validate", str(group)]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("register is valid") == 2
    assert "recipients.yaml" in captured.err and "role" in captured.err
    assert f"2 passed, 1 failed: {broken}" in captured.err


def test_audit_many_exits_with_the_worst_result(group, capsys):
    code = main(["audit", str(group), "--as-of", AS_OF, "--fail-on", "high"])
    out, err = capsys.readouterr()
    blocking = [any(f.severity.at_least("high") for f in Review(load_register(p), AS_OF).findings)
                for p in registers_under(group)]
    assert code == (1 if any(blocking) else 0)
    assert out.count(": audit as of 2026-11-01:") == 3
    assert f"3 registers under {group}: {blocking.count(False)} passed" in (out + err)


def test_transfers_many_as_json_is_one_document_per_register(group, capsys):
    assert main(["transfers", str(group), "--as-of", AS_OF, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Path(r["register"]) for r in out] == registers_under(group)
    for r in out:
        expected = Review(load_register(r["register"]), AS_OF).transfers
        assert [(t["importer"], t["country"], t["status"]) for t in r["result"]] == \
            [(t.importer, t.country, t.status) for t in expected]
    assert main(["transfers", str(group), "--as-of", AS_OF]) == 0
    assert capsys.readouterr().out.count(f"== {group}") == 3


def test_audit_many_as_csv_names_the_register_on_each_row(group, capsys):
    import csv
    import io

    main(["audit", str(group), "--as-of", AS_OF, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    for folder in registers_under(group):
        found = [r["code"] for r in rows if r["register"] == str(folder)]
        assert found == [f.code for f in Review(load_register(folder), AS_OF).findings]


def test_group_view_names_who_sends_data_to_google_llc_and_on_what_mechanism(capsys):
    registers = [load_register(p) for p in SAMPLES.values()]
    reviews = reviews_of(registers, AS_OF)
    parties = group_parties(reviews)
    google = parties[parties["party"].map(party_key) == party_key("Google LLC")]
    assert sorted(google["organisation"]) == sorted(r.organisation.name for r in registers)
    for rv in reviews:
        expected = {t.mechanism for t in rv.transfers if t.importer == "google_llc"}
        row = google[google["organisation"] == rv.register.organisation.name].iloc[0]
        assert set(row["mechanisms"].split(", ")) == expected
    assert (parties["entities"] >= 2).all()
    assert main(["group", str(ROOT / "ropa"), "--as-of", AS_OF, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    senders = {p["organisation"] for p in out["parties"] if p["party"] == "Google LLC"}
    assert senders == set(google["organisation"])
    us = [c for c in out["countries"] if c["country"] == "US"]
    assert {c["organisation"] for c in us} == {r.organisation.name for r in registers
                                               if any(t.country == "US" for t in Review(r, AS_OF).transfers)}


def test_party_key_ignores_a_trailing_gloss_and_case():
    assert party_key("Google LLC (Google Analytics sub-processor)") == party_key("google llc")
    assert party_key("Quora, Inc.") == party_key("Quora Inc")
    assert party_key("Google Ireland Limited") != party_key("Google LLC")


def test_group_of_an_empty_folder_is_a_message(tmp_path, capsys):
    assert main(["group", str(tmp_path)]) == 1
    assert "no register folder" in capsys.readouterr().err
    (tmp_path / "activities.yaml").write_text("[]\n", encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1  # one register missing its organisation, not a group
    assert "organisation.yaml" in capsys.readouterr().err
