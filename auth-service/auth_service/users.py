"""Accounts: registration, reads, updates, deletion. Each function that
writes owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service import sessions
from auth_service.emails import normalise_email
from auth_service.errors import EmailTaken, IncorrectPassword, LastSuperuser, UserNotFound
from auth_service.models import USER_DELETED, OutboxEvent, User
from auth_service.schemas import UserCreate, UserUpdateAdmin, UserUpdateMe
from auth_service.security import PasswordHasher


async def register_user(session: AsyncSession, *, data: UserCreate, hasher: PasswordHasher) -> User:
    user = User(
        email=data.email,
        hashed_password=await hasher.hash(data.password),
        full_name=data.full_name,
        is_active=True,
        is_superuser=False,
    )
    session.add(user)
    await _flush_user(session)
    await session.commit()
    return user


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


async def list_users(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    page = await session.scalars(
        select(User).order_by(User.created_at, User.id).offset(offset).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(User))
    return page.all(), total or 0


async def update_own_account(
    session: AsyncSession, *, user: User, data: UserUpdateMe, hasher: PasswordHasher
) -> User:
    if data.current_password is not None:
        await _check_password(user, data.current_password, hasher)
    return await _apply_update(
        session, user=user, changes=data.model_dump(exclude_unset=True), hasher=hasher
    )


async def update_user(
    session: AsyncSession, *, user_id: uuid.UUID, data: UserUpdateAdmin, hasher: PasswordHasher
) -> User:
    user = await get_user(session, user_id=user_id)
    return await _apply_update(
        session, user=user, changes=data.model_dump(exclude_unset=True), hasher=hasher
    )


async def _check_password(user: User, password: str, hasher: PasswordHasher) -> None:
    matches, _ = await hasher.verify(password, user.hashed_password)
    if not matches:
        raise IncorrectPassword


async def _apply_update(
    session: AsyncSession, *, user: User, changes: dict[str, object], hasher: PasswordHasher
) -> User:
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
    await session.commit()
    return user


async def delete_own_account(
    session: AsyncSession, *, user: User, current_password: str, hasher: PasswordHasher
) -> None:
    await _check_password(user, current_password, hasher)
    await delete_user(session, user_id=user.id)


async def delete_user(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Delete the account and, through the foreign key's cascade, its refresh tokens.

    One transaction: the outbox event that asks notes-service to purge the
    user's notes (auth_service.outbox delivers it) and the listing that ends
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
