"""Kill ``ropa export`` and ``ropa import-xlsx`` with SIGKILL at random moments; count the damage.

    python benchmarks/kill_test.py [--kills 200] [--seed 0] [--register tests/data/minimal]

Each round starts the command in a subprocess, kills it (``kill -9``) after a random delay
between 0 and 1.2x the time one uninterrupted run takes (measured first, in the same run),
and checks the target: absent or old, or a complete valid workbook / register folder. It
counts the temporary entries left beside the target (a killed process cannot remove its
own), then runs the command once more to the end and counts what is left after it (the tool
removes the temporaries of writers that are gone). Printed: kills, corrupt targets, partial
files left by the kills, partial files left after the next successful run. POSIX only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ropa(*args: str) -> list[str]:
    return [sys.executable, "-m", "audit_lib.cli", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def temporaries(target: Path) -> list[str]:
    """Hidden entries beside ``target`` named after it: the writers' temporaries (``.NAME.ropa-part-...``
    now, ``.NAME.xxxx.part`` before), which only a kill can leave."""
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}."))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Case:
    """One command writing one target, and how to tell a good target from a damaged one."""

    name: str
    command: list[str]
    target: Path
    old: dict[str, bytes] | bytes | None = None

    def state(self) -> str:
        """'absent', 'old', 'new' (complete and valid) or 'corrupt: why'."""
        from audit_lib.io.import_xlsx import WorkbookError, read_records
        from audit_lib.io.loader import RegisterError, load_register

        if not self.target.exists():
            return "absent" if self.old is None else "corrupt: the old target is gone"
        if self.target.is_dir():
            if _tree(self.target) == self.old:
                return "old"
            try:
                load_register(self.target)
            except RegisterError as exc:
                return f"corrupt: {exc.issues[0]}"
            return "new"
        if self.target.read_bytes() == self.old:
            return "old"
        try:
            read_records(self.target)
        except WorkbookError as exc:
            return f"corrupt: {exc.lines[0]}"
        return "new"


@dataclass
class Tally:
    kills: int = 0
    corrupt: list[str] = field(default_factory=list)
    left_by_kills: int = 0
    left_after_next_run: int = 0
    states: dict[str, int] = field(default_factory=dict)


def _watch(proc: subprocess.Popen, target: Path) -> float | None:
    """Poll until the process's first temporary appears beside ``target``: that moment, or None."""
    while proc.poll() is None:
        if temporaries(target):
            return time.perf_counter()
        time.sleep(0.001)
    return None


def run_to_end(case: Case) -> tuple[float, float]:
    """Run the command to the end: (its duration, the time its temporary exists before the rename)."""
    start = time.perf_counter()
    proc = subprocess.Popen(case.command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = _watch(proc, case.target)
    while seen is not None and proc.poll() is None and temporaries(case.target):
        time.sleep(0.001)
    renamed = time.perf_counter()
    _, err = proc.communicate()
    end = time.perf_counter()
    if proc.returncode != 0:
        raise RuntimeError(f"{case.name} failed: {err.decode(errors='replace')}")
    return end - start, renamed - (seen or start)


def kill_rounds(case: Case, kills: int, rng: random.Random, tally: Tally, writing: float = 0.5) -> Tally:
    """``kills`` rounds of start, SIGKILL, check; then one run to the end.

    A share ``writing`` of the kills lands while the command writes (a random moment after its
    temporary appears, within 1.2x the time it existed in a full run); the others at a random
    moment within 1.2x the duration of a full run.
    """
    duration, write_time = run_to_end(case)
    if case.old is not None:  # keep a known-good old target to compare with
        case.old = _tree(case.target) if case.target.is_dir() else case.target.read_bytes()
    for i in range(kills):
        before = set(temporaries(case.target))
        proc = subprocess.Popen(case.command, env=_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if i < kills * writing and _watch(proc, case.target) is not None:
            time.sleep(rng.uniform(0, 1.2 * write_time))
        elif i >= kills * writing:
            time.sleep(rng.uniform(0, 1.2 * duration))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        tally.kills += 1
        state = case.state()
        tally.states[state.split(":")[0]] = tally.states.get(state.split(":")[0], 0) + 1
        if state.startswith("corrupt"):
            tally.corrupt.append(f"{case.name}: {state}")
        tally.left_by_kills += len(set(temporaries(case.target)) - before)
        if state == "new" and case.old is not None:  # the run finished: what is there now is the baseline
            case.old = _tree(case.target) if case.target.is_dir() else case.target.read_bytes()
    run_to_end(case)
    tally.left_after_next_run += len(temporaries(case.target))
    return tally


def export_case(work: Path, register: Path) -> Case:
    """``ropa export`` over an existing workbook."""
    workbook = work / "out" / "ropa.xlsx"
    workbook.parent.mkdir(parents=True, exist_ok=True)
    return Case("ropa export", ropa("export", str(register), "-o", str(workbook)), workbook, old=b"")


def import_case(work: Path, register: Path) -> Case:
    """``ropa import-xlsx --force`` of the register's workbook over a copy of the register folder."""
    folder = work / "registers" / "org"
    shutil.copytree(register, folder)
    source = work / "source.xlsx"
    subprocess.run(ropa("export", str(register), "-o", str(source)), env=_env(), check=True,
                   capture_output=True)
    return Case("ropa import-xlsx", ropa("import-xlsx", str(source), "-o", str(folder), "--force"), folder,
                old={})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200, help="kills per command")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--register", type=Path, default=ROOT / "tests" / "data" / "minimal")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        for make in (export_case, import_case):
            kill_rounds(make(Path(tmp), args.register), args.kills, rng, tally)
    print(f"kills: {tally.kills} (target after the kill: "
          + ", ".join(f"{k} {n}" for k, n in sorted(tally.states.items())) + ")")
    print(f"corrupt targets: {len(tally.corrupt)}")
    for line in tally.corrupt[:10]:
        print(f"   {line}")
    print(f"partial files left by the kills (summed over rounds): {tally.left_by_kills}")
    print(f"partial files left after the next successful run: {tally.left_after_next_run}")
    return 1 if tally.corrupt or tally.left_after_next_run else 0


if __name__ == "__main__":
    sys.exit(main())
