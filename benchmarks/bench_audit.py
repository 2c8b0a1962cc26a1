"""Time the audit of a synthetic 10,000-activity register.

    python benchmarks/bench_audit.py [--activities 10000] [--recipients 2000] [--runs 3] [--folder DIR]

Measured (median of ``--runs``) on one register loaded once:

- ``audit(register)``: every rule, including the transfer classification it relies on
  (``audit_lib.flows.classify_transfers``, which builds the flow graph);
- the transfer classification alone, and the audit's own rules without it (so the
  audit's share and the flow code's share can be told apart);
- the slowest rules.

Baseline measured in the same run: ``load_register`` of the same folder (reading and
validating the YAML). Ratios against it are printed. Aim: the audit under 1 s.
The register is frozen out of Python's garbage collector after loading (``gc.freeze()``),
so a full collection walking the loaded register's objects is not charged to whichever
code happens to trigger it; the time with the collector as is is printed too.
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

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.analysis.transfers import classify_transfers  # noqa: E402
from audit_lib.audit import RULES, audit, counts  # noqa: E402
from audit_lib.audit.core import AuditContext  # noqa: E402
from audit_lib.io.loader import load_register  # noqa: E402
from benchmarks.synthetic import write_synthetic_register  # noqa: E402

AIM_SECONDS = 1.0
AS_OF = dt.date(2026, 11, 23)


def median_time(func, *args, runs: int) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds) of ``runs`` calls; CPU time is robust to a busy machine."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        func(*args)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def line(label: str, timing: tuple[float, float], base: tuple[float, float]) -> str:
    (wall, cpu), (bwall, bcpu) = timing, base
    return (f"{label:<34} wall {wall:6.3f} s  cpu {cpu:6.3f} s   ratio to load: wall {wall / bwall:5.2f}, "
            f"cpu {cpu / bcpu:5.2f}")


def rules_without_transfers(register) -> int:
    """Every rule on a context whose transfers are already classified (the audit's own work)."""
    ctx = AuditContext(register, AS_OF)
    ctx.__dict__["transfers"] = TRANSFERS  # the cached_property slot
    return sum(1 for r in RULES.values() for _ in r.run(ctx))


def per_rule(register, transfers) -> list[tuple[float, str]]:
    out = []
    for code, entry in RULES.items():
        ctx = AuditContext(register, AS_OF)
        ctx.__dict__["transfers"] = transfers
        start = time.perf_counter()
        list(entry.run(ctx))
        out.append((time.perf_counter() - start, code))
    return sorted(out, reverse=True)


TRANSFERS: list = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", help="write (or reuse) the synthetic register here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder or Path(tmp) / "synthetic")
        if not (folder / "organisation.yaml").exists():
            write_synthetic_register(folder, args.activities, args.recipients, args.seed)
        load_s = median_time(load_register, folder, runs=args.runs)
        register = load_register(folder)

    gc.collect()
    plain_s = median_time(audit, register, AS_OF, runs=args.runs)
    gc.freeze()
    audit_s = median_time(audit, register, AS_OF, runs=args.runs)
    transfers_s = median_time(classify_transfers, register, AS_OF, runs=args.runs)
    TRANSFERS[:] = classify_transfers(register, AS_OF)
    own_s = median_time(rules_without_transfers, register, runs=args.runs)
    findings = audit(register, AS_OF)
    slowest = per_rule(register, TRANSFERS)[:5]

    print(f"synthetic register: {len(register.activities)} activities, {len(register.recipients)} "
          f"recipients, {len(TRANSFERS)} transfers; {len(findings)} findings {counts(findings)}")
    print(line("baseline load_register", load_s, load_s))
    print(line(f"audit (all {len(RULES)} rules)", audit_s, load_s))
    print(line("  of which classify_transfers", transfers_s, load_s))
    print(line("  audit rules on classified data", own_s, load_s))
    print(line("audit without gc.freeze", plain_s, load_s))
    print("slowest rules (wall): " + ", ".join(f"{code} {s * 1000:.0f} ms" for s, code in slowest))
    verdict = "met" if audit_s[1] < AIM_SECONDS else "NOT met"
    print(f"aim: audit under {AIM_SECONDS:.0f} s (CPU) for {args.activities} activities: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
