"""Choosing the replica of an upstream each request goes to.

Least outstanding requests, ties in turn: a replica that answers slowly (just
started, busy, on a loaded node) has more requests in flight and gets fewer
new ones, where round robin would keep sending it its full share; with equal
replicas it is round robin. A request counts from being sent until its answer
has been relayed (or failed).

A replica is skipped while its circuit breaker is open, and put last for
DRAINING_HOLD_SECONDS after it answers `Connection: close` (or until it
answers without it, being back): a replica says
that while it drains before stopping (platform_common.draining), and once it
has stopped, connecting to it is refused and the request moves on to the
next (gateway.proxy). So a replica leaves the rotation before its idle
connections are closed, and no request is written on one as it closes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from gateway.circuit import CircuitBreaker

# Longer than a service's drain (<PREFIX>_SHUTDOWN_DRAIN_SECONDS) needs to be for the
# gateway to have noticed; a replica still draining after it says so again.
DRAINING_HOLD_SECONDS = 5.0


@dataclass(eq=False)
class Replica:
    url: str
    breaker: CircuitBreaker
    base: httpx.URL = field(init=False)
    outstanding: int = 0
    draining_until: float = 0.0

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self.base = httpx.URL(self.url)

    def draining(self, now: float) -> bool:
        return now < self.draining_until


class Balancer:
    def __init__(
        self, replicas: Sequence[Replica], clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not replicas:
            raise ValueError("an upstream needs at least one replica")
        self.replicas = tuple(replicas)
        self._clock = clock
        self._turn = itertools.count()

    def order(self) -> list[Replica]:
        """Every replica once, in the order to try them for one request."""
        if len(self.replicas) == 1:
            return [self.replicas[0]]
        now = self._clock()
        first = next(self._turn) % len(self.replicas)
        in_turn = self.replicas[first:] + self.replicas[:first]
        # sorted() is stable: equal keys keep their turn order.
        return sorted(in_turn, key=lambda r: (r.draining(now), r.outstanding))

    def saw_connection_close(self, replica: Replica) -> None:
        replica.draining_until = self._clock() + DRAINING_HOLD_SECONDS

    def saw_keep_alive(self, replica: Replica) -> None:
        """A draining replica closes every connection: this one is serving (again).

        Without this, a replica restarted within the hold would stay last while
        the next one drains, and both being last, the one about to stop could
        still be chosen as it closes its connections.
        """
        replica.draining_until = 0.0

    def retry_after(self) -> int:
        """Seconds until some replica's breaker lets a trial through."""
        return min(r.breaker.retry_after() for r in self.replicas) or 1

    def attempts(self, idempotent: bool) -> list[Replica]:
        """The replicas one request may try, in order.

        A lone replica is tried twice by an idempotent request: the first
        try may have met a pooled connection the upstream had just closed.
        A list, not a generator: one per proxied request (bench/README.md, 2026-12-08).
        """
        order = self.order()
        if idempotent and len(order) == 1:
            order.append(order[0])
        return order
