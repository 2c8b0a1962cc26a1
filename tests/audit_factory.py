"""Build small Register objects in code for the audit and cross-check tests.

:func:`clean` is a register on which the audit finds nothing at all (as of
:data:`AS_OF`); each test changes one thing and checks that exactly the rule
concerned reacts.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from audit_lib.model import Register

AS_OF = dt.date(2026, 11, 23)

_CLEAN: dict[str, Any] = {
    "organisation": {
        "name": "Clean Shop",
        "legal_entity": "Clean Shop GmbH",
        "country": "DE",
        "address": "Musterstrasse 1, 10115 Berlin",
        "contact": {"email": "privacy@clean.test"},
        "established_in_eu": True,
        "offers_goods_or_services_in_eu": True,
        "dpo": {"name": "Dana Officer", "email": "dpo@clean.test"},
        "last_reviewed": "2026-06-01",
    },
    "activities": [
        {
            "id": "orders",
            "name": "Order handling",
            "purposes": [{"key": "essential.service.payment_processing", "description": "Take payment"}],
            "legal_basis": "contract",
            "data_subjects": ["customer"],
            "data_categories": ["user.name", "user.contact.email"],
            "recipients": ["psp"],
            "retention": [{"period": "P6Y", "trigger": "end of the financial year"}],
            "security_measures": ["tls"],
            "last_reviewed": "2026-06-01",
        }
    ],
    "recipients": [
        {"id": "psp", "name": "PayCo GmbH", "role": "processor", "countries": ["DE"],
         "dpa": {"reference": "DPA-1", "date": "2024-01-10"}},
    ],
    "security_measures": [{"id": "tls", "name": "Encryption in transit", "type": "technical"}],
    "commitments": {
        "breach_procedure": {"decided_by": "DPO", "notify_authority_within_hours": 72,
                             "breach_log": "breach register kept by the DPO",
                             "data_subject_notification": "by email without undue delay when high risk"},
        "rights": [{"right": "withdraw_consent", "how": "unsubscribe link"}]
        + [{"right": r, "how": "privacy@clean.test", "response_days": 30}
           for r in ("access", "rectification", "erasure", "restriction", "portability")],
    },
}


def clean() -> dict[str, Any]:
    """A fresh copy of the clean register's data (edit it, then :func:`build`)."""
    return copy.deepcopy(_CLEAN)


def build(data: dict[str, Any]) -> Register:
    return Register.model_validate(data)


def activity(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return data["activities"][index]


def add_recipient(data: dict[str, Any], rec: dict[str, Any], link: bool = True) -> dict[str, Any]:
    """Add a recipient (and link it to the first activity unless ``link`` is False)."""
    data["recipients"].append(rec)
    if link:
        activity(data)["recipients"].append(rec["id"])
    return data


def add_activity(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Add a copy of the clean activity with ``changes`` (id defaults to 'second')."""
    new = copy.deepcopy(_CLEAN["activities"][0])
    new["id"] = "second"
    new["name"] = "Second activity"
    new.update(changes)
    data["activities"].append(new)
    return new
