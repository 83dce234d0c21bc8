"""What GatewayState builds from the settings: one upstream per table entry, each
with the sender the settings choose; the proxy forwards through whichever it is given."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway.aiohttp_sender import AiohttpSender
from gateway.balancer import Replica
from gateway.circuit import CircuitBreaker
from gateway.httpx_sender import HttpxSender
from gateway.proxy import Upstream, send_upstream
from gateway.state import GatewayState
from gateway.transport import Outgoing
from tests.conftest import make_settings

BASE: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "gw", "version": "1"}, "paths": {}}


@asynccontextmanager
async def state(**settings: Any) -> AsyncIterator[GatewayState]:
    """The gateway's state for `settings`, closed after."""
    transports = settings.pop("transports", None)
    gateway = GatewayState(make_settings(**settings), base_document=BASE, transports=transports)
    try:
        yield gateway
    finally:
        await gateway.aclose()


class TestSenders:
    async def test_aiohttp_by_default(self) -> None:
        async with state(upstream_client="aiohttp") as gateway:
            assert [type(u.sender) for u in gateway.upstreams] == [AiohttpSender, AiohttpSender]

    async def test_httpx_when_chosen(self) -> None:
        async with state(upstream_client="httpx") as gateway:
            assert [type(u.sender) for u in gateway.upstreams] == [HttpxSender, HttpxSender]

    async def test_a_given_transport_goes_through_httpx(self) -> None:
        transport = httpx.MockTransport(lambda _: httpx.Response(204))
        async with state(
            upstream_client="aiohttp", transports={"notes-service": transport}
        ) as gateway:
            assert [type(u.sender) for u in gateway.upstreams] == [AiohttpSender, HttpxSender]

    @pytest.mark.parametrize("client", ["aiohttp", "httpx"])
    async def test_one_upstream_per_table_entry(self, client: str) -> None:
        async with state(
            upstream_client=client,
            upstreams=[{"name": "echo", "prefixes": ["/echo"], "urls": ["http://e1", "http://e2"]}],
        ) as gateway:
            assert [u.name for u in gateway.upstreams] == ["auth-service", "notes-service", "echo"]
            echo = gateway.upstreams[2]
            assert [r.url for r in echo.replicas] == ["http://e1", "http://e2"]
            assert gateway.router.match("/echo/1") is echo
            assert gateway.router.match("/auth/token") is gateway.upstreams[0]


class TestUpstream:
    async def test_forwards_through_the_sender_it_is_given(self) -> None:
        seen: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, stream=httpx.ByteStream(b"hello"))

        client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        upstream = Upstream(
            name="echo",
            replicas=[
                Replica("http://echo.test", CircuitBreaker(failure_threshold=5, reset_seconds=10))
            ],
            client=client,
            sender=HttpxSender(client),
        )
        try:
            got = await send_upstream(upstream, Outgoing("GET", b"/echo/1?x=1", [], None))
            assert got.status == 200
            assert b"".join([chunk async for chunk in got.chunks()]) == b"hello"
            await got.aclose()
        finally:
            await upstream.aclose()
        assert [str(r.url) for r in seen] == ["http://echo.test/echo/1?x=1"]
