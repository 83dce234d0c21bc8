"""How much data the bench seeds and how long it measures: the full run and `--quick`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Profile:
    rounds: int
    seconds: int
    connections: int
    users: int
    table_notes: int
    user_notes: int
    burst_seconds: int  # the login burst after which auth-service's RSS is read
    probe_calls: int  # requests through RequestContextMiddleware alone, to time it
    mixed_seconds: int  # each run of the mixed workload (bench/phases/mixed.py)
    fresh_tokens: int  # requests with a never-seen token, beside as many with a cached one
    curve_seconds: int  # each point of the open-loop curve (bench/phases/curve.py)


FULL = Profile(
    rounds=3,
    seconds=8,
    connections=32,
    users=10_000,
    table_notes=1_000_000,
    user_notes=1000,
    burst_seconds=30,
    probe_calls=50_000,
    mixed_seconds=30,
    fresh_tokens=1000,
    curve_seconds=20,
)
QUICK = Profile(
    rounds=1,
    seconds=1,
    connections=4,
    users=20,
    table_notes=2000,
    user_notes=50,
    burst_seconds=2,
    probe_calls=2000,
    mixed_seconds=2,
    fresh_tokens=50,
    curve_seconds=1,
)
