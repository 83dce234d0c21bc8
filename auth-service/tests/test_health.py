from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from auth_service.config import Settings
from auth_service.main import create_app
from tests.conftest import BASE_URL, PASSWORD, unique_email


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    """The shared health routes themselves are tested in common/tests."""
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": {"ok": True}}


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
