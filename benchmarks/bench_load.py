"""Time ``load_register`` on a synthetic 10,000-activity register against plain PyYAML.

    python benchmarks/bench_load.py [--activities 10000] [--recipients 2000] [--runs 5] [--folder DIR]

Baseline, measured in the same run on the same files: ``yaml.load(text, Loader=yaml.CSafeLoader)``
of every YAML file (parsing only: no validation, no cross-reference checks, no line numbers).
Prints the median wall and CPU time of each, their ratio and the peak memory of one load.
Aim: under 1 s and under 500 MB for 10,000 activities.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.io.loader import load_register  # noqa: E402
from benchmarks.synthetic import write_synthetic_register  # noqa: E402

AIM_SECONDS = 1.0
AIM_MB = 500.0


def baseline(folder: Path) -> int:
    """Parse every YAML file of the register with PyYAML's C loader; return the number of top items."""
    count = 0
    for path in sorted(folder.rglob("*.y*ml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        count += len(data) if data else 0
    return count


def events_only(folder: Path) -> int:
    """Only walk libyaml's event stream (no Python objects built): the floor for any PyYAML reader."""
    count = 0
    for path in sorted(folder.rglob("*.y*ml")):
        for _ in yaml.parse(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
            count += 1
    return count


def timed(func, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    func(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def peak_mb(func, *args) -> float:
    """Peak Python memory (MB, tracemalloc) allocated during one call."""
    gc.collect()
    tracemalloc.start()
    try:
        func(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# VmHWM (peak RSS of this process image), not ru_maxrss: on Linux a child started by
# fork+exec inherits the parent's ru_maxrss, which would count the benchmark's own memory.
_RSS_SCRIPT = """
import re, resource, sys
def peak_kb():
    try:
        with open("/proc/self/status") as fh:
            return int(re.search(r"VmHWM:\\s*(\\d+)", fh.read()).group(1))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from audit_lib.io.loader import load_register
before = peak_kb()
load_register(sys.argv[1])
print(before, peak_kb())
"""


def load_rss_mb(folder: Path) -> tuple[float, float]:
    """(max RSS after imports, max RSS after one load) in MB, measured in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(folder)], capture_output=True, text=True,
                          check=True)
    before, after = (int(x) / 1024 for x in done.stdout.split())
    return before, after


def bench(folder: Path, runs: int) -> dict[str, float]:
    """Interleave baseline and loader runs; return medians, ratios and peak memory."""
    register = load_register(folder)  # warm-up: imports, taxonomy and country caches
    n_activities = len(register.activities)
    del register
    base, load, floor = [], [], []
    for _ in range(runs):
        base.append(timed(baseline, folder))
        load.append(timed(load_register, folder))
        floor.append(timed(events_only, folder))
    result = {
        "activities": n_activities,
        "megabytes": sum(p.stat().st_size for p in folder.rglob("*.y*ml")) / 1e6,
        "load_wall": statistics.median(w for w, _ in load),
        "load_cpu": statistics.median(c for _, c in load),
        "base_wall": statistics.median(w for w, _ in base),
        "base_cpu": statistics.median(c for _, c in base),
        "floor_wall": statistics.median(w for w, _ in floor),
        "floor_cpu": statistics.median(c for _, c in floor),
        "load_peak_mb": peak_mb(load_register, folder),
        "base_peak_mb": peak_mb(baseline, folder),
    }
    result["rss_imports_mb"], result["rss_load_mb"] = load_rss_mb(folder)
    result["ratio_wall"] = result["load_wall"] / result["base_wall"]
    result["ratio_cpu"] = result["load_cpu"] / result["base_cpu"]
    return result


def report(r: dict[str, float], runs: int) -> str:
    ok_time = "met" if r["load_wall"] < AIM_SECONDS else "MISSED"
    ok_mem = "met" if r["rss_load_mb"] < AIM_MB else "MISSED"
    return "\n".join([
        f"register: {r['activities']:,} activities, {r['megabytes']:.1f} MB of YAML; median of {runs} runs",
        f"load_register        wall {r['load_wall']:7.3f} s   cpu {r['load_cpu']:7.3f} s   "
        f"({r['load_wall'] / r['activities'] * 1e6:.0f} us per activity)",
        f"baseline yaml.load   wall {r['base_wall']:7.3f} s   cpu {r['base_cpu']:7.3f} s   "
        "(CSafeLoader, parse only)",
        f"libyaml events only  wall {r['floor_wall']:7.3f} s   cpu {r['floor_cpu']:7.3f} s   "
        "(the floor for any PyYAML-based reader)",
        f"ratio load/baseline  wall {r['ratio_wall']:7.2f}     cpu {r['ratio_cpu']:7.2f}",
        f"peak memory          load_register {r['load_peak_mb']:.0f} MB, baseline {r['base_peak_mb']:.0f} MB "
        "(tracemalloc, Python allocations)",
        f"process max RSS      {r['rss_load_mb']:.0f} MB for a fresh process that loads it "
        f"({r['rss_imports_mb']:.0f} MB after imports alone)",
        f"aim: < {AIM_SECONDS:.0f} s {ok_time}; < {AIM_MB:.0f} MB {ok_mem}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, help="an existing register to time instead of a synthetic one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ropa-bench-") as tmp:
        folder = args.folder
        if folder is None:
            started = time.perf_counter()
            folder = write_synthetic_register(Path(tmp) / "synthetic", args.activities, args.recipients,
                                              args.seed)
            print(f"generated synthetic register in {time.perf_counter() - started:.1f} s")
        print(report(bench(folder, args.runs), args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
