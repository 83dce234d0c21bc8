"""Fixtures the services' suites share, as a pytest plugin: a suite's
`tests/conftest.py` loads it with `pytest_plugins = ["platform_common.testing.fixtures"]`
and defines a session fixture `service` (a `ServiceUnderTest`, from
platform_common.testing.service) that drives `database_url`, `settings`, `app`,
`session`, `client`, `alice` and `bob` here; a fixture of the same name in the conftest takes
precedence over the one here (auth-service's `settings`, `engine`, `client`, `alice` and `bob`,
notes-service's `session`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from platform_common.database import create_database_engine
from platform_common.testing.issuer import JWKS_URL, TokenIssuer, User
from platform_common.testing.migrations import migrated_database
from platform_common.testing.service import ServiceUnderTest
from platform_common.testing.sessions import rolled_back_session


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture
def jwks(issuer: TokenIssuer) -> Iterator[respx.Route]:
    """auth-service's JWKS endpoint (`JWKS_URL`), served by respx."""
    with respx.mock(assert_all_called=False) as mock:
        yield mock.get(JWKS_URL).respond(json=issuer.jwks())


@pytest.fixture(scope="session")
async def database_url(service: ServiceUnderTest) -> AsyncIterator[str]:
    async with migrated_database(service.database, service.root) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The tests' own engine on the suite's `database_url`: what they check or stage
    through it really commits."""
    engine = create_database_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def settings(service: ServiceUnderTest, database_url: str, issuer: TokenIssuer) -> Any:
    assert service.settings is not None, "a suite without `service.settings` defines `settings`"
    return service.settings(
        database_url=database_url,
        jwks_url=JWKS_URL,
        jwt_issuer=issuer.issuer,
        jwks_refetch_floor_seconds=0,
        # No revocation list to poll: the tests of revocations build apps of their
        # own that poll a mocked one (notes-service's test_revocations).
        revocations_enabled=False,
    )


@pytest.fixture(scope="session")
async def app(service: ServiceUnderTest, settings: Any) -> AsyncIterator[FastAPI]:
    app = service.create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def session(
    service: ServiceUnderTest, app: FastAPI, engine: AsyncEngine
) -> AsyncIterator[AsyncSession]:
    """The app's session, inside a transaction rolled back after the test."""
    async with rolled_back_session(app, engine, service.session_dependency) as session:
        yield session


@pytest.fixture
async def client(
    service: ServiceUnderTest, app: FastAPI, session: AsyncSession, jwks: respx.Route
) -> AsyncIterator[httpx.AsyncClient]:
    """The app's routes, on the test's session, with the issuer's keys served."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=service.base_url) as client:
        yield client


@pytest.fixture
def alice(service: ServiceUnderTest, issuer: TokenIssuer) -> User:
    return User(issuer, service.user_scope)


@pytest.fixture
def bob(service: ServiceUnderTest, issuer: TokenIssuer) -> User:
    return User(issuer, service.user_scope)
