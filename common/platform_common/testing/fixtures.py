"""Fixtures the services' suites share, as a pytest plugin: a suite's
`tests/conftest.py` loads it with `pytest_plugins = ["platform_common.testing.fixtures"]`
and defines the rest (`database_url`, `settings`, `app`); a fixture of the
same name in the conftest takes precedence over the one here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncEngine

from platform_common.database import create_database_engine
from platform_common.testing.issuer import JWKS_URL, TokenIssuer


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture
def jwks(issuer: TokenIssuer) -> Iterator[respx.Route]:
    """auth-service's JWKS endpoint (`JWKS_URL`), served by respx."""
    with respx.mock(assert_all_called=False) as mock:
        yield mock.get(JWKS_URL).respond(json=issuer.jwks())


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The tests' own engine on the suite's `database_url`: what they check or stage
    through it really commits."""
    engine = create_database_engine(database_url)
    yield engine
    await engine.dispose()
