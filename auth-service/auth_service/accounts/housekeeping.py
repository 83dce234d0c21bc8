"""The account lifecycle's housekeeping, a background task of every process:
security events past AUTH_EVENT_RETENTION_DAYS, dead reset and verification
tokens, sessions long ended, expired second steps of sign-ins, and the one
mail about each personal access token expiring within 7 days. Each step is
idempotent, so replicas doing it at once only repeat each other's work."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.accounts import events, mfa_challenges, personal_tokens, recovery, sessions
from platform_common.background import in_sessions_every

EVERY_SECONDS = 3600.0


async def tidy(session: AsyncSession, *, retention: timedelta) -> None:
    await events.purge(session, retention=retention)
    await recovery.purge_dead_tokens(session)
    await sessions.purge_ended_sessions(session, unused_for=retention)
    await mfa_challenges.purge(session)
    await session.commit()
    await personal_tokens.notify_expiring(session)


async def tidy_forever(
    sessionmaker: async_sessionmaker[AsyncSession], *, retention: timedelta
) -> None:
    """The lifespan's background task; cancel it to stop. With Postgres
    down, the next round will do: the rows only take space."""
    job = functools.partial(tidy, retention=retention)
    await in_sessions_every(EVERY_SECONDS, sessionmaker, job, what="account housekeeping")
