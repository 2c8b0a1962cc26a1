"""Privacy notice drafted from the register (Art 13/14): structure, content, gaps, CLI, round trip."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from audit_lib.analysis.crosscheck import crosscheck
from audit_lib.analysis.transfers import classify_transfers
from audit_lib.cli import main
from audit_lib.io.loader import load_register
from audit_lib.model.records import Assumption
from audit_lib.notice import LANGUAGES, UnknownLanguage, draft_notice, duration_text
from audit_lib.notice.voice import public_name, reader_text
from audit_lib.reference.countries import country_name
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


def _gaps_text(notice) -> str:
    """The DPO's list: a separate text, headed as not part of the notice."""
    assert notice.dpo_text.startswith("# For the DPO \u2014 not part of the notice")
    return notice.dpo_text.split("## Gaps to close before publishing", 1)[1]


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------


def test_every_art13_item_has_a_section_in_the_text_or_in_the_dpos_list(minimal_register):
    notice = draft_notice(minimal_register)
    headings = [line for line in notice.text.splitlines() if line.startswith("## ")]
    left_out = notice.dpo_text.split("## Sections left out of the notice", 1)[-1]
    for article in ART13_ITEMS:
        section = next((s for s in notice.sections if article in s.heading), None)
        assert section is not None, f"no section for {article}"
        if section.body:
            assert any(article in h for h in headings), f"no heading for {article}"
        else:  # nothing the register lets the notice say: named in the DPO's list, not as a bare heading
            assert not any(article in h for h in headings)
            assert f"- [ ] {section.heading}" in left_out
    assert notice.text.startswith(f"# Privacy notice: {minimal_register.organisation.name}\n")


def test_sections_data_matches_text(minimal_register):
    notice = draft_notice(minimal_register)
    for section in notice.sections:
        if section.body:
            assert f"## {section.heading}\n\n{section.body}" in notice.text
    assert notice.gaps == list(dict.fromkeys(g for s in notice.sections for g in s.gaps))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_dpos_list_is_not_in_the_readers_text(name):
    notice = draft_notice(load_register(SAMPLES[name]))
    assert notice.gaps and notice.withheld
    for marker in ("Gaps to close", "- [ ]", "For the DPO", "Draft generated", "close the gaps"):
        assert marker not in notice.text
    for gap in notice.gaps:
        assert f"- [ ] {gap}" in notice.dpo_text


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
    assert notice.withheld == []
    assert "None: the register answers every item of the notice." in _gaps_text(notice)
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
        assert f"- [ ] {line}" in _gaps_text(notice)


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
        acts[1].pop("assumptions")  # the assumption was on the retention: now it is stated as fact

    _edit(folder / "activities.yaml", until)
    notice = draft_notice(load_register(folder))
    assert not any("retention" in g and "newsletter" in g for g in notice.gaps)
    assert "- Newsletter: Until you unsubscribe." in _section_text(notice.text, "Art 13(2)(a)")


def test_assumptions_to_confirm_are_withheld_and_listed(minimal_register):
    notice = draft_notice(minimal_register)
    assumption = minimal_register.activity("newsletter").assumptions[0]
    assert notice.withheld == [f"activity newsletter: {assumption.field}"]
    withheld = notice.dpo_text.split("## Not stated in the notice: assumptions to confirm", 1)[1]
    assert "- [ ] activity newsletter: retention" in withheld
    assert assumption.statement not in notice.text
    # the newsletter's retention rests on the assumption: not stated, named once among those unset
    retention = _section_text(notice.text, "Art 13(2)(a)")
    assert "Newsletter" in retention.split("We have not yet set how long we keep", 1)[1]


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


# --------------------------------------------------------------------------
# The reader's text: the organisation's voice, nothing assumed stated as fact
# --------------------------------------------------------------------------

NOT_USED_BY_THE_NOTICE = {"dpa", "dpia", "register_owner", "last_reviewed", "employees", "dpf_certified",
                          "transfer_mechanisms", "hosted_by", "statement", "security_measures",
                          "dpo_assessment"}
"""Fields a notice never states (written out here, so a field the notice starts using must be handled)."""

REMARKS = ["the policy", "under the gdpr", "no safeguard recorded", "country not recorded", "not stated",
           "assumed", "to confirm", "period not yet set", "says it", "reference file", "recorded as",
           "(unnamed)"]


def _assumed(register):
    """(who, field, value) of every assumption to confirm whose field holds a value."""
    org = register.organisation
    records = [("organisation", org), *((f"activity {a.id}", a) for a in register.activities),
               *((f"recipient {r.id}", r) for r in register.recipients),
               *((f"right {c.right.value}", c) for c in register.commitments.rights),
               *((f"cookie {c.id}", c) for c in register.commitments.cookies)]
    for who, record in records:
        for a in record.assumptions:
            root = a.field.split(".")[0].split("[")[0]
            value = getattr(record, root, None)
            if a.to_confirm and value not in (None, "", []) and root not in NOT_USED_BY_THE_NOTICE:
                yield who, a.field, value


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_assumed_value_is_withheld_or_named_with_care(name):
    register = load_register(SAMPLES[name])
    notice = draft_notice(register)
    told = notice.withheld + notice.to_confirm
    for who, field, _ in _assumed(register):
        entry = " ".join(t for t in told if t.startswith(f"{who}: "))
        whole = who.startswith("right ") and "right" in entry.split(": ", 1)[-1].split(", ")
        assert field in entry or whole, f"{who}: {field} is assumed, neither withheld nor hedged"
    for entry in notice.to_confirm:  # what is named with care is worded as such in the text
        assert any(f in entry for f in ("data_categories", "purposes", "name ("))
    assert ", which may include:" in notice.text


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_state_no_assumed_value_as_fact(name):
    register = load_register(SAMPLES[name])
    notice = draft_notice(register)
    text = notice.text
    org = register.organisation
    controller = _section_text(text, "Art 13(1)(a)")
    if org.assumed("country"):  # "China" is an assumption in both samples: never stated
        assert country_name(org.country) not in controller + _section_text(text, "Art 13(1)(f)")
    if org.assumed("contact") and org.contact.email:
        assert org.contact.email not in controller
    purposes = _section_text(text, "Art 13(1)(c)")
    for act in (a for a in register.activities if a.status.value != "retired"):
        block = purposes.split(f"### {act.name.replace('<', '&lt;')}\n", 1)[1].split("\n### ", 1)[0]
        assert ("- Legal basis:" in block) is (not act.assumed("legal_basis")), act.id
    recipients = _section_text(text, "Art 13(1)(e)")
    transfers = _section_text(text, "Art 13(1)(f)")
    roles = LANGUAGES["en"]["role"]
    for rec in register.recipients:
        line = next(x for x in recipients.splitlines() if x.startswith(f"- **{public_name(rec)}**"))
        if rec.assumed("role"):
            assert roles[rec.role].split("{")[0] not in line, rec.id
        if rec.assumed("countries"):
            for code in rec.countries:
                assert country_name(code) not in line and f"{public_name(rec)}, {country_name(code)}" \
                    not in transfers, rec.id
        if rec.assumed("name") and public_name(rec) != rec.name:
            assert rec.name not in text, rec.id
    rights = _section_text(text, "Art 13(2)(b)")
    stated = {c.response_time for c in register.commitments.rights if not c.assumed("response_time")}
    for c in register.commitments.rights:
        if c.assumed("response_time") and c.response_time and c.response_time not in stated:
            assert duration_text(c.response_time) not in rights and c.response_time not in rights


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_carry_no_internal_remark(name):
    notice = draft_notice(load_register(SAMPLES[name]))
    lower = notice.text.lower()
    for phrase in REMARKS:
        assert phrase not in lower, phrase
    for remark in notice.remarks:  # each removed clause is shown to the DPO, not to the reader
        said = remark.split(": ", 2)[2].strip("\u201c\u201d")
        assert said not in notice.text and remark in notice.dpo_text
    assert lower.count("not yet set") <= 1  # said once, with the activities it concerns


@pytest.mark.parametrize("folder", [MINIMAL, *SAMPLES.values()], ids=["minimal", *sorted(SAMPLES)])
def test_a_copy_of_safeguards_is_offered_only_where_there_are_safeguards(folder):
    register = load_register(folder)
    body = _section_text(draft_notice(register).text, "Art 13(1)(f)")
    org = register.organisation

    def told(t):  # an inbound row (the controller imports) rests on where the source and we are established
        if t.controller_is_importer:
            return bool(t.country) and not org.assumed("country") and not register.recipient(
                t.exporter).assumed("established")
        return bool(t.country) and not register.recipient(t.importer).assumed("countries")

    rows = classify_transfers(register)
    stated = [t for t in rows if told(t)]
    for t in rows:
        if t.controller_is_importer and not told(t):  # withheld: never in the reader's text
            assert f"received from {public_name(register.recipient(t.exporter))}" not in body
    art46 = any(t.mechanism in {"scc", "bcr", "code_of_conduct", "certification", "ad_hoc_clauses"}
                for t in stated)
    assert ("copy of the safeguards" in body) is art46
    assert "rely on" not in body
    for t in stated:
        if t.mechanism == "none" and t.controller_is_importer:
            assert (f"- {org.name}, {t.country_name} (received from "
                    f"{public_name(register.recipient(t.exporter))})." in body)
        elif t.mechanism == "none":  # named, with no safeguard claimed for it
            assert f"- {public_name(register.recipient(t.importer))}, {t.country_name}." in body


def test_minimal_register_transfers_offer_the_copy(minimal_register):
    body = _section_text(draft_notice(minimal_register).text, "Art 13(1)(f)")
    assert "standard contractual clauses" in body and "copy of the safeguards" in body


def test_reader_text_removes_remarks_and_keeps_facts():
    kept, removed = reader_text('Device ID and IP address, collected to validate the registration. The '
                                'policy calls this "none personal information"; under the GDPR it is '
                                'personal data.')
    assert kept == "Device ID and IP address, collected to validate the registration."
    assert removed == ['The policy calls this "none personal information"',
                       "under the GDPR it is personal data"]
    kept, removed = reader_text("Contact the partner directly; Acme says it has no control of it.", "Acme")
    assert kept == "Contact the partner directly." and removed == ["Acme says it has no control of it"]
    assert reader_text("Deleted at unsubscription (no limit stated)") == ("Deleted at unsubscription",
                                                                          ["no limit stated"])
    assert reader_text("Kept for 6 years after the order.") == ("Kept for 6 years after the order.", [])


def test_public_name_uses_the_policys_word_for_an_assumed_entity(minimal_register):
    rec = minimal_register.recipients[0]
    assert public_name(rec) == rec.name
    assumed = rec.model_copy(update={"name": "Brand Holdings Ltd (Brandly)", "evidence": ["We use Brandly."],
                                     "assumptions": [Assumption(field="name", statement="entity inferred")]})
    assert public_name(assumed) == "Brandly"
    placeholder = rec.model_copy(update={"name": "Email delivery providers (unnamed)", "placeholder": True})
    assert public_name(placeholder) == "Email delivery providers"


def test_cli_writes_the_dpos_list_apart(tmp_path, minimal_register, capsys):
    out, gaps = tmp_path / "notice.md", tmp_path / "notice-dpo.md"
    assert main(["notice", str(MINIMAL), "-o", str(out), "--gaps", str(gaps)]) == 0
    notice = draft_notice(minimal_register)
    assert out.read_text(encoding="utf-8") == notice.text
    assert gaps.read_text(encoding="utf-8") == notice.dpo_text
    assert "For the DPO" not in capsys.readouterr().err
    assert main(["notice", str(MINIMAL), "-o", str(out), "--gaps", str(out)]) == 2
    assert "another file" in capsys.readouterr().err


def test_cli_without_gaps_file_writes_the_dpos_list_to_stderr(minimal_register, capsys):
    assert main(["notice", str(MINIMAL)]) == 0
    captured = capsys.readouterr()
    assert captured.out == draft_notice(minimal_register).text
    assert captured.err.startswith("# For the DPO \u2014 not part of the notice")
