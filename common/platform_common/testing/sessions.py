"""Each test in a transaction that is rolled back ("joining a Session into an
external transaction", SQLAlchemy's recipe): the service's own commits become
savepoints, so every test starts from the migrated, empty database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


@asynccontextmanager
async def rolled_back_session(
    app: FastAPI, engine: AsyncEngine, session_dependency: Callable[..., Any] | None = None
) -> AsyncIterator[AsyncSession]:
    """A session the app's `session_dependency` (if any) also hands out, undone at the end.

    Without one (notes-service runs on asyncpg), the caller hands the app the
    session's connection its own way.
    """
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

        async def override() -> AsyncIterator[AsyncSession]:
            yield session

        if session_dependency is not None:
            app.dependency_overrides[session_dependency] = override
        try:
            yield session
        finally:
            if session_dependency is not None:
                app.dependency_overrides.pop(session_dependency, None)
            await session.close()
            await transaction.rollback()
