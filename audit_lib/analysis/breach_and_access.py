"""What a DPO must do when a breach happens (Art 33, 34) or a person asks for their data (Art 15).

Breach: :func:`pick_processor` chooses the breached party, ``flows.blast_radius`` says what
it exposes, :func:`breach_notifications` who must be told and by when (Art 33(1), 33(2),
34, 26, 33(5)), and :func:`onward_chains` lists the sub-processor chains a breach can travel
down (Art 28(2), (4)). Access request: :func:`pick_data_subject` chooses the category of
people, :func:`subject_register` restricts the register to their activities and
:func:`subject_data_map` says where their data is held (Art 15(1)(c), 15(2)).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from audit_lib.analysis.graph import CONTROLLER, build_graph, flow_view
from audit_lib.analysis.queries import BlastRadius, onward_chain
from audit_lib.model import Register

if TYPE_CHECKING:
    from audit_lib.review import Review

# --------------------------------------------------------------------------
# Personal data breach (Art 33, 34)
# --------------------------------------------------------------------------


def pick_processor(register: Register, wanted: str | None = None) -> str:
    """The party whose breach to assess (Art 33): ``wanted`` if it is a recipient of the register,
    else the processor most activities use (a processor tells the controller, Art 33(2))."""
    ids = [r.id for r in register.recipients]
    if wanted:
        if wanted not in ids:
            raise KeyError(f"no recipient '{wanted}' in this register (known: {', '.join(ids)})")
        return wanted
    processors = [r for r in register.recipients if r.role.value in {"processor", "sub_processor"}]
    candidates = processors or list(register.recipients)
    if not candidates:
        raise ValueError("this register names no recipients")
    return max(candidates, key=lambda r: (len(register.activities_using(r.id)), -ids.index(r.id))).id


def breach_notifications(register: Register, radius: BlastRadius) -> pd.DataFrame:
    """Who must be told of a breach at the party of ``radius`` (a :class:`BlastRadius`), and by when.

    Art 33(1): the supervisory authority, without undue delay and within 72 hours unless the
    breach is unlikely to result in a risk; Art 33(2): a processor tells the controller; Art 34:
    the data subjects when the risk is high (likelier with Art 9/10 data); Art 26: joint
    controllers per their arrangement; Art 33(5): every breach is documented.
    """
    org = register.organisation
    procedure = register.commitments.breach_procedure
    hours = procedure.notify_authority_within_hours if procedure and \
        procedure.notify_authority_within_hours is not None else 72
    party = register.recipient(radius.recipient)
    sensitive = radius.special_categories + radius.criminal_data
    high = f"; exposed Art 9/10 data ({', '.join(sensitive)}) makes a high risk likely" if sensitive else ""
    rows = [
        ("supervisory authority", org.lead_supervisory_authority or "not recorded: name the lead "
         "authority (Art 56) in organisation.yaml", "Art 33(1), 33(3)",
         f"without undue delay, within {hours} hours of becoming aware (reasons if later)",
         "unless the breach is unlikely to result in a risk to people's rights and freedoms"),
        ("data subjects", ", ".join(radius.data_subjects) or "none recorded", "Art 34(1), 34(2)",
         "without undue delay", "when the breach is likely to result in a high risk" + high),
    ]
    if party.role.value in {"processor", "sub_processor"}:
        contract = party.dpa.reference if party.dpa else "no DPA recorded (Art 28(3))"
        rows.append((f"controller, from {party.name}", org.name, "Art 33(2), 28(3)(f)",
                     "without undue delay after the processor becomes aware",
                     f"the processor's duty under its contract: {contract}"))
    joint = [register.recipient(p).name for p in radius.parties
             if register.recipient(p).role.value == "joint_controller"]
    if party.role.value == "joint_controller" and party.name not in joint:
        joint.insert(0, party.name)
    if joint:
        rows.append(("joint controllers", ", ".join(joint), "Art 26(1)", "as the arrangement says",
                     "the arrangement allocates who notifies the authority and the data subjects"))
    rows.append(("breach register", org.name, "Art 33(5)", "always",
                 "document facts, effects and remedial action, even when nobody is notified"))
    return pd.DataFrame(rows, columns=["notify", "who", "article", "when", "condition"])


def onward_chains(register: Register, as_of: dt.date | str | None = None,
                  review: Review | None = None) -> pd.DataFrame:
    """Every chain of sub-processors (Art 28(2), (4)), from each top-level party that has one;
    give the caller's ``review`` so its graph is walked rather than built again."""
    graph = review.graph if review is not None else build_graph(register, as_of)
    tops = [r.id for r in register.recipients if register.sub_processors_of(r.id) and not r.parent]
    chains = [onward_chain(register, rid, as_of, graph=graph).assign(chain_of=rid) for rid in tops]
    if not chains:
        return pd.DataFrame(columns=["chain_of", "party", "name", "role", "depth", "path", "countries",
                                     "region", "outside_eea"])
    table = pd.concat(chains, ignore_index=True)
    return table[["chain_of", *[c for c in table.columns if c not in {"chain_of", "parent"}]]]


# --------------------------------------------------------------------------
# Access request (Art 15)
# --------------------------------------------------------------------------


def pick_data_subject(register: Register, wanted: str | None = None) -> str:
    """The data subject category of an access request (Art 15): ``wanted``, else the category
    found in most activities."""
    counts: dict[str, int] = {}
    for activity in register.activities:
        for subject in activity.data_subjects:
            counts[subject.key] = counts.get(subject.key, 0) + 1
    if wanted:
        if wanted not in counts:
            raise KeyError(f"no activity concerns data subject '{wanted}' (known: {', '.join(counts)})")
        return wanted
    if not counts:
        raise ValueError("no activity names its data subjects")
    return max(counts, key=lambda k: (counts[k], -list(counts).index(k)))


def subject_register(register: Register, subject: str) -> Register:
    """The register restricted to the activities concerning data subject category ``subject``.

    Recipients, systems and commitments are kept, so every library view (tables, flows,
    transfers) answers for that category of people only: an access request (Art 15).
    """
    fields = {name: getattr(register, name) for name in type(register).model_fields}
    fields["activities"] = [a for a in register.activities if subject in {s.key for s in a.data_subjects}]
    return Register(**fields)


def subject_data_map(register: Register, subject: str, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Where the data of one category of data subjects is held: Art 15(1)(c), 15(2).

    The controller, its systems, the recipients and their sub-processors that the subject's
    activities reach, with countries, region and the data categories each receives.
    """
    mine = subject_register(register, subject)
    graph = build_graph(mine, as_of)
    flows = flow_view(graph)
    org = graph.nodes[CONTROLLER]
    collected = sorted({c.key for a in mine.activities for c in a.data_categories})
    rows = [{"party": register.organisation.name, "kind": "controller", "role": "controller",
             "countries": "; ".join(org["countries"]), "region": org["region"],
             "data_categories": "; ".join(collected), "activities": "; ".join(a.id for a in mine.activities)}]
    parties = []
    for node, attrs in flows.nodes(data=True):
        inbound = [d for _, _, d in flows.in_edges(node, data=True) if d["activities"]]
        if attrs["kind"] not in {"system", "recipient"} or not inbound:
            continue  # (a sub-processor whose parent gets nothing of this subject has an empty edge)
        categories = sorted({c for d in inbound for c in d["data_categories"]})
        parties.append({"party": attrs["label"], "kind": attrs["kind"], "role": attrs["role"],
                        "countries": "; ".join(attrs["countries"]), "region": attrs["region"],
                        "data_categories": "; ".join(categories),
                        "activities": "; ".join(sorted({a for d in inbound for a in d["activities"]}))})
    parties.sort(key=lambda r: (r["kind"] != "system", r["party"]))
    return pd.DataFrame(rows + parties, columns=["party", "kind", "role", "countries", "region",
                                                 "data_categories", "activities"])
