"""The gateway and a small upstream on real loopback sockets, served by uvicorn."""

import asyncio
import contextlib
import gc
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

import gateway
from gateway.main import create_app
from platform_common.testing.issuer import TokenIssuer
from platform_common.testing.uvicorn_server import serving_asgi
from tests.conftest import USER_ID, make_settings

CHUNK = b"z" * (256 * 1024)
GATEWAY_PACKAGE = Path(gateway.__file__).parent


def upstream_app(issuer: TokenIssuer) -> Starlette:
    async def jwks(_: Request) -> Response:
        return JSONResponse(issuer.jwks())

    async def ticks(_: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(8):
                yield CHUNK
                await asyncio.sleep(0.05)

        return StreamingResponse(body(), media_type="application/octet-stream")

    async def one(_: Request) -> Response:
        return JSONResponse({"id": 1})

    async def slow(_: Request) -> Response:
        await asyncio.sleep(1.5)
        return JSONResponse({})

    async def count(request: Request) -> Response:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return JSONResponse({"received": size, "headers": dict(request.headers)})

    return Starlette(
        routes=[
            Route("/auth/.well-known/jwks.json", jwks),
            Route("/notes/ticks", ticks),
            Route("/notes/one", one),
            Route("/notes/slow", slow),
            Route("/notes/count", count, methods=["POST"]),
        ]
    )


@asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    async with serving_asgi(app, lifespan="on") as port:
        yield f"http://127.0.0.1:{port}"


def gateway_to(upstream_url: str, upstream_client: str, **settings: Any) -> FastAPI:
    """A gateway whose auth-service and notes-service are both `upstream_url`."""
    return create_app(
        make_settings(
            auth_url=upstream_url,
            notes_url=upstream_url,
            upstream_client=upstream_client,
            **settings,
        )
    )


@asynccontextmanager
async def system(upstream_client: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    issuer = TokenIssuer()
    async with serve(upstream_app(issuer)) as upstream_url:
        app = gateway_to(
            upstream_url,
            upstream_client,
            notes_timeout_seconds=0.5,
            max_body_bytes=64 * 1024 * 1024,
        )
        async with (
            serve(app) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        ):
            yield client, f"Bearer {issuer.token(USER_ID)}"


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
class TestOverRealSockets:
    async def test_streaming_timeout_and_upload(self, upstream_client: str) -> None:
        async with system(upstream_client) as (client, authorization):
            headers = {"Authorization": authorization}

            # The first bytes arrive while the upstream is still producing the rest.
            started = time.perf_counter()
            first_chunk_at = None
            size = 0
            async with client.stream("GET", "/notes/ticks", headers=headers) as response:
                assert response.status_code == 200
                async for chunk in response.aiter_raw():
                    if first_chunk_at is None:
                        first_chunk_at = time.perf_counter() - started
                    size += len(chunk)
            total = time.perf_counter() - started
            assert size == 8 * len(CHUNK)
            assert first_chunk_at is not None
            assert first_chunk_at < total - 0.2

            # A request body streamed through, chunked, counted by the upstream.
            async def upload() -> AsyncIterator[bytes]:
                for _ in range(80):
                    yield CHUNK

            response = await client.post("/notes/count", content=upload(), headers=headers)
            assert response.status_code == 200
            assert response.json()["received"] == 80 * len(CHUNK)
            seen = response.json()["headers"]
            assert seen["x-forwarded-for"] == "127.0.0.1"
            # Only what the client sent (cleaned) and the gateway's own headers.
            assert seen.get("user-agent", "").startswith("python-httpx")  # the client's own
            assert "cookie" not in seen

            # More than the body limit, streamed without a length: 413.
            async def too_much() -> AsyncIterator[bytes]:
                for _ in range(300):
                    yield CHUNK

            response = await client.post("/notes/count", content=too_much(), headers=headers)
            assert response.status_code == 413

            # An upstream slower than its timeout: 504 after the timeout, not later.
            started = time.perf_counter()
            response = await client.get("/notes/slow", headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code == 504
            assert 0.4 < elapsed < 1.4


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
async def test_answers_leave_no_generator_to_the_event_loop(upstream_client: str) -> None:
    """An async generator dropped unfinished is closed by asyncio in a task of its own,
    woken through the loop's self-pipe: two syscalls and a task per proxied request
    (bench/README.md). Every answer's body iterator ends where it is read."""
    async with system(upstream_client) as (client, authorization):
        headers = {"Authorization": authorization}
        assert (await client.get("/notes/one", headers=headers)).status_code == 200
        hooks = sys.get_asyncgen_hooks()
        loop_finalizer = hooks.finalizer
        assert loop_finalizer is not None  # asyncio's, set by the running loop
        left: list[str] = []

        def finalizer(generator: Any) -> None:
            left.append(generator.ag_code.co_filename)
            loop_finalizer(generator)

        sys.set_asyncgen_hooks(firstiter=hooks.firstiter, finalizer=finalizer)
        try:
            for path in ("/notes/one", "/notes/ticks", "/notes/one"):
                response = await client.get(path, headers=headers)
                assert response.status_code == 200
            gc.collect()
            await asyncio.sleep(0)
        finally:
            sys.set_asyncgen_hooks(*hooks)
        assert [name for name in left if Path(name).is_relative_to(GATEWAY_PACKAGE)] == []


@asynccontextmanager
async def gateway_before(
    notes_url: str, upstream_client: str
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A gateway whose notes-service is `notes_url` (auth-service, `upstream_app`):
    a client to it, and a user's headers."""
    issuer = TokenIssuer()
    async with serve(upstream_app(issuer)) as auth_url:
        settings = make_settings(
            auth_url=auth_url, notes_url=notes_url, upstream_client=upstream_client
        )
        async with (
            serve(create_app(settings)) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        ):
            yield client, {"Authorization": f"Bearer {issuer.token(USER_ID)}"}


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
async def test_refused_connection_answers_503(upstream_client: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with gateway_before(dead, upstream_client) as (client, headers):
        started = time.perf_counter()
        response = await client.get("/notes/", headers=headers)
        assert response.status_code == 503
        assert response.json() == {"detail": "notes-service is unavailable"}
        assert time.perf_counter() - started < 1.0


@asynccontextmanager
async def hanging_up() -> AsyncIterator[tuple[str, list[bytes]]]:
    """An upstream that takes each request's head and closes the connection unanswered."""
    heads: list[bytes] = []

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):
            heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", heads


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
@pytest.mark.parametrize(("method", "attempts"), [("GET", 2), ("POST", 1)])
async def test_connection_closed_unanswered_answers_502(
    upstream_client: str, method: str, attempts: int
) -> None:
    """Sent, then the connection closed: an idempotent request is tried once more, others not."""
    async with (
        hanging_up() as (notes_url, heads),
        gateway_before(notes_url, upstream_client) as (client, headers),
    ):
        response = await client.request(
            method,
            "/notes/",
            headers=headers,
            json={"title": "t"} if method == "POST" else None,
        )
    assert response.status_code == 502
    assert response.json() == {"detail": "notes-service closed the connection"}
    assert [head.split(b" ", 1)[0] for head in heads] == [method.encode()] * attempts


def holding_upstream(issuer: TokenIssuer, first_bytes: asyncio.Event) -> Starlette:
    """An upstream whose uploads last as long as their client keeps trickling."""

    async def jwks(_: Request) -> Response:
        return JSONResponse(issuer.jwks())

    async def hold(request: Request) -> Response:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            first_bytes.set()
        return JSONResponse({"received": size})

    async def ticks(_: Request) -> Response:
        return JSONResponse({"tick": 1})

    return Starlette(
        routes=[
            Route("/auth/.well-known/jwks.json", jwks),
            Route("/notes/hold", hold, methods=["POST"]),
            Route("/notes/ticks", ticks),
        ]
    )


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
async def test_slow_uploads_fill_the_pool_and_leave_the_breaker_closed(
    upstream_client: str,
) -> None:
    issuer = TokenIssuer()
    first_bytes = asyncio.Event()
    release = asyncio.Event()
    headers = {"Authorization": f"Bearer {issuer.token(USER_ID)}"}

    async def trickle() -> AsyncIterator[bytes]:
        yield b"a" * 1024
        await release.wait()
        yield b"b"

    async with serve(holding_upstream(issuer, first_bytes)) as upstream_url:
        app = gateway_to(
            upstream_url,
            upstream_client,
            upstream_max_connections=1,
            upstream_keepalive_connections=1,
            connect_timeout_seconds=0.2,
            circuit_failure_threshold=2,
        )
        async with (
            serve(app) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=30) as client,
        ):
            upload = asyncio.create_task(
                client.post("/notes/hold", content=trickle(), headers=headers)
            )
            await asyncio.wait_for(first_bytes.wait(), 10)
            # The one pooled connection is busy with the upload: the gateway is
            # busy, the upstream is not failing.
            for _ in range(4):
                response = await client.get("/notes/ticks", headers=headers)
                assert response.status_code == 503
                assert response.json() == {"detail": "gateway busy, try again"}
                assert response.headers["retry-after"] == "1"
            assert [u.replicas[0].breaker.state for u in app.state.gateway.upstreams] == [
                "closed",
                "closed",
            ]
            release.set()
            assert (await upload).json() == {"received": 1025}
            assert (await client.get("/notes/ticks", headers=headers)).status_code == 200


async def _raw_exchange(url: str, head: bytes, body: AsyncIterator[bytes]) -> bytes:
    """Send `head`, then `body` as it comes, and return what the gateway answered."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))

    async def feed() -> None:
        writer.write(head)
        async for chunk in body:
            writer.write(chunk)
            await writer.drain()

    feeder = asyncio.create_task(feed())
    try:
        answer = await asyncio.wait_for(reader.read(65536), 10)
    finally:
        feeder.cancel()
        writer.close()
    return answer


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
@pytest.mark.parametrize("trickle", ["stops", "never ends"])
async def test_trickled_bodies_get_408(upstream_client: str, trickle: str) -> None:
    issuer = TokenIssuer()
    first_bytes = asyncio.Event()

    async def stops() -> AsyncIterator[bytes]:
        yield b"x" * 10  # of the 100 announced, then nothing

    async def never_ends() -> AsyncIterator[bytes]:
        while True:  # one byte at a time, each well within the idle deadline
            yield b"x"
            await asyncio.sleep(0.02)

    async with serve(holding_upstream(issuer, first_bytes)) as upstream_url:
        app = gateway_to(
            upstream_url,
            upstream_client,
            body_idle_timeout_seconds=0.3 if trickle == "stops" else 5,
            body_total_timeout_seconds=0.6,
        )
        async with serve(app) as gateway_url:
            length = b"100" if trickle == "stops" else b"1000000"
            head = (
                b"POST /notes/hold HTTP/1.1\r\nHost: gateway\r\n"
                b"Authorization: Bearer " + issuer.token(USER_ID).encode() + b"\r\n"
                b"Content-Type: application/octet-stream\r\n"
                b"Content-Length: " + length + b"\r\n\r\n"
            )
            answer = await _raw_exchange(
                gateway_url, head, stops() if trickle == "stops" else never_ends()
            )
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
            assert answer.endswith(b'{"detail":"Request body not received in time"}')
            assert [u.replicas[0].breaker.state for u in app.state.gateway.upstreams] == [
                "closed",
                "closed",
            ]


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
async def test_proxy_environment_variables_ignored(
    upstream_client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a proxy nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    issuer = TokenIssuer()
    async with serve(upstream_app(issuer)) as upstream_url:
        app = gateway_to(upstream_url, upstream_client)
        async with (
            serve(app) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=10, trust_env=False) as client,
        ):
            headers = {"Authorization": f"Bearer {issuer.token(USER_ID)}"}
            # The key fetch (JWKS client) and the forwarding (upstream pool) both
            # reached the upstream directly.
            response = await client.get("/notes/ticks", headers=headers)
            assert response.status_code == 200


@contextlib.asynccontextmanager
async def dying_after_head() -> AsyncIterator[str]:
    """An upstream that answers a head promising a body, then dies before the body
    (a service killed between the two writes)."""

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 145\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])
async def test_an_answer_cut_before_its_body_answers_502(upstream_client: str) -> None:
    """Nothing has reached the client yet: it gets a clean 502, not a 500."""
    async with (
        dying_after_head() as notes_url,
        gateway_before(notes_url, upstream_client) as (client, headers),
    ):
        response = await client.post("/notes/", headers=headers, json={"title": "t"})
    assert response.status_code == 502
    assert response.json() == {"detail": "the service's answer was cut short"}
