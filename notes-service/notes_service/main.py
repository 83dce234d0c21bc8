import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from fastapi import FastAPI, Request

from notes_service.bulkhead import Bulkhead, SearchesBusy, searches_busy_handler
from notes_service.config import Settings, get_settings
from notes_service.errors import asyncpg_error_handler
from notes_service.publisher import Publisher
from notes_service.repository import Database, create_pool
from notes_service.routes import internal_router, router
from notes_service.webhooks_client import PUBLISH_SCOPE, WebhooksClient
from platform_common.app import create_backend_app, uvicorn_factory
from platform_common.background import background_task
from platform_common.outbox_pacing import OutboxPacing
from platform_common.replicas import internal_client
from platform_common.service_token import ServiceToken
from platform_common.verification import remote_verification, revocations_readiness

SERVICE = "notes-service"


async def readiness(request: Request) -> dict[str, Any]:
    database = await _database_ready(request.app.state.database)
    return {"database": database, **revocations_readiness(request)}


async def _database_ready(database: Database) -> dict[str, object]:
    try:
        async with asyncio.timeout(2.0):
            await database.ready()
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


@asynccontextmanager
async def publishing(settings: Settings, database: Database) -> AsyncIterator[None]:
    """The outbox's publisher in the background, when a webhooks URL is set."""
    if not settings.outbox_enabled or settings.webhooks_client_secret is None:
        yield
        return
    timeout = settings.webhooks_timeout_seconds
    async with (
        internal_client(settings.auth_url, timeout=timeout) as auth_http,
        internal_client(settings.webhooks_url, timeout=timeout) as webhooks_http,
    ):
        token = ServiceToken(
            auth_http,
            client_id=settings.webhooks_client_id,
            client_secret=settings.webhooks_client_secret,
            scope=PUBLISH_SCOPE,
        )
        publisher = Publisher(
            database,
            WebhooksClient(webhooks_http, token=token),
            pacing=OutboxPacing.from_settings(settings),
        )
        # Cancelled mid-call at shutdown, its events stay leased and are sent
        # again after the lease: webhooks-service deduplicates them.
        async with background_task(publisher.run_forever(), name="outbox-publisher"):
            yield


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every statement runs on this pool (notes_service.repository).
        pool = await create_pool(settings.database_url, size=settings.db_pool_size)
        database = Database(
            pool,
            name=urlsplit(settings.database_url).path.lstrip("/"),
            outbox=settings.outbox_enabled,
        )
        app.state.database = database
        app.state.search_bulkhead = Bulkhead(
            settings.search_concurrency, settings.search_wait_seconds
        )
        try:
            async with (
                remote_verification(app, settings, audiences=settings.jwt_audiences),
                publishing(settings, database),
            ):
                yield
        finally:
            await pool.close()

    return create_backend_app(
        settings,
        service=SERVICE,
        readiness=readiness,
        routers=[router, internal_router],
        # 1.0.0: stable operation ids (`notes-list`...), FastAPI's generated ones renamed.
        # 1.1.0: GET /notes/?q= may answer 503 (Retry-After) past the search bulkhead.
        version="1.1.0",
        description="Each user's notes, visible only to their owner.",
        lifespan=lifespan,
        exception_handlers={
            asyncpg.PostgresError: asyncpg_error_handler,
            asyncpg.InterfaceError: asyncpg_error_handler,
            asyncpg.InternalClientError: asyncpg_error_handler,
            SearchesBusy: searches_busy_handler,
        },
    )


app = uvicorn_factory(SERVICE, create_app, get_settings)
