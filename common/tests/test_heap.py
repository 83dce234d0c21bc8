"""settle_heap, in a process of its own: freezing the test process would keep
every later test's garbage."""

import subprocess
import sys

from platform_common.heap import YOUNG_THRESHOLD

PROBE = """
import gc
import weakref
from platform_common.heap import settle_heap

class Node:
    pass

kept = [[n] for n in range(1000)]  # objects the app holds for good
garbage = Node()
garbage.itself = garbage  # a cycle: only a collection frees it
freed = weakref.ref(garbage)
del garbage
settle_heap()
print(gc.get_freeze_count(), int(freed() is None), *gc.get_threshold())
"""


def run_probe() -> list[int]:
    done = subprocess.run(  # noqa: S603 - the test's own code
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    return [int(word) for word in done.stdout.split()]


def test_freezes_what_exists_and_raises_the_young_threshold() -> None:
    frozen, garbage_freed, threshold, middle, old = run_probe()
    assert frozen >= 1000  # at least the lists kept above
    assert garbage_freed == 1  # collected before the freeze, not kept for ever
    assert (threshold, middle, old) == (YOUNG_THRESHOLD, 10, 10)
