from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import async_sessionmaker

from notes_service.config import Settings, get_settings
from notes_service.errors import ServiceError, service_error_handler
from notes_service.routes import internal_router, router
from platform_common.app import create_service_app
from platform_common.database import create_database_engine, database_ready
from platform_common.observability import configure_logging
from platform_common.verification import build_remote_verifier

SERVICE = "notes-service"


async def readiness(request: Request) -> dict[str, Any]:
    checks: dict[str, Any] = {"database": await database_ready(request.app.state.engine)}
    revocations = request.app.state.revocations
    if revocations is not None:
        # Until the list has loaded once, every token is refused (the verifier
        # fails closed): not ready, so no traffic is routed here meanwhile.
        checks["revocations"] = {"ok": revocations.loaded}
    return checks


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_database_engine(settings.database_url, pool_size=settings.db_pool_size)
        remote = build_remote_verifier(settings, audiences=settings.jwt_audiences)
        app.state.engine = engine
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        app.state.revocations = remote.revocations
        app.state.token_verifier = remote.verifier
        try:
            async with remote.polling():
                yield
        finally:
            await remote.aclose()
            await engine.dispose()

    app = create_service_app(
        service=SERVICE,
        readiness=readiness,
        routers=[router, internal_router],
        trusted_proxies=settings.trusted_proxies,
        drain_seconds=settings.shutdown_drain_seconds,
        title="notes-service",
        version="0.1.0",
        description="Each user's notes, visible only to their owner.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_exception_handler(ServiceError, service_error_handler)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory notes_service.main:app`."""
    configure_logging(SERVICE, get_settings().log_level)
    return create_app()
