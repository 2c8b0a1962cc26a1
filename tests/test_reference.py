"""Dated Chapter V reference data: EEA membership, adequacy decisions, SCC modules, derogations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from audit_lib.reference import transfers as ref
from audit_lib.reference.countries import normalise_country

D = dt.date
REFERENCE = Path(ref.__file__).resolve().parent
EU27 = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
        "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def test_as_of_is_the_date_the_files_carry():
    for name in ("eea.yaml", "adequacy.yaml", "safeguards.yaml", "derogations.yaml"):
        data = yaml.safe_load((REFERENCE / name).read_text(encoding="utf-8"))
        assert data["as_of"] >= ref.AS_OF
    assert isinstance(ref.AS_OF, dt.date)


def test_eea_today_is_eu27_plus_iceland_liechtenstein_norway():
    assert set(ref.eea_countries(ref.AS_OF)) == EU27 | {"IS", "LI", "NO"}
    assert ref.is_eea("NO") and ref.is_eea("no")  # Norway survives as text, any case
    assert not ref.is_eea("CH") and not ref.is_eea("GB") and not ref.is_eea(None)


def test_every_code_is_iso_3166():
    for status in ref._eea():
        assert normalise_country(status.code) == status.code
    for decision in ref.adequacy_decisions("all"):
        if decision.code != "EPO":  # an international organisation, not a country
            assert normalise_country(decision.code) == decision.code


def test_membership_is_dated():
    assert not ref.is_eea("HR", D(2013, 6, 30)) and ref.is_eea("HR", D(2013, 7, 1))
    assert len(ref.eea_countries(D(2019, 1, 1))) == 31  # EU 28 with the UK + 3 EEA EFTA states


@pytest.mark.parametrize(("day", "status"), [
    (D(2019, 6, 1), "member"),
    (D(2020, 1, 31), "member"),
    (D(2020, 2, 1), "transition"),
    (D(2020, 12, 31), "transition"),
    (D(2021, 1, 1), "bridge"),
    (D(2021, 6, 27), "bridge"),
    (D(2021, 6, 28), None),
])
def test_united_kingdom_before_adequacy(day, status):
    found = ref.free_flow("GB", day)
    assert (found.status if found else None) == status
    assert ref.is_eea("GB", day) == (status in {"member", "transition"})


def test_united_kingdom_adequacy_original_extension_and_renewal():
    assert ref.adequacy("GB", D(2021, 6, 27)) is None
    assert ref.adequacy("GB", D(2021, 6, 28)).decision == "(EU) 2021/1772"
    assert ref.adequacy("GB", D(2025, 9, 1)).decision == "(EU) 2021/1772"  # six-month extension
    renewed = ref.adequacy("GB", D(2026, 3, 1))
    assert "renewed" in renewed.decision and renewed.until == D(2031, 12, 27)
    assert ref.adequacy("GB", D(2031, 12, 28)) is None


def test_united_states_only_for_certified_organisations_and_only_while_in_force():
    assert ref.adequacy("US", D(2026, 1, 1)) is None
    assert ref.adequacy("US", D(2026, 1, 1), dpf_certified=False) is None
    dpf = ref.adequacy("US", D(2026, 1, 1), dpf_certified=True)
    assert dpf.decision == "(EU) 2023/1795" and dpf.is_dpf and dpf.article == "Art 45(3)"
    assert "Privacy Shield" in ref.adequacy("US", D(2018, 6, 1), dpf_certified=True).decision
    assert ref.adequacy("US", D(2020, 7, 16), dpf_certified=True) is None  # after Schrems II
    assert ref.adequacy("US", D(2023, 7, 9), dpf_certified=True) is None
    assert ref.adequacy("US", D(2023, 7, 10), dpf_certified=True) is not None


def test_brazil_from_26_january_2026():
    assert ref.adequacy("BR", D(2026, 1, 25)) is None
    brazil = ref.adequacy("BR", D(2026, 1, 26))
    assert brazil.decision == "(EU) 2026/179" and brazil.adopted == D(2026, 1, 26)


def test_partial_decisions_exclude_public_authorities():
    canada = ref.adequacy("CA", D(2026, 1, 1))
    assert canada.scope == "private_sector" and "PIPEDA" in canada.note
    assert ref.adequacy("CA", D(2026, 1, 1), public_authority=True) is None
    assert ref.adequacy("JP", D(2026, 1, 1)).decision == "(EU) 2019/419"
    assert ref.adequacy("JP", D(2018, 12, 31)) is None
    assert ref.adequacy("JP", D(2026, 1, 1), public_authority=True) is None
    assert ref.adequacy("CH", D(2026, 1, 1), public_authority=True) is not None


def test_directive_era_decisions_stay_in_force_under_art_45_9():
    assert ref.adequacy("CH", D(2026, 1, 1)).article == "Art 45(9)"
    assert ref.adequacy("KR", D(2026, 1, 1)).article == "Art 45(3)"


def test_decisions_in_force_on_the_as_of_date():
    codes = {d.code for d in ref.adequacy_decisions(ref.AS_OF)}
    assert codes == {"AD", "AR", "CA", "FO", "GG", "IL", "IM", "JE", "NZ", "CH", "UY", "JP", "KR", "GB",
                     "US", "EPO", "BR"}
    assert {d.code for d in ref.adequacy_decisions(D(2025, 1, 1))} == codes - {"EPO", "BR"}
    assert ref.adequacy("EPO", D(2025, 7, 15)).decision == "(EU) 2025/1382"


def test_every_entry_cites_its_source():
    for decision in ref.adequacy_decisions("all"):
        assert decision.source.startswith("https://"), decision
        assert decision.decision and decision.adopted <= ref.AS_OF
    for status in ref._eea():
        assert status.source
    assert ref.scc_decision()["source"].startswith("https://")
    for key in ("scc", "bcr", "code_of_conduct", "certification", "ad_hoc_clauses"):
        assert ref.safeguard(key).article.startswith("Art 46")


def test_scc_modules_match_roles():
    assert ref.expected_scc_module("controller", "controller") == 1
    assert ref.expected_scc_module("controller", "processor") == 2
    assert ref.expected_scc_module("processor", "processor") == 3
    assert ref.expected_scc_module("processor", "controller") == 4
    assert ref.scc_decision()["decision"] == "(EU) 2021/914"
    with pytest.raises(KeyError):
        ref.scc_module(5)


def test_derogations():
    assert [d.key for d in ref.derogations()] == ["a", "b", "c", "d", "e", "f", "g", "second_subparagraph"]
    assert ref.derogation("second_subparagraph").needs_documentation
    assert not ref.derogation("a").needs_documentation
    assert ref.derogation("e").article == "Art 49(1)(e)"
