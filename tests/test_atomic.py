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
