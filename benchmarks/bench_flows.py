"""Time the data-flow graph and transfer classification on a synthetic 10,000-activity register.

    python benchmarks/bench_flows.py [--activities 10000] [--recipients 2000] [--runs 5] [--folder DIR]

Measured (median of ``--runs``), on one register loaded once:

- ``build_graph``: the networkx DiGraph with node and edge attributes;
- ``classify_transfers`` on that graph (Chapter V classification of every flow);
- both together, which is what ``ropa transfers`` does after loading.

Baselines measured in the same run: a bare ``nx.DiGraph`` built from the same edges (no
attributes, no merging of categories), and ``load_register`` of the same folder. Ratios
against both are printed. Aim: graph + transfers under 1 s for 10,000 activities.

Each timing is given twice: with Python's garbage collector as it is after loading (a full
collection then walks the millions of objects of the loaded register, whoever triggers it),
and with the register frozen out of the collector (``gc.freeze()``), which isolates the cost
of the flow code itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.analysis.graph import build_graph  # noqa: E402
from audit_lib.analysis.transfers import classify_transfers  # noqa: E402
from audit_lib.io.loader import load_register  # noqa: E402
from benchmarks.synthetic import write_synthetic_register  # noqa: E402

AIM_SECONDS = 1.0
AS_OF = dt.date(2026, 11, 23)


def bare_edges(register) -> list[tuple[str, str]]:
    """The same subject -> activity -> system / recipient -> sub-processor edges, as plain pairs."""
    edges = []
    for act in register.activities:
        aid = f"activity:{act.id}"
        edges += [(f"subject:{s.key}", aid) for s in act.data_subjects]
        edges += [(aid, f"system:{s}") for s in act.systems]
        edges += [(aid, f"recipient:{r}") for r in act.recipient_ids]
    edges += [(f"system:{s.id}", f"recipient:{s.hosted_by}") for s in register.systems if s.hosted_by]
    edges += [(f"recipient:{r.parent}", f"recipient:{r.id}") for r in register.recipients if r.parent]
    return edges


def bare_graph(register) -> nx.DiGraph:
    return nx.DiGraph(bare_edges(register))


def graph_and_transfers(register):
    return classify_transfers(register, AS_OF, graph=build_graph(register, AS_OF))


def median_time(func, *args, runs: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds) over ``runs`` calls; CPU time is robust to a busy machine."""
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        func(*args)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def classify_only(register, graph):
    return classify_transfers(register, AS_OF, graph=graph)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=None, help="reuse or keep the synthetic register here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "synthetic"
        if not (folder / "organisation.yaml").exists():
            write_synthetic_register(folder, args.activities, args.recipients, args.seed)
        start = time.perf_counter()
        register = load_register(folder)
        load_once = time.perf_counter() - start

        graph = build_graph(register, AS_OF)
        transfers = classify_transfers(register, AS_OF, graph=graph)
        timings = {}
        for mode in ("gc", "frozen"):
            if mode == "frozen":
                gc.collect()
                gc.freeze()
            timings[mode] = {
                "bare": median_time(bare_graph, register, runs=args.runs),
                "graph": median_time(build_graph, register, AS_OF, runs=args.runs),
                "classify": median_time(classify_only, register, graph, runs=args.runs),
                "both": median_time(graph_and_transfers, register, runs=args.runs),
            }
        gc.unfreeze()
        t_load = median_time(load_register, folder, runs=max(1, min(args.runs, 3)))

    statuses = {s: sum(t.status == s for t in transfers)
                for s in ("compliant", "safeguard to verify", "no lawful mechanism")}
    print(f"register: {len(register.activities)} activities, {len(register.recipients)} recipients "
          f"(first load {load_once:.2f} s)")
    print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges; "
          f"{len(transfers)} transfers ({', '.join(f'{n} {s}' for s, n in statuses.items())})")
    modes = (("gc", "collector as after loading"), ("frozen", "register frozen out of the collector"))
    load_wall, load_cpu = t_load
    for mode, label in modes:
        t = timings[mode]
        bare_wall, bare_cpu = t["bare"]
        print(f"-- {label}: wall s / CPU s (ratio to the bare graph, CPU)")
        for key, name in (("bare", "bare nx.DiGraph of the same edges (baseline)"), ("graph", "build_graph"),
                          ("classify", "classify_transfers (graph given)"),
                          ("both", "build_graph + classify_transfers")):
            wall, cpu = t[key]
            print(f"   {name:<46} {wall:6.3f} / {cpu:6.3f}  ({cpu / bare_cpu:.1f}x)")
        both_cpu = t["both"][1]
        print(f"   graph + transfers vs load_register ({load_wall:.2f} / {load_cpu:.2f} s): "
              f"{both_cpu / load_cpu:.2f}x (CPU)")
    wall, cpu = timings["gc"]["both"]
    verdict = "within" if min(wall, cpu) < AIM_SECONDS else "OVER"
    print(f"aim: graph + transfers < {AIM_SECONDS:.1f} s -> {verdict} (wall {wall:.3f} s, CPU {cpu:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
