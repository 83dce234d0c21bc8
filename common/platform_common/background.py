"""A coroutine that runs for the life of a service (pollers, the outbox dispatcher)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any


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
