"""The uvicorn factories every deployment starts (`--factory <module>:app`)."""

import subprocess
import sys

import pytest
import run_local

from platform_common.heap import YOUNG_THRESHOLD

# Each factory in a process of its own: it configures logging and the
# garbage collector of the process it runs in.
PROBE = """
import gc, importlib, sys
module, name = sys.argv[1].split(":")
getattr(importlib.import_module(module), name)()
print(gc.get_freeze_count(), gc.get_threshold()[0])
"""


@pytest.mark.parametrize("service", run_local.SERVICES, ids=lambda service: service.name)
def test_the_factory_settles_the_heap_before_serving(service: run_local.Service) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, service.module],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    frozen, young_threshold = (int(word) for word in done.stdout.split())
    assert frozen > 10_000  # the imports and the app: ~130,000 objects
    assert young_threshold == YOUNG_THRESHOLD
