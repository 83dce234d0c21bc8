"""Forwarding one request to an upstream and streaming its answer back.

Done the way httpx recommends for proxies: one pooled client per upstream,
`build_request` + `send(stream=True)`, and the raw (still encoded) response
bytes relayed as they arrive, so no body is ever held whole in memory.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy

import anyio
import httpx
from starlette.types import Receive, Scope, Send

from gateway.body import BodyTimeout, BodyTooLarge, ClientDisconnected, RequestBody
from gateway.circuit import CircuitBreaker
from gateway.errors import error_response
from gateway.headers import client_response_headers
from gateway.metrics import UPSTREAM_ERRORS, UPSTREAM_LATENCY, UPSTREAM_RESPONSES, method_label

# RFC 9110 §9.2.2; only these may be sent twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamFailure(Exception):
    """The upstream gave no answer; `response` is what the client gets instead."""

    def __init__(self, status_code: int, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        self.response = error_response(status_code, detail, headers)


def _refuse_all_cookies() -> CookieJar:
    # httpx stores Set-Cookie answers in the client's jar; a shared client must
    # never remember one user's cookies.
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


@dataclass(eq=False)
class Upstream:
    name: str
    prefix: str
    url: str
    timeout: httpx.Timeout
    breaker: CircuitBreaker
    base: httpx.URL = field(init=False)
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self.base = httpx.URL(self.url)

    def open(self, limits: httpx.Limits, transport: httpx.AsyncBaseTransport | None) -> None:
        self.client = httpx.AsyncClient(
            base_url=self.base,
            timeout=self.timeout,
            limits=limits,
            transport=transport,
            cookies=_refuse_all_cookies(),
            trust_env=False,
            follow_redirects=False,
        )
        # The client's default Accept, Accept-Encoding and User-Agent would be
        # merged into every forwarded request; the client's own headers go as sent.
        self.client.headers.clear()

    def url_for(self, raw_path: bytes, query_string: bytes) -> httpx.URL:
        return self.base.copy_with(
            raw_path=raw_path + b"?" + query_string if query_string else raw_path
        )


async def send_upstream(
    upstream: Upstream, request: httpx.Request, body: RequestBody | None
) -> httpx.Response:
    """The upstream's response, headers read and body not yet; or UpstreamFailure."""
    breaker = upstream.breaker
    if not breaker.allow():
        UPSTREAM_ERRORS.labels(upstream.name, "circuit_open").inc()
        raise UpstreamFailure(
            503, f"{upstream.name} is unavailable", retry_after=breaker.retry_after()
        )
    may_retry = request.method in IDEMPOTENT_METHODS
    started = time.perf_counter()
    while True:
        try:
            response = await upstream.client.send(request, stream=True)
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            # Refused, or a pooled connection the upstream had already closed:
            # safe to repeat once when the method is idempotent and no byte of
            # the body has been consumed.
            if may_retry and not (body is not None and body.started):
                may_retry = False
                continue
            reason = "connect" if isinstance(exc, httpx.ConnectError) else "protocol"
            breaker.record_failure()
            UPSTREAM_ERRORS.labels(upstream.name, reason).inc()
            if reason == "connect":
                raise UpstreamFailure(503, f"{upstream.name} is unavailable") from None
            raise UpstreamFailure(502, f"{upstream.name} closed the connection") from None
        except httpx.PoolTimeout:
            # The gateway's own pool is exhausted: not the upstream's fault.
            breaker.release()
            UPSTREAM_ERRORS.labels(upstream.name, "pool").inc()
            raise UpstreamFailure(503, "gateway busy, try again", retry_after=1) from None
        except httpx.TimeoutException:
            breaker.record_failure()
            UPSTREAM_ERRORS.labels(upstream.name, "timeout").inc()
            raise UpstreamFailure(504, f"{upstream.name} did not answer in time") from None
        except httpx.TransportError:
            breaker.record_failure()
            UPSTREAM_ERRORS.labels(upstream.name, "transport").inc()
            raise UpstreamFailure(502, f"{upstream.name} failed to answer") from None
        except (BodyTooLarge, BodyTimeout, ClientDisconnected):
            # The client's doing: nothing learnt about the upstream.
            breaker.release()
            raise
        breaker.record_success()
        UPSTREAM_LATENCY.labels(upstream.name).observe(time.perf_counter() - started)
        UPSTREAM_RESPONSES.labels(
            upstream.name, method_label(request.method), str(response.status_code)
        ).inc()
        return response


async def relay(response: httpx.Response, scope: Scope, receive: Receive, send: Send) -> None:
    """Stream the upstream's answer to the client as it arrives.

    Most answers arrive in one read: they go out as two plain ASGI messages.
    Starlette's StreamingResponse runs a task group per answer (a second task
    waits for the client to disconnect), which cost ~10% of the gateway's CPU
    per proxied request (bench/README.md); it is kept for answers that take
    more than one read, where a client gone mid-stream must stop the relay.
    """
    chunks = response.aiter_raw()
    try:
        first = await anext(chunks, b"")
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": client_response_headers(response.headers.raw),
            }
        )
        await send({"type": "http.response.body", "body": first, "more_body": True})
        second = await anext(chunks, None)
        if second is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await _relay_rest(second, chunks, receive, send)
    finally:
        await response.aclose()


async def _relay_rest(
    second: bytes, chunks: AsyncIterator[bytes], receive: Receive, send: Send
) -> None:
    """The rest of a longer answer, stopped when the client disconnects."""

    failures: list[Exception] = []

    async def stream() -> None:
        try:
            await send({"type": "http.response.body", "body": second, "more_body": True})
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception as exc:  # noqa: BLE001 - re-raised below, not in an exception group
            failures.append(exc)
        finally:
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(stream)
        while (await receive())["type"] != "http.disconnect":
            pass
        group.cancel_scope.cancel()
    if failures:
        raise failures[0]
