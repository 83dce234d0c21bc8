"""Tokens of users deleted or deactivated since they were issued are refused at the gateway.

The gateway polls auth-service's `GET /internal/revocations` (mocked as
auth-service/openapi.json documents it); a listed user's token is refused
with 401 before any upstream sees the request, within about one poll interval.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import respx
from fastapi import FastAPI

from gateway.config import Settings
from gateway.main import create_app
from platform_common.testing.contract import Contract
from platform_common.testing.issuer import TokenIssuer
from platform_common.testing.revocations import RevocationListStub
from tests.conftest import NOTE, asgi_client, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings(revocations_enabled=True, revocations_poll_interval_seconds=0.02)


@pytest.fixture
def revocations(mock: respx.MockRouter, auth_contract: Contract) -> RevocationListStub:
    return RevocationListStub.mount(mock, auth_contract)


@pytest.fixture
async def app(
    settings: Settings, mock: respx.MockRouter, revocations: RevocationListStub
) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def notes(mock: respx.MockRouter, notes_contract: Contract) -> respx.Route:
    return notes_contract.route(
        mock, "GET", "/notes/1", template="/notes/{note_id}", status=200, json=NOTE
    )


Statuses = Callable[[dict[str, str]], Awaitable[dict[str, int]]]


@pytest.fixture
def statuses(client: httpx.AsyncClient) -> Statuses:
    """Reads the note through the gateway with each named token: the statuses by name."""

    async def read(tokens: dict[str, str]) -> dict[str, int]:
        answers = {}
        for name, token in tokens.items():
            answer = await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
            answers[name] = answer.status_code
        return answers

    return read


class TestRevokedTokens:
    async def test_refused_after_the_next_poll(
        self,
        client: httpx.AsyncClient,
        revocations: RevocationListStub,
        notes: respx.Route,
        issuer: TokenIssuer,
    ) -> None:
        deleted, other = str(uuid.uuid4()), str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {issuer.token(deleted)}"}
        other_headers = {"Authorization": f"Bearer {issuer.token(other)}"}
        await revocations.polls()
        assert (await client.get("/notes/1", headers=headers)).status_code == 200

        revocations.revoked.append({"sub": deleted, "min_version": None})
        await revocations.polls()
        calls = notes.call_count
        refused = await client.get("/notes/1", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert notes.call_count == calls  # never reached notes-service
        assert (await client.get("/notes/1", headers=other_headers)).status_code == 200

    async def test_ended_session_and_revoked_client_refused(
        self,
        statuses: Statuses,
        revocations: RevocationListStub,
        notes: respx.Route,
        issuer: TokenIssuer,
    ) -> None:
        """A log-out ends its session's tokens; a disabled client, those it was
        issued before `not_before`."""
        user = str(uuid.uuid4())
        ended, live = str(uuid.uuid4()), str(uuid.uuid4())
        now = int(time.time())
        tokens = {
            "ended session": issuer.token(user, ver=0, sid=ended),
            "live session": issuer.token(user, ver=0, sid=live),
            "client's old token": issuer.token(user, client_id="app", iat=now - 5),
            "client's new token": issuer.token(user, client_id="app", iat=now),
        }
        await revocations.polls()
        assert await statuses(tokens) == dict.fromkeys(tokens, 200)

        revocations.sessions.append({"sid": ended})
        revocations.clients.append({"client_id": "app", "not_before": now})
        await revocations.polls()
        calls = notes.call_count
        assert await statuses(tokens) == {
            "ended session": 401,
            "live session": 200,
            "client's old token": 401,
            "client's new token": 200,
        }
        assert notes.call_count == calls + 2  # the refused ones never reached notes-service

    async def test_stale_list_kept_while_auth_service_fails(
        self, client: httpx.AsyncClient, revocations: RevocationListStub, issuer: TokenIssuer
    ) -> None:
        user = str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {issuer.token(user)}"}
        revocations.revoked.append({"sub": user, "min_version": None})
        await revocations.polls()
        revocations.failing = True
        await revocations.polls(3)
        assert (await client.get("/notes/1", headers=headers)).status_code == 401

    async def test_poller_stops_on_shutdown(
        self, settings: Settings, mock: respx.MockRouter, revocations: RevocationListStub
    ) -> None:
        app = create_app(settings)
        async with app.router.lifespan_context(app), asgi_client(app):
            await revocations.polls()
        calls = mock.routes["revocations"].call_count
        await asyncio.sleep(0.1)
        assert mock.routes["revocations"].call_count == calls


class TestSettings:
    def test_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("GATEWAY_REVOCATIONS_URL", raising=False)
        settings = Settings()
        assert settings.revocations_url == "http://127.0.0.1:8001/internal/revocations"
        assert settings.revocations_poll_interval_seconds == 2.0
        assert settings.revocations_enabled

    def test_follows_auth_url(self) -> None:
        settings = Settings(auth_url="http://auth:8001/")
        assert settings.revocations_url == "http://auth:8001/internal/revocations"

    def test_explicit(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_REVOCATIONS_URL", "http://a/internal/revocations")
        monkeypatch.setenv("GATEWAY_REVOCATIONS_POLL_INTERVAL_SECONDS", "0.5")
        settings = Settings()
        assert settings.revocations_url == "http://a/internal/revocations"
        assert settings.revocations_poll_interval_seconds == 0.5
