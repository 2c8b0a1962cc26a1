"""Record-by-record YAML edits: untouched records (and their comments) stay byte for byte."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_lib.io.yaml_edit import YamlList, set_value

TEXT = """\
# Activities (a header comment)

# ---------------------------------------------------------------- first section
- id: a
  name: Alpha  # the first
  legal_basis: consent
  data_subjects: [customer]
  description: >-
    A folded description that runs
    over two lines.

# ---------------------------------------------------------------- second section
- id: b
  name: Beta
  purposes:
    - key: marketing
      description: Send offers

- id: c
  name: Gamma
"""


def _write(tmp_path, text=TEXT):
    path = tmp_path / "activities.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _block(text: str, rid: str) -> str:
    """The lines of record ``rid`` with the comments around it."""
    lines = text.splitlines(True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"- id: {rid}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- id:")), len(lines))
    return "".join(lines[start:end])


def test_changing_one_record_keeps_the_others_and_every_comment(tmp_path):
    doc = YamlList(_write(tmp_path))
    doc.update("b", lambda node: set_value(node, "name", "Beta two"))
    out = doc.render()
    assert out.replace("name: Beta two", "name: Beta") == TEXT
    assert _block(out, "a") == _block(TEXT, "a") and _block(out, "c") == _block(TEXT, "c")
    assert "# ---------------------------------------------------------------- second section" in out


def test_flow_lists_stay_flow_and_comments_inside_the_edited_record_stay(tmp_path):
    doc = YamlList(_write(tmp_path))
    doc.update("a", lambda node: set_value(node, "data_subjects", ["customer", "prospect"]))
    out = doc.render()
    assert "data_subjects: [customer, prospect]" in out and "# the first" in out
    assert yaml.safe_load(out)[0]["description"] == "A folded description that runs over two lines."


def test_delete_and_append(tmp_path):
    doc = YamlList(_write(tmp_path))
    doc.delete("b")
    doc.append({"id": "d", "name": "Delta", "legal_basis": "contract"})
    out = doc.render()
    assert [r["id"] for r in yaml.safe_load(out)] == ["a", "c", "d"]
    assert _block(out, "a").startswith(_block(TEXT, "a").split("\n# ---")[0])
    assert "# Activities (a header comment)" in out


def test_removing_a_field_drops_only_it(tmp_path):
    doc = YamlList(_write(tmp_path))
    doc.update("a", lambda node: set_value(node, "legal_basis", None))
    data = yaml.safe_load(doc.render())
    assert "legal_basis" not in data[0] and data[0]["name"] == "Alpha" and data[1] == yaml.safe_load(TEXT)[1]


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
def test_any_text_value_reads_back_exactly(tmp_path_factory, value):
    path = _write(tmp_path_factory.mktemp("y"))
    doc = YamlList(path)
    doc.update("c", lambda node: set_value(node, "notes", value))
    out = doc.render()
    assert yaml.safe_load(out)[2]["notes"] == value
    assert _block(out, "a") == _block(TEXT, "a")
