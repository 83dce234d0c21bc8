"""The request path: refuse what must not pass, forward the rest.

Plain ASGI in front of the FastAPI router, which only serves the gateway's own
routes (health, metrics, docs); proxied requests never pay for routing,
dependency injection or validation of a body the gateway does not read.
Checks run cheapest first, and all of them before any upstream is contacted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import error_response
from gateway.headers import header_value, upstream_request_headers
from gateway.metrics import REFUSED
from gateway.proxy import (
    BodyTooLarge,
    ClientDisconnected,
    RequestBody,
    Upstream,
    UpstreamFailure,
    buffered,
    read_body,
    relay,
    send_upstream,
)
from gateway.ratelimit import MAX_LOGIN_FORM_BYTES, password_grant_username
from gateway.routing import is_clean_path, is_login, is_open_route, route_label
from gateway.state import Gateway
from platform_common.observability import incoming_request_id


@dataclass(frozen=True, slots=True)
class RouteLabel:
    """Stands in for a Starlette route in `scope["route"]`, read by the access log and metrics."""

    path: str


class GatewayMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not is_clean_path(path, scope.get("raw_path")):
            REFUSED.labels("path").inc()
            await error_response(404, "Not Found")(scope, receive, send)
            return
        gateway: Gateway = scope["app"].state.gateway
        upstream = gateway.router.match(path)
        if upstream is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = RouteLabel(upstream.prefix + "/*")
        await self._forward(gateway, upstream, scope, receive, send)

    async def _forward(
        self, gateway: Gateway, upstream: Upstream, scope: Scope, receive: Receive, send: Send
    ) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if not is_open_route(method, path):
            refusal = await gateway.tokens.refusal(headers)
            if refusal is not None:
                REFUSED.labels("token").inc()
                await refusal(scope, receive, send)
                return

        content_length = header_value(headers, b"content-length")
        if content_length is not None:
            if not content_length.isdigit():
                await error_response(400, "Invalid Content-Length")(scope, receive, send)
                return
            if int(content_length) > gateway.max_body_bytes:
                REFUSED.labels("body_size").inc()
                await error_response(413, "Request body too large")(scope, receive, send)
                return
        has_body = content_length not in (None, b"0") or (
            header_value(headers, b"transfer-encoding") is not None
        )

        client = scope.get("client")
        request_id = scope.get("state", {}).get("request_id") or incoming_request_id(None)
        upstream_headers = upstream_request_headers(
            headers,
            request_id=request_id,
            client_host=client[0] if client else None,
            scheme=scope["scheme"],
        )
        url = upstream.url_for(scope.get("raw_path") or path.encode(), scope["query_string"])

        account: str | None = None
        body: RequestBody | None = None
        content: bytes | RequestBody | None = None
        try:
            if is_login(method, path):
                # The one body the gateway reads: small, and needed to know whose login it is.
                form = await read_body(receive, min(MAX_LOGIN_FORM_BYTES, gateway.max_body_bytes))
                account = password_grant_username(form)
                if account is not None:
                    address = client[0] if client else None
                    wait = await gateway.login_throttle.retry_after(
                        account=account, address=address
                    )
                    if wait is not None:
                        REFUSED.labels("login_throttle").inc()
                        too_many = error_response(
                            429, "Too many failed login attempts", {"Retry-After": str(wait)}
                        )
                        await too_many(scope, receive, send)
                        return
                content = form
            elif has_body:
                content = body = RequestBody(receive, gateway.max_body_bytes)
            request = upstream.client.build_request(
                method, url, headers=upstream_headers, content=content
            )
            response = await send_upstream(upstream, request, body)
        except BodyTooLarge:
            REFUSED.labels("body_size").inc()
            await error_response(413, "Request body too large")(scope, receive, send)
            return
        except ClientDisconnected:
            return
        except UpstreamFailure as failure:
            await failure.response(scope, receive, send)
            return

        scope["route"] = RouteLabel(route_label(path, upstream.prefix, response.status_code))
        if account is not None and response.status_code == 400:
            await self._count_failed_login(gateway, response, account, client, scope, receive, send)
            return
        await relay(response, scope, receive, send)

    async def _count_failed_login(
        self,
        gateway: Gateway,
        response: httpx.Response,
        account: str,
        client: tuple[str, int] | None,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        raw, answer = await buffered(response)
        try:
            error = json.loads(raw).get("error")
        except (ValueError, AttributeError):
            error = None
        if error == "invalid_grant":
            await gateway.login_throttle.record_failure(
                account=account, address=client[0] if client else None
            )
        await answer(scope, receive, send)
