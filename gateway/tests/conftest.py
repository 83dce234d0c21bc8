from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from gateway.config import Settings
from gateway.main import create_app
from platform_common.testing.contract import Contract
from platform_common.testing.issuer import TokenIssuer

AUTH_URL = "http://auth.test"
NOTES_URL = "http://notes.test"
JWKS_URL = AUTH_URL + "/auth/.well-known/jwks.json"
CLIENT_ADDRESS = "203.0.113.7"
INTERNAL_ADDRESS = "127.0.0.1"
USER_ID = "5b0e7c1e-2f7a-4a8e-9d43-2d1b9c0f6a11"
# auth-service's answer to a registration, whether or not the address is taken.
REGISTERED = {
    "email": "ada@example.com",
    "detail": "Check this address's mailbox: a new account's confirmation token is on its way",
}
TOKENS = {
    "access_token": "eyJ.a.b",
    "token_type": "bearer",
    "expires_in": 900,
    "refresh_token": "opaque",
    "scope": "notes",
}
NOTE = {
    "id": 1,
    "title": "groceries",
    "description": "milk and eggs",
    "created_date": "2026-01-02T03:04:05Z",
    "updated_date": "2026-01-02T03:04:05Z",
}


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "auth_url": AUTH_URL,
        "notes_url": NOTES_URL,
        "jwks_refetch_floor_seconds": 0,
        # respx intercepts httpx's own transport; test_real_socket covers aiohttp's.
        "upstream_client": "httpx",
        # test_revocations polls a mocked list; elsewhere nothing is revoked.
        "revocations_enabled": False,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture(scope="session")
def notes_contract() -> Contract:
    return Contract("notes-service", NOTES_URL)


@pytest.fixture(scope="session")
def auth_contract() -> Contract:
    return Contract("auth-service", AUTH_URL)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def mock(issuer: TokenIssuer, auth_contract: Contract) -> Iterator[respx.MockRouter]:
    """The upstreams; anything not routed here is an error. JWKS is always served."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        auth_contract.route(
            router,
            "GET",
            "/auth/.well-known/jwks.json",
            status=200,
            json=issuer.jwks(),
            name="jwks",
        )
        yield router


@pytest.fixture
async def app(settings: Settings, mock: respx.MockRouter) -> AsyncIterator[FastAPI]:
    """A fresh gateway per test: circuit breakers and login counters start empty."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def asgi_client(app: FastAPI, address: str = CLIENT_ADDRESS) -> httpx.AsyncClient:
    """A client at `address`: by default a public one, outside the internal networks."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as client:
        yield client


@pytest.fixture
async def internal_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the gateway's internal networks (loopback by default)."""
    async with asgi_client(app, INTERNAL_ADDRESS) as client:
        yield client


@dataclass
class Upstream:
    """A service's contract bound to the test's respx router."""

    contract: Contract
    mock: respx.MockRouter

    def route(self, method: str, path: str, **answer: Any) -> respx.Route:
        """`Contract.route` on this router: the answer is checked against the contract."""
        return self.contract.route(self.mock, method, path, **answer)


@pytest.fixture
def notes_upstream(mock: respx.MockRouter, notes_contract: Contract) -> Upstream:
    return Upstream(notes_contract, mock)


@pytest.fixture
def live_upstreams(
    mock: respx.MockRouter, auth_contract: Contract, notes_contract: Contract
) -> tuple[respx.Route, respx.Route]:
    """auth-service's and notes-service's liveness routes, both answering ok."""
    return (
        auth_contract.route(mock, "GET", "/health/live", status=200, json={"status": "ok"}),
        notes_contract.route(mock, "GET", "/health/live", status=200, json={"status": "ok"}),
    )


@pytest.fixture
def notes_down(live_upstreams: tuple[respx.Route, respx.Route]) -> None:
    """auth-service is live; notes-service refuses connections."""
    _, notes = live_upstreams
    notes.mock(side_effect=httpx.ConnectError("refused"))


@pytest.fixture
def note_route(mock: respx.MockRouter, notes_contract: Contract) -> respx.Route:
    """notes-service answers GET /notes/1 with NOTE (as its contract documents)."""
    return notes_contract.route(
        mock, "GET", "/notes/1", template="/notes/{note_id}", status=200, json=NOTE
    )


@pytest.fixture
def token(issuer: TokenIssuer) -> str:
    return issuer.token(USER_ID)


@pytest.fixture
def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
