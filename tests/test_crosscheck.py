"""Policy cross-check: parties, data categories and purposes in the policy vs the register."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_factory import activity, add_recipient, build, clean
from conftest import MINIMAL, SAMPLES, seed_policy

from audit_lib.analysis.crosscheck import CrossCheckResult, crosscheck, party_names, report, words
from audit_lib.cli import main
from audit_lib.io.loader import load_register
from audit_lib.model import Recipient
from audit_lib.notice import draft_notice

ROOT = Path(__file__).resolve().parent.parent

# A policy that says exactly what the clean register says (orders, PayCo GmbH, name, email).
POLICY = """# Privacy policy
We use your name and email address to take payment for your order.
Our payment provider PayCo GmbH processes the payment on our behalf.
"""


def texts(items, kind=None):
    return [i.text for i in items if kind is None or i.kind == kind]


def test_policy_matching_the_register_has_nothing_missing():
    result = crosscheck(build(clean()), POLICY)
    assert result.ok, report(result)
    assert texts(result.matched, "party") == ["PayCo GmbH"]
    assert {i.key for i in result.matched if i.kind == "data category"} == {"user.name", "user.contact.email"}


def test_known_party_in_policy_missing_in_register():
    result = crosscheck(build(clean()), POLICY + "We send newsletters with Mailchimp.\n")
    [item] = [i for i in result.missing_in_register if i.kind == "party"]
    assert item.text == "Mailchimp" and item.line == 4 and "with Mailchimp" in item.context
    assert not result.ok


def test_category_of_party_in_policy_missing_in_register():
    disclosure = "We may disclose data to law enforcement on a court order.\n"
    result = crosscheck(build(clean()), POLICY + disclosure)
    assert any("public authorities" in t for t in texts(result.missing_in_register, "party"))
    data = add_recipient(clean(), {"id": "police", "name": "Police and courts", "role": "public_authority",
                                   "countries": ["DE"]})
    result = crosscheck(build(data), POLICY + disclosure)
    assert not texts(result.missing_in_register, "party")
    assert [(i.record, i.how) for i in result.matched if i.record == "police"] == [("police", "category")]


def test_register_party_not_named_in_policy():
    data = add_recipient(clean(), {"id": "crm", "name": "Acme CRM Ltd", "role": "processor",
                                   "countries": ["DE"]})
    result = crosscheck(build(data), POLICY)
    assert [(i.kind, i.record) for i in result.missing_in_policy] == [("party", "crm")]


def test_parenthesised_alias_and_legal_suffix():
    rec = Recipient(id="ga", name="Google Ireland Limited (Google Analytics)", role="processor")
    assert party_names(rec) == ["Google Ireland Limited", "Google Ireland", "Google Analytics"]
    placeholder = Recipient(id="x", name="Email delivery providers (unnamed)", role="processor",
                            category="email delivery", placeholder=True)
    assert party_names(placeholder) == ["Email delivery providers", "email delivery"]


def test_alias_names_the_recipient_and_known_party():
    data = add_recipient(clean(), {"id": "ga", "name": "Google Ireland Limited (Google Analytics)",
                                   "role": "processor", "countries": ["IE"]})
    result = crosscheck(build(data), POLICY + "We use Google Analytics to count visits.\n")
    assert result.ok, report(result)


def test_longest_phrase_wins():
    """'Google Chrome' is a browser, not Google; 'IP address' is not a postal address."""
    policy = POLICY + "Set cookies in Google Chrome. We log your IP address.\n"
    result = crosscheck(build(clean()), policy)
    assert texts(result.missing_in_register, "data category") == ["IP address"]
    assert not texts(result.missing_in_register, "party")


def test_plural_and_email_spelling_are_folded():
    assert words("E-mail Addresses") == ["email", "address"] == words("email address")
    policy = "We use your name and e-mail addresses to take payment. PayCo GmbH processes payments."
    assert crosscheck(build(clean()), policy).ok


def test_category_in_register_not_in_policy():
    data = clean()
    activity(data)["data_categories"].append({"key": "user.contact.phone_number", "label": "mobile phone"})
    result = crosscheck(build(data), POLICY)
    [item] = result.missing_in_policy
    assert (item.kind, item.key, item.record, item.text) == ("data category", "user.contact.phone_number",
                                                              "orders", "mobile phone")


def test_category_in_policy_not_in_register():
    result = crosscheck(build(clean()), POLICY + "We also keep your date of birth.\n")
    [item] = result.missing_in_register
    assert (item.kind, item.key, item.text) == ("data category", "user.demographic.date_of_birth",
                                                "date of birth")


def test_broader_or_narrower_keys_match():
    data = clean()
    activity(data)["data_categories"] = ["user.name.first", "user.contact"]
    result = crosscheck(build(data), POLICY)
    assert result.ok, report(result)


def test_register_statement_accounts_for_a_policy_mention():
    """A register recording 'we do not collect passwords' is not asked to add passwords."""
    policy = POLICY + "We never collect your password.\n"
    assert texts(crosscheck(build(clean()), policy).missing_in_register) == ["password"]
    data = clean()
    data["commitments"]["other"] = [{"topic": "not collected", "statement": "Passwords are not collected."}]
    assert crosscheck(build(data), policy).ok


def test_evidence_quotes_do_not_count_as_the_register_knowing():
    data = clean()
    activity(data)["evidence"] = ["We also keep your date of birth."]
    result = crosscheck(build(data), POLICY + "We also keep your date of birth.\n")
    assert texts(result.missing_in_register) == ["date of birth"]


def test_purpose_in_policy_not_in_register():
    result = crosscheck(build(clean()), POLICY + "We send a newsletter with special offers.\n")
    assert [i.text for i in result.missing_in_register if i.kind == "purpose"] == [
        "newsletter (marketing communications)"]


def test_purpose_in_register_not_in_policy():
    data = clean()
    activity(data)["purposes"].append({"key": "analytics.reporting.campaign_insights",
                                       "description": "Measure campaign reach"})
    result = crosscheck(build(data), POLICY)
    [item] = result.missing_in_policy
    assert (item.kind, item.record) == ("purpose", "orders")
    assert item.key == "analytics.reporting.campaign_insights"
    result = crosscheck(build(data), POLICY + "We compile statistics on our campaigns.\n")
    assert result.ok, report(result)


def test_evidence_sentence_names_a_placeholder():
    data = add_recipient(clean(), {"id": "srv", "name": "Server provider (unnamed)", "role": "processor",
                                   "placeholder": True, "countries": ["DE"],
                                   "evidence": "We store the information on servers leased from providers."})
    assert texts(crosscheck(build(data), POLICY).missing_in_policy) == ["Server provider (unnamed)"]
    policy = POLICY + "We store the information on servers leased from providers.\n"
    result = crosscheck(build(data), policy)
    assert result.ok and [i.how for i in result.matched if i.record == "srv"] == ["evidence"]


def test_retired_activities_are_left_out():
    data = clean()
    activity(data)["status"] = "retired"
    result = crosscheck(build(data), POLICY)
    assert not [i for i in result.matched + result.missing_in_policy if i.kind != "party"]


def test_result_is_deterministic_and_plain_data():
    register = build(clean())
    policy = POLICY + "Mailchimp, Stripe and your date of birth.\n"
    first, second = crosscheck(register, policy), crosscheck(register, policy)
    assert first.as_dict() == second.as_dict()
    json.dumps(first.as_dict())
    assert first.missing_from_register == first.missing_in_register  # aliases
    assert isinstance(first, CrossCheckResult) and first.counts()["missing_in_register"]["party"] == 2


def test_markdown_link_targets_are_not_text():
    policy = POLICY + "Read [their policy](https://www.mailchimp.com/legal/).\n"
    assert crosscheck(build(clean()), policy).ok


# --------------------------------------------------------------------------
# Seeds against samples, and the generated notice against its register
# --------------------------------------------------------------------------


def _sample(name):
    return load_register(SAMPLES[name])


def _seed(name) -> str:
    return seed_policy(name)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_seed_policy_and_sample_register_agree(name):
    result = crosscheck(_sample(name), _seed(name))
    assert result.ok, report(result)
    assert len(result.matched) > 40


def test_dropping_a_party_from_the_mobikin_policy_is_detected():
    register = _sample("mobikin")
    policy = _seed("mobikin").replace("Disqus, ", "").replace("Quora, ", "")
    missing = {i.record for i in crosscheck(register, policy).missing_in_policy}
    assert {"disqus", "quora"} <= missing


def test_dropping_a_recipient_from_the_dearmob_register_is_detected():
    register = _sample("dearmob")
    trimmed = register.model_copy(update={"recipients": [r for r in register.recipients
                                                         if "2checkout" not in r.name.lower()]})
    missing = crosscheck(trimmed, _seed("dearmob")).missing_in_register
    assert "2Checkout" in texts(missing, "party")


@pytest.mark.parametrize("folder", [MINIMAL, *SAMPLES.values()], ids=["minimal", *sorted(SAMPLES)])
def test_generated_notice_crosschecks_clean(folder):
    register = load_register(folder)
    result = crosscheck(register, draft_notice(register).text)
    assert result.ok, report(result)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def test_cli_nothing_missing_exits_0(tmp_path, capsys):
    policy = tmp_path / "policy.md"
    policy.write_text("""Example Shop: we use your name, address, card number and email address for
order handling (payment processing) and our newsletter (marketing email).
Recipients: PayCo Ltd, Cloud Hosting Inc., Parcel Service, Mail Sender Inc.""", encoding="utf-8")
    assert main(["crosscheck", str(MINIMAL), "--policy", str(policy)]) == 0, capsys.readouterr().out
    assert "Matched: 4 parties" in capsys.readouterr().out


def test_cli_something_missing_exits_1_with_json(tmp_path, capsys):
    policy = tmp_path / "policy.md"
    policy.write_text("We use Stripe for payments.", encoding="utf-8")
    assert main(["crosscheck", str(MINIMAL), "--policy", str(policy), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["missing_in_register"][0]["text"] == "Stripe"
    assert {i["record"] for i in out["missing_in_policy"] if i["kind"] == "party"} >= {"mailer", "shipping"}


def test_cli_invalid_input_exits_2(tmp_path, capsys):
    assert main(["crosscheck", str(MINIMAL), "--policy", str(tmp_path / "none.md")]) == 2
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe\x00bad")
    assert main(["crosscheck", str(MINIMAL), "--policy", str(bad)]) == 2
    good = tmp_path / "good.md"
    good.write_text("text", encoding="utf-8")
    assert main(["crosscheck", str(tmp_path / "noregister"), "--policy", str(good)]) == 2
