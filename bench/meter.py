"""One measurement: a wrk run and the CPU time each process spent on it, per request."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cpu import cpu_seconds, postgres_backends, process_tree
from load import parse_wrk, run_wrk
from settings import Profile

T = TypeVar("T")


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

    def around(self, run: Callable[[], T]) -> tuple[T, dict[str, float]]:
        """What `run` returns, and the CPU seconds each process spent while it ran."""
        before = self._snapshot()
        value = run()
        after = self._snapshot()
        used = {}
        for process, times in after.items():
            # A process that started during the run (a new database connection) counts whole.
            used[process] = sum(
                t - before.get(process, {}).get(pid, 0.0) for pid, t in times.items()
            )
        return value, used

    def measure(
        self, name: str, target: str, url: str, script: Path, seconds: int | None = None
    ) -> Measurement:
        output, used = self.around(lambda: run_wrk(url, script, self.profile, seconds))
        rps, p50, p99, errors, requests = parse_wrk(output)
        return Measurement(name, target, rps, p50, p99, errors, per_request_us(used, requests))

    def median(
        self, name: str, target: str, url: str, script: Path, rounds: int | None = None
    ) -> Measurement:
        return median_of(
            [self.measure(name, target, url, script) for _ in range(rounds or self.profile.rounds)]
        )


def per_request_us(used: dict[str, float], requests: int) -> dict[str, float]:
    """CPU seconds per process over a run, as µs per request."""
    return {
        process: round(seconds / max(requests, 1) * 1e6, 1) for process, seconds in used.items()
    }


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
