"""Calling a service that runs as several replicas, without a load balancer in between.

A setting naming another service's URL may name several, one per replica:
comma-separated (`http://127.0.0.1:8001,http://127.0.0.1:8011`) or a JSON
list. Where a load balancer or a Kubernetes Service spreads the load, it is
one URL. `replica_client` makes an httpx client that sends each request to
the next replica in turn (round robin) and, when a replica refuses the
connection, to the one after: a refused connection means nothing was sent,
so moving on is safe for any request.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import httpx

from platform_common.telemetry import inject_trace_context


def split_urls(value: str | Sequence[str]) -> list[str]:
    """The URLs a setting names: a JSON list, or comma-separated; blanks dropped."""
    if not isinstance(value, str):
        items = [str(each) for each in value]
    elif value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(each, str) for each in parsed):
            raise ValueError("a list of URLs must be a JSON list of strings")
        items = parsed
    else:
        items = value.split(",")
    return [each.strip() for each in items if each.strip()]


_ROUTED = "platform_common.replica_routed"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class ReplicaTransport(httpx.AsyncBaseTransport):
    """Requests to the first replica's origin go to each replica in turn.

    Requests to any other origin pass through unchanged. Only the scheme,
    host and port are replaced: every replica serves the same paths.
    """

    def __init__(self, urls: Sequence[str], inner: httpx.AsyncBaseTransport | None = None) -> None:
        if not urls:
            raise ValueError("at least one URL is needed")
        self._replicas = [httpx.URL(url) for url in urls]
        self._primary = _origin(self._replicas[0])
        self._turn = itertools.count()
        self._inner = inner or httpx.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        routed = request.extensions.get(_ROUTED, False)
        if routed or _origin(request.url) != self._primary or len(self._replicas) == 1:
            return await self._inner.handle_async_request(request)
        # Chained transports (one per service) leave a routed request alone.
        request.extensions[_ROUTED] = True
        first = next(self._turn)
        for step in range(len(self._replicas)):
            replica = self._replicas[(first + step) % len(self._replicas)]
            request.url = request.url.copy_with(
                scheme=replica.scheme, host=replica.host, port=replica.port
            )
            request.headers["Host"] = replica.netloc.decode("ascii")
            try:
                return await self._inner.handle_async_request(request)
            except httpx.ConnectError:
                if step == len(self._replicas) - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        await self._inner.aclose()


def replica_transport(*url_lists: Sequence[str]) -> httpx.AsyncBaseTransport:
    """One transport spreading the calls to each service over that service's replicas."""
    transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(trust_env=False)
    for urls in url_lists:
        if len(urls) > 1:
            transport = ReplicaTransport(urls, inner=transport)
    return transport


def replica_client(urls: str | Sequence[str], **options: Any) -> httpx.AsyncClient:
    """A client whose base URL is the first of `urls`, its requests spread over all of them."""
    replicas = split_urls(urls)
    if not replicas:
        raise ValueError("no URL given")
    return httpx.AsyncClient(base_url=replicas[0], transport=replica_transport(replicas), **options)


def internal_client(urls: str, *, timeout: float) -> httpx.AsyncClient:
    """A client of another service: every replica in turn, no proxy from the
    environment, and each call continues the current trace."""
    return replica_client(
        urls, timeout=timeout, trust_env=False, event_hooks={"request": [inject_trace_context]}
    )
