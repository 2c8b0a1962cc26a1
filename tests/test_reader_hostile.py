"""Hostile register files: symlinks out of the folder, pipes, devices, sockets, unreadable files.

A register arrives through pull requests; a file in it must never make the tool print a
file from elsewhere, block, or read without end. Each refusal names the file, exits 1 and
produces no output beyond the messages.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import audit_lib.io.files as files
from audit_lib.cli import main
from audit_lib.io.files import FileRefused, read_file
from audit_lib.io.loader import RegisterError, load_register

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "minimal"
SECRET = "root:$6$s3cr3t-hash-of-the-admin:19000:0:99999:7:::"


def refusals(folder: Path) -> list:
    with pytest.raises(RegisterError) as exc:
        load_register(folder)
    return exc.value.issues


def refusal_of(folder: Path, name: str):
    found = [i for i in refusals(folder) if Path(i.file).name == name]
    assert len(found) == 1, found
    return found[0]


def replace_with_link(folder: Path, name: str, target: str | Path) -> Path:
    path = folder / name
    path.unlink()
    path.symlink_to(target)
    return path


def test_symlink_out_of_the_folder_is_refused_and_its_content_never_printed(register_copy, tmp_path, capsys):
    folder = register_copy()
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    replace_with_link(folder, "organisation.yaml", secret)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr()
    assert "s3cr3t" not in out.out + out.err
    assert "organisation.yaml" in out.out + out.err
    assert "outside the register folder" in out.out + out.err
    # the near miss: a link to a file inside the register folder is read
    (folder / "organisation.yaml").unlink()
    (folder / ".shared").mkdir()
    (folder / ".shared" / "organisation.yaml").write_text((MINIMAL / "organisation.yaml").read_text())
    (folder / "organisation.yaml").symlink_to(Path(".shared") / "organisation.yaml")
    assert load_register(folder).organisation.name == "Example Shop"


def test_broken_symlink_is_a_message_not_a_crash(register_copy):
    folder = register_copy()
    replace_with_link(folder, "systems.yaml", folder / "gone.yaml")
    issue = refusal_of(folder, "systems.yaml")
    assert "broken symbolic link" in issue.message


def test_symlink_loop_is_a_message_not_a_crash(register_copy):
    folder = register_copy()
    replace_with_link(folder, "systems.yaml", folder / "loop.yml")
    (folder / "loop.yml").symlink_to(folder / "systems.yaml")
    issues = refusals(folder)
    assert any(Path(i.file).name == "systems.yaml" and "loop" in i.message for i in issues)


def test_symlinked_folder_out_of_the_register_is_refused(register_copy, tmp_path):
    folder = register_copy()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "more.yaml").write_text("- id: x\n  name: X\n", encoding="utf-8")
    (folder / "activities").symlink_to(elsewhere, target_is_directory=True)
    issue = refusal_of(folder, "activities")
    assert "outside the register folder" in issue.message


_LOAD = "import sys; from audit_lib.io.loader import load_register, RegisterError\n" \
        "try:\n    load_register(sys.argv[1])\nexcept RegisterError as e:\n    print(e)\n"


def test_named_pipe_is_refused_without_blocking(register_copy):
    folder = register_copy()
    (folder / "activities.yaml").unlink()
    os.mkfifo(folder / "activities.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _LOAD, str(folder)], capture_output=True, text=True,
                          timeout=60, env=env)
    assert "activities.yaml" in done.stdout
    assert "named pipe (FIFO), not a regular file" in done.stdout


def test_socket_is_refused(register_copy):
    folder = register_copy()
    (folder / "systems.yaml").unlink()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(folder / "systems.yaml"))
        issue = refusal_of(folder, "systems.yaml")
    finally:
        server.close()
    assert "is a socket, not a regular file" in issue.message


def test_device_is_refused_after_opening_it():
    with pytest.raises(FileRefused) as exc:
        read_file(Path("/dev/zero"), Path("/dev"), 1000)
    assert "character device" in exc.value.message


def test_a_file_is_read_to_the_limit_and_no_further_whatever_its_size_says():
    # /proc files say they are 0 bytes long: the size check alone would read them whole
    path = Path("/proc/self/status")
    assert path.stat().st_size == 0
    with pytest.raises(FileRefused) as exc:
        read_file(path, Path("/proc"), 10)
    assert "over the 10 bytes limit" in exc.value.message
    assert read_file(path, Path("/proc"), 1 << 20).startswith(b"Name:")


@pytest.fixture
def deny(monkeypatch):
    """Make paths unreadable: chmod 000, and (root reads through modes) EACCES from os.open / os.scandir."""
    denied: set[str] = set()
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path, flags, *args, **kwargs):
        if os.fspath(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_scandir(path="."):
        if os.fspath(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(files.os, "open", fake_open)
    monkeypatch.setattr(files.os, "scandir", fake_scandir)
    chmodded: list[Path] = []

    def _deny(path: Path) -> None:
        denied.add(os.fspath(path))
        path.chmod(0)
        chmodded.append(path)

    yield _deny
    for path in chmodded:
        path.chmod(0o755)


def test_unreadable_file_is_named(register_copy, deny):
    folder = register_copy()
    deny(folder / "systems.yaml")
    issue = refusal_of(folder, "systems.yaml")
    assert "permission denied" in issue.message


def test_unreadable_activities_folder_is_an_error_not_zero_activities(register_copy, deny):
    folder = register_copy()
    (folder / "activities").mkdir()
    (folder / "activities.yaml").rename(folder / "activities" / "shop.yaml")
    assert load_register(folder).activities
    deny(folder / "activities")
    issue = refusal_of(folder, "activities")
    assert "folder cannot be read: permission denied" in issue.message
