"""Ending a session or revoking a client ends its access tokens within the
revocation bound: `GET /internal/revocations` lists the session (`sid`) or
the client (`client_id`, `not_before`) for an access-token lifetime, every
verifier refuses its tokens, and auth-service refuses them at once."""

import math
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import sessions
from auth_service.delivery import outbox
from auth_service.models import ClientRevocation, SessionRevocation
from auth_service.oauth import client_revocations
from tests.conftest import CLIENT_SECRET, INTROSPECTOR, PASSWORD, Account, login, refresh_grant


def sid_of(account: Account) -> str:
    sid: str = jwt.get_unverified_claims(account.access_token)["sid"]
    return sid


async def revocation_list(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/internal/revocations")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def listed_sessions(client: httpx.AsyncClient) -> set[str]:
    return {entry["sid"] for entry in (await revocation_list(client))["sessions"]}


async def listed_clients(client: httpx.AsyncClient) -> dict[str, int]:
    entries = (await revocation_list(client))["clients"]
    return {entry["client_id"]: entry["not_before"] for entry in entries}


async def assert_token_revoked(client: httpx.AsyncClient, account: Account) -> None:
    """auth-service itself refuses the access token at once."""
    me = await client.get("/auth/me", headers=account.headers)
    assert me.status_code == 401
    assert 'error_description="token revoked"' in me.headers["WWW-Authenticate"]


class TestTheList:
    async def test_every_kind_is_a_list(self, client: httpx.AsyncClient) -> None:
        body = await revocation_list(client)
        assert {key: type(value) for key, value in body.items()} == {
            "revoked": list,
            "sessions": list,
            "clients": list,
        }


class TestSessionsEndTheirAccessTokens:
    async def test_logout(self, client: httpx.AsyncClient, alice: Account) -> None:
        other = await login(client, alice.email)
        assert sid_of(alice) not in await listed_sessions(client)
        assert (await client.post("/auth/logout", headers=alice.headers)).status_code == 204
        assert sid_of(alice) in await listed_sessions(client)
        assert sid_of(other) not in await listed_sessions(client)
        await assert_token_revoked(client, alice)
        assert (await client.get("/auth/me", headers=other.headers)).status_code == 200

    async def test_logout_everywhere_lists_the_subject(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        """The version bump already ends every session's tokens."""
        response = await client.post("/auth/logout?everywhere=true", headers=alice.headers)
        assert response.status_code == 204
        assert alice.id in {e["sub"] for e in (await revocation_list(client))["revoked"]}

    async def test_ending_one_session(self, client: httpx.AsyncClient, alice: Account) -> None:
        laptop = await login(client, alice.email)
        ended = await client.delete(f"/auth/me/sessions/{sid_of(laptop)}", headers=alice.headers)
        assert ended.status_code == 204
        assert await listed_sessions(client) >= {sid_of(laptop)}
        assert sid_of(alice) not in await listed_sessions(client)
        await assert_token_revoked(client, laptop)
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 200

    async def test_a_session_not_found_lists_nothing(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        before = await listed_sessions(client)
        for sid in (sid_of(bob), str(uuid.uuid4())):
            response = await client.delete(f"/auth/me/sessions/{sid}", headers=alice.headers)
            assert response.status_code == 404
        assert await listed_sessions(client) == before
        assert (await client.get("/auth/me", headers=bob.headers)).status_code == 200

    async def test_rfc7009_revocation(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await client.post("/auth/revoke", data={"token": alice.refresh_token})
        assert response.status_code == 200
        assert sid_of(alice) in await listed_sessions(client)
        await assert_token_revoked(client, alice)

    async def test_revoking_an_unknown_token_lists_nothing(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        before = await listed_sessions(client)
        for token in ("unknown", alice.access_token):
            assert (await client.post("/auth/revoke", data={"token": token})).status_code == 200
        assert await listed_sessions(client) == before

    async def test_refresh_token_reuse(self, client: httpx.AsyncClient, alice: Account) -> None:
        rotated = await refresh_grant(client, alice.refresh_token)
        assert rotated.status_code == 200
        new_access = rotated.json()["access_token"]
        assert sid_of(alice) not in await listed_sessions(client)
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 400  # reuse
        assert sid_of(alice) in await listed_sessions(client)
        # Every access token of the session: the first and the refreshed one.
        await assert_token_revoked(client, alice)
        refreshed = Account(alice.id, alice.email, PASSWORD, new_access, "")
        await assert_token_revoked(client, refreshed)

    async def test_a_refresh_leaves_the_session_unlisted(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 200
        assert sid_of(alice) not in await listed_sessions(client)
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 200


class TestEndSessionTokens:
    """sessions.end_session_tokens, for the authorization-code and app revocations."""

    async def test_lists_each_family(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        families = [uuid.uuid4(), uuid.uuid4()]
        await sessions.end_session_tokens(session, family_ids=families)
        await sessions.end_session_tokens(session, family_ids=[])
        await session.commit()
        assert await listed_sessions(client) >= {str(f) for f in families}

    async def test_ending_again_keeps_it_listed_from_the_latest_end(
        self, session: AsyncSession
    ) -> None:
        family = uuid.uuid4()
        await session.execute(
            text(
                "INSERT INTO auth.session_revocations (session_id, revoked_at) "
                "VALUES (:id, now() - interval '1 hour')"
            ),
            {"id": family},
        )
        await sessions.end_session_tokens(session, family_ids=[family, family])
        row = await session.scalar(
            select(SessionRevocation).where(SessionRevocation.session_id == family)
        )
        assert row is not None
        now = await session.scalar(select(func.now()))
        assert now is not None
        assert now - row.revoked_at < timedelta(minutes=1)


def signed_for_client(app: FastAPI, account: Account, client_id: str) -> str:
    """An access token of `account`'s session issued to `client_id`."""
    token: str = app.state.auth.token_policy.signer.sign(
        subject=account.id,
        audience="notes-platform",
        scope="notes",
        version=0,
        session_id=uuid.UUID(sid_of(account)),
        client_id=client_id,
    )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def introspected_active(client: httpx.AsyncClient, token: str) -> bool:
    response = await client.post(
        "/auth/introspect", data={"token": token}, auth=(INTROSPECTOR, CLIENT_SECRET)
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


class TestClientIdClaim:
    def test_signed_only_when_given(self, app: FastAPI, alice: Account) -> None:
        """RFC 9068 §2.2: the client the token was issued to."""
        token = signed_for_client(app, alice, "photo-app")
        assert jwt.get_unverified_claims(token)["client_id"] == "photo-app"
        assert "client_id" not in jwt.get_unverified_claims(alice.access_token)


class TestRevokeClientTokens:
    async def test_lists_the_client_from_now(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        started = time.time()
        await client_revocations.revoke_client_tokens(session, client_id="photo-app")
        await session.commit()
        not_before = (await listed_clients(client))["photo-app"]
        # Every token signed before the call is refused (iat < not_before).
        assert math.floor(started) < not_before <= math.ceil(time.time())

    async def test_a_later_revocation_moves_not_before(self, session: AsyncSession) -> None:
        await session.execute(
            text(
                "INSERT INTO auth.client_revocations (client_id, not_before) "
                "VALUES ('old-app', now() - interval '1 hour')"
            )
        )
        await client_revocations.revoke_client_tokens(session, client_id="old-app")
        row = await session.get(ClientRevocation, "old-app")
        assert row is not None
        assert row.not_before.timestamp() >= time.time() - 60

    async def test_auth_service_refuses_the_clients_older_tokens(
        self, app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, alice: Account
    ) -> None:
        before = signed_for_client(app, alice, "photo-app")
        assert (await client.get("/auth/me", headers=bearer(before))).status_code == 200
        assert await introspected_active(client, before)
        await client_revocations.revoke_client_tokens(session, client_id="photo-app")
        await session.commit()
        refused = await client.get("/auth/me", headers=bearer(before))
        assert refused.status_code == 401
        assert 'error_description="token revoked"' in refused.headers["WWW-Authenticate"]
        assert not await introspected_active(client, before)
        other = signed_for_client(app, alice, "other-app")
        assert (await client.get("/auth/me", headers=bearer(other))).status_code == 200
        assert await introspected_active(client, other)
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 200


class TestWindow:
    """Listed for an access-token lifetime plus the leeway, then pruned."""

    @pytest.fixture
    async def old_and_recent(
        self, session: AsyncSession, app: FastAPI
    ) -> tuple[dict[str, str], timedelta]:
        window: timedelta = app.state.auth.revocation_window
        names = {
            "old_sid": str(uuid.uuid4()),
            "recent_sid": str(uuid.uuid4()),
            "old_client": f"old-{uuid.uuid4().hex}",
            "recent_client": f"recent-{uuid.uuid4().hex}",
        }
        ages = {"old": window + timedelta(seconds=1), "recent": timedelta(minutes=1)}
        for age, interval in ages.items():
            await session.execute(
                text(
                    "INSERT INTO auth.session_revocations (session_id, revoked_at) "
                    "VALUES (CAST(:sid AS uuid), now() - CAST(:age AS interval))"
                ),
                {"sid": names[f"{age}_sid"], "age": interval},
            )
            await session.execute(
                text(
                    "INSERT INTO auth.client_revocations (client_id, not_before) "
                    "VALUES (:client, now() - CAST(:age AS interval))"
                ),
                {"client": names[f"{age}_client"], "age": interval},
            )
        return names, window

    async def test_old_entries_not_listed(
        self, client: httpx.AsyncClient, old_and_recent: tuple[dict[str, str], timedelta]
    ) -> None:
        names, _window = old_and_recent
        listed = await listed_sessions(client)
        assert names["recent_sid"] in listed
        assert names["old_sid"] not in listed
        clients = await listed_clients(client)
        assert names["recent_client"] in clients
        assert names["old_client"] not in clients

    async def test_pruned_with_the_subjects(
        self, session: AsyncSession, old_and_recent: tuple[dict[str, str], timedelta]
    ) -> None:
        names, window = old_and_recent
        await outbox.prune(session, revocation_window=window)
        remaining_sessions = set(
            map(str, (await session.scalars(select(SessionRevocation.session_id))).all())
        )
        assert names["recent_sid"] in remaining_sessions
        assert names["old_sid"] not in remaining_sessions
        remaining_clients = set((await session.scalars(select(ClientRevocation.client_id))).all())
        assert names["recent_client"] in remaining_clients
        assert names["old_client"] not in remaining_clients
