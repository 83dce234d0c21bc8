"""Who a pool serves first, when a request arrives just as a connection is released
(notes-service's FIFO gate, platform_common.database.FairQueue)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from platform_common.database import MeasuredPool


async def served_order(
    connect: Callable[[], AbstractAsyncContextManager[Any]],
    queue: Any,
    waiting: Callable[[], int],
    connections: int,
) -> list[str]:
    """`connections` (the pool's most) held, a request waiting, and another arriving as
    one goes back through `queue.put_nowait` (under load some request always does):
    the order they were served."""
    served: list[str] = []
    arrived = asyncio.Event()

    async def request(name: str) -> None:
        async with connect():
            served.append(name)

    async def newcomer() -> None:
        await arrived.wait()
        await request("newcomer")

    put_back = queue.put_nowait

    def put_nowait(item: object) -> None:
        arrived.set()
        put_back(item)

    async with AsyncExitStack() as others:
        for _ in range(connections - 1):
            await others.enter_async_context(connect())
        async with AsyncExitStack() as released:
            await released.enter_async_context(connect())
            waiting_task = asyncio.create_task(request("waiting"))
            # A bound against a hang; the pools have no event to wait on.
            async with asyncio.timeout(5):
                while waiting() != 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.001)
            await asyncio.sleep(0.01)  # in the pool's queue by now
            coming = asyncio.create_task(newcomer())
            await asyncio.sleep(0.001)
            queue.put_nowait = put_nowait
        try:
            await asyncio.gather(waiting_task, coming)
        finally:
            queue.put_nowait = put_back
    return served


async def engine_served_order(engine: AsyncEngine) -> list[str]:
    """`served_order` of a SQLAlchemy engine's pool (MeasuredPool)."""
    pool = engine.pool
    assert isinstance(pool, MeasuredPool)
    size = pool.size() + max(pool._max_overflow, 0)
    return await served_order(engine.connect, pool._pool, lambda: pool.waiting, size)
