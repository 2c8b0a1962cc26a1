"""Time the Article 30 workbook export of synthetic registers (10,000 activities by default).

    python benchmarks/bench_export.py [--sizes 1000,10000] [--large] [--runs 1] [--folder DIR]

For each size (activities; recipients a fifth of that; ``--large`` adds 100,000) the register
is loaded once and its transfers and findings are computed once (they have their own
benchmarks). Then, CPU seconds of:

- render: every sheet's cell values built from the register (the text of each Art 30 item,
  recipients, findings, data flows, the machine-readable data sheets);
- formatted write: ``write_sheets`` of those values (safety checks, overflow, styles,
  widths, frozen headers, tables, print setup, atomic rename), plain cells written as XML
  text (``audit_lib.export.stream.RawRowStream``, openpyxl 3.1 with et_xmlfile 2.x);
- the same write through openpyxl's documented write-only API only (``RowStream``: what
  runs with et_xmlfile 1.x or lxml), and with every cell given its own format (``fast=False``);
- export = render + formatted write: what ``ropa export`` does after loading and auditing.

Baseline, in the same run: a plain openpyxl write-only dump of the same cell values in the
same sheets (``ws.append`` of each row, no styles, no checks). Ratios are CPU time (robust on a
busy machine). Aim: formatted write within 1.3x of the raw dump, and a process peak under
500 MB at 10,000 activities. The slope is d log(time) / d log(activities) between the sizes
(1.0 is linear). Memory: the process's peak resident set and, in a separate untimed run, the
tracemalloc peak of the export itself. The collector is frozen after loading (``gc.freeze()``).

Large registers get no diagram (too many parties), so the data-flow diagram is timed apart on
the MobiKin sample register: drawing it, and embedding it (export with and without it).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import math
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from openpyxl import Workbook

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.export import stream  # noqa: E402
from audit_lib.export.context import build_context  # noqa: E402
from audit_lib.export.sheet import Sheet, plain  # noqa: E402
from audit_lib.export.workbook import TITLE, layout_sheets, write_workbook  # noqa: E402
from audit_lib.export.xlsx import write_sheets  # noqa: E402
from audit_lib.io.loader import load_register  # noqa: E402
from benchmarks.synthetic import write_synthetic_register  # noqa: E402

AIM_RATIO = 1.3
AIM_MB = 500
AS_OF = dt.date(2026, 11, 23)
SAMPLE = Path(__file__).resolve().parent.parent / "ropa" / "mobikin"


def timed(func, *args, **kwargs):
    """(result, wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def render(ctx) -> list[tuple[Sheet, list[list]]]:
    """Every sheet with its rows built (the values the workbook will hold)."""
    return [(sheet, [list(row) for row in sheet.rows]) for sheet in layout_sheets(ctx, "standard")]


def formatted(rendered, path: Path, fast: bool = True):
    sheets = [dataclasses.replace(s, rows=rows) for s, rows in rendered]
    return write_sheets(sheets, path, title=TITLE, fast=fast)


def documented(rendered, path: Path):
    """The formatted write with the documented openpyxl row writer only (as under et_xmlfile 1.x)."""
    saved = stream.raw_supported
    stream.raw_supported = lambda ws: False
    try:
        return formatted(rendered, path)
    finally:
        stream.raw_supported = saved


def export(ctx, path: Path):
    return formatted(render(ctx), path)


def raw_dump(values: list[tuple[str, list[list]]], path: Path) -> None:
    """The baseline: the same cell values, appended to write-only sheets, nothing else."""
    wb = Workbook(write_only=True)
    for name, rows in values:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def plain_values(rendered) -> list[tuple[str, list[list]]]:
    out = []
    for sheet, rows in rendered:
        table = [[plain(v) for v in r] for r in sheet.preamble]
        table += [[]] if sheet.preamble else []
        table += [sheet.headers] + [[plain(v) for v in r] for r in rows]
        out.append((sheet.name, table))
    return out


KEYS = (("raw", "raw openpyxl write-only dump (baseline)"), ("render", "render cell values"),
        ("formatted", "formatted write of those values"),
        ("documented", "  same, documented openpyxl API only"),
        ("slow", "  same, every cell its own format"),
        ("export", "export = render + formatted write"))


def measure(activities: int, recipients: int, seed: int, runs: int, out: Path, folder: Path | None):
    """Median (wall, CPU) seconds of each step of KEYS, and figures of the workbook and memory."""
    folder = folder or out / f"synthetic-{activities}"
    if not (folder / "organisation.yaml").exists():
        write_synthetic_register(folder, activities, recipients, seed)
    register, load_wall, _ = timed(load_register, folder)
    ctx, ctx_wall, _ = timed(build_context, register, AS_OF)
    gc.collect()
    gc.freeze()
    runs_of: dict[str, list[tuple[float, float]]] = {k: [] for k, _ in KEYS}
    report = None
    for _ in range(runs):
        rendered, wall, cpu = timed(render, ctx)
        runs_of["render"].append((wall, cpu))
        values = plain_values(rendered)
        for key, step, step_args in (("raw", raw_dump, (values, out / "raw.xlsx")),
                                     ("formatted", formatted, (rendered, out / "formatted.xlsx")),
                                     ("documented", documented, (rendered, out / "documented.xlsx")),
                                     ("slow", formatted, (rendered, out / "slow.xlsx", False))):
            result, wall, cpu = timed(step, *step_args)
            runs_of[key].append((wall, cpu))
            report = result if key == "formatted" else report
        del rendered, values
        _, wall, cpu = timed(export, ctx, out / "export.xlsx")
        runs_of["export"].append((wall, cpu))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = {name: (out / f"{name}.xlsx").stat().st_size / 2**20 for name in ("export", "raw")}
    tracemalloc.start()
    export(ctx, out / "traced.xlsx")
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.unfreeze()
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in runs_of.items()}
    rows = sum(report.rows.values()) if report else 0
    print(f"\n{len(register.activities)} activities, {len(register.recipients)} recipients: load "
          f"{load_wall:.1f} s, transfers + audit {ctx_wall:.1f} s ({len(ctx.transfers or [])} transfers, "
          f"{len(ctx.findings)} findings)")
    print(f"workbook: {len(report.sheets)} sheets, {rows} rows, {report.overflow_cells} cells continued on "
          f"Overflow; file {sizes['export']:.1f} MB (raw dump {sizes['raw']:.1f} MB)")
    print(f"median of {runs} run(s): wall s / CPU s (ratio to the raw dump, CPU)")
    raw_cpu = med["raw"][1]
    for key, label in KEYS:
        wall, cpu = med[key]
        print(f"   {label:<42} {wall:7.2f} / {cpu:7.2f}  ({cpu / raw_cpu:.2f}x)")
    print(f"memory: process peak {peak_rss:.0f} MB; export's own tracemalloc peak "
          f"{traced_peak / 2**20:.0f} MB")
    return med, peak_rss, traced_peak


def diagram_cost(runs: int, out: Path) -> None:
    """The data-flow diagram on the MobiKin sample: drawing it, and the export with and without it."""
    register = load_register(SAMPLE)
    results = {}
    for key, diagram in (("with", True), ("without", False)):
        cpus = []
        for _ in range(runs):
            _, _, cpu = timed(write_workbook, register, out / f"sample-{key}.xlsx", "standard", AS_OF,
                              diagram=diagram)
            cpus.append(cpu)
        results[key] = statistics.median(cpus)
    ctx = build_context(register, AS_OF)
    _, _, draw_cpu = timed(ctx.diagram_png)
    size = (out / "sample-with.xlsx").stat().st_size - (out / "sample-without.xlsx").stat().st_size
    print(f"\ndiagram (MobiKin sample, CPU s): export with it {results['with']:.2f}, without "
          f"{results['without']:.2f} (+{results['with'] - results['without']:.2f}); drawing the PNG alone "
          f"{draw_cpu:.2f}; the image adds {size / 1024:.0f} KB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="activities per register, comma-separated")
    parser.add_argument("--large", action="store_true", help="also 100,000 activities")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None,
                        help="reuse or keep the synthetic registers here (one folder per size)")
    args = parser.parse_args(argv)
    sizes = sorted({int(n) for n in args.sizes.split(",")} | ({100_000} if args.large else set()))

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for n in sizes:
            folder = args.folder / f"synthetic-{n}" if args.folder else None
            results[n] = measure(n, max(1, n // 5), args.seed, args.runs, out, folder)
        diagram_cost(args.runs, out)

    print()
    for a, b in zip(sizes, sizes[1:], strict=False):
        for key in ("raw", "formatted", "export"):
            slope = math.log(results[b][0][key][1] / results[a][0][key][1]) / math.log(b / a)
            print(f"slope {a} -> {b} activities, {key}: {slope:.2f} (1.0 = linear)")
    main_size = 10_000 if 10_000 in results else sizes[-1]
    med, peak_rss, _ = results[main_size]
    ratio = med["formatted"][1] / med["raw"][1]
    print(f"aim at {main_size} activities: formatted write <= {AIM_RATIO}x raw dump -> "
          f"{'within' if ratio <= AIM_RATIO else 'OVER'} ({ratio:.2f}x; export incl. render "
          f"{med['export'][1] / med['raw'][1]:.2f}x); peak < {AIM_MB} MB -> "
          f"{'within' if peak_rss < AIM_MB else 'OVER'} ({peak_rss:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
