"""Credential changes end sessions (decision 3): the token version.

Password change (own or set by a superuser), email change and deactivation
revoke every refresh token and bump `users.token_version`; deletion ends
every version. auth-service refuses an older access token at once; the
other verifiers learn it from `GET /internal/revocations`.
"""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import users
from auth_service.accounts.events import NO_CLIENT
from auth_service.errors import InvalidGrant
from auth_service.models import User
from auth_service.oauth import tokens
from auth_service.schemas import TokenResponse, UserUpdateAdmin
from tests.conftest import (
    COMMITTED_DOMAIN,
    PASSWORD,
    Account,
    Mailbox,
    email_change_mailed,
    login,
    new_account,
    refresh_grant,
    token_in,
    unique_email,
    update_me,
)

NEW_PASSWORD = "brand new password"


async def issue_after_password_check(
    session: AsyncSession, policy: tokens.TokenPolicy, account: Account
) -> TokenResponse:
    """What a login issues for `account` once its password has been checked."""
    response = await tokens.issue_for_login(
        session,
        tokens.LoginProof(uuid.UUID(account.id)),
        scope="notes",
        policy=policy,
        client=NO_CLIENT,
    )
    await session.commit()
    return response


def version_of(access_token: str) -> Any:
    return jwt.get_unverified_claims(access_token).get("ver")


async def listed(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/internal/revocations")
    assert response.status_code == 200
    return {entry["sub"]: entry for entry in response.json()["revoked"]}


async def assert_sessions_ended(client: httpx.AsyncClient, account: Account) -> None:
    me = await client.get("/auth/me", headers=account.headers)
    assert me.status_code == 401
    assert 'error_description="token revoked"' in me.headers["WWW-Authenticate"]
    refreshed = await refresh_grant(client, account.refresh_token)
    assert (refreshed.status_code, refreshed.json()["error"]) == (400, "invalid_grant")
    assert (await listed(client))[account.id] == {"sub": account.id, "min_version": 1}


class TestTokenVersion:
    async def test_user_tokens_carry_the_version(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        assert version_of(alice.access_token) == 0
        await update_me(client, alice, password=NEW_PASSWORD)
        fresh = await login(client, alice.email, NEW_PASSWORD)
        assert version_of(fresh.access_token) == 1
        refreshed = await refresh_grant(client, fresh.refresh_token)
        assert version_of(refreshed.json()["access_token"]) == 1
        assert (await client.get("/auth/me", headers=fresh.headers)).status_code == 200


class TestCredentialChangesEndSessions:
    async def test_own_password_change(self, client: httpx.AsyncClient, alice: Account) -> None:
        await update_me(client, alice, password=NEW_PASSWORD)
        await assert_sessions_ended(client, alice)

    @pytest.mark.parametrize(
        "change",
        [{"password": NEW_PASSWORD}, {"email": unique_email()}],
        ids=["password", "email"],
    )
    async def test_password_or_email_set_by_a_superuser(
        self, client: httpx.AsyncClient, root: Account, alice: Account, change: dict[str, str]
    ) -> None:
        response = await client.patch(f"/auth/users/{alice.id}", json=change, headers=root.headers)
        assert response.status_code == 200
        await assert_sessions_ended(client, alice)

    async def test_own_email_change(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        email = unique_email()
        confirmation = await email_change_mailed(client, mailbox, alice, email)
        # The change happens when the new address is confirmed, and ends sessions then.
        assert (
            await client.post("/auth/verify", json={"token": token_in(confirmation)})
        ).is_success
        await assert_sessions_ended(client, alice)

    async def test_deactivation(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        response = await client.patch(
            f"/auth/users/{alice.id}", json={"is_active": False}, headers=root.headers
        )
        assert response.status_code == 200
        refreshed = await refresh_grant(client, alice.refresh_token)
        assert refreshed.status_code == 400
        assert (await listed(client))[alice.id] == {"sub": alice.id, "min_version": 1}

    async def test_deletion_ends_every_version(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        response = await client.request(
            "DELETE", "/auth/me", json={"current_password": PASSWORD}, headers=alice.headers
        )
        assert response.status_code == 204
        assert (await listed(client))[alice.id] == {"sub": alice.id, "min_version": None}

    async def test_other_changes_end_nothing(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        await client.patch("/auth/me", json={"full_name": "A"}, headers=alice.headers)
        await client.patch(f"/auth/users/{alice.id}", json={"full_name": "B"}, headers=root.headers)
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 200
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 200
        assert alice.id not in await listed(client)


class TestCurrentPasswordRequired:
    async def test_email_change_needs_it(self, client: httpx.AsyncClient, alice: Account) -> None:
        email = unique_email()
        missing = await client.patch("/auth/me", json={"email": email}, headers=alice.headers)
        assert missing.status_code == 422
        wrong = await client.patch(
            "/auth/me",
            json={"email": email, "current_password": "not the password"},
            headers=alice.headers,
        )
        assert (wrong.status_code, wrong.json()) == (
            403,
            {"detail": "Current password is incorrect"},
        )
        me = await client.get("/auth/me", headers=alice.headers)
        assert me.json()["email"] == alice.email

    async def test_deletion_needs_it(self, client: httpx.AsyncClient, alice: Account) -> None:
        assert (await client.delete("/auth/me", headers=alice.headers)).status_code == 422
        wrong = await client.request(
            "DELETE", "/auth/me", json={"current_password": "nope"}, headers=alice.headers
        )
        assert (wrong.status_code, wrong.json()) == (
            403,
            {"detail": "Current password is incorrect"},
        )
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 200

    async def test_guessing_it_is_throttled(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        """A stolen access token must not become a password oracle: attempts to
        prove the current password count against the login limit per account
        (AUTH_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS, 5 by default), counted before the
        check, for PATCH and DELETE alike; over it even the right one waits."""
        for n in range(4):
            guess = await client.patch(
                "/auth/me",
                json={"password": NEW_PASSWORD, "current_password": f"guess {n}"},
                headers=alice.headers,
            )
            assert guess.status_code == 403
        last_guess = await client.request(
            "DELETE", "/auth/me", json={"current_password": "guess 5"}, headers=alice.headers
        )
        assert last_guess.status_code == 403
        right = await client.patch(
            "/auth/me",
            json={"password": NEW_PASSWORD, "current_password": PASSWORD},
            headers=alice.headers,
        )
        assert right.status_code == 429
        assert int(right.headers["Retry-After"]) > 0
        wait = right.headers["Retry-After"]
        assert right.json() == {"detail": f"Too many requests; retry in {wait} s"}
        # Logging in is another door with counters of its own: the owner keeps it.
        assert (await login(client, alice.email, PASSWORD)).email == alice.email


async def wait_for_lock_wait(session: AsyncSession, backend_pid: int) -> None:
    """Until the backend `backend_pid` waits for a lock: no clock involved."""
    while True:
        waiting = await session.scalar(
            text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
            {"pid": backend_pid},
        )
        await session.rollback()
        if waiting:
            return
        await asyncio.sleep(0.01)


async def backend_pid(session: AsyncSession) -> int:
    pid = await session.scalar(text("SELECT pg_backend_pid()"))
    assert isinstance(pid, int)
    return pid


class TestLoginRacingDeactivation:
    """Deterministic: the issuing step of a login (row lock, re-check, version)
    against a deactivation on another connection."""

    async def test_login_waiting_on_a_deactivation_is_refused(
        self, app: FastAPI, committed_client: httpx.AsyncClient
    ) -> None:
        account = await new_account(committed_client, domain=COMMITTED_DOMAIN)
        state = app.state.auth
        sessionmaker = state.sessionmaker
        async with (
            sessionmaker() as deactivation,
            sessionmaker() as issuing,
            sessionmaker() as probe,
        ):
            await deactivation.execute(
                update(User).where(User.id == uuid.UUID(account.id)).values(is_active=False)
            )
            pid = await backend_pid(issuing)
            racing = asyncio.create_task(
                issue_after_password_check(issuing, state.token_policy, account)
            )
            await wait_for_lock_wait(probe, pid)
            await deactivation.commit()
            with pytest.raises(InvalidGrant, match="disabled"):
                await racing

    async def test_token_issued_before_a_deactivation_is_refused_after_it(
        self, app: FastAPI, committed_client: httpx.AsyncClient
    ) -> None:
        account = await new_account(committed_client, domain=COMMITTED_DOMAIN)
        state = app.state.auth
        async with state.sessionmaker() as issuing:
            issued = await issue_after_password_check(issuing, state.token_policy, account)
        async with state.sessionmaker() as admin:
            await users.update_user(
                admin,
                user_id=uuid.UUID(account.id),
                data=UserUpdateAdmin(is_active=False),
                hasher=state.hasher,
            )
        assert version_of(issued.access_token) == 0
        entry = (await listed(committed_client))[account.id]
        assert entry["min_version"] == 1  # the issued token's version is below it
