"""The authorization server's sign-in session: a cookie, so that a second
authorization in the same browser needs no password.

The cookie holds 256 random bits; the table (models.BrowserSession) holds
their SHA-256. A session is live until it expires, is ended (log-out), or
the account's token version moves past the one it was made under: every
change that ends sessions today (password, email, reset, deactivation,
log-out everywhere) ends it too, with no extra write.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import amr as methods
from auth_service.models import BrowserSession, User

COOKIE = "np_signin"
LIFETIME = timedelta(hours=8)


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_id: uuid.UUID
    user: User
    auth_time: datetime
    amr: tuple[str, ...] = methods.PASSWORD_ONLY


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start(
    session: AsyncSession,
    *,
    user: User,
    auth_time: datetime,
    amr: tuple[str, ...] = methods.PASSWORD_ONLY,
) -> tuple[str, uuid.UUID]:
    """A new session for `user`, signed in with `amr` (the caller commits):
    the cookie's value and its id."""
    value = secrets.token_urlsafe(32)
    session_id = uuid.uuid4()
    session.add(
        BrowserSession(
            id=session_id,
            cookie_hash=_hash(value),
            user_id=user.id,
            token_version=user.token_version,
            auth_time=auth_time,
            expires_at=auth_time + LIFETIME,
            amr=list(amr),
        )
    )
    return value, session_id


async def current(session: AsyncSession, cookie: str | None) -> SignedIn | None:
    """The live session the cookie names, and its active user; None otherwise."""
    if not cookie or len(cookie) > 100:
        return None
    row = (
        await session.execute(
            select(BrowserSession, User)
            .join(User, User.id == BrowserSession.user_id)
            .where(
                BrowserSession.cookie_hash == _hash(cookie),
                BrowserSession.ended_at.is_(None),
                BrowserSession.expires_at > func.now(),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    found, user = row
    if not user.is_active or user.token_version != found.token_version:
        return None
    return SignedIn(found.id, user, found.auth_time, methods.stored(found.amr))


async def end(session: AsyncSession, cookie: str | None) -> None:
    """End the session the cookie names, if any; the caller commits."""
    if cookie and len(cookie) <= 100:
        await session.execute(
            update(BrowserSession)
            .where(BrowserSession.cookie_hash == _hash(cookie), BrowserSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )
