"""One measurement: a wrk run and the CPU time each process spent on it, per request."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cpu import cpu_seconds, postgres_backends, process_tree
from load import parse_wrk, run_wrk
from settings import Profile


@dataclass
class Measurement:
    name: str
    target: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU time per answered request, µs, of each process measured (see Meter).
    cpu_us: dict[str, float] = field(default_factory=dict)


@dataclass
class Meter:
    """Runs wrk against a URL and reads every process's CPU time around the run."""

    profile: Profile
    database_url: str
    roots: Callable[[], dict[str, int]]  # name -> pid (its children count too)

    def _snapshot(self) -> dict[str, dict[int, float]]:
        pids = {name: process_tree(pid) for name, pid in self.roots().items()}
        pids["postgres"] = asyncio.run(postgres_backends(self.database_url))
        return {name: {pid: cpu_seconds(pid) for pid in each} for name, each in pids.items()}

    def measure(
        self, name: str, target: str, url: str, script: Path, seconds: int | None = None
    ) -> Measurement:
        before = self._snapshot()
        output = run_wrk(url, script, self.profile, seconds)
        after = self._snapshot()
        rps, p50, p99, errors, requests = parse_wrk(output)
        cpu_us = {}
        for process, times in after.items():
            # A process that started during the run (a new database connection) counts whole.
            used = sum(t - before.get(process, {}).get(pid, 0.0) for pid, t in times.items())
            cpu_us[process] = round(used / max(requests, 1) * 1e6, 1)
        return Measurement(name, target, rps, p50, p99, errors, cpu_us)

    def median(
        self, name: str, target: str, url: str, script: Path, rounds: int | None = None
    ) -> Measurement:
        return median_of(
            [self.measure(name, target, url, script) for _ in range(rounds or self.profile.rounds)]
        )


def median_of(samples: list[Measurement]) -> Measurement:
    first = samples[0]
    return Measurement(
        first.name,
        first.target,
        statistics.median(s.requests_per_second for s in samples),
        statistics.median(s.p50_ms for s in samples),
        statistics.median(s.p99_ms for s in samples),
        sum(s.errors for s in samples),
        {k: statistics.median(s.cpu_us[k] for s in samples) for k in first.cpu_us},
    )
