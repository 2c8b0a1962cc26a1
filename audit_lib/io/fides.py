"""Read Fides manifests (one or many files or folders) into a draft register.

Fides describes *systems*, each with privacy declarations (one data use, its data categories,
data subjects, legal basis (Art 6(1)), special-category basis (Art 9(2)), retention). The draft:

- systems with the same ``fides_key`` in several files are merged (declarations added up);
- a system with a ``vendor_id``, ``meta.ropa.recipient``, or no declarations of its own that
  another system sends data to (``egress``) is a vendor: it becomes a *recipient*, linked from the
  activities of the systems that send to it; every other system becomes a system record;
- declarations with the same name (or the same ``meta.ropa`` activity id) become one processing
  activity, its purposes the declarations' data uses;
- fideslang 1.x keys that real manifests still use are mapped to the current taxonomy with the
  renames of Fides' own 2.0 data migration, each with a warning;
- deviations that real files contain (legal basis spelled another way, a string where a list
  belongs) are accepted with a warning each; anything else fideslang refuses is an error;
- what Fides does not say (a recipient's role and countries, a missing legal basis, the
  organisation's country) becomes an assumption to confirm on the record.

Nothing is written unless the result loads as a valid register (:func:`audit_lib.io.loader.load_register`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fideslang.models import Organization, System
from pydantic import ValidationError

from audit_lib.export.fides import LEGAL_BASIS, SPECIAL_BASIS
from audit_lib.io import lexicon
from audit_lib.issues import Issue, Stage, declare
from audit_lib.model import Register
from audit_lib.reference.taxonomy import default_keys

declare(
    "ROPA-I020",
    Stage.import_,
    "error",
    "Fides manifest cannot be imported",
    remedy="Fix the file named (valid YAML, fideslang resources) and run the import again.",
)
declare(
    "ROPA-I021",
    Stage.import_,
    "low",
    "Fides deviation accepted",
    remedy="The value was read as shown; correct the manifest so other Fides tools read it too.",
)
declare(
    "ROPA-I022",
    Stage.import_,
    "low",
    "fideslang 1.x key mapped to the current taxonomy",
    remedy="Update the manifest to the fideslang 2/3 key shown.",
)
declare(
    "ROPA-I023",
    Stage.import_,
    "info",
    "Not said by Fides: assumption to confirm",
    remedy="Confirm or correct the value in the register, then remove the assumption.",
)
declare(
    "ROPA-I024",
    Stage.import_,
    "info",
    "Fides resource not imported",
    remedy="Datasets, policies and taxonomy items are not part of the Art 30 record.",
)

# fideslang 1.x -> 2.0 renames, from Fides' own data migration (ethyca/fides,
# src/fides/api/alembic/migrations/versions/1ea164cee8bc_fideslang_2_data_migrations.py, 2023-09-06).
# Ordered so that a parent's rename also renames its children (prefix replacement).
DATA_USE_UPGRADES = {
    "essential.service.operations.support.optimization": "essential.service.operations.improve",
    "improve.system": "functional.service.improve",
    "improve": "functional",
}
DATA_CATEGORY_UPGRADES = {
    "user.financial.account_number": "user.financial.bank_account",
    "user.credentials": "user.authorization.credentials",
    "user.browsing_history": "user.behavior.browsing_history",
    "user.media_consumption": "user.behavior.media_consumption",
    "user.search_history": "user.behavior.search_history",
    "user.organization": "user.contact.organization",
    "user.non_specific_age": "user.demographic.age_range",
    "user.date_of_birth": "user.demographic.date_of_birth",
    "user.gender": "user.demographic.gender",
    "user.political_opinion": "user.demographic.political_opinion",
    "user.profiling": "user.demographic.profile",
    "user.race": "user.demographic.race_ethnicity",
    "user.religious_belief": "user.demographic.religious_belief",
    "user.sexual_orientation": "user.demographic.sexual_orientation",
    "user.genetic": "user.health_and_medical.genetic",
    "user.observed": "user.behavior",
}
# fideslang 1.0 keys carried a provenance layer that 1.1 dropped (fideslang PR #62, "Taxonomy
# Simplification", 2022-07-08); stripped, and then upgraded as above, when the result is a known key.
OLD_LAYERS = (
    "user.provided.identifiable.",
    "user.derived.identifiable.",
    "user.provided.nonidentifiable.",
    "user.derived.nonidentifiable.",
)

_LEGAL = {lexicon.fold(v): k.value for k, v in LEGAL_BASIS.items()}
_SPECIAL = {lexicon.fold(v): k.value for k, v in SPECIAL_BASIS.items()}


class FidesError(Exception):
    """The manifests cannot be imported; ``issues`` lists every problem."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class FidesImport:
    """The imported register, where it was written, and every warning and assumption made."""

    path: Path
    register: Register
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def manifest_files(paths: Iterable[str | Path]) -> list[Path]:
    """The YAML files named, folders searched recursively (sorted), in the order given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in (".yml", ".yaml") and f.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise FidesError([Issue.of("ROPA-I020", "file or folder not found", file=str(p))])
    if not out:
        raise FidesError(
            [Issue.of("ROPA-I020", "no .yml or .yaml file found", file=", ".join(map(str, paths)))]
        )
    return out


def upgrade_key(kind: str, key: str) -> str:
    """The current fideslang key for a 1.x key (unchanged when already current or unknown)."""
    known = default_keys()[kind]
    if key in known:
        return key
    candidate = key
    if kind == "data_categories":
        for layer in OLD_LAYERS:
            if candidate.startswith(layer):
                candidate = "user." + candidate[len(layer) :]
        table = DATA_CATEGORY_UPGRADES
    else:
        table = DATA_USE_UPGRADES if kind == "data_uses" else {}
    for old, new in table.items():
        if candidate == old or candidate.startswith(old + "."):
            candidate = new + candidate[len(old) :]
            break
    return candidate if candidate in known else key


class _Reader:
    """Collects resources from the files, fixing known deviations with a warning each."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.errors: list[Issue] = []
        self.systems: dict[str, dict[str, Any]] = {}
        self.files: dict[str, str] = {}
        self.organizations: list[tuple[str, dict[str, Any]]] = []
        self.extensions: dict[str, list[dict[str, Any]]] = {
            "data_categories": [],
            "data_uses": [],
            "data_subjects": [],
        }

    def warn(self, code: str, message: str, **where: Any) -> None:
        self.issues.append(Issue.of(code, message, **where))

    def read(self, path: Path) -> None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.errors.append(
                Issue.of("ROPA-I020", f"not readable as YAML: {exc}".splitlines()[0], file=str(path))
            )
            return
        if not isinstance(data, dict):
            self.errors.append(
                Issue.of(
                    "ROPA-I020",
                    "not a Fides manifest (expected keys such as 'system:' and 'organization:')",
                    file=str(path),
                )
            )
            return
        known = {
            "system",
            "organization",
            "dataset",
            "policy",
            "data_category",
            "data_use",
            "data_subject",
            "registry",
            "evaluation",
        }
        if not set(data) & known:
            self.errors.append(
                Issue.of(
                    "ROPA-I020",
                    f"no Fides resource in it (keys: {', '.join(map(str, data))})",
                    file=str(path),
                )
            )
            return
        for kind in ("dataset", "policy", "registry", "evaluation"):
            if data.get(kind):
                self.warn("ROPA-I024", f"{len(data[kind])} {kind} resource(s) not imported", file=str(path))
        for kind, ours in (
            ("data_category", "data_categories"),
            ("data_use", "data_uses"),
            ("data_subject", "data_subjects"),
        ):
            for item in data.get(kind) or []:
                if isinstance(item, dict) and item.get("fides_key") not in default_keys()[ours]:
                    self.extensions[ours].append(item)
        for org in data.get("organization") or []:
            self.organizations.append((str(path), org))
        for i, system in enumerate(data.get("system") or []):
            self._system(path, i, system)

    def _list(self, value: Any, file: str, record: str, name: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str):
            self.warn(
                "ROPA-I021",
                f"a single value where fideslang expects a list: read as [{value}]",
                file=file,
                record=record,
                field=name,
            )
            return [value]
        return list(value)

    def _key(self, kind: str, key: Any, file: str, record: str, name: str) -> str:
        key = str(key)
        new = upgrade_key(kind, key)
        if new != key:
            self.warn(
                "ROPA-I022",
                f"fideslang 1.x key '{key}' read as '{new}'",
                file=file,
                record=record,
                field=name,
            )
        return new

    def _enum(
        self, table: dict[str, str], value: Any, file: str, record: str, name: str, exact: Iterable[str]
    ) -> str | None:
        if value in (None, ""):
            return None
        if value in set(exact):
            return table[lexicon.fold(value)]
        folded = lexicon.fold(value).replace("_", " ").rstrip("s")
        for spelled, ours in table.items():
            if spelled.rstrip("s") == folded or ours.replace("_", " ").rstrip("s") == folded:
                self.warn(
                    "ROPA-I021",
                    f"'{value}' is not fideslang's spelling: read as '{spelled}'",
                    file=file,
                    record=record,
                    field=name,
                )
                return ours
        self.errors.append(
            Issue.of(
                "ROPA-I020",
                f"'{value}' is not a legal basis fideslang or this tool knows",
                file=file,
                record=record,
                field=name,
            )
        )
        return None

    def _system(self, path: Path, index: int, raw: Any) -> None:
        file = str(path)
        if not isinstance(raw, dict) or not raw.get("fides_key"):
            self.errors.append(
                Issue.of("ROPA-I020", "a system without a fides_key", file=file, record=f"system[{index}]")
            )
            return
        key = str(raw["fides_key"])
        raw = dict(raw)
        raw.setdefault("system_type", "")
        raw.pop("data_responsibility_title", None)
        decls = []
        for j, d in enumerate(raw.get("privacy_declarations") or []):
            d = dict(d)
            where = f"{key}.privacy_declarations[{j}]"
            for name, kind in (("data_categories", "data_categories"), ("data_subjects", "data_subjects")):
                d[name] = [
                    self._key(kind, k, file, where, name) for k in self._list(d.get(name), file, where, name)
                ]
            if d.get("data_use") is not None:
                d["data_use"] = self._key("data_uses", d["data_use"], file, where, "data_use")
            for name in ("egress", "ingress", "dataset_references"):
                if name in d and d[name] is not None:
                    d[name] = self._list(d[name], file, where, name)
            if "data_qualifier" in d:
                self.warn(
                    "ROPA-I021",
                    "data_qualifier (fideslang 1.x) is not part of the record: left out",
                    file=file,
                    record=where,
                    field="data_qualifier",
                )
                d.pop("data_qualifier")
            d["_legal"] = self._enum(
                _LEGAL,
                d.pop("legal_basis_for_processing", None),
                file,
                where,
                "legal_basis_for_processing",
                LEGAL_BASIS.values(),
            )
            d["_special"] = self._enum(
                _SPECIAL,
                d.pop("special_category_legal_basis", None),
                file,
                where,
                "special_category_legal_basis",
                SPECIAL_BASIS.values(),
            )
            decls.append(d)
        check = {k: v for k, v in raw.items() if k != "privacy_declarations"}
        check["privacy_declarations"] = [
            {k: v for k, v in d.items() if not k.startswith("_") and k != "egress" and k != "ingress"}
            for d in decls
        ]
        for d in check["privacy_declarations"]:
            d.setdefault("data_categories", [])
        try:
            System.model_validate(check)
        except (ValidationError, ValueError, AssertionError) as exc:  # fideslang's own verdict
            errs = exc.errors(include_url=False) if isinstance(exc, ValidationError) else [{"msg": str(exc)}]
            for err in errs:
                loc = ".".join(str(p) for p in err.get("loc", ()))
                self.errors.append(
                    Issue.of(
                        "ROPA-I020",
                        f"fideslang refuses it: {err.get('msg')}",
                        file=file,
                        record=key,
                        field=loc,
                    )
                )
            return
        raw["privacy_declarations"] = decls
        if key in self.systems:
            merged = self.systems[key]
            merged["privacy_declarations"] += decls
            for k, v in raw.items():
                merged.setdefault(k, v)
            for k in ("egress", "ingress"):
                merged[k] = (merged.get(k) or []) + [
                    f for f in raw.get(k) or [] if f not in (merged.get(k) or [])
                ]
            self.warn(
                "ROPA-I021",
                f"system '{key}' is also in {self.files[key]}: the two are merged",
                file=file,
                record=key,
            )
        else:
            self.systems[key] = raw
            self.files[key] = file


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", lexicon.fold(text)).strip("_") or "activity"


def _assume(field: str, statement: str) -> dict[str, Any]:
    return {"field": field, "statement": statement}


def draft_register(reader: _Reader) -> tuple[dict[str, list[dict[str, Any]]], list[Issue]]:
    """The register records (as plain data, by data table name) the manifests describe."""
    notes: list[Issue] = []
    targets = {f.get("fides_key") for s in reader.systems.values() for f in s.get("egress") or []}

    def is_vendor(s: dict[str, Any]) -> bool:
        meta = (s.get("meta") or {}).get("ropa") or {}
        if "recipient" in meta:
            return True
        return bool(s.get("vendor_id")) or (not s["privacy_declarations"] and s["fides_key"] in targets)

    vendors = {k: s for k, s in reader.systems.items() if is_vendor(s)}
    recipients = []
    rec_id = {}
    for key, s in vendors.items():
        meta = (s.get("meta") or {}).get("ropa") or {}
        rid = meta.get("recipient") or _slug(key)
        rec_id[key] = rid
        rec: dict[str, Any] = {
            "id": rid,
            "name": s.get("legal_name") or s.get("name") or key,
            "role": meta.get("role") or "processor",
        }
        if s.get("description"):
            rec["category"] = s["description"]
        if meta.get("parent"):
            rec["parent"] = meta["parent"]
        if s.get("legal_address"):
            rec["address"] = s["legal_address"]
        if s.get("privacy_policy"):
            rec["privacy_policy_url"] = str(s["privacy_policy"])
        assumptions = [
            _assume(
                "countries",
                "Fides records no country for a vendor: where it stores or "
                "accesses the data is to identify (Art 30(1)(e)).",
            )
        ]
        if "role" not in meta:
            assumptions.append(
                _assume(
                    "role",
                    f"Fides system '{key}' is a vendor the organisation sends data "
                    "to; assumed to be a processor (Art 28) until the contract says "
                    "otherwise.",
                )
            )
        rec["assumptions"] = assumptions
        recipients.append(rec)
        notes += [
            Issue.of("ROPA-I023", a["statement"], record=f"recipients[{rid}]", field=a["field"])
            for a in assumptions
        ]

    systems, activities = [], {}
    for key, s in reader.systems.items():
        if key in vendors:
            continue
        meta = (s.get("meta") or {}).get("ropa") or {}
        sid = None
        if not meta.get("synthetic"):
            sid = meta.get("system") or _slug(key)
            rec = {"id": sid, "name": s.get("name") or key}
            if s.get("description"):
                rec["description"] = s["description"]
            systems.append(rec)
        by_name = meta.get("activities") or {}
        flows = [rec_id[f["fides_key"]] for f in s.get("egress") or [] if f.get("fides_key") in rec_id]
        for d in s["privacy_declarations"]:
            name = d.get("name") or f"{s.get('name') or key}: {d.get('data_use')}"
            info = by_name.get(name) or {}
            aid = info.get("id") or _slug(name)
            a = activities.setdefault(
                aid,
                {
                    "id": aid,
                    "name": name,
                    "purposes": [],
                    "legal_basis": [],
                    "data_subjects": [],
                    "data_categories": [],
                    "recipients": [],
                    "systems": [],
                    "retention": [],
                    "assumptions": [],
                    "_info": info,
                },
            )
            use = d.get("data_use")
            if use and use not in [p["key"] for p in a["purposes"]]:
                p = {"key": use}
                if (info.get("purposes") or {}).get(use):
                    p["description"] = info["purposes"][use]
                a["purposes"].append(p)
            for k in ("data_subjects", "data_categories"):
                a[k] += [x for x in d.get(k) or [] if x not in a[k]]
            bases = info.get("legal_basis") or ([d["_legal"]] if d.get("_legal") else [])
            a["legal_basis"] += [b for b in bases if b not in a["legal_basis"]]
            if d.get("_special"):
                a["special_category_condition"] = d["_special"]
            if sid and sid not in a["systems"]:
                a["systems"].append(sid)
            if "egress" in d or not flows:
                links = [rec_id[k] for k in d.get("egress") or [] if k in rec_id]
            else:
                links = flows
                a["assumptions"].append(
                    _assume(
                        "recipients",
                        f"Fides links vendors to system '{key}', not to "
                        "this declaration: assumed every one receives "
                        "this activity's data, to confirm.",
                    )
                )
            a["recipients"] += [{"recipient": r} for r in links if {"recipient": r} not in a["recipients"]]
            if d.get("retention_period") and not a["retention"]:
                a["retention"] = _retention(str(d["retention_period"]), aid, notes)
            if d.get("impact_assessment_location"):
                a["dpia"] = {"reference": d["impact_assessment_location"]}
            if d.get("data_shared_with_third_parties") and not links:
                text = d.get("third_parties") or "not named"
                a["assumptions"].append(
                    _assume(
                        "recipients",
                        f"Fides says data is shared with third parties "
                        f"({text}) but names no vendor system: to record.",
                    )
                )
    out_acts = []
    for a in activities.values():
        order = a.pop("_info").get("systems")
        if order and set(order) == set(a["systems"]):
            a["systems"] = list(order)
        if not a["legal_basis"]:
            a["assumptions"].append(
                _assume(
                    "legal_basis",
                    "The Fides declarations give no legal basis for "
                    "processing (Art 6(1)): to decide and record.",
                )
            )
        if not a["retention"]:
            a["assumptions"].append(
                _assume(
                    "retention",
                    "Fides gives no retention period: the time limit "
                    "for erasure (Art 30(1)(f)) is to record.",
                )
            )
        notes += [
            Issue.of("ROPA-I023", x["statement"], record=f"activities[{a['id']}]", field=x["field"])
            for x in a["assumptions"]
        ]
        out_acts.append({k: v for k, v in a.items() if v not in ([], None)})
    org = _organisation(reader, notes)
    taxonomy = {
        kind: [
            {
                "fides_key": e["fides_key"],
                "name": e.get("name") or e["fides_key"],
                "parent_key": e.get("parent_key") or "",
                **({"description": e["description"]} if e.get("description") else {}),
            }
            for e in items
        ]
        for kind, items in reader.extensions.items()
    }
    return {
        "organisation": [org],
        "activities": out_acts,
        "recipients": recipients,
        "systems": systems,
        "taxonomy_categories": taxonomy["data_categories"],
        "taxonomy_uses": taxonomy["data_uses"],
        "taxonomy_subjects": taxonomy["data_subjects"],
    }, notes


def _retention(text: str, aid: str, notes: list[Issue]) -> list[dict[str, Any]]:
    """Retention entries from a Fides ``retention_period`` (several when joined by '; ')."""
    out = []
    for part in [p.strip() for p in text.split("; ") if p.strip()]:
        if part.startswith("from "):  # a trigger without a period, as `ropa export --format fides` writes it
            out.append({"trigger": part[5:]})
            continue
        mapped, trigger = lexicon.retention(part)
        entry: dict[str, Any] = {"period": mapped.value}
        if trigger:
            entry["trigger"] = trigger
        if not mapped.mapped:
            entry["description"] = part
            entry["assumptions"] = [
                _assume(
                    "period",
                    f"Fides retention_period '{part}' is not a duration: recorded as not stated, to confirm.",
                )
            ]
        elif mapped.via not in ("ISO 8601", "register value"):
            entry["description"] = part
            notes.append(
                Issue.of(
                    "ROPA-I021",
                    f"retention_period '{part}' read as {mapped.value}",
                    record=f"activities[{aid}]",
                    field="retention",
                )
            )
        out.append(entry)
    return out


def _contact(c: dict[str, Any] | None) -> dict[str, Any] | None:
    if not c:
        return None
    out = {k: c[k] for k in ("name", "address", "email", "phone") if c.get(k)}
    return out or None


def _organisation(reader: _Reader, notes: list[Issue]) -> dict[str, Any]:
    assumptions = []
    if reader.organizations:
        file, raw = reader.organizations[0]
        try:
            Organization.model_validate(raw)
        except Exception as exc:
            reader.errors.append(
                Issue.of(
                    "ROPA-I020",
                    f"fideslang refuses the organization: {exc}".splitlines()[0],
                    file=file,
                    record=str(raw.get("fides_key", "organization")),
                )
            )
        for other_file, other in reader.organizations[1:]:
            if other.get("fides_key") != raw.get("fides_key"):
                reader.warn(
                    "ROPA-I021",
                    f"a second organization '{other.get('fides_key')}' is not imported "
                    f"(the register is the record of '{raw.get('fides_key')}')",
                    file=other_file,
                )
        org: dict[str, Any] = {"name": raw.get("name") or raw.get("fides_key")}
        if raw.get("description"):
            org["legal_entity"] = raw["description"]
        for ours, theirs in (
            ("contact", "controller"),
            ("dpo", "data_protection_officer"),
            ("eu_representative", "representative"),
        ):
            if (c := _contact(raw.get(theirs))) is not None:
                org[ours] = c
    else:
        keys = {s.get("organization_fides_key", "default_organization") for s in reader.systems.values()}
        org = {"name": sorted(keys)[0] if keys else "organisation"}
        assumptions.append(
            _assume(
                "name",
                "The manifests hold no organization: the name is the systems' "
                "organization_fides_key, to replace with the controller's name.",
            )
        )
    assumptions.append(
        _assume(
            "country",
            "Fides records no country for the organisation: where the "
            "controller is established is to record.",
        )
    )
    if "dpo" not in org:
        assumptions.append(
            _assume(
                "dpo",
                "Fides names no data protection officer: whether one is required "
                "(Art 37) and who it is are to record.",
            )
        )
    org["assumptions"] = assumptions
    notes += [
        Issue.of("ROPA-I023", a["statement"], record="organisation", field=a["field"]) for a in assumptions
    ]
    return org


def read_manifests(paths: Iterable[str | Path]) -> tuple[dict[str, list[dict[str, Any]]], list[Issue]]:
    """The draft register records of the manifests in ``paths``; FidesError lists every problem."""
    reader = _Reader()
    for f in manifest_files(paths):
        reader.read(f)
    if not reader.systems and not reader.errors:
        reader.errors.append(Issue.of("ROPA-I020", "the manifests describe no system: nothing to import"))
    tables, notes = draft_register(reader) if not reader.errors else ({}, [])
    if reader.errors:
        raise FidesError(reader.errors)
    return tables, reader.issues + notes


def import_fides(paths: Iterable[str | Path], out: str | Path) -> FidesImport:
    """Write the draft register of the Fides manifests in ``paths`` as YAML files in folder ``out``.

    The folder is replaced only once the draft loads as a valid register.
    """
    from audit_lib.io.import_xlsx import build_records, register_files, write_draft

    paths = list(paths)
    tables, issues = read_manifests(paths)
    records, errors = build_records(tables, lambda name, row, err: Issue.of(
        "ROPA-I020", err["msg"], record=f"{name}[{row.get('id', '')}]",
        field=".".join(map(str, err["loc"]))))
    if errors:
        raise FidesError(errors)
    register = write_draft(
        register_files(records), out, ", ".join(Path(p).name for p in paths), "ropa import fides",
        lambda i: Issue.of("ROPA-I020", i.message, file=Path(i.file).name, record=i.record or "",
                           field=i.field or ""),
        FidesError,
    )
    target = Path(register.source_path)
    counts = {
        "systems": len(register.systems),
        "activities": len(register.activities),
        "recipients": len(register.recipients),
    }
    return FidesImport(target, register, issues, counts)
