"""`/ping`, `/health/live`, `/health/ready` and `/metrics` (platform_common.health)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from platform_common.health import health_router

CHECKS: dict[str, dict[str, Any]] = {}


async def readiness(_: Request) -> dict[str, Any]:
    return dict(CHECKS)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(health_router(readiness))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client
    CHECKS.clear()


async def test_ping_and_live(client: httpx.AsyncClient) -> None:
    ping = await client.get("/ping")
    assert (ping.status_code, ping.json()) == (200, {"ping": "pong!"})
    live = await client.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


async def test_ready_when_every_check_is_ok(client: httpx.AsyncClient) -> None:
    CHECKS.update(database={"ok": True}, cache={"ok": True, "age": 3})
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": CHECKS}


async def test_not_ready_when_one_check_fails(client: httpx.AsyncClient) -> None:
    CHECKS.update(database={"ok": False, "error": "OSError"}, cache={"ok": True})
    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": CHECKS}


async def test_metrics_in_prometheus_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.text
