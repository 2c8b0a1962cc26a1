"""Accepted risks (accepted.yaml): validated, shown as accepted, not failing the gate until expiry."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from audit_factory import AS_OF, activity, build, clean
from hypothesis import given, settings
from hypothesis import strategies as st
from test_audit import write_register

from audit_lib.audit import Acceptance, AcceptedError, Finding, apply_acceptances, audit, blocking
from audit_lib.audit.accepted import load_acceptances, read_acceptances
from audit_lib.cli import main

ACCEPTED = """\
- code: ROPA-L001
  records: [orders]
  justification: Basis being confirmed with counsel; processing paused for new customers.
  owner: Dana Officer, DPO
  expires: {expires}
"""


def _no_basis():
    data = clean()
    activity(data)["legal_basis"] = []  # ROPA-L001, high
    return data


def _acceptance(expires="2026-12-31", records=("orders",), code="ROPA-L001"):
    return Acceptance(code=code, records=list(records), justification="counsel", owner="DPO", expires=expires)


@pytest.mark.parametrize(("as_of", "accepted"), [("2026-12-31", True), ("2027-01-01", False)])
def test_acceptance_holds_until_its_expiry_date_inclusive(as_of, accepted):
    [f] = audit(build(_no_basis()), as_of=as_of, accepted=[_acceptance()])
    assert f.code == "ROPA-L001" and f.accepted is accepted
    assert f.status == ("accepted" if accepted else "acceptance lapsed")
    assert bool(blocking([f], "high")) is not accepted


def test_finding_that_changes_comes_back():
    data = clean()
    activity(data)["retention"] = []  # ROPA-R001, one finding listing its activities
    acc = _acceptance(code="ROPA-R001")
    [f] = audit(build(data), as_of=AS_OF, accepted=[acc])
    assert f.accepted
    data["activities"].append(dict(activity(data), id="second", name="Second"))
    [f] = audit(build(data), as_of=AS_OF, accepted=[acc])  # now it also covers 'second'
    assert f.records == ("orders", "second") and not f.accepted and f.status == "acceptance lapsed"
    assert blocking([f], "medium")


def test_acceptance_of_a_fixed_finding_is_reported():
    got = audit(build(clean()), as_of=AS_OF, accepted=[_acceptance()])
    assert [(f.code, f.severity.value) for f in got] == [("ROPA-H005", "low")]


def test_file_errors_name_file_line_record_and_field(tmp_path):
    path = tmp_path / "accepted.yaml"
    path.write_text("- code: ROPA-Z999\n  records: [orders]\n  owner: DPO\n  expires: 31/12/2026\n"
                    "  colour: red\n", encoding="utf-8")
    with pytest.raises(AcceptedError) as exc:
        load_acceptances(path)
    lines = [str(i) for i in exc.value.issues]
    assert any("accepted.yaml:1: #1 ROPA-Z999: code: unknown audit rule code" in x for x in lines)
    assert any(": justification: required field is missing" in x for x in lines)
    assert any(": expires: must be a date written YYYY-MM-DD" in x for x in lines)
    assert any("accepted.yaml:5:" in x and ": colour: unknown field" in x for x in lines)


def test_file_must_be_a_list_and_not_yaml_garbage(tmp_path):
    path = tmp_path / "accepted.yaml"
    path.write_text("code: ROPA-L001\n", encoding="utf-8")
    with pytest.raises(AcceptedError, match="must be a list of accepted risks"):
        load_acceptances(path)
    path.write_text("- code: [unclosed\n", encoding="utf-8")
    with pytest.raises(AcceptedError, match="YAML syntax error"):
        load_acceptances(path)


def test_read_from_the_register_folder(tmp_path):
    assert read_acceptances(tmp_path) == []
    (tmp_path / "accepted.yaml").write_text(ACCEPTED.format(expires="2026-12-31"), encoding="utf-8")
    [acc] = read_acceptances(tmp_path)
    assert acc.code == "ROPA-L001" and acc.source == "accepted.yaml:1"


def _cli(tmp_path, expires, *extra):
    reg = write_register(tmp_path, _no_basis())
    path = tmp_path / "risks.yaml"
    path.write_text(ACCEPTED.format(expires=expires), encoding="utf-8")
    return main(["audit", reg, "--as-of", "2026-12-31", "--accepted", str(path), *extra])


def test_cli_accepted_finding_does_not_fail_the_gate(tmp_path, capsys):
    assert _cli(tmp_path, "2026-12-31") == 0
    out = capsys.readouterr().out
    assert "ROPA-L001" in out and "ACCEPTED" in out
    assert "Accepted by Dana Officer, DPO until 2026-12-31" in out
    assert "1 accepted" in out.splitlines()[0]


def test_cli_expired_acceptance_fails_the_gate_again(tmp_path, capsys):
    assert _cli(tmp_path, "2026-12-30") == 1
    captured = capsys.readouterr()
    assert "ACCEPTANCE LAPSED" in captured.out and "1 open finding at or above 'high'" in captured.err


def test_cli_json_exposes_status_and_acceptance(tmp_path, capsys):
    _cli(tmp_path, "2026-12-31", "--format", "json")
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "accepted" and "until 2026-12-31" in row["acceptance"]


def test_cli_invalid_accepted_file_exits_2_and_audits_nothing(tmp_path, capsys):
    reg = write_register(tmp_path, _no_basis())
    bad = tmp_path / "risks.yaml"
    bad.write_text("- code: ROPA-L001\n  records: []\n", encoding="utf-8")
    assert main(["audit", reg, "--accepted", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "risks.yaml" in captured.err and "records: must not be empty" in captured.err
    assert captured.out == ""
    assert main(["audit", reg, "--accepted", str(tmp_path / "none.yaml")]) == 2


def test_cli_assumptions_are_their_own_list(capsys):
    from conftest import SAMPLES

    assert main(["audit", str(SAMPLES["mobikin"]), "--assumptions"]) == 0
    out = capsys.readouterr().out
    assert "assumptions to confirm in" in out.splitlines()[0] and "commitments.breach_procedure" in out
    assert main(["audit", str(SAMPLES["mobikin"]), "--assumptions", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and set(rows[0]) == {"record", "what", "field", "statement"}


@given(expires=st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)),
       as_of=st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
@settings(max_examples=40, deadline=None)
def test_accepted_exactly_while_in_force(expires, as_of):
    finding = Finding.of("ROPA-L001", "no basis", record="orders", records=("orders",))
    [f] = apply_acceptances([finding], [_acceptance(expires=expires)], as_of)
    assert f.accepted is (as_of <= expires) and f.acceptance is not None


def test_ropa_validate_checks_accepted_yaml_too(tmp_path, capsys):
    """A broken accepted.yaml makes ``ropa validate`` fail, naming the file and the field."""
    import shutil

    from audit_lib.cli import main
    from tests.conftest import MINIMAL

    folder = tmp_path / "reg"
    shutil.copytree(MINIMAL, folder)
    assert main(["validate", str(folder)]) == 0
    (folder / "accepted.yaml").write_text("- code: ROPA-P001\n  records: [psp]\n  owner: DPO\n"
                                          "  justification: DPA being signed\n  expires: not-a-date\n",
                                          encoding="utf-8")
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "accepted.yaml" in err and "expires" in err
