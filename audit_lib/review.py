"""Everything one command computes from a register, computed once and shared.

A command (``ropa export``, ``ropa audit``, a notebook) builds one :class:`Review` and
hands it to every renderer: the data-flow graph is built once, the transfers are
classified once on that graph, and the audit runs once on those transfers. The workbook,
the diagram, the notice and the CLI tables render these values; none re-derives them.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING

from audit_lib.model import Register
from audit_lib.reference.transfers import as_date

if TYPE_CHECKING:
    import networkx as nx

    from audit_lib.analysis.transfers import Transfer
    from audit_lib.issues import Issue


class Review:
    """A register judged as of one date: its graph, transfers and findings, each built once."""

    def __init__(self, register: Register, as_of: dt.date | str | None = None):
        self.register = register
        self.as_of: dt.date = as_date(as_of)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The data-flow graph (:func:`audit_lib.analysis.graph.build_graph`)."""
        from audit_lib.analysis.graph import build_graph

        return build_graph(self.register, self.as_of)

    @cached_property
    def transfers(self) -> list[Transfer]:
        """Every transfer, classified once on :attr:`graph`."""
        from audit_lib.analysis.transfers import classify_transfers

        return classify_transfers(self.register, self.as_of, graph=self.graph)

    @cached_property
    def findings(self) -> list[Issue]:
        """The audit's findings, most severe first, using :attr:`transfers`."""
        from audit_lib.audit import audit

        return audit(self.register, self.as_of, review=self)


def review(register: Register, as_of: dt.date | str | None = None) -> Review:
    """The :class:`Review` of ``register`` as of ``as_of`` (default: the reference data's date)."""
    return Review(register, as_of)
