"""Personal access tokens: made, listed, revoked (by their owner, a superuser,
or a leak report), checked for the verifiers, and mails about them.

The token is shown once, at creation; the table holds its SHA-256
(platform_common.personal_tokens has the format). Its id is the `sid` and
`jti` of the claims the verifiers build from `check` (platform_common.
personal_token_checks): revoking it lists the id as an ended session, so the
gateway and notes-service refuse it within the revocation list's bound; a
deactivated or deleted owner is listed as a subject, as for every token.
Every change writes a security event (session_id: the token's id) and queues
a notice to the owner, in its own transaction; none holds the token.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ColumnElement, and_, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import events, notices, sessions
from auth_service.accounts.events import ClientInfo
from auth_service.db import page_and_total
from auth_service.errors import PersonalTokenNotFound, TooManyPersonalTokens
from auth_service.models import PersonalToken, PersonalTokenAddress, User
from platform_common import personal_tokens as token_format
from platform_common.scopes import NOTES, NOTES_READ, NOTES_WRITE

# What a PAT may carry: the notes API's scopes (auth-service takes no PAT;
# openid, profile and email serve apps signing people in).
SCOPES = (NOTES_READ, NOTES_WRITE, NOTES)
MAX_LIFETIME = timedelta(days=366)
# Bounds of what one person can make the system hold.
MAX_LIVE_PER_USER = 50
MAX_ADDRESSES_PER_TOKEN = 100
EXPIRY_NOTICE = timedelta(days=7)
# Expiry mails queued per housekeeping round (the next round does the rest).
EXPIRY_BATCH = 500


@dataclass(frozen=True, slots=True)
class Check:
    """A live token as the verifiers see it (POST /internal/personal-tokens/check)."""

    token_id: uuid.UUID
    user_id: uuid.UUID
    scopes: Sequence[str]
    version: int
    created_at: datetime
    expires_at: datetime


def _live() -> list[ColumnElement[bool]]:
    return [PersonalToken.revoked_at.is_(None), PersonalToken.expires_at > func.now()]


def _record(session: AsyncSession, kind: str, token: PersonalToken, client: ClientInfo) -> None:
    """A security event about `token` (its id as the event's session_id, its `sid`)."""
    events.record(session, type=kind, user_id=token.user_id, client=client, session_id=token.id)


def _notice(session: AsyncSession, *, to: str, token: PersonalToken, text: str) -> None:
    shown = f"{token_format.PREFIX}…{token.last_four}"
    notices.queue(
        session,
        to=to,
        subject=f"Personal access token {token.name!r}",
        text=f"Your personal access token {token.name!r} ({shown}) {text}\n\n"
        "Your tokens: GET /auth/me/tokens; revoke one: DELETE /auth/me/tokens/{id}.\n",
    )


async def create(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    lifetime: timedelta,
    client: ClientInfo,
) -> tuple[PersonalToken, str]:
    """The stored row and the token, which is never seen again."""
    # The owner's row locked: two creations at once cannot both pass the bound.
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    live = await session.scalar(
        select(func.count()).where(PersonalToken.user_id == user.id, *_live())
    )
    if (live or 0) >= MAX_LIVE_PER_USER:
        raise TooManyPersonalTokens
    token = token_format.new_token()
    row = PersonalToken(
        id=uuid.uuid4(),
        user_id=user.id,
        name=name,
        token_hash=token_format.token_hash(token),
        last_four=token[-token_format.VISIBLE_TAIL :],
        scopes=sorted(set(scopes)),
        expires_at=func.now() + lifetime,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    if client.address:
        # Its creator's address is no news to its owner.
        session.add(PersonalTokenAddress(token_id=row.id, address=client.address))
    _record(session, events.PERSONAL_TOKEN_CREATED, row, client)
    expires = row.expires_at.date().isoformat()
    _notice(session, to=user.email, token=row, text=f"was created; it expires on {expires}.")
    await session.commit()
    return row, token


_NEWEST_FIRST = (PersonalToken.created_at.desc(), PersonalToken.id)


async def list_live(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[PersonalToken]:
    """One person's live tokens (MAX_LIVE_PER_USER at most), newest first."""
    rows = await session.scalars(
        select(PersonalToken)
        .where(PersonalToken.user_id == user_id, *_live())
        .order_by(*_NEWEST_FIRST)
    )
    return rows.all()


async def page_live(
    session: AsyncSession, *, user_id: uuid.UUID | None, offset: int, limit: int
) -> tuple[Sequence[PersonalToken], int]:
    """A page of the live tokens, newest first, one person's or everyone's; and how many in all."""
    owner = [] if user_id is None else [PersonalToken.user_id == user_id]
    return await page_and_total(
        session,
        PersonalToken,
        order=_NEWEST_FIRST,
        where=[*owner, *_live()],
        offset=offset,
        limit=limit,
    )


async def _revoke_where(
    session: AsyncSession, *conditions: ColumnElement[bool]
) -> Sequence[tuple[PersonalToken, str]]:
    """Revoke the live tokens matching, list them as ended sessions; (token, owner's email)."""
    ids = (
        update(PersonalToken)
        .where(*conditions, *_live())
        .values(revoked_at=func.now())
        .returning(PersonalToken.id)
    )
    revoked = list(await session.scalars(ids))
    if not revoked:
        return []
    await sessions.end_session_tokens(session, family_ids=revoked)
    rows = await session.execute(
        select(PersonalToken, User.email)
        .join(User, User.id == PersonalToken.user_id)
        .where(PersonalToken.id.in_(revoked))
        .execution_options(populate_existing=True)
    )
    return [(token, email) for token, email in rows]


async def revoke(
    session: AsyncSession,
    *,
    token_id: uuid.UUID,
    owner_id: uuid.UUID | None,
    client: ClientInfo,
) -> None:
    """Revoke one live token (of `owner_id` unless None: a superuser's act);
    PersonalTokenNotFound if there is none such."""
    owner = [] if owner_id is None else [PersonalToken.user_id == owner_id]
    revoked = await _revoke_where(session, PersonalToken.id == token_id, *owner)
    if not revoked:
        raise PersonalTokenNotFound
    for token, email in revoked:
        _record(session, events.PERSONAL_TOKEN_REVOKED, token, client)
        _notice(session, to=email, token=token, text="was revoked.")
    await session.commit()


@dataclass(frozen=True, slots=True)
class Leak:
    token: str
    url: str | None = None


async def revoke_leaked(
    session: AsyncSession, *, leaks: Sequence[Leak], client: ClientInfo
) -> list[str]:
    """Revoke the live tokens among those found in public and tell their owners
    where; the tokens that were live (every other string is ignored)."""
    by_hash = {
        token_format.token_hash(leak.token): leak
        for leak in leaks
        if token_format.well_formed(leak.token)
    }
    if not by_hash:
        return []
    revoked = await _revoke_where(session, PersonalToken.token_hash.in_(by_hash))
    for token, email in revoked:
        _record(session, events.PERSONAL_TOKEN_LEAKED, token, client)
        where = by_hash[token.token_hash].url
        found = f" at {where}" if where else ""
        _notice(
            session,
            to=email,
            token=token,
            text=f"was found in public{found} and has been revoked. "
            "Make a new one, and keep it out of code and logs.",
        )
    await session.commit()
    return [by_hash[token.token_hash].token for token, _ in revoked]


async def check(session: AsyncSession, *, token_hash: str, address: str | None) -> Check | None:
    """A live token of an active account, or None. With `address` (the gateway
    asks with the client's), the use is recorded; a use from an address the
    token has not been seen from is an event and a mail."""
    found = (
        await session.execute(
            select(PersonalToken, User)
            .join(User, User.id == PersonalToken.user_id)
            .where(PersonalToken.token_hash == token_hash, User.is_active, *_live())
        )
    ).first()
    if found is None:
        return None
    token, user = found
    if address is not None:
        await _record_use(session, token=token, user=user, address=address)
    return Check(
        token_id=token.id,
        user_id=user.id,
        scopes=token.scopes,
        version=user.token_version,
        created_at=token.created_at,
        expires_at=token.expires_at,
    )


async def _record_use(
    session: AsyncSession, *, token: PersonalToken, user: User, address: str
) -> None:
    await session.execute(
        update(PersonalToken)
        .where(PersonalToken.id == token.id)
        .values(last_used_at=func.now(), last_used_address=address)
    )
    # clock_timestamp(): uses within one transaction are ordered too.
    seen = insert(PersonalTokenAddress).values(
        token_id=token.id, address=address, last_seen_at=func.clock_timestamp()
    )
    # xmax = 0: the row was inserted, not updated (the address is new).
    new = await session.scalar(
        seen.on_conflict_do_update(
            index_elements=[PersonalTokenAddress.token_id, PersonalTokenAddress.address],
            set_={"last_seen_at": func.clock_timestamp()},
        ).returning(literal_column("xmax = 0", Boolean))
    )
    known = await session.scalar(
        select(func.count()).where(PersonalTokenAddress.token_id == token.id)
    )
    if (known or 0) > MAX_ADDRESSES_PER_TOKEN:
        # Bounded: the address seen longest ago is forgotten.
        oldest = (
            select(PersonalTokenAddress.address)
            .where(PersonalTokenAddress.token_id == token.id)
            .order_by(PersonalTokenAddress.last_seen_at)
            .limit(1)
            .scalar_subquery()
        )
        await session.execute(
            delete(PersonalTokenAddress).where(
                and_(
                    PersonalTokenAddress.token_id == token.id,
                    PersonalTokenAddress.address == oldest,
                )
            )
        )
    if new and (known or 0) > 1:
        _record(
            session, events.PERSONAL_TOKEN_NEW_ADDRESS, token, ClientInfo.of(address, None, None)
        )
        _notice(
            session,
            to=user.email,
            token=token,
            text=f"was used from an address it had not been used from: {address}. "
            "If that was not you, revoke it.",
        )
    await session.commit()


async def notify_expiring(session: AsyncSession) -> int:
    """One mail per live token expiring within 7 days, once; how many queued.
    Idempotent across replicas: each token is claimed by one UPDATE."""
    due = (
        select(PersonalToken.id)
        .where(
            *_live(),
            PersonalToken.expires_at < func.now() + EXPIRY_NOTICE,
            PersonalToken.expiry_notified_at.is_(None),
        )
        .limit(EXPIRY_BATCH)
        .with_for_update(skip_locked=True)
    )
    claimed = list(
        await session.scalars(
            update(PersonalToken)
            .where(PersonalToken.id.in_(due.scalar_subquery()))
            .values(expiry_notified_at=func.now())
            .returning(PersonalToken.id)
        )
    )
    if not claimed:
        return 0
    rows = await session.execute(
        select(PersonalToken, User.email)
        .join(User, User.id == PersonalToken.user_id)
        .where(PersonalToken.id.in_(claimed))
    )
    for token, email in rows:
        _record(session, events.PERSONAL_TOKEN_EXPIRING, token, events.NO_CLIENT)
        when = token.expires_at.isoformat(timespec="minutes")
        _notice(session, to=email, token=token, text=f"expires at {when} (UTC).")
    await session.commit()
    return len(claimed)
