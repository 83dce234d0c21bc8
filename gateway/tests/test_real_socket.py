"""The gateway and a small upstream on real loopback sockets, served by uvicorn."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from gateway.main import create_app
from platform_common.testing.issuer import TokenIssuer
from tests.conftest import USER_ID, make_settings

CHUNK = b"z" * (256 * 1024)


def upstream_app(issuer: TokenIssuer) -> Starlette:
    async def jwks(_: Request) -> Response:
        return JSONResponse(issuer.jwks())

    async def ticks(_: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(8):
                yield CHUNK
                await asyncio.sleep(0.05)

        return StreamingResponse(body(), media_type="application/octet-stream")

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
            Route("/notes/slow", slow),
            Route("/notes/count", count, methods=["POST"]),
        ]
    )


@asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", ws="none", lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 5)
        sock.close()


@asynccontextmanager
async def system(upstream_client: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    issuer = TokenIssuer()
    async with serve(upstream_app(issuer)) as upstream_url:
        settings = make_settings(
            auth_url=upstream_url,
            notes_url=upstream_url,
            notes_timeout_seconds=0.5,
            max_body_bytes=64 * 1024 * 1024,
            upstream_client=upstream_client,
        )
        async with (
            serve(create_app(settings)) as gateway_url,
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
async def test_refused_connection_answers_503(upstream_client: str) -> None:
    issuer = TokenIssuer()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with serve(upstream_app(issuer)) as auth_url:
        settings = make_settings(auth_url=auth_url, notes_url=dead, upstream_client=upstream_client)
        async with (
            serve(create_app(settings)) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        ):
            headers = {"Authorization": f"Bearer {issuer.token(USER_ID)}"}
            started = time.perf_counter()
            response = await client.get("/notes/", headers=headers)
            assert response.status_code == 503
            assert response.json() == {"detail": "notes-service is unavailable"}
            assert time.perf_counter() - started < 1.0
