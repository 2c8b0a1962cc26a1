"""The typed model: enums named like the law, validation rules, and Register look-ups."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from audit_lib.model import (
    Derogation,
    LegalBasis,
    Organisation,
    ProcessingActivity,
    Recipient,
    RecipientLink,
    Retention,
    SecurityMeasure,
    SpecialCategoryCondition,
    TransferMechanism,
)


def _messages(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(str(e["msg"]) for e in exc.value.errors())


# -- enums carry the article they implement ----------------------------------------------------


@pytest.mark.parametrize(
    ("basis", "article"),
    [("consent", "Art 6(1)(a)"), ("contract", "Art 6(1)(b)"), ("legal_obligation", "Art 6(1)(c)"),
     ("vital_interests", "Art 6(1)(d)"), ("public_task", "Art 6(1)(e)"),
     ("legitimate_interests", "Art 6(1)(f)")],
)
def test_legal_basis_names_its_art_6_point(basis, article):
    assert LegalBasis(basis).article == article


def test_derogations_and_art_9_conditions_name_their_point():
    assert Derogation("b").article == "Art 49(1)(b)"
    assert Derogation.second_subparagraph.article == "Art 49(1) second subparagraph"
    assert SpecialCategoryCondition("h").article == "Art 9(2)(h)"


# -- records: unknown keys, shorthand forms, types -----------------------------------------------


def test_unknown_key_is_an_error_not_silently_dropped():
    with pytest.raises(ValidationError) as exc:
        ProcessingActivity(id="a", name="A", colour="red")
    assert exc.value.errors()[0]["type"] == "extra_forbidden"
    assert exc.value.errors()[0]["loc"] == ("colour",)


def test_single_legal_basis_and_evidence_strings_become_lists():
    act = ProcessingActivity(id="a", name="A", legal_basis="consent", evidence="We ask you first.")
    assert act.legal_basis == [LegalBasis.consent]
    assert act.evidence == ["We ask you first."]


def test_unknown_legal_basis_is_rejected():
    with pytest.raises(ValidationError):
        ProcessingActivity(id="a", name="A", legal_basis="because_we_can")


def test_missing_required_field():
    with pytest.raises(ValidationError) as exc:
        ProcessingActivity(id="a")
    assert ("name",) in [e["loc"] for e in exc.value.errors()]


def test_records_are_frozen():
    act = ProcessingActivity(id="a", name="A")
    with pytest.raises(ValidationError):
        act.name = "B"


def test_recipient_link_shorthand_and_ids():
    act = ProcessingActivity.model_validate(
        {"id": "a", "name": "A", "recipients": ["pay", {"recipient": "ship"}]}
    )
    assert act.recipient_ids == ["pay", "ship"]
    assert isinstance(act.recipients[0], RecipientLink)


# -- countries --------------------------------------------------------------------------------


def test_country_codes_are_normalised_to_upper_case():
    assert Organisation(name="X", country=" de ").country == "DE"


@pytest.mark.parametrize(("code", "hint"), [("UK", "GB"), ("EL", "GR"), ("EU", "member state")])
def test_common_wrong_country_codes_get_a_hint(code, hint):
    with pytest.raises(ValidationError) as exc:
        Recipient(id="r", name="R", role="processor", countries=[code])
    assert hint in _messages(exc)


def test_unknown_country_code_is_rejected():
    with pytest.raises(ValidationError) as exc:
        Organisation(name="X", country="XX")
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in _messages(exc)


def test_false_for_norway_says_to_quote_it():
    with pytest.raises(ValidationError) as exc:
        Organisation(name="X", country=False)
    assert '"NO"' in _messages(exc)


# -- retention (Art 30(1)(f)) -----------------------------------------------------------------


def test_retention_period_is_an_upper_case_iso_duration_with_days():
    rule = Retention(period="p6y")
    assert rule.period == "P6Y"
    assert rule.days == 6 * 365
    assert Retention(period="P1Y6M").days == 365 + 180
    assert Retention(period="indefinite").days is None


@pytest.mark.parametrize("period", ["6 years", "P", "PT5H", "forever"])
def test_retention_period_must_be_iso_8601(period):
    with pytest.raises(ValidationError) as exc:
        Retention(period=period)
    assert "ISO 8601" in _messages(exc)


# -- transfer tools and recipients ---------------------------------------------------------------


def test_scc_needs_a_module_and_only_scc_has_one():
    with pytest.raises(ValidationError, match="scc_module"):
        TransferMechanism(type="scc")
    with pytest.raises(ValidationError, match="only meaningful"):
        TransferMechanism(type="bcr", scc_module=2)
    with pytest.raises(ValidationError):
        TransferMechanism(type="scc", scc_module=5)
    assert TransferMechanism(type="scc", scc_module=2).scc_module == 2


def test_derogation_needs_its_point():
    with pytest.raises(ValidationError, match="derogation"):
        TransferMechanism(type="derogation")
    mech = TransferMechanism(type="derogation", derogation="a")
    assert mech.derogation is Derogation.explicit_consent


def test_sub_processor_needs_a_parent_that_is_not_itself():
    with pytest.raises(ValidationError, match="parent"):
        Recipient(id="s", name="S", role="sub_processor")
    with pytest.raises(ValidationError, match="own parent"):
        Recipient(id="s", name="S", role="sub_processor", parent="s")


def test_security_measure_type():
    with pytest.raises(ValidationError, match="technical"):
        SecurityMeasure(id="m", name="M", type="magic")


# -- assumptions (Sourced) ----------------------------------------------------------------------


def test_assumption_must_name_an_existing_field():
    with pytest.raises(ValidationError) as exc:
        ProcessingActivity(id="a", name="A",
                           assumptions=[{"field": "retension", "statement": "typo in field"}])
    assert "retension" in _messages(exc)


def test_assumption_on_a_nested_field_marks_the_field_assumed():
    act = ProcessingActivity(
        id="a", name="A", assumptions=[{"field": "retention[0].period", "statement": "inferred"}]
    )
    assert act.assumed("retention")
    assert not act.assumed("legal_basis")


# -- Register look-ups ---------------------------------------------------------------------------


def test_register_lookups(minimal_register):
    reg = minimal_register
    orders = reg.activity("orders")
    assert [r.id for r in reg.recipients_of(orders)] == orders.recipient_ids
    assert [m.id for m in reg.measures_of(orders)] == orders.security_measures
    assert [r.id for r in reg.sub_processors_of("payments")] == ["payments_cloud"]
    assert [a.id for a in reg.activities_using("mailer")] == ["newsletter"]
    assert reg.recipient("shipping").countries == ["NO"]
    assert reg.system("shop_db").name == "Shop database"


def test_register_lookup_of_unknown_activity_id_raises_key_error(minimal_register):
    with pytest.raises(KeyError):
        minimal_register.activity("no_such_activity")
    with pytest.raises(KeyError):
        minimal_register.recipient("no_such_recipient")


def test_register_countries_cover_recipients_systems_and_controller(minimal_register):
    reg = minimal_register
    expected = {c for r in reg.recipients for c in r.countries}
    expected |= {c for s in reg.systems for c in s.countries} | {reg.organisation.country}
    assert reg.countries == expected
    assert "NO" in reg.countries


def test_every_field_of_every_model_has_a_description():
    """The Guide sheet, the docs and error messages draw from one text: ``description=``."""
    from pydantic import BaseModel

    from audit_lib.model import records

    models = [cls for cls in vars(records).values()
              if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == records.__name__]
    missing = [f"{cls.__name__}.{name}" for cls in models for name, info in cls.model_fields.items()
               if not (info.description or "").strip()]
    assert len(models) > 20 and not missing


def test_references_are_typed_and_walked_generically(minimal_register):
    """Every field naming another record is typed (Ref) and found by one walk of the catalogue."""
    from audit_lib.model.catalogue import BY_KIND, references, walk

    found = {(kind.kind, path[0], target) for kind, record, _ in walk(minimal_register)
             for path, target, _ in references(record) if path}
    assert ("activities", "recipients", "recipients") in found
    assert ("activities", "security_measures", "security") in found
    assert ("systems", "hosted_by", "recipients") in found or ("activities", "systems", "systems") in found
    assert all(target in BY_KIND for _, _, target in found)
