"""Sessions (GET/DELETE /auth/me/sessions, POST /auth/logout), security events
(GET /auth/me/events, GET /auth/events) and their retention."""

import uuid
from datetime import timedelta

import httpx
from jose import jwt
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import events, housekeeping
from auth_service.models import LoginSession, SecurityEvent
from tests.conftest import (
    PASSWORD,
    Account,
    delete_me,
    login,
    password_grant,
    refresh_grant,
    register,
    unique_email,
    update_me,
)


def sid_of(account: Account) -> str:
    sid: str = jwt.get_unverified_claims(account.access_token)["sid"]
    return sid


async def login_as(client: httpx.AsyncClient, account: Account, agent: str) -> Account:
    response = await client.post(
        "/auth/token",
        data={"grant_type": "password", "username": account.email, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200
    tokens = response.json()
    return Account(
        account.id, account.email, PASSWORD, tokens["access_token"], tokens["refresh_token"]
    )


class TestSessions:
    async def test_listed_with_the_current_one_marked(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        phone = await login_as(client, alice, "phone/1.0 " + "x" * 400)
        listed = await client.get("/auth/me/sessions", headers=phone.headers)
        assert listed.status_code == 200
        by_id = {entry["id"]: entry for entry in listed.json()}
        assert set(by_id) == {sid_of(alice), sid_of(phone)}
        assert [by_id[sid_of(phone)]["current"], by_id[sid_of(alice)]["current"]] == [True, False]
        entry = by_id[sid_of(phone)]
        assert entry["user_agent"] == ("phone/1.0 " + "x" * 400)[:255]
        assert entry["client_address"] == "127.0.0.1"
        assert set(entry) == {
            "id",
            "created_at",
            "last_used_at",
            "user_agent",
            "client_address",
            "current",
        }

    async def test_refresh_keeps_the_session_and_updates_last_use(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        before = (await client.get("/auth/me/sessions", headers=alice.headers)).json()
        rotated = (await refresh_grant(client, alice.refresh_token)).json()
        headers = {"Authorization": f"Bearer {rotated['access_token']}"}
        after = (await client.get("/auth/me/sessions", headers=headers)).json()
        assert [s["id"] for s in after] == [s["id"] for s in before] == [sid_of(alice)]
        assert after[0]["last_used_at"] >= before[0]["last_used_at"]
        assert after[0]["current"] is True

    async def test_end_another_session(self, client: httpx.AsyncClient, alice: Account) -> None:
        laptop = await login_as(client, alice, "laptop")
        ended = await client.delete(f"/auth/me/sessions/{sid_of(laptop)}", headers=alice.headers)
        assert ended.status_code == 204
        assert (await refresh_grant(client, laptop.refresh_token)).status_code == 400
        listed = (await client.get("/auth/me/sessions", headers=alice.headers)).json()
        assert [s["id"] for s in listed] == [sid_of(alice)]
        again = await client.delete(f"/auth/me/sessions/{sid_of(laptop)}", headers=alice.headers)
        assert again.status_code == 404

    async def test_another_users_session_is_not_found(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        response = await client.delete(f"/auth/me/sessions/{sid_of(bob)}", headers=alice.headers)
        assert (response.status_code, response.json()) == (404, {"detail": "Session not found"})
        assert (await refresh_grant(client, bob.refresh_token)).status_code == 200
        unknown = await client.delete(f"/auth/me/sessions/{uuid.uuid4()}", headers=alice.headers)
        assert unknown.status_code == 404

    async def test_logout_ends_the_current_session_only(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        other = await login_as(client, alice, "other")
        assert (await client.post("/auth/logout", headers=alice.headers)).status_code == 204
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 400
        assert (await refresh_grant(client, other.refresh_token)).status_code == 200

    async def test_logout_everywhere(self, client: httpx.AsyncClient, alice: Account) -> None:
        other = await login_as(client, alice, "other")
        response = await client.post("/auth/logout?everywhere=true", headers=alice.headers)
        assert response.status_code == 204
        assert (await refresh_grant(client, other.refresh_token)).status_code == 400
        # The account's access tokens are refused too (a new token version).
        assert (await client.get("/auth/me", headers=other.headers)).status_code == 401
        listed = await client.get("/internal/revocations")
        assert {e["sub"]: e["min_version"] for e in listed.json()["revoked"]}[alice.id] == 1

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/auth/me/sessions")).status_code == 401
        assert (await client.post("/auth/logout")).status_code == 401


class TestEvents:
    async def test_own_events_newest_first_paginated(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        await password_grant(client, alice.email, "wrong password")
        await client.post("/auth/logout", headers=alice.headers, params={"everywhere": "true"})
        fresh = await login(client, alice.email)
        page = await client.get("/auth/me/events?limit=2", headers=fresh.headers)
        assert page.status_code == 200
        assert page.headers["X-Total-Count"] == "4"
        assert [e["type"] for e in page.json()] == ["login.succeeded", "session.ended_all"]
        rest = await client.get("/auth/me/events?limit=2&offset=2", headers=fresh.headers)
        assert [e["type"] for e in rest.json()] == ["login.failed", "login.succeeded"]
        first = rest.json()[1]
        assert (first["user_id"], first["client_address"]) == (alice.id, "127.0.0.1")
        assert first["session_id"] == sid_of(alice)

    async def test_request_id_recorded(self, client: httpx.AsyncClient, alice: Account) -> None:
        await client.post("/auth/logout", headers={**alice.headers, "X-Request-ID": "req-12345"})
        fresh = await login(client, alice.email)
        (ended,) = [
            e
            for e in (await client.get("/auth/me/events", headers=fresh.headers)).json()
            if e["type"] == "session.ended"
        ]
        assert ended["request_id"] == "req-12345"

    async def test_superuser_filters(
        self, client: httpx.AsyncClient, root: Account, alice: Account, bob: Account
    ) -> None:
        await password_grant(client, bob.email, "wrong password")
        response = await client.get(
            "/auth/events",
            params={"user_id": bob.id, "type": "login.failed"},
            headers=root.headers,
        )
        assert response.status_code == 200
        assert [(e["user_id"], e["type"]) for e in response.json()] == [(bob.id, "login.failed")]
        later = await client.get(
            "/auth/events",
            params={"user_id": bob.id, "since": "2999-01-01T00:00:00Z"},
            headers=root.headers,
        )
        assert (later.json(), later.headers["X-Total-Count"]) == ([], "0")
        earlier = await client.get(
            "/auth/events",
            params={"user_id": bob.id, "until": "2000-01-01T00:00:00Z"},
            headers=root.headers,
        )
        assert earlier.json() == []
        assert (await client.get("/auth/events", headers=alice.headers)).status_code == 403
        bad = await client.get("/auth/events?type=made.up", headers=root.headers)
        assert bad.status_code == 422

    async def test_every_case_recorded_without_secrets(
        self, client: httpx.AsyncClient, session: AsyncSession, root: Account
    ) -> None:
        email = unique_email()
        await register(client, email=email)
        await password_grant(client, email, "a wrong password")
        account = await login(client, email)
        rotated = (await refresh_grant(client, account.refresh_token)).json()
        await refresh_grant(client, account.refresh_token)  # reuse: the family is revoked
        changed = "a changed password"
        again = await login(client, email)
        await update_me(client, again, password=changed)
        third = await login(client, email, changed)
        await client.patch(
            f"/auth/users/{third.id}", json={"is_active": False}, headers=root.headers
        )
        await client.patch(
            f"/auth/users/{third.id}", json={"is_active": True}, headers=root.headers
        )
        fourth = await login(client, email, changed)
        await delete_me(client, Account(fourth.id, email, changed, fourth.access_token, ""))
        types = (
            await session.scalars(
                select(SecurityEvent.type).where(SecurityEvent.user_id == uuid.UUID(account.id))
            )
        ).all()
        assert {
            "login.failed",
            "login.succeeded",
            "refresh_token.reused",
            "password.changed",
            "account.deactivated",
            "account.deleted",
        } <= set(types)
        rows = await session.scalar(
            text("SELECT string_agg(e::text, ' ') FROM auth.security_events e")
        )
        secrets = [PASSWORD, changed, "a wrong password", rotated["refresh_token"]]
        secrets += [a.refresh_token for a in (account, again, third, fourth)]
        secrets += [a.access_token for a in (account, again, third, fourth)]
        assert [s for s in secrets if s in (rows or "")] == []

    async def test_throttled_logins_recorded(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account
    ) -> None:
        for _ in range(6):
            await password_grant(client, alice.email, "wrong password")
        throttled = await session.scalar(
            select(func.count()).where(
                SecurityEvent.user_id == uuid.UUID(alice.id),
                SecurityEvent.type == events.LOGIN_THROTTLED,
            )
        )
        assert throttled == 1

    async def test_housekeeping(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account, bob: Account
    ) -> None:
        old = SecurityEvent(type=events.LOGIN_FAILED, user_id=uuid.UUID(alice.id))
        session.add(old)
        await session.flush()
        await client.post("/auth/logout", headers=bob.headers)  # bob's session ends
        await session.execute(
            text(
                "UPDATE auth.security_events SET occurred_at = now() - interval '91 days'"
                " WHERE id = :id"
            ),
            {"id": old.id},
        )
        await session.execute(
            text("UPDATE auth.sessions SET last_used_at = now() - interval '91 days'")
        )
        await housekeeping.tidy(session, retention=timedelta(days=90))
        remaining = (await session.scalars(select(SecurityEvent.id))).all()
        assert old.id not in remaining
        assert remaining  # the logins' events, younger, stay
        # Alice's session is live however old; Bob's ended one is gone.
        kept = (await session.scalars(select(LoginSession.id))).all()
        assert [str(k) for k in kept] == [sid_of(alice)]
