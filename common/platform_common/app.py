"""The application assembly every service shares: one FastAPI app, built the same way.

What differs between services (their routers, error handlers, lifespan) is
passed in; what is common is done here once, in one order:

    ProxyHeadersMiddleware   client address and scheme from a trusted proxy (services only)
    RequestContextMiddleware request id, access log, metrics: wraps everything below
    <middleware>             the caller's own (the gateway's CORS and proxy), outermost first
    TrailingSlashMiddleware  `/notes/` is `/notes`, without a redirect
    routes                   health routes first, then the caller's routers
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.middleware import Middleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from platform_common.database import add_database_error_handlers
from platform_common.health import ReadinessCheck, health_router
from platform_common.observability import RequestContextMiddleware
from platform_common.trailing_slash import TrailingSlashMiddleware


def create_service_app(
    *,
    service: str,
    readiness: ReadinessCheck,
    routers: Sequence[APIRouter] = (),
    trusted_proxies: Sequence[str] | None = None,
    database: bool = True,
    middleware: Sequence[Middleware] = (),
    **fastapi_options: Any,
) -> FastAPI:
    """A FastAPI app with the shared routes, error answers and middleware.

    `trusted_proxies`: peers whose X-Forwarded-For / X-Forwarded-Proto are
    believed (uvicorn's own middleware, inside the app so the services run
    with `--no-proxy-headers` and this is the one place). None (the gateway)
    adds no such middleware: the gateway works out the client address itself.
    `database`: unreachable-database errors answer 503 (not for the gateway).
    """
    app = FastAPI(redirect_slashes=False, **fastapi_options)
    app.include_router(health_router(readiness))
    for router in routers:
        app.include_router(router)
    if database:
        add_database_error_handlers(app)
    # add_middleware puts each one outside the previous: added innermost first.
    app.add_middleware(TrailingSlashMiddleware)
    for each in reversed(middleware):
        app.add_middleware(each.cls, *each.args, **each.kwargs)
    app.add_middleware(RequestContextMiddleware, service=service)
    if trusted_proxies is not None:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    return app
