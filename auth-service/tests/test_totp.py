"""TOTP: enrolment, confirmation, recovery codes, disabling (/auth/me/mfa/totp),
and check_fresh_second_factor."""

import uuid

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import totp
from auth_service.accounts.secret_box import SecretBox, SecretBoxError
from auth_service.errors import InvalidSecondFactor, SecondFactorRequired
from auth_service.models import RecoveryCode, SecurityEvent, TotpFactor, User
from tests.conftest import Account, Mailbox, password_grant
from tests.mfa_helpers import confirm_totp, enable_totp, fresh_step


async def event_types(session: AsyncSession, account: Account) -> list[str]:
    rows = await session.scalars(
        select(SecurityEvent.type)
        .where(SecurityEvent.user_id == uuid.UUID(account.id))
        .order_by(SecurityEvent.id)
    )
    return list(rows.all())


class TestEnrolment:
    async def test_secret_uri_and_qr_code(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI, alice: Account
    ) -> None:
        started = await client.post("/auth/me/mfa/totp", headers=alice.headers)
        assert started.status_code == 201, started.text
        assert started.headers["cache-control"] == "no-store"
        body = started.json()
        secret = body["secret"]
        assert len(secret) == 32  # base32 of 160 bits
        parsed = pyotp.parse_uri(body["otpauth_uri"])
        assert isinstance(parsed, pyotp.TOTP)
        assert parsed.secret == secret
        assert parsed.issuer == "notes-platform"
        assert parsed.name == alice.email
        assert body["qr_svg"].startswith("<svg")
        # Stored encrypted: neither the row nor any column holds the secret.
        factor = await session.get(TotpFactor, uuid.UUID(alice.id))
        assert factor is not None
        assert factor.confirmed_at is None
        assert secret not in factor.encrypted_secret
        assert app.state.auth.token_policy.mfa.box.open(factor.encrypted_secret) == secret
        status = await client.get("/auth/me/mfa/totp", headers=alice.headers)
        assert status.json() == {"enabled": False, "pending": True, "recovery_codes_left": 0}

    async def test_pending_until_confirmed(self, client: httpx.AsyncClient, alice: Account) -> None:
        await client.post("/auth/me/mfa/totp", headers=alice.headers)
        # The password alone still signs in.
        assert (await password_grant(client, alice.email, alice.password)).status_code == 200

    async def test_confirm_needs_a_valid_code(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account
    ) -> None:
        secret = (await client.post("/auth/me/mfa/totp", headers=alice.headers)).json()["secret"]
        wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
        refused = await confirm_totp(client, alice, wrong)
        assert refused.status_code == 403
        assert refused.json() == {"detail": "Invalid or already used code"}
        assert not await totp.is_enabled(session, user_id=uuid.UUID(alice.id))
        assert await event_types(session, alice) == ["login.succeeded", "mfa.failed"]

    async def test_confirmed_turns_it_on_with_ten_recovery_codes(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account, mailbox: Mailbox
    ) -> None:
        on = await enable_totp(client, alice)
        assert len(on.recovery_codes) == len(set(on.recovery_codes)) == 10
        stored = (await session.scalars(select(RecoveryCode.code_hash))).all()
        assert len(stored) == 10
        assert not set(stored) & {c.replace("-", "") for c in on.recovery_codes}
        status = await client.get("/auth/me/mfa/totp", headers=alice.headers)
        assert status.json() == {"enabled": True, "pending": False, "recovery_codes_left": 10}
        assert "mfa.totp_enabled" in await event_types(session, alice)
        [notice] = [m for m in await mailbox.deliver() if m["To"] == alice.email]
        assert notice["Subject"] == "Two-factor sign-in is on for your notes-platform account"

    async def test_no_second_enrolment_while_on(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        await enable_totp(client, alice)
        again = await client.post("/auth/me/mfa/totp", headers=alice.headers)
        assert again.status_code == 409

    async def test_confirm_without_enrolment(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        refused = await confirm_totp(client, alice, "123456")
        assert refused.status_code == 409


class TestRecoveryCodes:
    async def test_regenerated_with_a_fresh_code(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account
    ) -> None:
        on = await enable_totp(client, alice)
        await fresh_step(session, alice.id)
        renewed = await client.post(
            "/auth/me/mfa/totp/recovery-codes", json={"code": on.code()}, headers=alice.headers
        )
        assert renewed.status_code == 200, renewed.text
        codes = renewed.json()["recovery_codes"]
        assert len(codes) == 10
        assert not set(codes) & set(on.recovery_codes)
        left = await totp.recovery_codes_left(session, user_id=uuid.UUID(alice.id))
        assert left == 10
        assert "mfa.recovery_codes_regenerated" in await event_types(session, alice)

    async def test_regeneration_refuses_a_used_code(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        on = await enable_totp(client, alice)
        # The code that confirmed the enrolment: its step is spent.
        refused = await client.post(
            "/auth/me/mfa/totp/recovery-codes", json={"code": on.code()}, headers=alice.headers
        )
        assert refused.status_code == 403


class TestDisable:
    async def test_needs_password_and_code(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account, mailbox: Mailbox
    ) -> None:
        on = await enable_totp(client, alice)
        await fresh_step(session, alice.id)
        url = "/auth/me/mfa/totp/disable"
        wrong_password = await client.post(
            url,
            json={"current_password": "not it at all", "code": on.code()},
            headers=alice.headers,
        )
        assert wrong_password.status_code == 403
        assert wrong_password.json() == {"detail": "Current password is incorrect"}
        wrong_code = await client.post(
            url, json={"current_password": alice.password, "code": "000000"}, headers=alice.headers
        )
        if on.code() == "000000":  # one chance in a million
            pytest.skip("the current code is 000000")
        assert wrong_code.status_code == 403
        assert wrong_code.json() == {"detail": "Invalid or already used code"}
        assert await totp.is_enabled(session, user_id=uuid.UUID(alice.id))
        done = await client.post(
            url, json={"current_password": alice.password, "code": on.code()}, headers=alice.headers
        )
        assert done.status_code == 204, done.text
        assert not await totp.is_enabled(session, user_id=uuid.UUID(alice.id))
        assert await session.scalar(select(RecoveryCode.id)) is None
        assert (await password_grant(client, alice.email, alice.password)).status_code == 200
        assert "mfa.totp_disabled" in await event_types(session, alice)
        subjects = [m["Subject"] for m in await mailbox.deliver() if m["To"] == alice.email]
        assert "Two-factor sign-in is off for your notes-platform account" in subjects

    async def test_with_a_recovery_code(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account
    ) -> None:
        on = await enable_totp(client, alice)
        done = await client.post(
            "/auth/me/mfa/totp/disable",
            json={"current_password": alice.password, "code": on.recovery_codes[3]},
            headers=alice.headers,
        )
        assert done.status_code == 204, done.text

    async def test_when_off(self, client: httpx.AsyncClient, alice: Account) -> None:
        refused = await client.post(
            "/auth/me/mfa/totp/disable",
            json={"current_password": alice.password, "code": "123456"},
            headers=alice.headers,
        )
        assert refused.status_code == 409


class TestCheckFreshSecondFactor:
    async def test_the_proof_of_a_sensitive_act(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI, alice: Account
    ) -> None:
        policy = app.state.auth.token_policy.mfa
        user = await session.get(User, uuid.UUID(alice.id))
        assert user is not None
        # TOTP off: nothing to prove.
        await totp.check_fresh_second_factor(session, user, None, policy=policy)
        on = await enable_totp(client, alice)
        await fresh_step(session, alice.id)
        with pytest.raises(SecondFactorRequired):
            await totp.check_fresh_second_factor(session, user, None, policy=policy)
        with pytest.raises(InvalidSecondFactor):
            # A recovery code is no fresh proof.
            await totp.check_fresh_second_factor(session, user, on.recovery_codes[0], policy=policy)
        await session.refresh(user)  # the refusal rolled back
        await totp.check_fresh_second_factor(session, user, on.code(), policy=policy)
        await session.commit()
        with pytest.raises(InvalidSecondFactor):  # consumed like any code
            await totp.check_fresh_second_factor(session, user, on.code(), policy=policy)


class TestSecretBox:
    def test_rotation(self) -> None:
        old, new = SecretBox.generate_key(), SecretBox.generate_key()
        sealed = SecretBox([old]).seal("JBSWY3DPEHPK3PXP")
        rotated = SecretBox([new, old])
        assert rotated.open(sealed) == "JBSWY3DPEHPK3PXP"
        resealed = rotated.reseal(sealed)
        assert SecretBox([new]).open(resealed) == "JBSWY3DPEHPK3PXP"
        with pytest.raises(SecretBoxError):
            SecretBox([new]).open(sealed)

    def test_a_bad_key_is_refused_without_showing_it(self) -> None:
        with pytest.raises(SecretBoxError) as refused:
            SecretBox(["not-a-fernet-key"])
        assert "not-a-fernet-key" not in str(refused.value)
        with pytest.raises(SecretBoxError):
            SecretBox([])
