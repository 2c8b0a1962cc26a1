"""Accepted risks: the DPO's decision to live with a finding, for a while (Art 5(2), 24(1)).

``ropa/<org>/accepted.yaml`` is a list, reviewed in pull requests like the register::

    - code: ROPA-O001
      records: [organisation]
      justification: Representative being appointed; contract signed, start 2027-01.
      owner: Jane Doe, DPO
      expires: 2027-03-31

An acceptance covers a finding of that code whose records are all among ``records``. While it is
in force (the audit date is on or before ``expires``) the finding is shown as accepted and does not
fail ``ropa audit --fail-on``; it comes back ('acceptance lapsed') the day after expiry, or as soon
as the finding changes (it covers a record the acceptance does not list). An acceptance that
concerns no finding is itself reported (ROPA-H005), so stale acceptances do not pile up.

The file is read with the register loader's YAML reader (same limits, same messages); every
problem names the file, the line, the acceptance and the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from audit_lib.audit.core import ORGANISATION, RULES, Finding
from audit_lib.io import loader
from audit_lib.issues import Severity, Stage, declare
from audit_lib.model import RopaModel

FILE_NAMES = ("accepted.yaml", "accepted.yml")
"""The accepted-risks file of a register folder (first found wins)."""

UNMATCHED = "ROPA-H005"
declare(UNMATCHED, Stage.audit, Severity.low, "Accepted risk matches no finding", article="Art 5(2)",
        remedy="Remove the acceptance from accepted.yaml, or correct its code or records so it covers the "
        "finding it was written for.")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Acceptance(RopaModel):
    """One accepted risk: which finding, why, who owns the decision, and until when."""

    code: str = Field(description="The code of the accepted finding (e.g. ROPA-O001).")
    records: Annotated[list[str], BeforeValidator(_as_list)] = Field(
        min_length=1, description="The records the acceptance covers (a finding's 'records').")
    justification: str = Field(min_length=1, description="Why the risk is accepted for now.")
    owner: str = Field(min_length=1, description="Who accepted the risk and answers for it.")
    expires: dt.date = Field(description="Last day the acceptance is in force (YYYY-MM-DD).")
    accepted_on: dt.date | None = Field(default=None, description="When the risk was accepted.")
    source: str = Field(default="", exclude=True, description="file:line the acceptance was read from.")

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in RULES:
            raise ValueError(f"unknown audit rule code '{value}' (see ropa audit --list-rules)")
        return value

    @model_validator(mode="after")
    def _dates(self) -> Acceptance:
        if self.accepted_on and self.accepted_on > self.expires:
            raise ValueError(f"accepted_on {self.accepted_on} is after expires {self.expires}")
        return self

    def in_force(self, as_of: dt.date) -> bool:
        """True on every day up to and including ``expires``."""
        return as_of <= self.expires

    def covers(self, finding: Finding) -> bool:
        """True when the finding has this code and every record it lists is accepted."""
        return finding.code == self.code and set(finding.records or (finding.record,)) <= set(self.records)

    def concerns(self, finding: Finding) -> bool:
        """True when the finding has this code and lists at least one accepted record (it may have grown)."""
        listed = set(finding.records or (finding.record,))
        return finding.code == self.code and bool(listed & set(self.records))

    def describe(self) -> str:
        """One line for a table: owner, expiry and justification."""
        return f"accepted by {self.owner} until {self.expires}: {self.justification}"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (dates as YYYY-MM-DD)."""
        return self.model_dump(mode="json")


class AcceptedError(loader.RegisterError):
    """accepted.yaml cannot be used: every problem, each naming file, line, acceptance and field."""


def accepted_path(folder: str | Path | None) -> Path | None:
    """The accepted-risks file of a register folder, or None when it has none."""
    if not folder:
        return None
    for name in FILE_NAMES:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def load_acceptances(path: str | Path) -> list[Acceptance]:
    """Every acceptance in ``path``; raises :class:`AcceptedError` listing every problem."""
    path = Path(path)
    out = loader._Collector()
    src = loader._read(path, "accepted", out)
    found: list[Acceptance] = []
    if src is not None:
        data = src.data if src.data is not None else []
        if isinstance(data, dict) and set(data) == {"accepted"}:
            data, src.prefix = data["accepted"] or [], ("accepted",)
        if not isinstance(data, list):
            out.add(loader.SHAPE, src, "must be a list of accepted risks (each starting with '- code: ...')")
            data = []
        for i, item in enumerate(data):
            name = f"#{i + 1} {item.get('code', '')}".strip() if isinstance(item, dict) else f"#{i + 1}"
            if not isinstance(item, dict):
                out.add(loader.SHAPE, src, f"accepted risk #{i + 1} must be a mapping of fields", path=(i,),
                        record=name)
                continue
            acc = loader._validate(Acceptance, item, src, (i,), name, out, {})
            if acc is not None:
                found.append(acc.model_copy(update={"source": f"{path.name}:{src.line((i,)) or 1}"}))
    if out.issues:
        raise AcceptedError(out.issues)
    return found


def read_acceptances(folder: str | Path | None) -> list[Acceptance]:
    """The acceptances of a register folder ([] when it has no accepted.yaml)."""
    path = accepted_path(folder)
    return load_acceptances(path) if path else []


def apply_acceptances(findings: Iterable[Finding], acceptances: list[Acceptance], as_of: dt.date,
                      report_unmatched: bool = True) -> list[Finding]:
    """The findings, each one an acceptance was written for carrying it (``acceptance``) and marked
    ``accepted`` while the acceptance is in force and still covers all its records; plus one
    ROPA-H005 finding per acceptance that concerns no finding (when ``report_unmatched``)."""
    used: set[int] = set()
    out: list[Finding] = []
    by_code: dict[str, list[tuple[int, Acceptance]]] = {}
    for i, a in enumerate(acceptances):  # each finding is compared with its own code's acceptances only
        by_code.setdefault(a.code, []).append((i, a))
    for f in findings:
        matching = [(i, a) for i, a in by_code.get(f.code, ()) if a.concerns(f)]
        if not matching:
            out.append(f)
            continue
        used.update(i for i, _ in matching)
        i, acc = max(matching, key=lambda pair: (pair[1].covers(f) and pair[1].in_force(as_of),
                                                 pair[1].covers(f), pair[1].expires))
        out.append(dataclasses.replace(f, accepted=acc.covers(f) and acc.in_force(as_of), acceptance=acc))
    if report_unmatched:
        for i, acc in enumerate(acceptances):
            if i not in used:
                out.append(Finding.of(UNMATCHED, f"the acceptance of {acc.code} for {', '.join(acc.records)} "
                                      f"({acc.source or 'accepted.yaml'}, owner {acc.owner}) covers no "
                                      "finding of this audit", record=ORGANISATION, field="accepted",
                                      records=(ORGANISATION,)))
    return out
