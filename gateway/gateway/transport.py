"""What leaves the gateway for an upstream, what comes back, and how sending fails.

The proxy (gateway.proxy) talks to one `Sender` per upstream and sees only
the types here. Two HTTP stacks implement it: aiohttp's pool, the default
(gateway.aiohttp_sender), and httpx (gateway.httpx_sender:
`GATEWAY_UPSTREAM_CLIENT=httpx`, and the unit tests, where respx stands in
for the upstreams). Each turns its own errors into the ones below, which the
proxy maps to 502/503/504 and to "try the next replica".
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from gateway.body import RequestBody
from gateway.headers import RawHeaders


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float
    read: float  # between two reads of the answer
    pool: float  # waiting for a free pooled connection


@dataclass(slots=True)  # one per request: see gateway.request on frozen dataclasses
class Outgoing:
    """One request as it leaves: the replica's origin is the sender's choice."""

    method: str
    target: bytes  # raw path and query, as the client sent them
    headers: RawHeaders  # without Host: each replica gets its own name
    body: RequestBody | None


class Answer:
    """An upstream's answer: the head read, the body still to come."""

    __slots__ = ("_after_close", "_chunks", "_close", "closes", "complete", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: RawHeaders,
        chunks: AsyncIterator[bytes],
        close: Callable[[], Awaitable[None]],
        complete: Callable[[], bool] = lambda: False,
    ) -> None:
        """`complete`: whether the whole body has been read (False when the
        stack cannot tell; the next read then says)."""
        self.status = status
        self.headers = headers
        # The upstream said `Connection: close`: it is draining (gateway.balancer).
        self.closes = False
        for name, value in headers:
            if name.lower() == b"connection" and value.lower() == b"close":
                self.closes = True
        self._chunks = chunks
        self.complete = complete
        self._close: Callable[[], Awaitable[None]] | None = close
        self._after_close: Callable[[], None] | None = None

    def chunks(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive, still encoded as the upstream sent them."""
        return self._chunks

    def after_close(self, callback: Callable[[], None]) -> None:
        self._after_close = callback

    async def aclose(self) -> None:
        """Gives the connection back (or drops it, if the body was not read to the end)."""
        close, self._close = self._close, None
        if close is None:
            return
        try:
            if isinstance(self._chunks, AsyncGenerator):
                # Closed here, not left to asyncio's finaliser (a task per answer).
                await self._chunks.aclose()
            await close()
        finally:
            if self._after_close is not None:
                self._after_close()


class Sender(Protocol):
    async def send(self, origin: str, request: Outgoing) -> Answer:
        """The answer of `origin` (scheme://host:port) to `request`; raises SendError."""
        ...

    async def aclose(self) -> None: ...


class SendError(Exception):
    """The upstream gave no answer."""


class NotSent(SendError):
    """Connecting failed (refused or timed out): not one byte of the request left."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class PoolFull(SendError):
    """No pooled connection came free in time: the gateway is busy, not the upstream."""


class ReadTimedOut(SendError):
    """The upstream took longer than the read timeout to answer."""


class ConnectionLost(SendError):
    """The connection closed under the request, which the upstream may have received.

    Typically a pooled connection the upstream had just closed.
    """


class TransportFailed(SendError):
    """Any other failure of the connection."""
