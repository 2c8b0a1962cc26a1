"""Shared fixtures: paths to the sample and test registers, and a copy-and-break helper."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"mobikin": ROOT / "ropa" / "mobikin", "dearmob": ROOT / "ropa" / "dearmob"}
MINIMAL = Path(__file__).resolve().parent / "data" / "minimal"


@pytest.fixture
def minimal_path() -> Path:
    """A small valid register exercising most of the format (tests/data/minimal)."""
    return MINIMAL


@pytest.fixture
def minimal_register():
    from audit_lib.load import load_register

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
