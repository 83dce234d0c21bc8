"""The second step of a sign-in whose password was right: an `mfa_token`
(256 random bits; only its SHA-256 is stored), single use, for 5 minutes,
bound to the account's token version (a password change voids it) and to
what the password grant was asked for. A wrong code counts against it:
after MAX_FAILURES it is spent (the per-sign-in-attempt throttle, beside
the per-account one of auth_service.accounts.totp)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import MfaChallenge

LIFETIME = timedelta(minutes=5)
MAX_FAILURES = 3
MAX_TOKEN_LENGTH = 100
# What a challenge continues: the password grant, or the sign-in page.
TOKEN_GRANT = "token"  # noqa: S105  (a purpose's name)  # nosec B105
SIGN_IN_PAGE = "signin"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    token_version: int,
    purpose: str,
    client_id: str | None = None,
    scope: str | None = None,
) -> str:
    """A new challenge (the caller commits): its mfa_token."""
    token = secrets.token_urlsafe(32)
    session.add(
        MfaChallenge(
            token_hash=_hash(token),
            user_id=user_id,
            purpose=purpose,
            token_version=token_version,
            client_id=client_id,
            scope=scope,
            expires_at=datetime.now(UTC) + LIFETIME,
        )
    )
    return token


def _live(token: str, purpose: str) -> list[ColumnElement[bool]]:
    return [
        MfaChallenge.token_hash == _hash(token),
        MfaChallenge.purpose == purpose,
        MfaChallenge.used_at.is_(None),
        MfaChallenge.expires_at > func.now(),
    ]


async def find(session: AsyncSession, *, token: str, purpose: str) -> MfaChallenge | None:
    """The live challenge of `token` (unused, unexpired), if any."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    found: MfaChallenge | None = await session.scalar(
        select(MfaChallenge).where(*_live(token, purpose))
    )
    return found


async def fail(session: AsyncSession, *, token: str) -> None:
    """A wrong code: counted, and the challenge spent at MAX_FAILURES (the caller commits)."""
    await session.execute(
        update(MfaChallenge)
        .where(MfaChallenge.token_hash == _hash(token), MfaChallenge.used_at.is_(None))
        .values(
            failures=MfaChallenge.failures + 1,
            used_at=case((MfaChallenge.failures + 1 >= MAX_FAILURES, func.now()), else_=None),
        )
    )


async def spend(session: AsyncSession, *, token: str, purpose: str) -> MfaChallenge | None:
    """Use the challenge up (one UPDATE: of two requests with one token, one
    gets it); None if it was not live. The caller commits."""
    spent: MfaChallenge | None = await session.scalar(
        update(MfaChallenge)
        .where(*_live(token, purpose))
        .values(used_at=func.now())
        .returning(MfaChallenge)
    )
    return spent


async def purge(session: AsyncSession) -> None:
    """Challenges past their lifetime (the caller commits)."""
    await session.execute(delete(MfaChallenge).where(MfaChallenge.expires_at < func.now()))
