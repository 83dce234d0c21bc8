"""A coroutine that runs for the life of a service (pollers, the outbox dispatcher)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def background_task(
    coroutine: Coroutine[Any, Any, None] | None, *, name: str
) -> AsyncIterator[None]:
    """Run `coroutine` (when given) during the block; then cancel it and wait for it to end."""
    if coroutine is None:
        yield
        return
    task = asyncio.create_task(coroutine, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def every(
    seconds: float,
    job: Callable[[], Awaitable[object]],
    *,
    what: str,
    retried: tuple[type[Exception], ...] = (),
) -> None:
    """Run `job` every `seconds`, forever (a `background_task`; cancel it to stop).

    An error of `retried` is logged as a warning and the next round tries
    again, since a dead task would stop the job until the next restart; any
    other error ends the task.
    """
    while True:
        try:
            await job()
        except retried:
            logger.warning("%s failed; retrying later", what, exc_info=True)
        await asyncio.sleep(seconds)


async def in_sessions_every(
    seconds: float,
    sessionmaker: async_sessionmaker[AsyncSession],
    job: Callable[[AsyncSession], Awaitable[object]],
    *,
    what: str,
) -> None:
    """`job` in a session of its own every `seconds`, forever (`every`); with
    the database down (DBAPIError, OSError) the next round tries again."""

    async def once() -> None:
        async with sessionmaker() as session:
            await job(session)

    await every(seconds, once, what=what, retried=(DBAPIError, OSError))
