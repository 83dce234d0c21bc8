"""`GET /notes/{id}` again with 2 worker processes in notes-service, gateway and the handler."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from harness import Harness
from load import run_wrk
from meter import Measurement, median_of


def measure(bench: Harness) -> list[dict[str, Any]]:
    system, refs, meter = bench.system, bench.refs, bench.meter
    for name in ("gateway", "notes-service"):
        system.stop(name)
    system.extra_env.update({"NOTES_WORKERS": "2", "GATEWAY_WORKERS": "2"})
    for name in ("notes-service", "gateway"):
        system.start(name)
        system.wait_ready(name)
    refs.stop_minimal()
    refs.start_minimal(workers=2)
    targets = [
        ("minimal", f"http://127.0.0.1:{refs.minimal_port}"),
        ("direct", bench.notes),
        ("gateway", bench.gateway),
    ]
    # Every worker loads the revocation list on its first request: not measured.
    run_wrk(bench.gateway, bench.read_script, meter.profile, 1)
    samples: dict[str, list[Measurement]] = {}
    for _ in range(meter.profile.rounds):
        for target, url in targets:
            samples.setdefault(target, []).append(
                meter.measure("GET /notes/{id} (2 workers)", target, url, bench.read_script)
            )
    return [asdict(median_of(s)) for s in samples.values()]
