"""Requests to an upstream through an httpx client (`GATEWAY_UPSTREAM_CLIENT=httpx`).

What the unit tests forward through: respx, the contract mocks, replaces
httpx's transport, and an ASGI app can stand in as one (`create_app(transports=...)`).
Done the way httpx recommends for proxies: `build_request` + `send(stream=True)`
and the raw (still encoded) response bytes relayed as they arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from gateway import transport
from gateway.transport import Answer, Outgoing


def _translate(exc: httpx.TransportError) -> transport.SendError:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return transport.NotSent(message, timed_out=False)
    if isinstance(exc, httpx.ConnectTimeout):
        return transport.NotSent(message, timed_out=True)
    if isinstance(exc, httpx.PoolTimeout):
        return transport.PoolFull(message)
    if isinstance(exc, httpx.TimeoutException):
        return transport.ReadTimedOut(message)
    if isinstance(exc, httpx.RemoteProtocolError):
        return transport.ConnectionLost(message)
    return transport.TransportFailed(message)


async def _chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.TransportError as exc:
        raise _translate(exc) from exc


class HttpxSender:
    def __init__(self, client: httpx.AsyncClient) -> None:
        """`client`: timeouts, pool limits and transport already set; no cookie memory."""
        self._client = client

    async def send(self, origin: str, request: Outgoing) -> Answer:
        url = httpx.URL(origin).copy_with(raw_path=request.target)
        outgoing = self._client.build_request(
            request.method, url, headers=request.headers, content=request.body
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except httpx.TransportError as exc:
            raise _translate(exc) from exc
        return Answer(
            response.status_code, response.headers.raw, _chunks(response), response.aclose
        )

    async def aclose(self) -> None:
        """The client belongs to its upstream (gateway.proxy), which closes it."""
