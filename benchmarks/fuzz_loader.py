"""Fuzz ``load_register`` with hypothesis: every input must give a register or a RegisterError.

    python benchmarks/fuzz_loader.py [--examples 3500] [--seed 0] [--timeout 5]

One register file of a small valid register (``tests/data/minimal``) is replaced by a
generated text: random YAML-ish text, a mutated file of the sample registers
(``ropa/mobikin``, ``ropa/dearmob``), random bytes, deep nesting, huge numbers, control
characters, tags and merge keys. An example *crashes* when anything but RegisterError
escapes, or an issue names no file; it *hangs* when it takes over ``--timeout`` seconds
(SIGALRM). Prints examples tried / crashes (grouped by cause) / hangs.
Before the hostile-reader work: 3,500 examples gave 119 crashes from 2 causes and 50 hangs.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import audit_lib.io.loader as loader  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "minimal"
SAMPLES = sorted((ROOT / "ropa").glob("*/*.yaml"))
TARGETS = ("organisation.yaml", "activities.yaml", "systems.yaml", "recipients.yaml", "security.yaml")
FILE_LIMIT = 256 * 1024
"""The file size limit while fuzzing: keeps every example small and quick."""

# -- strategies ---------------------------------------------------------------------------------

_YAML_CHARS = "-:[]{},#&*!|>'\"%@`?~<=. \n\t0123456789eExXoO+_abcdefghijklmnopqrstuvwxyzNOYnyTF"
_FRAGMENTS = [
    "- ", ": ", "\n", "\n  ", "\n    - ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!python/object:os.system ",
    "!!str ", "!!int ", "!!binary ", "!custom ", "! ", "<<: ", "<<: {name: x}", "? ", "--- ", "...\n",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "'", '"', '"\\e[31m"', '"\\x9b"', '"\\x00"', '"\\u2028"',
    "0301234567", "1.10", "1:20", "1_000", "0o17", "0x1F", "017", ".inf", ".nan", "1e400", "-0",
    "9" * 400, "9" * 5000, "2026-02-30", "2026-06-01 10:30:00", "~", "null", "NO", "yes", "true",
    "id: ", "name: ", "employees: ", "last_reviewed: ", "countries: ", "recipients: ", "country: ",
    "data_categories: ", "purposes: ", "legal_basis: ", "\t", "\r\n", "\ufeff", "\x85", "\x1b[2J",
    "é", "€", "\U0001f600",
]

yaml_text = st.text(alphabet=_YAML_CHARS, max_size=400)
fragments = st.lists(st.sampled_from(_FRAGMENTS) | yaml_text, max_size=30).map("".join)
random_bytes = st.binary(max_size=2000)
deep = st.builds(lambda n, pair: pair[0] * n + pair[1] * n, st.integers(1, 5000),
                 st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", ""), ("[{a: ", "}]"), ("[", "")]))
digits = st.builds(lambda n, d: d * n, st.sampled_from([1, 16, 401, 4300, 4301, 6000]),
                   st.sampled_from("0123456789"))
numbers = st.builds("{}{}".format, st.sampled_from(["", "-", "+", "0x", "0o"]), digits) | st.sampled_from(
    ["1e400", "-1e400", ".inf", ".nan", "1.10", "0301234567", "1:20", "1_000"])
dates = st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 10000), st.integers(0, 13),
                  st.integers(0, 32))
huge_numbers = st.builds(lambda field, value: f"{field}: {value}\n",
                         st.sampled_from(["employees", "name", "last_reviewed", "register_version"]),
                         numbers | dates)
_ORGANISATION = (MINIMAL / "organisation.yaml").read_text(encoding="utf-8")
_ACTIVITY = (MINIMAL / "activities.yaml").read_text(encoding="utf-8")
one_field = st.builds(
    lambda base, field, value: f"{base[0]}{base[1]}{field}: {value}\n",
    st.sampled_from([(_ORGANISATION, ""), (_ACTIVITY, "  ")]),
    st.sampled_from(["employees", "last_reviewed", "register_version", "name", "notes", "owner"]),
    numbers | dates | st.sampled_from(_FRAGMENTS) | yaml_text,
)
control_text = st.builds(lambda field, text: f'{field}: "{text}"\n',
                         st.sampled_from(["name", "address", "legal_entity"]),
                         st.text(st.characters(max_codepoint=0x2030), max_size=40).map(
                             lambda s: s.encode("unicode_escape").decode("ascii").replace('"', '\\"')))


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for position, length, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length:]
    return text


mutated_sample = st.builds(
    lambda path, edits: _mutate(path.read_text(encoding="utf-8")[:FILE_LIMIT // 2], edits),
    st.sampled_from(SAMPLES or [MINIMAL / "activities.yaml"]),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 40), st.sampled_from(_FRAGMENTS) | yaml_text),
             min_size=1, max_size=8),
)
texts = st.one_of(yaml_text, fragments, deep, huge_numbers, control_text, mutated_sample, one_field)
contents = st.one_of(texts.map(lambda t: t.encode("utf-8", "surrogatepass")), random_bytes)
examples = st.tuples(st.sampled_from(TARGETS), contents)

# -- one example --------------------------------------------------------------------------------


class Hang(Exception):
    """An example ran over its time budget."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM)."""
    def _alarm(signum, frame):
        raise Hang(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def register_folder(base: Path) -> Path:
    """A fresh copy of the minimal register under ``base``."""
    folder = base / "register"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(MINIMAL, folder)
    return folder


def check(folder: Path, target: str, content: bytes, seconds: float = 5.0) -> None:
    """Load ``folder`` with ``target`` replaced by ``content``; raise AssertionError or Hang on a fault."""
    path = folder / target
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        with time_limit(seconds), mock.patch.object(loader, "MAX_FILE_BYTES", FILE_LIMIT):
            try:
                loader.load_register(folder)
            except loader.RegisterError as exc:
                assert exc.issues, "a RegisterError without issues"
                for issue in exc.issues:
                    assert issue.file, f"an issue names no file: {issue}"
                    assert Path(issue.file).is_relative_to(folder), f"an issue names another file: {issue}"
    finally:
        path.write_bytes(original)


# -- the benchmark ------------------------------------------------------------------------------


def cause(exc: BaseException) -> str:
    """Where an exception came from: its type and the innermost audit_lib frame."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "audit_lib" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


def fuzz(examples_wanted: int, random_seed: int, seconds: float) -> dict[str, object]:
    """Run ``examples_wanted`` examples; return counts of examples, crashes by cause and hangs."""
    tried = 0
    crashes: collections.Counter[str] = collections.Counter()
    hangs = 0
    with tempfile.TemporaryDirectory(prefix="ropa-fuzz-") as tmp:
        folder = register_folder(Path(tmp))

        @seed(random_seed)
        @settings(max_examples=examples_wanted, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(example=examples)
        def run(example: tuple[str, bytes]) -> None:
            nonlocal tried, hangs
            tried += 1
            try:
                check(folder, *example, seconds=seconds)
            except Hang:
                hangs += 1
            except Exception as exc:  # noqa: BLE001  (counting every crash is the point)
                crashes[cause(exc)] += 1

        run()
    return {"tried": tried, "crashes": crashes, "hangs": hangs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds before an example counts as a hang")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = fuzz(args.examples, args.seed, args.timeout)
    crashes: collections.Counter[str] = result["crashes"]  # type: ignore[assignment]
    print(f"examples tried {result['tried']:,}   crashes {sum(crashes.values())} "
          f"({len(crashes)} causes)   hangs {result['hangs']}   in {time.perf_counter() - started:.0f} s")
    for where, count in crashes.most_common():
        print(f"  {count:5d}  {where}")
    print("before the hostile-reader work: 3,500 examples gave 119 crashes from 2 causes and 50 hangs")
    return 1 if crashes or result["hangs"] else 0


if __name__ == "__main__":
    sys.exit(main())
