from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from auth_service.config import Settings
from auth_service.main import create_app
from tests.conftest import BASE_URL, PASSWORD, unique_email


class TestHealth:
    async def test_ping(self, client: httpx.AsyncClient) -> None:
        for path in ("/ping", "/ping/"):
            response = await client.get(path)
            assert (response.status_code, response.json()) == (200, {"ping": "pong!"})

    async def test_live_and_ready(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/health/live")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["database"]["ok"] is True

    async def test_metrics(self, client: httpx.AsyncClient) -> None:
        await client.get("/ping")
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert 'route="/ping",service="auth-service",status="200"' in response.text


@pytest.fixture
async def app_without_database(keys_dir: Path) -> AsyncIterator[FastAPI]:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    settings = Settings(
        database_url="postgresql://postgres@127.0.0.1:1/postgres",
        signing_keys_dir=keys_dir,
        argon2_memory_cost_kib=64,
        argon2_time_cost=1,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


class TestDatabaseDown:
    async def test_503_not_500(self, app_without_database: FastAPI) -> None:
        transport = httpx.ASGITransport(app=app_without_database)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            register = await client.post(
                "/auth/register", json={"email": unique_email(), "password": PASSWORD}
            )
            assert register.status_code == 503
            assert register.json() == {"detail": "Database unavailable"}
            login = await client.post(
                "/auth/token",
                data={"grant_type": "password", "username": "a@example.com", "password": "x"},
            )
            assert login.status_code == 503
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert (await client.get("/auth/.well-known/jwks.json")).status_code == 200
