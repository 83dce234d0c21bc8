"""Personal access tokens: /auth/me/tokens, the superusers' /auth/personal-tokens,
leak reports, the verifiers' check, and their events and mails."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import housekeeping, personal_tokens
from auth_service.errors import InvalidSecondFactor, SecondFactorRequired
from auth_service.models import PersonalToken, PersonalTokenAddress, SecurityEvent
from platform_common import personal_tokens as token_format
from tests.conftest import (
    CLIENT_SECRET,
    LEAK_REPORTER,
    REPORTS_CLIENT,
    Account,
    ClientAt,
    Mailbox,
    delete_me,
)
from tests.mfa_helpers import enable_totp

DAY = 24 * 3600
CHECK = "/internal/personal-tokens/check"


async def create(client: httpx.AsyncClient, account: Account, **changes: Any) -> httpx.Response:
    body = {"name": "ci", "scopes": ["notes:read"], "expires_in": 30 * DAY, **changes}
    return await client.post("/auth/me/tokens", json=body, headers=account.headers)


async def created(client: httpx.AsyncClient, account: Account, **changes: Any) -> dict[str, Any]:
    response = await create(client, account, **changes)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def check(
    client: httpx.AsyncClient, token: str, address: str | None = None
) -> dict[str, Any]:
    response = await client.post(
        CHECK, json={"token_hash": token_format.token_hash(token), "address": address}
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def service_token(client: httpx.AsyncClient, client_id: str) -> dict[str, str]:
    response = await client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, CLIENT_SECRET)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def event_types(session: AsyncSession, user_id: str) -> list[str]:
    rows = await session.scalars(
        select(SecurityEvent.type)
        .where(SecurityEvent.user_id == uuid.UUID(user_id))
        .order_by(SecurityEvent.id)
    )
    return [t for t in rows.all() if t.startswith("personal_token.")]


class TestCreate:
    async def test_shown_once_and_stored_hashed(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        body = await created(client, alice, scopes=["notes:read", "notes:write"])
        token = body["token"]
        assert token_format.well_formed(token)
        assert body["shown"] == f"np_pat_…{token[-4:]}"
        assert body["scopes"] == ["notes:read", "notes:write"]
        row = await session.get(PersonalToken, uuid.UUID(body["id"]))
        assert row is not None
        assert row.token_hash == token_format.token_hash(token)
        stored = await session.execute(text("SELECT t::text FROM auth.personal_tokens t"))
        assert all(token not in r[0] for r in stored)
        listed = (await client.get("/auth/me/tokens", headers=alice.headers)).json()
        assert [entry["id"] for entry in listed] == [body["id"]]
        assert "token" not in listed[0]
        assert token not in str(listed)

    async def test_expires_in_is_required_and_bounded(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        no_expiry = await client.post(
            "/auth/me/tokens",
            json={"name": "ci", "scopes": ["notes:read"]},
            headers=alice.headers,
        )
        assert no_expiry.status_code == 422
        assert (await create(client, alice, expires_in=367 * DAY)).status_code == 422
        assert (await create(client, alice, expires_in=366 * DAY)).status_code == 201

    async def test_scopes_a_person_may_hold_only(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        for scopes in (["notes:purge"], ["introspect"], ["offline_access"], []):
            assert (await create(client, alice, scopes=scopes)).status_code == 422

    async def test_totp_on_asks_for_a_current_code(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        on = await enable_totp(client, alice)
        missing = await create(client, alice)
        assert missing.status_code == 403
        assert missing.json() == {"detail": SecondFactorRequired.default_message}
        wrong = await create(client, alice, otp="000000" if on.code(1) != "000000" else "111111")
        assert wrong.status_code == 403
        assert wrong.json() == {"detail": InvalidSecondFactor.default_message}
        # The next step's code: within ±1 step, and newer than the one enrolment spent.
        fresh = on.code(steps=1)
        assert (await create(client, alice, otp=fresh)).status_code == 201
        replayed = await create(client, alice, otp=fresh)
        assert replayed.status_code == 403
        assert replayed.json() == {"detail": InvalidSecondFactor.default_message}
        assert (
            await session.scalar(
                select(func.count()).where(PersonalToken.user_id == uuid.UUID(alice.id))
            )
            == 1
        )

    async def test_needs_ones_own_sign_in(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/auth/me/tokens", json={})).status_code == 401

    async def test_live_tokens_are_bounded(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        await session.execute(
            text(
                "INSERT INTO auth.personal_tokens (id, user_id, name, token_hash, last_four,"
                " scopes, expires_at) SELECT gen_random_uuid(), :user, 'x', md5(g::text) ||"
                " md5(g::text), 'abcd', '{notes}', now() + interval '1 day'"
                " FROM generate_series(1, 50) g"
            ),
            {"user": uuid.UUID(alice.id)},
        )
        assert (await create(client, alice)).status_code == 409


class TestRevoke:
    async def test_owner_revokes_and_it_is_listed_as_an_ended_session(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        body = await created(client, alice)
        path = f"/auth/me/tokens/{body['id']}"
        assert (await client.delete(path, headers=bob.headers)).status_code == 404
        assert (await check(client, body["token"]))["active"] is True
        assert (await client.delete(path, headers=alice.headers)).status_code == 204
        assert (await client.delete(path, headers=alice.headers)).status_code == 404
        assert await check(client, body["token"]) == {"active": False}
        listed = (await client.get("/internal/revocations")).json()
        assert {"sid": body["id"]} in listed["sessions"]
        assert (await client.get("/auth/me/tokens", headers=alice.headers)).json() == []

    async def test_superusers_list_and_revoke_anyones(
        self, client: httpx.AsyncClient, alice: Account, root: Account
    ) -> None:
        body = await created(client, alice)
        assert (await client.get("/auth/personal-tokens", headers=alice.headers)).status_code == 403
        everyone = await client.get(
            "/auth/personal-tokens", params={"user_id": alice.id}, headers=root.headers
        )
        assert [(e["id"], e["user_id"]) for e in everyone.json()] == [(body["id"], alice.id)]
        path = f"/auth/personal-tokens/{body['id']}"
        assert (await client.delete(path, headers=alice.headers)).status_code == 403
        assert (await client.delete(path, headers=root.headers)).status_code == 204
        assert await check(client, body["token"]) == {"active": False}

    async def test_the_superusers_list_is_paged(
        self, client: httpx.AsyncClient, alice: Account, root: Account
    ) -> None:
        # Every live token of every account: bounded per answer, like the other lists.
        tokens = {(await created(client, alice))["id"] for _ in range(2)}
        path, headers = "/auth/personal-tokens", root.headers
        whole = await client.get(path, params={"user_id": alice.id}, headers=headers)
        pages = [
            await client.get(
                path, params={"user_id": alice.id, "limit": 1, "offset": n}, headers=headers
            )
            for n in (0, 1)
        ]
        assert [page.headers["X-Total-Count"] for page in pages] == ["2", "2"]
        assert [e["id"] for page in pages for e in page.json()] == [e["id"] for e in whole.json()]
        assert {e["id"] for e in whole.json()} == tokens
        too_many = await client.get(
            "/auth/personal-tokens", params={"limit": 101}, headers=root.headers
        )
        assert too_many.status_code == 422


class TestCheck:
    async def test_claims_of_a_live_token(self, client: httpx.AsyncClient, alice: Account) -> None:
        body = await created(client, alice, scopes=["notes:write"])
        answer = await check(client, body["token"])
        assert answer["sub"] == alice.id
        assert answer["scope"] == "notes:write"
        assert answer["jti"] == body["id"]
        assert answer["ver"] == 0
        assert answer["exp"] - answer["iat"] == 30 * DAY

    async def test_unknown_expired_or_orphaned_is_inactive(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        assert await check(client, token_format.new_token()) == {"active": False}
        body = await created(client, alice)
        await session.execute(
            update(PersonalToken)
            .where(PersonalToken.id == uuid.UUID(body["id"]))
            .values(expires_at=PersonalToken.created_at - timedelta(seconds=1))
        )
        assert await check(client, body["token"]) == {"active": False}
        other = await created(client, alice)
        assert (await delete_me(client, alice)).status_code == 204
        assert await check(client, other["token"]) == {"active": False}

    async def test_a_deactivated_owners_token_is_inactive(
        self, client: httpx.AsyncClient, alice: Account, root: Account
    ) -> None:
        body = await created(client, alice)
        changed = await client.patch(
            f"/auth/users/{alice.id}", json={"is_active": False}, headers=root.headers
        )
        assert changed.status_code == 200
        assert await check(client, body["token"]) == {"active": False}

    async def test_use_recorded_and_a_new_address_told(
        self,
        client: httpx.AsyncClient,
        client_at: ClientAt,
        alice: Account,
        session: AsyncSession,
        mailbox: Mailbox,
    ) -> None:
        laptop = client_at("198.51.100.7")
        body = await created(laptop, alice)
        await check(client, body["token"], "198.51.100.7")  # where it was made
        await check(client, body["token"], "203.0.113.9")
        await check(client, body["token"], "203.0.113.9")
        listed = (await client.get("/auth/me/tokens", headers=alice.headers)).json()
        assert listed[0]["last_used_address"] == "203.0.113.9"
        assert listed[0]["last_used_at"] is not None
        assert await event_types(session, alice.id) == [
            "personal_token.created",
            "personal_token.new_address",
        ]
        sent = await mailbox.deliver()
        assert [m["To"] for m in sent] == [alice.email, alice.email]
        assert "203.0.113.9" in sent[1].get_content()
        assert all(body["token"] not in m.as_string() for m in sent)

    async def test_addresses_remembered_are_bounded(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        session: AsyncSession,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(personal_tokens, "MAX_ADDRESSES_PER_TOKEN", 2)
        body = await created(client, alice)
        for last in range(1, 6):
            await check(client, body["token"], f"203.0.113.{last}")
        remembered = await session.scalars(
            select(PersonalTokenAddress.address).where(
                PersonalTokenAddress.token_id == uuid.UUID(body["id"])
            )
        )
        assert sorted(remembered.all()) == ["203.0.113.4", "203.0.113.5"]


class TestLeaks:
    async def test_live_tokens_revoked_and_owners_told(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession, mailbox: Mailbox
    ) -> None:
        live = await created(client, alice)
        revoked = await created(client, alice, name="old")
        await client.delete(f"/auth/me/tokens/{revoked['id']}", headers=alice.headers)
        report = [
            {
                "token": t,
                "type": "np_pat",
                "url": "https://github.com/x/y/blob/main/ci.sh",
                "source": "content",
            }
            for t in (live["token"], revoked["token"], token_format.new_token(), "np_pat_nope")
        ]
        headers = await service_token(client, LEAK_REPORTER)
        answer = await client.post("/auth/leaked-tokens", json=report, headers=headers)
        assert answer.status_code == 200
        assert answer.json() == [
            {"token_raw": live["token"], "token_type": "np_pat", "label": "true_positive"}
        ]
        assert await check(client, live["token"]) == {"active": False}
        assert "personal_token.leaked" in await event_types(session, alice.id)
        sent = await mailbox.deliver()
        assert "https://github.com/x/y/blob/main/ci.sh" in sent[-1].get_content()
        again = await client.post("/auth/leaked-tokens", json=report, headers=headers)
        assert again.json() == []

    async def test_only_a_client_with_the_scope(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        body = await created(client, alice)
        report = [{"token": body["token"], "type": "np_pat", "url": None, "source": None}]
        # A person's token lacks the scope; another service's is not meant for auth-service.
        others = await service_token(client, REPORTS_CLIENT)
        for headers, status in ((alice.headers, 403), (others, 401), ({}, 401)):
            answer = await client.post("/auth/leaked-tokens", json=report, headers=headers)
            assert answer.status_code == status
        assert (await check(client, body["token"]))["active"] is True


class TestExpiring:
    async def test_one_mail_within_seven_days(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession, mailbox: Mailbox
    ) -> None:
        soon = await created(client, alice, expires_in=6 * DAY)
        await created(client, alice, expires_in=8 * DAY)
        await mailbox.deliver()
        for _ in range(2):
            await housekeeping.tidy(session, retention=timedelta(days=90))
        sent = await mailbox.deliver()
        assert len(sent) == 1
        assert "expires at" in sent[0].get_content()
        assert soon["name"] in sent[0]["Subject"]
        assert (await event_types(session, alice.id)).count("personal_token.expiring") == 1
