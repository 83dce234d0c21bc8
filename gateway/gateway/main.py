import asyncio
import importlib.resources
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from gateway.config import Settings, get_settings
from gateway.middleware import GatewayMiddleware
from gateway.proxy import Upstream
from gateway.state import Gateway
from platform_common.app import create_service_app
from platform_common.observability import configure_logging

SERVICE = "gateway"
TITLE = "Notes platform API"
VERSION = "0.1.0"


async def _upstream_check(upstream: Upstream, limit_seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = await upstream.client.get(upstream.url + "/health/live", timeout=limit_seconds)
    except httpx.HTTPError as exc:
        return {"ok": False, "error": type(exc).__name__, "circuit": upstream.breaker.state}
    return {
        "ok": response.status_code == 200,
        "status": response.status_code,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        "circuit": upstream.breaker.state,
    }


async def readiness(request: Request) -> dict[str, Any]:
    gateway: Gateway = request.app.state.gateway
    checks = await asyncio.gather(
        *(_upstream_check(u, gateway.health_timeout) for u in gateway.upstreams)
    )
    if gateway.jwks.age is None:
        await gateway.jwks.refresh()  # at most once per refetch floor
    age = gateway.jwks.age
    return {
        **{u.name: check for u, check in zip(gateway.upstreams, checks, strict=True)},
        "jwks": {
            "ok": age is not None,
            "age_seconds": None if age is None else round(age, 1),
            "keys": len(list(gateway.jwks.key_ids)),
        },
    }


docs_router = APIRouter()


@docs_router.get("/openapi.json", include_in_schema=False)
async def openapi_document(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    return Response(await gateway.docs.body(), media_type="application/json")


# Swagger UI's files come from the fastapi-offline package, not a CDN: the docs
# must work on a network that reaches only the gateway.
SWAGGER_ASSETS = Path(str(importlib.resources.files("fastapi_offline") / "static"))
ASSETS_PATH = "/docs/assets"


@docs_router.get("/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )


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
        gateway = Gateway(settings, base_document=base, transports=transports)
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
            expose_headers=["X-Request-ID", "X-Total-Count", "Retry-After"],
        )
        middleware.insert(0, cors)
    # No trusted_proxies: the gateway works out the client address itself.
    app = create_service_app(
        service=SERVICE,
        readiness=readiness,
        routers=[docs_router],
        database=False,
        middleware=middleware,
        title=TITLE,
        version=VERSION,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory gateway.main:app`."""
    configure_logging(SERVICE, get_settings().log_level)
    # httpx logs every request it sends at INFO: a second line per proxied request.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return create_app()
