"""audit_lib.io.gcpause: the collector is off inside the block and back in its former state after."""

from __future__ import annotations

import gc

import pytest

from audit_lib.io.gcpause import gc_paused


def test_pauses_and_restores_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner block does not turn it back on
            pass
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_made_in_the_block_are_not_rescanned_by_the_next_collection():
    """The first collection after a large load must not walk the whole register again."""
    before = gc.get_freeze_count()
    with gc_paused():
        made = [[i] for i in range(20_000)]  # lists: always tracked by the collector
    assert gc.get_freeze_count() >= before + len(made)
    del made
