"""Database URL handling, engines and their pool metrics, and the 503 for a database gone
(Alembic's environment: platform_common.migration_env)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import pool, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from platform_common.telemetry import trace_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def async_database_url(url: str) -> str:
    """Accept the usual `postgresql://` form and pick the asyncpg driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


_POOLS: weakref.WeakSet[MeasuredPool] = weakref.WeakSet()
# SQLAlchemy names a pool's logger after its class and quiets its own
# namespace ("sqlalchemy", WARNING); this subclass lives outside it.
logging.getLogger(f"{__name__}.MeasuredPool").setLevel(logging.WARNING)


class FairQueue(AsyncAdaptedQueue[ConnectionPoolEntry]):
    """A pool's idle connections, handed out first come, first served.

    SQLAlchemy's queue is an asyncio.Queue: a released connection wakes the
    longest waiter, but whoever asks before that waiter runs takes it, and
    the waiter goes back to the end of the line. Under load that is a long
    tail (notes-service's pool, item 25 of bench/README.md). Here a released
    connection goes straight to the longest waiter, and nobody passes one.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[ConnectionPoolEntry]] = deque()

    def put_nowait(self, item: ConnectionPoolEntry) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def get_nowait(self) -> ConnectionPoolEntry:
        if self._waiters:
            raise Empty()  # not before those already waiting
        return super().get_nowait()

    def get(self, block: bool = True, timeout: float | None = None) -> ConnectionPoolEntry:
        try:
            return self.get_nowait()
        except Empty:
            if not block:
                raise
        return await_(self._wait(timeout))  # timeout: the pool's (30 s)

    async def _wait(self, seconds: float | None) -> ConnectionPoolEntry:
        waiter: asyncio.Future[ConnectionPoolEntry] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                # Handed over just as the wait ended.
                if isinstance(exc, TimeoutError):
                    return waiter.result()
                self.put_nowait(waiter.result())
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Empty() from None
            raise


class MeasuredPool(pool.AsyncAdaptedQueuePool):
    """SQLAlchemy's pool for asyncio, first come first served (FairQueue), counting
    who waits for a connection.

    Registered for the `db_pool_*` metrics from construction (a disposed
    engine's replacement pool is built the same way) until collected.
    """

    _queue_class = FairQueue
    waiting = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _POOLS.add(self)

    def connect(self) -> PoolProxiedConnection:
        # From the request for a connection until it is handed over: queued
        # behind a full pool, or opening a new one.
        self.waiting += 1
        try:
            return super().connect()
        finally:
            self.waiting -= 1


class OtherPool(Protocol):
    """A pool that is not SQLAlchemy's (notes-service's asyncpg pool), counted alike."""

    def connections_in_use(self) -> int: ...

    def connections_waiting(self) -> int: ...

    def connections_max(self) -> int: ...


_OTHER_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()


def measure_pool(pool: OtherPool) -> None:
    """Count `pool` in the `db_pool_*` metrics (until it is collected)."""
    _OTHER_POOLS.add(pool)


class PoolCollector(Collector):
    """The pools of this process, summed (a service has one engine, and maybe one other)."""

    def collect(self) -> Iterable[Metric]:
        pools = list(_POOLS)
        others: list[OtherPool] = list(_OTHER_POOLS)
        yield GaugeMetricFamily(
            "db_pool_connections_in_use",
            "Database connections checked out of the pool",
            value=sum(each.checkedout() for each in pools)
            + sum(each.connections_in_use() for each in others),
        )
        yield GaugeMetricFamily(
            "db_pool_connections_waiting",
            "Requests for a database connection not yet served",
            value=sum(each.waiting for each in pools)
            + sum(each.connections_waiting() for each in others),
        )
        yield GaugeMetricFamily(
            "db_pool_connections_max",
            "Connections the pool may open (size + overflow)",
            value=sum(each.size() + max(each._max_overflow, 0) for each in pools)
            + sum(each.connections_max() for each in others),
        )


REGISTRY.register(PoolCollector())


def create_database_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        async_database_url(url),
        poolclass=MeasuredPool,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,  # a restarted Postgres leaves dead connections in the pool
        pool_recycle=1800,
    )
    trace_engine(engine)  # when tracing is on: a span per statement of a traced request
    return engine


# SQLSTATE classes that mean "the server is not there right now", not "bad query":
# connection exceptions (08), operator intervention such as shutdown or
# "starting up" (57P), and insufficient resources like too many connections (53).
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53")


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost, refused or not-yet-ready connection, as opposed to a bug in a query."""
    if isinstance(exc, OSError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        return sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    return False


async def database_unavailable_handler(_: Request, exc: Exception) -> JSONResponse:
    """503 for a database that cannot be reached; anything else stays a bug (500)."""
    if not is_database_unavailable(exc):
        raise exc
    return JSONResponse(
        {"detail": "Database unavailable"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def add_database_error_handlers(app: FastAPI) -> None:
    """Answer 503 for an unreachable database, wherever in a request it shows."""
    # asyncpg raises OSError itself when the server refuses the connection.
    app.add_exception_handler(DBAPIError, database_unavailable_handler)
    app.add_exception_handler(OSError, database_unavailable_handler)


async def database_ready(engine: AsyncEngine) -> dict[str, object]:
    try:
        async with asyncio.timeout(2.0), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError, TimeoutError) as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}
