from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import async_sessionmaker

from notes_service.config import Settings, get_settings
from notes_service.errors import ServiceError, service_error_handler
from notes_service.routes import internal_router, router
from platform_common.app import create_service_app
from platform_common.background import background_task
from platform_common.database import create_database_engine, database_ready
from platform_common.observability import configure_logging
from platform_common.revocations import RevokedSubjects
from platform_common.tokens import AccessTokenVerifier, JwksCache

SERVICE = "notes-service"


async def readiness(request: Request) -> dict[str, Any]:
    return {"database": await database_ready(request.app.state.engine)}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_database_engine(settings.database_url, pool_size=settings.db_pool_size)
        jwks_client = httpx.AsyncClient()
        app.state.engine = engine
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        revocations = (
            RevokedSubjects(
                settings.revocations_url,
                jwks_client,
                interval=settings.revocations_poll_interval_seconds,
            )
            if settings.revocations_url
            else None
        )
        app.state.revocations = revocations
        app.state.token_verifier = AccessTokenVerifier(
            JwksCache(
                settings.jwks_url,
                jwks_client,
                max_age=settings.jwks_max_age_seconds,
                refetch_floor=settings.jwks_refetch_floor_seconds,
            ),
            issuer=settings.jwt_issuer,
            audiences=settings.jwt_audiences,
            revocations=revocations,
        )
        poller = revocations.poll_forever() if revocations is not None else None
        try:
            async with background_task(poller, name="revocations-poller"):
                yield
        finally:
            await jwks_client.aclose()
            await engine.dispose()

    app = create_service_app(
        service=SERVICE,
        readiness=readiness,
        routers=[router, internal_router],
        trusted_proxies=settings.trusted_proxies,
        title="notes-service",
        version="0.1.0",
        description="Each user's notes, visible only to their owner.",
        lifespan=lifespan,
    )
    app.add_exception_handler(ServiceError, service_error_handler)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory notes_service.main:app`."""
    configure_logging(SERVICE, get_settings().log_level)
    return create_app()
