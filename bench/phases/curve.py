"""Issue 32, item 4: the read path's curve, open-loop, at 25-125% of its saturating rate.

The saturating rate is what wrk's closed loop gets from the mixed workload's
reads through the gateway (GET /notes/{id}, Zipf-chosen people, each with
their own token); then bench/open_loop.py offers each share of it at a
constant arrival rate, so that queueing shows as latency.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness import Harness
from phases.mixed import run_mix
from settings import ROOT

SHARES = (0.25, 0.5, 0.75, 1.0, 1.25)
GENERATOR = ROOT / "bench" / "open_loop.py"


def offer(url: str, data: Path, rate: float, seconds: int) -> dict[str, Any]:
    """One open-loop run at `rate` requests per second (bench/open_loop.py's figures)."""
    command = [sys.executable, str(GENERATOR), url, str(data), f"{rate:.1f}", str(seconds)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, Any] = json.loads(output)
    return figures


def measure(bench: Harness, data: Path) -> dict[str, Any]:
    closed = run_mix(bench, "gateway", bench.gateway, data, "reads")
    saturating = closed["requests_per_second"]
    points = []
    for share in SHARES:
        figures = offer(bench.gateway, data, saturating * share, bench.profile.curve_seconds)
        points.append({"share": share, **figures})
    return {"saturating_per_second": saturating, "closed_loop": closed, "points": points}
