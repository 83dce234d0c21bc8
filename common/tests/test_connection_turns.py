"""SQLAlchemy engines' pools (auth-service's, webhooks-service's) hand out connections
first come, first served (platform_common.database.FairQueue)."""

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from platform_common.database import FairQueue, MeasuredPool, create_database_engine
from platform_common.testing.pool_turns import engine_served_order
from platform_common.testing.postgres import server_url


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """One connection, no overflow: every other request for one waits."""
    url = os.environ.get("TEST_DATABASE_URL") or server_url()
    engine = create_database_engine(url, pool_size=1, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


def idle(engine: AsyncEngine) -> FairQueue:
    pool = engine.pool
    assert isinstance(pool, MeasuredPool)
    queue = pool._pool
    assert isinstance(queue, FairQueue)
    return queue


async def until_waiting(engine: AsyncEngine, count: int) -> None:
    # A bound against a hang, not a timing assertion; the pool has no event to wait on.
    async with asyncio.timeout(5):
        while len(idle(engine)._waiters) != count:  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_a_released_connection_goes_to_the_request_waiting_longest(
    engine: AsyncEngine,
) -> None:
    assert await engine_served_order(engine) == ["waiting", "newcomer"]


async def test_a_request_cancelled_while_waiting_gives_up_its_turn(engine: AsyncEngine) -> None:
    async def connect() -> AsyncConnection:
        return await engine.connect()

    holding = await engine.connect()
    waiting = asyncio.create_task(connect())
    await until_waiting(engine, 1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(idle(engine)._waiters) == 0
    await holding.close()

    async with asyncio.timeout(5), engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1


async def test_a_wait_past_the_pool_timeout_is_the_pools_timeout_error(
    engine: AsyncEngine,
) -> None:
    engine.pool._timeout = 0.05  # type: ignore[attr-defined]
    holding = await engine.connect()
    try:
        with pytest.raises(exc.TimeoutError, match="QueuePool limit"):
            await engine.connect()
        assert len(idle(engine)._waiters) == 0
    finally:
        await holding.close()
    async with asyncio.timeout(5), engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
