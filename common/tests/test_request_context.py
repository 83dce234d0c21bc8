"""Request ids and per-route metrics (platform_common.observability.RequestContextMiddleware)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from platform_common.observability import RequestContextMiddleware, metrics

SERVICE = "request-context-test"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    app.add_api_route("/metrics", metrics)
    app.add_middleware(RequestContextMiddleware, service=SERVICE)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


async def test_well_formed_request_id_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/1", headers={"X-Request-ID": "abcdef123456"})
    assert response.headers["X-Request-ID"] == "abcdef123456"


@pytest.mark.parametrize("incoming", ["bad id\n", "short", "x" * 129])
async def test_malformed_request_id_replaced(client: httpx.AsyncClient, incoming: str) -> None:
    response = await client.get("/items/1", headers={"X-Request-ID": incoming})
    assert len(response.headers["X-Request-ID"]) == 32
    assert response.headers["X-Request-ID"] != incoming


def count(metrics_text: str, labels: str) -> float:
    prefix = f"http_requests_total{{{labels}}} "
    lines = [line for line in metrics_text.splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


async def test_metrics_labelled_by_route_template(client: httpx.AsyncClient) -> None:
    items = f'method="GET",route="/items/{{item_id}}",service="{SERVICE}",status="200"'
    unmatched = f'method="GET",route="unmatched",service="{SERVICE}",status="404"'
    before = (await client.get("/metrics")).text
    for item_id in (1, 2, 3):
        await client.get(f"/items/{item_id}")
    await client.get("/nowhere")
    after = (await client.get("/metrics")).text
    assert count(after, items) - count(before, items) == 3
    assert count(after, unmatched) - count(before, unmatched) == 1
