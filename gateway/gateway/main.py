import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles

from gateway.config import Settings, get_settings
from gateway.docs import ASSETS_PATH, SWAGGER_ASSETS, TITLE, VERSION, docs_router
from gateway.middleware import GatewayMiddleware
from gateway.readiness import readiness
from gateway.state import GatewayState
from platform_common.background import background_task
from platform_common.health import health_router
from platform_common.observability import RequestContextMiddleware, configure_logging
from platform_common.paths import TrailingSlashMiddleware

SERVICE = "gateway"


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """`transports` replaces the network for the named upstreams (tests, other HTTP stacks)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The gateway's own routes head the merged document.
        base = get_openapi(title=TITLE, version=VERSION, routes=app.routes)
        gateway = GatewayState(settings, base_document=base, transports=transports)
        app.state.gateway = gateway
        revocations = gateway.revocations
        poller = revocations.poll_forever() if revocations is not None else None
        try:
            async with background_task(poller, name="revocations-poller"):
                yield
        finally:
            await gateway.aclose()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.include_router(health_router(readiness))
    app.include_router(docs_router)
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")
    # Added innermost first: the request id and access log wrap everything,
    # CORS answers preflights before any token check.
    app.add_middleware(TrailingSlashMiddleware)
    app.add_middleware(GatewayMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "X-Total-Count", "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware, service=SERVICE)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory gateway.main:app`."""
    configure_logging(SERVICE, get_settings().log_level)
    # httpx logs every request it sends at INFO: a second line per proxied request.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return create_app()
