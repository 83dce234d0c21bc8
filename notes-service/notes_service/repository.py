"""The one module that runs SQL: every statement of notes-service, on asyncpg.

Statements are written with SQLAlchemy Core from the models (the source of
truth for tables and migrations), compiled once (at import, or once per
listing shape) to asyncpg's `$n` form, and run on a plain asyncpg pool: no
ORM session, no greenlet hop and no compile per request (issue 12: that
machinery cost more than everything else in a request together).

A note is declared once. What is read of it is every column of `Note` that is
not deferred (`NOTE_COLUMNS`); what a client writes is the fields of
`NoteWrite`, each a column of the same name (`NOTE_FIELDS`), from which the
INSERT and the UPDATE are built; the answer is `NoteRead`, validated from the
row. Adding a field is the model, the schemas and a migration
(docs/architecture.md, "Add a field to notes").

No other module holds a connection: a `Database` runs one statement, or hands
out an `Executor` that runs several on one connection, in a transaction or
not. A `Database` wraps a pool (the service) or one connection (tests that
roll back: its transactions become savepoints).

No note outlives its owner. The purge and every note write of one owner are
serialised by a per-owner transaction-level advisory lock
(`owner_transaction`): the purge takes it exclusively, records the owner in
`deleted_owners` and deletes the notes; a write takes it shared, and its own
statement refuses to write for a recorded owner. Each runs after the lock in a
statement of its own: under read committed it sees what committed while the
lock was awaited. Reads take no lock: after the purge there is nothing left.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    nullcontext,
)
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import asyncpg
from sqlalchemy import (
    BindParameter,
    Integer,
    Interval,
    Text,
    any_,
    bindparam,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from notes_service import events
from notes_service.models import DeletedOwner, IdempotencyKey, Note, OutboxEvent
from notes_service.schemas import NoteWrite
from platform_common import telemetry
from platform_common.database import measure_pool

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]
EXPIRED_KEYS_PER_REQUEST = 100


class Row(Protocol):
    """What callers use of an asyncpg record: a row of NOTE_COLUMNS, or of another statement."""

    def __getitem__(self, key: str) -> Any: ...

    def keys(self) -> Iterable[str]: ...


class Statement:
    """A SQLAlchemy statement compiled once for asyncpg; `args()` orders the values."""

    __slots__ = ("_defaults", "parameters", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        # Values SQLAlchemy bound itself (e.g. the 1 of `version + 1`).
        self._defaults = {name: bind.value for name, bind in compiled.binds.items()}

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[n] if n in values else self._defaults[n] for n in self.parameters]


class Executor:
    """Statements run on one connection of a `Database`, each traced."""

    __slots__ = ("_connection", "_database", "recorded")

    def __init__(self, database: Database, connection: asyncpg.Connection) -> None:
        self._database = database
        self._connection = connection
        self.recorded = False  # an outbox event was written (a *_RECORDED statement)

    @property
    def outbox(self) -> bool:
        return self._database.outbox

    async def execute(self, statement: Statement, **values: Any) -> None:
        with self._database.traced(statement.sql):
            await self._connection.execute(statement.sql, *statement.args(values))

    async def fetch(self, statement: Statement, **values: Any) -> list[Row]:
        with self._database.traced(statement.sql):
            rows: list[Row] = await self._connection.fetch(statement.sql, *statement.args(values))
        return rows

    async def fetchrow(self, statement: Statement, **values: Any) -> Row | None:
        with self._database.traced(statement.sql):
            row: Row | None = await self._connection.fetchrow(
                statement.sql, *statement.args(values)
            )
        return row

    async def fetchval(self, statement: Statement, **values: Any) -> Any:
        with self._database.traced(statement.sql):
            return await self._connection.fetchval(statement.sql, *statement.args(values))


class _Lease:
    """A turn (Database._turns, first come first served) and then a connection of the
    pool, given back in the reverse order. A class, not a generator-based context
    manager: GET /notes/{id}'s read takes one per request (bench/README.md, round 10)."""

    __slots__ = ("_connection", "_database", "_pool")

    def __init__(self, database: Database, pool: asyncpg.Pool) -> None:
        self._database = database
        self._pool = pool
        self._connection: asyncpg.Connection | None = None

    async def __aenter__(self) -> asyncpg.Connection:
        database = self._database
        database._waiting += 1
        try:
            await database._turns.acquire()
        finally:
            database._waiting -= 1
        try:
            self._connection = await self._pool.acquire()
        except BaseException:
            database._turns.release()
            raise
        return self._connection

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self._pool.release(self._connection)
        finally:
            self._database._turns.release()


class Database:
    """Where statements run: a pool, or one connection already in a transaction (tests).

    A pool is counted in the `db_pool_*` metrics like SQLAlchemy's; with
    tracing on, each statement of a traced request is a span (as
    platform_common.telemetry.trace_engine makes them for an engine).
    """

    def __init__(
        self, source: asyncpg.Pool | asyncpg.Connection, *, name: str = "", outbox: bool = False
    ) -> None:
        self._source = source
        self.name = name  # the database's, for spans
        # Whether note changes are written to the outbox (a webhooks URL is set).
        self.outbox = outbox
        # Set when a transaction that wrote outbox events commits: this
        # process's publisher sends them at once instead of at its next poll.
        self.events_committed = asyncio.Event()
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

    def connection(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """A connection for a few statements: the test's own, or one of the pool's in turn."""
        if not isinstance(self._source, asyncpg.Pool):
            return nullcontext(self._source)
        return _Lease(self, self._source)

    @asynccontextmanager
    async def executor(self) -> AsyncIterator[Executor]:
        """Several statements on one connection, each committed alone."""
        async with self.connection() as connection:
            yield Executor(self, connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """Several statements in one transaction, committed at the end (rolled back on error)."""
        async with self.connection() as connection:
            async with connection.transaction():
                run = Executor(self, connection)
                yield run
            if run.recorded:
                self.events_committed.set()

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


# --- a note's fields ---------------------------------------------------------

# What every statement returns of a note: every column but the deferred search
# vector (the answer's fields, the owner and the version, which is the ETag).
NOTE_COLUMNS = tuple(
    getattr(Note, column.key) for column in inspect(Note).column_attrs if not column.deferred
)
# What a client writes: the write schema's fields, each a column of the model.
NOTE_FIELDS = tuple(NoteWrite.model_fields)
_written = {name: getattr(Note, name) for name in NOTE_FIELDS}
_given = {name: bindparam(name, type_=column.type) for name, column in _written.items()}

# --- notes -------------------------------------------------------------------

_owner = bindparam("owner_id", type_=Note.owner_id.type)
_note_id = bindparam("note_id", type_=Note.id.type)
# NULL: any version (no If-Match, or `If-Match: *`); else the versions it names.
_versions = bindparam("versions", type_=ARRAY(Integer))
_owner_deleted = exists().where(DeletedOwner.owner_id == _owner)

READ = Statement(select(*NOTE_COLUMNS).where(Note.id == _note_id, Note.owner_id == _owner))

# Untyped: Postgres reads it as the lock functions' bigint.
_lock_key: BindParameter[int] = bindparam("lock_key")
LOCK_FOR_WRITING = Statement(select(func.pg_advisory_xact_lock_shared(_lock_key)))
LOCK_FOR_PURGE = Statement(select(func.pg_advisory_xact_lock(_lock_key)))

_insert = (
    insert(Note)
    .from_select(["owner_id", *_given], select(_owner, *_given.values()).where(~_owner_deleted))
    .returning(*NOTE_COLUMNS)
)
INSERT = Statement(_insert)

_this_note = (
    Note.id == _note_id,
    Note.owner_id == _owner,
    or_(_versions.is_(None), Note.version == any_(_versions)),
    ~_owner_deleted,
)

# PATCH sends some fields: NULL keeps the stored value (a sent null is refused earlier).
_update = (
    update(Note)
    .where(*_this_note)
    .values(
        {
            **{name: func.coalesce(_given[name], column) for name, column in _written.items()},
            "version": Note.version + 1,
            "updated_date": func.now(),
        }
    )
    .returning(*NOTE_COLUMNS)
)
UPDATE = Statement(_update)

_delete = sql_delete(Note).where(*_this_note).returning(*NOTE_COLUMNS)
DELETE = Statement(_delete)

# Why a write changed nothing: the owner is gone, the note is missing, or it changed.
REFUSAL = Statement(
    select(
        _owner_deleted.label("owner_deleted"),
        exists().where(Note.id == _note_id, Note.owner_id == _owner).label("found"),
    )
)

OWNER_DELETED = Statement(select(_owner_deleted))
RECORD_DELETED_OWNER = Statement(
    insert(DeletedOwner).values(owner_id=_owner).on_conflict_do_nothing()
)
_purged = sql_delete(Note).where(Note.owner_id == _owner).returning(Note.id).cte("purged")
PURGE = Statement(select(func.count()).select_from(_purged))

# --- the outbox --------------------------------------------------------------


def _recorded(write: Any, kind: events.EventType, fields: tuple[str, ...], after: int) -> Statement:
    """`write` (returning the note) and its outbox event, in one statement.

    The event's data is the note's `fields` as JSON (the publisher reads them
    through the answer's model); its sequence is the version `write` leaves,
    plus `after` (the deletion's comes after the last version).
    """
    written = write.cte("written")
    data = func.jsonb_build_object(*(part for f in fields for part in (literal(f), written.c[f])))
    event = insert(OutboxEvent).from_select(
        ["owner_id", "note_id", "type", "sequence", "data", "traceparent", "tracestate"],
        select(
            written.c.owner_id,
            written.c.id,
            literal(kind, OutboxEvent.type.type),
            written.c.version + after,
            data,
            bindparam("traceparent", type_=OutboxEvent.traceparent.type),
            bindparam("tracestate", type_=OutboxEvent.tracestate.type),
        ),
    )
    return Statement(select(*(written.c[c.key] for c in NOTE_COLUMNS)).add_cte(event.cte("event")))


INSERT_RECORDED = _recorded(_insert, events.NOTE_CREATED, events.ANSWER_FIELDS, 0)
UPDATE_RECORDED = _recorded(_update, events.NOTE_UPDATED, events.ANSWER_FIELDS, 0)
DELETE_RECORDED = _recorded(_delete, events.NOTE_DELETED, events.DELETED_FIELDS, 1)
# Due events, oldest first, skipping those another publisher is claiming
# right now; each claimed one is hidden for a lease (its next attempt moved
# on) in the same statement, committed before anything is sent.
_due = (
    select(OutboxEvent.id)
    .where(OutboxEvent.next_attempt_at <= func.clock_timestamp())
    .order_by(OutboxEvent.next_attempt_at)
    .limit(bindparam("limit", type_=Integer))
    .with_for_update(skip_locked=True)
)
CLAIM_EVENTS = Statement(
    update(OutboxEvent)
    .where(OutboxEvent.id.in_(_due.scalar_subquery()))
    .values(
        attempts=OutboxEvent.attempts + 1,
        next_attempt_at=func.clock_timestamp() + bindparam("lease", type_=Interval),
    )
    .returning(
        OutboxEvent.id,
        OutboxEvent.type,
        OutboxEvent.owner_id,
        OutboxEvent.note_id,
        OutboxEvent.sequence,
        OutboxEvent.occurred_at,
        sql_cast(OutboxEvent.data, Text).label("data"),
        OutboxEvent.traceparent,
        OutboxEvent.tracestate,
        OutboxEvent.attempts,
    )
)
_event_ids = bindparam("ids", type_=ARRAY(OutboxEvent.id.type))
FORGET_EVENTS = Statement(sql_delete(OutboxEvent).where(OutboxEvent.id == any_(_event_ids)))
RESCHEDULE_EVENTS = Statement(
    update(OutboxEvent)
    .where(OutboxEvent.id == any_(_event_ids))
    .values(
        next_attempt_at=func.clock_timestamp() + bindparam("delay", type_=Interval),
        last_error=bindparam("error", type_=Text),
    )
)
PURGE_EVENTS = Statement(sql_delete(OutboxEvent).where(OutboxEvent.owner_id == _owner))
OUTBOX_BACKLOG = Statement(
    select(
        func.count().label("pending"),
        func.coalesce(
            func.extract("epoch", func.clock_timestamp() - func.min(OutboxEvent.occurred_at)), 0
        ).label("oldest_age"),
    )
)

# --- idempotency keys --------------------------------------------------------

_key = bindparam("key", type_=IdempotencyKey.key.type)
_this_key = (IdempotencyKey.owner_id == _owner, IdempotencyKey.key == _key)

TRY_KEY_LOCK = Statement(select(func.pg_try_advisory_xact_lock(_lock_key)))
# The body as text: the pool's connections decode JSON to text, a test's
# (configured by SQLAlchemy) to objects; read as text, both agree.
STORED_ANSWER = Statement(
    select(
        IdempotencyKey.fingerprint,
        IdempotencyKey.status_code,
        sql_cast(IdempotencyKey.response, Text).label("response"),
        IdempotencyKey.etag,
    ).where(*_this_key, IdempotencyKey.expires_at > func.now())
)
FORGET_KEY = Statement(sql_delete(IdempotencyKey).where(*_this_key))
STORE_ANSWER = Statement(
    insert(IdempotencyKey).values(
        owner_id=_owner,
        key=_key,
        fingerprint=bindparam("fingerprint", type_=IdempotencyKey.fingerprint.type),
        status_code=bindparam("status_code", type_=IdempotencyKey.status_code.type),
        response=sql_cast(bindparam("body", type_=Text), JSONB),
        etag=bindparam("etag", type_=IdempotencyKey.etag.type),
        expires_at=func.now() + bindparam("ttl", type_=Interval),
    )
)
_expired = (
    select(IdempotencyKey.owner_id, IdempotencyKey.key)
    .where(IdempotencyKey.expires_at < func.now())
    .limit(EXPIRED_KEYS_PER_REQUEST)
    .with_for_update(skip_locked=True)
)
PURGE_EXPIRED_KEYS = Statement(
    sql_delete(IdempotencyKey).where(
        tuple_(IdempotencyKey.owner_id, IdempotencyKey.key).in_(_expired.scalar_subquery())
    )
)


# --- what the service runs ---------------------------------------------------


def owner_lock_key(owner_id: uuid.UUID) -> int:
    # Advisory locks take one bigint: half of the UUID. Two owners sharing a
    # key only wait for each other's purge; nothing is refused wrongly.
    return int.from_bytes(owner_id.bytes[:8], "big", signed=True)


@asynccontextmanager
async def owner_transaction(
    db: Database, owner_id: uuid.UUID, *, exclusive: bool = False
) -> AsyncIterator[Executor]:
    """A transaction holding the owner's lock: shared (writes), or exclusive (the purge)."""
    async with db.transaction() as run:
        lock = LOCK_FOR_PURGE if exclusive else LOCK_FOR_WRITING
        await run.execute(lock, lock_key=owner_lock_key(owner_id))
        yield run


async def read_note(db: Database, owner_id: uuid.UUID, note_id: int) -> Row | None:
    return await db.fetchrow(READ, note_id=note_id, owner_id=owner_id)


async def _write(run: Executor, plain: Statement, recorded: Statement, **values: Any) -> Row | None:
    """A note write, with its outbox event when the outbox is on."""
    if not run.outbox:
        return await run.fetchrow(plain, **values)
    row = await run.fetchrow(recorded, **values, **events.trace_context())
    run.recorded = run.recorded or row is not None
    return row


async def insert_note(run: Executor, owner_id: uuid.UUID, fields: Mapping[str, Any]) -> Row | None:
    """The new note; None when the owner is deleted."""
    return await _write(run, INSERT, INSERT_RECORDED, owner_id=owner_id, **fields)


async def update_note(
    run: Executor,
    owner_id: uuid.UUID,
    note_id: int,
    changes: Mapping[str, Any],
    versions: list[int] | None,
) -> Row | None:
    """The note with `changes` (fields absent are kept); None when nothing matched."""
    fields = {name: changes.get(name) for name in NOTE_FIELDS}
    return await _write(
        run,
        UPDATE,
        UPDATE_RECORDED,
        owner_id=owner_id,
        note_id=note_id,
        versions=versions,
        **fields,
    )


async def delete_note(
    run: Executor, owner_id: uuid.UUID, note_id: int, versions: list[int] | None
) -> Row | None:
    """The deleted note; None when nothing matched."""
    return await _write(
        run, DELETE, DELETE_RECORDED, owner_id=owner_id, note_id=note_id, versions=versions
    )


async def refusal(run: Executor, owner_id: uuid.UUID, note_id: int) -> Row:
    """Why a write matched nothing: `owner_deleted`, or whether the note was `found`."""
    row = await run.fetchrow(REFUSAL, owner_id=owner_id, note_id=note_id)
    assert row is not None  # a SELECT of two EXISTS has one row
    return row


async def owner_deleted(run: Executor, owner_id: uuid.UUID) -> bool:
    return bool(await run.fetchval(OWNER_DELETED, owner_id=owner_id))


async def purge_notes(run: Executor, owner_id: uuid.UUID) -> int:
    """Record the owner as deleted, delete their notes and their unsent events:
    how many notes there were."""
    await run.execute(RECORD_DELETED_OWNER, owner_id=owner_id)
    # Whether or not the outbox is on now: rows of a time it was stay theirs.
    await run.execute(PURGE_EVENTS, owner_id=owner_id)
    return int(await run.fetchval(PURGE, owner_id=owner_id))


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """An outbox row leased to this publisher."""

    id: uuid.UUID
    type: str
    owner_id: uuid.UUID
    note_id: int
    sequence: int
    occurred_at: datetime
    data: dict[str, Any]
    traceparent: str | None
    tracestate: str | None
    attempts: int


async def claim_events(db: Database, *, limit: int, lease: timedelta) -> list[ClaimedEvent]:
    """Up to `limit` due events, leased for `lease`, in the order they happened."""
    async with db.transaction() as run:
        rows = await run.fetch(CLAIM_EVENTS, limit=limit, lease=lease)
    events = [ClaimedEvent(**{**dict(row), "data": json.loads(row["data"])}) for row in rows]
    return sorted(events, key=lambda event: (event.occurred_at, event.sequence))


async def forget_events(db: Database, ids: list[uuid.UUID]) -> None:
    """Acknowledged: gone for good."""
    async with db.transaction() as run:
        await run.execute(FORGET_EVENTS, ids=ids)


async def reschedule_events(
    db: Database, ids: list[uuid.UUID], *, delay: timedelta, error: str
) -> None:
    async with db.transaction() as run:
        await run.execute(RESCHEDULE_EVENTS, ids=ids, delay=delay, error=error[:1000])


async def outbox_backlog(db: Database) -> tuple[int, float]:
    """How many events wait, and the age in seconds of the oldest (0: none)."""
    row = await db.fetchrow(OUTBOX_BACKLOG)
    assert row is not None  # an aggregate without GROUP BY has one row
    return int(row["pending"]), float(row["oldest_age"])


async def try_key_lock(run: Executor, lock_key: int) -> bool:
    """Whether this transaction now holds the lock (False: another one does)."""
    return bool(await run.fetchval(TRY_KEY_LOCK, lock_key=lock_key))


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer given to an Idempotency-Key, replayed to its retries."""

    status_code: int
    body: dict[str, Any]
    etag: str


async def stored_answer(
    run: Executor, owner_id: uuid.UUID, key: str
) -> tuple[bytes, StoredAnswer] | None:
    """The live answer of a key, and the fingerprint of the request it answered."""
    row = await run.fetchrow(STORED_ANSWER, owner_id=owner_id, key=key)
    if row is None:
        return None
    body = json.loads(row["response"])
    return row["fingerprint"], StoredAnswer(row["status_code"], body, row["etag"])


async def store_answer(
    run: Executor,
    owner_id: uuid.UUID,
    key: str,
    fingerprint: bytes,
    answer: StoredAnswer,
    ttl: timedelta,
) -> None:
    """Keep a key's answer for `ttl`, in place of an expired one; drop a few expired keys."""
    this_key = {"owner_id": owner_id, "key": key}
    await run.execute(FORGET_KEY, **this_key)
    stored = {**asdict(answer), "body": json.dumps(answer.body)}
    await run.execute(STORE_ANSWER, **this_key, **stored, fingerprint=fingerprint, ttl=ttl)
    # A few rows per keyed request: the table stays near its live size without
    # a background job, and no request pays for a large backlog at once.
    await run.execute(PURGE_EXPIRED_KEYS)
