"""audit_lib.analysis.breach_and_access: who to notify of a breach (Art 33, 34), the sub-processor
chains a breach travels down (Art 28), and where a data subject's data is held for an access
request (Art 15)."""

from __future__ import annotations

import pytest

from audit_lib.analysis.breach_and_access import (
    breach_notifications,
    onward_chains,
    pick_data_subject,
    pick_processor,
    subject_data_map,
    subject_register,
)
from audit_lib.analysis.queries import blast_radius
from audit_lib.model import BreachProcedure, RecipientRole, Register


def _with(register: Register, **changes) -> Register:
    fields = {name: getattr(register, name) for name in type(register).model_fields}
    fields.update(changes)
    return Register(**fields)


def test_pick_processor_and_subject(minimal_register):
    assert pick_processor(minimal_register) == "payments"  # a processor, used by an activity
    assert pick_processor(minimal_register, "mailer") == "mailer"
    with pytest.raises(KeyError, match="no recipient 'nobody'"):
        pick_processor(minimal_register, "nobody")
    assert pick_data_subject(minimal_register) == "customer"  # in both activities
    with pytest.raises(KeyError):
        pick_data_subject(minimal_register, "employee")


def test_breach_notifications_name_authority_deadline_and_processor_duty(minimal_register):
    table = breach_notifications(minimal_register, blast_radius(minimal_register, "payments"))
    rows = table.set_index("notify")
    assert "Berliner Beauftragte" in rows.loc["supervisory authority", "who"]
    assert "72 hours" in rows.loc["supervisory authority", "when"]
    assert rows.loc["data subjects", "who"] == "customer"
    assert rows.loc["data subjects", "article"].startswith("Art 34")
    duty = rows.loc["controller, from PayCo Ltd"]
    assert duty["article"].startswith("Art 33(2)") and "DPA-2024-01" in duty["condition"]
    assert "breach register" in rows.index
    shipping = breach_notifications(minimal_register, blast_radius(minimal_register, "shipping"))
    assert not shipping.notify.str.startswith("controller, from").any()  # not a processor


def test_access_request_follows_only_the_subjects_activities(minimal_register):
    mine = subject_register(minimal_register, "prospect")
    assert [a.id for a in mine.activities] == ["newsletter"]
    where = subject_data_map(minimal_register, "prospect")
    assert where.party.tolist() == ["Example Shop", "Mail Sender Inc."]
    assert where.set_index("party").loc["Mail Sender Inc.", "data_categories"] == "user.contact.email"
    customer = subject_data_map(minimal_register, "customer")
    assert {"PayCo Ltd", "Cloud Hosting Inc.", "Parcel Service", "Shop database"} <= set(customer.party)


def test_breach_deadline_follows_the_recorded_procedure(minimal_register):
    commitments = minimal_register.commitments.model_copy(
        update={"breach_procedure": BreachProcedure(notify_authority_within_hours=48)})
    register = _with(minimal_register, commitments=commitments)
    table = breach_notifications(register, blast_radius(register, "payments")).set_index("notify")
    assert "within 48 hours" in table.loc["supervisory authority", "when"]


def test_breach_at_a_joint_controller_names_the_arrangement(minimal_register):
    recipients = [r.model_copy(update={"role": RecipientRole.joint_controller}) if r.id == "shipping" else r
                  for r in minimal_register.recipients]
    register = _with(minimal_register, recipients=recipients)
    table = breach_notifications(register, blast_radius(register, "shipping")).set_index("notify")
    assert table.loc["joint controllers", "who"] == "Parcel Service"
    assert table.loc["joint controllers", "article"] == "Art 26(1)"


def test_onward_chains_list_each_sub_processor_under_its_top_party(minimal_register):
    chains = onward_chains(minimal_register)
    assert chains.columns[0] == "chain_of" and "parent" not in chains.columns
    assert chains[["chain_of", "party", "depth"]].values.tolist() == [
        ["payments", "payments", 0], ["payments", "payments_cloud", 1]]
    assert chains.set_index("party").loc["payments_cloud", "path"] == "payments -> payments_cloud"


def test_onward_chains_empty_without_sub_processors(minimal_register):
    register = _with(minimal_register, recipients=[r for r in minimal_register.recipients
                                                   if r.id != "payments_cloud"])
    chains = onward_chains(register)
    assert chains.empty
    assert list(chains.columns) == ["chain_of", "party", "name", "role", "depth", "path", "countries",
                                    "region", "outside_eea"]


def test_pickers_refuse_an_empty_register(minimal_register):
    empty = _with(minimal_register, recipients=[], activities=[], systems=[])
    with pytest.raises(ValueError, match="no recipients"):
        pick_processor(empty)
    with pytest.raises(ValueError, match="data subjects"):
        pick_data_subject(empty)
