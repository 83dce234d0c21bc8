import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from notes_service.config import Settings
from notes_service.main import create_app
from notes_service.models import IdempotencyKey, Note, OutboxEvent
from notes_service.repository import Database, Row, create_pool
from platform_common.testing.service import ServiceUnderTest
from platform_common.testing.sessions import rolled_back_session

# issuer, jwks, engine (the tests' own: the service has none); database_url, settings,
# app, client, alice, bob from `service`; `session` is the suite's own (asyncpg).
pytest_plugins = ["platform_common.testing.fixtures"]

SERVICE_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(
        "notes_test", SERVICE_ROOT, create_app, "http://notes.test", settings=Settings
    )


@pytest.fixture
async def session(app: FastAPI, engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test.

    The service (notes_service.repository) runs on the same connection, in
    that transaction: its own transactions become savepoints.
    """
    async with rolled_back_session(app, engine) as session:
        # The transaction really begins (SQLAlchemy begins it lazily) before
        # asyncpg is handed its connection.
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        # With the outbox on: each change writes its event (test_outbox).
        database = Database(raw.driver_connection, outbox=True)

        # Where every route finds it (DatabaseDep reads it there too).
        pool, app.state.database = app.state.database, database
        try:
            yield session
        finally:
            app.state.database = pool


# Concurrency tests (test_races, test_owner_deletion): writes that really commit,
# and a table lock that parks them where a race can be staged.
@pytest.fixture
async def table_lock(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        await connection.execute(text("LOCK TABLE notes.notes IN SHARE MODE"))
        yield connection
        if connection.in_transaction():
            await connection.rollback()


@pytest.fixture
def database(app: FastAPI) -> Database:
    """The service's own pool (the hot paths'): every write here really commits."""
    database: Database = app.state.database
    return database


@pytest.fixture
async def owner(engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    """An owner whose notes, keys and events really commit, removed after the test."""
    owner = uuid.uuid4()
    yield owner
    async with async_sessionmaker(engine)() as session:
        for table in (Note, IdempotencyKey, OutboxEvent):
            await session.execute(delete(table).where(table.owner_id == owner))
        await session.commit()


@pytest.fixture
async def outbox_database(database_url: str) -> AsyncIterator[Database]:
    """A pool of its own with the outbox on (the app's is off: no webhooks URL), every
    write really committed; the outbox emptied before and after (publishers claim any row)."""
    pool = await create_pool(database_url, size=12)
    try:
        async with pool.acquire() as connection:
            await connection.execute("DELETE FROM notes.outbox_events")
        yield Database(pool, outbox=True)
        async with pool.acquire() as connection:
            await connection.execute("DELETE FROM notes.outbox_events")
    finally:
        await pool.close()


def note_of(row: Row) -> SimpleNamespace:
    return SimpleNamespace(**dict(row))


async def count(engine: AsyncEngine, owner: uuid.UUID) -> int:
    async with async_sessionmaker(engine)() as session:
        return await session.scalar(select(func.count()).where(Note.owner_id == owner)) or 0


async def waiting(connection: AsyncConnection, locktype: str, expected: int) -> None:
    """Until `expected` lock requests of `locktype` wait in this database."""
    query = text(
        "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = pg_locks.database"
        " WHERE d.datname = current_database() AND NOT granted AND locktype = :locktype"
    )

    async def poll() -> None:
        # Another server process's state: no event to wait on, so it is polled.
        while await connection.scalar(query, {"locktype": locktype}) != expected:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    # A bound against a hang, not a timing assertion: the wait normally ends at once.
    await asyncio.wait_for(poll(), timeout=30)
