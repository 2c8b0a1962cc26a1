"""fideslang taxonomy vocabulary: data categories, data uses and data subjects.

The keys and names come from fideslang's default taxonomy. Importing fideslang builds its
pydantic models (a large part of a command's start-up), so the keys are also shipped as
``fideslang_taxonomy.json``, generated from fideslang and stamped with its version: it is read
only when that version is the one installed, otherwise fideslang itself is read. A test keeps the
file equal to what the installed fideslang gives; regenerate it with
``python -m audit_lib.reference.taxonomy``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

KINDS = ("data_categories", "data_uses", "data_subjects")

SNAPSHOT = Path(__file__).resolve().parent / "fideslang_taxonomy.json"
"""The default taxonomy's {kind: {fides_key: name}}, generated from fideslang, with its version."""

_ATTR = {
    "data_categories": "data_category",
    "data_uses": "data_use",
    "data_subjects": "data_subject",
}

# Art 9(1) special categories and Art 10 criminal data, as fideslang keys (prefixes).
SPECIAL_CATEGORY_PREFIXES = (
    "user.biometric",
    "user.health_and_medical",
    "user.demographic.political_opinion",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.authorization.biometric",
)
CRIMINAL_DATA_PREFIXES = ("user.criminal_history",)
CHILDREN_DATA_PREFIXES = ("user.childrens",)
CHILD_SUBJECT_KEYS = ("child", "minor")


def fideslang_keys() -> dict[str, dict[str, str]]:
    """{kind: {fides_key: name}} read from fideslang's default taxonomy (imports fideslang)."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return {
        kind: {item.fides_key: item.name or item.fides_key for item in getattr(DEFAULT_TAXONOMY, attr)}
        for kind, attr in _ATTR.items()
    }


def fideslang_version() -> str | None:
    """The installed fideslang's version, None when it is not installed as a distribution."""
    try:
        return version("fideslang")
    except PackageNotFoundError:
        return None


def read_snapshot(path: Path | None = None) -> tuple[str, dict[str, dict[str, str]]]:
    """(fideslang version, {kind: {fides_key: name}}) of a snapshot file (default: the shipped one)."""
    data = json.loads((path or SNAPSHOT).read_text(encoding="utf-8"))
    return data["fideslang"], data["taxonomy"]


def write_snapshot(path: Path | None = None) -> Path:
    """Write the installed fideslang's default taxonomy keys to ``path`` (default: the shipped snapshot)."""
    path = path or SNAPSHOT
    data = {"fideslang": fideslang_version(), "taxonomy": fideslang_keys()}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def default_keys() -> dict[str, dict[str, str]]:
    """{kind: {fides_key: name}} of the fideslang default taxonomy: the shipped snapshot when it was
    generated from the installed fideslang version, otherwise fideslang itself."""
    try:
        stamp, keys = read_snapshot()
    except (OSError, ValueError, KeyError):
        stamp, keys = None, {}
    if stamp is not None and stamp == fideslang_version():
        return keys
    return fideslang_keys()


def _matches(key: str, prefixes: tuple[str, ...]) -> bool:
    return any(key == p or key.startswith(p + ".") for p in prefixes)


def is_special_category(key: str) -> bool:
    """True for an Art 9(1) special category key."""
    return _matches(key, SPECIAL_CATEGORY_PREFIXES)


def is_criminal_data(key: str) -> bool:
    """True for Art 10 criminal convictions and offences data."""
    return _matches(key, CRIMINAL_DATA_PREFIXES)


def is_children_data(key: str) -> bool:
    return _matches(key, CHILDREN_DATA_PREFIXES)


def label(kind: str, key: str, extra: dict[str, str] | None = None) -> str:
    """Human name of a taxonomy key, falling back to the key itself."""
    names = default_keys()[kind]
    if key in names:
        return names[key]
    if extra and key in extra:
        return extra[key]
    return key


if __name__ == "__main__":  # python -m audit_lib.reference.taxonomy: regenerate the snapshot
    print(f"wrote {write_snapshot()} (fideslang {fideslang_version()})")
