"""Ending a user's sessions (decision 3 of the platform's design).

A credential change (password, email) or a deactivation bumps the user's
`token_version`, revokes every refresh token, and lists the new version as
the lowest still valid at `GET /internal/revocations`; a deletion lists no
version as valid. Verifiers refuse an access token whose `ver` is lower
(platform_common.revocations). Called inside the caller's transaction, which
has the user's row updated (and so locked) until it commits: a login issuing
tokens locks the same row first (auth_service.oauth.tokens.issue_for_login), so
it reads either the old version before the change or the new one after it.

Ending one session (log-out, revocation, refresh-token reuse) revokes its
refresh tokens and lists its id (`sid`) there too (`end_session_tokens`), so
its access tokens are refused within the same bound.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from auth_service.accounts import account_tokens, events
from auth_service.accounts.amr import PASSWORD_ONLY
from auth_service.accounts.events import ClientInfo
from auth_service.db import younger_than
from auth_service.models import (
    LoginSession,
    OAuthClient,
    RefreshToken,
    SessionRevocation,
    SubjectRevocation,
    User,
)


async def end_sessions(session: AsyncSession, *, user: User) -> None:
    """Every session of `user` ends: refresh tokens revoked, access tokens of the
    current version refused, and so are the tokens sent by email (or still to
    be sent): a reset or an address change asked for by whoever held the
    session must not outlive it. The caller commits."""
    version = await session.scalar(
        update(User)
        .where(User.id == user.id)
        .values(token_version=User.token_version + 1)
        .returning(User.token_version)
    )
    assert version is not None  # the caller holds the row
    user.token_version = version
    await revoke_refresh_tokens(session, user_id=user.id)
    await account_tokens.void(session, user_id=user.id)
    await _list_revocation(session, user_id=user.id, min_version=version)


async def end_sessions_of_deleted(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """The user's row is gone (its refresh tokens with it): no version is valid."""
    await _list_revocation(session, user_id=user_id, min_version=None)


async def _list_revocation(
    session: AsyncSession, *, user_id: uuid.UUID, min_version: int | None
) -> None:
    # clock_timestamp(), not now(): the transaction may have waited for the
    # row lock of a login that issued an older token meanwhile, and the entry
    # must stay listed for a token lifetime after that token, not before it.
    statement = insert(SubjectRevocation).values(
        user_id=user_id, min_version=min_version, revoked_at=func.clock_timestamp()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SubjectRevocation.user_id],
            set_={
                "min_version": statement.excluded.min_version,
                "revoked_at": statement.excluded.revoked_at,
            },
        )
    )


async def end_session_tokens(session: AsyncSession, *, family_ids: Iterable[uuid.UUID]) -> None:
    """Every access token of these sessions (claim `sid`: the refresh-token
    family) is refused, by the verifiers within the revocation bound and by
    this service at once. The caller revokes the families' refresh tokens in
    the same transaction, which it commits: no token of theirs is issued
    after that, so the entry need only stay listed for a token lifetime."""
    # Each once: ON CONFLICT cannot update one row twice in a statement.
    # clock_timestamp(), as for subjects: the entry's time is after whatever
    # this transaction waited for (a refresh issuing a token of the session).
    rows = [
        {"session_id": family_id, "revoked_at": func.clock_timestamp()}
        for family_id in dict.fromkeys(family_ids)
    ]
    if not rows:
        return
    statement = insert(SessionRevocation).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SessionRevocation.session_id],
            set_={"revoked_at": statement.excluded.revoked_at},
        )
    )


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


async def list_revocations(
    session: AsyncSession, *, window: timedelta
) -> Sequence[SubjectRevocation]:
    """Revocations younger than `window`: older ones only concern expired tokens."""
    return await younger_than(session, SubjectRevocation, SubjectRevocation.revoked_at, window)


async def list_session_revocations(
    session: AsyncSession, *, window: timedelta
) -> Sequence[SessionRevocation]:
    """Sessions ended within `window`: the tokens of older ones have expired."""
    return await younger_than(session, SessionRevocation, SessionRevocation.revoked_at, window)


async def session_tokens_ended(session: AsyncSession, *, session_id: str) -> bool:
    """Whether the access tokens of the session `session_id` (claim `sid`) are revoked."""
    try:
        family_id = uuid.UUID(session_id)
    except ValueError:  # no session of ours has such an id, nor can be listed
        return False
    ended = exists().where(SessionRevocation.session_id == family_id)
    return bool(await session.scalar(select(ended)))


# Sessions as users see them (GET /auth/me/sessions): each login is one, its
# id the refresh-token family's (claim `sid` of its access tokens). A session
# is live while its family has a refresh token that can still be used; every
# way of ending one (logout, revocation, reuse, a credential change) revokes
# the family's tokens, so no other state is kept.


# An app's session granted without offline_access has no refresh token: it
# lives as long as its access token may (at most AUTH_ACCESS_TOKEN_LIFETIME_SECONDS,
# whose bound is an hour), unless it was ended.
NO_REFRESH_SESSION_LIFETIME = timedelta(hours=1)


def _live(
    family: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID] | uuid.UUID,
) -> ColumnElement[bool]:
    usable = exists().where(
        RefreshToken.family_id == family,
        RefreshToken.used_at.is_(None),
        RefreshToken.revoked_at.is_(None),
        RefreshToken.expires_at > func.now(),
    )
    without_refresh = and_(
        ~exists().where(RefreshToken.family_id == family),
        ~exists().where(SessionRevocation.session_id == family),
        exists().where(
            LoginSession.id == family,
            LoginSession.created_at > func.now() - NO_REFRESH_SESSION_LIFETIME,
        ),
    )
    return or_(usable, without_refresh)


def start_session(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    client: ClientInfo,
    client_id: str | None = None,
    scope: str | None = None,
    amr: Sequence[str] = PASSWORD_ONLY,
) -> uuid.UUID:
    """A new session and its login's event; its id, the family of its refresh
    tokens. `client_id` and `scope` for one granted to an app; `amr` how the
    person signed in (its tokens carry it, refreshed ones too)."""
    family_id = uuid.uuid4()
    session.add(
        LoginSession(
            id=family_id,
            user_id=user_id,
            user_agent=client.user_agent,
            client_address=client.address,
            client_id=client_id,
            scope=scope,
            amr=list(amr),
        )
    )
    events.record(
        session,
        type=events.LOGIN_SUCCEEDED,
        user_id=user_id,
        client=client,
        session_id=family_id,
        client_id=client_id,
    )
    return family_id


async def touch_session(session: AsyncSession, *, family_id: uuid.UUID) -> None:
    """A refresh used the session: its last use is now."""
    await session.execute(
        update(LoginSession).where(LoginSession.id == family_id).values(last_used_at=func.now())
    )


async def list_sessions(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[LoginSession]:
    rows = await session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user_id, _live(LoginSession.id))
        .order_by(LoginSession.last_used_at.desc(), LoginSession.id)
    )
    return rows.all()


async def is_live(session: AsyncSession, *, family_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(_live(family_id))))


async def end_session(session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
    """Revoke the session's refresh tokens if it is `user_id`'s and live; the
    caller commits (and lists its access tokens: end_session_tokens). False
    when there is no such session."""
    ended = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.family_id == session_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            _live(session_id),
        )
        .values(revoked_at=func.now())
        .returning(RefreshToken.id)
    )
    if ended.all():
        return True
    # An app's session without a refresh token: live, and ended by listing it.
    without_refresh = await session.scalar(
        select(LoginSession.id).where(
            LoginSession.id == session_id, LoginSession.user_id == user_id, _live(session_id)
        )
    )
    return without_refresh is not None


async def purge_ended_sessions(session: AsyncSession, *, unused_for: timedelta) -> None:
    """Drop sessions that ended (no usable refresh token) and were last used
    longer ago than `unused_for`; the caller commits."""
    await session.execute(
        delete(LoginSession).where(
            LoginSession.last_used_at < func.now() - unused_for, ~_live(LoginSession.id)
        )
    )


async def is_own_sign_in(session: AsyncSession, *, family_id: uuid.UUID) -> bool:
    """Whether the session is the person's own (a password login, or a
    first-party app's) rather than one an app holds for them (a deleted
    app's included)."""
    row = (
        await session.execute(
            select(LoginSession.client_id, OAuthClient.first_party)
            .outerjoin(OAuthClient, OAuthClient.id == LoginSession.client_id)
            .where(LoginSession.id == family_id)
        )
    ).one_or_none()
    if row is None or row.client_id is None:
        return True
    return bool(row.first_party)


async def live_sessions_of_app(
    session: AsyncSession, *, user_id: uuid.UUID, client_id: str
) -> Sequence[uuid.UUID]:
    """The person's sessions an app still holds."""
    rows = await session.scalars(
        select(LoginSession.id).where(
            LoginSession.user_id == user_id,
            LoginSession.client_id == client_id,
            _live(LoginSession.id),
        )
    )
    return rows.all()
