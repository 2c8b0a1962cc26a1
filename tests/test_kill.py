"""``kill -9`` during ``ropa export`` and ``ropa import-xlsx``: the target is never damaged, and the
temporaries a killed writer leaves are removed by the next write to the same target."""

from __future__ import annotations

import os
import random

import pytest
from test_export import MINIMAL

from benchmarks.kill_test import Tally, export_case, import_case, kill_rounds


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("make", [export_case, import_case], ids=["export", "import-xlsx"])
def test_kill_9_never_corrupts_the_target_and_leaves_no_part_after_the_next_run(make, tmp_path):
    seed = random.randrange(2**32)
    case = make(tmp_path, MINIMAL)
    tally = kill_rounds(case, 10, random.Random(seed), Tally(), writing=0.7)
    assert tally.kills == 10
    assert tally.corrupt == [], f"seed {seed}"
    assert tally.left_after_next_run == 0, f"seed {seed}: {tally}"
    assert set(tally.states) <= {"old", "new"}, tally.states
