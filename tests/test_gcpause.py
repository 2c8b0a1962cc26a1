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
