"""The sample registers (ropa/mobikin, ropa/dearmob) load, and trace back to their privacy policies.

Art 30(1) asks for a record; these tests check that every entry of the samples can be traced to
the policy sentence it is based on (``evidence``), that every inference names the field it fills
(``assumptions``), and that the parties each policy names are in the record of recipients.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from audit_lib.io.loader import load_register
from audit_lib.model import Register, Sourced
from tests.conftest import SAMPLES, seed_policy

# Words that must occur in some recipient's name or category (case-insensitive).
REQUIRED_PARTIES = {
    "mobikin": [
        "MyCommerce", "Google Analytics", "Disqus", "Facebook", "LinkedIn", "Quora", "shipping",
        "payment", "hosting", "data analysis", "email delivery", "fraud prevention",
    ],
    "dearmob": ["2Checkout", "Google Analytics", "email"],
}

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\([-.*_#()\[\]!+`])")
_BULLET = re.compile(r"^\s*(?:>\s*)?-\s+")
_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text.replace("**", "")).strip()


def normalise_policy(text: str) -> str:
    """Policy text as evidence quotes it: no ``**``, no backslash escapes, no bullets, single spaces."""
    text = _ESCAPE.sub(r"\1", text.replace("**", ""))
    return _squash(" ".join(_BULLET.sub("", line) for line in text.splitlines()))


def policy_variants(text: str) -> list[str]:
    """The normalised policy, and the same with markdown links reduced to their text."""
    base = normalise_policy(text)
    return [base, _squash(_LINK.sub(r"\1", base))]


def sourced_records(obj: object, where: str = "register") -> Iterator[tuple[str, Sourced]]:
    """Every Sourced record inside ``obj`` (depth first), with a readable location."""
    if isinstance(obj, Sourced):
        yield where, obj
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from sourced_records(getattr(obj, name), f"{where}.{name}")
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            label = getattr(item, "id", None) or getattr(item, "right", None) or i
            yield from sourced_records(item, f"{where}[{getattr(label, 'value', label)}]")


@pytest.fixture
def sample(sample_path: Path) -> tuple[str, Register]:
    if not sample_path.is_dir():
        pytest.fail(f"sample register {sample_path} does not exist")
    return sample_path.name, load_register(sample_path)


@pytest.fixture
def seed_text(sample_path: Path) -> list[str]:
    return policy_variants(seed_policy(sample_path.name))


def test_register_loads_with_records(sample):
    name, register = sample
    assert register.organisation.name
    assert register.activities, f"{name}: no processing activities"
    assert register.recipients, f"{name}: no recipients"
    assert register.security_measures, f"{name}: no security measures"


def test_every_evidence_is_quoted_verbatim(sample, seed_text):
    name, register = sample
    missing = [
        (where, quote)
        for where, record in sourced_records(register)
        for quote in record.evidence
        if not any(_squash(quote) in variant for variant in seed_text)
    ]
    assert not missing, f"{name}: evidence not found in the policy:\n" + "\n".join(
        f"  {where}: {quote!r}" for where, quote in missing
    )


def test_top_level_records_carry_evidence_or_assumptions(sample):
    name, register = sample
    records = [register.organisation, *register.activities, *register.recipients,
               *register.security_measures]
    bare = [getattr(r, "id", "organisation") for r in records if not r.evidence and not r.assumptions]
    assert not bare, f"{name}: records with neither evidence nor assumptions: {bare}"


def test_every_assumption_names_a_field_of_its_record(sample):
    name, register = sample
    bad = [
        (where, a.field)
        for where, record in sourced_records(register)
        for a in record.assumptions
        if not a.field.strip()
        or a.field.split(".")[0].split("[")[0] not in type(record).model_fields
        or not a.statement.strip()
    ]
    assert not bad, f"{name}: assumptions without a field of their record or a statement: {bad}"


def test_required_parties_are_recipients(sample):
    name, register = sample
    names = [f"{r.name} {r.category or ''}".lower() for r in register.recipients]
    absent = [p for p in REQUIRED_PARTIES[name] if not any(p.lower() in n for n in names)]
    assert not absent, f"{name}: parties named in the policy missing from recipients: {absent}"


def test_policy_source_and_contact_recorded(sample):
    name, register = sample
    org = register.organisation
    assert org.policy_source is not None and org.policy_source.last_updated is not None, name
    assert org.contact is not None and org.contact.email, f"{name}: no contact email"


def test_mobikin_card_number_retention_not_stated():
    register = load_register(SAMPLES["mobikin"])
    rules = [
        rule
        for activity in register.activities
        for rule in activity.retention
        if "user.financial.credit_card" in {c.key for c in rule.data_categories}
    ]
    assert rules, "no retention rule names the card number (user.financial.credit_card)"
    assert all(rule.period == "not_stated" for rule in rules), [r.period for r in rules]


def test_dearmob_2checkout_countries():
    register = load_register(SAMPLES["dearmob"])
    found = [r for r in register.recipients if "2checkout" in r.name.lower()]
    assert found, "2Checkout is not a recipient"
    assert any({"US", "NL"} <= set(r.countries) for r in found), [r.countries for r in found]


def test_normalise_policy_strips_markdown():
    text = "**1\\. Title**\n\n\\- first  item;\n**-** We do not share.\nSee [Chrome](https://x.test)."
    base, linkless = policy_variants(text)
    assert base == "1. Title first item; We do not share. See [Chrome](https://x.test)."
    assert linkless.endswith("See Chrome.")
