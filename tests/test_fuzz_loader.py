"""Property: whatever a register file holds, the loader gives a register or a RegisterError naming the file.

Hypothesis writes random YAML text, mutated sample-register files, random bytes, deep
nesting, huge numbers, control characters, tags and merge keys into one file of a small
register (the strategies of ``benchmarks/fuzz_loader.py``, which runs thousands). No
exception but RegisterError may escape, every issue names a file of the register, and no
example may hang (a SIGALRM budget per example; the file limit keeps examples small).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from benchmarks.fuzz_loader import check, examples, register_folder

_FOLDER = register_folder(Path(tempfile.mkdtemp(prefix="ropa-fuzz-test-")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(example=examples)
def test_any_file_content_gives_a_register_or_located_issues_never_a_crash_or_a_hang(example):
    target, content = example
    check(_FOLDER, target, content, seconds=10.0)
