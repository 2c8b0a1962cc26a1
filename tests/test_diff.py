"""``ropa diff``: two versions of a sample register in a temporary git repository, and what the
law changed on a fixed register (``ropa transfers --compare-as-of``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from audit_lib.analysis.diff import diff_registers, finding_keys, transfer_key
from audit_lib.analysis.law_changes import law_changes, rows_by_cause
from audit_lib.cli import main
from audit_lib.io.history import HistoryError, register_at
from audit_lib.io.loader import load_register
from audit_lib.reference import transfers as ref
from audit_lib.review import Review
from tests.conftest import SAMPLES

AS_OF = "2026-11-01"


def git(repo: Path, *args: str, date: str = "2026-01-10T12:00:00") -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="DPO", GIT_AUTHOR_EMAIL="dpo@example.org",
               GIT_COMMITTER_NAME="DPO", GIT_COMMITTER_EMAIL="dpo@example.org",
               GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: {old!r} not found once"
    path.write_text(text.replace(old, new), encoding="utf-8")


HOSTING = '  placeholder: true\n  countries: []\n  evidence:\n    - "MobiKin might store'
"""The hosting provider of mobikin, which records no country."""
OLD_CLAUSES = """countries: [GB, BR, IN]
  transfer_mechanisms:
    - type: scc
      scc_module: 2
      countries: [IN]
      reference: DPA-2020-07 annex
      date: 2020-07-01
      transfer_impact_assessment: TIA-2020-07"""

NEW_RECIPIENT = """
- id: acme_bi
  name: Acme BI Ltd
  role: processor
  category: reporting
  countries: [IN]
"""


def make_edits(folder: Path) -> None:
    """The edits a DPO makes between two reviews: four records, five fields, one new record."""
    edit(folder / "organisation.yaml", "last_reviewed: 2018-05-31", "last_reviewed: 2026-10-30")
    edit(folder / "organisation.yaml", 'register_version: "0.1"', 'register_version: "0.2"')
    edit(folder / "recipients.yaml", HOSTING, HOSTING.replace("countries: []", "countries: [BR]"))
    text = (folder / "activities.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("- id: general_statistics\n")
    name_line = rest.splitlines()[0]
    assert name_line.startswith("  name: ")
    rest = rest.replace(name_line, "  name: Usage statistics of the products", 1)
    (folder / "activities.yaml").write_text(head + "- id: general_statistics\n" + rest, encoding="utf-8")
    with open(folder / "recipients.yaml", "a", encoding="utf-8") as fh:
        fh.write(NEW_RECIPIENT)


EXPECTED = {
    ("organisation", "changed"): {"last_reviewed", "register_version"},
    ("recipients[hosting]", "changed"): {"countries"},
    ("activities[general_statistics]", "changed"): {"name"},
    ("recipients[acme_bi]", "added"): set(),
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding ropa/mobikin, committed on 10 Jan 2026 and tagged v1."""
    root = tmp_path / "repo"
    shutil.copytree(SAMPLES["mobikin"], root / "ropa" / "mobikin")
    (root / "README.md").write_text("registers\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first review")
    git(root, "tag", "v1")
    return root


def test_diff_since_a_tag_lists_exactly_the_edits_field_by_field(repo, capsys):
    folder = repo / "ropa" / "mobikin"
    make_edits(folder)
    git(repo, "commit", "-q", "-am", "second review", date="2026-03-01T12:00:00")
    before = git(repo, "status", "--porcelain")

    assert main(["diff", str(folder), "--since", "v1", "--as-of", AS_OF, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    got = {(r["record"], r["change"]): {f["field"] for f in r["fields"]} for r in out["records"]}
    assert got == EXPECTED
    fields = {(r["record"], f["field"]): f for r in out["records"] for f in r["fields"]}
    assert fields[("recipients[hosting]", "countries")]["old"] == []
    assert fields[("recipients[hosting]", "countries")]["new"] == ["BR"]
    assert fields[("recipients[hosting]", "countries")]["article"] == "Art 30(1)(e)"
    assert fields[("organisation", "last_reviewed")]["text"] == "2018-05-31 \u2192 2026-10-30"
    assert fields[("activities[general_statistics]", "name")]["article"] == "Art 30(1)(b)"
    assert git(repo, "status", "--porcelain") == before == ""

    # the transfer and finding changes are those of the two versions judged on the same day
    old, new = Review(load_register_at(folder, "v1"), AS_OF), Review(load_register(folder), AS_OF)
    old_rows = {transfer_key(t): t for t in old.transfers}
    new_rows = {transfer_key(t): t for t in new.transfers}
    hosting = [t for t in out["transfers"] if t["importer"] == "hosting"]
    assert {(t["country"], t["change"]) for t in hosting} == {(None, "removed"), ("BR", "added")}
    assert new_rows[("controller", "hosting", "BR")].decision == ref.adequacy("BR", AS_OF).decision
    assert ("controller", "hosting", "") in old_rows
    # no activity discloses to the new recipient yet: no transfer row, but a finding about it
    assert not [t for t in out["transfers"] if t["importer"] == "acme_bi"]
    opened = {(f["code"], f["record"], f["field"]) for f in out["findings_opened"]}
    closed = {(f["code"], f["record"], f["field"]) for f in out["findings_closed"]}
    # a finding grouped over several records opens and closes record by record
    assert opened == finding_keys(new.findings) - finding_keys(old.findings)
    assert closed == finding_keys(old.findings) - finding_keys(new.findings)
    assert {(record, field) for _, record, field in opened} >= {("acme_bi", "id"), ("acme_bi", "dpa")}
    assert {(record, field) for _, record, field in closed} >= {("organisation", "last_reviewed")}
    # hosting is still a placeholder with a country recorded: ROPA-H003 (which covers the missing
    # country of a placeholder, ROPA-A008 does not repeat it) stays open, neither opened nor closed
    placeholder = ("ROPA-H003", "hosting", "placeholder")
    assert placeholder in finding_keys(old.findings) & finding_keys(new.findings)
    assert placeholder not in opened | closed
    assert not {k for k in opened | closed if k[1] == "hosting"}


def load_register_at(folder: Path, since: str):
    return register_at(folder, since)[0]


def test_diff_since_a_date_reads_the_last_commit_of_that_day_and_never_writes_the_work_tree(repo, capsys):
    folder = repo / "ropa" / "mobikin"
    make_edits(folder)
    git(repo, "commit", "-q", "-am", "second review", date="2026-03-01T12:00:00")
    edit(folder / "organisation.yaml", "\nname: MobiKin\n", "\nname: MobiKin Ltd\n")
    snapshot = {p.name: p.read_bytes() for p in folder.iterdir()}

    assert main(["diff", str(folder), "--since", "2026-02-01", "--as-of", AS_OF]) == 0
    text = capsys.readouterr().out
    assert "name [Art 30(1)(a)]: MobiKin \u2192 MobiKin Ltd" in text
    assert "countries [Art 30(1)(e)]: not recorded \u2192 BR (added BR)" in text
    assert "ADDED recipient recipients[acme_bi] Acme BI Ltd" in text
    # since the second commit's day: only the uncommitted rename
    _, revision = register_at(folder, "2026-03-01")
    assert revision.subject == "second review"
    assert main(["diff", str(folder), "--since", "2026-03-01", "--as-of", AS_OF, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    edits = [(r["record"], [f["field"] for f in r["fields"]]) for r in out["records"]]
    assert edits == [("organisation", ["name"])]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == snapshot
    assert git(repo, "status", "--porcelain").strip() == "M ropa/mobikin/organisation.yaml"


def test_diff_of_two_folders_as_a_pull_request_comment(tmp_path, capsys):
    old = tmp_path / "old" / "mobikin"
    new = tmp_path / "new" / "mobikin"
    shutil.copytree(SAMPLES["mobikin"], old)
    shutil.copytree(SAMPLES["mobikin"], new)
    make_edits(new)
    assert main(["diff", str(old), str(new), "--as-of", AS_OF, "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## Changes from ")
    assert "- CHANGED recipient `recipients[hosting]`" in text
    assert "  - `countries` [Art 30(1)(e)]: not recorded \u2192 BR (added BR)" in text
    assert "### Findings opened (" in text


def test_identical_versions_have_no_change(capsys):
    register = load_register(SAMPLES["dearmob"])
    assert diff_registers(register, load_register(SAMPLES["dearmob"]), AS_OF).empty
    assert main(["diff", str(SAMPLES["dearmob"]), str(SAMPLES["dearmob"]), "--as-of", AS_OF]) == 0
    assert "No change." in capsys.readouterr().out


def test_history_errors_are_messages_naming_the_folder(repo, tmp_path, capsys):
    folder = repo / "ropa" / "mobikin"
    assert main(["diff", str(folder), "--since", "no-such-tag"]) == 1
    err = capsys.readouterr().err
    assert str(folder) in err and "'no-such-tag' is neither a git revision" in err
    assert main(["diff", str(folder), "--since", "2020-01-01"]) == 1
    assert "no commit on or before 2020-01-01" in capsys.readouterr().err
    plain = tmp_path / "plain"
    shutil.copytree(SAMPLES["dearmob"], plain)
    with pytest.raises(HistoryError, match="not inside a git repository"):
        register_at(plain, "HEAD")
    assert main(["diff", str(folder)]) == 2
    assert main(["diff", str(folder), str(folder), "--since", "v1"]) == 2


def test_an_invalid_old_version_is_named_and_exits_1(repo, capsys):
    folder = repo / "ropa" / "mobikin"
    edit(folder / "recipients.yaml", "  role: processor\n  category: server hosting",
         "  role: landlord\n  category: server hosting")
    git(repo, "commit", "-q", "-am", "broken", date="2026-02-01T12:00:00")
    edit(folder / "recipients.yaml", "  role: landlord\n  category: server hosting",
         "  role: processor\n  category: server hosting")
    assert main(["diff", str(folder), "--since", "HEAD"]) == 1
    err = capsys.readouterr().err
    assert "recipients.yaml" in err and "hosting" in err and "the old version is not a valid register" in err


# --------------------------------------------------------------------------
# What the law changed
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exposed(tmp_path_factory) -> Path:
    """mobikin with its hosting provider in GB, BR and IN, the IN leg on clauses signed in 2020."""
    folder = tmp_path_factory.mktemp("law") / "mobikin"
    shutil.copytree(SAMPLES["mobikin"], folder)
    edit(folder / "recipients.yaml", HOSTING, HOSTING.replace("countries: []", OLD_CLAUSES))
    return folder


def _rows(folder: Path, before: str, after: str):
    return law_changes(load_register(folder), before, after).rows


def _hosting(rows, country):
    found = [r for r in rows if r.importer == "hosting" and r.country == country]
    assert len(found) == 1, [(r.importer, r.country) for r in rows]
    return found[0]


def test_uk_adequacy_of_28_june_2021_turns_the_bridge_into_a_transfer(exposed):
    rows = _rows(exposed, "2021-06-27", "2021-06-28")
    row = _hosting(rows, "GB")
    assert row.change == "added" and row.new["status"] == "compliant"
    decision = ref.adequacy("GB", "2021-06-28")
    assert {(c["entry"], c["event"]) for c in row.causes} >= {(decision.decision, "adopted")}
    assert any(c["event"] == "ended" and "bridge" in c["entry"] for c in row.causes)
    assert {r.country for r in rows} == {"GB"}


def test_uk_renewal_of_december_2025_is_named(exposed):
    first, renewal = ref.adequacy("GB", "2025-06-01"), ref.adequacy("GB", "2025-12-28")
    assert first.decision != renewal.decision
    row = _hosting(_rows(exposed, "2025-12-01", "2025-12-28"), "GB")
    assert row.changed == ["decision"] and row.new["status"] == row.old["status"] == "compliant"
    events = {(c["entry"], c["event"]) for c in row.causes}
    assert (renewal.decision, "renewed") in events and (first.decision, "expired") in events
    assert _rows(exposed, "2025-12-20", "2025-12-28") == []  # the renewal already applied


def test_brazil_decision_of_26_january_2026_makes_the_transfer_compliant(exposed, capsys):
    decision = ref.adequacy("BR", "2026-01-26")
    row = _hosting(_rows(exposed, "2026-01-25", "2026-01-26"), "BR")
    assert (row.old["status"], row.new["status"]) == ("no lawful mechanism", "compliant")
    assert [(c["entry"], c["event"]) for c in row.causes] == [(decision.decision, "adopted")]
    assert _rows(exposed, "2026-01-26", "2026-06-01") == []
    assert main(["transfers", str(exposed), "--as-of", "2026-01-26", "--compare-as-of", "2026-01-25"]) == 0
    out = capsys.readouterr().out
    assert "1 row changed" in out and f"adequacy decision {decision.decision} for Brazil adopted" in out


def test_old_scc_stop_protecting_after_27_december_2022(exposed, capsys):
    # Decision 2021/914 Art 4(4): clauses concluded (2020-07-01) under the repealed decisions before
    # 27 Sep 2021 provide appropriate safeguards until 27 Dec 2022; after it, none at all
    row = _hosting(_rows(exposed, "2022-12-27", "2022-12-28"), "IN")
    assert (str(row.old["status"]), str(row.new["status"])) == ("compliant", "no lawful mechanism")
    assert row.changed == ["status"]
    c2p = [p["decision"] for p in ref.scc_decision()["previous"]
           if (p["exporter"], p["importer"]) == ("controller", "processor")]
    assert [(c["entry"], c["event"]) for c in row.causes] == [(d, "expired") for d in c2p]
    assert main(["transfers", str(exposed), "--as-of", "2022-12-28", "--compare-as-of", "2022-12-27",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["importer"], r["country"]) for r in out["rows"]] == [("hosting", "IN")]


def test_rows_by_cause_counts_each_entry(exposed):
    changes = law_changes(load_register(exposed), "2021-01-01", "2026-11-01")
    counts = rows_by_cause(changes)
    assert counts.get(ref.adequacy("BR", "2026-11-01").decision) == 1
    assert sum(counts.values()) >= len(changes.rows)


# --------------------------------------------------------------------------
# The workbook sheet
# --------------------------------------------------------------------------


def test_changes_sheet_since_the_last_review_date(repo, tmp_path):
    from openpyxl import load_workbook

    from audit_lib.export.changes import SHEET_NAME, changes_sheet, changes_since
    from audit_lib.export.xlsx import write_sheets

    folder = repo / "ropa" / "mobikin"
    make_edits(folder)  # v1 was committed on 10 Jan 2026, the day of the last review
    edit(folder / "organisation.yaml", "last_reviewed: 2026-10-30", "last_reviewed: 2026-01-10")
    git(repo, "commit", "-q", "-am", "second review", date="2026-03-01T12:00:00")
    register = load_register(folder)
    changes = changes_since(folder, register, as_of=AS_OF)  # since last_reviewed: 2026-01-10
    diff, law = changes.diff, changes.law
    assert {r.record for r in diff.records} == {"organisation", "recipients[hosting]",
                                                 "activities[general_statistics]", "recipients[acme_bi]"}
    assert law.before.isoformat() == "2026-01-10"
    sheet = changes_sheet(diff, law)
    rows = [list(map(str, r)) for r in sheet.rows]
    assert rows[[r[1:3] for r in rows].index(["recipients[hosting]", "countries"])][:6] == \
        ["record changed", "recipients[hosting]", "countries", "Art 30(1)(e)", "not recorded", "BR"]
    law_rows = [r for r in rows if r[0] == "law changed"]
    brazil = ref.adequacy("BR", AS_OF).decision
    assert [r[1] for r in law_rows] == ["controller \u2192 hosting, BR"] and brazil in law_rows[0][6]
    out = tmp_path / "changes.xlsx"
    write_sheets([changes.sheet()], out)
    ws = load_workbook(out)[SHEET_NAME]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "recipients[acme_bi]" in texts and any(brazil in t for t in texts)


# --------------------------------------------------------------------------
# Property: the diff names exactly the fields edited
# --------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TEXT_FIELDS = ["legal_entity", "address", "website", "dpo_assessment", "lead_supervisory_authority",
               "register_owner", "register_version"]
SAMPLE = load_register(SAMPLES["dearmob"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(TEXT_FIELDS),
                       st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), min_size=1,
                               max_size=30).filter(str.strip), max_size=4))
def test_record_changes_name_exactly_the_edited_fields(edits):
    from audit_lib.analysis.diff import record_changes

    org = SAMPLE.organisation
    edits = {k: v for k, v in edits.items() if v != getattr(org, k)}
    new = SAMPLE.model_copy(update={"organisation": org.model_copy(update=edits)})
    changes = record_changes(SAMPLE, new)
    got = {f.field: f for c in changes for f in c.fields}
    assert set(got) == set(edits)
    assert all(c.record == "organisation" for c in changes)
    for name, f in got.items():
        assert f.new == edits[name]
        assert f.change == ("added" if getattr(org, name) is None else "changed")


def test_changes_since_outside_git_falls_back_to_the_law_alone(tmp_path):
    from audit_lib.export.changes import changes_since

    folder = tmp_path / "mobikin"
    shutil.copytree(SAMPLES["mobikin"], folder)
    register = load_register(folder)
    with pytest.raises(HistoryError):
        changes_since(folder, register, as_of=AS_OF)
    changes = changes_since(folder, register, as_of=AS_OF, fallback=True)
    assert changes.diff is None and "not inside a git repository" in changes.note
    assert changes.law.before == register.organisation.last_reviewed
    expected = law_changes(register, register.organisation.last_reviewed, AS_OF).rows
    assert [(r.importer, r.country) for r in changes.law.rows] == [(r.importer, r.country) for r in expected]
    table = changes.table()
    assert table.iloc[0, 0].startswith("register history not compared")
    assert len(table) == 1 + max(len(expected), 1)


def test_privacy_shield_struck_down_and_dpf_adopted_on_the_unedited_sample():
    register = load_register(SAMPLES["mobikin"])
    shield, dpf = ref.adequacy("US", "2019-01-01", True), ref.adequacy("US", AS_OF, True)
    rows = [r for r in law_changes(register, "2019-01-01", AS_OF).rows if r.importer == "google_llc"]
    # both are certification frameworks (mechanism dpf); the Shield was adopted under Directive
    # 95/46/EC and kept by Art 45(9), the DPF adopted under Art 45(3)
    assert len(rows) == 1 and rows[0].changed == ["article", "decision"]
    assert str(rows[0].old["mechanism"]) == str(rows[0].new["mechanism"]) == "dpf"
    assert (rows[0].old["article"], rows[0].new["article"]) == (shield.article, dpf.article) == \
        ("Art 45(9)", "Art 45(3)")
    assert (rows[0].old["decision"], rows[0].new["decision"]) == (shield.decision, dpf.decision)
    events = [(c["entry"], c["event"]) for c in rows[0].causes]
    assert events == [(shield.decision, "struck down"), (dpf.decision, "adopted")]


def test_export_since_adds_the_changes_sheet_listing_the_edits(repo, tmp_path):
    """``ropa export --since v1``: the workbook gains a "Changes since last review" sheet that lists
    the fields the DPO edited; a revision that does not exist is refused and nothing is written."""
    from openpyxl import load_workbook

    folder = repo / "ropa" / "mobikin"
    make_edits(folder)
    out = tmp_path / "changes.xlsx"
    assert main(["export", str(folder), "-o", str(out), "--since", "v1", "--no-diagram"]) == 0
    book = load_workbook(out, read_only=True)
    assert "Changes since last review" in book.sheetnames
    assert book.sheetnames.index("Changes since last review") < book.sheetnames.index("Guide")
    rows = [tuple(r[:3]) for r in book["Changes since last review"].iter_rows(values_only=True)]
    book.close()
    for (record, _), fields in EXPECTED.items():
        for name in fields:
            assert any(r[1] == record and r[2] == name for r in rows), (record, name)
    missing = tmp_path / "none.xlsx"
    assert main(["export", str(folder), "-o", str(missing), "--since", "no-such-tag", "--no-diagram"]) == 1
    assert not missing.exists()
