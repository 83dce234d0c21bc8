from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles

from gateway.config import Settings, get_settings
from gateway.docs import ASSETS_PATH, SWAGGER_ASSETS, TITLE, VERSION, docs_router
from gateway.middleware import GatewayMiddleware
from gateway.openapi_merge import Document
from gateway.quotas import document_quota
from gateway.readiness import READINESS_PATH, readiness
from gateway.state import GatewayState
from platform_common.app import create_service_app, uvicorn_factory

SERVICE = "gateway"


def own_document(app: FastAPI) -> Document:
    """The gateway's own routes, which head the merged document (also read by
    `make openapi` to write the merged document the Python client is built from)."""
    base = get_openapi(title=TITLE, version=VERSION, routes=app.routes)
    # The public's /health/ready is counted against its address (gateway.middleware).
    document_quota(base["paths"][READINESS_PATH]["get"])
    return base


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """`transports` replaces the network for the named upstreams (tests, other HTTP stacks)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = GatewayState(settings, base_document=own_document(app), transports=transports)
        app.state.gateway = gateway
        try:
            async with gateway.verification.polling():
                yield
        finally:
            await gateway.aclose()

    # Outermost first: CORS answers preflights before any token check.
    middleware = [Middleware(GatewayMiddleware)]
    if settings.cors_origins:
        cors = Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Request-ID",
                "X-Total-Count",
                "Retry-After",
                "ETag",
                "Link",
                "Idempotent-Replayed",
                "RateLimit",
                "RateLimit-Policy",
            ],
        )
        middleware.insert(0, cors)
    # No trusted_proxies: the gateway works out the client address itself.
    app = create_service_app(
        service=SERVICE,
        readiness=readiness,
        routers=[docs_router],
        database=False,
        middleware=middleware,
        drain_seconds=settings.shutdown_drain_seconds,
        public_edge=True,
        title=TITLE,
        version=VERSION,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")
    return app


app = uvicorn_factory(SERVICE, create_app, get_settings)
