"""The one place that runs SQL on asyncpg: statements written with SQLAlchemy, compiled once.

The models (notes_service.models) stay the source of truth for tables and
migrations, and every statement here is built from them with SQLAlchemy
Core. What this module saves is SQLAlchemy's per-request machinery: each
statement is compiled once (at import, or once per listing shape) to
asyncpg's `$n` form and then run on a plain asyncpg pool, with no ORM
session, no greenlet hop and no compile per request (issue 12: that
machinery cost more than everything else in a request together).

Callers see `Database` and the functions below; rows come back as asyncpg
records with the note's columns (`NOTE_COLUMNS`). A `Database` wraps a pool
(the service) or one connection (tests that roll back: its transactions
become savepoints).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import Any, Protocol, cast

import asyncpg
from sqlalchemy import Integer, any_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from notes_service.models import DeletedOwner, Note
from platform_common import telemetry
from platform_common.database import measure_pool

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


class Row(Protocol):
    """What callers use of an asyncpg record: a row of NOTE_COLUMNS, or of REFUSAL."""

    def __getitem__(self, key: str) -> Any: ...

    def keys(self) -> Iterable[str]: ...


# What every statement returns of a note: the response fields and the version (ETag).
NOTE_COLUMNS = (
    Note.id,
    Note.owner_id,
    Note.title,
    Note.description,
    Note.created_date,
    Note.updated_date,
    Note.version,
)


class Statement:
    """A SQLAlchemy statement compiled once for asyncpg; `args()` orders the values."""

    __slots__ = ("_defaults", "_names", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        # Values SQLAlchemy bound itself (e.g. the 1 of `version + 1`).
        self._defaults = {name: bind.value for name, bind in compiled.binds.items()}

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[n] if n in values else self._defaults[n] for n in self._names]


class Database:
    """Where statements run: a pool, or one connection already in a transaction (tests).

    A pool is counted in the `db_pool_*` metrics like SQLAlchemy's; with
    tracing on, each statement of a traced request is a span (as
    platform_common.telemetry.trace_engine makes them for an engine).
    """

    def __init__(self, source: asyncpg.Pool | asyncpg.Connection, *, name: str = "") -> None:
        self._source = source
        self.name = name  # the database's, for spans
        self._waiting = 0
        if isinstance(source, asyncpg.Pool):
            # First come, first served: the pool's own queue (asyncio.Queue)
            # hands a released connection to whoever asks before the waiter
            # it woke runs, and that waiter goes back to the end of the line.
            # Under load some requests waited 0.6 s while the median took 30
            # ms (bench/README.md). asyncio's Semaphore lets nobody pass its
            # waiters, and with one permit per connection the pool's queue
            # is never waited on.
            self._turns = asyncio.Semaphore(source.get_max_size())
            measure_pool(self)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        if not isinstance(self._source, asyncpg.Pool):
            yield self._source
            return
        self._waiting += 1
        try:
            await self._turns.acquire()
        finally:
            self._waiting -= 1
        try:
            connection = await self._source.acquire()
            try:
                yield connection
            finally:
                await self._source.release(connection)
        finally:
            self._turns.release()

    def traced(self, sql: str) -> AbstractContextManager[None]:
        if telemetry.tracing() is None:
            return nullcontext()
        return telemetry.statement_span(sql, self.name)

    async def fetchrow(self, statement: Statement, **values: Any) -> Row | None:
        async with self.connection() as connection:
            with self.traced(statement.sql):
                row: Row | None = await connection.fetchrow(statement.sql, *statement.args(values))
            return row

    async def ready(self) -> None:
        async with self.connection() as connection:
            await connection.execute("SELECT 1")

    # platform_common.database.OtherPool
    def connections_in_use(self) -> int:
        pool = self._source
        return int(pool.get_size() - pool.get_idle_size())

    def connections_waiting(self) -> int:
        return self._waiting

    def connections_max(self) -> int:
        return int(self._source.get_max_size())


class _Connection(asyncpg.Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        # Nothing here outlives a transaction (advisory locks are transaction
        # level; no LISTEN, no session settings, no open cursors), so the
        # pool's default reset (a round trip on every release) is skipped. A
        # transaction left open is still rolled back by asyncpg itself.
        return ""


async def create_pool(url: str, *, size: int) -> asyncpg.Pool:
    """No connection at start: a database still down does not stop the service (503s)."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url.replace("postgresql+asyncpg://", "postgresql://", 1),
        min_size=0,
        max_size=size,
        connection_class=_Connection,
        max_inactive_connection_lifetime=1800,
    )
    return pool


# --- statements --------------------------------------------------------------

_owner = bindparam("owner_id", type_=Note.owner_id.type)
_note_id = bindparam("note_id", type_=Note.id.type)
# NULL: any version (no If-Match, or `If-Match: *`); else the versions it names.
_versions = bindparam("versions", type_=ARRAY(Integer))
_owner_deleted = exists().where(DeletedOwner.owner_id == _owner)

READ = Statement(select(*NOTE_COLUMNS).where(Note.id == _note_id, Note.owner_id == _owner))

# Writes run after the per-owner shared lock (LOCK_FOR_WRITING), in a statement
# of their own: under read committed it sees a purge that committed while the
# lock was awaited, and then writes nothing.
LOCK_FOR_WRITING = Statement(select(func.pg_advisory_xact_lock_shared(bindparam("lock_key"))))

INSERT = Statement(
    insert(Note)
    .from_select(
        ["owner_id", "title", "description"],
        select(
            _owner,
            bindparam("title", type_=Note.title.type),
            bindparam("description", type_=Note.description.type),
        ).where(~_owner_deleted),
    )
    .returning(*NOTE_COLUMNS)
)

_this_note = (
    Note.id == _note_id,
    Note.owner_id == _owner,
    or_(_versions.is_(None), Note.version == any_(_versions)),
    ~_owner_deleted,
)

# PATCH sends some fields: NULL keeps the stored value (a sent null is refused earlier).
UPDATE = Statement(
    update(Note)
    .where(*_this_note)
    .values(
        title=func.coalesce(bindparam("title", type_=Note.title.type), Note.title),
        description=func.coalesce(
            bindparam("description", type_=Note.description.type), Note.description
        ),
        version=Note.version + 1,
        updated_date=func.now(),
    )
    .returning(*NOTE_COLUMNS)
)

DELETE = Statement(sql_delete(Note).where(*_this_note).returning(*NOTE_COLUMNS))

# Why a write changed nothing: the owner is gone, the note is missing, or it changed.
REFUSAL = Statement(
    select(
        _owner_deleted.label("owner_deleted"),
        exists().where(Note.id == _note_id, Note.owner_id == _owner).label("found"),
    )
)


def owner_lock_key(owner_id: uuid.UUID) -> int:
    # Advisory locks take one bigint: half of the UUID. Two owners sharing a
    # key only wait for each other's purge; nothing is refused wrongly.
    return int.from_bytes(owner_id.bytes[:8], "big", signed=True)


async def read_note(db: Database, owner_id: uuid.UUID, note_id: int) -> Row | None:
    return await db.fetchrow(READ, note_id=note_id, owner_id=owner_id)


async def write(
    db: Database, statement: Statement, owner_id: uuid.UUID, **values: Any
) -> tuple[Row | None, Row | None]:
    """Run one note write under the owner's shared lock, in its own transaction.

    Returns (the row written, None), or (None, why nothing was written: a
    REFUSAL row) when no row matched.
    """
    async with db.connection() as connection, connection.transaction():
        with db.traced(LOCK_FOR_WRITING.sql):
            await connection.execute(LOCK_FOR_WRITING.sql, owner_lock_key(owner_id))
        with db.traced(statement.sql):
            row = await connection.fetchrow(
                statement.sql, *statement.args({"owner_id": owner_id, **values})
            )
        if row is not None:
            return row, None
        if "note_id" not in values:  # an insert refused: only a deleted owner does that
            return None, None
        with db.traced(REFUSAL.sql):
            refusal = await connection.fetchrow(
                REFUSAL.sql, *REFUSAL.args({"owner_id": owner_id, "note_id": values["note_id"]})
            )
        return None, refusal
