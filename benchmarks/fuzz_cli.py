"""Fuzz the ``ropa`` command: random commands and options on hostile mutations of ropa/dearmob.

    python benchmarks/fuzz_cli.py [--examples 2000] [--seed 0] [--subprocess 0] [--timeout 60]

Each example copies the DearMob sample register, mutates one to three lines of its YAML files
(a scalar replaced by hostile text, numbers, dates, escapes or control characters; a key
deleted or repeated; an explicit tag or a merge key inserted), then runs one command (validate,
audit, transfers, graph, export, notice, crosscheck) with drawn options, in this process through
``audit_lib.cli.main`` (optionally also in a subprocess). Prints the examples tried and the count
of each failure of the user-visible contract: crashes (exit 3 / "internal error"), tracebacks,
hangs, raw control characters, other exit codes, error lines naming no file, Python warnings,
a fresh process disagreeing with this one; then every distinct cause with its smallest
reproducer. The baseline is the unmutated register, run through every command in the same run:
it must give none of these.

Before the issue-18 fixes: 600 CLI runs gave 6 internal errors. On the code the red-team tests were
written against (seed 7, 5,000 examples, 459 s): 400 crashes (exit 3), 95 raw control characters,
1 error line naming no file, 0 tracebacks, 0 hangs, 0 Python warnings, 0 disagreements in 50
fresh processes; the unmutated baseline 0. The causes: explicit YAML tags on a scalar they do
not fit (``!!bool null``: KeyError, ``!!timestamp text``: AttributeError, ``!!int text``,
``!!float null``: ValueError), impossible YAML 1.1 timestamps (``2018-05-24T25:00:00``,
``2026-02-30``, ``0000-01-01``), integers over 4,300 digits, control characters echoed raw in
messages and in ``audit`` tables, a newline echoed inside a one-line message.

tests/test_fuzz_cli.py runs the same strategies under hypothesis with a few hundred examples.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "ropa" / "dearmob"
SEEDS = Path(os.environ.get("ROPA_SEEDS") or ROOT.parent / "shared" / "seeds")
STUB_POLICY = "DearMob uses Google Analytics and 2Checkout to sell software.\n"

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
PY_WARNING_RE = re.compile(r"\.py:\d+: \w*Warning")
KEY_LINE_RE = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?P<value> .*)?$")
GLOBAL_NOTES = ("ropa: note: reference data last checked",)
"""stderr lines about the tool itself, not about the input: they name no file by design."""

# --------------------------------------------------------------------------
# What a mutation can write (YAML source text)
# --------------------------------------------------------------------------

HOSTILE_VALUES = (
    # terminal escapes and control characters, as YAML escapes and raw
    r'"\e[2K\e[1A ok"', r'"a\x01b"', r'"\x7f"', r'"\u202etxt.exe"', r'"\x9b31m"', r'"fake\rok"',
    r'"\0"', r'"tab\tin"', '"\x1b[31m"', "\x85next",
    # YAML 1.1 numbers that are text to a person
    "0301234567", "1.10", "1:20", "1_000", "0x1F", "0o17", "010", "+1", "-0", "1e400", "1e308",
    ".inf", "-.inf", ".nan", "-1", str(10**400), "7" * 5000,
    # dates
    "2026-02-30", "0000-01-01", "9999-12-31", "2018-05-24T25:00:00", "2018-05-24", "1969-12-31",
    # YAML specials
    "~", "null", "yes", "no", "on", "off", "true", "[]", "{}", '""', "''", "[1, [2, [3]]]",
    "{a: 1}", "!!binary aGVsbG8=", "!!python/object/apply:os.system [ls]", "&a x", "*a", "!foo bar",
    "!!timestamp 2018-05-24", "!!float 1", "!!int 12", "!!str 12", "!!null ''",
    # formulas, mathtext, markup
    "'=WEBSERVICE(\"http://x\")'", "'@SUM(1)'", "'a;=1+1'", "'+cmd|'' /C calc''!A0'", "'-2+3'",
    "'$\\undefined$'", '"costs $5 or $10"', "'<script>alert(1)</script>'", "']]>'", "'&amp; &#0;'",
    # size
    "'" + "x" * 100_000 + "'", "'" + "word " * 20_000 + "'",
)

TAGS = ("!!str ", "!!int ", "!!float ", "!!bool ", "!!map ", "!!seq ", "!custom ", "!!timestamp ")


def _yaml_text(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (control characters escaped, the rest raw)."""
    return json.dumps(text, ensure_ascii=False)


hostile_scalar = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(max_size=40).map(_yaml_text),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),  # raw: may not even parse
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.isoformat()),
)
"""YAML source text for one scalar."""


@dataclass(frozen=True)
class Mutation:
    """One edit of one line of one register file."""

    file: str
    line: int  # index into the file's lines
    kind: str  # replace, delete, duplicate, tag, merge
    value: str = ""

    def apply(self, lines: list[str]) -> None:
        if self.line >= len(lines):
            return
        m = KEY_LINE_RE.match(lines[self.line])
        if m is None:
            return
        indent, key, old = m.group("indent"), m.group("key"), (m.group("value") or "").strip()
        bare = " " * len(indent)  # the indentation of a sibling key
        if self.kind == "replace":
            lines[self.line] = f"{indent}{key}: {self.value}"
        elif self.kind == "delete":
            lines[self.line] = indent.rstrip()  # a list item keeps its dash, its other keys follow
        elif self.kind == "duplicate":
            lines.insert(self.line + 1, f"{bare}{key}: {self.value or old or 'x'}")
        elif self.kind == "tag":
            lines[self.line] = f"{indent}{key}: {self.value}{old}"
        elif self.kind == "merge":
            lines.insert(self.line + 1, f"{bare}<<: {{{key}: {self.value or 'merged'}}}")

    def describe(self, source: list[str]) -> str:
        before = source[self.line] if self.line < len(source) else ""
        after = list(source)
        self.apply(after)
        lo, hi = self.line, self.line + (1 if self.kind in ("duplicate", "merge") else 0)
        shown = [line[:120] + ("..." if len(line) > 120 else "") for line in after[lo:hi + 1]]
        return f"{self.file}:{self.line + 1}: {before.strip()[:80]!r} -> {' / '.join(map(repr, shown))}"


def _key_lines() -> dict[str, list[int]]:
    found = {}
    for path in sorted(SAMPLE.glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        found[path.name] = [i for i, line in enumerate(lines) if KEY_LINE_RE.match(line)]
    return found


KEY_LINES = _key_lines()
"""For each sample file, the lines holding a ``key:`` (the places a mutation can hit)."""


@st.composite
def mutations(draw) -> Mutation:
    name = draw(st.sampled_from(sorted(KEY_LINES)))
    line = draw(st.sampled_from(KEY_LINES[name]))
    kind = draw(st.sampled_from(("replace", "replace", "replace", "delete", "duplicate", "tag", "merge")))
    value = {"tag": st.sampled_from(TAGS)}.get(kind, hostile_scalar)
    return Mutation(name, line, kind, draw(value) if kind != "delete" else "")


# --------------------------------------------------------------------------
# Commands and options
# --------------------------------------------------------------------------

COMMANDS = ("validate", "audit", "transfers", "graph", "export", "notice", "crosscheck")
DATES = st.sampled_from(["2018-05-24", "2021-06-27", "2023-07-10", "2020-12-31", "2030-01-01"])


@st.composite
def commands(draw) -> list[str]:
    """argv after ``ropa``, with ``{reg}``, ``{out}`` and ``{policy}`` placeholders."""
    name = draw(st.sampled_from(COMMANDS))
    argv = [name, "{reg}"]
    opt = lambda flag, values: [flag, draw(values)] if draw(st.booleans()) else []  # noqa: E731
    fmt = st.sampled_from(("table", "json", "csv"))
    if name == "audit":
        argv += opt("--format", fmt) + opt("--as-of", DATES)
        argv += opt("--fail-on", st.sampled_from(("high", "medium", "low", "info")))
        argv += ["--assumptions"] if draw(st.integers(0, 4)) == 0 else []
    elif name == "transfers":
        argv += opt("--format", fmt) + opt("--as-of", DATES) + opt("--compare-as-of", DATES)
    elif name == "graph":
        suffix = draw(st.sampled_from(("graphml", "graphml", "json", "json", "svg", "png")))
        argv += ["-o", f"{{out}}/flows.{suffix}"] + opt("--as-of", DATES)
    elif name == "export":
        kind = draw(st.sampled_from(("json", "json", "csv", "fides", "xlsx")))
        target = {"csv": "{out}/csv", "fides": "{out}/fides.yaml"}.get(kind, f"{{out}}/ropa.{kind}")
        argv += ["-o", target, "--format", kind, "--no-diagram"]
        argv += opt("--layout", st.sampled_from(("standard", "ico", "cnil"))) if kind == "xlsx" else []
        argv += opt("--as-of", DATES)
    elif name == "notice":
        argv += ["-o", "{out}/notice.md"] if draw(st.booleans()) else []
        argv += ["--gaps", "{out}/gaps.md"] if draw(st.booleans()) else []
    elif name == "crosscheck":
        argv += ["--policy", "{policy}"] + opt("--format", st.sampled_from(("text", "json")))
    return argv


@dataclass(frozen=True)
class Case:
    """One fuzz example: a command line and the mutations of the register it runs on."""

    argv: tuple[str, ...]
    edits: tuple[Mutation, ...]

    def describe(self) -> str:
        sources = {n: (SAMPLE / n).read_text(encoding="utf-8").split("\n") for n in KEY_LINES}
        lines = [f"ropa {' '.join(self.argv)}"] + [f"  {m.describe(sources[m.file])}" for m in self.edits]
        return "\n".join(lines)


cases = st.builds(
    lambda argv, edits: Case(tuple(argv), tuple(edits)),
    commands(),
    st.lists(mutations(), min_size=1, max_size=3),
)
"""A command on a register with one to three hostile edits."""


# --------------------------------------------------------------------------
# Running a case and judging the outcome
# --------------------------------------------------------------------------


class Hang(BaseException):
    """The command ran past its time limit (not an Exception: main() must not catch it)."""


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    hang: bool = False
    escaped: str = ""  # an exception that escaped main()
    register: Path = field(default_factory=Path)
    names: tuple[str, ...] = ()  # paths and file names a message may name


def prepare(case: Case, workdir: Path) -> tuple[list[str], Path, tuple[str, ...]]:
    """Write the mutated register into ``workdir``; return the argv and what messages may name."""
    reg, out = workdir / "reg", workdir / "out"
    shutil.copytree(SAMPLE, reg)
    out.mkdir()
    by_file: dict[str, list[Mutation]] = {}
    for m in case.edits:
        by_file.setdefault(m.file, []).append(m)
    for name, edits in by_file.items():
        lines = (reg / name).read_text(encoding="utf-8").split("\n")
        for m in sorted(edits, key=lambda m: m.line, reverse=True):
            m.apply(lines)
        (reg / name).write_text("\n".join(lines), encoding="utf-8")
    seed = SEEDS / "dearmob-privacy-policy-2018.md"
    policy = workdir / "policy.md"
    policy.write_text(seed.read_text(encoding="utf-8") if seed.is_file() else STUB_POLICY, encoding="utf-8")
    fill = {"{reg}": str(reg), "{out}": str(out), "{policy}": str(policy)}
    argv = [re.sub(r"\{reg\}|\{out\}|\{policy\}", lambda m: fill[m.group()], a) for a in case.argv]
    names = (str(reg), str(out), str(policy), "policy.md", *KEY_LINES, *[Path(a).name for a in argv[2:]])
    return argv, reg, names


def run_in_process(argv: Sequence[str], timeout: int = 60) -> Outcome:
    """``audit_lib.cli.main(argv)`` with stdout and stderr captured as UTF-8 byte streams."""
    from audit_lib.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")

    def alarm(signum, frame):
        raise Hang

    # keep any timer already set (pytest-timeout uses SIGALRM too): restore it afterwards
    previous, (pending, _) = signal.signal(signal.SIGALRM, alarm), signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    code: int | None
    hang, escaped = False, ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("default")
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Hang:
        code, hang = None, True
    except BaseException as exc:  # noqa: BLE001 - anything escaping main() is a finding
        code, escaped = None, f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if pending:
            signal.setitimer(signal.ITIMER_REAL, max(pending - (time.monotonic() - started), 0.001))
    texts = []
    for stream in (out, err):
        with contextlib.suppress(Exception):
            stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
    return Outcome(code, texts[0], texts[1], hang, escaped)


def run_subprocess(argv: Sequence[str], timeout: int = 60) -> Outcome:
    """The same command in a fresh ``python -m audit_lib.cli`` process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    try:
        proc = subprocess.run([sys.executable, "-m", "audit_lib.cli", *argv], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return Outcome(None, "", "", hang=True)
    text = [b.decode("utf-8", "replace") for b in (proc.stdout, proc.stderr)]
    return Outcome(proc.returncode, *text)


INVALID_CODE = {"audit": 2, "crosscheck": 2}
"""The exit code of an invalid register, where it is not 1."""


def _normalise(text: str, names: Sequence[str]) -> str:
    for name in names[:3]:
        text = text.replace(name, "<path>")
    text = re.sub(r"/tmp/[^\s:'\"]+", "<path>", text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", text)  # the value echoed: not part of the cause
    text = re.sub(r"\d+", "N", text).replace(" (run with --debug for details)", "")
    return text[:160]


def judge(command: str, outcome: Outcome, names: Sequence[str]) -> list[tuple[str, str]]:
    """Every broken promise of one run: (kind, cause), the cause normalised so that runs failing
    for the same reason share it."""
    found = []
    both = outcome.out + outcome.err
    if outcome.hang:
        found.append(("hang", f"{command}: no answer"))
    if outcome.escaped:
        found.append(("traceback", f"{command}: escaped main(): {_normalise(outcome.escaped, names)}"))
    for line in outcome.err.split("\n"):
        if "internal error" in line.lower():
            found.append(("crash", f"{command}: {_normalise(line, names)}"))
            break
    if outcome.code == 3 and not any(k == "crash" for k, _ in found):
        found.append(("crash", f"{command}: exit 3"))
    if "Traceback" in both:
        last = [ln for ln in both.split("\n") if ln and not ln.startswith((" ", "Traceback"))]
        found.append(("traceback", f"{command}: {_normalise(last[-1] if last else '?', names)}"))
    bad = CONTROL_RE.search(both)
    if bad:
        stream = "stdout" if CONTROL_RE.search(outcome.out) else "stderr"
        found.append(("control", f"{command}: raw {bad.group()!r} on {stream}"))
    if PY_WARNING_RE.search(outcome.err):
        line = next(ln for ln in outcome.err.split("\n") if PY_WARNING_RE.search(ln))
        found.append(("warning", f"{command}: {_normalise(line.split(': ', 1)[-1], names)}"))
    if outcome.code is not None and outcome.code not in (0, 1, 2) and outcome.code != 3:
        found.append(("exit", f"{command}: exit {outcome.code}"))
    if outcome.code == INVALID_CODE.get(command, 1) and not found:
        for line in outcome.err.split("\n"):
            if line.strip() and not line.startswith(GLOBAL_NOTES) and not any(n in line for n in names):
                found.append(("unnamed", f"{command}: {_normalise(line, names)}"))
                break
    return found


Finding = tuple[str, str]
"""(kind, cause): what broke and why, normalised so that runs failing alike share it."""


def check(case: Case, subprocess_too: bool = False, timeout: int = 60) -> tuple[list[Finding], Outcome]:
    """Run one case (in this process, and optionally in a fresh one); return its findings."""
    with tempfile.TemporaryDirectory(prefix="ropa-fuzz-") as tmp:
        argv, reg, names = prepare(case, Path(tmp))
        outcome = run_in_process(argv, timeout)
        found = judge(case.argv[0], outcome, names)
        if subprocess_too:
            fresh = run_subprocess(argv, timeout)
            found += [(k, f"{c} (fresh process)") for k, c in judge(case.argv[0], fresh, names)]
            if not fresh.hang and not outcome.hang and fresh.code != outcome.code:
                found.append(("disagree", f"{case.argv[0]}: exit {outcome.code} in process, "
                                          f"{fresh.code} in a fresh one"))
    return found, outcome


# --------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------

KINDS = ("crash", "traceback", "hang", "control", "exit", "unnamed", "warning", "disagree")
LABELS = {"crash": "crashes (exit 3)", "traceback": "tracebacks", "hang": "hangs",
          "control": "raw control characters", "exit": "other exit codes",
          "unnamed": "error lines naming no file", "warning": "Python warnings shown",
          "disagree": "fresh process disagrees"}


def baseline_findings() -> list[tuple[str, str]]:
    """Every command on the unmutated register: the tool's own noise, if any."""
    found = []
    for argv in (["validate", "{reg}"], ["audit", "{reg}", "--format", "csv"], ["transfers", "{reg}"],
                 ["graph", "{reg}", "-o", "{out}/flows.graphml"], ["export", "{reg}", "-o", "{out}/r.json"],
                 ["notice", "{reg}", "--gaps", "{out}/gaps.md"],
                 ["crosscheck", "{reg}", "--policy", "{policy}"]):
        found += check(Case(tuple(argv), ()))[0]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subprocess", type=int, default=0, help="also run every Nth example in a fresh process")
    p.add_argument("--timeout", type=int, default=60, help="seconds before a run counts as a hang")
    args = p.parse_args(argv)

    start = time.perf_counter()
    base = baseline_findings()
    counts = dict.fromkeys(KINDS, 0)
    causes: dict[Finding, tuple[int, set[str], str]] = {}  # -> (count, commands, smallest reproducer)
    tried = [0]

    @seed(args.seed)
    @settings(max_examples=args.examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def explore(case: Case) -> None:
        tried[0] += 1
        sub = bool(args.subprocess) and tried[0] % args.subprocess == 0
        found, _ = check(case, subprocess_too=sub, timeout=args.timeout)
        for kind in {k for k, _ in found}:
            counts[kind] += 1
        for kind, cause in set(found):
            command, _, why = cause.partition(": ")
            n, where, shown = causes.get((kind, why), (0, set(), ""))
            text = case.describe()
            smallest = text if not shown or len(text) < len(shown) else shown
            causes[kind, why] = (n + 1, where | {command}, smallest)
        if tried[0] % 100 == 0:
            print(f"  ... {tried[0]} examples, {sum(counts.values())} findings", file=sys.stderr, flush=True)

    explore()
    elapsed = time.perf_counter() - start

    print(f"baseline (unmutated DearMob, 7 commands): {len(base)} findings")
    for kind, cause in base:
        print(f"  [{kind}] {cause}")
    print(f"examples tried: {tried[0]} in {elapsed:.0f} s ({elapsed / max(tried[0], 1):.2f} s each)")
    for kind in KINDS:
        print(f"{LABELS[kind]:>28}: {counts[kind]}")
    print(f"\ndistinct causes: {len(causes)}")
    order = sorted(causes.items(), key=lambda kv: (KINDS.index(kv[0][0]), -kv[1][0]))
    for (kind, cause), (n, where, repro) in order:
        print(f"\n[{kind}] x{n} ({', '.join(sorted(where))})  {cause}\n{repro}")
    return 1 if causes or base else 0


if __name__ == "__main__":
    sys.exit(main())
