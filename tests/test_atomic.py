"""audit_lib.io.atomic: every output is complete or absent, and a good file survives a failed write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from audit_lib.io.atomic import atomic_folder, atomic_write, atomic_write_text


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_puts_the_file_in_place_with_umask_permissions(tmp_path):
    target = tmp_path / "out.bin"
    seen: list[Path] = []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_bytes(b"complete")

    assert atomic_write(target, write) == target
    assert target.read_bytes() == b"complete"
    assert seen[0].parent == tmp_path and seen[0] != target  # written beside it, then renamed
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert _entries(tmp_path) == ["out.bin"]


def test_replacing_keeps_the_mode_of_the_old_file(tmp_path):
    target = tmp_path / "notice.md"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failed_write_keeps_the_good_file_and_leaves_no_temp(tmp_path, error):
    target = tmp_path / "good.txt"
    target.write_text("good")

    def write(tmp: Path) -> None:
        tmp.write_text("half")
        raise error("disk on fire")

    with pytest.raises(error):
        atomic_write(target, write)
    assert target.read_text() == "good"
    assert _entries(tmp_path) == ["good.txt"]
    with pytest.raises(error):
        atomic_write(tmp_path / "new.txt", write)
    assert _entries(tmp_path) == ["good.txt"]


def test_failed_rename_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("previous")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        atomic_write_text(target, "<html/>")
    assert target.read_text() == "previous"
    assert _entries(tmp_path) == ["r.html"]


def test_write_text_uses_newline_line_ends(tmp_path):
    target = atomic_write_text(tmp_path / "t.md", "a\nb\n")
    assert target.read_bytes() == b"a\nb\n"


def test_a_folder_is_not_a_file_name(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError, match="give a file name"):
        atomic_write(tmp_path / "dir", lambda tmp: tmp.write_text("x"))
    assert _entries(tmp_path) == ["dir"]


def test_folder_is_swapped_in_only_when_complete(tmp_path):
    target = tmp_path / "register"
    atomic_folder(target, lambda tmp: (tmp / "a.yaml").write_text("one"))
    assert _entries(target) == ["a.yaml"]

    def fail(tmp: Path) -> None:
        (tmp / "b.yaml").write_text("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic_folder(target, fail)
    assert _entries(target) == ["a.yaml"] and (target / "a.yaml").read_text() == "one"
    assert _entries(tmp_path) == ["register"]
    atomic_folder(target, lambda tmp: (tmp / "b.yaml").write_text("two"))
    assert _entries(target) == ["b.yaml"]
    assert _entries(tmp_path) == ["register"]  # the old folder is gone too


def test_folder_refuses_a_file_in_its_place(tmp_path):
    (tmp_path / "register").write_text("a file")
    with pytest.raises(NotADirectoryError):
        atomic_folder(tmp_path / "register", lambda tmp: None)
    assert (tmp_path / "register").read_text() == "a file"


# --------------------------------------------------------------------------
# Crash safety: kill -9 at every step of a folder swap, stale temporaries of dead writers
# --------------------------------------------------------------------------

_CRASH = r"""
import os, shutil, signal, sys
from pathlib import Path
import audit_lib.io.atomic as atomic

target, step, fallback = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
calls = [0]

def crash_at_step(func):
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == step:
            os.kill(os.getpid(), signal.SIGKILL)
        result = func(*args, **kwargs)
        calls[0] += 1
        if calls[0] == step:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapped

if fallback:
    atomic.exchange = lambda a, b: False
atomic.exchange = crash_at_step(atomic.exchange)
os.replace = crash_at_step(os.replace)
shutil.rmtree = crash_at_step(shutil.rmtree)

def write(tmp):
    for i in range(3):
        (tmp / f"new{i}.yaml").write_text("new")

atomic.atomic_folder(target, write)
print("done")
"""


def _crash_run(tmp_path: Path, step: int, fallback: bool) -> bool:
    """Run atomic_folder in a child killed by SIGKILL at ``step``; True when it finished."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-c", _CRASH, str(tmp_path / "register"), str(step),
                           "1" if fallback else "0"], env=env, capture_output=True, text=True)
    assert proc.returncode in (0, -9), proc.stderr
    return proc.returncode == 0


def _holds(folder: Path) -> str:
    names = _entries(folder)
    if names == ["old0.yaml", "old1.yaml"]:
        return "old"
    if names == ["new0.yaml", "new1.yaml", "new2.yaml"]:
        return "new"
    raise AssertionError(f"{folder} holds {names}: neither the old folder nor the new one")


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="renameat2 is Linux's")
def test_a_kill_at_any_step_of_the_folder_swap_leaves_the_old_or_the_new_folder(tmp_path):
    """renameat2(RENAME_EXCHANGE): at every moment the target path holds a complete folder."""
    seen = set()
    for step in range(1, 12):
        target = tmp_path / "register"
        shutil_rmtree(target)
        target.mkdir()
        for i in range(2):
            (target / f"old{i}.yaml").write_text("old")
        finished = _crash_run(tmp_path, step, fallback=False)
        seen.add(_holds(target))  # no repair needed: it is never absent
        from audit_lib.io.atomic import recover_folder

        assert recover_folder(target) is None
        assert _entries(tmp_path) == ["register"]  # the dead writer's temporaries are gone
        if finished:
            break
    assert seen == {"old", "new"}


def test_fallback_swap_killed_between_its_renames_is_repaired_on_the_next_write(tmp_path):
    """Without an atomic exchange, a kill between the two renames is detected and undone."""
    from audit_lib.io.atomic import atomic_folder, recover_folder

    outcomes = []
    for step in range(1, 12):
        target = tmp_path / "register"
        shutil_rmtree(target)
        target.mkdir()
        for i in range(2):
            (target / f"old{i}.yaml").write_text("old")
        finished = _crash_run(tmp_path, step, fallback=True)
        absent = not target.exists()
        message = recover_folder(target)
        assert (message is not None) == absent
        if absent:
            assert "restored" in message and "interrupted" in message
        outcomes.append((absent, _holds(target)))
        assert _entries(tmp_path) == ["register"]
        if finished:
            break
    assert (True, "old") in outcomes  # the kill between the renames happened, and was repaired
    atomic_folder(tmp_path / "register", lambda tmp: (tmp / "new0.yaml").write_text("x"))
    assert _entries(tmp_path) == ["register"]


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def test_stale_temporaries_of_dead_writers_are_removed_and_nothing_else(tmp_path):
    import subprocess
    import sys

    from audit_lib.io.atomic import temp_name

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "ropa.xlsx"
    stale = tmp_path / f".ropa.xlsx.ropa-part-{dead.pid}-0123abcd"
    stale.write_text("half")
    live = temp_name(target)  # this process's own: still writing
    live.write_text("mine")
    keep = [tmp_path / ".ropa.xlsx.abc.part", tmp_path / f".other.xlsx.ropa-part-{dead.pid}-0123abcd",
            tmp_path / "notes.txt"]
    for p in keep:
        p.write_text("not the tool's, or not this target's")
    atomic_write_text(target, "complete")
    assert target.read_text() == "complete"
    assert not stale.exists()
    assert live.exists() and all(p.exists() for p in keep)
