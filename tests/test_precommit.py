"""The hooks of ``.pre-commit-hooks.yaml`` run through pre-commit on a temporary git repository.

The test must not need the network, so it does not let pre-commit build the hooks'
``language: python`` environment (that installs this package and its dependencies from an
index). It runs the manifest's own hook definitions (id, entry, args, files,
pass_filenames) as ``repo: local`` hooks with ``language: system``, the ``ropa`` command of
the environment running the tests on the PATH; the manifest itself is checked with
``pre-commit validate-manifest``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SAMPLES

MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def hooks() -> list[dict]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def env(home: Path) -> dict[str, str]:
    scripts = str(Path(sys.executable).parent)
    person = {"GIT_AUTHOR_NAME": "DPO", "GIT_AUTHOR_EMAIL": "dpo@example.org",
              "GIT_COMMITTER_NAME": "DPO", "GIT_COMMITTER_EMAIL": "dpo@example.org"}
    return dict(os.environ, PATH=scripts + os.pathsep + os.environ.get("PATH", ""), PYTHONPATH=str(ROOT),
                PRE_COMMIT_HOME=str(home / "cache"), PIP_NO_INDEX="1", **person)


def run(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), cwd=repo, env=env(repo.parent), capture_output=True, text=True,
                          timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def pre_commit(repo: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    return run(repo, sys.executable, "-m", "pre_commit", *args, check=check)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the two sample registers under ropa/ and the manifest's hooks."""
    root = tmp_path / "registers"
    for name, folder in SAMPLES.items():
        shutil.copytree(folder, root / "ropa" / name)
    local = [dict(h, language="system") for h in hooks()]
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    run(root, "git", "init", "-q", "-b", "main")
    run(root, "git", "add", "-A")
    return root


def test_manifest_is_valid_and_exposes_validate_and_audit(tmp_path):
    done = pre_commit(tmp_path, "validate-manifest", str(MANIFEST))
    assert done.returncode == 0, done.stdout + done.stderr
    entries = {h["id"]: h["entry"] for h in hooks()}
    assert entries == {"ropa-validate": "ropa validate", "ropa-audit": "ropa audit --fail-on high"}


def test_validate_hook_passes_and_audit_hook_reports_high_findings(repo):
    from audit_lib.audit import at_or_above, audit
    from audit_lib.io.loader import load_register

    done = pre_commit(repo, "run", "--all-files")
    text = done.stdout + done.stderr
    lines = {line.split("...")[0].strip(): line for line in text.splitlines() if "..." in line}
    assert lines["ropa validate (Article 30 register loads and validates)"].endswith("Passed")
    blocking = {name: at_or_above(audit(load_register(folder)), "high") for name, folder in SAMPLES.items()}
    audit_line = lines["ropa audit --fail-on high (no high-severity finding)"]
    assert audit_line.endswith("Failed" if any(blocking.values()) else "Passed")
    assert done.returncode == (1 if any(blocking.values()) else 0)
    for found in blocking.values():
        for f in found:
            assert f.code in text


def test_a_broken_register_stops_the_commit_and_is_named(repo):
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    config["repos"][0]["hooks"] = [h for h in config["repos"][0]["hooks"] if h["id"] == "ropa-validate"]
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert pre_commit(repo, "install").returncode == 0
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-q", "-m", "registers")
    head = run(repo, "git", "rev-parse", "HEAD").stdout

    recipients = repo / "ropa" / "dearmob" / "recipients.yaml"
    text = recipients.read_text(encoding="utf-8")
    recipients.write_text(text.replace("role: processor", "role: landlord", 1), encoding="utf-8")
    done = run(repo, "git", "commit", "-q", "-am", "broken", check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "ropa/dearmob" in output and "recipients.yaml" in output and "landlord" in output
    assert run(repo, "git", "rev-parse", "HEAD").stdout == head

    # a commit touching no YAML file does not run the hook
    recipients.write_text(text, encoding="utf-8")
    (repo / "NOTES.txt").write_text("review notes\n", encoding="utf-8")
    run(repo, "git", "add", "NOTES.txt")
    done = run(repo, "git", "commit", "-m", "notes")
    assert "(no files to check)Skipped" in done.stdout + done.stderr
