"""The loader: a valid register loads; every kind of bad input gets a located, readable error."""

from __future__ import annotations

import re
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import audit_lib.io.loader as load_module
import audit_lib.io.yaml_reader as yaml_reader
from audit_lib.io.loader import RegisterError, load_register
from audit_lib.io.yaml_reader import RegisterYamlLoader
from audit_lib.issues import Issue
from benchmarks.synthetic import write_synthetic_register

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "minimal"

# -- helpers --------------------------------------------------------------------------------------


def issues_of(path: Path) -> list[Issue]:
    with pytest.raises(RegisterError) as exc:
        load_register(path)
    assert exc.value.issues, "a RegisterError must carry at least one issue"
    return exc.value.issues


def only_issue(path: Path) -> Issue:
    issues = issues_of(path)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def edit(folder: Path, name: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in folder/name (exactly once); return the 1-based line of the edit."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def append(folder: Path, name: str, extra: str) -> int:
    """Append text to folder/name; return the 1-based line where it starts."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + extra, encoding="utf-8")
    return text.count("\n") + 1


# -- valid registers ------------------------------------------------------------------------------


def test_minimal_register_loads_every_record(minimal_path):
    reg = load_register(minimal_path)
    raw = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in minimal_path.glob("*.yaml")}
    assert reg.organisation.name == raw["organisation"]["name"]
    assert [a.id for a in reg.activities] == [a["id"] for a in raw["activities"]]
    assert [r.id for r in reg.recipients] == [r["id"] for r in raw["recipients"]]
    assert [m.id for m in reg.security_measures] == [m["id"] for m in raw["security"]]
    assert [s.id for s in reg.systems] == [s["id"] for s in raw["systems"]]
    assert reg.source_path == str(minimal_path)
    assert re.fullmatch(r"[0-9a-f]{64}", reg.source_hash)


def test_source_hash_changes_with_the_files_and_only_then(register_copy):
    folder = register_copy()
    first = load_register(folder).source_hash
    assert load_register(folder).source_hash == first
    edit(folder, "systems.yaml", "Shop database", "Shop database (primary)")
    assert load_register(folder).source_hash != first


def test_bare_NO_stays_norway_and_true_false_stay_booleans(register_copy):
    folder = register_copy()
    assert "[NO]" in (folder / "recipients.yaml").read_text()  # unquoted in the fixture
    edit(folder, "organisation.yaml", "country: DE", "country: NO")
    edit(folder, "organisation.yaml", "established_in_eu: true", "established_in_eu: false")
    reg = load_register(folder)
    assert reg.recipient("shipping").countries == ["NO"]
    assert reg.organisation.country == "NO"
    assert reg.organisation.established_in_eu is False


def test_activities_may_be_a_folder_of_files(register_copy, tmp_path):
    folder = register_copy()
    records = yaml.safe_load((folder / "activities.yaml").read_text())
    (folder / "activities.yaml").unlink()
    (folder / "activities").mkdir()
    for record in records:
        (folder / "activities" / f"{record['id']}.yaml").write_text(
            yaml.safe_dump([record], sort_keys=False), encoding="utf-8")
    assert sorted(a.id for a in load_register(folder).activities) == sorted(r["id"] for r in records)


def test_records_may_sit_under_a_top_level_key(register_copy):
    folder = register_copy()
    text = (folder / "security.yaml").read_text()
    nested = "".join(f"  {line}\n" for line in text.splitlines())
    (folder / "security.yaml").write_text("security:\n" + nested)
    assert [m.id for m in load_register(folder).security_measures] == ["tls", "access_control"]


def test_generated_synthetic_register_loads(tmp_path):
    folder = write_synthetic_register(tmp_path / "syn", n_activities=50, n_recipients=30, seed=3)
    reg = load_register(folder)
    assert len(reg.activities) == 50
    assert len(reg.recipients) == 30
    roles = {r.role.value for r in reg.recipients}
    assert {"processor", "sub_processor"} <= roles
    assert any(r.transfer_mechanisms for r in reg.recipients)
    assert any(not (set(r.countries) - {"US"}) for r in reg.recipients if r.countries)


def test_synthetic_register_is_deterministic_for_a_seed(tmp_path):
    a = write_synthetic_register(tmp_path / "a", n_activities=20, n_recipients=10, seed=7)
    b = write_synthetic_register(tmp_path / "b", n_activities=20, n_recipients=10, seed=7)
    c = write_synthetic_register(tmp_path / "c", n_activities=20, n_recipients=10, seed=8)
    texts = {p.name: p.read_text() for p in a.glob("*.yaml")}
    assert texts == {p.name: p.read_text() for p in b.glob("*.yaml")}
    assert texts != {p.name: p.read_text() for p in c.glob("*.yaml")}


@pytest.fixture(scope="module")
def big_register(tmp_path_factory) -> Path:
    """A valid register whose activities.yaml is several MB."""
    return write_synthetic_register(tmp_path_factory.mktemp("big") / "reg", n_activities=3500,
                                    n_recipients=600, seed=1)


def test_a_valid_register_of_several_mb_loads(big_register):
    size = (big_register / "activities.yaml").stat().st_size
    assert size > 3_000_000
    reg = load_register(big_register)
    assert len(reg.activities) == 3500


def test_a_cold_load_holds_no_more_than_a_few_times_the_register_in_memory(big_register):
    # The text, its libyaml copy and the whole document used to be held while the records were
    # built (peak ~17x the file size); now one file at a time, each record's data dropped once built.
    size = sum(p.stat().st_size for p in big_register.glob("*.yaml"))
    load_register(big_register)  # imports and reference data first
    tracemalloc.start()
    try:
        reg = load_register(big_register)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(reg.activities) == 3500
    assert peak < 11 * size, f"peak {peak / 2**20:.0f} MB for {size / 2**20:.1f} MB of YAML"


# -- one pass, located messages ---------------------------------------------------------------------


def test_issue_text_is_file_line_record_field_message():
    issue = Issue.of("ROPA-V002", "unknown field", file="ropa/x/activities.yaml", line=12, record="orders",
                     field="colour")
    assert str(issue) == "ropa/x/activities.yaml:12: orders: colour: unknown field"
    assert str(Issue.of("ROPA-V007", "bad", file="f.yaml")) == "f.yaml: -: -: bad"


def test_every_problem_in_every_file_is_reported_in_one_pass(register_copy):
    folder = register_copy()
    l1 = edit(folder, "activities.yaml", "  owner: Head of Sales", "  owner: Head of Sales\n  colour: red")
    l2 = edit(folder, "recipients.yaml", "countries: [IE, US]", "countries: [IE, UK]")
    l3 = edit(folder, "security.yaml", "type: organisational", "type: magic")
    issues = issues_of(folder)
    found = {(Path(i.file).name, i.line) for i in issues}
    assert {("activities.yaml", l1 + 1), ("recipients.yaml", l2), ("security.yaml", l3)} <= found
    assert issues == sorted(issues, key=lambda i: (i.file, i.line or 0))


# -- YAML-level problems --------------------------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line(register_copy):
    folder = register_copy()
    line = append(folder, "activities.yaml", "- id: broken\n  name: [unclosed\n  owner: x\n")
    issue = only_issue(folder)
    assert Path(issue.file).name == "activities.yaml"
    assert issue.message.startswith("YAML syntax error")
    assert line <= issue.line <= line + 3


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(register_copy):
    folder = register_copy()
    line = edit(folder, "systems.yaml", "  name: Shop database", "  name: Shop database\n  name: Other")
    issue = only_issue(folder)
    assert issue.line == line + 1
    assert issue.field == "name"
    assert "twice" in issue.message


def test_several_yaml_documents_in_one_file_are_refused(register_copy):
    folder = register_copy()
    append(folder, "systems.yaml", "---\n- id: other\n  name: Other\n")
    issue = only_issue(folder)
    assert "single document" in issue.message


def test_python_tags_are_refused_not_executed(register_copy, tmp_path):
    folder = register_copy()
    marker = tmp_path / "pwned"
    edit(folder, "systems.yaml", "name: Shop database",
         f"name: !!python/object/apply:os.system ['touch {marker}']")
    issue = only_issue(folder)
    assert issue.code == "ROPA-V018"
    assert "'!!python/object/apply:os.system' is not allowed" in issue.message
    assert not marker.exists()


def test_explicit_str_tag_is_honoured(register_copy):
    folder = register_copy()
    edit(folder, "organisation.yaml", 'register_version: "1.0"', "register_version: !!str 1.10")
    assert load_register(folder).organisation.register_version == "1.10"


SCALARS = """\
a: NO
b: no
c: yes
d: On
e: true
f: FALSE
g: ~
h: null
i: ''
j: 2026-06-01
k: 2026-06-01 10:30:00
l: 12
m: 0x1f
n: 017
o: 1_000
p: 1.5
q: .inf
r: 1e3
s: 1:30
t: '12'
u: "NO"
v: [1, two, 3.0, null, NO, 2026-01-01]
w: {x: 1, y: [a, {z: false}]}
x:
empty:
"quoted key": 1
12: int key
"""


def test_reader_uses_the_yaml_1_2_core_schema_and_keeps_the_text_of_numbers():
    data, duplicates = yaml_reader.read_yaml(SCALARS)
    assert duplicates == []
    assert (data["a"], data["b"], data["c"], data["d"]) == ("NO", "no", "yes", "On")
    assert data["e"] is True and data["f"] is False
    assert data["g"] is None and data["h"] is None and data["x"] is None and data["i"] == ""
    # YAML 1.1 timestamps, sexagesimal numbers and underscores are text in YAML 1.2
    assert (data["j"], data["k"]) == ("2026-06-01", "2026-06-01 10:30:00")
    assert (data["o"], data["s"]) == ("1_000", "1:30")
    assert (data["l"], data["m"], data["n"], data["p"], data["r"]) == (12, 31, 17, 1.5, 1000.0)
    assert data["q"] == float("inf")
    # numbers keep the text they were written as
    assert [str(data[k]) for k in "lmnpr"] == ["12", "0x1f", "017", "1.5", "1e3"]
    assert data["v"] == [1, "two", 3.0, None, "NO", "2026-01-01"]
    assert data["w"] == {"x": 1, "y": ["a", {"z": False}]}
    assert data[12] == "int key" and data["quoted key"] == 1
    # the PyYAML loader the module exports for other tools reads the same
    assert repr(yaml.load(SCALARS, Loader=RegisterYamlLoader)) == repr(data)


BILLION_LAUGHS = """\
- id: lol
  name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  description: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  notes: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  owner: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  purposes: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  data_categories: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  data_subjects: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  systems: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  security_measures: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_is_refused_quickly_without_memory_blow_up(register_copy):
    folder = register_copy()
    (folder / "activities.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        issue = only_issue(folder)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "anchors and aliases" in issue.message
    assert issue.line == 2
    assert elapsed < 5
    assert peak < 50 * 2**20


def test_a_single_anchor_is_refused_too(register_copy):
    folder = register_copy()
    line = edit(folder, "security.yaml", "- id: access_control", "- id: &ac access_control")
    issue = only_issue(folder)
    assert "anchors and aliases" in issue.message
    assert issue.line == line


def test_file_that_is_not_utf8_is_refused_with_its_line(register_copy):
    folder = register_copy()
    text = (folder / "systems.yaml").read_text() + "  description: Datenbank für Bestellungen\n"
    (folder / "systems.yaml").write_bytes(text.encode("latin-1"))
    issue = only_issue(folder)
    assert "not UTF-8" in issue.message
    assert issue.line == text.count("\n")


def test_binary_file_with_nul_bytes_is_refused(register_copy):
    folder = register_copy()
    (folder / "systems.yaml").write_bytes(b"- id: x\n  name: \x00\x01\x02\n")
    issue = only_issue(folder)
    assert "NUL" in issue.message
    assert issue.line == 2


def test_utf8_with_byte_order_mark_is_accepted(register_copy):
    folder = register_copy()
    path = folder / "systems.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_register(folder).systems[0].id == "shop_db"


def test_file_over_the_size_limit_is_refused_before_reading(register_copy, monkeypatch):
    folder = register_copy()
    size = (folder / "activities.yaml").stat().st_size
    monkeypatch.setattr(load_module, "MAX_FILE_BYTES", size - 1)
    issues = issues_of(folder)
    activity_issues = [i for i in issues if Path(i.file).name == "activities.yaml"]
    assert len(activity_issues) == 1
    assert "limit" in activity_issues[0].message and "split" in activity_issues[0].message
    monkeypatch.setattr(load_module, "MAX_FILE_BYTES", size)
    assert load_register(folder).activities


# -- folders and files ------------------------------------------------------------------------------


def test_missing_folder(tmp_path):
    issue = only_issue(tmp_path / "nowhere")
    assert "not found" in issue.message


def test_empty_folder(tmp_path):
    issue = only_issue(tmp_path)
    assert "empty folder" in issue.message


def test_a_file_instead_of_a_folder(minimal_path):
    issue = only_issue(minimal_path / "organisation.yaml")
    assert "not a folder" in issue.message


def test_unknown_yaml_file_in_the_folder_is_an_error(register_copy):
    folder = register_copy()
    (folder / "vendors.yaml").write_text("- id: x\n", encoding="utf-8")
    (folder / "README.md").write_text("notes are fine\n", encoding="utf-8")
    issue = only_issue(folder)
    assert Path(issue.file).name == "vendors.yaml"
    assert "unknown register file" in issue.message


def test_missing_organisation_file(register_copy):
    folder = register_copy()
    (folder / "organisation.yaml").unlink()
    issue = only_issue(folder)
    assert "organisation.yaml" in issue.file and "Art 30(1)(a)" in issue.message


# -- record-level problems ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "record", "field", "message"),
    [
        ("activities.yaml", "    - payments\n", "    - paymnts\n", "orders", "recipients[0]",
         "unknown recipient id 'paymnts'"),
        ("activities.yaml", "[tls, access_control]", "[tls, acces_control]", "orders",
         "security_measures[1]", "unknown security measure id 'acces_control'"),
        ("activities.yaml", "systems: [shop_db]", "systems: [shop_dbx]", "orders", "systems[0]",
         "unknown system id 'shop_dbx'"),
        ("activities.yaml", "  sources:\n    - type: data_subject",
         "  sources:\n    - type: third_party\n      party: broker", "orders", "sources[0].party",
         "unknown recipient id 'broker'"),
        ("recipients.yaml", "parent: payments", "parent: paymentz", "payments_cloud", "parent",
         "unknown recipient id 'paymentz'"),
        ("systems.yaml", "countries: [DE]", "countries: [DE]\n  hosted_by: aws", "shop_db", "hosted_by",
         "unknown recipient id 'aws'"),
        ("security.yaml", "  type: organisational", "  type: organisational\n  applies_to: [ghost]",
         "access_control", "applies_to[0]", "unknown recipient id 'ghost'"),
    ],
)
def test_unknown_ids_are_named_with_file_line_record_and_field(register_copy, file, old, new, record,
                                                                field, message):
    folder = register_copy()
    line = edit(folder, file, old, new)
    issue = only_issue(folder)
    assert Path(issue.file).name == file
    assert (issue.record, issue.field) == (record, field)
    assert message in issue.message
    assert line <= issue.line <= line + new.count("\n")


def test_no_field_of_the_format_refers_to_activities_by_id():
    """The issue lists 'unknown activity id': no record refers to an activity, so none can dangle.

    If a reference to activities is ever added to the model, this fails as a reminder to check it.
    """
    from audit_lib import model

    names = {name for cls in vars(model).values() if isinstance(cls, type) and hasattr(cls, "model_fields")
             for name in cls.model_fields}
    assert not names & {"activity", "activities_ref", "activity_id", "activity_ids"}


def test_unknown_cookie_provider(register_copy):
    folder = register_copy()
    (folder / "commitments.yaml").write_text(
        "cookies:\n  - id: ga\n    name: _ga\n    purpose: analytics\n    type: analytics\n"
        "    provider: google\n", encoding="utf-8")
    issue = only_issue(folder)
    assert (issue.record, issue.field, issue.line) == ("ga", "provider", 6)


def test_duplicate_id_names_both_places(register_copy):
    folder = register_copy()
    line = append(folder, "security.yaml", "- id: tls\n  name: TLS again\n  type: technical\n")
    issue = only_issue(folder)
    assert (issue.record, issue.field, issue.line) == ("tls", "id", line)
    assert "duplicate security measure id" in issue.message
    assert "security.yaml:1" in issue.message


@pytest.mark.parametrize(("code", "hint"), [("UK", "GB"), ("EL", "GR"), ("XX", "not an ISO 3166-1")])
def test_unknown_country_code(register_copy, code, hint):
    folder = register_copy()
    line = edit(folder, "recipients.yaml", "countries: [IE, US]", f"countries: [IE, {code}]")
    issue = only_issue(folder)
    assert (issue.record, issue.field, issue.line) == ("payments", "countries[1]", line)
    assert hint in issue.message


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("    - user.name\n", "    - user.nmae\n", "data_categories[0].key", "fideslang data category"),
        ("purposes: [marketing.communications.email]", "purposes: [marketing.spam]", "purposes[0].key",
         "fideslang data use"),
        ("data_subjects: [customer]", "data_subjects: [shopper]", "data_subjects[0].key",
         "fideslang data subject"),
    ],
)
def test_unknown_taxonomy_key(register_copy, old, new, field, words):
    folder = register_copy()
    line = edit(folder, "activities.yaml", old, new)
    issue = only_issue(folder)
    assert issue.field == field
    assert words in issue.message
    assert issue.line == line


def test_taxonomy_extension_widens_the_vocabulary(register_copy):
    folder = register_copy()
    edit(folder, "activities.yaml", "data_categories: [user.contact.email]",
         "data_categories: [user.contact.email.newsletter]")
    assert "user.contact.email.newsletter" in only_issue(folder).message
    (folder / "taxonomy.yaml").write_text(
        "data_categories:\n  - fides_key: user.contact.email.newsletter\n    name: Newsletter address\n"
        "    parent_key: user.contact.email\n", encoding="utf-8")
    keys = load_register(folder).activity("newsletter").data_category_keys
    assert keys == ["user.contact.email.newsletter"]


def test_taxonomy_extension_with_unknown_parent(register_copy):
    folder = register_copy()
    (folder / "taxonomy.yaml").write_text(
        "data_uses:\n  - fides_key: spam.daily\n    name: Daily spam\n    parent_key: spam\n",
        encoding="utf-8")
    issue = only_issue(folder)
    assert (issue.record, issue.field, issue.line) == ("spam.daily", "parent_key", 4)


def test_missing_required_field(register_copy):
    folder = register_copy()
    edit(folder, "activities.yaml", "  name: Order handling\n", "")
    issue = only_issue(folder)
    assert (issue.record, issue.field, issue.line) == ("orders", "name", 1)
    assert issue.message == "required field is missing"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("last_reviewed: 2026-06-01", "last_reviewed: soon", "last_reviewed", "must be a date"),
        ("systems: [shop_db]", "systems: shop_db", "systems", "must be a list"),
        ("owner: Head of Sales", "owner: Head of Sales\n  children_data: maybe", "children_data",
         "must be true or false"),
        ("legal_basis: contract", "legal_basis: contrat", "legal_basis[0]", "must be one of"),
        ("owner: Head of Sales", "owner: {name: Head of Sales}", "owner", "must be text"),
    ],
)
def test_wrong_type(register_copy, old, new, field, message):
    folder = register_copy()
    line = edit(folder, "activities.yaml", old, new)
    issue = only_issue(folder)
    assert (issue.record, issue.field) == ("orders", field)
    assert message in issue.message
    assert line <= issue.line <= line + 1


def test_unknown_key_is_an_error(register_copy):
    folder = register_copy()
    line = edit(folder, "recipients.yaml", "  category: payment processing",
                "  category: payment processing\n  contry: IE")
    issue = only_issue(folder)
    assert (issue.record, issue.field, issue.line) == ("payments", "contry", line + 1)
    assert "unknown field" in issue.message


def test_assumption_naming_a_missing_field_is_an_error(register_copy):
    folder = register_copy()
    line = edit(folder, "activities.yaml", "    - field: retention", "    - field: retension")
    issue = only_issue(folder)
    assert (issue.record, issue.field) == ("newsletter", "assumptions")
    assert "retension" in issue.message
    assert line - 1 <= issue.line <= line


def test_list_file_must_hold_a_list(register_copy):
    folder = register_copy()
    (folder / "systems.yaml").write_text("id: shop_db\nname: Shop database\n", encoding="utf-8")
    assert "must be a list of systems records" in only_issue(folder).message


def test_record_that_is_not_a_mapping(register_copy):
    folder = register_copy()
    line = append(folder, "security.yaml", "- just a string\n")
    issue = only_issue(folder)
    assert (issue.record, issue.line) == ("#3", line)


def test_sub_processor_loop_is_an_error(register_copy):
    folder = register_copy()
    edit(folder, "recipients.yaml", "  role: processor\n  category: payment processing",
         "  role: sub_processor\n  parent: payments_cloud\n  category: payment processing")
    issues = issues_of(folder)
    loops = [i for i in issues if "loops back" in i.message]
    assert len(loops) == 1
    assert loops[0].field == "parent"
    assert "payments -> payments_cloud -> payments" in loops[0].message or \
        "payments_cloud -> payments -> payments_cloud" in loops[0].message


def test_parent_must_be_a_processor(tmp_path):
    folder = tmp_path / "reg"
    shutil.copytree(MINIMAL, folder)
    edit(folder, "recipients.yaml", "parent: payments", "parent: shipping")
    issue = only_issue(folder)
    assert (issue.record, issue.field) == ("payments_cloud", "parent")
    assert "Art 28(2)" in issue.message


def test_recipient_may_only_get_categories_the_activity_collects(register_copy):
    folder = register_copy()
    edit(folder, "activities.yaml", "data_categories: [user.name, user.contact.address]",
         "data_categories: [user.name, user.contact.email]")
    issue = only_issue(folder)
    assert (issue.record, issue.field) == ("orders", "recipients[1].data_categories[1]")
    assert "user.contact.email" in issue.message


def test_an_invalid_record_is_not_reported_again_as_an_unknown_id(register_copy):
    """One mistake, one message: the references to a broken recipient are not 'unknown ids'."""
    folder = register_copy()
    edit(folder, "recipients.yaml", "  role: processor\n  category: payment processing",
         "  role: procesor\n  category: payment processing")
    issue = only_issue(folder)
    assert (issue.record, issue.field) == ("payments", "role")
    assert "must be one of" in issue.message


@pytest.mark.parametrize("tag", ["", "!!str "])
def test_absurdly_deep_nesting_is_refused_quickly_without_crashing(register_copy, tag):
    """100,000 nested lists crash libyaml's recursive composer (a segfault): refuse them first."""
    folder = register_copy()
    depth = 100_000
    (folder / "systems.yaml").write_text(f"- id: {tag}x\n  name: " + "[" * depth + "]" * depth + "\n",
                                         encoding="utf-8")
    started = time.perf_counter()
    issue = only_issue(folder)
    assert time.perf_counter() - started < 10
    assert "too deep" in issue.message
    assert issue.line == 2


def test_deep_block_nesting_gets_the_same_message_whichever_parser_refuses(register_copy):
    """libyaml (PyYAML >= 6.0.4) has its own depth limit for block nesting: one message either way."""
    folder = register_copy()
    nested = "".join("  " * i + "- \n" for i in range(1, 2000))
    (folder / "systems.yaml").write_text("- id: deep\n  name:\n" + nested, encoding="utf-8")
    issue = only_issue(folder)
    assert "too deep" in issue.message
    assert issue.line is not None and issue.line < 200


def test_nesting_a_register_needs_is_accepted(register_copy):
    folder = register_copy()
    edit(folder, "systems.yaml", "countries: [DE]", "countries: [DE]\n  notes: " + "[" * 40 + "]" * 40)
    assert "must be text" in only_issue(folder).message  # read fine; then the type is wrong


# -- honest values: YAML 1.2 scalars, dates, numbers, control characters -------------------------


@pytest.mark.parametrize("written", ["0301234567", "1.10", "1:20", "1_000", "017", "0x1F"])
def test_text_field_gets_the_text_as_written_never_a_re_rendered_number(register_copy, written):
    folder = register_copy()
    edit(folder, "organisation.yaml", "contact: {email: privacy@example.test}",
         f"contact: {{email: privacy@example.test, phone: {written}}}")
    edit(folder, "organisation.yaml", 'register_version: "1.0"', f"register_version: {written}")
    org = load_register(folder).organisation
    assert (org.contact.phone, org.register_version) == (written, written)


@pytest.mark.parametrize("old, new, field, words", [
    ("last_reviewed: 2026-06-01", "last_reviewed: 2026-02-30", "last_reviewed", "must be a date"),
    ('register_version: "1.0"', "employees: " + "9" * 401, "employees", "less than or equal to 10000000"),
    ('register_version: "1.0"', "employees: " + "9" * 5000, "employees", "whole number"),
    ('register_version: "1.0"', "employees: 1e400", "employees", "must be a finite number"),
])
def test_impossible_dates_and_huge_numbers_are_located_messages(register_copy, capsys, old, new, field,
                                                                  words):
    folder = register_copy()
    line = edit(folder, "organisation.yaml", old, new)
    issue = only_issue(folder)
    assert (Path(issue.file).name, issue.line, issue.record, issue.field) == \
        ("organisation.yaml", line, "Example Shop", field)
    assert words in issue.message
    assert len(str(issue)) < 400  # a 5,000-digit value is cut, not echoed
    from audit_lib.cli import main

    assert main(["validate", str(folder)]) == 1
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("char, escaped", [("\\e[2J", "\\x1b"), ("\\x07", "\\x07"), ("\\x7f", "\\x7f"),
                                           ("\\x85", "\\x85"), ("\\x9b", "\\x9b"), ("\\b", "\\x08")])
def test_control_characters_are_refused_in_text_fields_and_shown_escaped(register_copy, char, escaped):
    folder = register_copy()
    line = edit(folder, "systems.yaml", "  name: Shop database", f'  name: "Shop{char} database"')
    issue = only_issue(folder)
    assert (issue.line, issue.record, issue.field) == (line, "shop_db", "name")
    assert f"control character {escaped}" in issue.message
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in str(issue))
    # the near miss: tab, newline and any other character stay allowed
    edit(folder, "systems.yaml", f'"Shop{char} database"', '"Shop\\tdatabase\\nfür Bestellungen \\u00a0€"')
    assert load_register(folder).systems[0].name == "Shop\tdatabase\nfür Bestellungen \u00a0€"


def test_control_character_in_an_unknown_key_is_not_echoed(register_copy):
    folder = register_copy()
    edit(folder, "systems.yaml", "  name: Shop database",
         '  name: Shop database\n  "na\\e]0;pwned\\x07me": x')
    issue = only_issue(folder)
    assert issue.code == "ROPA-V002"
    assert "\x1b" not in str(issue) and "\\x1b" in issue.field


def test_merge_keys_are_refused_so_no_key_is_silently_overwritten(register_copy):
    folder = register_copy()
    line = edit(folder, "systems.yaml", "  name: Shop database",
                "  name: Shop database\n  <<: {name: Other}")
    issue = only_issue(folder)
    assert issue.code == "ROPA-V018" and issue.line == line + 1
    assert "merge key '<<' is not allowed" in issue.message


def test_a_tag_is_refused_and_a_repeated_key_beside_it_is_still_found(register_copy):
    # a tag used to send the file to PyYAML's loader, where a repeated key silently kept the last value
    folder = register_copy()
    line = edit(folder, "systems.yaml", "  name: Shop database",
                "  name: Shop database\n  name: Other\n  description: !!int 12")
    issue = only_issue(folder)
    assert issue.code == "ROPA-V018" and issue.line == line + 2
    assert "'!!int' is not allowed" in issue.message
    edit(folder, "systems.yaml", "!!int 12", "12")
    issue = only_issue(folder)
    assert issue.code == "ROPA-V014" and issue.line == line + 1 and issue.field == "name"


# -- the cache of loaded registers ------------------------------------------------------------------


@pytest.fixture
def cached(monkeypatch, tmp_path):
    """The cache turned on in a private folder; returns a counter of full (uncached) loads."""
    from audit_lib.io import cache

    monkeypatch.delenv("ROPA_NO_CACHE")
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_fingerprint", None)
    calls = []
    real = load_module._load_register

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "_load_register", counting)
    return calls


def test_an_unchanged_register_is_answered_from_the_cache_with_the_same_register(register_copy, cached,
                                                                                   tmp_path):
    folder = register_copy()
    first = load_register(folder)
    again = load_register(folder)
    assert len(cached) == 1
    assert again == first and again.model_dump() == first.model_dump()
    assert again.activity("orders").name == first.activity("orders").name
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    assert not any(p.is_relative_to(folder) for p in (tmp_path / "cache").rglob("*"))


def test_the_cache_gives_the_same_issues_as_a_full_load(register_copy, cached):
    folder = register_copy()
    edit(folder, "systems.yaml", "  name: Shop database", "  name: Shop database\n  colour: blue")
    first = issues_of(folder)
    again = issues_of(folder)
    assert len(cached) == 1 and again == first and [str(i) for i in again] == [str(i) for i in first]


@pytest.mark.parametrize("change", ["byte", "added", "removed", "package"])
def test_any_change_to_the_files_or_the_package_is_a_miss(register_copy, cached, monkeypatch, change):
    from audit_lib.io import cache

    folder = register_copy()
    load_register(folder)
    if change == "byte":  # same size, one byte different
        edit(folder, "systems.yaml", "Shop database", "Shop databasf")
    elif change == "added":
        (folder / "activities").mkdir()
        (folder / "activities" / "more.yaml").write_text("- id: more\n  name: More\n", encoding="utf-8")
    elif change == "removed":
        (folder / "security.yaml").unlink()
    else:
        monkeypatch.setattr(cache, "_fingerprint", "another version of the package or its reference data")
    outcome = None
    try:
        outcome = load_register(folder)
    except RegisterError as exc:
        outcome = exc.issues
    assert len(cached) == 2
    monkeypatch.setenv("ROPA_NO_CACHE", "1")
    try:
        assert outcome == load_register(folder)
    except RegisterError as exc:
        assert outcome == exc.issues


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other key", "foreign owner"])
def test_a_damaged_or_foreign_cache_entry_never_changes_the_result(register_copy, cached, monkeypatch,
                                                                   tmp_path, damage):
    import os
    import pickle

    from audit_lib.io import cache

    folder = register_copy()
    first = load_register(folder)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    data = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x80\x05not a pickle at all")
    elif damage == "other key":  # a valid entry for other files must not be taken
        key, kind, register = pickle.loads(data)
        entry.write_bytes(pickle.dumps(("0" * 64, kind, register.model_copy(update={"activities": []}))))
    else:
        monkeypatch.setattr(cache.os, "geteuid", lambda: os.getuid() + 1)
    assert load_register(folder) == first
    assert len(cached) == 2


def test_no_cache_when_turned_off(register_copy, cached, monkeypatch, tmp_path):
    monkeypatch.setenv("ROPA_NO_CACHE", "1")
    folder = register_copy()
    load_register(folder)
    load_register(folder)
    assert len(cached) == 2
    assert not list((tmp_path / "cache").glob("*.pickle"))


# -- the reader builds exactly what PyYAML builds -------------------------------------------------


def _register_texts() -> list[bytes]:
    paths = sorted((ROOT / "ropa").rglob("*.y*ml")) + sorted((ROOT / "tests" / "data").rglob("*.y*ml"))
    return [p.read_bytes() for p in paths]


def _outcome(text: str | bytes):
    try:
        data, duplicates = yaml_reader.read_yaml(text)
    except yaml_reader.YamlProblem as problem:
        return ("refused", problem.code, problem.message, problem.line)
    return ("read", repr(data), [type(v).__name__ for v in _leaves(data)], duplicates)


def _leaves(data):
    if isinstance(data, dict):
        for k, v in data.items():
            yield k
            yield from _leaves(v)
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v)
    else:
        yield data


def test_reader_builds_what_pyyaml_builds_from_every_register_file_bytes_or_text():
    texts = _register_texts()
    assert len(texts) > 10
    for raw in texts:
        text = raw.decode("utf-8-sig")
        expected = yaml.load(text, Loader=RegisterYamlLoader)
        outcome = _outcome(raw)
        assert outcome == _outcome(text)
        assert outcome[1] == repr(expected) and outcome[3] == []


_SCALAR_TEXTS = ["NO", "yes", "012", "0x1F", "1e3", "1.10", "-.inf", ".nan", "~", "null", "true", "",
                 "2026-02-30", "1:20", "1_000", "<<", "a: b", "- x", "'q'", "&a", "*a", "!!int 1", "\ufeff",
                 "é", "#c", "{", "]"]


@given(st.recursive(
    st.sampled_from(_SCALAR_TEXTS) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_SCALAR_TEXTS), inner,
                                                               max_size=4),
    max_leaves=20), st.sampled_from(["block", "flow"]), st.randoms())
@settings(max_examples=300, deadline=None)
def test_reader_agrees_with_pyyaml_on_fuzzed_text_and_bytes_give_the_same_problems(doc, style, rnd):
    text = yaml.safe_dump(doc, default_flow_style=style == "flow", allow_unicode=True)
    if rnd.random() < 0.5:  # unquote or damage a scalar: plain scalars, tags, anchors, syntax errors
        cut = rnd.randrange(len(text) + 1)
        damage = rnd.choice(["'", '"', "&a ", "*a", "!!int ", "<<: ", ":", "\n  - ", "{", "\ufeff"])
        text = text[:cut] + damage + text[cut:]
    outcome = _outcome(text)
    assert _outcome(text.encode()) == outcome
    assert _outcome(b"\xef\xbb\xbf" + text.encode()) == _outcome(text)
    if outcome[0] == "read" and not outcome[3]:
        assert outcome[1] == repr(yaml.load(text, Loader=RegisterYamlLoader))
