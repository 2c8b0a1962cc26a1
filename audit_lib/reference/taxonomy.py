"""fideslang taxonomy vocabulary: data categories, data uses and data subjects."""

from __future__ import annotations

from functools import lru_cache

from fideslang.default_taxonomy import DEFAULT_TAXONOMY

KINDS = ("data_categories", "data_uses", "data_subjects")

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


@lru_cache(maxsize=1)
def default_keys() -> dict[str, dict[str, str]]:
    """{kind: {fides_key: name}} of the fideslang default taxonomy."""
    return {
        kind: {item.fides_key: item.name or item.fides_key for item in getattr(DEFAULT_TAXONOMY, attr)}
        for kind, attr in _ATTR.items()
    }


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
