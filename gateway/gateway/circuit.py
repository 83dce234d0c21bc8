"""A small circuit breaker: after repeated failures, answer 503 at once for a while.

Closed: requests flow and consecutive failures are counted. Open: requests are
refused without contacting the upstream until the cool-down ends. Half-open:
one trial request goes through; its outcome closes or reopens the circuit.
Everything runs on one event loop, so plain attributes need no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.metrics import BREAKER_OPEN


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
        replica: str = "",
    ) -> None:
        """`name`, `replica`: the upstream and the replica's URL (one breaker per
        replica, gateway.balancer), for the `gateway_circuit_breaker_open`
        gauge (none if `name` is None)."""
        self._threshold = failure_threshold
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False
        self._open_gauge = BREAKER_OPEN.labels(name, replica) if name is not None else None
        if self._open_gauge is not None:
            self._open_gauge.set(0)

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at < self._reset_seconds:
            return "open"
        return "half-open"

    def retry_after(self) -> int:
        if self._opened_at is None:
            return 0
        remaining = self._reset_seconds - (self._clock() - self._opened_at)
        return max(1, int(remaining + 0.999))

    def allow(self) -> bool:
        """Whether a request may go to the upstream now; call once per request."""
        if self._opened_at is None:
            return True
        if self._clock() - self._opened_at < self._reset_seconds or self._trial_in_flight:
            return False
        self._trial_in_flight = True
        return True

    def record_success(self) -> None:
        was_open = self._opened_at is not None
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False
        # Only on a change: this runs for every answered request.
        if was_open and self._open_gauge is not None:
            self._open_gauge.set(0)

    def record_failure(self) -> None:
        self._trial_in_flight = False
        self._failures += 1
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()
            if self._open_gauge is not None:
                self._open_gauge.set(1)

    def release(self) -> None:
        """The request ended without telling anything about the upstream (e.g. 413)."""
        self._trial_in_flight = False
