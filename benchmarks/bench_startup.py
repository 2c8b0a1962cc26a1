"""Time how fast ``ropa`` commands start and finish on the DearMob sample, against bare Python.

    python benchmarks/bench_startup.py [--runs 9] [--register ropa/dearmob]

Each command runs in a fresh interpreter (``python -m audit_lib.cli ...``), as a user types it.
Baseline, measured in the same run and interleaved with the commands (so a busy machine slows
both alike): ``python -c "import yaml, pydantic"``, the interpreter plus the two packages every
command needs. Bytecode is cached as for an installed package (one untimed run of each command
first). Prints the median and the fastest wall time of each, the median's ratio to the baseline's,
the median CPU time (less sensitive to a busy machine) and the aim. Aims: ``ropa --help`` under
0.3 s, ``ropa validate`` under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = ("import yaml, pydantic", [sys.executable, "-c", "import yaml, pydantic"])


def commands(register: str) -> list[tuple[str, list[str], float | None]]:
    """(label, argv, aim in seconds or None) of each command timed."""
    ropa = [sys.executable, "-m", "audit_lib.cli"]
    return [
        ("ropa --help", [*ropa, "--help"], 0.3),
        (f"ropa validate {register}", [*ropa, "validate", register], 0.5),
        (f"ropa audit {register}", [*ropa, "audit", register], None),
    ]


def environment() -> dict[str, str]:
    """This checkout first on the path; bytecode written and reused, as an installed package has it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``argv`` (exit code 1 is allowed: audit findings)."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv[2:])} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed, _children_cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each command (default 9)")
    parser.add_argument("--register", default="ropa/dearmob", help="register folder (default ropa/dearmob)")
    args = parser.parse_args(argv)
    env = environment()
    timed = [BASELINE[:2] + (None,), *commands(args.register)]
    for _, cmd, _ in timed:  # warm-up: bytecode caches and the OS file cache
        run(cmd, env)
    times: dict[str, list[float]] = {label: [] for label, _, _ in timed}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in timed}
    for _ in range(args.runs):  # interleaved: load on the machine affects every command alike
        for label, cmd, _ in timed:
            seconds, cpu_seconds = run(cmd, env)
            times[label].append(seconds)
            cpu[label].append(cpu_seconds)
    base = statistics.median(times[BASELINE[0]])
    print(f"{args.runs} runs each, Python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<32} {'median':>8} {'fastest':>8} {'ratio':>7} {'CPU':>8}  aim (median wall)")
    for label, _, aim in timed:
        median = statistics.median(times[label])
        if aim is None:
            verdict = "(baseline)" if label == BASELINE[0] else "-"
        else:
            verdict = f"< {aim:.1f} s: {'met' if median < aim else 'missed'}"
        print(f"{label:<32} {median:>7.3f}s {min(times[label]):>7.3f}s {median / base:>6.2f}x "
              f"{statistics.median(cpu[label]):>7.3f}s  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
