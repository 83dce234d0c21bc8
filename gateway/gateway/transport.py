"""The HTTP stack requests leave the gateway through.

httpx's own pool (httpcore) walks every pooled connection, asking each socket
whether it is still readable, on every request: in our profile that was half
of the gateway's CPU under load (bench/README.md). So by default requests go
out through aiohttp's connection pool, behind this small httpx transport, and
the proxy keeps httpx's API. Its one job beyond passing bytes is to turn
aiohttp's errors into the httpx ones the proxy maps to 502/503/504.

aiohttp counts the wait for a free pooled connection in its connect timeout,
which would make a busy gateway look like an upstream failing to accept
connections (and open the circuit breaker against a healthy service). So the
transport hands out the pool's slots itself and a wait that runs out is
httpx's PoolTimeout: "busy", never the upstream's fault.
`GATEWAY_UPSTREAM_CLIENT=httpx` goes back to httpx's pool (the unit tests use
it, for respx).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import httpx
from multidict import CIMultiDict

# Shorter than uvicorn's 5 s keep-alive, so the gateway drops an idle
# connection before the upstream does rather than reuse one being closed.
KEEPALIVE_SECONDS = 4.0


class _RequestBody:
    """Passes the request body to aiohttp and remembers why it stopped, if it failed.

    aiohttp writes the body in a task of its own and reports a failure there as
    a connection error; the proxy needs the original (body too large, client gone).
    """

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream
        self.error: Exception | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as exc:
            self.error = exc
            raise


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, slot: _Slot) -> None:
        self._response = response
        self._slot = slot

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc)) from exc

    async def aclose(self) -> None:
        # Back to the pool when read to the end; closed otherwise.
        self._response.release()
        self._slot.release()


class _Slot:
    """One of the pool's connections, held from the request until its answer is closed."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._held = True

    def release(self) -> None:
        if self._held:  # httpx may close a response more than once
            self._held = False
            self._slots.release()


async def _acquire(slots: asyncio.Semaphore, wait_seconds: float | None) -> _Slot:
    try:
        async with asyncio.timeout(wait_seconds):
            await slots.acquire()
    except TimeoutError:
        raise httpx.PoolTimeout("no free connection to the upstream") from None
    return _Slot(slots)


def _translate(exc: aiohttp.ClientError | asyncio.TimeoutError) -> httpx.TransportError:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        # Typically a pooled connection the upstream had already closed.
        return httpx.RemoteProtocolError(message)
    return httpx.NetworkError(message)


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_connections: int) -> None:
        self._max_connections = max_connections
        self._slots = asyncio.Semaphore(max_connections)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made inside the running event loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, keepalive_timeout=KEEPALIVE_SECONDS
                ),
                # A shared client must never remember one user's cookies for the next.
                cookie_jar=aiohttp.DummyCookieJar(),
                # The client's headers go as sent; aiohttp adds none of its own.
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                auto_decompress=False,
                trust_env=False,
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        slot = await _acquire(self._slots, timeout.get("pool"))
        try:
            response = await self._send(request, timeout)
        except BaseException:
            slot.release()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_ResponseBody(response, slot),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode(),
            },
        )

    async def _send(
        self, request: httpx.Request, limits: dict[str, float | None]
    ) -> aiohttp.ClientResponse:
        headers = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() != b"transfer-encoding"  # aiohttp frames the body itself
        )
        body: _RequestBody | None = None
        data: bytes | _RequestBody | None
        try:
            data = request.content or None
        except httpx.RequestNotRead:
            data = body = _RequestBody(request.stream)  # type: ignore[arg-type]
        try:
            return await self._client().request(
                request.method,
                str(request.url),
                headers=headers,
                data=data,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    # The pool wait is over (handle_async_request): connecting only.
                    connect=limits.get("connect"),
                    sock_connect=limits.get("connect"),
                    sock_read=limits.get("read"),
                ),
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            if body is not None and body.error is not None:
                raise body.error from None
            raise _translate(exc) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
