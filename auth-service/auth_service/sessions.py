"""Ending a user's sessions: their refresh tokens revoked, their access tokens
listed at `GET /internal/revocations` for the verifiers (see
platform_common.revocations). Called inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import RefreshToken, SubjectRevocation


async def revoke_refresh_tokens(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def revoke_refresh_family(session: AsyncSession, *, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def revoke_access_tokens(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Record that the user's access tokens issued until now are void (see
    platform_common.revocations); a later revocation moves the moment forward."""
    statement = insert(SubjectRevocation).values(user_id=user_id, revoked_at=func.now())
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SubjectRevocation.user_id],
            set_={"revoked_at": statement.excluded.revoked_at},
        )
    )


async def list_revocations(
    session: AsyncSession, *, window: timedelta
) -> Sequence[SubjectRevocation]:
    """Revocations younger than `window`: older ones only concern expired tokens."""
    rows = await session.scalars(
        select(SubjectRevocation)
        .where(SubjectRevocation.revoked_at > func.now() - window)
        .order_by(SubjectRevocation.revoked_at)
    )
    return rows.all()
