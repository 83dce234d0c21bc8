"""The dependencies every service's routes take for its application state.

No `from __future__ import annotations` here: FastAPI reads the `Depends`
of `get_session`'s parameter from its annotation, which names a local.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")


class HasSessions(Protocol):
    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]: ...


# Dependencies are `async def` even where they do not await: FastAPI runs a
# plain `def` one in a thread pool, a hop per request that cost 40% of a
# request's CPU in the calibration (bench/README.md).
def app_state(attribute: str, kind: type[T]) -> Callable[[Request], Coroutine[Any, Any, T]]:
    """A dependency answering `request.app.state.<attribute>` (set by the lifespan)."""

    async def state(request: Request) -> T:
        value: T = getattr(request.app.state, attribute)
        return value

    return state


def session_dependency(
    state: Callable[[Request], Awaitable[HasSessions]],
) -> Callable[..., AsyncIterator[AsyncSession]]:
    """A dependency yielding a session of `state`'s sessionmaker for the request."""

    async def get_session(
        holder: Annotated[HasSessions, Depends(state)],
    ) -> AsyncIterator[AsyncSession]:
        async with holder.sessionmaker() as session:
            yield session

    return get_session
