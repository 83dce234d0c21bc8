"""Signing in with TOTP: the password grant's mfa_required, the mfa-otp grant,
the sign-in page's second step; amr in the tokens; throttling; no secret in
a log line, an event or an outbox row."""

import asyncio
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import MfaChallenge, OutboxEvent, SecurityEvent
from auth_service.security import verified_token_claims
from tests.conftest import (
    COMMITTED_DOMAIN,
    Account,
    Mailbox,
    new_account,
    password_grant,
    refresh_grant,
    update_me,
)
from tests.mfa_helpers import (
    TotpOn,
    enable_totp,
    fresh_step,
    invalid_grant,
    mfa_grant,
    mfa_token,
)
from tests.test_authorize import Flow, register_app

MFA_TOKEN_FIELD = re.compile(r'name="mfa_token" value="([^"]+)"')

# The token endpoint's error_description for a challenge or a code no longer good.
SPENT_TOKEN = "Invalid, expired or used mfa_token"
USED_CODE = "Invalid or already used code"


@pytest.fixture
async def alice_totp(client: httpx.AsyncClient, session: AsyncSession, alice: Account) -> TotpOn:
    on = await enable_totp(client, alice)
    await fresh_step(session, alice.id)
    return on


def wrong(code: str) -> str:
    return str((int(code) + 1) % 1_000_000).zfill(6)


async def events_of(session: AsyncSession, account: Account, type: str) -> int:
    rows = await session.scalars(
        select(SecurityEvent.id).where(
            SecurityEvent.user_id == uuid.UUID(account.id), SecurityEvent.type == type
        )
    )
    return len(rows.all())


class TestPasswordGrant:
    async def test_mfa_required(self, client: httpx.AsyncClient, alice_totp: TotpOn) -> None:
        alice = alice_totp.account
        refused = await password_grant(client, alice.email, alice.password)
        assert refused.status_code == 400
        body = refused.json()
        assert set(body) == {"error", "error_description", "mfa_token"}
        assert body["error"] == "mfa_required"
        assert refused.headers["cache-control"] == "no-store"

    async def test_wrong_password_says_nothing_of_totp(
        self, client: httpx.AsyncClient, alice_totp: TotpOn
    ) -> None:
        refused = await password_grant(client, alice_totp.account.email, "not the password")
        assert refused.json()["error"] == "invalid_grant"
        assert "mfa_token" not in refused.json()


class TestMfaGrant:
    async def test_tokens_carry_amr_and_refresh_keeps_it(
        self, client: httpx.AsyncClient, alice_totp: TotpOn
    ) -> None:
        token = await mfa_token(client, alice_totp.account)
        granted = await mfa_grant(client, token, alice_totp.code())
        assert granted.status_code == 200, granted.text
        body = granted.json()
        assert verified_token_claims(body["access_token"])["amr"] == ["pwd", "otp"]
        me = await client.get(
            "/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.json()["email"] == alice_totp.account.email
        refreshed = await refresh_grant(client, body["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        assert verified_token_claims(refreshed.json()["access_token"])["amr"] == ["pwd", "otp"]

    async def test_mfa_token_single_use(
        self, client: httpx.AsyncClient, session: AsyncSession, alice_totp: TotpOn
    ) -> None:
        token = await mfa_token(client, alice_totp.account)
        assert (await mfa_grant(client, token, alice_totp.code())).status_code == 200
        await fresh_step(session, alice_totp.account.id)
        again = await mfa_grant(client, token, alice_totp.code())
        assert (again.status_code, again.json()) == (400, invalid_grant(SPENT_TOKEN))

    async def test_mfa_token_expires(
        self, client: httpx.AsyncClient, session: AsyncSession, alice_totp: TotpOn
    ) -> None:
        token = await mfa_token(client, alice_totp.account)
        challenge = await session.scalar(select(MfaChallenge))
        assert challenge is not None
        lifetime = challenge.expires_at - datetime.now(UTC)
        assert timedelta(minutes=4, seconds=50) < lifetime <= timedelta(minutes=5)
        await session.execute(
            update(MfaChallenge).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        expired = await mfa_grant(client, token, alice_totp.code())
        assert expired.status_code == 400
        assert expired.json()["error_description"] == SPENT_TOKEN

    async def test_a_password_change_voids_it(
        self, client: httpx.AsyncClient, alice_totp: TotpOn
    ) -> None:
        alice = alice_totp.account
        token = await mfa_token(client, alice)
        await update_me(client, alice, password="a brand new password")
        refused = await mfa_grant(client, token, alice_totp.code())
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"

    async def test_a_replayed_code_is_refused(
        self, client: httpx.AsyncClient, alice_totp: TotpOn
    ) -> None:
        code = alice_totp.code()
        first = await mfa_grant(client, await mfa_token(client, alice_totp.account), code)
        assert first.status_code == 200
        replayed = await mfa_grant(client, await mfa_token(client, alice_totp.account), code)
        assert (replayed.status_code, replayed.json()) == (400, invalid_grant(USED_CODE))

    async def test_six_wrong_codes_are_throttled(
        self, client: httpx.AsyncClient, session: AsyncSession, alice_totp: TotpOn
    ) -> None:
        alice = alice_totp.account
        bad = wrong(alice_totp.code())
        first = await mfa_token(client, alice)
        for _ in range(3):
            assert (await mfa_grant(client, first, bad)).json()["error"] == "invalid_grant"
        # Three wrong codes spend the sign-in attempt: even the right code fails.
        spent = await mfa_grant(client, first, alice_totp.code())
        assert spent.json()["error_description"] == SPENT_TOKEN
        second = await mfa_token(client, alice)
        for _ in range(2):
            assert (await mfa_grant(client, second, bad)).json()["error"] == "invalid_grant"
        # The sixth code of the account within the window: 429, right or wrong.
        throttled = await mfa_grant(client, second, alice_totp.code())
        assert throttled.status_code == 429
        assert throttled.json()["error"] == "slow_down"
        assert int(throttled.headers["retry-after"]) > 0
        assert await events_of(session, alice, "mfa.failed") == 5

    async def test_a_recovery_code_works_once(
        self, client: httpx.AsyncClient, session: AsyncSession, alice_totp: TotpOn, mailbox: Mailbox
    ) -> None:
        alice = alice_totp.account
        code = alice_totp.recovery_codes[0].upper().replace("-", " ")  # as a person may type it
        granted = await mfa_grant(client, await mfa_token(client, alice), code)
        assert granted.status_code == 200, granted.text
        assert verified_token_claims(granted.json()["access_token"])["amr"] == ["pwd", "mfa"]
        assert await events_of(session, alice, "mfa.recovery_code_used") == 1
        [notice] = [m for m in await mailbox.deliver() if m["To"] == alice.email]
        assert "recovery code was used" in notice["Subject"]
        assert "9 unused codes are left" in notice.get_content()
        again = await mfa_grant(client, await mfa_token(client, alice), code)
        assert again.status_code == 400
        assert again.json()["error_description"] == USED_CODE

    async def test_missing_fields(self, client: httpx.AsyncClient) -> None:
        refused = await mfa_grant(client, "", "")
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_request"

    async def test_bound_to_the_client_of_the_password_grant(
        self, client: httpx.AsyncClient, alice_totp: TotpOn, root: Account
    ) -> None:
        first_party = await register_app(
            client,
            root,
            first_party=True,
            grant_types=["password", "refresh_token"],
            scopes=["notes"],
        )
        refused = await password_grant(
            client,
            alice_totp.account.email,
            alice_totp.account.password,
            client_id=first_party["client_id"],
        )
        token = refused.json()["mfa_token"]
        # The same token without the client: refused.
        other = await mfa_grant(client, token, alice_totp.code())
        assert other.json()["error_description"] == "This mfa_token was issued to another client"
        same = await mfa_grant(client, token, alice_totp.code(), client_id=first_party["client_id"])
        assert same.status_code == 200, same.text


class TestSignInPage:
    async def test_the_code_after_the_password(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        alice_totp: TotpOn,
        root: Account,
    ) -> None:
        app = await register_app(client, root, scopes=["notes:read", "openid"])
        flow = Flow(client, app, "notes:read openid")
        otp_page = await flow.sign_in(alice_totp.account.email)
        assert otp_page.status_code == 200, otp_page.text
        assert 'name="otp"' in otp_page.text
        match = MFA_TOKEN_FIELD.search(otp_page.text)
        assert match is not None
        token = match.group(1)
        # A wrong code: the same page again, with the error.
        again = await flow.post(otp_page, "otp", mfa_token=token, otp=wrong(alice_totp.code()))
        assert again.status_code == 400
        assert USED_CODE in again.text
        # The sign-in page's token is not the token endpoint's.
        assert (await mfa_grant(client, token, alice_totp.code())).status_code == 400
        consent = await flow.post(again, "otp", mfa_token=token, otp=alice_totp.code())
        assert consent.status_code == 200, consent.text
        assert "wants to access your account" in consent.text
        answer = flow.answer(await flow.post(consent, "allow"))
        tokens = (await flow.exchange(answer["code"])).json()
        assert verified_token_claims(tokens["access_token"])["amr"] == ["pwd", "otp"]
        assert verified_token_claims(tokens["id_token"])["amr"] == ["pwd", "otp"]

    async def test_an_expired_second_step_asks_for_the_password(
        self, client: httpx.AsyncClient, session: AsyncSession, alice_totp: TotpOn, root: Account
    ) -> None:
        flow = Flow(client, await register_app(client, root), "notes:read")
        otp_page = await flow.sign_in(alice_totp.account.email)
        await session.execute(
            update(MfaChallenge).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        match = MFA_TOKEN_FIELD.search(otp_page.text)
        assert match is not None
        expired = await flow.post(otp_page, "otp", mfa_token=match.group(1), otp=alice_totp.code())
        assert expired.status_code == 400
        assert 'name="password"' in expired.text
        assert "This sign-in has expired" in expired.text


class TestNoSecretLeaks:
    async def test_logs_events_and_outbox_hold_no_secret_or_code(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        alice: Account,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        on = await enable_totp(client, alice)
        await fresh_step(session, alice.id)
        token = await mfa_token(client, alice)
        code = on.code()
        assert (await mfa_grant(client, token, wrong(code))).status_code == 400
        assert (await mfa_grant(client, token, code)).status_code == 200
        recovery = on.recovery_codes[1]
        assert (
            await mfa_grant(client, await mfa_token(client, alice), recovery)
        ).status_code == 200
        secrets = [on.secret, token, code, wrong(code), *on.recovery_codes]
        secrets += [c.replace("-", "") for c in on.recovery_codes]
        stored: list[Any] = []
        for row in (await session.scalars(select(SecurityEvent))).all():
            stored.extend(getattr(row, c.key) for c in SecurityEvent.__table__.columns)
        for outbox in (await session.scalars(select(OutboxEvent))).all():
            stored.append(outbox.payload)
        seen = caplog.text + repr(stored)
        assert caplog.records  # the requests were logged
        for secret in secrets:
            assert secret not in seen


class TestRaces:
    async def test_one_code_signs_in_once_when_sent_twice_at_once(
        self, committed_client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        account = await new_account(committed_client, domain=COMMITTED_DOMAIN)
        on = await enable_totp(committed_client, account)
        async with app.state.auth.sessionmaker() as session:
            await fresh_step(session, account.id)
            await session.commit()
        tokens = [await mfa_token(committed_client, account) for _ in range(2)]
        code = on.code()
        answers = await asyncio.gather(*(mfa_grant(committed_client, t, code) for t in tokens))
        assert sorted(a.status_code for a in answers) == [200, 400]
