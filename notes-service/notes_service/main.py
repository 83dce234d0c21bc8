import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from fastapi import FastAPI, Request

from notes_service.config import Settings, get_settings
from notes_service.errors import asyncpg_error_handler
from notes_service.repository import Database, create_pool
from notes_service.routes import internal_router, router
from platform_common.app import create_service_app, uvicorn_factory
from platform_common.verification import build_remote_verifier

SERVICE = "notes-service"


async def readiness(request: Request) -> dict[str, Any]:
    checks: dict[str, Any] = {"database": await _database_ready(request.app.state.database)}
    revocations = request.app.state.revocations
    if revocations is not None:
        # Until the list has loaded once, every token is refused (the verifier
        # fails closed): not ready, so no traffic is routed here meanwhile.
        checks["revocations"] = {"ok": revocations.loaded}
    return checks


async def _database_ready(database: Database) -> dict[str, object]:
    try:
        async with asyncio.timeout(2.0):
            await database.ready()
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every statement runs on this pool (notes_service.repository).
        pool = await create_pool(settings.database_url, size=settings.db_pool_size)
        app.state.database = Database(pool, name=urlsplit(settings.database_url).path.lstrip("/"))
        remote = build_remote_verifier(settings, audiences=settings.jwt_audiences)
        app.state.revocations = remote.revocations
        app.state.token_verifier = remote.verifier
        try:
            async with remote.polling():
                yield
        finally:
            await remote.aclose()
            await pool.close()

    app = create_service_app(
        service=SERVICE,
        readiness=readiness,
        routers=[router, internal_router],
        trusted_proxies=settings.trusted_proxies,
        drain_seconds=settings.shutdown_drain_seconds,
        title="notes-service",
        # 1.0.0: stable operation ids (`notes-list`...), FastAPI's generated ones renamed.
        version="1.0.0",
        description="Each user's notes, visible only to their owner.",
        lifespan=lifespan,
        exception_handlers={
            asyncpg.PostgresError: asyncpg_error_handler,
            asyncpg.InterfaceError: asyncpg_error_handler,
            asyncpg.InternalClientError: asyncpg_error_handler,
        },
    )
    app.state.settings = settings
    return app


app = uvicorn_factory(SERVICE, create_app, get_settings)
