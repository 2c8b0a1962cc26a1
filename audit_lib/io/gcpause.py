"""Pause Python's cyclic garbage collector around the building of large acyclic structures."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block; restore its previous state.

    Reading a register and building its flow graph make millions of small objects, none of
    them in cycles; left on, the collector re-scans them all again and again (about three
    times slower in total). Nested use is safe: only the outermost block turns it back on.

    When it does, the objects the block made are first moved to the collector's permanent
    generation (:func:`gc.freeze`): otherwise the first collection after the block scans
    every one of them once more (about a second for a 10,000-activity register). Reference
    counting still frees them as usual; only a reference cycle made inside the block would
    outlive its last reference, and the register's records hold none.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
