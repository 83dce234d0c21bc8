"""Who a SQLAlchemy engine's pool serves first (platform_common.database.FairQueue)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from platform_common.database import MeasuredPool


async def served_order(engine: AsyncEngine) -> list[str]:
    """Every connection of the pool held, a request waiting, and another arriving as one
    is released (under load some request always does): the order they were served."""
    pool = engine.pool
    assert isinstance(pool, MeasuredPool)
    served: list[str] = []
    arrived = asyncio.Event()

    async def request(name: str) -> None:
        async with engine.connect() as connection:
            served.append(name)
            await connection.execute(text("SELECT 1"))

    async def newcomer() -> None:
        await arrived.wait()
        await request("newcomer")

    queue = pool._pool
    put_back = queue.put_nowait

    def put_nowait(record: ConnectionPoolEntry) -> None:
        arrived.set()
        put_back(record)

    held = [await engine.connect() for _ in range(pool.size() + max(pool._max_overflow, 0))]
    waiting = asyncio.create_task(request("waiting"))
    # A bound against a hang; the pool has no event to wait on.
    async with asyncio.timeout(5):
        while pool.waiting != 1:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
    await asyncio.sleep(0.01)  # in the pool's queue by now
    coming = asyncio.create_task(newcomer())
    await asyncio.sleep(0.001)
    queue.put_nowait = put_nowait  # type: ignore[method-assign]
    try:
        await held.pop().close()
        await asyncio.gather(waiting, coming)
    finally:
        queue.put_nowait = put_back  # type: ignore[method-assign]
        for connection in held:
            await connection.close()
    return served
