"""Requests to an upstream through aiohttp's connection pool: the default sender.

aiohttp is used directly, not behind httpx: httpx's client machinery on top
of it (request and URL objects, cookie extraction, response wrappers) cost
more CPU per proxied request than aiohttp itself (bench/README.md). httpx's
own pool (httpcore) was not an option either: it walks every pooled
connection, asking each socket whether it is still readable, on every request.

aiohttp counts the wait for a free pooled connection in its connect timeout,
which would make a busy gateway look like an upstream failing to accept
connections (and open the circuit breaker against a healthy service). So the
sender hands out the pool's slots itself, and a wait that runs out is
PoolFull: "busy", never the upstream's fault.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from gateway import transport
from gateway.body import RequestBody
from gateway.transport import Answer, Outgoing, Timeouts

# Shorter than uvicorn's 5 s keep-alive, so the gateway drops an idle
# connection before the upstream does rather than reuse one being closed.
KEEPALIVE_SECONDS = 4.0


class _RequestBody:
    """Passes the request body to aiohttp and remembers why it stopped, if it failed.

    aiohttp writes the body in a task of its own and reports a failure there as
    a connection error; the proxy needs the original (body too large, client gone).
    """

    def __init__(self, body: RequestBody) -> None:
        self._body = body
        self.error: Exception | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._body:
                yield chunk
        except Exception as exc:
            self.error = exc
            raise


def _translate(exc: aiohttp.ClientError | TimeoutError) -> transport.SendError:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError):
        return transport.NotSent(message, timed_out=False)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return transport.NotSent(message, timed_out=True)
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        return transport.ReadTimedOut(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return transport.ConnectionLost(message)
    return transport.TransportFailed(message)


class _Chunks:
    """The answer's body as it arrives.

    An iterator object, not an async generator: most answers come in one read,
    so the relay stops before the end, and asyncio closes a generator left
    unfinished in a task of its own, woken through the loop's self-pipe (two
    syscalls and a task per request, bench/README.md).
    """

    __slots__ = ("_content",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._content = response.content

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._content.readany()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _translate(exc) from exc
        if not chunk:
            raise StopAsyncIteration
        return chunk


class AiohttpSender:
    def __init__(self, timeouts: Timeouts, max_connections: int) -> None:
        self._pool_wait = timeouts.pool
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            # The pool wait is over (see the module's docstring): connecting only.
            connect=timeouts.connect,
            sock_connect=timeouts.connect,
            sock_read=timeouts.read,
        )
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
            # aiohttp sends an idempotent request once more, on its own, when the
            # connection closes under it; the gateway decides that itself, across
            # replicas (gateway.proxy): two retry layers sent such a request four
            # times. No public switch; aiohttp's own test client sets this one.
            if hasattr(self._session, "_retry_connection"):  # gone in a later aiohttp:
                self._session._retry_connection = False  # test_real_socket then says so
        return self._session

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            # Free: taken at once. The deadline's timer is only for a wait
            # (arming one per request cost ~3% of the gateway's CPU).
            await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(self._pool_wait):
                await self._slots.acquire()
        except TimeoutError:
            raise transport.PoolFull("no free connection to the upstream") from None

    async def send(self, origin: str, request: Outgoing) -> Answer:
        await self._take_slot()
        try:
            response = await self._send(origin, request)
        except BaseException:
            self._slots.release()
            raise

        async def close() -> None:
            # Back to the pool when read to the end; closed otherwise.
            response.release()
            self._slots.release()

        return Answer(
            response.status,
            list(response.raw_headers),
            _Chunks(response),
            close,
            complete=response.content.is_eof,
        )

    async def _send(self, origin: str, request: Outgoing) -> aiohttp.ClientResponse:
        headers = CIMultiDict(
            [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers]
        )
        body = None if request.body is None else _RequestBody(request.body)
        try:
            return await self._client().request(
                request.method,
                # As received (gateway.paths checked it): no second round of quoting.
                URL(origin + request.target.decode("latin-1"), encoded=True),
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=self._timeout,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            if body is not None and body.error is not None:
                raise body.error from None
            raise _translate(exc) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
