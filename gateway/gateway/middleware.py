"""The request path: refuse what must not pass, forward the rest.

Plain ASGI in front of the FastAPI router, which only serves the gateway's own
routes (health, metrics, docs); proxied requests never pay for routing,
dependency injection or validation of a body the gateway does not read.
The request is read once (gateway.request); then, cheapest first and all
before any upstream is contacted: path safety, the token, the body's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.body import BodyTimeout, BodyTooLarge, ClientDisconnected, RequestBody
from gateway.errors import Refusal
from gateway.headers import upstream_request_headers
from gateway.metrics import REFUSED
from gateway.paths import is_clean_path
from gateway.proxy import Upstream, UpstreamFailure, relay, send_upstream
from gateway.quotas import Usage
from gateway.readiness import READINESS_PATH, public_readiness
from gateway.request import IncomingRequest, parse_request
from gateway.route_labels import OTHER, ROUTE_TEMPLATES, route_label
from gateway.state import GatewayState
from gateway.transport import Outgoing
from platform_common.address_keys import address_key
from platform_common.head_requests import HeadAsGetMiddleware

# The gateway's own routes only clients on its internal networks may see.
INTERNAL_ONLY_PATHS = frozenset({"/metrics"})


@dataclass(frozen=True, slots=True)
class RouteLabel:
    """Stands in for a Starlette route in `scope["route"]`, read by the access log and metrics."""

    path: str


# One per label, made once: labels come from a fixed table (gateway.route_labels).
_LABELS = {label: RouteLabel(label) for label in (*ROUTE_TEMPLATES, OTHER, READINESS_PATH)}


def _request_body(
    gateway: GatewayState, request: IncomingRequest, receive: Receive
) -> RequestBody | None:
    if request.malformed_length:
        raise Refusal(400, "Invalid Content-Length")
    if (
        request.content_length is not None
        and request.content_length > gateway.body_limits.max_bytes
    ):
        raise Refusal(413, "Request body too large", reason="body_size")
    if not request.has_body:
        return None
    if request.encoded_body:
        raise Refusal(
            415,
            "Content-Encoding is not supported: send the body as is",
            headers={"Accept-Encoding": "identity"},
            reason="body_encoding",
        )
    return RequestBody(receive, gateway.body_limits)


def _address_consumer(request: IncomingRequest) -> str:
    """The consumer a request without a (valid) token is counted as: its client's
    address, an IPv6 one by its /64 (platform_common.address_keys)."""
    return f"address:{address_key(request.client or 'unknown')}"


async def _consumer(gateway: GatewayState, request: IncomingRequest) -> str:
    """Who the request counts against; raises Refusal for a token that is refused."""
    if (request.method, request.path) in gateway.open_routes:
        return _address_consumer(request)
    claims = await gateway.tokens.check(request.authorization, address=request.client)
    return f"user:{claims.subject}"


async def _spend(
    gateway: GatewayState, request: IncomingRequest, consumer: str | None = None
) -> Usage | None:
    """Count the request against `consumer` (by default its address): the usage whose
    RateLimit headers its answer carries, or Refusal 429 past the quota."""
    usage = await gateway.quotas.hit(consumer or _address_consumer(request))
    # None: the shared counter failed; let through, without RateLimit headers (gateway.quotas).
    if usage is not None and not usage.allowed:
        raise Refusal(429, "Too Many Requests", headers=usage.headers(), reason="rate_limit")
    return usage


def _quota_headers(usage: Usage | None) -> dict[str, str]:
    return {} if usage is None else usage.headers()


async def _admit(gateway: GatewayState, request: IncomingRequest) -> Usage | None:
    """Charge a proxied request to its consumer: the usage its answer reports."""
    try:
        consumer = await _consumer(gateway, request)
    except Refusal as refusal:
        # A refused token names nobody: the client's address pays for it,
        # or forged tokens would be free (issue 33, item 7).
        usage = await _spend(gateway, request)
        refusal.headers = {**(refusal.headers or {}), **_quota_headers(usage)}
        raise
    return await _spend(gateway, request, consumer)


class GatewayMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self._handle(scope, receive, send)
        except Refusal as refusal:
            if refusal.reason is not None:
                REFUSED.labels(refusal.reason).inc()
            await refusal.response()(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_clean_path(scope["path"], scope.get("raw_path")):
            raise Refusal(404, "Not Found", reason="path")
        gateway: GatewayState = scope["app"].state.gateway
        request = parse_request(scope, gateway.trusted_proxies)
        upstream = gateway.router.match(request.path)
        if upstream is not None:
            scope["route"] = _LABELS[route_label(request.path)]
            usage = await _admit(gateway, request)
            try:
                await self._proxy(gateway, upstream, request, scope, receive, send, usage)
            except Refusal as refusal:
                refusal.headers = {**(refusal.headers or {}), **_quota_headers(usage)}
                raise
        elif gateway.is_internal(request.client):
            await self.app(scope, receive, send)
        else:
            await self._public_own_route(gateway, request, scope, receive, send)

    async def _public_own_route(
        self,
        gateway: GatewayState,
        request: IncomingRequest,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """The gateway's own routes as the public sees them: no internals."""
        if request.path in INTERNAL_ONLY_PATHS:
            raise Refusal(404, "Not Found", reason="internal_only")
        if request.path == READINESS_PATH and request.method in ("GET", "HEAD"):
            scope["route"] = _LABELS[READINESS_PATH]
            # Counted like an open route (issue 33, item 8); the answer is shared.
            usage = await _spend(gateway, request)
            answer = await public_readiness(gateway)
            answer.headers.update(_quota_headers(usage))
            await HeadAsGetMiddleware(answer)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _proxy(
        self,
        gateway: GatewayState,
        upstream: Upstream,
        request: IncomingRequest,
        scope: Scope,
        receive: Receive,
        send: Send,
        usage: Usage | None,
    ) -> None:
        """Forward the request, the consumer's `usage` (RateLimit headers) added to
        whatever answers it."""
        target = request.raw_path + b"?" + request.query if request.query else request.raw_path
        outgoing = Outgoing(
            request.method,
            target,
            upstream_request_headers(
                request.headers,
                request_id=request.request_id,
                client=request.client,
                scheme=request.scheme,
            ),
            _request_body(gateway, request, receive),
        )
        try:
            answer = await send_upstream(upstream, outgoing)
        except BodyTooLarge:
            raise Refusal(413, "Request body too large", reason="body_size") from None
        except BodyTimeout:
            raise Refusal(408, "Request body not received in time", reason="body_timeout") from None
        except ClientDisconnected:
            return
        except UpstreamFailure as failure:
            failure.response.headers.update(_quota_headers(usage))
            await failure.response(scope, receive, send)
            return
        await relay(answer, scope, receive, send, [] if usage is None else usage.raw_headers())
