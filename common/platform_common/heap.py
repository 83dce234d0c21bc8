"""The cyclic garbage collector, set for a server process that runs for days.

With CPython's defaults, notes-service under load (wrk, 32 connections) ran
a young collection every ~11 requests and a full one every ~1,200; each full
one walked the ~130,000 objects that the imports and the app's construction
leave behind and that live as long as the process (58 ms each, every
request in flight waiting): 40-77 µs of each request's CPU (bench/README.md,
item 23). Two settings end it:

- `gc.freeze()` once the app is built: what exists then is left out of
  every later collection (what the Python docs and Instagram's write-up on
  forking servers describe; here for the walks, not for copy-on-write);
- a young generation of YOUNG_THRESHOLD objects instead of 700: the objects
  of the ~32 requests in flight no longer trigger a collection each time
  they are created, only garbage that outlives them does. A collection
  still comes after that many objects not freed, so cyclic garbage stays
  bounded.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Call once the app is built, before it serves (the services' `app()` factories)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
