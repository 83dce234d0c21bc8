"""At most so many searches (`q=` pages) per process at once, so that a flood of
searches cannot take every pooled connection, and Postgres' CPU, from the hot path.

A search ranks and counts every match of its owner (1,900 for one word of the
bench's big owner: ~1.2 ms of Postgres), a read one row. Without a bound, a
burst of searches holds every connection of the pool and reads queue behind
them (bench/README.md, "The tail"). A search waits for a slot at most
`wait_seconds`, then is refused (503 with Retry-After): never a hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Gauge

SEARCHES_WAITING = Gauge(
    "notes_searches_waiting",
    "Searches waiting for a slot of the search bulkhead (NOTES_SEARCH_CONCURRENCY)",
    multiprocess_mode="livesum",
)
SEARCHES_REFUSED = Counter(
    "notes_searches_refused_total",
    "Searches answered 503 after NOTES_SEARCH_WAIT_SECONDS without a slot",
)
RETRY_AFTER_SECONDS = 1


class SearchesBusy(Exception):
    """No slot came free within the wait."""


class Bulkhead:
    """`limit` slots (0: unbounded), handed out first come, first served."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self._wait = wait_seconds
        # asyncio's Semaphore lets nobody pass its waiters.
        self._slots = asyncio.Semaphore(limit) if limit else None
        self.waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            yield
            return
        async with AsyncExitStack() as held:  # the slot, released on the way out
            self.waiting += 1
            SEARCHES_WAITING.inc()
            try:
                async with asyncio.timeout(self._wait):
                    await held.enter_async_context(self._slots)
            except TimeoutError:
                SEARCHES_REFUSED.inc()
                raise SearchesBusy from None
            finally:
                self.waiting -= 1
                SEARCHES_WAITING.dec()
            yield


async def searches_busy_handler(_: Request, __: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "Too many searches at once: try again"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
