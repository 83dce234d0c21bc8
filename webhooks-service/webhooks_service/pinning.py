"""An httpx transport that connects only to addresses checked beforehand.

The delivery resolves and checks the endpoint's host (webhooks_service.addresses),
then sends with `pinned(target)`: the connection pool's network backend connects
to that address, never resolving the name again (no DNS rebinding between the
check and the connection), while the URL keeps the host name, so the Host header,
TLS's SNI and the certificate check are the name's, and pooled connections are
never shared between names. A connection to any host not pinned is refused.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import certifi
import httpcore
import httpx

from webhooks_service.addresses import Target

_PINNED: ContextVar[tuple[str, str] | None] = ContextVar("pinned_address", default=None)


@contextmanager
def pinned(target: Target) -> Iterator[None]:
    """During the block, a new connection to the target's host goes to its checked address."""
    token = _PINNED.set((target.url.raw_host.decode("ascii"), target.address))
    try:
        yield
    finally:
        _PINNED.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pin = _PINNED.get()
        if pin is None or pin[0] != host:
            raise httpcore.ConnectError(f"{host} was not checked before connecting")
        return await self._backend.connect_tcp(
            pin[1],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("deliveries never use a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the pinned network backend under its connection pool.

    httpx takes no network backend of its own, so its pool is replaced by one
    built the same way with it (httpcore's documented `network_backend`).
    """

    def __init__(self, *, max_connections: int = 100, keepalive_expiry: float = 5.0) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(),
        )
