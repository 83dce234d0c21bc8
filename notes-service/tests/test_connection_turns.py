"""The hot paths' pool hands out connections first come, first served."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from notes_service.repository import Database, create_pool


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
    served: list[str] = []
    arrived = asyncio.Event()

    async def request(name: str) -> None:
        async with database.connection() as connection:
            served.append(name)
            await connection.fetchval("SELECT 1")

    async def newcomer() -> None:
        await arrived.wait()
        await request("newcomer")

    # A request arrives as the connection goes back to the pool: under load,
    # some request always does, and the pool's own queue let it pass.
    queue = pool._queue
    put_back = queue.put_nowait

    def put_nowait(holder: object) -> None:
        arrived.set()
        put_back(holder)

    holding = database.connection()
    await holding.__aenter__()
    waiting = asyncio.create_task(request("waiting"))
    await asyncio.sleep(0.01)
    assert database.connections_waiting() == 1
    coming = asyncio.create_task(newcomer())
    await asyncio.sleep(0.001)
    queue.put_nowait = put_nowait
    await holding.__aexit__(None, None, None)
    await asyncio.gather(waiting, coming)

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
