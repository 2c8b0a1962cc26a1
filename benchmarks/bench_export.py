"""Time the Article 30 workbook export of a synthetic 10,000-activity register.

    python benchmarks/bench_export.py [--activities 10000] [--recipients 2000] [--runs 1] [--folder DIR]

The register is loaded once and its transfers and findings are computed once (they come
from ``audit_lib.flows`` and ``audit_lib.audit`` and have their own benchmarks). Then:

- render: every sheet's cell values built from the register (the text of each Art 30 item,
  recipients, findings, data flows, the machine-readable data sheets);
- formatted write: ``write_sheets`` of those values (safety checks, overflow, styles,
  widths, frozen headers, tables, print setup, atomic rename); plain cells' XML is written
  directly (``audit_lib.export.stream``), and for comparison the same write with every
  cell through openpyxl (``fast=False``) is timed too;
- export = render + formatted write: what ``ropa export`` does after loading and auditing.

Baseline, in the same run: a plain openpyxl write-only dump of the same cell values
(``ws.append`` of each row, no styles, no checks). Ratios are CPU time (robust on a busy
machine). Aim: export within 1.3x of the raw dump, and a process peak under 500 MB.
Memory: the process's peak resident set (register loaded, export and baseline run) and,
in a separate untimed run, the tracemalloc peak of the export itself.
The collector is frozen after loading (``gc.freeze()``), for the export and the baseline alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
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

from audit_lib.export.context import build_context  # noqa: E402
from audit_lib.export.sheet import Sheet, plain  # noqa: E402
from audit_lib.export.workbook import TITLE, layout_sheets  # noqa: E402
from audit_lib.export.xlsx import write_sheets  # noqa: E402
from audit_lib.io.loader import load_register  # noqa: E402
from benchmarks.synthetic import write_synthetic_register  # noqa: E402

AIM_RATIO = 1.3
AIM_MB = 500
AS_OF = dt.date(2026, 11, 23)


def timed(func, *args):
    """(result, wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def render(ctx) -> list[tuple[Sheet, list[list]]]:
    """Every sheet with its rows built (the values the workbook will hold)."""
    return [(sheet, [list(row) for row in sheet.rows]) for sheet in layout_sheets(ctx, "standard")]


def formatted(rendered, path: Path, fast: bool = True):
    sheets = [Sheet(s.name, s.columns, rows, title=s.title, preamble=s.preamble, kind=s.kind, hidden=s.hidden,
                    image_png=s.image_png, image_anchor=s.image_anchor, freeze_columns=s.freeze_columns)
              for s, rows in rendered]
    return write_sheets(sheets, path, title=TITLE, fast=fast)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None, help="reuse or keep the synthetic register here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        folder = args.folder or out / "synthetic"
        if not (folder / "organisation.yaml").exists():
            write_synthetic_register(folder, args.activities, args.recipients, args.seed)
        register, load_wall, _ = timed(load_register, folder)
        rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ctx, ctx_wall, ctx_cpu = timed(build_context, register, AS_OF)
        gc.collect()
        gc.freeze()

        runs: dict[str, list[tuple[float, float]]] = {"render": [], "formatted": [], "slow": [], "export": [],
                                                      "raw": []}
        report = None
        for _ in range(args.runs):
            rendered, wall, cpu = timed(render, ctx)
            runs["render"].append((wall, cpu))
            report, wall, cpu = timed(formatted, rendered, out / "formatted.xlsx")
            runs["formatted"].append((wall, cpu))
            _, wall, cpu = timed(formatted, rendered, out / "slow.xlsx", False)
            runs["slow"].append((wall, cpu))
            _, wall, cpu = timed(export, ctx, out / "export.xlsx")
            runs["export"].append((wall, cpu))
            values = plain_values(rendered)
            _, wall, cpu = timed(raw_dump, values, out / "raw.xlsx")
            runs["raw"].append((wall, cpu))
            del rendered, values
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sizes = {name: (out / f"{name}.xlsx").stat().st_size / 2**20 for name in ("export", "raw")}

        tracemalloc.start()
        export(ctx, out / "traced.xlsx")
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        gc.unfreeze()

    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in runs.items()}
    cells = sum(report.rows.values()) if report else 0
    print(f"register: {len(register.activities)} activities, {len(register.recipients)} recipients; "
          f"load {load_wall:.1f} s, transfers + audit {ctx_wall:.1f} s "
          f"({len(ctx.transfers or [])} transfers, {len(ctx.findings)} findings)")
    print(f"workbook: {len(report.sheets)} sheets, {cells} rows, {report.overflow_cells} cells continued on "
          f"Overflow; file {sizes['export']:.1f} MB (raw dump {sizes['raw']:.1f} MB)")
    print(f"median of {args.runs} run(s): wall s / CPU s (ratio to the raw dump, CPU)")
    raw_cpu = med["raw"][1]
    for key, label in (("raw", "raw openpyxl write-only dump (baseline)"), ("render", "render cell values"),
                       ("formatted", "formatted write of those values"),
                       ("slow", "  same, every cell through openpyxl"),
                       ("export", "export = render + formatted write")):
        wall, cpu = med[key]
        print(f"   {label:<42} {wall:7.2f} / {cpu:7.2f}  ({cpu / raw_cpu:.2f}x)")
    ratio = med["export"][1] / raw_cpu
    print(f"memory: RSS after load {rss_loaded:.0f} MB, process peak {peak_rss:.0f} MB; "
          f"export's own tracemalloc peak {traced_peak / 2**20:.0f} MB")
    within = "within" if ratio <= AIM_RATIO else "OVER"
    print(f"aim: export <= {AIM_RATIO}x raw dump -> {within} ({ratio:.2f}x); "
          f"peak < {AIM_MB} MB -> {'within' if peak_rss < AIM_MB else 'OVER'} ({peak_rss:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
