"""Time and size the audit rules as the register grows.

    python benchmarks/bench_audit.py [--sizes 1000,10000] [--runs 3] [--folder DIR]
    python benchmarks/bench_audit.py --sizes 1000,10000,100000     # 100,000 activities: slow to write

For each size (activities; recipients a fifth of them) a synthetic register is written (kept under
``--folder``), loaded once, its transfers classified once, then each stage is timed (best CPU
seconds of ``--runs``) with the register frozen out of the garbage collector, and its peak memory
measured (tracemalloc):

- baseline: a plain Python loop over the activities touching each of their fields once (the least
  any rule set reading the whole register can cost);
- the audit rules: ``audit(register, review=...)`` with the transfers already classified (the
  audit's own work: its indexes, all rules, accepted risks, sorting);
- the whole audit from the register (graph, classification and rules, as ``ropa audit`` runs it).

Printed per stage: seconds, microseconds per activity, ratio to the baseline, growth from the
previous size (linear: 10x for 10x), and at the largest size the slowest rules. Aim: the audit
rules under 1 s at 10,000 activities, nothing growing faster than linearly.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gc  # noqa: E402

from audit_lib.audit import RULES, audit  # noqa: E402
from audit_lib.audit.core import AuditContext  # noqa: E402
from audit_lib.io.loader import load_register  # noqa: E402
from audit_lib.review import Review  # noqa: E402
from benchmarks.bench_flows import AS_OF, aim, best_cpu, peak_mb, report, sizes, synthetic  # noqa: E402


class Classified(Review):
    """A review whose transfers are given: the audit's own work is timed, not the classification."""

    def __init__(self, register, transfers):
        super().__init__(register, AS_OF)
        self.__dict__["transfers"] = transfers


def touch_every_field(register) -> int:
    """Baseline: read each field of each activity once (and each item of its lists)."""
    count = 0
    for a in register.activities:
        for value in a.__dict__.values():
            count += len(value) if isinstance(value, list) else 1
    return count


def slowest_rules(register, transfers, top: int = 5) -> str:
    """The ``top`` slowest rules (CPU ms) on one context."""
    ctx = AuditContext(register, AS_OF, review=Classified(register, transfers))
    times = []
    for code, entry in RULES.items():
        start = time.process_time()
        list(entry.run(ctx))
        times.append((time.process_time() - start, code))
    return ", ".join(f"{code} {sec * 1000:.0f} ms" for sec, code in sorted(times, reverse=True)[:top])


STAGES = [("bare", "baseline: one loop touching every field"), ("rules", f"audit rules ({len(RULES)})"),
          ("whole", "whole audit (graph, transfers, rules)")]


def measure(register, runs: int) -> dict:
    transfers = Review(register, AS_OF).transfers
    findings = audit(register, AS_OF, review=Classified(register, transfers))
    gc.collect()
    gc.freeze()
    try:
        return {
            "bare": best_cpu(lambda: touch_every_field(register), runs),
            "rules": best_cpu(lambda: audit(register, AS_OF, review=Classified(register, transfers)), runs),
            "whole": best_cpu(lambda: audit(register, AS_OF), runs),
            "bare_mb": peak_mb(lambda: touch_every_field(register)),
            "rules_mb": peak_mb(lambda: audit(register, AS_OF, review=Classified(register, transfers))),
            "note": f"{len(transfers):,} transfers, {len(findings):,} findings",
            "slowest": slowest_rules(register, transfers),
        }
    finally:
        gc.unfreeze()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes, default=[1_000, 10_000],
                        help="activities per register, comma-separated (add 100000 for the large one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None, help="write (or reuse) the registers here")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            register = load_register(synthetic(args.folder, tmp, n))
            rows.append({"n": n, "recipients": len(register.recipients), **measure(register, args.runs)})
            del register
    print("\n".join(report(rows, STAGES, "bare")))
    print(f"slowest rules at {rows[-1]['n']:,} activities: {rows[-1]['slowest']}")
    print("\n".join(aim(rows, STAGES[1:2])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
