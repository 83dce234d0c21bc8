"""Tokens of users that auth-service lists as revoked are refused within a poll.

The revocation list is mocked as auth-service documents it
(auth-service/openapi.json, `GET /internal/revocations`).
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import respx
from fastapi import FastAPI

from notes_service.config import Settings
from notes_service.main import create_app
from platform_common.testing.contract import Contract
from platform_common.testing.issuer import JWKS_URL, TokenIssuer
from platform_common.testing.revocations import LIST_PATH, RevocationListStub

AUTH = Contract("auth-service", "http://auth.test")
NOTES_URL = "http://notes.test"
NOTE = {"title": "a note", "description": "to be refused"}


@dataclass
class Revoking:
    """The app under test, its client, and the revocation list it polls."""

    client: httpx.AsyncClient
    stub: RevocationListStub
    app: FastAPI

    async def revoke(self, user: uuid.UUID, min_version: int | None = None) -> None:
        """List `user` (None: no version valid) and wait until the app has polled it."""
        self.stub.revoked.append({"sub": str(user), "min_version": min_version})
        await self.stub.polls()


@pytest.fixture
async def revoking(settings: Settings, issuer: TokenIssuer) -> AsyncIterator[Revoking]:
    polling = settings.model_copy(
        update={
            "revocations_enabled": True,
            "revocations_url": AUTH.base_url + LIST_PATH,
            "revocations_poll_interval_seconds": 0.02,
        }
    )
    with respx.mock(assert_all_called=False) as mock:
        mock.get(JWKS_URL).respond(json=issuer.jwks())
        stub = RevocationListStub.mount(mock, AUTH)
        app = create_app(polling)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=NOTES_URL) as client:
                yield Revoking(client, stub, app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestRevokedTokens:
    async def test_refused_after_the_next_poll(
        self,
        revoking: Revoking,
        issuer: TokenIssuer,
    ) -> None:
        client = revoking.client
        deleted, other = uuid.uuid4(), uuid.uuid4()
        deleted_token, other_token = issuer.token(str(deleted)), issuer.token(str(other))
        await revoking.stub.polls()
        assert (await client.post("/notes/", json=NOTE, headers=bearer(deleted_token))).is_success

        await revoking.revoke(deleted)
        refused = await client.get("/notes/", headers=bearer(deleted_token))
        assert refused.status_code == 401
        assert 'error_description="token revoked"' in refused.headers["WWW-Authenticate"]
        assert (await client.get("/notes/", headers=bearer(other_token))).status_code == 200

    async def test_token_issued_after_revocation_accepted(
        self,
        revoking: Revoking,
        issuer: TokenIssuer,
    ) -> None:
        """A deactivated account that is reactivated logs in again (a newer version)."""
        client = revoking.client
        user = uuid.uuid4()
        await revoking.revoke(user, min_version=1)
        old = issuer.token(str(user), ver=0)
        assert (await client.get("/notes/", headers=bearer(old))).status_code == 401
        new = issuer.token(str(user), ver=1)
        assert (await client.get("/notes/", headers=bearer(new))).status_code == 200

    async def test_ended_session_and_revoked_client_refused(
        self,
        revoking: Revoking,
        issuer: TokenIssuer,
    ) -> None:
        client = revoking.client
        user = str(uuid.uuid4())
        ended, live = str(uuid.uuid4()), str(uuid.uuid4())
        now = int(time.time())
        revoking.stub.sessions.append({"sid": ended})
        revoking.stub.clients.append({"client_id": "app", "not_before": now})
        await revoking.stub.polls()
        refused = await client.get("/notes/", headers=bearer(issuer.token(user, sid=ended)))
        assert refused.status_code == 401
        assert 'error_description="token revoked"' in refused.headers["WWW-Authenticate"]
        old = issuer.token(user, client_id="app", iat=now - 5)
        assert (await client.get("/notes/", headers=bearer(old))).status_code == 401
        for token in (
            issuer.token(user, sid=live),
            issuer.token(user, client_id="app", iat=now),
            issuer.token(user, client_id="other-app", iat=now - 5),
        ):
            assert (await client.get("/notes/", headers=bearer(token))).status_code == 200

    async def test_stale_list_kept_while_auth_service_fails(
        self,
        revoking: Revoking,
        issuer: TokenIssuer,
    ) -> None:
        user = uuid.uuid4()
        token = issuer.token(str(user))
        await revoking.revoke(user)
        revoking.stub.failing = True
        await revoking.stub.polls(3)
        assert (await revoking.client.get("/notes/", headers=bearer(token))).status_code == 401
        assert revoking.app.state.revocations.loaded

    async def test_service_token_purge_unaffected(
        self,
        revoking: Revoking,
        issuer: TokenIssuer,
    ) -> None:
        user = uuid.uuid4()
        await revoking.revoke(user)
        purge = issuer.token("auth-service-outbox", aud="notes-service", scope="notes:purge")
        response = await revoking.client.delete(
            f"/internal/users/{user}/notes", headers=bearer(purge)
        )
        assert response.json() == {"deleted": 0}


class TestLifespan:
    async def test_poller_stops_on_shutdown(self, settings: Settings) -> None:
        polling = settings.model_copy(
            update={
                "revocations_enabled": True,
                "revocations_url": AUTH.base_url + LIST_PATH,
                "revocations_poll_interval_seconds": 0.01,
            }
        )
        with respx.mock as mock:
            stub = RevocationListStub.mount(mock, AUTH)
            app = create_app(polling)
            async with app.router.lifespan_context(app):
                await stub.polls()
                assert app.state.token_verifier.revocations is app.state.revocations
            route = stub.route
            calls = route.call_count
            await asyncio.sleep(0.05)
            assert route.call_count == calls

    def test_defaults(self) -> None:
        fields = Settings.model_fields
        assert fields["revocations_url"].default == "http://127.0.0.1:8001/internal/revocations"
        assert fields["revocations_poll_interval_seconds"].default == 2.0
        assert fields["revocations_enabled"].default is True

    async def test_disabled_by_the_flag(self, app: FastAPI) -> None:
        assert app.state.revocations is None
        assert app.state.token_verifier.revocations is None
