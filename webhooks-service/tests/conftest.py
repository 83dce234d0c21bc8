import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from platform_common.testing.issuer import JWKS_URL, TokenIssuer
from platform_common.testing.migrations import migrated_database
from platform_common.testing.sessions import rolled_back_session
from webhooks_service.config import Settings
from webhooks_service.deps import get_session
from webhooks_service.main import create_app

pytest_plugins = ["platform_common.testing.fixtures"]  # issuer, jwks, engine

SERVICE_ROOT = Path(__file__).resolve().parents[1]
SERVICE_AUDIENCE = "webhooks-service"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with migrated_database("webhooks_test", SERVICE_ROOT) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, issuer: TokenIssuer) -> Settings:
    return Settings(
        database_url=database_url,
        jwks_url=JWKS_URL,
        jwt_issuer=issuer.issuer,
        jwks_refetch_floor_seconds=0,
        revocations_enabled=False,
        # The tests' workers are their own (tests/test_worker.py).
        delivery_enabled=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def session(app: FastAPI, engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """The app's session, inside a transaction rolled back after the test."""
    async with rolled_back_session(app, engine, get_session) as session:
        yield session


@pytest.fixture
async def client(
    app: FastAPI, session: AsyncSession, jwks: respx.Route
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://webhooks.test") as client:
        yield client


def service_headers(
    issuer: TokenIssuer, scope: str, subject: str = "notes-service"
) -> dict[str, str]:
    token = issuer.token(subject, scope=scope, aud=SERVICE_AUDIENCE)
    return {"Authorization": f"Bearer {token}"}


class User:
    def __init__(self, issuer: TokenIssuer, scope: str = "webhooks") -> None:
        self.id = uuid.uuid4()
        self.headers = {"Authorization": f"Bearer {issuer.token(str(self.id), scope=scope)}"}


@pytest.fixture
def alice(issuer: TokenIssuer) -> User:
    return User(issuer)


@pytest.fixture
def bob(issuer: TokenIssuer) -> User:
    return User(issuer)
