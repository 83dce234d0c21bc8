"""The apps a person let act for them (`/auth/me/authorizations`): what each
was granted, and taking it all back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import events, sessions
from auth_service.accounts.events import ClientInfo
from auth_service.models import OAuthClient, OAuthConsent, RefreshToken

AUTHORIZATION_REVOKED = events.AUTHORIZATION_REVOKED


@dataclass(frozen=True, slots=True)
class Authorization:
    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: datetime
    last_used_at: datetime | None


async def list_authorizations(
    session: AsyncSession, *, user_id: uuid.UUID
) -> Sequence[Authorization]:
    rows = await session.execute(
        select(
            OAuthConsent.client_id,
            OAuthClient.name,
            OAuthConsent.scopes,
            OAuthConsent.granted_at,
            OAuthConsent.last_used_at,
        )
        .join(OAuthClient, OAuthClient.id == OAuthConsent.client_id)
        .where(OAuthConsent.user_id == user_id)
        .order_by(OAuthConsent.granted_at.desc(), OAuthConsent.client_id)
    )
    return [Authorization(*row) for row in rows]


async def revoke_authorization(
    session: AsyncSession, *, user_id: uuid.UUID, client_id: str, client: ClientInfo
) -> bool:
    """The consent ends, and every session the app holds for the person:
    refresh tokens at once, access tokens within the revocation bound. False
    when the app holds nothing of the person's. Commits."""
    consent = await session.execute(
        delete(OAuthConsent)
        .where(OAuthConsent.user_id == user_id, OAuthConsent.client_id == client_id)
        .returning(OAuthConsent.client_id)
    )
    families = await sessions.live_sessions_of_app(session, user_id=user_id, client_id=client_id)
    if consent.first() is None and not families:
        await session.rollback()
        return False
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id.in_(families), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    await sessions.end_session_tokens(session, family_ids=families)
    events.record(
        session, type=AUTHORIZATION_REVOKED, user_id=user_id, client=client, client_id=client_id
    )
    await session.commit()
    return True
