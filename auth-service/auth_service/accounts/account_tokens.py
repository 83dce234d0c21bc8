"""The single-use tokens sent by email (a password reset, an address proof):
made when their mail is sent, spent when used, voided when something newer
or a credential change makes them unsafe.

A token is 32 random bytes, stored only as its SHA-256 (models.AccountToken),
bound to the account's token version when made. It lives until the first of:
its use, its expiry, a newer request of the same purpose, or any change that
ends the account's sessions (sessions.end_sessions calls `void`). The last
two also cover a token not made yet: its mail event, still pending in the
outbox, is closed unsent, and `still_wanted` tells the mailer so under the
account's row lock, whatever the order in which the two transactions run.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import (
    PASSWORD_RESET,
    PASSWORD_RESET_EMAIL,
    VERIFICATION_EMAIL,
    VERIFY_EMAIL,
    AccountToken,
    OutboxEvent,
    User,
)
from auth_service.security import account_token_hash, new_account_token

# The outbox event whose delivery makes a token of each purpose.
MAIL_KIND = {PASSWORD_RESET: PASSWORD_RESET_EMAIL, VERIFY_EMAIL: VERIFICATION_EMAIL}
EVERY_PURPOSE = tuple(MAIL_KIND)
SUPERSEDED = "superseded: a newer request or a credential change; nothing sent"


async def issue(
    session: AsyncSession,
    *,
    user: User,
    purpose: str,
    lifetime: timedelta,
    email: str | None = None,
) -> str:
    """A new token of `purpose` for `user` (earlier ones spent); the caller
    holds the user's row lock and commits."""
    await _spend_live(session, user_id=user.id, purposes=[purpose])
    token = new_account_token()
    session.add(
        AccountToken(
            token_hash=account_token_hash(token),
            user_id=user.id,
            purpose=purpose,
            email=email,
            token_version=user.token_version,
            expires_at=datetime.now(UTC) + lifetime,
        )
    )
    return token


async def spend(session: AsyncSession, *, token: str, purpose: str) -> AccountToken | None:
    """Spend the token if it is live; None otherwise. The row stays locked
    (updated) until the caller's transaction ends, so it is spent once."""
    spent: AccountToken | None = await session.scalar(
        update(AccountToken)
        .where(
            AccountToken.token_hash == account_token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.spent_at.is_(None),
            AccountToken.expires_at > func.now(),
        )
        .values(spent_at=func.now())
        .returning(AccountToken)
    )
    return spent


async def void(
    session: AsyncSession, *, user_id: uuid.UUID, purposes: Collection[str] = EVERY_PURPOSE
) -> None:
    """Every live token of `purposes` dies, and so does every mail of theirs
    still waiting in the outbox (closed unsent). The caller commits."""
    await _spend_live(session, user_id=user_id, purposes=purposes)
    # The partial index of pending events bounds this to the backlog.
    await session.execute(
        update(OutboxEvent)
        .where(
            OutboxEvent.delivered_at.is_(None),
            OutboxEvent.failed_at.is_(None),
            OutboxEvent.kind.in_([MAIL_KIND[purpose] for purpose in purposes]),
            OutboxEvent.payload["user_id"].astext == str(user_id),
        )
        .values(delivered_at=func.now(), last_error=SUPERSEDED)
        .execution_options(synchronize_session=False)
    )


async def still_wanted(session: AsyncSession, *, event_id: int) -> bool:
    """Whether the mail event has not been voided meanwhile; ask it under the
    user's row lock, which every voiding transaction holds too."""
    pending = await session.scalar(
        select(OutboxEvent.id).where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None))
    )
    return pending is not None


async def _spend_live(
    session: AsyncSession, *, user_id: uuid.UUID, purposes: Collection[str]
) -> None:
    await session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose.in_(list(purposes)),
            AccountToken.spent_at.is_(None),
        )
        .values(spent_at=func.now())
    )
