"""Privacy notice drafted from the register (Art 13/14): structure, content, gaps, CLI, round trip."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from audit_lib.analysis.crosscheck import crosscheck
from audit_lib.cli import main
from audit_lib.io.loader import load_register
from audit_lib.notice import UnknownLanguage, draft_notice, duration_text
from audit_lib.reference.taxonomy import label

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "minimal"
SAMPLES = {"mobikin": ROOT / "ropa" / "mobikin", "dearmob": ROOT / "ropa" / "dearmob"}

# Written out here, not taken from the module, so a dropped or renamed section fails.
ART13_ITEMS = [
    "Art 13(1)(a)",  # controller and contact
    "Art 13(1)(b)",  # DPO
    "Art 27",  # EU representative
    "Art 13(1)(c)",  # purposes and legal bases
    "Art 13(1)(d)",  # legitimate interests
    "Art 13(1)(e)",  # recipients
    "Art 13(1)(f)",  # transfers
    "Art 13(2)(a)",  # retention
    "Art 13(2)(b)",  # rights
    "Art 13(2)(d)",  # complaint
    "Art 13(2)(e)",  # whether providing data is required
    "Art 13(2)(f)",  # automated decisions
    "Art 14(2)(f)",  # source of the data
]


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _section_text(text: str, article: str) -> str:
    """The body of the level-2 section whose heading cites ``article``."""
    match = re.search(rf"^## [^\n]*[(\s]{re.escape(article)}[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section heading citing {article}"
    return match.group(1)


def _gaps_text(text: str) -> str:
    return text.split("## Gaps to close before publishing", 1)[1]


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------


def test_every_art13_item_has_a_heading(minimal_register):
    text = draft_notice(minimal_register).text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    for article in ART13_ITEMS:
        assert any(article in h for h in headings), f"no heading for {article}"
    assert headings[-1] == "## Gaps to close before publishing"
    assert text.startswith(f"# Privacy notice: {minimal_register.organisation.name}\n")


def test_sections_data_matches_text(minimal_register):
    notice = draft_notice(minimal_register)
    for section in notice.sections:
        assert f"## {section.heading}\n\n{section.body}" in notice.text
    assert notice.gaps == list(dict.fromkeys(g for s in notice.sections for g in s.gaps))


# --------------------------------------------------------------------------
# Content comes from the register
# --------------------------------------------------------------------------


def test_names_every_recipient_category_and_purpose(minimal_register):
    text = draft_notice(minimal_register).text
    for rec in minimal_register.recipients:
        assert rec.name in _section_text(text, "Art 13(1)(e)")
    for act in minimal_register.activities:
        body = _section_text(text, "Art 13(1)(c)")
        assert f"### {act.name}" in body
        for cat in act.data_categories:
            assert (cat.label or label("data_categories", cat.key)) in body
            assert label("data_categories", cat.key) in body
        for purpose in act.purposes:
            assert (purpose.description or label("data_uses", purpose.key)) in body


def test_controller_dpo_and_lead_authority_from_register(minimal_register):
    text = draft_notice(minimal_register).text
    org = minimal_register.organisation
    assert org.legal_entity in _section_text(text, "Art 13(1)(a)")
    assert org.contact.email in _section_text(text, "Art 13(1)(a)")
    assert org.dpo.name in _section_text(text, "Art 13(1)(b)")
    assert org.dpo.email in _section_text(text, "Art 13(1)(b)")
    assert org.lead_supervisory_authority in _section_text(text, "Art 13(2)(d)")


def test_retention_period_in_words_with_its_trigger(minimal_register):
    body = _section_text(draft_notice(minimal_register).text, "Art 13(2)(a)")
    rule = minimal_register.activity("orders").retention[0]
    assert rule.period == "P10Y"
    assert f"Order handling: 10 years from {rule.trigger} ({rule.description})." in body


def test_legal_basis_and_legitimate_interest(register_copy):
    folder = register_copy()

    def to_li(acts):
        acts[1]["legal_basis"] = "legitimate_interests"
        acts[1]["legitimate_interest"] = "Keeping in touch with past customers about similar products"

    _edit(folder / "activities.yaml", to_li)
    text = draft_notice(load_register(folder)).text
    assert "Art 6(1)(b)" in _section_text(text, "Art 13(1)(c)")
    assert "Newsletter: Keeping in touch with past customers" in _section_text(text, "Art 13(1)(d)")


def test_transfers_name_recipient_country_and_safeguard(minimal_register):
    body = _section_text(draft_notice(minimal_register).text, "Art 13(1)(f)")
    assert "Mail Sender Inc., United States" in body
    assert "standard contractual clauses" in body
    assert "Parcel Service" not in body  # Norway is in the EEA: not a transfer


def test_rights_from_commitments(register_copy):
    folder = register_copy()
    commitments = {"rights": [
        {"right": "access", "how": "email privacy@example.test with your order number",
         "response_time": "P30D"},
        {"right": "rectification", "response_time": "without undue delay"},
        {"right": "post_mortem_instructions", "how": "write to us with your instructions"},
        {"right": "complaint", "how": "to the authority where you live"},
    ]}
    (folder / "commitments.yaml").write_text(yaml.safe_dump(commitments), encoding="utf-8")
    notice = draft_notice(load_register(folder))
    rights = _section_text(notice.text, "Art 13(2)(b)")
    assert "email privacy@example.test with your order number" in rights
    assert "within 30 days" in rights
    assert "Response time: without undue delay." in rights
    assert "after your death" in rights and "write to us with your instructions" in rights
    assert "to the authority where you live" in _section_text(notice.text, "Art 13(2)(d)")
    missing = next(g for g in notice.gaps if g.startswith("how these rights"))
    assert "access" not in missing and "rectification" in missing


def test_sources_provision_and_automated_decisions(register_copy):
    folder = register_copy()

    def fill(acts):
        acts[0]["provision_requirement"] = "Needed to deliver your order; without it we cannot sell"
        acts[0]["automated_decision_making"] = "none"
        acts[1]["automated_decision_making"] = "none"
        acts[1]["sources"] = [{"type": "third_party", "description": "a list bought from a broker"}]

    _edit(folder / "activities.yaml", fill)
    notice = draft_notice(load_register(folder))
    assert "without it we cannot sell" in _section_text(notice.text, "Art 13(2)(e)")
    assert "We do not make decisions based solely on automated processing" in _section_text(
        notice.text, "Art 13(2)(f)")
    assert "a list bought from a broker" in _section_text(notice.text, "Art 14(2)(f)")
    assert not any("automated decision-making not recorded" in g for g in notice.gaps)
    # Data from a third party: Art 13(2)(e) does not apply, so no gap for the newsletter.
    assert not any("required" in g and "newsletter" in g for g in notice.gaps)


def test_register_text_cannot_break_the_markdown(register_copy):
    folder = register_copy()

    def inject(acts):
        acts[0]["name"] = "Orders\n## Fake heading <script>x</script>"

    _edit(folder / "activities.yaml", inject)
    text = draft_notice(load_register(folder)).text
    assert "\n## Fake heading" not in text
    assert "<script>" not in text


# --------------------------------------------------------------------------
# Gaps
# --------------------------------------------------------------------------


def test_minimal_register_has_no_dpo_representative_or_orders_retention_gap(minimal_register):
    gaps = draft_notice(minimal_register).gaps
    assert not any("no DPO named" in g for g in gaps)
    assert not any("EU representative" in g for g in gaps)
    assert not any("retention" in g and "orders" in g for g in gaps)
    assert "retention not recorded for activity newsletter (Art 13(2)(a))" in gaps


COMPLETE_RECIPIENTS = """\
- id: payments
  name: PayCo Ltd
  role: processor
  countries: [IE]
  dpa: {reference: DPA-2024-01, date: 2024-01-10}
- id: shipping
  name: Parcel Service
  role: independent_controller
  countries: ["NO"]
- id: mailer
  name: Mail Sender GmbH
  role: processor
  countries: [DE]
  dpa: {reference: DPA-2023-07}
"""

COMPLETE_COMMITMENTS = {
    "rights": [{"right": r, "how": f"email privacy@example.test ({r})", "response_time": "P1M"}
               for r in ("access", "rectification", "erasure", "restriction", "portability", "objection",
                         "withdraw_consent", "complaint")],
    "children": {"minimum_age": 16, "directed_at_children": False, "on_discovery": "we delete it"},
    "cookies": [{"id": "session", "name": "shop_session", "purpose": "keep your basket",
                 "type": "strictly_necessary", "consent_required": False, "duration": "session"}],
}


def _complete(folder: Path) -> Path:
    """Fill the minimal register so that it answers every item of the notice."""
    (folder / "recipients.yaml").write_text(COMPLETE_RECIPIENTS, encoding="utf-8")
    (folder / "commitments.yaml").write_text(yaml.safe_dump(COMPLETE_COMMITMENTS), encoding="utf-8")

    def fill(acts):
        for act in acts:
            act["provision_requirement"] = "Optional; without it we cannot serve you"
            act["automated_decision_making"] = "none"
            act["sources"] = [{"type": "data_subject"}]
        acts[1]["retention"] = [{"period": "P2Y", "trigger": "unsubscribing"}]
        acts[1].pop("assumptions")

    _edit(folder / "activities.yaml", fill)
    return folder


def test_complete_register_leaves_no_gap_and_each_removal_shows(register_copy):
    folder = _complete(register_copy())
    notice = draft_notice(load_register(folder))
    assert notice.gaps == [], notice.gaps
    assert notice.to_confirm == []
    assert "Assumptions to confirm" not in notice.text
    assert "None: the register answers every item of the notice." in _gaps_text(notice.text)
    assert "2 years from unsubscribing" in _section_text(notice.text, "Art 13(2)(a)")
    assert "shop_session" in _section_text(notice.text, "Art 5(3)")
    assert "under 16" in _section_text(notice.text, "Art 8")

    _edit(folder / "activities.yaml", lambda acts: acts[1].pop("retention"))
    (folder / "commitments.yaml").write_text(yaml.safe_dump({}), encoding="utf-8")
    gaps = draft_notice(load_register(folder)).gaps
    assert "retention not recorded for activity newsletter (Art 13(2)(a))" in gaps
    assert any(g.startswith("children policy not recorded") for g in gaps)
    assert any(g.startswith("no cookies") for g in gaps)
    assert any(g.startswith("how these rights are exercised") for g in gaps)


def test_gaps_for_missing_retention_dpo_and_representative(register_copy):
    folder = register_copy()

    def org(data):
        del data["dpo"]
        data["established_in_eu"] = False

    def acts(data):
        del data[0]["retention"]

    _edit(folder / "organisation.yaml", org)
    _edit(folder / "activities.yaml", acts)
    notice = draft_notice(load_register(folder))
    expected = ["retention not recorded for activity orders", "no DPO named", "no EU representative named"]
    for start in expected:
        line = next((g for g in notice.gaps if g.startswith(start)), None)
        assert line, f"no gap starting {start!r} in {notice.gaps}"
        assert f"- [ ] {line}" in _gaps_text(notice.text)


def test_gap_for_categories_without_retention(register_copy):
    folder = register_copy()

    def partial(acts):
        acts[0]["retention"] = [{"period": "P6Y", "data_categories": ["user.name"]}]

    _edit(folder / "activities.yaml", partial)
    gaps = draft_notice(load_register(folder)).gaps
    line = next(g for g in gaps if "in activity orders" in g)
    assert "card number and expiry" in line and "User Contact Address" in line
    assert "Name," not in line


def test_period_not_stated_is_a_gap_but_criteria_in_words_are_not(register_copy):
    folder = register_copy()

    def note_only(acts):
        acts[1]["retention"] = [{"period": "not_stated", "description": "no limit given"}]

    def start_only(acts):
        acts[1]["retention"] = [{"period": "not_stated", "trigger": "subscription"}]

    for change in (note_only, start_only):
        _edit(folder / "activities.yaml", change)
        assert "retention not recorded for activity newsletter (Art 13(2)(a))" in draft_notice(
            load_register(folder)).gaps

    def until(acts):
        acts[1]["retention"] = [{"description": "until you unsubscribe"}]

    _edit(folder / "activities.yaml", until)
    notice = draft_notice(load_register(folder))
    assert not any("retention" in g and "newsletter" in g for g in notice.gaps)
    assert "- Newsletter: Until you unsubscribe." in _section_text(notice.text, "Art 13(2)(a)")


def test_assumptions_to_confirm_are_listed(minimal_register):
    notice = draft_notice(minimal_register)
    assumption = minimal_register.activity("newsletter").assumptions[0]
    assert notice.to_confirm == [f"activity newsletter: {assumption.field}"]
    confirm = _gaps_text(notice.text).split("### Assumptions to confirm", 1)[1]
    assert "- [ ] activity newsletter: retention" in confirm
    # The wording stays in the register: free text here would read as notice text to a policy check.
    assert assumption.statement not in notice.text


def test_unknown_language_is_refused(minimal_register):
    with pytest.raises(UnknownLanguage, match="available: en"):
        draft_notice(minimal_register, lang="xx")


def test_duration_text():
    assert duration_text("P10Y") == "10 years"
    assert duration_text("P1Y6M") == "1 year and 6 months"
    assert duration_text("P30D") == "30 days"
    assert duration_text("indefinite") == "indefinite"


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def test_cli_writes_the_notice(tmp_path, minimal_register, capsys):
    out = tmp_path / "notice.md"
    assert main(["notice", str(MINIMAL), "-o", str(out), "--lang", "en"]) == 0
    assert out.read_text(encoding="utf-8") == draft_notice(minimal_register).text
    assert f"{len(draft_notice(minimal_register).gaps)} gaps" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notice.md"]


def test_cli_prints_to_stdout_without_output(minimal_register, capsys):
    assert main(["notice", str(MINIMAL)]) == 0
    assert capsys.readouterr().out == draft_notice(minimal_register).text


def test_cli_unknown_language_exits_2(tmp_path, capsys):
    out = tmp_path / "notice.md"
    assert main(["notice", str(MINIMAL), "-o", str(out), "--lang", "xx"]) == 2
    err = capsys.readouterr().err
    assert "'xx'" in err and "available: en" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_invalid_register_exits_1_and_keeps_old_file(tmp_path, register_copy, capsys):
    folder = register_copy()
    (folder / "activities.yaml").write_text("- id: broken\n  legal_basis: wishful_thinking\n")
    out = tmp_path / "notice.md"
    out.write_text("previous notice")
    assert main(["notice", str(folder), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "activities.yaml" in err and "nothing was written" in err
    assert out.read_text() == "previous notice"


def test_cli_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "notice.md"
    out.write_text("previous notice")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert main(["notice", str(MINIMAL), "-o", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "previous notice"
    assert [p.name for p in tmp_path.iterdir()] == ["notice.md"]  # no temp file left behind


def test_cli_missing_output_folder_exits_1(tmp_path, capsys):
    assert main(["notice", str(MINIMAL), "-o", str(tmp_path / "nope" / "notice.md")]) == 1
    assert "does not exist" in capsys.readouterr().err


# --------------------------------------------------------------------------
# Round trip: the policy cross-check finds nothing missing from the notice
# --------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [MINIMAL, *SAMPLES.values()], ids=["minimal", *SAMPLES])
def test_crosscheck_of_own_notice_finds_nothing_missing(folder):
    register = load_register(folder)
    result = crosscheck(register, draft_notice(register).text)
    assert result.ok, [str(i) for i in result.missing_in_policy + result.missing_in_register]


def test_crosscheck_notices_a_notice_without_its_recipients(minimal_register):
    notice = draft_notice(minimal_register)
    result = crosscheck(minimal_register, notice.text.replace(notice.section("recipients").body, ""))
    assert "Parcel Service" in [i.text for i in result.missing_in_policy]
