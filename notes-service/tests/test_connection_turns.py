"""The hot paths' pool hands out connections first come, first served."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from notes_service.repository import Database, create_pool
from platform_common.testing.pool_turns import served_order


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, size=1)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def database(pool: asyncpg.Pool) -> Database:
    return Database(pool)


async def test_a_released_connection_goes_to_the_request_waiting_longest(
    database: Database, pool: asyncpg.Pool
) -> None:
    # Served by the pool's own queue, an asyncio.Queue, the newcomer would pass.
    served = await served_order(database.connection, pool._queue, database.connections_waiting, 1)
    assert served == ["waiting", "newcomer"]


async def test_a_request_cancelled_while_waiting_gives_up_its_turn(database: Database) -> None:
    holding = database.connection()
    await holding.__aenter__()
    waiting = asyncio.create_task(database.connection().__aenter__())
    await asyncio.sleep(0.01)
    assert database.connections_waiting() == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await holding.__aexit__(None, None, None)

    async with asyncio.timeout(5):
        async with database.connection() as connection:
            assert await connection.fetchval("SELECT 1") == 1
    assert database.connections_waiting() == 0
