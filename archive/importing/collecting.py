"""Fewer runs of Python's cyclic garbage collector while an import runs.

An import makes millions of small dicts, lists and tuples (rows, values, plans), almost all freed
by reference counting, and keeps tens of thousands alive for the whole file (the people and
journal indexes, the keys seen). With the default threshold (a collection every 700 new
objects) the collector also walked the long-lived ones again and again: 0.5 of the 6 processor
seconds of a 10,000-record `import_records`, five full collections. Collecting every 10,000 new
objects still frees cycles, just in fewer runs.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_THRESHOLD = 10_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold for the block; the old thresholds come back after
    (nested blocks restore what they found)."""
    thresholds = gc.get_threshold()
    # A threshold of 0 turns collecting off: left so.
    gc.set_threshold(thresholds[0] and max(thresholds[0], IMPORT_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
