"""Tidy pandas views of a register (the tables a DPO reads in a notebook or the workbook)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from audit_lib.analysis.tables import (
    activities_table,
    activity_recipient_matrix,
    categories_of,
    data_categories_table,
    recipients_table,
    retention_text,
    summary,
)
from audit_lib.io.loader import RegisterYamlLoader, load_register
from audit_lib.model import ProcessingActivity, Retention
from benchmarks.synthetic import write_synthetic_register


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return load_register(write_synthetic_register(tmp_path_factory.mktemp("syn") / "r", 120, 40, seed=5))


def test_summary_counts_what_the_files_hold(minimal_path: Path, minimal_register):
    raw = {p.stem: yaml.load(p.read_text(encoding="utf-8"), Loader=RegisterYamlLoader)
           for p in minimal_path.glob("*.yaml")}
    counts = summary(minimal_register)
    assert counts["activities"] == len(raw["activities"])
    assert counts["recipients"] == len(raw["recipients"])
    assert counts["security measures"] == len(raw["security"])
    assert counts["systems"] == len(raw["systems"])
    assert counts["processor activities"] == 0
    countries = {c for r in raw["recipients"] for c in r.get("countries", [])}
    countries |= {c for s in raw["systems"] for c in s.get("countries", [])}
    assert counts["countries"] == len(countries | {raw["organisation"]["country"]})


def test_activities_table_has_one_row_per_activity_with_art_30_items(minimal_register):
    table = activities_table(minimal_register)
    assert list(table["id"]) == [a.id for a in minimal_register.activities]
    orders = table.set_index("id").loc["orders"]
    assert orders["legal_basis"] == "contract"
    assert orders["recipients"] == "payments; shipping"
    assert "P10Y" in orders["retention"] and "end of the financial year" in orders["retention"]
    assert "user.financial.credit_card (card number and expiry)" in orders["data_categories"]
    assert orders["purposes"] == "Take payment and deliver what was ordered"
    newsletter = table.set_index("id").loc["newsletter"]
    assert newsletter["assumptions"] == 1
    assert newsletter["retention"] == "not_stated"


def test_empty_register_gives_empty_tables_with_columns(minimal_register):
    empty = minimal_register.model_copy(update={"activities": [], "recipients": []})
    empty.model_post_init(None)
    assert activities_table(empty).empty and "legal_basis" in activities_table(empty).columns
    assert recipients_table(empty).empty and "role" in recipients_table(empty).columns
    assert data_categories_table(empty).empty
    assert activity_recipient_matrix(empty).shape == (0, 0)


def test_recipients_table(minimal_register):
    table = recipients_table(minimal_register).set_index("id")
    assert list(table.index) == [r.id for r in minimal_register.recipients]
    assert table.loc["payments_cloud", "parent"] == "payments"
    assert table.loc["payments_cloud", "role"] == "sub_processor"
    assert table.loc["payments", "country_names"] == "Ireland; United States"
    assert table.loc["shipping", "country_names"] == "Norway"
    assert table.loc["payments", "dpf_certified"] is True
    assert table.loc["mailer", "mechanisms"] == "scc"
    assert table.loc["payments", "dpa"] == "DPA-2024-01"
    for rid, used_by in table["used_by"].items():
        assert used_by == len(minimal_register.activities_using(rid))
    assert table.loc["payments_cloud", "used_by"] == 0


def test_data_categories_table_is_tidy_and_flags_art_9(minimal_register):
    table = data_categories_table(minimal_register)
    assert len(table) == sum(len(a.data_categories) for a in minimal_register.activities)
    row = table[table["data_category"] == "user.financial.credit_card"].iloc[0]
    assert row["activity"] == "orders" and row["label"] == "card number and expiry"
    assert not table["special_category"].any()
    health = ProcessingActivity(id="care", name="Care", data_categories=["user.health_and_medical"])
    reg = minimal_register.model_copy(update={"activities": [*minimal_register.activities, health]})
    flagged = data_categories_table(reg).set_index("activity").loc["care"]
    assert bool(flagged["special_category"]) is True
    assert flagged["category_name"] != "user.health_and_medical"  # the taxonomy's own name


def test_activity_recipient_matrix_marks_exactly_the_links(minimal_register, synthetic):
    for reg in (minimal_register, synthetic):
        matrix = activity_recipient_matrix(reg)
        assert matrix.shape == (len(reg.activities), len(reg.recipients))
        expected = {(a.id, rid) for a in reg.activities for rid in a.recipient_ids}
        marked = {(a, r) for a in matrix.index for r in matrix.columns if matrix.loc[a, r]}
        assert marked == expected
    assert activity_recipient_matrix(minimal_register).loc["orders", "shipping"]
    assert not activity_recipient_matrix(minimal_register).loc["newsletter", "shipping"]


def test_retention_text():
    rule = Retention(period="P6Y", trigger="end of the contract", data_categories=["user.name"])
    assert retention_text(rule) == "P6Y from end of the contract for user.name"
    assert retention_text(Retention()) == "not stated"


def test_categories_of_honours_a_limited_link(minimal_register):
    orders = minimal_register.activity("orders")
    assert categories_of(orders, "shipping") == ["user.name", "user.contact.address"]
    assert categories_of(orders, "payments") == orders.data_category_keys
    assert categories_of(orders, "mailer") == []


def test_tables_scale_to_a_synthetic_register(synthetic):
    assert len(activities_table(synthetic)) == len(synthetic.activities)
    assert len(recipients_table(synthetic)) == len(synthetic.recipients)
    assert summary(synthetic)["activities"] == 120
