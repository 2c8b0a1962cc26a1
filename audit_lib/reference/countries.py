"""ISO 3166-1 alpha-2 country codes, checked with pycountry."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pycountry

# Codes people commonly type that are not ISO 3166-1 alpha-2: say what they mean.
_HINTS = {
    "UK": "GB (United Kingdom)",
    "EL": "GR (Greece; EL is the EU's own code)",
    "EU": "a member state's code: the EU is not a country",
    "EEA": "a member state's code: the EEA is not a country",
}


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def normalise_country(value: Any) -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code, or raise ValueError saying why not."""
    if value is False:
        # YAML 1.1 reads a bare NO as false; the loader prevents it, but say so if it happens.
        raise ValueError("got false: write Norway as \"NO\" in quotes")
    if not isinstance(value, str):
        raise ValueError(f"must be a two-letter ISO 3166-1 code, got {value!r}")
    code = value.strip().upper()
    if code in _HINTS:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 code; use {_HINTS[code]}")
    if code not in _codes():
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


def country_name(code: str) -> str:
    """Short English name of a country code ('US' -> 'United States')."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name
