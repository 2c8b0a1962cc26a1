"""The record catalogue names every kind of record once; loader, data sheets and audit derive from it."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from audit_lib.io.datasheets import DATA_TABLES
from audit_lib.io.loader import KINDS, load_register
from audit_lib.model import Register
from audit_lib.model.catalogue import BY_KIND, CATALOGUE, FILES, kinds_in, walk


def test_every_record_list_of_the_register_is_a_catalogued_kind():
    tops = {kind.attribute[0] for kind in CATALOGUE}
    record_fields = {name for name in Register.model_fields if name not in {"source_path", "source_hash"}}
    assert tops == record_fields
    assert {kind.file for kind in CATALOGUE} == set(FILES)
    assert len(BY_KIND) == len(CATALOGUE)


def test_loader_files_and_data_sheets_come_from_the_catalogue():
    assert {f"{name}.yaml" for name in KINDS} == set(FILES)
    assert [t.name for t in DATA_TABLES] == [k.kind for k in CATALOGUE]
    pairs = zip(DATA_TABLES, CATALOGUE, strict=True)
    assert all(t.model is k.model and t.path == k.attribute for t, k in pairs)
    # a list file holds one kind of record; commitments.yaml and taxonomy.yaml hold several
    assert all(len(kinds_in(f"{name}.yaml")) == 1 for name, f in KINDS.items() if f.many)
    assert len(kinds_in("commitments.yaml")) == 6  # rights, breach, children, consent, cookies, other


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_walk_visits_every_record_once_with_a_canonical_path(name):
    register = load_register(SAMPLES[name])
    seen = list(walk(register))
    paths = [path for _, _, path in seen]
    assert len(paths) == len(set(paths)), "two records share a path"
    com, tax = register.commitments, register.taxonomy
    expected = (1 + len(register.activities) + len(register.recipients) + len(register.security_measures)
                + len(register.systems) + len(register.processor_activities)
                + len(com.rights) + len(com.cookies) + len(com.other)
                + (com.breach_procedure is not None) + (com.children is not None) + (com.consent is not None)
                + len(tax.data_categories) + len(tax.data_uses) + len(tax.data_subjects))
    assert len(seen) == expected
    first = register.activities[0]
    assert f"activities[{first.id}]" in paths and "organisation" in paths
    for kind, record, path in seen:
        assert isinstance(record, kind.model)
        assert path.startswith(kind.prefix)


def test_findings_name_records_by_id_at_the_top_and_by_path_inside_commitments(minimal_register):
    rights = BY_KIND["rights"]
    organisation = BY_KIND["organisation"]
    activities = BY_KIND["activities"]
    reg = minimal_register
    assert organisation.ref(reg.organisation) == "organisation"
    assert activities.ref(reg.activities[0]) == reg.activities[0].id
    if reg.commitments.rights:  # a right may have several commitments: identified by position
        right = reg.commitments.rights[0]
        assert rights.ref(right, 0) == "commitments.rights[0]"
        assert rights.name(right) == right.right.value
    assert BY_KIND["other_commitments"].path(None, 2) == "commitments.other[2]"
