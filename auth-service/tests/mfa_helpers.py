"""What the TOTP tests share: turning TOTP on for an account, and codes."""

import time
import uuid
from dataclasses import dataclass

import httpx
import pyotp
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import TotpFactor
from tests.conftest import Account, password_grant

MFA_GRANT = "urn:notes-platform:params:oauth:grant-type:mfa-otp"


@dataclass
class TotpOn:
    account: Account
    secret: str
    recovery_codes: list[str]

    def code(self, steps: int = 0) -> str:
        return pyotp.TOTP(self.secret).at(time.time() + 30 * steps)


async def fresh_step(session: AsyncSession, user_id: str) -> None:
    """Forget the last accepted step, so the current code works again (a
    test makes several sign-ins within one 30-second step)."""
    await session.execute(
        update(TotpFactor)
        .where(TotpFactor.user_id == uuid.UUID(user_id))
        .values(last_used_step=None)
    )
    await session.flush()


async def confirm_totp(client: httpx.AsyncClient, account: Account, code: str) -> httpx.Response:
    return await client.post(
        "/auth/me/mfa/totp/confirm", json={"code": code}, headers=account.headers
    )


async def enable_totp(client: httpx.AsyncClient, account: Account) -> TotpOn:
    started = await client.post("/auth/me/mfa/totp", headers=account.headers)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    confirmed = await confirm_totp(client, account, pyotp.TOTP(secret).now())
    assert confirmed.status_code == 200, confirmed.text
    return TotpOn(account, secret, confirmed.json()["recovery_codes"])


async def mfa_token(client: httpx.AsyncClient, account: Account) -> str:
    refused = await password_grant(client, account.email, account.password)
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["error"] == "mfa_required"
    token: str = body["mfa_token"]
    return token


async def mfa_grant(
    client: httpx.AsyncClient, token: str, otp: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/auth/token",
        data={"grant_type": MFA_GRANT, "mfa_token": token, "otp": otp, **extra},
    )


def invalid_grant(description: str) -> dict[str, str]:
    """The token endpoint's body refusing a grant (RFC 6749 section 5.2)."""
    return {"error": "invalid_grant", "error_description": description}
