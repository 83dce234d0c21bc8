"""Forwarding one request to an upstream and streaming its answer back.

Done the way httpx recommends for proxies: one pooled client per upstream,
`build_request` + `send(stream=True)`, and the raw (still encoded) response
bytes relayed as they arrive, so no body is ever held whole in memory.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy

import anyio
import httpx
from starlette.types import Receive, Scope, Send

from gateway.balancer import Balancer, Replica
from gateway.body import RequestBody
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
    """One upstream service: its replicas (gateway.balancer) and one pooled client for all."""

    name: str
    prefix: str
    replicas: Sequence[Replica]
    timeout: httpx.Timeout
    balancer: Balancer = field(init=False)
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.balancer = Balancer(self.replicas)

    @property
    def url(self) -> str:
        """The first replica's URL: requests are built with it, then sent to the chosen one."""
        return self.replicas[0].url

    def open(self, limits: httpx.Limits, transport: httpx.AsyncBaseTransport | None) -> None:
        self.client = httpx.AsyncClient(
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
        return self.replicas[0].base.copy_with(
            raw_path=raw_path + b"?" + query_string if query_string else raw_path
        )


class _Counted(httpx.AsyncByteStream):
    """An answer's body; the replica's count of requests in flight drops when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, replica: Replica) -> None:
        self._stream = stream
        self._replica: Replica | None = replica

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if self._replica is not None:  # httpx may close a response more than once
            self._replica.outstanding -= 1
            self._replica = None
        await self._stream.aclose()


class _NotSent(Exception):
    """Connecting to the replica failed: not one byte of the request left the gateway."""

    def __init__(self, error: httpx.TransportError) -> None:
        super().__init__(str(error))
        self.error = error


async def _send_to(upstream: Upstream, replica: Replica, request: httpx.Request) -> httpx.Response:
    """The replica's answer (headers), or the transport's error; `_NotSent` when refused."""
    request.url = request.url.copy_with(
        scheme=replica.base.scheme, host=replica.base.host, port=replica.base.port
    )
    # Built for the first replica; each replica is told its own name.
    request.headers["Host"] = replica.base.netloc.decode("ascii")
    replica.outstanding += 1
    try:
        response = await upstream.client.send(request, stream=True)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        replica.outstanding -= 1
        replica.breaker.record_failure()
        raise _NotSent(exc) from None
    except BaseException:
        replica.outstanding -= 1
        raise
    response.stream = _Counted(response.stream, replica)  # type: ignore[arg-type]
    if response.headers.get("connection", "").lower() == "close":
        upstream.balancer.saw_connection_close(replica)
    else:
        upstream.balancer.saw_keep_alive(replica)
    return response


async def send_upstream(
    upstream: Upstream, request: httpx.Request, body: RequestBody | None
) -> httpx.Response:
    """A replica's answer, headers read and body not yet; or UpstreamFailure.

    A refused connection (nothing was sent) moves any request whose body has
    not started to the next replica; a connection closed under a request
    (which may have been received) moves only an idempotent one.
    """
    idempotent = request.method in IDEMPOTENT_METHODS
    started = time.perf_counter()
    failure: Exception | None = None
    for replica in upstream.balancer.attempts(idempotent):
        if body is not None and body.started:
            break  # the body cannot be sent again
        if not replica.breaker.allow():
            continue
        try:
            response = await _send_to(upstream, replica, request)
        except _NotSent as exc:
            failure = exc.error
            continue
        except httpx.RemoteProtocolError as exc:
            replica.breaker.record_failure()
            failure = exc
            if idempotent:
                continue
            break
        except Exception as exc:
            mapped = _failure(upstream, replica, exc)
            if mapped is exc:
                raise
            raise mapped from None
        replica.breaker.record_success()
        UPSTREAM_LATENCY.labels(upstream.name).observe(time.perf_counter() - started)
        UPSTREAM_RESPONSES.labels(
            upstream.name, method_label(request.method), str(response.status_code)
        ).inc()
        return response
    raise _no_answer(upstream, failure) from None


def _no_answer(upstream: Upstream, failure: Exception | None) -> UpstreamFailure:
    """Every replica tried (or its breaker open): what the client gets."""
    if failure is None:
        UPSTREAM_ERRORS.labels(upstream.name, "circuit_open").inc()
        return UpstreamFailure(
            503, f"{upstream.name} is unavailable", retry_after=upstream.balancer.retry_after()
        )
    if isinstance(failure, httpx.ConnectTimeout):
        UPSTREAM_ERRORS.labels(upstream.name, "timeout").inc()
        return UpstreamFailure(504, f"{upstream.name} did not answer in time")
    if isinstance(failure, httpx.ConnectError):
        UPSTREAM_ERRORS.labels(upstream.name, "connect").inc()
        return UpstreamFailure(503, f"{upstream.name} is unavailable")
    UPSTREAM_ERRORS.labels(upstream.name, "protocol").inc()
    return UpstreamFailure(502, f"{upstream.name} closed the connection")


def _failure(upstream: Upstream, replica: Replica, exc: Exception) -> Exception:
    """The answer to an error that ends the request on its first replica."""
    breaker = replica.breaker
    if isinstance(exc, httpx.PoolTimeout):
        # The gateway's own pool is exhausted: not the upstream's fault.
        breaker.release()
        UPSTREAM_ERRORS.labels(upstream.name, "pool").inc()
        return UpstreamFailure(503, "gateway busy, try again", retry_after=1)
    if isinstance(exc, httpx.TimeoutException):
        breaker.record_failure()
        UPSTREAM_ERRORS.labels(upstream.name, "timeout").inc()
        return UpstreamFailure(504, f"{upstream.name} did not answer in time")
    if isinstance(exc, httpx.TransportError):
        breaker.record_failure()
        UPSTREAM_ERRORS.labels(upstream.name, "transport").inc()
        return UpstreamFailure(502, f"{upstream.name} failed to answer")
    # The client's doing (body too large, too slow, gone) or a cancellation:
    # nothing learnt about the upstream.
    breaker.release()
    return exc


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
