"""Time ``import-xlsx`` of the workbook exported from a synthetic 10,000-activity register.

    python benchmarks/bench_import.py [--activities 10000] [--recipients 2000] [--runs 1] [--folder DIR]

The register is loaded once and its transfers and findings are computed once (they have
their own benchmarks). Then, in the same run:

- baseline, export: ``write_workbook`` of that register with the review already built
  (render every sheet and write the workbook: what ``ropa export`` does after the audit);
- import: ``import_xlsx`` of that workbook into a new folder: read the sheets the import
  needs (every cell typed or refused), validate the records, write the YAML, load it as a
  register, compare the visible sheets with what the records render, swap the folder in.

Ratios are CPU time (robust on a busy machine), wall time is shown too. Aim: import within
2x the export (issue 17: a 3.3 MB workbook took 89 s to import).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.export import write_workbook  # noqa: E402
from audit_lib.io.import_xlsx import import_xlsx  # noqa: E402
from audit_lib.io.loader import load_register  # noqa: E402
from audit_lib.review import review as build_review  # noqa: E402
from benchmarks.synthetic import write_synthetic_register  # noqa: E402

AIM_RATIO = 2.0
AS_OF = dt.date(2026, 11, 23)


def timed(func, *args, **kwargs):
    """(result, wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


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
        register = load_register(folder)
        review = build_review(register, AS_OF)
        gc.collect()
        runs: dict[str, list[tuple[float, float]]] = {"export": [], "import": []}
        result = None
        xlsx = out / "ropa.xlsx"
        for _ in range(args.runs):
            _, wall, cpu = timed(write_workbook, register, xlsx, as_of=AS_OF, diagram=False, review=review)
            runs["export"].append((wall, cpu))
            shutil.rmtree(out / "imported", ignore_errors=True)
            gc.collect()
            result, wall, cpu = timed(import_xlsx, xlsx, out / "imported")
            runs["import"].append((wall, cpu))
        size = xlsx.stat().st_size / 2**20

    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in runs.items()}
    print(f"register: {len(register.activities)} activities, {len(register.recipients)} recipients; "
          f"workbook {size:.1f} MB; {result.records} records imported")
    print(f"median of {args.runs} run(s): wall s / CPU s (ratio to the export, CPU)")
    for key, label in (("export", "export: write_workbook (baseline)"),
                       ("import", "import-xlsx into a new folder")):
        wall, cpu = med[key]
        print(f"   {label:<42} {wall:7.2f} / {cpu:7.2f}  ({cpu / med['export'][1]:.2f}x)")
    ratio = med["import"][1] / med["export"][1]
    within = "within" if ratio <= AIM_RATIO else "OVER"
    print(f"aim: import <= {AIM_RATIO}x export -> {within} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
