"""Shared fixtures: paths to the sample and test registers, and a copy-and-break helper."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"mobikin": ROOT / "ropa" / "mobikin", "dearmob": ROOT / "ropa" / "dearmob"}
MINIMAL = Path(__file__).resolve().parent / "data" / "minimal"
# The two privacy policies the sample registers were built from live beside the checkout
# (../shared/seeds); ROPA_SEEDS overrides the location.
SEEDS = Path(os.environ.get("ROPA_SEEDS") or ROOT.parent / "shared" / "seeds")
SEED_FILES = {"mobikin": "mobikin-privacy-policy-2018.md", "dearmob": "dearmob-privacy-policy-2018.md"}


def seed_policy(name: str) -> str:
    """The text of the policy a sample register quotes.

    In CI (CI set) a missing policy fails the test: the evidence checks must run there.
    Elsewhere it skips with the path it looked for.
    """
    path = SEEDS / SEED_FILES[name]
    if not path.is_file():
        message = f"policy {path} is absent: cannot check the register's evidence against its source"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


@pytest.fixture
def minimal_path() -> Path:
    """A small valid register exercising most of the format (tests/data/minimal)."""
    return MINIMAL


@pytest.fixture
def minimal_register():
    from audit_lib.io.loader import load_register

    return load_register(MINIMAL)


@pytest.fixture
def register_copy(tmp_path: Path):
    """Copy a register folder into tmp_path so a test can break it; returns the copy's path."""

    def _copy(source: Path = MINIMAL) -> Path:
        target = tmp_path / source.name
        shutil.copytree(source, target)
        return target

    return _copy


@pytest.fixture(params=sorted(SAMPLES))
def sample_path(request) -> Path:
    """Each sample register folder in turn (ropa/mobikin, ropa/dearmob)."""
    return SAMPLES[request.param]


@pytest.fixture(autouse=True)
def _no_register_cache(monkeypatch, tmp_path_factory):
    """Tests load afresh: a cached outcome would hide a monkeypatched rule (tests of the cache enable it)."""
    monkeypatch.setenv("ROPA_NO_CACHE", "1")
    monkeypatch.setenv("ROPA_CACHE_DIR", str(tmp_path_factory.mktemp("ropa-cache")))
