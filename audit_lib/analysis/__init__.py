"""What the register implies: tables, the data-flow graph, transfers, queries, cross-checks."""
