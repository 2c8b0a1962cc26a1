"""Write a large, valid, deterministic synthetic register (for benchmarks and tests).

    python benchmarks/synthetic.py OUT --activities 10000 --recipients 2000 [--seed 0]

The register uses the same YAML format as ``ropa/<organisation>/``: fideslang keys,
recipients in and outside the EEA (US with and without DPF certification),
sub-processor chains (Art 28(2)), SCC / BCR mechanisms (Art 46) on some
recipients, Art 49 derogations on a few, retention rules (Art 30(1)(f)),
security measures (Art 32), systems, evidence and assumptions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script: make ``audit_lib`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.io.gcpause import gc_paused  # noqa: E402

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

EEA = ["DE", "FR", "IE", "NL", "SE", "NO", "IS", "LI", "PL", "ES", "IT", "BE", "AT", "DK", "FI"]
ADEQUATE = ["CH", "GB", "JP", "CA", "NZ", "KR", "IL", "UY", "AR"]
THIRD = ["IN", "CN", "BR", "SG", "AU", "PH", "ZA", "MX", "TR"]

DATA_CATEGORIES = [
    "user.name", "user.name.first", "user.name.last", "user.contact.email", "user.contact.phone_number",
    "user.contact.address", "user.contact.address.city", "user.contact.address.postal_code",
    "user.account.username", "user.account.settings", "user.authorization.credentials",
    "user.behavior.browsing_history", "user.behavior.purchase_history", "user.behavior.search_history",
    "user.device.ip_address", "user.device.cookie_id", "user.device.device_id",
    "user.financial.bank_account", "user.financial.credit_card", "user.payment",
    "user.location.imprecise", "user.location.precise", "user.demographic.date_of_birth",
    "user.demographic.gender", "user.demographic.language", "user.content.private",
    "user.content.public", "user.unique_id.pseudonymous", "user.job_title", "user.workplace",
    "user.telemetry", "user.privacy_preferences", "user.government_id.passport_number",
    "user.account.loyalty_id",  # a taxonomy.yaml extension
]
SPECIAL_CATEGORIES = ["user.health_and_medical", "user.biometric.fingerprint",
                      "user.demographic.religious_belief"]
DATA_USES = [
    "essential.service.payment_processing", "essential.service.operations.support",
    "essential.service.authentication", "essential.service.security", "essential.fraud_detection",
    "essential.legal_obligation", "essential.service.notifications.email",
    "marketing.communications.email", "marketing.advertising.first_party.targeted",
    "marketing.advertising.third_party.targeted", "analytics.reporting.content_performance",
    "analytics.reporting.system.performance", "personalize.content.profiled", "functional.service.improve",
    "employment.recruitment", "finance", "sales", "functional.storage.privacy_preferences",
]
DATA_SUBJECTS = ["customer", "prospect", "employee", "job_applicant", "visitor", "supplier_vendor",
                 "consultant", "anonymous_user", "shareholder"]
LEGAL_BASES = ["contract", "consent", "legitimate_interests", "legal_obligation", "vital_interests",
               "public_task"]
LEGAL_WEIGHTS = [40, 20, 25, 12, 1, 2]
TRIGGERS = ["end of the contract", "last login", "collection", "end of the financial year",
            "withdrawal of consent", "closure of the account", "end of the recruitment process"]
PERIODS = ["P30D", "P3M", "P6M", "P13M", "P1Y", "P2Y", "P3Y", "P5Y", "P6Y", "P10Y", "P4W"]
WORDS = ["Acme", "Nordic", "Blue", "Cloud", "Data", "Swift", "Atlas", "Vertex", "Orbit", "Pixel",
         "Harbor", "Quantum", "Green", "Prime", "Metro", "Lumen", "Apex", "Cobalt", "Delta", "Echo"]
SUFFIXES = ["Ltd", "GmbH", "Inc.", "SAS", "B.V.", "AB", "S.L.", "LLC", "Pty Ltd", "K.K."]
CATEGORIES = ["hosting", "payment processing", "email delivery", "analytics", "customer support",
              "advertising", "CRM", "shipping", "payroll", "identity verification", "backup"]
MEASURES = [
    ("Encryption in transit", "technical"), ("Encryption at rest", "technical"),
    ("Role-based access control", "organisational"), ("Multi-factor authentication", "technical"),
    ("Pseudonymisation", "technical"), ("Staff confidentiality agreements", "organisational"),
    ("Access logging", "technical"), ("Data minimisation reviews", "organisational"),
    ("Backups in a second region", "technical"), ("Badge-controlled server rooms", "physical"),
    ("Vulnerability scanning", "technical"), ("Incident response plan", "organisational"),
    ("Privacy training", "organisational"), ("Key management in HSM", "technical"),
    ("Penetration testing", "technical"), ("Vendor due diligence", "organisational"),
]
EVIDENCE = [
    "We share your data with service providers who help us run the service.",
    "Your data may be transferred outside the European Economic Area.",
    "We keep your data only as long as necessary for the purposes described.",
    "We use your contact details to send you our newsletter if you agreed to it.",
    "Payment data is processed by our payment provider.",
]


def _company(rng: random.Random, i: int) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)} #{i}"


def _countries(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.45:
        pool = EEA
    elif roll < 0.6:
        pool = ADEQUATE
    elif roll < 0.85:
        return sorted({"US", *rng.sample(EEA, rng.randint(0, 1))})
    else:
        pool = THIRD
    return sorted(rng.sample(pool, rng.randint(1, 2)))


def _mechanisms(rng: random.Random, role: str, countries: list[str], us_dpf: bool) -> list[dict]:
    outside = [c for c in countries if c not in EEA and c not in ADEQUATE and not (c == "US" and us_dpf)]
    if not outside:
        return []
    roll = rng.random()
    if roll < 0.6:
        module = {"processor": 2, "sub_processor": 3}.get(role, 1)
        mech: dict[str, Any] = {"type": "scc", "scc_module": module}
        if rng.random() < 0.3:
            mech["countries"] = outside
            mech["reference"] = f"SCC-{rng.randint(2021, 2025)}-{rng.randint(1, 99):02d}"
            mech["date"] = dt.date(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.2:
            mech["transfer_impact_assessment"] = "TIA on file, reviewed yearly"
        return [mech]
    if roll < 0.7:
        return [{"type": "bcr", "reference": "BCR approved by the lead authority"}]
    if roll < 0.77:
        return [{"type": "derogation", "derogation": rng.choice(["a", "b", "c"]),
                 "evidence": "Transfers take place only when needed to perform your contract."}]
    return []  # left without a mechanism: an audit finding, still a valid register


def _recipients(rng: random.Random, n: int) -> list[dict]:
    out: list[dict] = []
    processors: list[str] = []
    for i in range(n):
        rid = f"rcp_{i:05d}"
        roll = rng.random()
        if i == 0 or roll < 0.4 or (roll < 0.7 and not processors):
            role = "processor"
        elif roll < 0.7:
            role = "sub_processor"
        elif roll < 0.85:
            role = "independent_controller"
        elif roll < 0.9:
            role = "joint_controller"
        elif roll < 0.95:
            role = "public_authority"
        else:
            role = "internal"
        rec: dict[str, Any] = {"id": rid, "name": _company(rng, i), "role": role,
                               "category": rng.choice(CATEGORIES)}
        if role == "sub_processor":
            rec["parent"] = rng.choice(processors[-200:])
        countries = _countries(rng)
        rec["countries"] = countries
        us_dpf = False
        if "US" in countries and rng.random() < 0.5:
            us_dpf = rng.random() < 0.7
            rec["dpf_certified"] = us_dpf
        if role in ("processor", "sub_processor") and rng.random() < 0.8:
            rec["dpa"] = {"reference": f"DPA-{i:05d}",
                          "date": dt.date(rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28))}
        if role == "sub_processor" and rng.random() < 0.5:
            rec["sub_processor_authorisation"] = {"type": rng.choice(["general", "specific"])}
        if role == "joint_controller":
            rec["joint_controller_arrangement"] = {"reference": f"JCA-{i:05d}"}
        mechs = _mechanisms(rng, role, countries, us_dpf)
        if mechs:
            rec["transfer_mechanisms"] = mechs
        if role == "public_authority" or rng.random() < 0.03:
            rec["placeholder"] = True
            rec["name"] = f"{rec['category'].capitalize()} providers ({i})"
        if rng.random() < 0.1:
            rec["evidence"] = rng.choice(EVIDENCE)
        if rng.random() < 0.05:
            rec["assumptions"] = [{"field": "countries",
                                   "statement": "Country taken from the provider's own website."}]
        out.append(rec)
        if role in ("processor", "sub_processor") and i < n - 1:
            processors.append(rid)
    return out


def _security(rng: random.Random, recipients: list[dict]) -> list[dict]:
    out = []
    for i, (name, kind) in enumerate(MEASURES):
        rec: dict[str, Any] = {"id": f"sec_{i:02d}", "name": name, "type": kind}
        if i % 3 == 0:
            rec["description"] = f"{name} on every system that holds personal data."
        if i % 5 == 4:
            rec["applies_to"] = [r["id"] for r in rng.sample(recipients, min(2, len(recipients)))]
        out.append(rec)
    return out


def _systems(rng: random.Random, n: int, processors: list[str]) -> list[dict]:
    out = []
    for i in range(n):
        rec: dict[str, Any] = {"id": f"sys_{i:03d}", "name": f"{rng.choice(WORDS)} system {i}",
                               "countries": sorted(rng.sample(EEA + ["US"], rng.randint(1, 2)))}
        if processors and rng.random() < 0.6:
            rec["hosted_by"] = rng.choice(processors)
        out.append(rec)
    return out


def _activity(rng: random.Random, i: int, recipient_ids: list[str], systems: list[str],
              measures: list[str]) -> dict:
    cats = rng.sample(DATA_CATEGORIES, rng.randint(2, 6))
    act: dict[str, Any] = {"id": f"act_{i:05d}", "name": f"Processing activity {i}"}
    if rng.random() < 0.5:
        act["description"] = f"Synthetic activity {i} of the benchmark register."
    if rng.random() < 0.05:
        act["status"] = rng.choice(["planned", "retired"])
    uses = rng.sample(DATA_USES, rng.randint(1, 2))
    act["purposes"] = [u if rng.random() < 0.5 else {"key": u, "description": f"Purpose {u} ({i})"}
                       for u in uses]
    bases = rng.choices(LEGAL_BASES, LEGAL_WEIGHTS, k=rng.randint(1, 2))
    bases = list(dict.fromkeys(bases))
    act["legal_basis"] = bases[0] if len(bases) == 1 else bases
    if "legitimate_interests" in bases:
        act["legitimate_interest"] = "Keeping the service secure and improving it"
    if "consent" in bases:
        act["consent_withdrawal"] = "account settings or the unsubscribe link"
    if rng.random() < 0.03:
        cats.append(rng.choice(SPECIAL_CATEGORIES))
        act["special_category_condition"] = rng.choice(["a", "b", "h"])
    act["data_subjects"] = rng.sample(DATA_SUBJECTS, rng.randint(1, 3))
    act["data_categories"] = [c if rng.random() < 0.8 else {"key": c, "label": c.rsplit(".", 1)[-1]}
                              for c in cats]
    act["sources"] = [{"type": rng.choice(["data_subject", "data_subject", "observed", "third_party"])}]
    links: list[Any] = []
    for rid in rng.sample(recipient_ids, min(len(recipient_ids), rng.randint(0, 5))):
        if rng.random() < 0.7:
            links.append(rid)
        else:
            links.append({"recipient": rid, "data_categories": rng.sample(cats, rng.randint(1, len(cats)))})
    if links:
        act["recipients"] = links
    used = rng.sample(systems, min(len(systems), rng.randint(0, 2)))
    if used:
        act["systems"] = used
    rules = [{"period": rng.choice(PERIODS), "trigger": rng.choice(TRIGGERS)}]
    if rng.random() < 0.3:
        rules.append({"data_categories": [rng.choice(cats)], "period": rng.choice(PERIODS + ["indefinite"]),
                      "description": "kept for legal claims"})
    if rng.random() < 0.05:
        rules = [{"period": "not_stated"}]
    act["retention"] = rules
    act["security_measures"] = rng.sample(measures, rng.randint(1, 4))
    if rng.random() < 0.1:
        act["dpia"] = {"required": True, "criteria_met": ["large_scale", "systematic_monitoring"]}
    act["owner"] = rng.choice(["Head of Sales", "CTO", "HR lead", "Marketing lead", "DPO"])
    act["last_reviewed"] = dt.date(2026, rng.randint(1, 6), rng.randint(1, 28))
    if rng.random() < 0.3:
        act["evidence"] = rng.choice(EVIDENCE)
    if rng.random() < 0.1:
        act["assumptions"] = [{"field": rng.choice(["retention", "legal_basis", "recipients"]),
                               "statement": "The policy is silent; inferred from similar activities."}]
    return act


ORGANISATION = {
    "name": "Synthetic Benchmark Corp",
    "legal_entity": "Synthetic Benchmark Corp SE",
    "country": "DE",
    "address": "Benchmarkstrasse 1, 10115 Berlin",
    "contact": {"email": "privacy@synthetic.test"},
    "established_in_eu": True,
    "offers_goods_or_services_in_eu": True,
    "dpo": {"name": "Dana Protect", "email": "dpo@synthetic.test"},
    "lead_supervisory_authority": "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
    "register_version": "1.0",
    "last_reviewed": dt.date(2026, 6, 1),
    "evidence": "Synthetic Benchmark Corp is the controller of your personal data.",
}

TAXONOMY = {"data_categories": [{"fides_key": "user.account.loyalty_id", "name": "Loyalty card number",
                                 "parent_key": "user.account"}]}


def _commitments(rng: random.Random, recipient_ids: list[str]) -> dict:
    rights = ["access", "rectification", "erasure", "restriction", "portability", "objection", "complaint"]
    return {
        "rights": [{"right": r, "how": "email privacy@synthetic.test", "response_time": "P1M"}
                   for r in rights],
        "breach_procedure": {"decided_by": "DPO", "notify_authority_within_hours": 72},
        "children": {"minimum_age": 16, "directed_at_children": False},
        "cookies": [{"id": "session", "name": "sid", "purpose": "keep you logged in",
                     "type": "strictly_necessary", "consent_required": False},
                    {"id": "analytics", "name": "_ga", "provider": rng.choice(recipient_ids),
                     "purpose": "audience measurement", "type": "analytics", "consent_required": True}],
    }


def _processor_activities(rng: random.Random, recipient_ids: list[str], measures: list[str]) -> list[dict]:
    return [{"id": f"pa_{i}", "name": f"Hosting for client {i}",
             "controller": {"name": f"Client {i} GmbH", "country": "AT"},
             "categories_of_processing": ["hosting", "backup"],
             "data_categories": ["user.contact.email"],
             "sub_processors": rng.sample(recipient_ids, 2),
             "transfer_countries": ["US"],
             "transfer_mechanisms": [{"type": "scc", "scc_module": 3}],
             "security_measures": rng.sample(measures, 2)} for i in range(3)]


_STR, _INT, _BOOL, _DATE, _NULL = (f"tag:yaml.org,2002:{t}"
                                   for t in ("str", "int", "bool", "timestamp", "null"))


def _node(data: Any) -> yaml.Node:
    """The node PyYAML's SafeRepresenter makes of ``data`` (block style, no aliases), made directly:
    the generic representer's dispatch is most of the time of writing a large register."""
    kind = type(data)
    if kind is str:
        return yaml.ScalarNode(_STR, data)
    if kind is dict:
        return yaml.MappingNode("tag:yaml.org,2002:map", [(_node(k), _node(v)) for k, v in data.items()],
                                flow_style=False)
    if kind is list:
        return yaml.SequenceNode("tag:yaml.org,2002:seq", [_node(v) for v in data], flow_style=False)
    if kind is bool:
        return yaml.ScalarNode(_BOOL, "true" if data else "false")
    if kind is int:
        return yaml.ScalarNode(_INT, str(data))
    if kind is dt.date:
        return yaml.ScalarNode(_DATE, data.isoformat())
    if data is None:
        return yaml.ScalarNode(_NULL, "null")
    raise TypeError(f"synthetic register: cannot write {kind.__name__}")


def _dump(data: Any, path: Path) -> None:
    """Write ``data`` as ``yaml.dump(data, Dumper=CSafeDumper, sort_keys=False, allow_unicode=True,
    width=110)`` does, byte for byte, in a third of the time."""
    with path.open("w", encoding="utf-8") as fh, gc_paused():  # millions of nodes, no cycles
        dumper = _Dumper(fh, allow_unicode=True, width=110, sort_keys=False)
        dumper.open()
        dumper.serialize(_node(data))
        dumper.close()
        dumper.dispose()


def write_synthetic_register(folder: str | Path, n_activities: int = 10_000, n_recipients: int = 2_000,
                             seed: int = 0) -> Path:
    """Write a valid register of ``n_activities`` activities into ``folder``; return its path.

    Deterministic for a given seed. Files: organisation, activities, recipients, security,
    systems, taxonomy, commitments and processor_activities (.yaml).
    """
    if n_recipients < 2:
        raise ValueError("n_recipients must be at least 2")
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with gc_paused():
        return _write(folder, rng, n_activities, n_recipients)


ACTIVITIES_PER_FILE = 20_000
"""Larger registers get an ``activities/`` folder of files of this many activities each
(about 17 MB: one 100,000-activity file would pass the loader's 64 MB limit)."""


def _write(folder: Path, rng: random.Random, n_activities: int, n_recipients: int) -> Path:
    recipients = _recipients(rng, n_recipients)
    recipient_ids = [r["id"] for r in recipients]
    processors = [r["id"] for r in recipients if r["role"] == "processor"]
    security = _security(rng, recipients)
    measures = [m["id"] for m in security]
    systems = _systems(rng, max(5, min(200, n_activities // 50)), processors)
    system_ids = [s["id"] for s in systems]
    activities = [_activity(rng, i, recipient_ids, system_ids, measures) for i in range(n_activities)]
    files = {
        "organisation": ORGANISATION,
        "taxonomy": TAXONOMY,
        "recipients": recipients,
        "security": security,
        "systems": systems,
        "activities": activities,
        "commitments": _commitments(rng, recipient_ids),
        "processor_activities": _processor_activities(rng, recipient_ids, measures),
    }
    if n_activities > ACTIVITIES_PER_FILE:  # one file would pass the loader's 64 MB limit
        del files["activities"]
        (folder / "activities").mkdir(exist_ok=True)
        for part, start in enumerate(range(0, n_activities, ACTIVITIES_PER_FILE)):
            chunk = activities[start:start + ACTIVITIES_PER_FILE]
            _dump(chunk, folder / "activities" / f"part-{part:03d}.yaml")
    for name, data in files.items():
        _dump(data, folder / f"{name}.yaml")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic, valid GDPR Art 30 register folder.")
    parser.add_argument("out", metavar="OUT", help="folder to write (created if missing)")
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    path = write_synthetic_register(args.out, args.activities, args.recipients, args.seed)
    size = sum(p.stat().st_size for p in path.rglob("*.yaml"))
    print(f"wrote {path} ({args.activities} activities, {args.recipients} recipients, {size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
