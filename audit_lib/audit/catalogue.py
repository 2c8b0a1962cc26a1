"""The rule catalogue (docs/audit-rules.md), generated from :data:`RULES`.

The file is written by the development tool ``python tools/rule_catalogue.py``
(``--check``: exit 1 if it is out of date).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit_lib.audit.core import RULES

if TYPE_CHECKING:
    import pandas as pd

TOPICS = {
    "completeness": "Completeness of the record (Art 30(1) and 30(2))",
    "consent": "Cookies, consent and electronic marketing (ePrivacy Art 5(3), 13; GDPR Art 4(11), 7, 26)",
    "security": "Security of processing (Art 32, 5(1)(f))",
    "rights": "Data subjects' rights (Art 12, 15-21)",
    "transfers": "Transfers outside the EEA (Chapter V)",
    "processors": "Processors and joint controllers (Art 26, 28)",
    "special_data": "Special categories, criminal and children's data (Art 8, 9, 10)",
    "retention": "Retention (Art 5(1)(e), 30(1)(f))",
    "lawful_basis": "Lawful basis, legitimate interests, consent (Art 6, 7)",
    "dpia": "Data protection impact assessment (Art 35)",
    "organisation": "Organisation: representative, DPO, breaches, reviews (Art 27, 33, 37)",
    "hygiene": "Register hygiene",
}

INTRO = """\
# Audit rules

`ropa audit PATH` (or `audit_lib.audit.audit(register)`) runs every rule below
and lists the DPO's work list, most severe first: one finding per rule and
problem, naming the rule's code, severity and article, the records it covers
(activities, recipients, cookies, `organisation`; all of them in `records`),
the field at fault, what is wrong, and the remedy. No rule repeats another's
finding (a placeholder recipient is ROPA-H003, not also ROPA-A008).

Severities, calibrated so that `--fail-on high` is a sensible CI gate:

- **high**: processing or a transfer likely unlawful as recorded, or a
  mandatory safeguard missing (Art 6, 9, 10, 27, 28(3), 32, 33, 35, Chapter V,
  ePrivacy Art 5(3) and 13);
- **medium**: a mandatory item of the record or a required document is missing;
- **low**: good practice the DPO should see to (reviews, unused records).

Assumptions the register keeper made where the source is silent are not
findings: `ropa audit PATH --assumptions` lists them, record by record.

Accepted risks: `PATH/accepted.yaml` lists findings the DPO accepts for a
time (code, records, justification, owner, expires). An accepted finding is
shown as accepted and does not fail `--fail-on` until the day after
`expires`; it comes back open when the acceptance expires or when the
finding covers a record the acceptance does not list. An acceptance that
covers no finding is reported as ROPA-H005 (low).

`ropa audit PATH --fail-on high` (the default) exits 1 when an open finding is
high; `--fail-on medium` or `low` gates on those and above. Activities with
status `retired` are not audited. Dates (reviews, adequacy decisions, expiry of
acceptances) are judged as of `--as-of` (default: today).

This file is generated from the rules themselves
(`python tools/rule_catalogue.py`); a test fails when it is out of date.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_table() -> pd.DataFrame:
    """One row per rule: code, severity, article, topic, title, checks, remedy."""
    import pandas as pd

    rows = [{"code": r.code, "severity": r.severity.value, "article": r.article, "topic": r.topic,
             "title": r.title, "checks": r.checks, "remedy": r.remedy} for r in RULES.values()]
    return pd.DataFrame(rows, columns=["code", "severity", "article", "topic", "title", "checks", "remedy"])


def catalogue_markdown() -> str:
    """The rule catalogue as Markdown, grouped by topic, in code order."""
    lines = [INTRO]
    by_topic: dict[str, list] = {}
    for r in sorted(RULES.values(), key=lambda r: r.code):
        by_topic.setdefault(r.topic, []).append(r)
    for topic in [*TOPICS, *sorted(set(by_topic) - set(TOPICS))]:
        rules = by_topic.get(topic)
        if not rules:
            continue
        lines += [f"## {TOPICS.get(topic, topic)}", "",
                  "| Code | Severity | Article | Rule | What it checks | How to fix |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r.code} | {r.severity.value} | {_cell(r.article)} | {_cell(r.title)} | "
                  f"{_cell(r.checks)} | {_cell(r.remedy)} |" for r in rules]
        lines.append("")
    return "\n".join(lines)

