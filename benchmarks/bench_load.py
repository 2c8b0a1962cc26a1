"""Time ``load_register`` on a synthetic 10,000-activity register against plain PyYAML.

    python benchmarks/bench_load.py [--activities 10000] [--recipients 2000] [--runs 5] [--folder DIR]
    python benchmarks/bench_load.py --sizes 1000,10000,100000 [--big-mb 60] [--runs 3]

``--sizes``: cold (``ROPA_NO_CACHE=1``) and warm-cache loads at each size, each against the
baseline of the same files in the same run, the peak RSS of a fresh process doing a cold
load (and of one running the baseline), and the slope (time per activity from one size to
the next: linear when it stays flat). ``--big-mb 60``: the same for one activities file of
about that many MB (under the 64 MB limit for one file). A register whose activities exceed
the limit is split into an ``activities/`` folder of files.

Baseline, measured in the same run on the same files: ``yaml.load(text, Loader=yaml.CSafeLoader)``
of every YAML file (parsing only: no validation, no cross-reference checks, no line numbers).
Prints the median wall and CPU time of each, their ratio and the peak memory of one load.
Aim: under 1 s and under 500 MB for 10,000 activities.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
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
load_register(__import__("pathlib").Path(sys.argv[1]))
print(before, peak_kb())
"""


_BASE_RSS_SCRIPT = _RSS_SCRIPT.replace("from audit_lib.io.loader import load_register",
                                      "from benchmarks.bench_load import baseline as load_register")


def load_rss_mb(folder: Path, script: str = _RSS_SCRIPT) -> tuple[float, float]:
    """(max RSS after imports, max RSS after one load) in MB, measured in a fresh process
    (``script``: the baseline's instead)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True,
                          check=True, env=env)
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


def _split_activities(folder: Path, limit: int) -> None:
    """Move activities.yaml into activities/ files under ``limit`` bytes each (split at records)."""
    path = folder / "activities.yaml"
    if not path.exists() or path.stat().st_size <= limit:  # synthetic.py splits large registers itself
        return
    text = path.read_text(encoding="utf-8")
    starts = [0] + [i + 1 for i in range(len(text) - 1) if text[i] == "\n" and text[i + 1] == "-"]
    (folder / "activities").mkdir()
    part, begin = 0, 0
    for end in [*starts[1:], len(text)]:
        if end - begin > limit // 2:
            (folder / "activities" / f"part-{part:03d}.yaml").write_text(text[begin:end], encoding="utf-8")
            part, begin = part + 1, end
    if begin < len(text):
        (folder / "activities" / f"part-{part:03d}.yaml").write_text(text[begin:], encoding="utf-8")
    path.unlink()


def _register(base: Path, activities: int, recipients: int, seed: int) -> Path:
    from audit_lib.io.loader import MAX_FILE_BYTES

    folder = write_synthetic_register(base / f"synthetic-{activities}", activities, recipients, seed)
    _split_activities(folder, MAX_FILE_BYTES)
    return folder


def _activities_for_mb(megabytes: float, recipients: int, seed: int, base: Path) -> int:
    """Activities that make an activities.yaml of about ``megabytes`` (measured on a small sample)."""
    probe = write_synthetic_register(base / "probe", 2000, recipients, seed)
    per_activity = (probe / "activities.yaml").stat().st_size / 2000
    return int(megabytes * 1e6 / per_activity)


def cold_and_warm(folder: Path, runs: int, cache_dir: Path) -> dict[str, float]:
    """Medians of baseline, cold load (no cache) and warm load (cache filled), and a fresh process's RSS."""
    os.environ["ROPA_CACHE_DIR"] = str(cache_dir)
    os.environ["ROPA_NO_CACHE"] = "1"
    base, cold, warm = [], [], []
    for _ in range(runs):
        base.append(timed(baseline, folder)[0])
        cold.append(timed(load_register, folder)[0])
    os.environ["ROPA_NO_CACHE"] = "0"
    load_register(folder)  # fills the cache
    for _ in range(runs):
        warm.append(timed(load_register, folder)[0])
    os.environ["ROPA_NO_CACHE"] = "1"
    before, after = load_rss_mb(folder)
    r = {"base": statistics.median(base), "cold": statistics.median(cold), "warm": statistics.median(warm),
         "rss_mb": after, "rss_imports_mb": before, "base_rss_mb": load_rss_mb(folder, _BASE_RSS_SCRIPT)[1],
         "megabytes": sum(p.stat().st_size for p in folder.rglob("*.y*ml")) / 1e6}
    r["cold_ratio"], r["warm_ratio"] = r["cold"] / r["base"], r["warm"] / r["base"]
    return r


def sized_report(rows: list[tuple[str, int, dict[str, float]]], runs: int) -> str:
    lines = [f"median of {runs} runs; baseline = yaml.load(CSafeLoader) of the same files in the same run",
             f"{'register':>22} {'MB':>6} {'baseline':>9} {'cold':>8} {'ratio':>6} {'warm':>8} {'ratio':>6} "
             f"{'RSS cold':>9} {'RSS base':>9} {'us/act cold':>11} {'slope':>6}"]
    previous = None
    for name, n, r in rows:
        per = r["cold"] / n * 1e6
        slope = f"{per / previous:6.2f}" if previous else "     -"
        previous = per
        lines.append(f"{name:>22} {r['megabytes']:6.1f} {r['base']:8.3f}s {r['cold']:7.3f}s "
                     f"{r['cold_ratio']:6.2f} {r['warm']:7.3f}s {r['warm_ratio']:6.2f} {r['rss_mb']:7.0f}MB "
                     f"{r['base_rss_mb']:7.0f}MB "
                     f"{per:11.0f} {slope}")
    lines.append("slope: cold time per activity relative to the row above (1.00 = linear). "
                 f"aim at 10,000: cold or warm < {AIM_SECONDS:.0f} s, RSS < {AIM_MB:.0f} MB; "
                 "60 MB: well under 1 GB")
    return "\n".join(lines)


def main_sized(args: argparse.Namespace) -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ropa-bench-") as tmp:
        base = Path(tmp)
        load_register(_register(base, 50, 10, args.seed))  # warm-up: imports, taxonomy and country caches
        cases = [(f"{n:,} activities", n) for n in args.sizes]
        if args.big_mb:
            n = _activities_for_mb(args.big_mb, args.recipients, args.seed, base)
            cases.append((f"{args.big_mb:g} MB, one file", n))
        for name, n in cases:
            folder = _register(base, n, args.recipients, args.seed)
            rows.append((name, n, cold_and_warm(folder, args.runs, base / f"cache-{n}")))
            print(f"measured {name}", flush=True)
            shutil.rmtree(folder)
    print(sized_report(rows, args.runs))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, help="an existing register to time instead of a synthetic one")
    parser.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")],
                        help="cold/warm/memory at these numbers of activities, e.g. 1000,10000,100000")
    parser.add_argument("--big-mb", type=float, default=0,
                        help="with --sizes: also one activities file of this size")
    args = parser.parse_args(argv)
    if args.sizes or args.big_mb:
        args.sizes = args.sizes or []
        return main_sized(args)
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
