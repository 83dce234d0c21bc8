"""Accounts: registration, reads, updates, deletion. Each function that
writes owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import account_tokens, events, notices, sessions, throttle
from auth_service.accounts.emails import normalise_email
from auth_service.accounts.events import NO_CLIENT, ClientInfo
from auth_service.accounts.throttle import Limit
from auth_service.db import page_and_total
from auth_service.errors import (
    EmailTaken,
    IncorrectPassword,
    LastSuperuser,
    TooManyRequests,
    UserNotFound,
)
from auth_service.models import (
    USER_DELETED,
    VERIFICATION_EMAIL,
    VERIFY_EMAIL,
    OutboxEvent,
    User,
)
from auth_service.schemas import UserCreate, UserUpdateAdmin, UserUpdateMe
from auth_service.security import PasswordHasher

# Counters of attempts to prove the current password (see _check_password).
PROOF_SCOPE = "password-proof"
# Counters of the emails registrations send to one address (register_user).
REGISTRATION_MAIL_SCOPE = "register_mail"  # the column holds 16 characters


async def register_user(
    session: AsyncSession, *, data: UserCreate, hasher: PasswordHasher, mail_limit: Limit
) -> None:
    """The account, unverified, and (same transaction) its verification email;
    for an address that has an account already, a notice to its owner instead.

    Neither the answer nor the work tells which (a taken address used to get
    409): the password is hashed, the address's counter counted, the INSERT
    tried (ON CONFLICT DO NOTHING: no error, and two registrations at once
    make one account) and one email queued, either way. Notices stop at
    `mail_limit` per address (the verification counts), since anyone can
    register any address: past it, the notice's INSERT is the one statement
    left out, on an address that has had this same answer all along.
    """
    hashed_password = await hasher.hash(data.password)
    mail_capped = (
        await throttle.count_requests(
            session,
            counters=[(REGISTRATION_MAIL_SCOPE, throttle.counter_key(data.email), mail_limit)],
        )
        is not None
    )
    created = await session.scalar(
        insert(User)
        .values(
            id=uuid.uuid4(),
            email=data.email,
            hashed_password=hashed_password,
            full_name=data.full_name,
            is_active=True,
            is_superuser=False,
            is_verified=False,
        )
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User.id)
    )
    if created is not None:
        _queue_verification(session, user_id=created, email=data.email)
    elif not mail_capped:
        notices.queue(
            session,
            to=data.email,
            subject="Someone tried to register with your notes-platform address",
            text=(
                "Someone asked to create a notes-platform account with this address,\n"
                "which already has one. Nothing was changed and no account was made.\n\n"
                "If it was you, log in with your password, or ask for a password reset\n"
                "(POST /auth/password-reset) if you have forgotten it.\n"
                "If it was not you, you need do nothing.\n"
            ),
        )
    await session.commit()


def _queue_verification(session: AsyncSession, *, user_id: uuid.UUID, email: str) -> None:
    session.add(
        OutboxEvent(kind=VERIFICATION_EMAIL, payload={"user_id": str(user_id), "email": email})
    )


async def ensure_superuser(
    session: AsyncSession, *, email: str, password: str, hasher: PasswordHasher
) -> bool:
    """Create the first superuser unless that email exists; True when created.

    INSERT ... ON CONFLICT: several workers starting at once create one user.
    An existing account is left as it is (its password may have been changed).
    """
    email = normalise_email(email)
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        return False
    statement = (
        insert(User)
        .values(
            id=uuid.uuid4(),
            email=email,
            hashed_password=await hasher.hash(password),
            is_active=True,
            is_superuser=True,
            # The operator configured this address: nobody else could have.
            is_verified=True,
        )
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User.id)
    )
    created = await session.scalar(statement)
    await session.commit()
    return created is not None


async def get_user(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound
    return user


async def get_active_user(session: AsyncSession, *, user_id: uuid.UUID) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None


async def lock_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user's row, locked until the transaction ends (logins, refreshes and
    account-token redemptions read `is_active` and `token_version` under it)."""
    user: User | None = await session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        # The row as the lock found it, not a copy the session loaded earlier.
        .execution_options(populate_existing=True)
    )
    return user


async def list_users(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    order = (User.created_at, User.id)
    return await page_and_total(session, User, order=order, offset=offset, limit=limit)


async def update_own_account(
    session: AsyncSession,
    *,
    user: User,
    data: UserUpdateMe,
    hasher: PasswordHasher,
    proof_limit: Limit,
    client: ClientInfo = NO_CLIENT,
) -> User:
    """A new address is only requested here: it replaces the old one once the
    token sent to it is used (auth_service.accounts.recovery.verify_email); the old
    address is told. The answer still shows the old address."""
    if data.current_password is not None:
        await check_current_password(
            session, user=user, password=data.current_password, hasher=hasher, limit=proof_limit
        )
    changes = data.model_dump(exclude_unset=True)
    new_email = changes.pop("email", None)
    wants_new_email = isinstance(new_email, str) and new_email != user.email
    if wants_new_email and await session.scalar(select(User.id).where(User.email == new_email)):
        raise EmailTaken
    await _apply_update(session, user=user, changes=changes, hasher=hasher, client=client)
    if wants_new_email:
        # After the update, which may have ended the sessions (and so voided
        # every emailed token): this request is newer than that.
        await _request_email_change(session, user=user, new_email=str(new_email), client=client)
    await session.commit()
    return user


async def _request_email_change(
    session: AsyncSession, *, user: User, new_email: str, client: ClientInfo
) -> None:
    """Queue the new address's proof; an earlier request's dies with this one.
    The caller holds the user's row (updated) and commits."""
    await account_tokens.void(session, user_id=user.id, purposes=[VERIFY_EMAIL])
    _queue_verification(session, user_id=user.id, email=new_email)
    notices.queue(
        session,
        to=user.email,
        subject="Your notes-platform address is being changed",
        text=(
            "Someone logged into your account asked to change its email address.\n"
            "The change takes effect only when the new address is confirmed.\n"
            "If this was not you, change your password now.\n"
        ),
    )
    events.record(session, type=events.EMAIL_CHANGE_REQUESTED, user_id=user.id, client=client)


async def update_user(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    data: UserUpdateAdmin,
    hasher: PasswordHasher,
    client: ClientInfo = NO_CLIENT,
) -> User:
    """A superuser's change applies at once; a new address is unverified until
    its owner uses the token sent to it, and the old address is told."""
    user = await get_user(session, user_id=user_id)
    changes = data.model_dump(exclude_unset=True)
    old_email = user.email
    new_email = changes["email"] if changes.get("email", old_email) != old_email else None
    if new_email is not None:
        changes["is_verified"] = False
    await _apply_update(session, user=user, changes=changes, hasher=hasher, client=client)
    if new_email is not None:
        # After the update, whose end of sessions voided every emailed token.
        _queue_verification(session, user_id=user.id, email=str(new_email))
        notices.queue(
            session,
            to=old_email,
            subject="Your notes-platform address was changed",
            text="An administrator changed the email address of your account.\n",
        )
    await session.commit()
    return user


async def check_current_password(
    session: AsyncSession, *, user: User, password: str, hasher: PasswordHasher, limit: Limit
) -> None:
    """The proof a sensitive change needs. Counted before the check, like a
    login, so that a stolen access token cannot try passwords at will."""
    key = throttle.counter_key(PROOF_SCOPE, str(user.id))
    wait = await throttle.count_requests(session, counters=[(PROOF_SCOPE, key, limit)])
    if wait is not None:
        raise TooManyRequests(retry_after=wait)
    matches, _ = await hasher.verify(password, user.hashed_password)
    if not matches:
        raise IncorrectPassword


async def _apply_update(
    session: AsyncSession,
    *,
    user: User,
    changes: dict[str, object],
    hasher: PasswordHasher,
    client: ClientInfo,
) -> None:
    """Apply `changes` and end the sessions if they call for it; the caller commits."""
    changes.pop("current_password", None)
    password = changes.pop("password", None)
    if changes.get("is_superuser") is False or changes.get("is_active") is False:
        await _keep_a_superuser(session, leaving=user)
    # Whoever knew the old password or owned the old address, or a disabled
    # account's holder, must not keep a session through it.
    ends_sessions = (
        isinstance(password, str)
        or ("email" in changes and changes["email"] != user.email)
        or changes.get("is_active") is False
    )
    if isinstance(password, str):
        user.hashed_password = await hasher.hash(password)
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = datetime.now(UTC)
    await _flush_user(session)
    if ends_sessions:
        await sessions.end_sessions(session, user=user)
    for type in _events_of(changes, password_changed=isinstance(password, str)):
        events.record(session, type=type, user_id=user.id, client=client)


def _events_of(changes: dict[str, object], *, password_changed: bool) -> list[str]:
    found = [events.PASSWORD_CHANGED] if password_changed else []
    if "email" in changes:
        found.append(events.EMAIL_CHANGED)
    if changes.get("is_active") is False:
        found.append(events.ACCOUNT_DEACTIVATED)
    return found


async def delete_user(
    session: AsyncSession, *, user_id: uuid.UUID, client: ClientInfo = NO_CLIENT
) -> None:
    """Delete the account and, through the foreign key's cascade, its refresh tokens.

    One transaction: the outbox event that asks notes-service to purge the
    user's notes (auth_service.delivery.outbox delivers it) and the listing that ends
    every access token of the user are written with the deletion, so that all of it
    happens together or not at all.
    """
    user = await get_user(session, user_id=user_id)
    await _keep_a_superuser(session, leaving=user)
    deleted = await session.scalar(delete(User).where(User.id == user_id).returning(User.id))
    if deleted is None:  # deleted by another request meanwhile
        raise UserNotFound
    session.add(OutboxEvent(kind=USER_DELETED, payload={"user_id": str(user_id)}))
    await sessions.end_sessions_of_deleted(session, user_id=user_id)
    events.record(session, type=events.ACCOUNT_DELETED, user_id=user_id, client=client)
    await session.commit()


async def _keep_a_superuser(session: AsyncSession, *, leaving: User) -> None:
    """LastSuperuser if `leaving` is the only active superuser: nobody could
    manage accounts any more. The active superusers' rows are locked, so two
    superusers demoting each other at once cannot both succeed: the second
    waits, then no longer counts the first."""
    if not (leaving.is_superuser and leaving.is_active):
        return
    active = await session.scalars(
        select(User.id).where(User.is_superuser, User.is_active).with_for_update()
    )
    if set(active.all()) <= {leaving.id}:
        raise LastSuperuser


async def _flush_user(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        if "uq_users_email" in str(exc.orig):
            raise EmailTaken from None
        raise
