"""One issue type for every stage: each code a stage emits is declared in the catalogue (CODES)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES

from audit_lib.analysis.crosscheck import crosscheck
from audit_lib.audit import audit
from audit_lib.io.loader import RegisterError, load_register
from audit_lib.issues import CODES, Issue, Severity, Stage, declare

AS_OF = "2026-06-01"
POLICY = (
    "We share your email address, phone number and purchase history with Stripe, Mailchimp and\n"
    "Zendesk for payment, customer support and newsletters. We use Google Analytics for analytics.\n"
)
"""A policy naming parties, data and purposes neither sample holds all of: drift on both sides."""

# Ways to break a copy of a sample register: (file, text appended), each a different load problem.
BREAKS = [
    ("activities.yaml", "- id: x\n  name: [unclosed\n"),  # YAML syntax
    ("recipients.yaml", "- id: extra\n  name: Extra\n  role: processor\n  colour: red\n  countries: [UK]\n"),
    ("systems.yaml", "- id: s1\n  name: S\n  hosted_by: nobody\n- id: s1\n  name: again\n"),
    ("security.yaml", "- &anchor\n  id: t\n"),
    ("notes.yaml", "a: 1\n"),
]


def _codes_of_broken_copy(source: Path, tmp_path: Path) -> set[str]:
    codes: set[str] = set()
    for n, (name, extra) in enumerate(BREAKS):
        folder = tmp_path / f"{source.name}-{n}"
        shutil.copytree(source, folder)
        path = folder / name
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(text + ("\n" if text and not text.endswith("\n") else "") + extra, encoding="utf-8")
        with pytest.raises(RegisterError) as err:
            load_register(folder)
        assert all(isinstance(i, Issue) and i.severity is Severity.error for i in err.value.issues)
        codes |= {i.code for i in err.value.issues}
    return codes


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_code_in_the_outputs_of_a_sample_is_declared(name, tmp_path):
    register = load_register(SAMPLES[name])
    findings = audit(register, as_of=AS_OF)
    drift = crosscheck(register, POLICY).issues("policy.md")
    load = _codes_of_broken_copy(SAMPLES[name], tmp_path)
    seen = {f.code for f in findings} | {i.code for i in drift} | load
    assert findings and drift and len(load) >= len(BREAKS)
    undeclared = seen - set(CODES)
    assert not undeclared
    stages = {code: CODES[code].stage for code in seen}
    assert {stages[f.code] for f in findings} == {Stage.audit}
    assert {stages[i.code] for i in drift} == {Stage.drift}
    assert {stages[c] for c in load} == {Stage.load}
    for issue in drift:  # the catalogue gives each issue its article and remedy
        assert issue.article == CODES[issue.code].article and issue.remedy


def test_load_problems_have_distinct_stable_codes(tmp_path):
    codes = _codes_of_broken_copy(SAMPLES["mobikin"], tmp_path)
    # syntax, unknown field, country, dangling reference, duplicate id, alias, unknown file
    assert {"ROPA-V001", "ROPA-V002", "ROPA-V005", "ROPA-V004", "ROPA-V003", "ROPA-V012",
            "ROPA-V009"} <= codes


def test_an_undeclared_code_raises():
    with pytest.raises(ValueError, match="not declared"):
        Issue(code="ROPA-Z999", severity=Severity.error, message="made up")
    with pytest.raises(ValueError, match="not declared"):
        Issue.of("ROPA-Z999", "made up")


def test_a_code_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        declare("ROPA-V001", Stage.load, Severity.error, "again")


def test_every_stage_declares_codes_including_import():
    stages = {c.stage for c in CODES.values()}
    assert stages == set(Stage)
    assert all(c.code.startswith("ROPA-") and len(c.code) == 9 for c in CODES.values())


def test_issue_text_and_dict():
    issue = Issue.of("ROPA-V004", "unknown recipient id 'x'", file="r/activities.yaml", line=3,
                     record="orders", field="recipients[0]")
    assert str(issue) == "r/activities.yaml:3: orders: recipients[0]: unknown recipient id 'x'"
    data = issue.as_dict()
    assert data["severity"] == "error" and data["code"] == "ROPA-V004" and data["remedy"]
