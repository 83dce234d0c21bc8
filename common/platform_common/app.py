"""The application assembly every service shares: one FastAPI app, built the same way.

What differs between services (their routers, error handlers, lifespan) is
passed in; what is common is done here once, in one order:

    DrainOnSigterm           SIGTERM: answer with Connection: close for a while, then stop
    ProxyHeadersMiddleware   client address and scheme from a trusted proxy (services only)
    RequestContextMiddleware request id, access log, metrics: wraps everything below
    <middleware>             the caller's own (the gateway's CORS and proxy), outermost first
    TrailingSlashMiddleware  `/notes/` is `/notes`, without a redirect
    HeadAsGetMiddleware      HEAD is GET without the body, on every GET route
    FastAPI's own layers     500 page, telemetry, body limit, exception handlers (ServiceApp)
    routes                   the caller's routers, then the health routes

and a 405 names every method its path answers (method_not_allowed), a 500 is
JSON and ends its connection (internal_error), a ServiceError is answered by
its own status and body (platform_common.errors). `uvicorn_factory` makes the
`app` that `uvicorn --factory <service>.main:app` starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, ExceptionHandler, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from platform_common.database import add_database_error_handlers
from platform_common.draining import DrainOnSigterm
from platform_common.errors import ServiceError, service_error_handler
from platform_common.head_requests import HeadAsGetMiddleware
from platform_common.health import ReadinessCheck, health_router
from platform_common.heap import settle_heap
from platform_common.observability import RequestContextMiddleware, configure_logging
from platform_common.settings import BackendSettings, ServiceSettings
from platform_common.telemetry import configure_tracing
from platform_common.trailing_slash import TrailingSlashMiddleware


class ServiceApp(FastAPI):
    """FastAPI, with the platform's middleware outside FastAPI's own layers.

    FastAPI wraps all of an app's middleware in its error page
    (ServerErrorMiddleware), its telemetry and its body-limit layers. Here
    they go inside the platform's: a 500 leaves through the request context
    (logged with its status, answered with its request id) and the
    gateway's proxied requests, which never reach a route, pass none of
    those layers (~3% of the gateway's CPU per request, bench/README.md).
    """

    def build_middleware_stack(self) -> ASGIApp:
        platform, self.user_middleware = self.user_middleware, []
        try:
            app = super().build_middleware_stack()
        finally:
            self.user_middleware = platform
        for cls, args, kwargs in reversed(platform):
            app = cls(app, *args, **kwargs)
        return app


def create_service_app(
    *,
    service: str,
    readiness: ReadinessCheck,
    routers: Sequence[APIRouter] = (),
    trusted_proxies: Sequence[str] | None = None,
    database: bool = True,
    middleware: Sequence[Middleware] = (),
    drain_seconds: float = 0.0,
    public_edge: bool = False,
    exception_handlers: Mapping[int | type[Exception], ExceptionHandler] | None = None,
    **fastapi_options: Any,
) -> FastAPI:
    """A FastAPI app with the shared routes, error answers and middleware.

    `trusted_proxies`: peers whose X-Forwarded-For / X-Forwarded-Proto are
    believed (uvicorn's own middleware, inside the app so the services run
    with `--no-proxy-headers` and this is the one place). None (the gateway)
    adds no such middleware: the gateway works out the client address itself.
    `database`: unreachable-database errors answer 503 (not for the gateway).
    `drain_seconds`: on SIGTERM, serve this long with `Connection: close`
    before shutting down (platform_common.draining; 0: stop at once).
    `public_edge`: the app faces the internet (the gateway): a client's trace
    context is continued but not trusted (platform_common.telemetry).
    `exception_handlers`: the service's own, added after (and so replacing)
    the shared ones for the same exception or status.
    The document's `title` is the service's name unless given.
    Tracing is configured here, from the `OTEL_*` environment, once per process.
    """
    configure_tracing(service, public_edge=public_edge)
    # FastAPI's own OpenTelemetry instrumentation stays off: the platform's
    # spans come from RequestContextMiddleware (platform_common.telemetry), and
    # FastAPI's check of whether its own is on read the environment on every
    # request (~3% of the gateway's CPU per proxied request, bench/README.md).
    fastapi_options.setdefault("title", service)
    app = ServiceApp(
        redirect_slashes=False,
        telemetry={"tracing": False, "metrics": False, "logs": False},
        **fastapi_options,
    )
    # The service's own routes first: routes are matched in order, and a
    # proxied request is far likelier to be one of them than a probe.
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(readiness))
    if database:
        add_database_error_handlers(app)
    app.add_exception_handler(405, method_not_allowed)
    app.add_exception_handler(500, internal_error)
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(ServiceError, service_error_handler)
    for key, handler in (exception_handlers or {}).items():
        app.add_exception_handler(key, handler)
    # add_middleware puts each one outside the previous: added innermost first.
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(TrailingSlashMiddleware)
    for each in reversed(middleware):
        app.add_middleware(each.cls, *each.args, **each.kwargs)
    app.add_middleware(RequestContextMiddleware, service=service, public_edge=public_edge)
    if trusted_proxies is not None:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    app.add_middleware(DrainOnSigterm, drain_seconds=drain_seconds)
    return app


def create_backend_app(settings: BackendSettings, *, service: str, **options: Any) -> FastAPI:
    """create_service_app for a service behind the gateway (auth, notes, webhooks):
    the gateway's forwarded headers believed and the drain as `settings` say,
    and `settings` kept in `app.state.settings`."""
    app = create_service_app(
        service=service,
        trusted_proxies=settings.trusted_proxies,
        drain_seconds=settings.shutdown_drain_seconds,
        **options,
    )
    app.state.settings = settings
    return app


def uvicorn_factory(
    service: str, create_app: Callable[[], FastAPI], settings: Callable[[], ServiceSettings]
) -> Callable[[], FastAPI]:
    """The `app` of `uvicorn --factory <package>.main:app`: logging configured
    from the service's settings first, then its app, then the heap settled
    (platform_common.heap) before the first request."""

    def app() -> FastAPI:
        configure_logging(service, settings().log_level)
        application = create_app()
        settle_heap()
        return application

    return app


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route of this path answers (empty for a path no route has)."""
    methods: set[str] = set()
    # Included routers stay nested in FastAPI's route list; this walks them all.
    for route in iter_route_contexts(routes):
        if not route.methods:
            continue  # a mount (the gateway's docs assets) answers any method itself
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= route.methods
    if "GET" in methods:
        methods.add("HEAD")  # HeadAsGetMiddleware
    return methods


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """A 405 whose `Allow` names the methods of every route of the path (RFC 9110 §15.5.6).

    Starlette's router answers 405 from the first route whose path matches,
    so where several routes share a path (GET and DELETE of `/notes/{id}`
    declared apart) `Allow` named that route's methods alone. A handler for
    the status, which comes before any handler of HTTPException a service
    adds; no middleware wrapping every answer to catch the rare 405.
    """
    assert isinstance(exc, StarletteHTTPException)
    methods = allowed_methods(request.app.router.routes, request.scope)
    if methods:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(methods))}
    return await http_exception_handler(request, exc)


async def internal_error(_: Request, __: Exception) -> Response:
    """The 500 for an unhandled exception: JSON like every error, and `Connection: close`.

    After answering, FastAPI's error layer re-raises (uvicorn logs it) and
    uvicorn then closes the connection. Saying so in the answer keeps the
    client (the gateway's connection pool) from sending its next request on
    a connection about to close, which a POST would get back as a 502.
    """
    return Response(
        b'{"detail":"Internal Server Error"}',
        status_code=500,
        media_type="application/json",
        headers={"Connection": "close"},
    )


UNSUPPORTED_BODY = b'{"detail":"The body must be JSON (Content-Type: application/json)"}'


def unsupported_media_type(exc: RequestValidationError) -> Response | None:
    """415 for a JSON body route's body of another media type, else None.

    FastAPI parses a body as JSON only when its Content-Type says JSON and
    leaves it as bytes otherwise: a body error with the body left as bytes
    is a body of another media type. Refused with 415 and the type taken in
    `Accept` (RFC 9110 §15.5.16), where FastAPI answered 422 "not a dict".
    Every service's 422 handler asks this first.
    """
    if not (isinstance(exc.body, bytes) and exc.body):
        return None
    if not any(error["loc"][:1] == ("body",) for error in exc.errors()):
        return None
    return Response(
        UNSUPPORTED_BODY,
        status_code=415,
        media_type="application/json",
        headers={"Accept": "application/json"},
    )


async def validation_failed(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 (415 for a body that is not JSON: unsupported_media_type),
    also when the input it echoes has no UTF-8 form.

    JSON's escapes can spell a lone surrogate (`"\\ud800"`); the default
    answer echoes the input and fails to encode it, a 500. Such a body is
    answered with every non-ASCII character escaped instead (the same JSON).
    """
    assert isinstance(exc, RequestValidationError)
    if (refused := unsupported_media_type(exc)) is not None:
        return refused
    try:
        return await request_validation_exception_handler(request, exc)
    except UnicodeEncodeError:
        content = {"detail": jsonable_encoder(exc.errors())}
        body = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        return Response(body, status_code=422, media_type="application/json")
