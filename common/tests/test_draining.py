"""SIGTERM drains first: Connection: close on every answer, readiness 503, then the server stops."""

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from platform_common.app import create_service_app
from platform_common.draining import DrainOnSigterm


async def ready() -> dict[str, dict[str, bool]]:
    return {"self": {"ok": True}}


def app_with(drain_seconds: float) -> FastAPI:
    app = create_service_app(
        service="test",
        readiness=lambda _request: ready(),
        database=False,
        drain_seconds=drain_seconds,
    )

    @app.get("/work")
    async def work() -> dict[str, str]:
        return {"done": "yes"}

    return app


def drain_of(app: FastAPI) -> DrainOnSigterm:
    layer = app.middleware_stack
    while not isinstance(layer, DrainOnSigterm):
        layer = layer.app  # type: ignore[union-attr]
    return layer


@pytest.fixture
async def client() -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = app_with(drain_seconds=30)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://svc.test") as http,
    ):
        await http.get("/health/live")  # builds the middleware stack
        yield app, http


async def test_serving_normally_says_nothing(client: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = client
    response = await http.get("/work")
    assert response.json() == {"done": "yes"}
    assert "connection" not in response.headers
    assert (await http.get("/health/ready")).status_code == 200


async def test_draining_serves_with_connection_close_and_is_not_ready(
    client: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = client
    drain_of(app).draining = True
    response = await http.get("/work")
    assert response.json() == {"done": "yes"}
    assert response.headers["connection"] == "close"
    readiness = await http.get("/health/ready")
    assert readiness.status_code == 503
    assert readiness.json() == {"status": "draining"}


async def test_sigterm_drains_then_hands_over_to_the_server() -> None:
    # The server's own handler (uvicorn's) must only run after the drain.
    handed_over = asyncio.Event()
    loop = asyncio.get_running_loop()
    previous = signal.signal(
        signal.SIGTERM, lambda _signum, _frame: loop.call_soon(handed_over.set)
    )
    try:
        drain = DrainOnSigterm(app_with(0), drain_seconds=0.2)
        drain.install()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0)
        assert drain.draining
        assert not handed_over.is_set()
        await asyncio.wait_for(handed_over.wait(), 5)
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_no_drain_leaves_the_signal_alone() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    DrainOnSigterm(app_with(0), drain_seconds=0).install()
    assert signal.getsignal(signal.SIGTERM) is previous
