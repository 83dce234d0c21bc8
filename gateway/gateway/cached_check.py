"""A yes/no check made at most once per period, its answer shared by every caller.

The public `/health/ready` (gateway.readiness) asks each upstream replica's
`/health/live`: uncached, every public call would cost one upstream call per
replica. Callers that arrive while a check runs wait for that one check
instead of starting their own.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable


class CachedCheck:
    def __init__(self, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._answer = False
        self._expires_at = -math.inf

    async def get(self, check: Callable[[], Awaitable[bool]]) -> bool:
        """The answer of a `check` made less than `ttl_seconds` ago, else of a new one."""
        if self._clock() < self._expires_at:
            return self._answer
        async with self._lock:
            # Whoever held the lock may have just checked.
            if self._clock() >= self._expires_at:
                self._answer = await check()
                self._expires_at = self._clock() + self._ttl_seconds
            return self._answer
